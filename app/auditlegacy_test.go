package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestOldAuditEntriesWithClinicalValuesAreWithheldFromTheAdmin: a database
// whose log was written before clinical values were kept out of it
// (migration 12) holds a PHQ-9 score in an entry. After migration 13 the
// entry is still there, unchanged, and the chain verifies; the admin reads
// it with its detail withheld, and entries written since in full.
func TestOldAuditEntriesWithClinicalValuesAreWithheldFromTheAdmin(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, raw := storetest.AtMigration(t, d, 12)
			clinic := ketaflow.NewID()
			at := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
			// As the release before wrote them: plain SHA-256, clinical values in the detail.
			var prev audit.Entry
			prev.Hash = audit.Genesis
			for i, e := range []audit.Entry{
				{Action: "questionnaire.tablet_submit", Category: access.CatQuestionnaire, Detail: "PHQ-9 19 of 27 (moderately severe); PHQ-9 item 9 safety alert raised"},
				{Action: "user.manage", Category: access.CatAccount, Detail: "added user nurse2 with role nurse"},
			} {
				e.ClinicID, e.At, e.UserID, e.Username, e.Role, e.PatientID, e.Source, e.Outcome = clinic, at, "u", "nurse", "nurse", "p", "tablet", audit.OK
				e.Seal(int64(i), prev.Hash, nil)
				if _, err := raw.Exec(`INSERT INTO audit_log (clinic_id, seq, at, user_id, username, role, action, patient_id, category,
					source, outcome, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
					e.ClinicID, e.Seq, e.At, e.UserID, e.Username, e.Role, e.Action, e.PatientID, e.Category, e.Source, e.Outcome,
					e.Detail, e.PrevHash, e.Hash); err != nil {
					t.Fatal(err)
				}
				prev = e
			}
			if _, err := raw.Exec(`INSERT INTO audit_heads (clinic_id, seq, hash) VALUES ($1, $2, $3)`, clinic, prev.Seq, prev.Hash); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			a := New(db, ketaflow.NewFakeClock(at.Add(time.Hour)), nil, AuditKey(audit.NewKey()))
			admin := access.Actor{UserID: ketaflow.NewID(), ClinicID: clinic, Username: "admin", Role: access.Admin, Source: "test"}
			if _, err := a.SearchAudit(ctx, admin, AuditQuery{}); err != nil { // one keyed entry after the old ones
				t.Fatal(err)
			}
			got, err := a.SearchAudit(ctx, admin, AuditQuery{})
			if err != nil {
				t.Fatal(err)
			}
			details := map[int64]string{}
			for _, e := range got {
				details[e.Seq] = e.Detail
			}
			if d := details[1]; strings.Contains(d, "PHQ") || !strings.Contains(d, "withheld") {
				t.Errorf("the old clinical entry shows the admin %q", d)
			}
			if d := details[2]; d != "added user nurse2 with role nurse" {
				t.Errorf("the old account entry shows %q, want it whole", d)
			}
			if d := details[3]; !strings.HasPrefix(d, "search") {
				t.Errorf("the new entry shows %q", d)
			}
			var stored string
			if err := raw.QueryRow(`SELECT detail FROM audit_log WHERE clinic_id = $1 AND seq = 1`, clinic).Scan(&stored); err != nil || !strings.Contains(stored, "PHQ-9 19") {
				t.Errorf("the stored entry was changed: %q %v", stored, err)
			}
			r, err := a.VerifyAudit(ctx)
			if err != nil || len(r.Problems) > 0 || r.Legacy != 2 {
				t.Errorf("verify: %+v %v, want no problem and 2 legacy entries", r, err)
			}
		})
	}
}
