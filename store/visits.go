package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

const visitColumns = `v.id, v.clinic_id, v.patient_id, v.route, v.chair_id, v.scheduled_at, v.minutes, v.protocol_version,
	v.state, v.comfort, v.version, v.created_at, v.updated_at`

func scanVisit(sc interface{ Scan(...any) error }, v *visits.Visit, extra ...any) error {
	var comfort string
	if err := sc.Scan(append([]any{&v.ID, &v.ClinicID, &v.PatientID, &v.Route, nullString{&v.ChairID}, &v.ScheduledAt,
		&v.Minutes, &v.ProtocolVersion, &v.State, &comfort, &v.Version, &v.CreatedAt, &v.UpdatedAt}, extra...)...); err != nil {
		return err
	}
	var d comfortDoc
	if err := json.Unmarshal([]byte(comfort), &d); err != nil {
		return fmt.Errorf("decode comfort: %w", err)
	}
	v.Comfort = d.comfort()
	return nil
}

func marshal(op string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", ketaflow.Internal(op, err)
	}
	return string(b), nil
}

// InsertVisit books a visit.
func (tx *Tx) InsertVisit(v visits.Visit) error {
	comfort, err := marshal("marshal comfort", comfortToDoc(v.Comfort))
	if err != nil {
		return err
	}
	_, err = tx.exec("insert visit", `INSERT INTO visits (id, clinic_id, patient_id, route, chair_id, scheduled_at, minutes,
		protocol_version, state, comfort, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		v.ID, v.ClinicID, v.PatientID, string(v.Route), nullID(v.ChairID), v.ScheduledAt, v.Minutes, v.ProtocolVersion,
		string(v.State), comfort, v.Version, v.CreatedAt, v.UpdatedAt)
	return err
}

// Visit returns one visit of a clinic.
func (tx *Tx) Visit(clinicID, id string) (visits.Visit, error) {
	var v visits.Visit
	if !ketaflow.ValidID(id) {
		return v, ketaflow.NotFound("visit")
	}
	row := tx.row(`SELECT `+visitColumns+` FROM visits v WHERE v.clinic_id = $1 AND v.id = $2`, clinicID, id)
	if err := scanVisit(row, &v); err != nil {
		return v, tx.notFound(err, "visit", "get visit")
	}
	return v, nil
}

// LockVisit reads a visit for a change, holding its row until the
// transaction ends: every write that can change the gate's verdict takes
// this lock first, so a visit is never cleared on facts that another request
// is changing at the same moment. (An UPDATE locks the row in PostgreSQL;
// SQLite has one writer at a time anyway.)
func (tx *Tx) LockVisit(clinicID, id string) (visits.Visit, error) {
	var v visits.Visit
	if !ketaflow.ValidID(id) {
		return v, ketaflow.NotFound("visit")
	}
	row := tx.row(`UPDATE visits SET version = version WHERE clinic_id = $1 AND id = $2
		RETURNING id, clinic_id, patient_id, route, chair_id, scheduled_at, minutes, protocol_version, state, comfort,
		version, created_at, updated_at`, clinicID, id)
	if err := scanVisit(row, &v); err != nil {
		return v, tx.notFound(err, "visit", "lock visit")
	}
	return v, nil
}

// UpdateVisit saves a visit's state, chair, comfort and protocol version if
// its version is still v.Version-1.
func (tx *Tx) UpdateVisit(v visits.Visit) error {
	comfort, err := marshal("marshal comfort", comfortToDoc(v.Comfort))
	if err != nil {
		return err
	}
	res, err := tx.exec("update visit", `UPDATE visits SET state = $1, chair_id = $2, comfort = $3, protocol_version = $4,
		scheduled_at = $5, minutes = $6, version = $7, updated_at = $8 WHERE clinic_id = $9 AND id = $10 AND version = $11`,
		string(v.State), nullID(v.ChairID), comfort, v.ProtocolVersion, v.ScheduledAt, v.Minutes, v.Version, v.UpdatedAt,
		v.ClinicID, v.ID, v.Version-1)
	if err := tx.one(res, err, "visit"); err != nil {
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return ketaflow.Errorf(ketaflow.EConflict, "the visit was changed by someone else meanwhile; reload it")
		}
		return err
	}
	return nil
}

// VisitRow is a visit with what a schedule shows beside it.
type VisitRow struct {
	visits.Visit
	PatientName string
	PatientMRN  string
	ChairName   string
}

// VisitQuery selects visits of a clinic.
type VisitQuery struct {
	From, To  time.Time // scheduled in [From, To)
	PatientID string
	States    []visits.State
	Limit     int
}

// Visits lists visits by scheduled time.
func (tx *Tx) Visits(clinicID string, q VisitQuery) ([]VisitRow, error) {
	where := []string{"v.clinic_id = $1"}
	args := []any{clinicID}
	add := func(cond string, val any) {
		args = append(args, val)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if !q.From.IsZero() {
		add("v.scheduled_at >= $%d", q.From)
	}
	if !q.To.IsZero() {
		add("v.scheduled_at < $%d", q.To)
	}
	if q.PatientID != "" {
		add("v.patient_id = $%d", q.PatientID)
	}
	if len(q.States) > 0 {
		ph := make([]string, len(q.States))
		for i, s := range q.States {
			args = append(args, string(s))
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "v.state IN ("+strings.Join(ph, ", ")+")")
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 500
	}
	args = append(args, q.Limit)
	rows, err := tx.query("list visits", `SELECT `+visitColumns+`, p.legal_name, p.preferred_name, p.mrn, COALESCE(c.name, '')
		FROM visits v JOIN patients p ON p.id = v.patient_id LEFT JOIN chairs c ON c.id = v.chair_id
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY v.scheduled_at, v.id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VisitRow
	for rows.Next() {
		var r VisitRow
		var legal, preferred string
		if err := scanVisit(rows, &r.Visit, &legal, &preferred, &r.PatientMRN, &r.ChairName); err != nil {
			return nil, tx.db.mapErr("scan visit", err)
		}
		r.PatientName = legal
		if preferred != "" && preferred != legal {
			r.PatientName = preferred + " (" + legal + ")"
		}
		out = append(out, r)
	}
	return out, tx.db.mapErr("list visits", rows.Err())
}

// InsertTransition records a move of a visit.
func (tx *Tx) InsertTransition(clinicID string, t visits.Transition) error {
	_, err := tx.exec("insert transition", `INSERT INTO visit_transitions (id, clinic_id, visit_id, from_state, to_state, at,
		by_user, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ketaflow.NewID(), clinicID, t.VisitID, string(t.From),
		string(t.To), t.At, t.By, t.Reason)
	return err
}

// Transitions lists a visit's moves, oldest first.
func (tx *Tx) Transitions(visitID string) ([]visits.Transition, error) {
	rows, err := tx.query("list transitions", `SELECT t.visit_id, t.from_state, t.to_state, t.at, t.by_user,
		COALESCE(u.display_name, t.by_user), t.reason FROM visit_transitions t LEFT JOIN users u ON CAST(u.id AS TEXT) = t.by_user
		WHERE t.visit_id = $1 ORDER BY t.at, t.id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []visits.Transition
	for rows.Next() {
		var t visits.Transition
		if err := rows.Scan(&t.VisitID, &t.From, &t.To, &t.At, &t.By, &t.ByName, &t.Reason); err != nil {
			return nil, tx.db.mapErr("scan transition", err)
		}
		out = append(out, t)
	}
	return out, tx.db.mapErr("list transitions", rows.Err())
}

// Response is a stored questionnaire response: one version of a visit's
// answers to one instrument.
type Response struct {
	ID            string
	VisitID       string
	PatientID     string
	Result        intake.Result
	Source        string // "tablet", "link" or "staff"
	EnteredBy     string // user id of the clinician who entered or amended them; "" when the patient did
	EnteredByName string // their name, when read
	SubmittedAt   time.Time
	// Version is 1 for the first answers and one more for each amendment;
	// Reason says why a version replaced the one before.
	Version int
	Reason  string
}

// InsertResponse stores one version of a visit's answers. Only one
// submission takes each version of a visit's instrument: a second is
// refused with EConflict, even when two arrive at the same moment.
func (tx *Tx) InsertResponse(clinicID string, r Response) error {
	answers, err := marshal("marshal answers", r.Result.Answers)
	if err != nil {
		return err
	}
	_, err = tx.exec("insert response", `INSERT INTO questionnaire_responses (id, clinic_id, visit_id, patient_id, instrument,
		answers, total, band, item9, source, entered_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		r.ID, clinicID, r.VisitID, r.PatientID, r.Result.Instrument, answers, r.Result.Total, r.Result.Band, r.Result.Item9,
		r.Source, r.EnteredBy, r.SubmittedAt)
	if err != nil {
		return err
	}
	_, err = tx.exec("insert response version", `INSERT INTO questionnaire_versions (visit_id, instrument, version, clinic_id,
		response_id, reason) VALUES ($1, $2, $3, $4, $5, $6)`, r.VisitID, r.Result.Instrument, r.Version, clinicID, r.ID, r.Reason)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		title := r.Result.Instrument
		if in, ierr := intake.InstrumentByID(title); ierr == nil {
			title = in.Title
		}
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "instrument", Err: err, Message: fmt.Sprintf(
			"another submission of the %s for this visit was saved first; answers are not replaced: a nurse or prescriber may amend them with a reason", title)}
	}
	return err
}

// Responses lists every version of a visit's questionnaire answers, oldest
// first.
func (tx *Tx) Responses(visitID string) ([]Response, error) {
	return tx.responses(`r.visit_id = $1`, visitID)
}

// PatientResponses lists every questionnaire response of a patient, oldest
// first: the scores over a course of treatment.
func (tx *Tx) PatientResponses(clinicID, patientID string) ([]Response, error) {
	return tx.responses(`r.clinic_id = $1 AND r.patient_id = $2`, clinicID, patientID)
}

func (tx *Tx) responses(where string, args ...any) ([]Response, error) {
	rows, err := tx.query("list responses", `SELECT r.id, r.visit_id, r.patient_id, r.instrument, r.answers, r.total, r.band,
		r.item9, r.source, r.entered_by, COALESCE(u.display_name, ''), r.submitted_at, v.version, v.reason
		FROM questionnaire_responses r JOIN questionnaire_versions v ON v.response_id = r.id
		LEFT JOIN users u ON CAST(u.id AS TEXT) = r.entered_by
		WHERE `+where+` ORDER BY r.submitted_at, v.version, r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Response
	for rows.Next() {
		var r Response
		var answers string
		if err := rows.Scan(&r.ID, &r.VisitID, &r.PatientID, &r.Result.Instrument, &answers, &r.Result.Total, &r.Result.Band,
			&r.Result.Item9, &r.Source, &r.EnteredBy, &r.EnteredByName, &r.SubmittedAt, &r.Version, &r.Reason); err != nil {
			return nil, tx.db.mapErr("scan response", err)
		}
		if err := json.Unmarshal([]byte(answers), &r.Result.Answers); err != nil {
			return nil, ketaflow.Internal("decode answers", err)
		}
		out = append(out, r)
	}
	return out, tx.db.mapErr("list responses", rows.Err())
}

// Link is a one-time questionnaire link.
type Link struct {
	TokenHash string
	ClinicID  string
	VisitID   string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	VoidedAt  *time.Time // a newer link of the visit replaced it
}

// InsertLink records a questionnaire link. The visit's earlier links must
// be voided first (VoidLinks): only one link of a visit is open.
func (tx *Tx) InsertLink(l Link) error {
	_, err := tx.exec("insert link", `INSERT INTO questionnaire_links (token_hash, clinic_id, visit_id, created_by, created_at,
		expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, l.TokenHash, l.ClinicID, l.VisitID, l.CreatedBy, l.CreatedAt, l.ExpiresAt)
	return err
}

// VoidLinks closes every open link of a visit, as a new one replaces them;
// it returns how many it closed.
func (tx *Tx) VoidLinks(visitID string, at time.Time) (int, error) {
	res, err := tx.exec("void links", `UPDATE questionnaire_links SET voided_at = $1
		WHERE visit_id = $2 AND used_at IS NULL AND voided_at IS NULL`, at, visitID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), tx.db.mapErr("void links", err)
}

// LinkByHash finds a questionnaire link by its token's hash.
func (tx *Tx) LinkByHash(hash string) (Link, error) {
	var l Link
	err := tx.queryRow("get link", "link", `SELECT token_hash, clinic_id, visit_id, created_by, created_at, expires_at, used_at,
		voided_at FROM questionnaire_links WHERE token_hash = $1`, []any{hash}, &l.TokenHash, &l.ClinicID, &l.VisitID, &l.CreatedBy,
		&l.CreatedAt, &l.ExpiresAt, nullTime{&l.UsedAt}, nullTime{&l.VoidedAt})
	return l, err
}

// UseLink marks a link used; it fails with EConflict if it was used or
// voided already, so a link works once even when two submissions race.
func (tx *Tx) UseLink(hash string, at time.Time) error {
	res, err := tx.exec("use link", `UPDATE questionnaire_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL
		AND voided_at IS NULL`, at, hash)
	if err := tx.one(res, err, "link"); err != nil {
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return ketaflow.Errorf(ketaflow.EConflict, "this link was used already, or replaced by a newer one")
		}
		return err
	}
	return nil
}

// InsertVital records a reading.
func (tx *Tx) InsertVital(clinicID string, r vitals.Reading) error {
	var sed any
	if r.Sedation != nil {
		sed = *r.Sedation
	}
	var dis any
	if r.Dissociation != nil {
		dis = *r.Dissociation
	}
	_, err := tx.exec("insert vital", `INSERT INTO vital_signs (id, clinic_id, visit_id, patient_id, taken_at, taken_by,
		recorded_at, systolic, diastolic, heart_rate, spo2, respiratory_rate, sedation, dissociation, note, amends, amend_reason,
		entered_in_error, late_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		r.ID, clinicID, r.VisitID, r.PatientID, r.TakenAt, r.TakenBy, r.RecordedAt, r.Systolic, r.Diastolic, r.HeartRate,
		r.SpO2, r.RespiratoryRate, sed, dis, r.Note, nullID(r.Amends), r.AmendReason, r.EnteredInError, r.LateReason)
	return err
}

// Vitals lists a visit's readings (amendments included), oldest first.
func (tx *Tx) Vitals(visitID string) ([]vitals.Reading, error) {
	rows, err := tx.query("list vitals", `SELECT s.id, s.visit_id, s.patient_id, s.taken_at, s.taken_by, u.display_name,
		s.recorded_at, s.systolic, s.diastolic, s.heart_rate, s.spo2, s.respiratory_rate, s.sedation, s.dissociation, s.note,
		s.amends, s.amend_reason, s.entered_in_error, s.late_reason FROM vital_signs s JOIN users u ON u.id = s.taken_by
		WHERE s.visit_id = $1 ORDER BY s.taken_at, s.recorded_at, s.id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vitals.Reading
	for rows.Next() {
		var r vitals.Reading
		var sed *int64
		var dis *bool
		if err := rows.Scan(&r.ID, &r.VisitID, &r.PatientID, &r.TakenAt, &r.TakenBy, &r.TakenByName, &r.RecordedAt,
			&r.Systolic, &r.Diastolic, &r.HeartRate, &r.SpO2, &r.RespiratoryRate, &sed, &dis, &r.Note,
			nullString{&r.Amends}, &r.AmendReason, &r.EnteredInError, &r.LateReason); err != nil {
			return nil, tx.db.mapErr("scan vital", err)
		}
		if sed != nil {
			v := int(*sed)
			r.Sedation = &v
		}
		r.Dissociation = dis
		out = append(out, r)
	}
	return out, tx.db.mapErr("list vitals", rows.Err())
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// InsertOverride records a prescriber's override of a gate block.
func (tx *Tx) InsertOverride(clinicID, visitID string, o intake.Override) error {
	_, err := tx.exec("insert override", `INSERT INTO gate_overrides (id, clinic_id, visit_id, check_id, evidence, by_user,
		reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ketaflow.NewID(), clinicID, visitID, string(o.Check), o.Evidence,
		o.By, o.Reason, o.At)
	return err
}

// Overrides lists a visit's overrides, oldest first.
func (tx *Tx) Overrides(visitID string) ([]intake.Override, error) {
	rows, err := tx.query("list overrides", `SELECT o.check_id, o.evidence, o.by_user, u.display_name, o.reason, o.at
		FROM gate_overrides o JOIN users u ON u.id = o.by_user WHERE o.visit_id = $1 ORDER BY o.at, o.id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []intake.Override
	for rows.Next() {
		var o intake.Override
		if err := rows.Scan(&o.Check, &o.Evidence, &o.By, &o.ByName, &o.Reason, &o.At); err != nil {
			return nil, tx.db.mapErr("scan override", err)
		}
		out = append(out, o)
	}
	return out, tx.db.mapErr("list overrides", rows.Err())
}

// PriorDosedVisits counts a patient's other visits of a route that reached
// a first dose: the course so far, for the dose rules that depend on it.
func (tx *Tx) PriorDosedVisits(clinicID, patientID, route, exceptVisitID string) (int, error) {
	var n int
	err := tx.queryRow("count prior dosed visits", "visit", `SELECT COUNT(DISTINCT v.id) FROM visits v
		JOIN session_events e ON e.visit_id = v.id AND e.kind = 'first_dose'
		WHERE v.clinic_id = $1 AND v.patient_id = $2 AND v.route = $3 AND v.id <> $4`,
		[]any{clinicID, patientID, route, exceptVisitID}, &n)
	return n, err
}
