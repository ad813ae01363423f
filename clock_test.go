package ketaflow

import (
	"errors"
	"testing"
	"time"
)

func TestTrainingClock(t *testing.T) {
	t.Parallel()
	base := NewFakeClock(time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC))
	c := NewTrainingClock(base)
	if !c.Now().Equal(base.Now()) || c.Ahead() != 0 {
		t.Fatalf("a new training clock reads %v, %v ahead; want the base time", c.Now(), c.Ahead())
	}

	// It moves forward, and keeps running with its base.
	var from, to time.Time
	if err := c.Advance(30*time.Minute, func(f, t time.Time) error { from, to = f, t; return nil }); err != nil {
		t.Fatal(err)
	}
	if want := base.Now().Add(30 * time.Minute); !c.Now().Equal(want) || !from.Equal(base.Now()) || !to.Equal(want) {
		t.Errorf("after 30 min: now %v (record saw %v -> %v), want %v", c.Now(), from, to, want)
	}
	base.Advance(time.Minute)
	if want := base.Now().Add(30 * time.Minute); !c.Now().Equal(want) {
		t.Errorf("real time passing: now %v, want %v", c.Now(), want)
	}

	// It never goes back, and a move whose record fails does not happen.
	for _, d := range []time.Duration{0, -time.Minute} {
		called := false
		err := c.Advance(d, func(time.Time, time.Time) error { called = true; return nil })
		if !IsCode(err, EInvalid) || AsError(err).Field != "advance" || called {
			t.Errorf("Advance(%v) = %v (record called %t), want EInvalid on advance", d, err, called)
		}
	}
	failed := errors.New("audit entry not written")
	if err := c.Advance(time.Hour, func(time.Time, time.Time) error { return failed }); !errors.Is(err, failed) {
		t.Errorf("failing record: %v", err)
	}
	if c.Ahead() != 30*time.Minute {
		t.Errorf("ahead %v after a failed move, want 30m", c.Ahead())
	}

	// A restarted clock catches up with the latest time recorded, and is
	// never set back by it.
	restarted := NewTrainingClock(base)
	latest := c.Now()
	restarted.CatchUp(latest)
	restarted.CatchUp(latest.Add(-time.Hour))
	if !restarted.Now().Equal(latest) {
		t.Errorf("restarted clock reads %v, want the latest recorded %v", restarted.Now(), latest)
	}
}

// TestTrainingClockWaitsForWritesInFlight: while a write holds the clock
// it cannot be moved, and while it is being moved no write starts.
func TestTrainingClockWaitsForWritesInFlight(t *testing.T) {
	t.Parallel()
	c := NewTrainingClock(NewFakeClock(time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)))
	release := c.Hold()
	if c.mu.TryLock() {
		t.Fatal("the clock could be moved while a write holds it")
	}
	release()
	release() // a second release is harmless
	err := c.Advance(time.Minute, func(time.Time, time.Time) error {
		if c.mu.TryRLock() {
			t.Error("a write could start while the clock was being moved")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Hold()() // and writes go on after it
}

// TestSystemClockKeepsWhatTheDatabasesKeep: the databases store times to
// the microsecond, so the clock reads no finer; an answer that carried
// nanoseconds would differ from the record read back.
func TestSystemClockKeepsWhatTheDatabasesKeep(t *testing.T) {
	for range 100 {
		now := SystemClock{}.Now()
		if now.Nanosecond()%1000 != 0 || now.Location() != time.UTC {
			t.Fatalf("SystemClock.Now() = %v: finer than a microsecond or not UTC", now)
		}
	}
}
