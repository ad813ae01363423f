package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// APIToken is a bearer token a user made for a program.
type APIToken struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	ClinicID   string     `json:"-"`
	Name       string     `json:"name"`
	TokenHash  string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// NewToken returns a random secret (32 bytes, URL-safe) and the hash under
// which it is stored. prefix tells a reader what kind of secret it is.
func NewToken(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken is how secrets are stored: a cookie or token leaked from a
// database copy is useless.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
