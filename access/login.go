package access

import "time"

// Login is a staff member signed in on one browser (the login cookie). It
// ends on logout, after an idle period with no request, or at its absolute
// expiry, whichever comes first. (A "session" in ketaflow is a treatment
// session.)
type Login struct {
	TokenHash  string
	UserID     string
	ClinicID   string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end, fixed at login
	EndedAt    *time.Time
	Source     string
	// TwoFactor: the login was opened with a second factor (a code or a
	// recovery code) after the password.
	TwoFactor bool
}

// Live reports whether the login may still be used at now, given the idle
// timeout.
func (s Login) Live(now time.Time, idle time.Duration) bool {
	return s.EndedAt == nil && now.Before(s.ExpiresAt) && now.Before(s.LastSeenAt.Add(idle))
}
