package store_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// addLedger stores a lot with a receipt and a count that differs, and the
// discrepancy it raised.
func addLedger(t *testing.T, db *store.DB, clinicID, userID string) (dosing.Lot, []store.LedgerEntry) {
	t.Helper()
	lot := dosing.Lot{ID: ketaflow.NewID(), ClinicID: clinicID, Drug: dosing.Ketamine, Form: dosing.Vial,
		ConcentrationMgPerML: 50, MLPerVial: 10, LotNumber: "K2611A", Expiry: ketaflow.Date{Year: 2027, Month: time.March, Day: 31}}
	entries := []store.LedgerEntry{
		{Entry: dosing.Entry{ID: ketaflow.NewID(), LotID: lot.ID, Kind: dosing.Receive, Quantity: 20, By: userID, At: t0}, Seq: 1, BalanceAfter: 20},
		{Entry: dosing.Entry{ID: ketaflow.NewID(), LotID: lot.ID, Kind: dosing.Count, Counted: 19.5, By: userID, At: t0.Add(time.Hour)}, Seq: 2, BalanceAfter: 20},
	}
	write(t, db, func(tx *store.Tx) error {
		if err := tx.InsertLot(lot, userID, t0); err != nil {
			return err
		}
		for _, e := range entries {
			if err := tx.InsertLedgerEntry(clinicID, e); err != nil {
				return err
			}
		}
		return tx.InsertDiscrepancy(clinicID, dosing.Discrepancy{LotID: lot.ID, EntryID: entries[1].ID, At: entries[1].At,
			Counted: 19.5, Expected: 20, Difference: -0.5, Unit: "mL"})
	})
	return lot, entries
}

func TestLedgerRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := addClinic(t, db, "A")
		u := addUser(t, db, c.ID, "nina", "Nina Nurse", access.Nurse)
		w := addUser(t, db, c.ID, "walt", "Walt Witness", access.Nurse)
		lot, entries := addLedger(t, db, c.ID, u.ID)
		visitID := ketaflow.NewID()
		adjust := store.LedgerEntry{Entry: dosing.Entry{ID: ketaflow.NewID(), LotID: lot.ID, Kind: dosing.Adjust, Quantity: 0.5,
			Direction: dosing.AdjustRemove, Reason: "spill", By: u.ID, WitnessBy: w.ID, At: t0.Add(2 * time.Hour)},
			Seq: 3, BalanceAfter: 19.5, Resolves: entries[1].ID}
		draw := store.LedgerEntry{Entry: dosing.Entry{ID: ketaflow.NewID(), LotID: lot.ID, Kind: dosing.Draw, Quantity: 0.64,
			VisitID: visitID, By: u.ID, At: t0.Add(3 * time.Hour)}, Seq: 4, BalanceAfter: 18.86}
		read(t, db, func(tx *store.Tx) error {
			ds, err := tx.Discrepancies(c.ID, store.DiscrepancyQuery{OpenOnly: true})
			if err != nil || len(ds) != 1 || !ds[0].Open() || ds[0].CountedByName != "Nina Nurse" || ds[0].LotNumber != "K2611A" {
				t.Errorf("open discrepancies before the adjustment: %+v, %v", ds, err)
			}
			return err
		})
		write(t, db, func(tx *store.Tx) error {
			if _, err := tx.LockLot(c.ID, lot.ID); err != nil {
				return err
			}
			if err := tx.InsertLedgerEntry(c.ID, adjust); err != nil {
				return err
			}
			return tx.InsertLedgerEntry(c.ID, draw)
		})
		read(t, db, func(tx *store.Tx) error {
			got, err := tx.LedgerEntries(c.ID, lot.ID)
			if err != nil {
				return err
			}
			if len(got) != 4 || got[2].WitnessName != "Walt Witness" || got[2].Resolves != entries[1].ID || got[3].VisitID != visitID ||
				got[3].BalanceAfter != 18.86 || got[0].ByName != "Nina Nurse" {
				t.Errorf("entries: %+v", got)
			}
			wantUTC(t, "entry at", got[0].At, got[3].At)
			if !got[3].At.Equal(draw.At) {
				t.Errorf("draw at %v, want %v", got[3].At, draw.At)
			}
			ds, err := tx.Discrepancies(c.ID, store.DiscrepancyQuery{})
			if err != nil || len(ds) != 1 || ds[0].Open() || ds[0].ResolvedBy != adjust.ID || ds[0].ResolverName != "Nina Nurse" ||
				ds[0].Resolution != "spill" || ds[0].ResolvedAt == nil {
				t.Errorf("discrepancies after the adjustment: %+v, %v", ds, err)
			}
			row, err := tx.Lot(c.ID, lot.ID)
			if err != nil || row.OnHand != 18.86 || row.Entries != 4 || row.OpenCounts != 0 || row.Expiry != lot.Expiry ||
				row.CreatedByName != "Nina Nurse" {
				t.Errorf("lot row: %+v, %v", row, err)
			}
			visit, err := tx.VisitLedgerEntries(c.ID, visitID)
			if err != nil || len(visit) != 1 || visit[0].ID != draw.ID {
				t.Errorf("visit entries: %+v, %v", visit, err)
			}
			return nil
		})
		// One adjustment per discrepancy, one entry per place in the books,
		// one lot per lot number of a drug.
		err := db.Transact(ctx, func(tx *store.Tx) error {
			again := adjust
			again.ID, again.Seq = ketaflow.NewID(), 5
			return tx.InsertLedgerEntry(c.ID, again)
		})
		wantCode(t, err, ketaflow.EConflict)
		err = db.Transact(ctx, func(tx *store.Tx) error {
			dup := draw
			dup.ID = ketaflow.NewID()
			return tx.InsertLedgerEntry(c.ID, dup)
		})
		wantCode(t, err, ketaflow.EConflict)
		err = db.Transact(ctx, func(tx *store.Tx) error {
			l := lot
			l.ID = ketaflow.NewID()
			return tx.InsertLot(l, u.ID, t0)
		})
		if e := wantCode(t, err, ketaflow.EConflict); e.Field != "lot_number" {
			t.Errorf("second lot K2611A: field %q", e.Field)
		}
		// Another clinic sees none of it.
		other := addClinic(t, db, "B")
		read(t, db, func(tx *store.Tx) error {
			if _, err := tx.Lot(other.ID, lot.ID); !ketaflow.IsCode(err, ketaflow.ENotFound) {
				t.Errorf("other clinic reads the lot: %v", err)
			}
			lots, err := tx.Lots(other.ID, store.LotQuery{IncludeEmpty: true})
			if err != nil || len(lots) != 0 {
				t.Errorf("other clinic's lots: %+v, %v", lots, err)
			}
			return nil
		})
		err = db.Transact(ctx, func(tx *store.Tx) error { _, err := tx.LockLot(other.ID, lot.ID); return err })
		wantCode(t, err, ketaflow.ENotFound)
	})
}

