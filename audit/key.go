package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Key is the secret of the audit log, kept outside the database (a file
// beside it, or where --audit-key-file says): entries are sealed with an
// HMAC-SHA256 under MAC, and checkpoints are signed with the Ed25519 key
// Sign. Someone who can write the database but not read the key can neither
// recompute the hash of an altered entry nor sign a checkpoint of a
// rewound head.
type Key struct {
	ID   string // names the key in entries and checkpoints: 16 hex digits of its public key's SHA-256
	MAC  []byte // 32 bytes
	Sign ed25519.PrivateKey
}

// NewKey makes a random key.
func NewKey() *Key {
	mac := make([]byte, 32)
	rand.Read(mac)
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	return newKey(mac, seed)
}

func newKey(mac, seed []byte) *Key {
	priv := ed25519.NewKeyFromSeed(seed)
	sum := sha256.Sum256(priv.Public().(ed25519.PublicKey))
	return &Key{ID: hex.EncodeToString(sum[:8]), MAC: mac, Sign: priv}
}

// Public is the key that checks checkpoint signatures.
func (k *Key) Public() ed25519.PublicKey { return k.Sign.Public().(ed25519.PublicKey) }

const keyFileHeader = "# ketaflow audit key: seals the audit log and signs its checkpoints.\n" +
	"# Keep it off the database's machine's shared backups; without it keyed entries cannot be verified.\n"

// Marshal is the key file's content.
func (k *Key) Marshal() []byte {
	return []byte(keyFileHeader +
		"hmac-sha256 " + base64.StdEncoding.EncodeToString(k.MAC) + "\n" +
		"ed25519 " + base64.StdEncoding.EncodeToString(k.Sign.Seed()) + "\n")
}

// ParseKey reads a key file's content.
func ParseKey(b []byte) (*Key, error) {
	var mac, seed []byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, val, _ := strings.Cut(line, " ")
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
		if err != nil {
			return nil, fmt.Errorf("line %d: the %s key is not base64", n, kind)
		}
		switch kind {
		case "hmac-sha256":
			mac = raw
		case "ed25519":
			seed = raw
		default:
			return nil, fmt.Errorf("line %d: unknown key kind %q (want hmac-sha256 or ed25519)", n, kind)
		}
	}
	if len(mac) != 32 || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("the key file needs a 32-byte hmac-sha256 key and a 32-byte ed25519 seed")
	}
	return newKey(mac, seed), nil
}

// Checkpoint is a chain's head at a moment, signed with the audit key.
type Checkpoint struct {
	ClinicID  string    `json:"clinic_id"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	At        time.Time `json:"at"`
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"` // base64 Ed25519 over SignedText
}

// SignedText is what the signature covers.
func (c Checkpoint) SignedText() []byte {
	return []byte(strings.Join([]string{"ketaflow audit checkpoint v1", c.ClinicID, strconv.FormatInt(c.Seq, 10), c.Hash,
		c.At.UTC().Format(time.RFC3339Nano), c.KeyID}, "\n"))
}

// SignCheckpoint signs a chain's head.
func (k *Key) SignCheckpoint(clinicID string, seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{ClinicID: clinicID, Seq: seq, Hash: hash, At: at.UTC().Truncate(time.Microsecond), KeyID: k.ID}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(k.Sign, c.SignedText()))
	return c
}

// CheckSignature reports whether the checkpoint was signed with pub.
func (c Checkpoint) CheckSignature(pub ed25519.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	return err == nil && ed25519.Verify(pub, c.SignedText(), sig)
}

// CheckpointEvery is how many entries of a chain pass between the
// checkpoints taken as entries are written (serve takes one at start and
// every hour as well).
const CheckpointEvery = 1000

// mac is the keyed hash of an entry's canonical text.
func (k *Key) mac(text []byte) string {
	m := hmac.New(sha256.New, k.MAC)
	m.Write(text)
	return hex.EncodeToString(m.Sum(nil))
}
