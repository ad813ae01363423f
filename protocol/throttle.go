package protocol

import "time"

// Backoff is how wrong passwords slow down the next try of one account or
// one network address: the first FreeFailures cost nothing, then each
// further failure makes the next attempt wait, twice as long each time,
// from FirstDelaySeconds up to MaxDelaySeconds. A right password after the
// wait signs in: nothing locks, so a stranger who types wrong passwords for
// a colleague's name delays them by at most MaxDelaySeconds, never keeps
// them out. The count is forgotten ForgetMinutes after the last failure.
type Backoff struct {
	// FreeFailures: wrong passwords in a row before any wait.
	FreeFailures int
	// FirstDelaySeconds: the wait after the first failure past the free
	// ones, in seconds; it doubles with every failure after.
	FirstDelaySeconds int
	// MaxDelaySeconds: the longest wait, in seconds.
	MaxDelaySeconds int
	// ForgetMinutes: minutes without a failure after which the count
	// starts again.
	ForgetMinutes int
}

// Delay is the wait before the next attempt after failures in a row.
func (b Backoff) Delay(failures int) time.Duration {
	n := failures - b.FreeFailures
	if n <= 0 {
		return 0
	}
	d, limit := time.Duration(b.FirstDelaySeconds)*time.Second, time.Duration(b.MaxDelaySeconds)*time.Second
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Forget is ForgetMinutes as a duration.
func (b Backoff) Forget() time.Duration { return minutes(b.ForgetMinutes) }

// LoginThrottle slows down password guessing, at sign-in and at every
// other check of a password (a ledger witness, taking the clinic tablet
// back, changing one's password), which all count together.
//
// It is the server's and not each clinic's protocol: it is decided before
// anyone knows which clinic (if any) a username belongs to, and must answer
// a name that exists exactly as one that does not.
type LoginThrottle struct {
	// Account counts the wrong passwords given for one username, from any
	// address, whether or not the username exists. 5 free, then 1 s
	// doubling to 60 s, forgotten after 15 min [OWASP ASVS 4.0 2.2.1
	// (soft lockout, increasing delays); NIST SP 800-63B 5.2.2 (at most 100
	// consecutive failures: at 60 s each, 100 take over an hour)].
	Account Backoff
	// Address counts the wrong passwords from one network address across
	// every username. 20 free (a clinic's staff often share one address
	// behind its router), then 1 s doubling to 15 min, forgotten after
	// 15 min [OWASP ASVS 4.0 2.2.1; practice: the limit ketaflow had].
	Address Backoff
}

// DefaultLoginThrottle is the throttle of a ketaflow server.
func DefaultLoginThrottle() LoginThrottle {
	return LoginThrottle{
		Account: Backoff{FreeFailures: 5, FirstDelaySeconds: 1, MaxDelaySeconds: 60, ForgetMinutes: 15},
		Address: Backoff{FreeFailures: 20, FirstDelaySeconds: 1, MaxDelaySeconds: 15 * 60, ForgetMinutes: 15},
	}
}
