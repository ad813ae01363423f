package audit

import (
	"strings"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	prevSeq, prev := int64(0), Genesis
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for i := range n {
		e := Entry{ClinicID: "c1", At: at.Add(time.Duration(i) * time.Minute), UserID: "u1", Username: "nurse",
			Role: "nurse", Action: "patient.read", PatientID: "p1", Category: "demographics", Outcome: OK}
		e.Seal(prevSeq, prev, nil)
		prevSeq, prev = e.Seq, e.Hash
		out = append(out, e)
	}
	return out
}

func verify(entries []Entry, headSeq int64, headHash string) *Problem {
	v := NewVerifier("c1", nil)
	for _, e := range entries {
		if !v.Next(e) {
			break
		}
	}
	v.Finish(headSeq, headHash)
	return v.Problem
}

func TestVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func([]Entry) []Entry
		wantSeq int64 // 0: the chain holds
		want    string
	}{
		{"intact_chain_verifies", func(e []Entry) []Entry { return e }, 0, ""},
		{"altered_detail_is_named", func(e []Entry) []Entry { e[2].Detail = "x"; return e }, 3, "altered"},
		{"altered_patient_is_named", func(e []Entry) []Entry { e[0].PatientID = "p2"; return e }, 1, "altered"},
		{"altered_time_is_named", func(e []Entry) []Entry { e[4].At = e[4].At.Add(time.Second); return e }, 5, "altered"},
		{"removed_middle_entry_is_named", func(e []Entry) []Entry { return append(e[:2], e[3:]...) }, 3, "missing"},
		{"rehashed_entry_breaks_next_link", func(e []Entry) []Entry {
			e[1].Detail = "forged"
			e[1].Hash = e[1].ComputeHash(nil)
			return e
		}, 3, "link"},
		{"removed_last_entry_is_named", func(e []Entry) []Entry { return e[:4] }, 5, "removed from the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			orig := chain(5)
			head := orig[len(orig)-1]
			p := verify(tt.mutate(chain(5)), head.Seq, head.Hash)
			if tt.wantSeq == 0 {
				if p != nil {
					t.Fatalf("got problem %v, want none", p)
				}
				return
			}
			if p == nil {
				t.Fatalf("got no problem, want one at entry %d", tt.wantSeq)
			}
			if p.Seq != tt.wantSeq || !strings.Contains(p.Reason, tt.want) {
				t.Errorf("got %v, want entry %d with %q", p, tt.wantSeq, tt.want)
			}
		})
	}
}

func TestHashSeparatesFields(t *testing.T) {
	t.Parallel()
	a := Entry{Action: "ab", Category: "c"}
	b := Entry{Action: "a", Category: "bc"}
	if a.ComputeHash(nil) == b.ComputeHash(nil) {
		t.Fatal("moving text between fields kept the hash")
	}
}
