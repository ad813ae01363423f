package store

import (
	"encoding/base64"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
)

// InsertHandOff records the clinic tablet handed to a patient; loginHash is
// the staff login the hand-over ended.
func (tx *Tx) InsertHandOff(h access.HandOff, loginHash string) error {
	_, err := tx.exec("insert hand-off", `INSERT INTO tablet_handoffs (id, token_hash, clinic_id, visit_id, patient_id, login_hash,
		started_by, started_at, expires_at, alert, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		h.ID, h.TokenHash, h.ClinicID, h.VisitID, h.PatientID, loginHash, h.StartedBy, h.StartedAt, h.ExpiresAt, false, string(purpose(h)))
	return err
}

// HandOffByHash finds a hand-over by its tablet secret's hash, with the
// name and username of who handed the tablet over.
func (tx *Tx) HandOffByHash(hash string) (access.HandOff, error) {
	var h access.HandOff
	err := tx.queryRow("get hand-off", "tablet hand-over", `SELECT h.id, h.token_hash, h.clinic_id, h.visit_id, h.patient_id,
		h.started_by, u.display_name, u.username, h.started_at, h.expires_at, h.submitted_at, h.alert, h.ended_at, h.ended_by, h.purpose
		FROM tablet_handoffs h JOIN users u ON u.id = h.started_by WHERE h.token_hash = $1`, []any{hash},
		&h.ID, &h.TokenHash, &h.ClinicID, &h.VisitID, &h.PatientID, &h.StartedBy, &h.StartedByName, &h.StartedByUsername,
		&h.StartedAt, &h.ExpiresAt, nullTime{&h.SubmittedAt}, &h.Alert, nullTime{&h.EndedAt}, nullString{&h.EndedBy}, &h.Purpose)
	return h, err
}

// purpose is a hand-over's purpose; the questionnaires unless it says.
func purpose(h access.HandOff) access.HandOffPurpose {
	if h.Purpose == "" {
		return access.ForQuestionnaires
	}
	return h.Purpose
}

// SubmitHandOff records that the patient sent their answers from the
// tablet; it fails with EConflict when they were sent already, so one
// hand-over takes one submission even when two race.
func (tx *Tx) SubmitHandOff(id string, at time.Time, alert bool) error {
	res, err := tx.exec("submit hand-off", `UPDATE tablet_handoffs SET submitted_at = $1, alert = $2
		WHERE id = $3 AND submitted_at IS NULL AND ended_at IS NULL`, at, alert, id)
	if err := tx.one(res, err, "tablet hand-over"); err != nil {
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return ketaflow.Errorf(ketaflow.EConflict, "the answers on this tablet were sent already")
		}
		return err
	}
	return nil
}

// EndHandOff records that a staff member took the tablet back.
func (tx *Tx) EndHandOff(id, by string, at time.Time) error {
	res, err := tx.exec("end hand-off", `UPDATE tablet_handoffs SET ended_at = $1, ended_by = $2 WHERE id = $3 AND ended_at IS NULL`,
		at, by, id)
	if err := tx.one(res, err, "tablet hand-over"); err != nil {
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return ketaflow.Errorf(ketaflow.EConflict, "the tablet was taken back already")
		}
		return err
	}
	return nil
}

// InsertDraft keeps a sealed form, and removes the drafts past their time.
func (tx *Tx) InsertDraft(d access.Draft) error {
	if _, err := tx.exec("remove old drafts", `DELETE FROM form_drafts WHERE expires_at <= $1`, d.CreatedAt); err != nil {
		return err
	}
	_, err := tx.exec("insert draft", `INSERT INTO form_drafts (id, user_id, clinic_id, login_hash, page, sealed, created_at,
		expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.ID, d.UserID, d.ClinicID, d.LoginHash, d.Page,
		base64.StdEncoding.EncodeToString(d.Sealed), d.CreatedAt, d.ExpiresAt)
	return err
}

// Draft returns a kept form by id.
func (tx *Tx) Draft(id string) (access.Draft, error) {
	var d access.Draft
	if !ketaflow.ValidID(id) {
		return d, ketaflow.NotFound("draft")
	}
	var sealed string
	err := tx.queryRow("get draft", "draft", `SELECT id, user_id, clinic_id, login_hash, page, sealed, created_at, expires_at
		FROM form_drafts WHERE id = $1`, []any{id}, &d.ID, &d.UserID, &d.ClinicID, &d.LoginHash, &d.Page, &sealed,
		&d.CreatedAt, &d.ExpiresAt)
	if err != nil {
		return d, err
	}
	if d.Sealed, err = base64.StdEncoding.DecodeString(sealed); err != nil {
		return d, ketaflow.Internal("decode draft", err)
	}
	return d, nil
}

// DeleteDraft removes a kept form: it was given back, or refused.
func (tx *Tx) DeleteDraft(id string) error {
	res, err := tx.exec("delete draft", `DELETE FROM form_drafts WHERE id = $1`, id)
	return tx.one(res, err, "draft")
}

// ShiftOpenHandOffs moves the end of every tablet hand-over still with the
// patient (not answered, not taken back), and of every kept form, forward
// by d when the training clock moves forward by d, as ShiftOpenLogins does
// for logins: a move of the clock is not time the patient spent with the
// tablet or the form waited, so it neither sends the tablet back mid-way
// nor loses what was typed.
func (tx *Tx) ShiftOpenHandOffs(d time.Duration) error {
	if err := tx.shiftExpiry("tablet_handoffs", "submitted_at IS NULL AND ended_at IS NULL", d); err != nil {
		return err
	}
	return tx.shiftExpiry("form_drafts", "1 = 1", d)
}

// shiftExpiry moves expires_at of a table's rows that match where forward
// by d, row by row (date arithmetic differs between the two databases).
func (tx *Tx) shiftExpiry(table, where string, d time.Duration) error {
	rows, err := tx.query("list "+table, `SELECT id, expires_at FROM `+table+` WHERE `+where)
	if err != nil {
		return err
	}
	type row struct {
		id      string
		expires time.Time
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.expires); err != nil {
			rows.Close()
			return tx.db.mapErr("scan "+table, err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tx.db.mapErr("list "+table, err)
	}
	for _, r := range all {
		if _, err := tx.exec("shift "+table, `UPDATE `+table+` SET expires_at = $1 WHERE id = $2`, r.expires.Add(d), r.id); err != nil {
			return err
		}
	}
	return nil
}
