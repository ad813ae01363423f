package access

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Draft is a staff form that was posted after its login had ended (15 idle
// minutes, say), kept so that what was typed is not lost. It is never
// replayed: after the same user signs in again on the same browser, the
// form is shown filled in, marked "not saved yet", for them to check and
// save. The fields are sealed with a key that only that browser holds (a
// cookie), so the stored row alone reveals nothing; the row names the user
// of the ended login, and no one else gets the form back.
type Draft struct {
	ID        string
	UserID    string // the user of the login that had ended
	ClinicID  string
	LoginHash string // that login, for the audit
	Page      string // the page to return to, where the form is
	Sealed    []byte // the form, sealed with the browser's key
	CreatedAt time.Time
	ExpiresAt time.Time
}

// DraftForm is what a draft keeps: the form's address and its fields.
type DraftForm struct {
	Action string              `json:"action"` // the path the form was posted to
	Fields map[string][]string `json:"fields"`
	// Dropped names the fields left out because they hold secrets, to be
	// typed again.
	Dropped []string `json:"dropped,omitempty"`
}

// Limits of a draft: short-lived, and small (a staff form is a few fields).
const (
	DraftLifetime = 30 * time.Minute
	MaxDraftBytes = 32 << 10
)

// secretField reports whether a form field holds a secret that is never
// kept: a password (the login's, a witness's) or a token.
func secretField(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || strings.Contains(n, "secret") || strings.Contains(n, "token")
}

// KeepForm returns the fields of a posted form a draft may keep: every
// field but secrets, which are left out and named in dropped so the person
// can be told to type them again. A form with nothing else, or larger than
// MaxDraftBytes, is not kept (ok false).
func KeepForm(action string, fields map[string][]string) (f DraftForm, dropped []string, ok bool) {
	f = DraftForm{Action: action, Fields: map[string][]string{}}
	size := len(action)
	for k, vs := range fields {
		if secretField(k) {
			dropped = append(dropped, k)
			continue
		}
		f.Fields[k] = append([]string(nil), vs...)
		size += len(k)
		for _, v := range vs {
			size += len(v)
		}
	}
	sort.Strings(dropped)
	f.Dropped = dropped
	return f, dropped, len(f.Fields) > 0 && size <= MaxDraftBytes
}

// NewDraftKey returns a random key to seal a draft with, URL-safe, for the
// browser's cookie.
func NewDraftKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errDraftKey = errors.New("the draft does not open with this key")

func draftAEAD(key string) (cipher.AEAD, error) {
	k, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(k) != 32 {
		return nil, errDraftKey
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// draftAAD binds a sealed form to its draft and user: a sealed form copied
// into another row does not open.
func draftAAD(id, userID string) []byte { return []byte("ketaflow draft " + id + " " + userID) }

// SealDraft seals a form with key (AES-256-GCM) for the draft id of user.
func SealDraft(key, id, userID string, f DraftForm) ([]byte, error) {
	aead, err := draftAEAD(key)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("seal draft: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, draftAAD(id, userID)), nil
}

// OpenDraft opens a sealed form; a wrong key, draft or user fails.
func OpenDraft(key, id, userID string, sealed []byte) (DraftForm, error) {
	var f DraftForm
	aead, err := draftAEAD(key)
	if err != nil {
		return f, err
	}
	if len(sealed) < aead.NonceSize() {
		return f, errDraftKey
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], draftAAD(id, userID))
	if err != nil {
		return f, errDraftKey
	}
	if err := json.Unmarshal(plain, &f); err != nil {
		return f, fmt.Errorf("open draft: %w", err)
	}
	return f, nil
}
