package access

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/ketaflow/ketaflow"
)

// Argon2Params are the cost settings for new password hashes. The default is
// OWASP's recommendation for argon2id (19 MiB, 2 passes, 1 lane); stored
// hashes carry their own parameters, so raising these later still verifies
// old hashes.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is the cost of new hashes in production: OWASP's argon2id
// recommendation.
func DefaultArgon2() Argon2Params { return Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1} }

// CheapArgon2 is a cost for tests only: quick, and still argon2id. Stored
// hashes carry their cost, so a test's hashes verify like any other.
func CheapArgon2() Argon2Params { return Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1} }

// maxMemoryKiB caps the memory a stored hash may ask for (1 GiB), so that a
// damaged or planted hash cannot make a login exhaust the server's memory.
const maxMemoryKiB = 1 << 20

const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

// CheckPassword says whether a new password is acceptable.
func CheckPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return ketaflow.Invalid(field, "password must be %d to %d characters long", MinPasswordLen, MaxPasswordLen)
	}
	if strings.TrimSpace(pw) == "" {
		return ketaflow.Invalid(field, "password must not be only spaces")
	}
	return nil
}

// Passwords makes password hashes at one cost and spends the time of a
// verification for a username that does not exist. The zero value is not
// usable; make one with NewPasswords.
type Passwords struct {
	params Argon2Params
	// dummy is verified against when a username does not exist, so that a
	// wrong username takes as long as a wrong password. It is made on first
	// use, not when the Passwords is made, so that starting costs no
	// argon2 run; it carries the cost of new hashes.
	dummy func() string
}

// NewPasswords returns a Passwords that hashes at cost p.
func NewPasswords(p Argon2Params) *Passwords {
	return &Passwords{params: p, dummy: sync.OnceValue(func() string { return hashPassword(dummyPassword, p) })}
}

// Hash returns an argon2id hash of pw in the PHC string format.
func (ps *Passwords) Hash(pw string) string { return hashPassword(pw, ps.params) }

// Burn spends the time of one verification.
func (ps *Passwords) Burn(pw string) { VerifyPassword(ps.dummy(), pw) }

const dummyPassword = "not a real password, only for timing"

func hashPassword(pw string, p Argon2Params) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// VerifyPassword reports whether pw matches hash, in constant time.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	// argon2.IDKey panics on zero passes or lanes; a damaged hash must
	// fail the login, not the request.
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil || p.Time < 1 || p.Threads < 1 ||
		p.MemoryKiB > maxMemoryKiB || p.Time > 20 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
