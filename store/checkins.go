package store

import (
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/checkin"
)

// CheckInLink is a morning-after check-in link (migration 0021): only its
// token's hash is kept.
type CheckInLink struct {
	TokenHash string
	ClinicID  string
	VisitID   string
	JobID     string // the queued email that carried it
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	VoidedAt  *time.Time
}

// InsertCheckInLink records a new link for a visit and voids the visit's
// open ones: only the newest link works.
func (tx *Tx) InsertCheckInLink(l CheckInLink) error {
	if _, err := tx.exec("void check-in links", `UPDATE check_in_links SET voided_at = $1
		WHERE visit_id = $2 AND used_at IS NULL AND voided_at IS NULL`, l.CreatedAt, l.VisitID); err != nil {
		return err
	}
	_, err := tx.exec("insert check-in link", `INSERT INTO check_in_links (token_hash, clinic_id, visit_id, job_id, created_at,
		expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, l.TokenHash, l.ClinicID, l.VisitID, l.JobID, l.CreatedAt, l.ExpiresAt)
	return err
}

// CheckInLinkByHash finds a check-in link by its token's hash.
func (tx *Tx) CheckInLinkByHash(hash string) (CheckInLink, error) {
	var l CheckInLink
	err := tx.queryRow("get check-in link", "link", `SELECT token_hash, clinic_id, visit_id, job_id, created_at, expires_at,
		used_at, voided_at FROM check_in_links WHERE token_hash = $1`, []any{hash}, &l.TokenHash, &l.ClinicID, &l.VisitID,
		&l.JobID, &l.CreatedAt, &l.ExpiresAt, nullTime{&l.UsedAt}, nullTime{&l.VoidedAt})
	return l, err
}

// UseCheckInLink marks a link used; EConflict when it was used or voided
// already, so that a link works once even when two submissions race.
func (tx *Tx) UseCheckInLink(hash string, at time.Time) error {
	res, err := tx.exec("use check-in link", `UPDATE check_in_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL
		AND voided_at IS NULL`, at, hash)
	if err := tx.one(res, err, "link"); err != nil {
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return ketaflow.Errorf(ketaflow.EConflict, "this link was used already, or replaced by a newer one")
		}
		return err
	}
	return nil
}

// CheckIn is a visit's morning-after check-in as stored.
type CheckIn struct {
	VisitID     string
	ClinicID    string
	PatientID   string
	SubmittedAt time.Time
	Answers     checkin.Answers
	Source      string
	AlertID     string // "" when the answers raised none
}

// InsertCheckIn stores a visit's check-in. A visit has one: a second is
// refused with EConflict by the primary key, never written over the first.
func (tx *Tx) InsertCheckIn(c CheckIn) error {
	effects := make([]string, len(c.Answers.Effects))
	for i, e := range c.Answers.Effects {
		effects[i] = string(e)
	}
	_, err := tx.exec("insert check-in", `INSERT INTO check_ins (visit_id, clinic_id, patient_id, submitted_at, mood, sleep, effects,
		safety, note, source, alert_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.VisitID, c.ClinicID, c.PatientID, c.SubmittedAt, *c.Answers.Mood, string(c.Answers.Sleep), strings.Join(effects, ","),
		*c.Answers.Safety, c.Answers.Note, c.Source, nullID(c.AlertID))
	return err
}

// VisitCheckIn reads a visit's check-in; ENotFound while it has none.
func (tx *Tx) VisitCheckIn(visitID string) (CheckIn, error) {
	var c CheckIn
	var mood int
	var safety bool
	var sleep, effects string
	err := tx.queryRow("get check-in", "check-in", `SELECT visit_id, clinic_id, patient_id, submitted_at, mood, sleep, effects,
		safety, note, source, alert_id FROM check_ins WHERE visit_id = $1`, []any{visitID}, &c.VisitID, &c.ClinicID, &c.PatientID,
		&c.SubmittedAt, &mood, &sleep, &effects, &safety, &c.Answers.Note, &c.Source, nullString{&c.AlertID})
	if err != nil {
		return c, err
	}
	c.SubmittedAt = c.SubmittedAt.UTC()
	c.Answers.Mood, c.Answers.Safety, c.Answers.Sleep = &mood, &safety, checkin.Sleep(sleep)
	for e := range strings.SplitSeq(effects, ",") {
		if e != "" {
			c.Answers.Effects = append(c.Answers.Effects, checkin.Effect(e))
		}
	}
	return c, nil
}
