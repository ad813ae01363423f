package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// Two-factor sign-in with an authenticator app: time-based one-time
// passwords (TOTP, RFC 6238) of 6 digits over 30-second steps with
// HMAC-SHA1, the parameters every authenticator app reads from a QR code
// (Google Authenticator's defaults, which RFC 6238 §4 names).
const (
	TOTPPeriod = 30 * time.Second
	// TOTPSkew is how many steps either side of now a code is accepted: one,
	// for a phone's clock a little off and the time to type (RFC 6238 §5.2
	// recommends at most one step of transmission delay).
	TOTPSkew = 1
	// ChallengeLifetime is how long the step between the password and the
	// code may last: enough to open the app (or set it up), short enough
	// that a password typed on a shared computer does not wait for long.
	ChallengeLifetime = 10 * time.Minute
	// RecoveryCodeCount is how many recovery codes a person gets at a time.
	RecoveryCodeCount = 10
)

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// ChallengeKind is what the step after the password asks for.
type ChallengeKind string

const (
	ChallengeCode  ChallengeKind = "code"  // a code from the enrolled authenticator, or a recovery code
	ChallengeEnrol ChallengeKind = "enrol" // set up the authenticator the clinic requires, confirmed by a first code
)

// Challenge is a sign-in whose password was right and whose second factor
// is still to come. It is no login: nothing but the code (or the
// enrolment) can be done with it.
type Challenge struct {
	TokenHash string
	UserID    string
	ClinicID  string
	Kind      ChallengeKind
	CreatedAt time.Time
	ExpiresAt time.Time
	EndedAt   *time.Time
	Source    string
	VisitID   string // the visit to return to, when the sign-in took a tablet back
}

// Live reports whether the challenge may still be answered at now.
func (c Challenge) Live(now time.Time) bool { return c.EndedAt == nil && now.Before(c.ExpiresAt) }

// SecondFactor is a user's authenticator: the confirmed secret ("" until
// the first code confirms one), one being set up, and the last step whose
// code was accepted.
type SecondFactor struct {
	UserID        string
	ClinicID      string
	Secret        string
	PendingSecret string
	ConfirmedAt   *time.Time
	LastStep      int64
}

// Enrolled reports whether the user has a confirmed authenticator.
func (f SecondFactor) Enrolled() bool { return f.Secret != "" }

// TwoFactorRule is the clinic's setting of who must sign in with a second
// factor (protocol.Security).
type TwoFactorRule struct {
	Admins, Prescribers, OtherStaff bool
}

// SecondFactorRequired reports whether the rule requires a second factor
// of a role.
func SecondFactorRequired(r Role, rule TwoFactorRule) bool {
	switch r {
	case Admin:
		return rule.Admins
	case Prescriber:
		return rule.Prescribers
	}
	return rule.OtherStaff
}

// NewTOTPKey makes a random secret (160 bits, RFC 4226 §4's recommended
// length) and the otpauth:// URL an authenticator app reads from the QR
// code, naming the issuer (the clinic) and the account (the username).
func NewTOTPKey(issuer, account string) (*otp.Key, error) {
	if strings.TrimSpace(issuer) == "" {
		issuer = "ketaflow"
	}
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: uint(TOTPPeriod / time.Second),
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// TOTPKeyFromSecret rebuilds the key (for the QR code) of a stored secret.
func TOTPKeyFromSecret(issuer, account, secret string) (*otp.Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(issuer) == "" {
		issuer = "ketaflow"
	}
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: uint(TOTPPeriod / time.Second),
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Secret: raw})
}

// TOTPStep is the 30-second step that t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// CodeCheck is the result of checking a code.
type CodeCheck int

const (
	CodeWrong CodeCheck = iota // no step near now has this code
	CodeUsed                   // the code is right but its step was used already: a replay
	CodeOK
)

