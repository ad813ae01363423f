package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
)

// Scope is what an API token may be used for.
type Scope string

const (
	ScopeRead   Scope = "read"   // GET requests
	ScopeWrite  Scope = "write"  // every request that changes something
	ScopeDevice Scope = "device" // device ingest: bedside monitor batches (POST /api/v1/devices/readings)
)

// Scopes lists the scopes in display order.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeDevice}

// ParseScopes reads a list of scope names; empty means read and write, what
// a token could do before scopes existed.
func ParseScopes(field string, names []string) ([]Scope, error) {
	var out []Scope
	for _, n := range names {
		for _, w := range strings.FieldsFunc(n, func(r rune) bool { return r == ',' || r == ' ' }) {
			s := Scope(strings.ToLower(w))
			if !slices.Contains(Scopes, s) {
				return nil, ketaflow.Invalid(field, "unknown scope %q: the scopes are read, write and device", w)
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		return []Scope{ScopeRead, ScopeWrite}, nil
	}
	slices.SortFunc(out, func(a, b Scope) int { return slices.Index(Scopes, a) - slices.Index(Scopes, b) })
	return out, nil
}

// Token lifetimes: a token ends after the clinic's setting
// (protocol.Security.APITokenDays, default 90 days) and never later than a
// year after it was made (OWASP ASVS 4.0 3.5: tokens expire). A token made
// before tokens had an expiry ends TokenMaxLifetime after it was made.
const TokenMaxLifetime = 365 * 24 * time.Hour

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
	ExpiresAt  time.Time  `json:"expires_at"`
	Scopes     []Scope    `json:"scopes"`
}

// Live reports whether the token may be used at now.
func (t APIToken) Live(now time.Time) bool { return t.RevokedAt == nil && now.Before(t.ExpiresAt) }

// Has reports whether the token carries scope s.
func (t APIToken) Has(s Scope) bool { return slices.Contains(t.Scopes, s) }

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
