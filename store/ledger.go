package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/dosing"
)

// The controlled-substance ledger: lots, their append-only entries and the
// discrepancies counts raised. The rules are in dosing/ledger.go; here the
// books are only kept.

// LotRow is a lot with who received it and what is on hand now.
type LotRow struct {
	dosing.Lot
	CreatedAt     time.Time
	CreatedBy     string
	CreatedByName string
	OnHand        float64 // balance_after of the lot's last entry
	Entries       int     // how many entries the lot has
	OpenCounts    int     // discrepancies of the lot not yet resolved
}

const lotColumns = `l.id, l.clinic_id, l.drug, l.form, l.concentration_mg_per_ml, l.ml_per_vial, l.devices_per_kit,
	l.lot_number, l.expiry, l.ndc`

func lotDest(l *dosing.Lot) []any {
	return []any{&l.ID, &l.ClinicID, &l.Drug, &l.Form, &l.ConcentrationMgPerML, &l.MLPerVial, &l.DevicesPerKit,
		&l.LotNumber, &l.Expiry, &l.NDC}
}

// InsertLot adds a lot. The same manufacturer's lot number of the same drug
// twice in a clinic is an EConflict: more stock of a lot is a receipt on it.
func (tx *Tx) InsertLot(l dosing.Lot, by string, at time.Time) error {
	_, err := tx.exec("insert lot", `INSERT INTO lots (id, clinic_id, drug, form, concentration_mg_per_ml, ml_per_vial,
		devices_per_kit, lot_number, expiry, ndc, created_at, created_by, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)`,
		l.ID, l.ClinicID, string(l.Drug), string(l.Form), l.ConcentrationMgPerML, l.MLPerVial, l.DevicesPerKit,
		l.LotNumber, l.Expiry, l.NDC, at, by)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "lot_number", Message: fmt.Sprintf(
			"lot %s of %s is in the ledger already; record more stock as a receipt on that lot", l.LotNumber, l.Drug), Err: err}
	}
	return err
}

// lotRowQuery selects lots with their on-hand (the last entry's
// balance_after), entry count and open discrepancies.
const lotRowQuery = `SELECT ` + lotColumns + `, l.created_at, l.created_by, COALESCE(u.display_name, ''),
	COALESCE((SELECT e.balance_after FROM ledger_entries e WHERE e.lot_id = l.id ORDER BY e.seq DESC LIMIT 1), 0),
	(SELECT count(*) FROM ledger_entries e WHERE e.lot_id = l.id),
	(SELECT count(*) FROM discrepancies d WHERE d.lot_id = l.id
		AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.resolves = d.entry_id))
	FROM lots l LEFT JOIN users u ON u.id = l.created_by`

func scanLotRow(sc interface{ Scan(...any) error }, r *LotRow) error {
	return sc.Scan(append(lotDest(&r.Lot), &r.CreatedAt, &r.CreatedBy, &r.CreatedByName, &r.OnHand, &r.Entries, &r.OpenCounts)...)
}

// Lot returns one lot of a clinic with its on-hand.
func (tx *Tx) Lot(clinicID, id string) (LotRow, error) {
	var r LotRow
	if !ketaflow.ValidID(id) {
		return r, ketaflow.NotFound("lot")
	}
	row := tx.row(lotRowQuery+` WHERE l.clinic_id = $1 AND l.id = $2`, clinicID, id)
	if err := scanLotRow(row, &r); err != nil {
		return r, tx.notFound(err, "lot", "get lot")
	}
	return r, nil
}

// LockLot reads a lot for an append, holding its row until the transaction
// ends: every ledger entry takes this lock first, so that two entries on one
// lot are applied one after the other to the books as the other left them.
// (An UPDATE locks the row in PostgreSQL; SQLite has one writer at a time.)
func (tx *Tx) LockLot(clinicID, id string) (dosing.Lot, error) {
	var l dosing.Lot
	if !ketaflow.ValidID(id) {
		return l, ketaflow.NotFound("lot")
	}
	row := tx.row(`UPDATE lots SET version = version WHERE clinic_id = $1 AND id = $2
		RETURNING id, clinic_id, drug, form, concentration_mg_per_ml, ml_per_vial, devices_per_kit, lot_number, expiry, ndc`,
		clinicID, id)
	if err := row.Scan(lotDest(&l)...); err != nil {
		return l, tx.notFound(err, "lot", "lock lot")
	}
	return l, nil
}

