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
}

// ComputeHash returns the hash of the entry's content chained to PrevHash.
// Fields are joined with a separator that cannot occur in them after
// quoting, so that moving text between fields changes the hash.
func (e Entry) ComputeHash() string {
	parts := []string{
		e.ClinicID, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.UserID, e.Username, e.Role, e.Action, e.PatientID, e.Category, e.Source,
		e.Outcome, e.Detail, e.PrevHash,
	}
	for i, p := range parts {
		parts[i] = strconv.Quote(p)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return hex.EncodeToString(sum[:])
}

// Seal sets the entry's place in the chain and its hash.
func (e *Entry) Seal(prevSeq int64, prevHash string) {
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
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
// entry, then call Finish with the head the database recorded.
type Verifier struct {
	ClinicID string
	seq      int64
	hash     string
	Problem  *Problem
}

// NewVerifier starts checking the chain of one clinic.
func NewVerifier(clinicID string) *Verifier {
	return &Verifier{ClinicID: clinicID, hash: Genesis}
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
	case e.ComputeHash() != e.Hash:
		v.fail(e.Seq, "its content does not match its hash (the entry was altered)")
	default:
		v.seq, v.hash = e.Seq, e.Hash
		return true
	}
	return false
}

// Finish compares the end of the chain with the recorded head, which
// catches entries removed from the end.
func (v *Verifier) Finish(headSeq int64, headHash string) {
	if v.Problem != nil {
		return
	}
	if headSeq != v.seq || headHash != v.hash {
		v.fail(v.seq+1, fmt.Sprintf("the log ends at entry %d but the chain head records entry %d (entries removed from the end)", v.seq, headSeq))
	}
}

// Count is how many entries were checked and found sound.
func (v *Verifier) Count() int64 { return v.seq }

func (v *Verifier) fail(seq int64, reason string) {
	v.Problem = &Problem{ClinicID: v.ClinicID, Seq: seq, Reason: reason}
}