// CheckTOTP checks a 6-digit code against the secret at now, one step
// either side, and returns the step it belongs to. A step at or before
// last (the last step accepted for the user) is CodeUsed: a code, once
// accepted, is never accepted again, nor is an older one (RFC 6238 §5.2).
func CheckTOTP(secret, code string, now time.Time, last int64) (int64, CodeCheck) {
	code = NormalizeCode(code)
	if len(code) != 6 || secret == "" {
		return 0, CodeWrong
	}
	now0 := TOTPStep(now)
	result, step := CodeWrong, int64(0)
	for s := now0 - TOTPSkew; s <= now0+TOTPSkew; s++ {
		if s < 0 {
			continue
		}
		ok, err := hotp.ValidateCustom(code, uint64(s), secret, totpOpts)
		if err != nil || !ok {
			continue
		}
		if s <= last {
			if result == CodeWrong {
				result = CodeUsed
			}
			continue
		}
		return s, CodeOK
	}
	return step, result
}

// TOTPCode is the code of the secret at t (for tests and the command line).
func TOTPCode(secret string, t time.Time) string {
	c, _ := hotp.GenerateCodeCustom(secret, uint64(TOTPStep(t)), totpOpts)
	return c
}

// NormalizeCode removes the spaces and dashes people type or paste in a
// code, and lowers its letters.
func NormalizeCode(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s)))
}

// recoveryAlphabet leaves out the letters and digits read alike (0/o,
// 1/l/i), so that a code written on paper is typed back right.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewRecoveryCodes makes RecoveryCodeCount codes of 10 characters (about
// 50 bits each, shown as "xxxxx-xxxxx") and the forms they are stored in.
// A code has less than 112 bits, so each is stored with a random salt of
// its own under SHA-256 (OWASP ASVS 4.0 2.6.2); each is used once (2.6.1)
// and tries are throttled as passwords are.
func NewRecoveryCodes() (codes, stored []string) {
	for range RecoveryCodeCount {
		var sb strings.Builder
		for sb.Len() < 11 {
			if sb.Len() == 5 {
				sb.WriteByte('-')
			}
			sb.WriteByte(randomFrom(recoveryAlphabet))
		}
		code := sb.String()
		codes = append(codes, code)
		stored = append(stored, StoreRecoveryCode(code))
	}
	return codes, stored
}

// randomFrom picks a character of alphabet uniformly (rejecting the bytes
// that would favour its first letters).
func randomFrom(alphabet string) byte {
	limit := 256 - 256%len(alphabet)
	b := make([]byte, 1)
	for {
		rand.Read(b)
		if int(b[0]) < limit {
			return alphabet[int(b[0])%len(alphabet)]
		}
	}
}

// StoreRecoveryCode is the stored form of a recovery code: a random salt
// and the hash of the salt and the code as typed in any case, with or
// without its dash.
func StoreRecoveryCode(code string) string {
	salt := make([]byte, 8)
	rand.Read(salt)
	s := hex.EncodeToString(salt)
	return s + "$" + recoveryHash(s, code)
}

func recoveryHash(salt, code string) string {
	sum := sha256.Sum256([]byte(salt + ":" + NormalizeCode(code)))
	return hex.EncodeToString(sum[:])
}

// RecoveryCodeMatches reports whether a typed code is the one stored.
func RecoveryCodeMatches(stored, code string) bool {
	salt, hash, ok := strings.Cut(stored, "$")
	return ok && subtle.ConstantTimeCompare([]byte(hash), []byte(recoveryHash(salt, code))) == 1
}

// LooksLikeRecoveryCode says whether a typed code is a recovery code
// rather than an authenticator's six digits.
func LooksLikeRecoveryCode(code string) bool {
	c := NormalizeCode(code)
	if len(c) != 10 {
		return false
	}
	for _, r := range c {
		if !strings.ContainsRune(recoveryAlphabet, r) {
			return false
		}
	}
	return true
}

// ErrCodeFormat is the refusal of a code that is neither six digits nor a
// recovery code.
var ErrCodeFormat = ketaflow.Invalid("code", "enter the 6 digits your authenticator app shows, or one of your recovery codes (10 letters and digits)")