// LotQuery selects lots of a clinic.
type LotQuery struct {
	IncludeEmpty bool // also lots with nothing on hand
}

// Lots lists a clinic's lots by drug, strength and expiry, the first to
// expire first (the one to use first). Empty lots are left out unless asked
// for, but never while a discrepancy of theirs is open.
func (tx *Tx) Lots(clinicID string, q LotQuery) ([]LotRow, error) {
	rows, err := tx.query("list lots", lotRowQuery+` WHERE l.clinic_id = $1
		ORDER BY l.drug, l.form, l.concentration_mg_per_ml, l.ml_per_vial, l.devices_per_kit, l.expiry, l.lot_number`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LotRow
	for rows.Next() {
		var r LotRow
		if err := scanLotRow(rows, &r); err != nil {
			return nil, tx.db.mapErr("scan lot", err)
		}
		if r.OnHand > 0 || r.OpenCounts > 0 || q.IncludeEmpty {
			out = append(out, r)
		}
	}
	return out, tx.db.mapErr("list lots", rows.Err())
}

// LedgerEntry is a stored ledger entry with its place in the lot's books
// and the names of the people on it.
type LedgerEntry struct {
	dosing.Entry
	Seq          int
	BalanceAfter float64 // on-hand after the entry, in the lot's base unit
	Resolves     string  // the count entry whose discrepancy an adjustment resolves
	ByName       string
	WitnessName  string
}

// InsertLedgerEntry appends an entry to a lot's books. A second entry with
// the same seq on a lot, or a second adjustment resolving one discrepancy,
// is an EConflict.
func (tx *Tx) InsertLedgerEntry(clinicID string, e LedgerEntry) error {
	_, err := tx.exec("insert ledger entry", `INSERT INTO ledger_entries (id, clinic_id, lot_id, seq, kind, quantity, visit_id,
		by_user, witness_by, counted, direction, reason, at, balance_after, resolves)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		e.ID, clinicID, e.LotID, e.Seq, string(e.Kind), e.Quantity, nullID(e.VisitID), e.By, nullID(e.WitnessBy), e.Counted,
		string(e.Direction), e.Reason, e.At, e.BalanceAfter, nullID(e.Resolves))
	return err
}

const ledgerEntryColumns = `e.id, e.lot_id, e.seq, e.kind, e.quantity, e.visit_id, e.by_user, e.witness_by, e.counted, e.direction,
	e.reason, e.at, e.balance_after, e.resolves, COALESCE(b.display_name, ''), COALESCE(w.display_name, '')`

// LedgerEntries lists a lot's entries in the order they were accepted.
func (tx *Tx) LedgerEntries(clinicID, lotID string) ([]LedgerEntry, error) {
	return tx.ledgerEntries(`e.clinic_id = $1 AND e.lot_id = $2`, `e.seq`, clinicID, lotID)
}

// VisitLedgerEntries lists every entry made for a visit, from any lot,
// oldest first: what was drawn, given and wasted for it.
func (tx *Tx) VisitLedgerEntries(clinicID, visitID string) ([]LedgerEntry, error) {
	if !ketaflow.ValidID(visitID) {
		return nil, nil
	}
	return tx.ledgerEntries(`e.clinic_id = $1 AND e.visit_id = $2`, `e.at, e.lot_id, e.seq`, clinicID, visitID)
}

func (tx *Tx) ledgerEntries(where, order string, args ...any) ([]LedgerEntry, error) {
	rows, err := tx.query("list ledger entries", `SELECT `+ledgerEntryColumns+` FROM ledger_entries e
		LEFT JOIN users b ON b.id = e.by_user LEFT JOIN users w ON w.id = e.witness_by
		WHERE `+where+` ORDER BY `+order, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		var e LedgerEntry
		if err := rows.Scan(&e.ID, &e.LotID, &e.Seq, &e.Kind, &e.Quantity, nullString{&e.VisitID}, &e.By,
			nullString{&e.WitnessBy}, &e.Counted, &e.Direction, &e.Reason, &e.At, &e.BalanceAfter, nullString{&e.Resolves},
			&e.ByName, &e.WitnessName); err != nil {
			return nil, tx.db.mapErr("scan ledger entry", err)
		}
		out = append(out, e)
	}
	return out, tx.db.mapErr("list ledger entries", rows.Err())
}

// DiscrepancyRow is a stored discrepancy with its lot, who counted, and the
// adjustment that resolved it, if one has.
type DiscrepancyRow struct {
	dosing.Discrepancy
	LotNumber     string
	Drug          dosing.Drug
	CountedBy     string
	CountedByName string
	ResolvedBy    string // the adjustment's entry id; "" while open
	ResolvedAt    *time.Time
	ResolverName  string
	Resolution    string // the adjustment's reason
}

// Open reports whether no adjustment has resolved the discrepancy yet.
func (d DiscrepancyRow) Open() bool { return d.ResolvedBy == "" }

// InsertDiscrepancy records a count that differed from the books.
func (tx *Tx) InsertDiscrepancy(clinicID string, d dosing.Discrepancy) error {
	_, err := tx.exec("insert discrepancy", `INSERT INTO discrepancies (entry_id, clinic_id, lot_id, counted, expected,
		difference, unit, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		d.EntryID, clinicID, d.LotID, d.Counted, d.Expected, d.Difference, d.Unit, d.At)
	return err
}

// DiscrepancyQuery selects discrepancies of a clinic.
type DiscrepancyQuery struct {
	LotID    string
	EntryID  string
	OpenOnly bool
}

// Discrepancies lists a clinic's discrepancies, newest first.
func (tx *Tx) Discrepancies(clinicID string, q DiscrepancyQuery) ([]DiscrepancyRow, error) {
	where := []string{"d.clinic_id = $1"}
	args := []any{clinicID}
	for _, f := range []struct{ col, val string }{{"d.lot_id", q.LotID}, {"d.entry_id", q.EntryID}} {
		if f.val == "" {
			continue
		}
		if !ketaflow.ValidID(f.val) {
			return nil, nil
		}
		args = append(args, f.val)
		where = append(where, fmt.Sprintf("%s = $%d", f.col, len(args)))
	}
	if q.OpenOnly {
		where = append(where, "r.id IS NULL")
	}
	rows, err := tx.query("list discrepancies", `SELECT d.entry_id, d.lot_id, d.at, d.counted, d.expected, d.difference, d.unit,
		l.lot_number, l.drug, c.by_user, COALESCE(cu.display_name, ''), r.id, r.at, COALESCE(ru.display_name, ''), COALESCE(r.reason, '')
		FROM discrepancies d JOIN lots l ON l.id = d.lot_id JOIN ledger_entries c ON c.id = d.entry_id
		LEFT JOIN users cu ON cu.id = c.by_user
		LEFT JOIN ledger_entries r ON r.resolves = d.entry_id LEFT JOIN users ru ON ru.id = r.by_user
		WHERE `+strings.Join(where, " AND ")+` ORDER BY d.at DESC, d.entry_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DiscrepancyRow
	for rows.Next() {
		var d DiscrepancyRow
		if err := rows.Scan(&d.EntryID, &d.LotID, &d.At, &d.Counted, &d.Expected, &d.Difference, &d.Unit, &d.LotNumber,
			&d.Drug, &d.CountedBy, &d.CountedByName, nullString{&d.ResolvedBy}, nullTime{&d.ResolvedAt}, &d.ResolverName,
			&d.Resolution); err != nil {
			return nil, tx.db.mapErr("scan discrepancy", err)
		}
		out = append(out, d)
	}
	return out, tx.db.mapErr("list discrepancies", rows.Err())
}
