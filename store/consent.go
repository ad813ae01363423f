package store

import (
	"github.com/ketaflow/ketaflow/courses"
)

// InsertConsentForm records a new version of a consent text.
func (tx *Tx) InsertConsentForm(f courses.Form) error {
	_, err := tx.exec("insert consent form", `INSERT INTO consent_forms (id, clinic_id, route, version, title, body, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, f.ClinicID, string(f.Route), f.Version, f.Title, f.Body, f.CreatedBy, f.CreatedAt)
	return err
}

const formColumns = `id, clinic_id, route, version, title, body, created_by, created_at`

func scanForm(sc interface{ Scan(...any) error }, f *courses.Form) error {
	return sc.Scan(&f.ID, &f.ClinicID, &f.Route, &f.Version, &f.Title, &f.Body, &f.CreatedBy, &f.CreatedAt)
}

// CurrentConsentForm returns the newest version of a route's consent
// text; ENotFound when the clinic has none.
func (tx *Tx) CurrentConsentForm(clinicID, route string) (courses.Form, error) {
	var f courses.Form
	row := tx.tx.QueryRowContext(tx.ctx, `SELECT `+formColumns+` FROM consent_forms WHERE clinic_id = $1 AND route = $2
		ORDER BY version DESC LIMIT 1`, clinicID, route)
	if err := scanForm(row, &f); err != nil {
		return f, tx.notFound(err, "consent form", "get consent form")
	}
	return f, nil
}

// ConsentForms lists every version of the clinic's consent texts, by
// route and newest first.
func (tx *Tx) ConsentForms(clinicID string) ([]courses.Form, error) {
	rows, err := tx.query("list consent forms", `SELECT `+formColumns+` FROM consent_forms WHERE clinic_id = $1
		ORDER BY route, version DESC`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []courses.Form
	for rows.Next() {
		var f courses.Form
		if err := scanForm(rows, &f); err != nil {
			return nil, tx.db.mapErr("scan consent form", err)
		}
		out = append(out, f)
	}
	return out, tx.db.mapErr("list consent forms", rows.Err())
}

// InsertConsent records a signed consent.
func (tx *Tx) InsertConsent(c courses.Consent) error {
	_, err := tx.exec("insert consent", `INSERT INTO consents (id, clinic_id, patient_id, route, form_id, form_version, title, body,
		typed_name, signed_at, visit_id, handed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		c.ID, c.ClinicID, c.PatientID, string(c.Route), c.FormID, c.FormVersion, c.Title, c.Body, c.TypedName, c.SignedAt,
		nullID(c.VisitID), c.HandedBy)
	return err
}

// Consents lists the consents a patient signed, newest first.
func (tx *Tx) Consents(clinicID, patientID string) ([]courses.Consent, error) {
	rows, err := tx.query("list consents", `SELECT id, clinic_id, patient_id, route, form_id, form_version, title, body, typed_name,
		signed_at, visit_id, handed_by FROM consents WHERE clinic_id = $1 AND patient_id = $2 ORDER BY signed_at DESC, id DESC`,
		clinicID, patientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []courses.Consent
	for rows.Next() {
		var c courses.Consent
		if err := rows.Scan(&c.ID, &c.ClinicID, &c.PatientID, &c.Route, &c.FormID, &c.FormVersion, &c.Title, &c.Body, &c.TypedName,
			&c.SignedAt, nullString{&c.VisitID}, &c.HandedBy); err != nil {
			return nil, tx.db.mapErr("scan consent", err)
		}
		out = append(out, c)
	}
	return out, tx.db.mapErr("list consents", rows.Err())
}

// InsertEnrolment records a Spravato REMS enrolment.
func (tx *Tx) InsertEnrolment(clinicID string, e courses.Enrolment) error {
	_, err := tx.exec("insert rems enrolment", `INSERT INTO rems_enrolments (id, clinic_id, patient_id, rems_patient_id, enrolled_on,
		recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.ID, clinicID, e.PatientID, e.REMSPatientID, e.EnrolledOn.String(), e.RecordedBy, e.RecordedAt)
	return err
}

// Enrolments lists a patient's REMS enrolments, newest first.
func (tx *Tx) Enrolments(clinicID, patientID string) ([]courses.Enrolment, error) {
	rows, err := tx.query("list rems enrolments", `SELECT id, patient_id, rems_patient_id, enrolled_on, recorded_by, recorded_at
		FROM rems_enrolments WHERE clinic_id = $1 AND patient_id = $2 ORDER BY recorded_at DESC, id DESC`, clinicID, patientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []courses.Enrolment
	for rows.Next() {
		var e courses.Enrolment
		var on string
		if err := rows.Scan(&e.ID, &e.PatientID, &e.REMSPatientID, &on, &e.RecordedBy, &e.RecordedAt); err != nil {
			return nil, tx.db.mapErr("scan rems enrolment", err)
		}
		if err := e.EnrolledOn.UnmarshalText([]byte(on)); err != nil {
			return nil, tx.db.mapErr("scan rems enrolment date", err)
		}
		out = append(out, e)
	}
	return out, tx.db.mapErr("list rems enrolments", rows.Err())
}
