package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/audit"
)

// AppendAudit adds an entry to the end of its clinic's chain. The head row
// is locked by the UPDATE, so concurrent writers chain one after another.
// Call it last in a transaction, so that locks are always taken in the same
// order. With a key the entry is sealed with it (a keyed HMAC), and every
// audit.CheckpointEvery entries the new head is signed as a checkpoint in
// the same transaction.
func (tx *Tx) AppendAudit(e audit.Entry, key *audit.Key) (audit.Entry, error) {
	_, err := tx.exec("init audit head", `INSERT INTO audit_heads (clinic_id, seq, hash) VALUES ($1, 0, $2)
		ON CONFLICT (clinic_id) DO NOTHING`, e.ClinicID, audit.Genesis)
	if err != nil {
		return e, err
	}
	var seq int64
	var hash string
	if err := tx.queryRow("lock audit head", "audit head", `UPDATE audit_heads SET seq = seq WHERE clinic_id = $1 RETURNING seq, hash`,
		[]any{e.ClinicID}, &seq, &hash); err != nil {
		return e, err
	}
	e.At = e.At.UTC().Truncate(time.Microsecond) // what both databases store exactly
	e.Seal(seq, hash, key)
	if _, err := tx.exec("insert audit entry", `INSERT INTO audit_log (clinic_id, seq, at, user_id, username, role, action,
		patient_id, category, source, outcome, detail, prev_hash, hash, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
		$11, $12, $13, $14, $15)`, e.ClinicID, e.Seq, e.At, e.UserID, e.Username, e.Role, e.Action, e.PatientID, e.Category,
		e.Source, e.Outcome, e.Detail, e.PrevHash, e.Hash, e.KeyID); err != nil {
		return e, err
	}
	if _, err = tx.exec("advance audit head", `UPDATE audit_heads SET seq = $1, hash = $2 WHERE clinic_id = $3`, e.Seq, e.Hash, e.ClinicID); err != nil {
		return e, err
	}
	if key != nil && e.Seq%audit.CheckpointEvery == 0 {
		err = tx.InsertAuditCheckpoint(key.SignCheckpoint(e.ClinicID, e.Seq, e.Hash, e.At))
	}
	return e, err
}

// InsertAuditCheckpoint records a signed checkpoint; one of the same place
// in the chain is kept as it was.
func (tx *Tx) InsertAuditCheckpoint(c audit.Checkpoint) error {
	_, err := tx.exec("insert audit checkpoint", `INSERT INTO audit_checkpoints (clinic_id, seq, hash, at, key_id, signature)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (clinic_id, seq) DO NOTHING`, c.ClinicID, c.Seq, c.Hash, c.At, c.KeyID, c.Signature)
	return err
}

// AuditCheckpoints lists every recorded checkpoint, by clinic and place.
func (tx *Tx) AuditCheckpoints() ([]audit.Checkpoint, error) {
	rows, err := tx.query("list audit checkpoints", `SELECT clinic_id, seq, hash, at, key_id, signature FROM audit_checkpoints
		ORDER BY clinic_id, seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Checkpoint
	for rows.Next() {
		var c audit.Checkpoint
		if err := rows.Scan(&c.ClinicID, &c.Seq, &c.Hash, &c.At, &c.KeyID, &c.Signature); err != nil {
			return nil, tx.db.mapErr("scan audit checkpoint", err)
		}
		out = append(out, c)
	}
	return out, tx.db.mapErr("list audit checkpoints", rows.Err())
}

// AuditClinics lists every clinic that has a chain: an entry in the log or
// a recorded head. A chain whose head row was removed is still found.
func (tx *Tx) AuditClinics() ([]string, error) {
	rows, err := tx.query("list audit clinics", `SELECT clinic_id FROM audit_log GROUP BY clinic_id
		UNION SELECT clinic_id FROM audit_heads ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, tx.db.mapErr("scan audit clinic", err)
		}
		out = append(out, id)
	}
	return out, tx.db.mapErr("list audit clinics", rows.Err())
}

// AuditLegacyLast is the last entry of a clinic's chain written before
// migration 0013, whose details may carry clinical values; 0 when there is
// none.
func (tx *Tx) AuditLegacyLast(clinicID string) (int64, error) {
	var seq int64
	err := tx.queryRow("audit legacy boundary", "audit boundary", `SELECT last_seq FROM audit_legacy WHERE clinic_id = $1`,
		[]any{clinicID}, &seq)
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return 0, nil
	}
	return seq, err
}