// TestLedgerIsAppendOnly checks that the database itself refuses to change
// or remove a ledger entry, a discrepancy or a lot, whoever connects.
func TestLedgerIsAppendOnly(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, d)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			c := addClinic(t, db, "A")
			u := addUser(t, db, c.ID, "nina", "Nina Nurse", access.Nurse)
			addLedger(t, db, c.ID, u.ID)

			driver := "pgx"
			if d == store.SQLite {
				driver = "sqlite"
				dsn = "file:" + dsn + "?_pragma=busy_timeout(10000)"
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatalf("open raw: %v", err)
			}
			defer raw.Close()
			// The row lock's no-op update is allowed, or no entry could be made.
			if _, err := raw.Exec(`UPDATE lots SET version = version`); err != nil {
				t.Fatalf("raw UPDATE lots SET version = version: got %v, want it to work", err)
			}
			tests := []struct {
				name, stmt, table string
				rows              int
			}{
				{"entry_quantity_update_refused", `UPDATE ledger_entries SET quantity = 200`, "ledger_entries", 2},
				{"entry_balance_update_refused", `UPDATE ledger_entries SET balance_after = 0`, "ledger_entries", 2},
				{"entry_delete_refused", `DELETE FROM ledger_entries`, "ledger_entries", 2},
				{"discrepancy_update_refused", `UPDATE discrepancies SET counted = expected`, "discrepancies", 1},
				{"discrepancy_delete_refused", `DELETE FROM discrepancies`, "discrepancies", 1},
				{"lot_expiry_update_refused", `UPDATE lots SET expiry = '2099-12-31'`, "lots", 1},
				{"lot_delete_refused", `DELETE FROM lots`, "lots", 1},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, err := raw.Exec(tt.stmt)
					if err == nil {
						t.Fatalf("%s: got nil, want the database to refuse", tt.stmt)
					}
					if msg := err.Error(); !strings.Contains(msg, "append-only") && !strings.Contains(msg, "never") {
						t.Errorf("%s: got %v, want the ledger's refusal", tt.stmt, err)
					}
					var n int
					if err := raw.QueryRow(`SELECT count(*) FROM ` + tt.table).Scan(&n); err != nil || n != tt.rows {
						t.Errorf("%s: got %d rows, %v; want %d kept", tt.table, n, err, tt.rows)
					}
				})
			}
			var expiry string
			var sum float64
			if err := raw.QueryRow(`SELECT expiry FROM lots`).Scan(&expiry); err != nil || expiry != "2027-03-31" {
				t.Errorf("lot expiry after refused update: %q, %v", expiry, err)
			}
			if err := raw.QueryRow(`SELECT sum(quantity) FROM ledger_entries`).Scan(&sum); err != nil || sum != 20 {
				t.Errorf("ledger quantities after refused updates: %v, %v", sum, err)
			}
		})
	}
}
