package access

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
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

// The length of a new password, in characters: at least 12 [OWASP ASVS
// 4.0 2.1.1], and up to 128 so that a passphrase fits [ASVS 2.1.2].
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// CheckPassword says whether a new password is acceptable: long enough,
// and not one that attackers try first (a common password, one with
// digits or symbols added, a keyboard walk or a repetition) [OWASP ASVS
// 4.0 2.1.7; NIST SP 800-63B 5.1.1.2]. The error names field and the rule.
func CheckPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return ketaflow.Invalid(field, "a password must be %d to %d characters long (this one has %d); a few unrelated words make a good one",
			MinPasswordLen, MaxPasswordLen, n)
	}
	if strings.TrimSpace(pw) == "" {
		return ketaflow.Invalid(field, "a password must not be only spaces")
	}
	if commonPassword(pw) {
		return ketaflow.Invalid(field, "this password is too easy to guess: it is a common password, a common word with digits or symbols added, "+
			"a keyboard walk or a repetition; choose a few unrelated words instead")
	}
	return nil
}

// commonList is the list of common passwords and bases shipped in the
// binary; its origin is in its first lines.
//
//go:embed common_passwords.txt
var commonList string

var commonSet = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for line := range strings.Lines(commonList) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
})

// walks are the runs of keys a lazy password follows; a password whose
// letters and digits are a stretch of one of them (either way) is refused.
var walks = []string{
	strings.Repeat("1234567890", 14),
	"abcdefghijklmnopqrstuvwxyz",
	"qwertyuiopasdfghjklzxcvbnm",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"qazwsxedcrfvtgbyhnujmikolp",
}

// deleet undoes the usual letter-for-digit swaps ("p4ssw0rd").
var deleet = strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "8", "b", "9", "g")

func commonPassword(pw string) bool {
	lower := strings.NewReplacer("@", "a", "$", "s").Replace(strings.ToLower(pw))
	plain := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, lower)
	if plain == "" || repeated(plain) {
		return true
	}
	for _, w := range walks {
		if strings.Contains(w, plain) || strings.Contains(reverse(w), plain) {
			return true
		}
	}
	set := commonSet()
	if set[plain] {
		return true
	}
	// A common word with digits before or after it ("2024password1!").
	base := strings.TrimFunc(plain, unicode.IsDigit)
	if base == "" {
		return false // digits alone, neither a walk nor a repetition
	}
	for _, b := range []string{base, deleet.Replace(base), strings.ReplaceAll(deleet.Replace(base), "i", "l")} {
		if set[b] {
			return true
		}
	}
	return false
}

// repeated says whether s is a unit of at most 4 characters over and over
// ("aaaaaaaaaaaa", "abcabcabcabc").
func repeated(s string) bool {
	for n := 1; n <= 4 && n < len(s); n++ {
		if strings.Repeat(s[:n], len(s)/n+1)[:len(s)] == s {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
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