// AuditQuery selects audit entries of one clinic.
type AuditQuery struct {
	PatientID string
	// PatientIDs, when not nil, keeps the entries of these patients only
	// (none when it is empty): the patients a name or MRN search found.
	PatientIDs []string
	UserID     string
	Action     string // prefix, e.g. "patient."
	From, To   time.Time
	Limit      int
	BeforeSeq  int64 // for paging back: entries with seq below this
}

const auditColumns = `clinic_id, seq, at, user_id, username, role, action, patient_id, category, source, outcome, detail, prev_hash, hash, key_id`

func scanAudit(sc interface{ Scan(...any) error }, e *audit.Entry) error {
	return sc.Scan(&e.ClinicID, &e.Seq, &e.At, &e.UserID, &e.Username, &e.Role, &e.Action, &e.PatientID, &e.Category,
		&e.Source, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash, &e.KeyID)
}

// AuditEntries lists entries of a clinic, newest first.
func (tx *Tx) AuditEntries(clinicID string, q AuditQuery) ([]audit.Entry, error) {
	where := []string{"clinic_id = $1"}
	args := []any{clinicID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.PatientID != "" {
		add("patient_id = $%d", q.PatientID)
	}
	if q.PatientIDs != nil {
		if len(q.PatientIDs) == 0 {
			return []audit.Entry{}, nil
		}
		marks := make([]string, len(q.PatientIDs))
		for i, id := range q.PatientIDs {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "patient_id IN ("+strings.Join(marks, ", ")+")")
	}
	if q.UserID != "" {
		add("user_id = $%d", q.UserID)
	}
	if q.Action != "" {
		add(`action LIKE $%d ESCAPE '\'`, likeEscaper.Replace(q.Action)+"%")
	}
	if !q.From.IsZero() {
		add("at >= $%d", q.From)
	}
	if !q.To.IsZero() {
		add("at < $%d", q.To)
	}
	if q.BeforeSeq > 0 {
		add("seq < $%d", q.BeforeSeq)
	}
	if q.Limit <= 0 || q.Limit > 1001 {
		q.Limit = 200
	}
	args = append(args, q.Limit)
	rows, err := tx.query("list audit", `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		if err := scanAudit(rows, &e); err != nil {
			return nil, tx.db.mapErr("scan audit", err)
		}
		out = append(out, e)
	}
	return out, tx.db.mapErr("list audit", rows.Err())
}

// AuditHead is the recorded end of one clinic's chain.
type AuditHead struct {
	ClinicID string
	Seq      int64
	Hash     string
}

// AuditHead returns the recorded end of one clinic's chain; ENotFound when
// it has none.
func (tx *Tx) AuditHead(clinicID string) (AuditHead, error) {
	h := AuditHead{ClinicID: clinicID}
	err := tx.queryRow("get audit head", "audit head", `SELECT seq, hash FROM audit_heads WHERE clinic_id = $1`, []any{clinicID}, &h.Seq, &h.Hash)
	return h, err
}

// AuditHeads lists the end of every chain.
func (tx *Tx) AuditHeads() ([]AuditHead, error) {
	rows, err := tx.query("list audit heads", `SELECT clinic_id, seq, hash FROM audit_heads ORDER BY clinic_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditHead
	for rows.Next() {
		var h AuditHead
		if err := rows.Scan(&h.ClinicID, &h.Seq, &h.Hash); err != nil {
			return nil, tx.db.mapErr("scan audit head", err)
		}
		out = append(out, h)
	}
	return out, tx.db.mapErr("list audit heads", rows.Err())
}

// EachAuditEntry calls fn for every entry of a clinic's chain in order,
// stopping when fn returns false.
func (tx *Tx) EachAuditEntry(clinicID string, fn func(audit.Entry) bool) error {
	rows, err := tx.query("scan audit chain", `SELECT `+auditColumns+` FROM audit_log WHERE clinic_id = $1 ORDER BY seq`, clinicID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		if err := scanAudit(rows, &e); err != nil {
			return tx.db.mapErr("scan audit", err)
		}
		if !fn(e) {
			break
		}
	}
	return tx.db.mapErr("scan audit chain", rows.Err())
}

// LatestAuditTime is the time of the latest audit entry of any clinic, the
// zero time when there is none. Every write is audited at the app clock's
// time, so this is the latest time the clock has shown a write.
func (tx *Tx) LatestAuditTime() (time.Time, error) {
	var at time.Time
	err := tx.queryRow("latest audit time", "audit entry", `SELECT at FROM audit_log ORDER BY at DESC LIMIT 1`, nil, &at)
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return time.Time{}, nil
	}
	return at, err
}
