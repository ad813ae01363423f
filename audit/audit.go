// Package audit defines the audit log entry and its hash chain. Each clinic
// has one chain: every entry carries the hash of the one before it, so an
// entry that is altered, removed or reordered breaks the chain at that point
// and Verify names it.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Outcomes of an audited action.
const (
	OK      = "ok"      // done
	Denied  = "denied"  // refused by the permission model
	Failed  = "failed"  // refused for bad input or a failed login
	Blocked = "blocked" // refused by a clinical rule
)

// Genesis is the previous hash of the first entry of every chain.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// SystemClinic is the chain for events that belong to no clinic, such as a
// failed login for a username nobody has.
const SystemClinic = "00000000-0000-0000-0000-000000000000"

// Entry is one line of the audit log: who did what to which patient's data,
// when, from where, and how it ended.
type Entry struct {
	ClinicID  string    `json:"clinic_id"`
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	UserID    string    `json:"user_id"`
	Username  string    `json:"username"`
	Role      string    `json:"role"`
	Action    string    `json:"action"`
	PatientID string    `json:"patient_id"`
	Category  string    `json:"category"`
	Source    string    `json:"source"`
	Outcome   string    `json:"outcome"`
	Detail    string    `json:"detail"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
	// KeyID names the audit key the entry was sealed with; "" is a legacy
	// entry, chained with plain SHA-256 before the key existed.
	KeyID string `json:"key_id"`
}

// ComputeHash returns the hash of the entry's content chained to PrevHash:
// an HMAC-SHA256 under key when the entry names one (KeyID), the plain
// SHA-256 of a legacy entry otherwise. Fields are joined with a separator
// that cannot occur in them after quoting, so that moving text between
// fields changes the hash. It returns "" for a keyed entry without its key.
func (e Entry) ComputeHash(key *Key) string {
	parts := []string{
		e.ClinicID, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.UserID, e.Username, e.Role, e.Action, e.PatientID, e.Category, e.Source,
		e.Outcome, e.Detail, e.PrevHash,
	}
	if e.KeyID != "" {
		parts = append(parts, e.KeyID)
	}
	for i, p := range parts {
		parts[i] = strconv.Quote(p)
	}
	text := []byte(strings.Join(parts, "\x1f"))
	if e.KeyID == "" {
		sum := sha256.Sum256(text)
		return hex.EncodeToString(sum[:])
	}
	if key == nil || key.ID != e.KeyID {
		return ""
	}
	return key.mac(text)
}

// Seal sets the entry's place in the chain and its hash, keyed when key is
// not nil.
func (e *Entry) Seal(prevSeq int64, prevHash string, key *Key) {
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.KeyID = ""
	if key != nil {
		e.KeyID = key.ID
	}
	e.Hash = e.ComputeHash(key)
}

// Problem is the first place where a chain does not hold.
type Problem struct {
	ClinicID string
	Seq      int64
	Reason   string
}

func (p Problem) String() string {
	return fmt.Sprintf("clinic %s, entry %d: %s", p.ClinicID, p.Seq, p.Reason)
}

// Verifier checks one chain entry by entry, in order of Seq. Feed it every
// entry, then call Finish with the head the database recorded. A chain may
// begin with legacy entries (written before the audit key existed); from
// its first keyed entry on, every entry must be keyed with the key given,
// and the keyed entry's link anchors the legacy ones before it. The
// checkpoints given (their signatures already checked) must each match the
// entry they name, and none may lie beyond the end of the chain.
type Verifier struct {
	ClinicID    string
	key         *Key
	seq         int64
	hash        string
	firstKeyed  int64
	checkpoints map[int64][]Checkpoint
	Problem     *Problem
}

// NewVerifier starts checking the chain of one clinic with key (nil when
// there is none) against checkpoints of that chain.
func NewVerifier(clinicID string, key *Key, checkpoints ...Checkpoint) *Verifier {
	v := &Verifier{ClinicID: clinicID, key: key, hash: Genesis, checkpoints: map[int64][]Checkpoint{}}
	for _, c := range checkpoints {
		v.checkpoints[c.Seq] = append(v.checkpoints[c.Seq], c)
	}
	return v
}

// Next checks the next entry. It returns false once a problem is found.
func (v *Verifier) Next(e Entry) bool {
	if v.Problem != nil {
		return false
	}
	switch {
	case e.Seq != v.seq+1:
		v.fail(v.seq+1, fmt.Sprintf("missing: the chain jumps from entry %d to %d (entries removed)", v.seq, e.Seq))
	case e.PrevHash != v.hash:
		v.fail(e.Seq, "its link to the entry before does not match (an entry before it was altered or removed)")
	case e.KeyID == "" && v.firstKeyed > 0:
		v.fail(e.Seq, fmt.Sprintf("it is a legacy entry without the audit key after keyed entry %d (the chain was rewritten without the key)", v.firstKeyed))
	case e.KeyID != "" && v.key == nil:
		v.fail(e.Seq, fmt.Sprintf("it is sealed with audit key %s, and no key was given (--audit-key-file) to check it", e.KeyID))
	case e.KeyID != "" && e.KeyID != v.key.ID:
		v.fail(e.Seq, fmt.Sprintf("it is sealed with audit key %s, not with the key given (%s)", e.KeyID, v.key.ID))
	case e.ComputeHash(v.key) != e.Hash:
		v.fail(e.Seq, "its content does not match its hash (the entry was altered)")
	default:
		for _, c := range v.checkpoints[e.Seq] {
			if c.Hash != e.Hash {
				v.fail(e.Seq, fmt.Sprintf("it differs from the checkpoint signed at %s (the chain was rewritten)", c.At.UTC().Format(time.RFC3339)))
				return false
			}
		}
		if e.KeyID != "" && v.firstKeyed == 0 {
			v.firstKeyed = e.Seq
		}
		v.seq, v.hash = e.Seq, e.Hash
		return true
	}
	return false
}

// Finish compares the end of the chain with the recorded head, which
// catches entries removed from the end, and with the checkpoints, which
// catch a head rewound along with them.
func (v *Verifier) Finish(headSeq int64, headHash string) {
	if v.Problem != nil {
		return
	}
	if headSeq != v.seq || headHash != v.hash {
		v.fail(v.seq+1, fmt.Sprintf("the log ends at entry %d but the chain head records entry %d (entries removed from the end)", v.seq, headSeq))
		return
	}
	var last *Checkpoint
	for seq, cs := range v.checkpoints {
		if seq > v.seq && (last == nil || seq > last.Seq) {
			last = &cs[0]
		}
	}
	if last != nil {
		v.fail(v.seq+1, fmt.Sprintf("the log ends at entry %d but the checkpoint signed at %s records entry %d (entries removed from the end and the head rewound)",
			v.seq, last.At.UTC().Format(time.RFC3339), last.Seq))
	}
}

// Count is how many entries were checked and found sound.
func (v *Verifier) Count() int64 { return v.seq }

// Legacy is how many entries at the start of the chain are legacy ones
// (all of them when none is keyed).
func (v *Verifier) Legacy() int64 {
	if v.firstKeyed == 0 {
		return v.seq
	}
	return v.firstKeyed - 1
}

func (v *Verifier) fail(seq int64, reason string) {
	v.Problem = &Problem{ClinicID: v.ClinicID, Seq: seq, Reason: reason}
}
