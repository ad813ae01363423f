package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// Finding 3 of issue 13: an attacker who can write the database rewrites
// entries and recomputes their hashes, cuts the tail and rewinds the head,
// or removes a chain's head row. The audit key (outside the database), the
// signed checkpoints and their copy exported off the machine catch each.

// chain reads a clinic's entries in order.
func chain(t *testing.T, dsn, clinicID string) []audit.Entry {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []audit.Entry
	err = db.View(context.Background(), func(tx *store.Tx) error {
		return tx.EachAuditEntry(clinicID, func(e audit.Entry) bool { out = append(out, e); return true })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// clinicOf is the one clinic's id in the database.
func clinicOf(t *testing.T, raw *sql.DB) string {
	t.Helper()
	var id string
	if err := raw.QueryRow(`SELECT id FROM clinics`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// attacker opens the database as someone who can write it and has dropped
// the append-only triggers.
func attacker(t *testing.T, d store.Dialect, dsn string) *sql.DB {
	t.Helper()
	raw, err := sql.Open(driverOf(d), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range disableAppendOnly(d) {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if d == store.SQLite {
		if _, err := raw.Exec(`DROP TRIGGER audit_log_no_delete`); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

// reseal rewrites entries from..end of a chain as the attacker can: with
// plain SHA-256 (no key), each linked to the one before, and the head set
// to the new end. edit changes an entry first.
func reseal(t *testing.T, raw *sql.DB, entries []audit.Entry, from int, edit func(*audit.Entry)) {
	t.Helper()
	prevSeq, prevHash := int64(0), audit.Genesis
	for i := range entries {
		e := entries[i]
		if i >= from {
			if edit != nil {
				edit(&e)
			}
			e.Seal(prevSeq, prevHash, nil)
			if _, err := raw.Exec(`UPDATE audit_log SET detail = $1, prev_hash = $2, hash = $3, key_id = $4 WHERE clinic_id = $5 AND seq = $6`,
				e.Detail, e.PrevHash, e.Hash, e.KeyID, e.ClinicID, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prevSeq, prevHash = e.Seq, e.Hash
	}
	if _, err := raw.Exec(`UPDATE audit_heads SET seq = $1, hash = $2 WHERE clinic_id = $3`, prevSeq, prevHash, entries[0].ClinicID); err != nil {
		t.Fatal(err)
	}
}

func verifyOut(t *testing.T, wantCode int, wantWords []string, args ...string) {
	t.Helper()
	code, out := run(t, nil, append([]string{"audit", "verify"}, args...)...)
	if code != wantCode {
		t.Errorf("audit verify %v: exit %d, want %d:\n%s", args, code, wantCode, out)
	}
	for _, w := range wantWords {
		if !strings.Contains(out, w) {
			t.Errorf("audit verify %v does not say %q:\n%s", args, w, out)
		}
	}
}

func TestAuditVerifyCannotBeFooled(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			// fresh is a database with a keyed chain (clinic, user, token)
			// and its checkpoints exported off the machine.
			fresh := func(t *testing.T) (dsn, exported string, raw *sql.DB, clinic string, entries []audit.Entry) {
				dsn = storetest.DSN(t, d)
				addNurseAndToken(t, dsn)
				exported = filepath.Join(t.TempDir(), "checkpoints.json")
				if code, out := run(t, nil, "audit", "checkpoints", "--db", dsn, "--out", exported); code != 0 {
					t.Fatalf("audit checkpoints: exit %d: %s", code, out)
				}
				raw = attacker(t, d, dsn)
				clinic = clinicOf(t, raw)
				entries = chain(t, dsn, clinic)
				return
			}

			t.Run("key_file_is_private_and_entries_are_keyed", func(t *testing.T) {
				dsn, exported, _, clinic, entries := fresh(t)
				made := filepath.Join(t.TempDir(), "new", "audit.key")
				code, out := run(t, map[string]string{"KETAFLOW_AUDIT_KEY_FILE": made}, "clinic", "list", "--db", storetest.DSN(t, d))
				info, err := os.Stat(made)
				if code != 0 || err != nil || info.Mode().Perm() != 0o600 || !strings.Contains(out, "audit key created: "+made) {
					t.Fatalf("first start: exit %d, %v, key file mode %v (want 0600):\n%s", code, err, info.Mode().Perm(), out)
				}
				for _, e := range chain(t, dsn, clinic) {
					if e.KeyID == "" {
						t.Errorf("entry %d is not keyed", e.Seq)
					}
				}
				if len(entries) < 2 {
					t.Fatalf("entries: %d", len(entries))
				}
				verifyOut(t, 0, []string{"intact", "checkpoints matched"}, "--db", dsn, "--checkpoints", exported)
				// Without the key, keyed entries cannot be checked: that is
				// no pass.
				code, out = run(t, map[string]string{"KETAFLOW_AUDIT_KEY_FILE": filepath.Join(t.TempDir(), "none")}, "audit", "verify", "--db", dsn)
				if code != 1 || !strings.Contains(out, "no key was given") {
					t.Errorf("verify without the key: exit %d:\n%s", code, out)
				}
			})

			t.Run("rewritten_entry_with_recomputed_hashes", func(t *testing.T) {
				dsn, _, raw, _, entries := fresh(t)
				// Entry 2 onwards rewritten and resealed without the key:
				// entry 1 is keyed, so the legacy entries after it tell.
				reseal(t, raw, entries, 1, func(e *audit.Entry) {
					if e.Seq == 2 {
						e.Detail = "nothing happened"
					}
				})
				verifyOut(t, 1, []string{"entry 2:", "legacy entry without the audit key after keyed entry 1"}, "--db", dsn)
			})

			t.Run("whole_chain_rewritten_and_checkpoints_deleted", func(t *testing.T) {
				dsn, exported, raw, _, entries := fresh(t)
				reseal(t, raw, entries, 0, func(e *audit.Entry) {
					if e.Seq == 2 {
						e.Detail = "nothing happened"
					}
				})
				verifyOut(t, 1, []string{"checkpoint"}, "--db", dsn) // the database's own checkpoint
				if _, err := raw.Exec(`DELETE FROM audit_checkpoints`); err != nil {
					t.Fatal(err)
				}
				// Only the exported copy remains to tell.
				verifyOut(t, 1, []string{"differs from the checkpoint"}, "--db", dsn, "--checkpoints", exported)
			})

			t.Run("tail_cut_and_head_rewound", func(t *testing.T) {
				dsn, exported, raw, clinic, entries := fresh(t)
				keep := entries[len(entries)-3]
				if _, err := raw.Exec(`DELETE FROM audit_log WHERE clinic_id = $1 AND seq > $2`, clinic, keep.Seq); err != nil {
					t.Fatal(err)
				}
				if _, err := raw.Exec(`UPDATE audit_heads SET seq = $1, hash = $2 WHERE clinic_id = $3`, keep.Seq, keep.Hash, clinic); err != nil {
					t.Fatal(err)
				}
				verifyOut(t, 1, []string{"head rewound"}, "--db", dsn)
				if _, err := raw.Exec(`DELETE FROM audit_checkpoints WHERE seq > $1`, keep.Seq); err != nil {
					t.Fatal(err)
				}
				verifyOut(t, 1, []string{"head rewound"}, "--db", dsn, "--checkpoints", exported)
			})

			t.Run("head_row_removed", func(t *testing.T) {
				dsn, _, raw, clinic, _ := fresh(t)
				if _, err := raw.Exec(`DELETE FROM audit_heads WHERE clinic_id = $1`, clinic); err != nil {
					t.Fatal(err)
				}
				verifyOut(t, 1, []string{"no chain head is recorded"}, "--db", dsn)
			})

			t.Run("forged_checkpoint", func(t *testing.T) {
				dsn, _, raw, clinic, entries := fresh(t)
				last := entries[len(entries)-1]
				if _, err := raw.Exec(`UPDATE audit_checkpoints SET seq = $1 WHERE clinic_id = $2 AND seq = $3`, last.Seq+5, clinic, last.Seq); err != nil {
					t.Fatal(err)
				}
				verifyOut(t, 1, []string{"does not verify with the audit key"}, "--db", dsn)
			})
		})
	}
}

// A database written before the audit key: its entries verify as legacy,
// and the first keyed entry anchors them, so that rewriting a legacy entry
// (with its plain hashes recomputed) breaks the keyed link after it.
func TestAuditVerifyChecksALegacyChainUpToItsFirstKeyedEntry(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storetest.DSN(t, d)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			key := audit.NewKey()
			if err := os.WriteFile(keyFile(t), key.Marshal(), 0o600); err != nil {
				t.Fatal(err)
			}
			clinic := "0b6f7a8e-0000-4000-8000-000000000001"
			for i := range 5 {
				k := key
				if i < 3 {
					k = nil // as an older release wrote them
				}
				if err := db.Transact(ctx, func(tx *store.Tx) error {
					_, err := tx.AppendAudit(audit.Entry{ClinicID: clinic, Action: "an.entry", Outcome: audit.OK, Detail: strings.Repeat("x", i)}, k)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			verifyOut(t, 0, []string{"intact", "5 entries", "(3 legacy, unkeyed)"}, "--db", dsn)
			raw := attacker(t, d, dsn)
			reseal(t, raw, chain(t, dsn, clinic)[:3], 1, func(e *audit.Entry) { e.Detail = "rewritten" })
			verifyOut(t, 1, []string{"entry 4:", "link to the entry before does not match"}, "--db", dsn)
		})
	}
}
