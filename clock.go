package ketaflow

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock tells the time. Every rule that depends on time (sessions, windows,
// timeouts, phase clocks) reads it from an injected Clock so that tests can
// run a two-hour visit in milliseconds with a FakeClock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock; it always answers in UTC, to the
// microsecond: both databases keep a time to the microsecond, so a write
// answers with the time it stored, and reads it back the same after a
// restart (the crash test of cmd/ketaflow compares them).
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// FakeClock is a Clock that moves only when told to. It is safe for
// concurrent use.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock returns a FakeClock set to t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t.UTC()} }

func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.UTC()
}

// TrainingClock is the clock of a training server (ketaflow serve --demo
// --clock manual): the time of an underlying clock (the system's), moved
// forward by an admin, so that a two-hour Spravato session can be seen
// through in minutes, honestly: every record carries the clock's time, and
// nothing is backdated. It never moves backward. It is safe for
// concurrent use.
//
// Moving it while a write is in flight would let one request judge a rule
// at one time and record at another, so each write holds the clock
// (Hold) while it runs and Advance waits until none does. A hold does not
// stop time: the underlying clock runs on, and the clock reads later and
// later while held. It only keeps the clock from being moved forward.
type TrainingClock struct {
	base  Clock
	mu    sync.RWMutex // held for reading by writes in flight, for writing by Advance
	ahead atomic.Int64 // nanoseconds ahead of base
}

// NewTrainingClock returns a TrainingClock that reads base and is not yet
// ahead of it.
func NewTrainingClock(base Clock) *TrainingClock { return &TrainingClock{base: base} }

func (c *TrainingClock) Now() time.Time { return c.base.Now().Add(c.Ahead()) }

// Ahead is how far the clock has been moved forward in all.
func (c *TrainingClock) Ahead() time.Duration { return time.Duration(c.ahead.Load()) }

// Hold keeps the clock from being moved until release is called: Advance
// waits for every hold to be released, and, once an Advance waits, a new
// Hold waits for it. Time itself runs on while held (real time passes);
// only the jump forward waits. Hold as briefly as the work that must see
// no jump: web.Server holds it while a write's handler runs, after the
// request is read and before the answer is sent, so that a slow client
// holds nothing.
func (c *TrainingClock) Hold() (release func()) {
	c.mu.RLock()
	var once sync.Once
	return func() { once.Do(c.mu.RUnlock) }
}

// CatchUp moves the clock forward to t if it reads earlier, so that a
// training server restarted (its offset lives in memory) carries on from
// the latest time it recorded rather than going back to real time.
func (c *TrainingClock) CatchUp(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if behind := t.Sub(c.Now()); behind > 0 {
		c.ahead.Add(int64(behind))
	}
}

// Advance moves the clock forward by d once no write holds it. record runs
// first, with the clock held still at from and the time it will read, to;
// the clock moves only if record succeeds, so that a move and its record
// (the audit entry) go together. A d that is not positive is refused: the
// clock never goes back.
func (c *TrainingClock) Advance(d time.Duration, record func(from, to time.Time) error) error {
	if d <= 0 {
		return Invalid("advance", "the training clock moves only forward: give a duration above zero")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	from := c.Now()
	if err := record(from, from.Add(d)); err != nil {
		return err
	}
	c.ahead.Add(int64(d))
	return nil
}
