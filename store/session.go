package store

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/session"
)

// InsertOrder records a signed dose order; replaces names the order it
// supersedes, with the reason.
func (tx *Tx) InsertOrder(clinicID string, o dosing.Order, replaces, reason string) error {
	var weighed any
	if !o.WeightMeasuredAt.IsZero() {
		weighed = o.WeightMeasuredAt
	}
	rules := make([]string, len(o.Overridden))
	for i, r := range o.Overridden {
		rules[i] = string(r)
	}
	_, err := tx.exec("insert order", `INSERT INTO dose_orders (id, clinic_id, visit_id, route, mg_per_kg, weight_kg,
		weight_measured_at, dose_mg, infusion_minutes, site, spravato_mg, ordered_by, signed_at, replaces, reason, overridden,
		override_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		o.ID, clinicID, o.VisitID, string(o.Route), o.MgPerKg, o.WeightKG, weighed, o.DoseMg, o.InfusionMinutes,
		string(o.Site), o.SpravatoMg, o.OrderedBy, o.SignedAt, nullID(replaces), reason, strings.Join(rules, ","), o.OverrideReason)
	return err
}

// OrderRow is a stored order with what replaced it.
type OrderRow struct {
	dosing.Order
	Replaces string
	Reason   string
}

// Orders lists a visit's dose orders, oldest first; the newest is current.
func (tx *Tx) Orders(visitID string) ([]OrderRow, error) {
	rows, err := tx.query("list orders", `SELECT o.id, o.visit_id, o.route, o.mg_per_kg, o.weight_kg, o.weight_measured_at,
		o.dose_mg, o.infusion_minutes, o.site, o.spravato_mg, o.ordered_by, u.display_name, o.signed_at, o.replaces, o.reason,
		o.overridden, o.override_reason FROM dose_orders o JOIN users u ON u.id = o.ordered_by WHERE o.visit_id = $1 ORDER BY o.signed_at, o.id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OrderRow
	for rows.Next() {
		var o OrderRow
		var weighed *time.Time
		var rules string
		if err := rows.Scan(&o.ID, &o.VisitID, &o.Route, &o.MgPerKg, &o.WeightKG, nullTime{&weighed}, &o.DoseMg,
			&o.InfusionMinutes, &o.Site, &o.SpravatoMg, &o.OrderedBy, &o.OrderedByName, &o.SignedAt,
			nullString{&o.Replaces}, &o.Reason, &rules, &o.OverrideReason); err != nil {
			return nil, tx.db.mapErr("scan order", err)
		}
		for r := range strings.SplitSeq(rules, ",") {
			if r != "" {
				o.Overridden = append(o.Overridden, dosing.CourseRule(r))
			}
		}
		if weighed != nil {
			o.WeightMeasuredAt = *weighed
		}
		out = append(out, o)
	}
	return out, tx.db.mapErr("list orders", rows.Err())
}

// PreparationRow is a stored preparation with the lot it was drawn from.
type PreparationRow struct {
	dosing.Preparation
	VisitID string
	LotID   string
}

// InsertPreparation records a prepared dose.
func (tx *Tx) InsertPreparation(clinicID, visitID, lotID string, p dosing.Preparation) error {
	calc, err := marshal("marshal calculation", calculationToDoc(p.Calculation))
	if err != nil {
		return err
	}
	_, err = tx.exec("insert preparation", `INSERT INTO preparations (id, clinic_id, visit_id, order_id, calculation, lot_id,
		prepared_by, prepared_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.ID, clinicID, visitID, p.OrderID, calc, lotID,
		p.PreparedBy, p.PreparedAt)
	return err
}

// InsertPreparationCheck records the second user's check of a preparation.
// A preparation is checked once: a second check is EConflict.
func (tx *Tx) InsertPreparationCheck(clinicID string, p dosing.Preparation) error {
	_, err := tx.exec("insert preparation check", `INSERT INTO preparation_checks (id, clinic_id, preparation_id, verified_by,
		verified_at) VALUES ($1, $2, $3, $4, $5)`, ketaflow.NewID(), clinicID, p.ID, p.VerifiedBy, p.VerifiedAt)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return ketaflow.Errorf(ketaflow.EConflict, "this preparation was verified already")
	}
	return err
}

// Preparations lists a visit's preparations with their checks, oldest first.
func (tx *Tx) Preparations(visitID string) ([]PreparationRow, error) {
	rows, err := tx.query("list preparations", `SELECT p.id, p.order_id, p.calculation, p.lot_id, p.prepared_by,
		u.display_name, p.prepared_at, c.verified_by, v.display_name, c.verified_at, p.visit_id
		FROM preparations p JOIN users u ON u.id = p.prepared_by
		LEFT JOIN preparation_checks c ON c.preparation_id = p.id LEFT JOIN users v ON v.id = c.verified_by
		WHERE p.visit_id = $1 ORDER BY p.prepared_at, p.id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PreparationRow
	for rows.Next() {
		var p PreparationRow
		var calc string
		var vby, vname *string
		var vat *time.Time
		if err := rows.Scan(&p.ID, &p.OrderID, &calc, &p.LotID, &p.PreparedBy, &p.PreparedByName, &p.PreparedAt,
			&vby, &vname, nullTime{&vat}, &p.VisitID); err != nil {
			return nil, tx.db.mapErr("scan preparation", err)
		}
		var d calculationDoc
		if err := json.Unmarshal([]byte(calc), &d); err != nil {
			return nil, ketaflow.Internal("decode calculation", err)
		}
		p.Calculation = d.calculation()
		p.VerifiedBy, p.VerifiedByName = deref(vby), deref(vname)
		if vat != nil {
			p.VerifiedAt = *vat
		}
		out = append(out, p)
	}
	return out, tx.db.mapErr("list preparations", rows.Err())
}

// InsertSessionEvent records a moment of a session.
func (tx *Tx) InsertSessionEvent(clinicID string, e session.Event) error {
	_, err := tx.exec("insert session event", `INSERT INTO session_events (id, clinic_id, visit_id, kind, n, at, reason, by_user,
		recorded_at, late_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, e.ID, clinicID, e.VisitID, string(e.Kind), e.N,
		e.At, e.Reason, e.By, e.RecordedAt, e.LateReason)
	return err
}

// SessionEvents lists a visit's session events in the order they happened.
func (tx *Tx) SessionEvents(visitID string) ([]session.Event, error) {
	rows, err := tx.query("list session events", `SELECT e.id, e.visit_id, e.kind, e.n, e.at, e.reason, e.by_user,
		u.display_name, e.recorded_at, e.late_reason FROM session_events e JOIN users u ON u.id = e.by_user WHERE e.visit_id = $1
		ORDER BY e.at, e.recorded_at, e.id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.Event
	for rows.Next() {
		var e session.Event
		if err := rows.Scan(&e.ID, &e.VisitID, &e.Kind, &e.N, &e.At, &e.Reason, &e.By, &e.ByName, &e.RecordedAt, &e.LateReason); err != nil {
			return nil, tx.db.mapErr("scan session event", err)
		}
		out = append(out, e)
	}
	return out, tx.db.mapErr("list session events", rows.Err())
}

// InsertAdverseEvent records an adverse event (or an amendment of one).
func (tx *Tx) InsertAdverseEvent(clinicID string, e session.AdverseEvent) error {
	_, err := tx.exec("insert adverse event", `INSERT INTO adverse_events (id, clinic_id, visit_id, kind, at, severity, action,
		note, recorded_by, recorded_at, amends, amend_reason, late_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.ID, clinicID, e.VisitID, string(e.Kind), e.At, string(e.Severity), e.Action, e.Note, e.RecordedBy, e.RecordedAt,
		nullID(e.Amends), e.AmendReason, e.LateReason)
	return err
}

// AdverseEvents lists a visit's adverse events (amendments included).
func (tx *Tx) AdverseEvents(visitID string) ([]session.AdverseEvent, error) {
	rows, err := tx.query("list adverse events", `SELECT e.id, e.visit_id, e.kind, e.at, e.severity, e.action, e.note,
		u.display_name, e.recorded_at, e.amends, e.amend_reason, e.late_reason FROM adverse_events e JOIN users u ON u.id = e.recorded_by
		WHERE e.visit_id = $1 ORDER BY e.at, e.recorded_at, e.id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.AdverseEvent
	for rows.Next() {
		var e session.AdverseEvent
		if err := rows.Scan(&e.ID, &e.VisitID, &e.Kind, &e.At, &e.Severity, &e.Action, &e.Note, &e.RecordedBy,
			&e.RecordedAt, nullString{&e.Amends}, &e.AmendReason, &e.LateReason); err != nil {
			return nil, tx.db.mapErr("scan adverse event", err)
		}
		out = append(out, e)
	}
	return out, tx.db.mapErr("list adverse events", rows.Err())
}

// InsertAldrete records a modified Aldrete score.
func (tx *Tx) InsertAldrete(clinicID, visitID string, a discharge.Aldrete) error {
	_, err := tx.exec("insert aldrete", `INSERT INTO aldrete_scores (id, clinic_id, visit_id, activity, respiration, circulation,
		consciousness, oxygen_saturation, assessed_by, assessed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		ketaflow.NewID(), clinicID, visitID, a.Activity, a.Respiration, a.Circulation, a.Consciousness, a.OxygenSaturation,
		a.AssessedBy, a.AssessedAt)
	return err
}

// LatestAldrete returns a visit's newest Aldrete score (zero when none),
// with its assessor's name in AssessedBy.
func (tx *Tx) LatestAldrete(visitID string) (discharge.Aldrete, error) {
	var a discharge.Aldrete
	err := tx.queryRow("get aldrete", "aldrete", `SELECT a.activity, a.respiration, a.circulation, a.consciousness,
		a.oxygen_saturation, u.display_name, a.assessed_at FROM aldrete_scores a JOIN users u ON u.id = a.assessed_by
		WHERE a.visit_id = $1 ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1`, []any{visitID},
		&a.Activity, &a.Respiration, &a.Circulation, &a.Consciousness, &a.OxygenSaturation, &a.AssessedBy, &a.AssessedAt)
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return discharge.Aldrete{}, nil
	}
	return a, err
}

// REMSRow is a stored REMS form with its visit and submission.
type REMSRow struct {
	ID          string             `json:"id"`
	VisitID     string             `json:"visit_id"`
	PatientID   string             `json:"patient_id"`
	Form        discharge.REMSForm `json:"form"`
	GeneratedAt time.Time          `json:"generated_at"`
	DueBy       time.Time          `json:"due_by"`
	SubmittedAt *time.Time         `json:"submitted_at,omitempty"`
	SubmittedBy string             `json:"submitted_by,omitempty"`
	Confirm     string             `json:"confirmation,omitempty"`
	// Missing lists what the form lacks, for one stored incomplete at
	// discharge with IncompleteReason; empty for a complete form.
	Missing          []string `json:"missing,omitempty"`
	IncompleteReason string   `json:"incomplete_reason,omitempty"`
}

// InsertREMSForm stores the form assembled for a visit. A later form for
// the same visit (after a correction) supersedes it; both are kept.
// missing and reason are set for a form stored incomplete at discharge.
func (tx *Tx) InsertREMSForm(clinicID, visitID string, f discharge.REMSForm, dueBy time.Time, missing []string, reason string) error {
	data, err := marshal("marshal rems form", remsFormToDoc(f))
	if err != nil {
		return err
	}
	_, err = tx.exec("insert rems form", `INSERT INTO rems_forms (id, clinic_id, visit_id, data, generated_at, due_by, missing,
		incomplete_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ketaflow.NewID(), clinicID, visitID, data, f.GeneratedAt, dueBy,
		strings.Join(missing, "\n"), reason)
	return err
}

// InsertREMSSubmission records that a visit's form was submitted.
func (tx *Tx) InsertREMSSubmission(clinicID, visitID, by, confirmation string, at time.Time) error {
	_, err := tx.exec("insert rems submission", `INSERT INTO rems_submissions (id, clinic_id, visit_id, submitted_at,
		submitted_by, confirmation) VALUES ($1, $2, $3, $4, $5, $6)`, ketaflow.NewID(), clinicID, visitID, at, by, confirmation)
	return err
}

// REMSForms lists the newest form of each Spravato visit of a clinic, with
// its submission, by due date; visitID limits it to one visit.
func (tx *Tx) REMSForms(clinicID, visitID string) ([]REMSRow, error) {
	args := []any{clinicID}
	where := "f.clinic_id = $1"
	if visitID != "" {
		args = append(args, visitID)
		where += " AND f.visit_id = $2"
	}
	rows, err := tx.query("list rems forms", `SELECT f.id, f.visit_id, v.patient_id, f.data, f.generated_at, f.due_by,
		s.submitted_at, u.display_name, s.confirmation, f.missing, f.incomplete_reason
		FROM rems_forms f JOIN visits v ON v.id = f.visit_id
		LEFT JOIN rems_submissions s ON s.id = (SELECT s2.id FROM rems_submissions s2 WHERE s2.visit_id = f.visit_id
			ORDER BY s2.submitted_at DESC, s2.id DESC LIMIT 1)
		LEFT JOIN users u ON u.id = s.submitted_by
		WHERE `+where+` AND f.id = (SELECT f2.id FROM rems_forms f2 WHERE f2.visit_id = f.visit_id
			ORDER BY f2.generated_at DESC, f2.id DESC LIMIT 1)
		ORDER BY f.due_by, f.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []REMSRow
	for rows.Next() {
		var r REMSRow
		var data string
		var by, confirm *string
		var missing string
		if err := rows.Scan(&r.ID, &r.VisitID, &r.PatientID, &data, &r.GeneratedAt, &r.DueBy, nullTime{&r.SubmittedAt},
			&by, &confirm, &missing, &r.IncompleteReason); err != nil {
			return nil, tx.db.mapErr("scan rems form", err)
		}
		var d remsFormDoc
		err := json.Unmarshal([]byte(data), &d)
		r.Form = d.form()
		if err != nil {
			return nil, ketaflow.Internal("decode rems form", err)
		}
		r.SubmittedBy, r.Confirm = deref(by), deref(confirm)
		if missing != "" {
			r.Missing = strings.Split(missing, "\n")
		}
		out = append(out, r)
	}
	return out, tx.db.mapErr("list rems forms", rows.Err())
}
