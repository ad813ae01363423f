package store

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
)

// InsertBreakGlass records a break-glass access.
func (tx *Tx) InsertBreakGlass(g access.BreakGlass) error {
	_, err := tx.exec("insert break-glass", `INSERT INTO break_glass (id, clinic_id, user_id, patient_id, reason, started_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, g.ID, g.ClinicID, g.UserID, g.PatientID, g.Reason, g.StartedAt, g.ExpiresAt)
	return err
}

const breakGlassColumns = `g.id, g.clinic_id, g.user_id, u.username, u.display_name, g.patient_id, p.legal_name, g.reason,
	g.started_at, g.expires_at, g.ended_at, COALESCE(r.display_name, ''), g.reviewed_at`

const breakGlassFrom = ` FROM break_glass g JOIN users u ON u.id = g.user_id JOIN patients p ON p.id = g.patient_id
	LEFT JOIN users r ON r.id = g.reviewed_by`

func scanBreakGlass(sc interface{ Scan(...any) error }, g *access.BreakGlass) error {
	return sc.Scan(&g.ID, &g.ClinicID, &g.UserID, &g.Username, &g.UserName, &g.PatientID, &g.PatientName, &g.Reason,
		&g.StartedAt, &g.ExpiresAt, nullTime{&g.EndedAt}, &g.ReviewedByName, nullTime{&g.ReviewedAt})
}

// LiveBreakGlass returns the user's break-glass access open at now, with
// the names of the user and the patient; ENotFound when there is none.
func (tx *Tx) LiveBreakGlass(userID string, now time.Time) (access.BreakGlass, error) {
	var g access.BreakGlass
	row := tx.row(`SELECT `+breakGlassColumns+breakGlassFrom+`
		WHERE g.user_id = $1 AND g.ended_at IS NULL AND g.expires_at > $2 ORDER BY g.started_at DESC LIMIT 1`, utcArgs([]any{userID, now})...)
	if err := scanBreakGlass(row, &g); err != nil {
		return g, tx.notFound(err, "break-glass access", "get break-glass")
	}
	return g, nil
}

// EndUserBreakGlass ends the user's open break-glass accesses at now.
func (tx *Tx) EndUserBreakGlass(userID string, now time.Time) error {
	_, err := tx.exec("end break-glass", `UPDATE break_glass SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL AND expires_at > $1`,
		now, userID)
	return err
}

// BreakGlassToReview lists the clinic's break-glass accesses no admin has
// reviewed yet, newest first.
func (tx *Tx) BreakGlassToReview(clinicID string) ([]access.BreakGlass, error) {
	rows, err := tx.query("list break-glass", `SELECT `+breakGlassColumns+breakGlassFrom+`
		WHERE g.clinic_id = $1 AND g.reviewed_at IS NULL ORDER BY g.started_at DESC LIMIT 200`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []access.BreakGlass
	for rows.Next() {
		var g access.BreakGlass
		if err := scanBreakGlass(rows, &g); err != nil {
			return nil, tx.db.mapErr("scan break-glass", err)
		}
		out = append(out, g)
	}
	return out, tx.db.mapErr("list break-glass", rows.Err())
}

// ReviewBreakGlass marks an access as reviewed by reviewerID, who must not
// be the one who opened it. ENotFound for another clinic's, or one
// reviewed already.
func (tx *Tx) ReviewBreakGlass(clinicID, id, reviewerID string, now time.Time) error {
	if !ketaflow.ValidID(id) {
		return ketaflow.NotFound("break-glass access")
	}
	res, err := tx.exec("review break-glass", `UPDATE break_glass SET reviewed_by = $1, reviewed_at = $2
		WHERE clinic_id = $3 AND id = $4 AND reviewed_at IS NULL AND user_id <> $1`, reviewerID, now, clinicID, id)
	return tx.one(res, err, "break-glass access to review")
}
