package app

import (
	"fmt"
	"sync"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/protocol"
)

// throttle slows down password guessing with a growing wait
// (protocol.LoginThrottle): per username, whether it exists or not, and
// per network address. Every check of a password counts in it, a sign-in
// or a witness's co-signature alike. It is kept in memory, like the live
// events: one server per database (docs/architecture.md).
type throttle struct {
	mu    sync.Mutex
	rules protocol.LoginThrottle
	seen  map[string]*strikes
}

// strikes is one key's wrong passwords in a row, and the last one's time.
type strikes struct {
	n    int
	last time.Time
}

func newThrottle(rules protocol.LoginThrottle) *throttle {
	return &throttle{rules: rules, seen: map[string]*strikes{}}
}

func accountKey(username string) string { return "account:" + access.NormalizeUsername(username) }
func addressKey(source string) string   { return "address:" + source }

func (t *throttle) backoff(key string) protocol.Backoff {
	if len(key) > 8 && key[:8] == "account:" {
		return t.rules.Account
	}
	return t.rules.Address
}

// wait is how long the next password for username from source must wait:
// the longer of the two keys' waits, zero when it may be checked now.
func (t *throttle) wait(username, source string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var longest time.Duration
	for _, k := range []string{accountKey(username), addressKey(source)} {
		s := t.current(k, now)
		if s == nil {
			continue
		}
		if w := s.last.Add(t.backoff(k).Delay(s.n)).Sub(now); w > longest {
			longest = w
		}
	}
	return longest
}

// fail counts a wrong password for username from source.
func (t *throttle) fail(username, source string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range []string{accountKey(username), addressKey(source)} {
		s := t.current(k, now)
		if s == nil {
			s = &strikes{}
			t.seen[k] = s
		}
		s.n++
		s.last = now
	}
	if len(t.seen) > 10000 { // forget the keys that no longer count rather than grow without end
		for k := range t.seen {
			t.current(k, now)
		}
	}
}

// succeed clears the username's count: its right password was given. The
// address's count stays, so that a guesser cannot clear it with an account
// of their own.
func (t *throttle) succeed(username string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, accountKey(username))
}

// current is the key's count, nil (and forgotten) once its time is past.
func (t *throttle) current(key string, now time.Time) *strikes {
	s := t.seen[key]
	if s != nil && now.Sub(s.last) >= t.backoff(key).Forget() {
		delete(t.seen, key)
		return nil
	}
	return s
}

// errThrottled is the answer while a password must wait: the same for a
// username that exists and one that does not.
func errThrottled(wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	return ketaflow.Errorf(ketaflow.ERateLimited,
		"too many wrong passwords for this username or from this device; try again in %s", waitWords(secs))
}

func waitWords(secs int) string {
	switch {
	case secs <= 1:
		return "1 second"
	case secs < 120:
		return fmt.Sprintf("%d seconds", secs)
	}
	return fmt.Sprintf("%d minutes", (secs+59)/60)
}
