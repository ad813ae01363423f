package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/patients"
)

const patientColumns = `id, clinic_id, mrn, legal_name, preferred_name, birth_date, sex, phone, email, emergency_name,
	emergency_relation, emergency_phone, rems_patient_id, prescriber_id, therapist_id, height_cm, allergies,
	contraindications, version, created_at, updated_at`

func scanPatient(sc interface{ Scan(...any) error }, p *patients.Patient) error {
	var contra string
	err := sc.Scan(&p.ID, &p.ClinicID, &p.MRN, &p.LegalName, &p.PreferredName, &p.BirthDate, &p.Sex, &p.Phone, &p.Email,
		&p.Emergency.Name, &p.Emergency.Relation, &p.Emergency.Phone, &p.REMSPatientID, nullString{&p.PrescriberID},
		nullString{&p.TherapistID}, &p.HeightCM, &p.Allergies, &contra, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return err
	}
	p.Contraindications = nil
	for c := range strings.SplitSeq(contra, ",") {
		if c != "" {
			p.Contraindications = append(p.Contraindications, patients.Contraindication(c))
		}
	}
	return nil
}

func searchText(r patients.Record) string {
	return strings.ToLower(r.LegalName + " " + r.PreferredName + " " + r.MRN)
}

func contraText(r patients.Record) string {
	s := make([]string, len(r.Contraindications))
	for i, c := range r.Contraindications {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

// InsertPatient adds a patient and its first version.
func (tx *Tx) InsertPatient(p patients.Patient, by, reason string) error {
	r := p.Record
	_, err := tx.exec("insert patient", `INSERT INTO patients (`+patientColumns+`, search_text) VALUES ($1, $2, $3, $4, $5,
		$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
		p.ID, p.ClinicID, r.MRN, r.LegalName, r.PreferredName, r.BirthDate, string(r.Sex), r.Phone, r.Email,
		r.Emergency.Name, r.Emergency.Relation, r.Emergency.Phone, r.REMSPatientID, nullID(r.PrescriberID),
		nullID(r.TherapistID), r.HeightCM, r.Allergies, contraText(r), p.Version, p.CreatedAt, p.UpdatedAt, searchText(r))
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "mrn", Message: "MRN " + r.MRN + " is already used by another patient", Err: err}
	}
	if err != nil {
		return err
	}
	return tx.insertPatientVersion(p, by, reason)
}

func (tx *Tx) insertPatientVersion(p patients.Patient, by, reason string) error {
	b, err := json.Marshal(recordToDoc(p.Record))
	if err != nil {
		return ketaflow.Internal("marshal patient version", err)
	}
	_, err = tx.exec("insert patient version", `INSERT INTO patient_versions (patient_id, version, clinic_id, record, changed_by,
		changed_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, p.Version, p.ClinicID, string(b), by, p.UpdatedAt, reason)
	return err
}

// UpdatePatient saves a new version of a record if the stored version is
// still p.Version-1; otherwise someone else saved meanwhile and the caller
// gets EConflict rather than overwriting their change.
func (tx *Tx) UpdatePatient(p patients.Patient, by, reason string) error {
	r := p.Record
	res, err := tx.exec("update patient", `UPDATE patients SET mrn = $1, legal_name = $2, preferred_name = $3, birth_date = $4,
		sex = $5, phone = $6, email = $7, emergency_name = $8, emergency_relation = $9, emergency_phone = $10,
		rems_patient_id = $11, prescriber_id = $12, therapist_id = $13, height_cm = $14, allergies = $15,
		contraindications = $16, search_text = $17, version = $18, updated_at = $19
		WHERE clinic_id = $20 AND id = $21 AND version = $22`,
		r.MRN, r.LegalName, r.PreferredName, r.BirthDate, string(r.Sex), r.Phone, r.Email, r.Emergency.Name,
		r.Emergency.Relation, r.Emergency.Phone, r.REMSPatientID, nullID(r.PrescriberID), nullID(r.TherapistID),
		r.HeightCM, r.Allergies, contraText(r), searchText(r), p.Version, p.UpdatedAt, p.ClinicID, p.ID, p.Version-1)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "mrn", Message: "MRN " + r.MRN + " is already used by another patient", Err: err}
	}
	if err := tx.one(res, err, "patient"); err != nil {
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return ketaflow.Errorf(ketaflow.EConflict, "the record was changed by someone else since version %d; reload it and amend again", p.Version-1)
		}
		return err
	}
	return tx.insertPatientVersion(p, by, reason)
}

// Patient returns one patient of a clinic with the latest weight.
func (tx *Tx) Patient(clinicID, id string) (patients.Patient, error) {
	var p patients.Patient
	if !ketaflow.ValidID(id) {
		return p, ketaflow.NotFound("patient")
	}
	row := tx.row(`SELECT `+patientColumns+` FROM patients WHERE clinic_id = $1 AND id = $2`, clinicID, id)
	if err := scanPatient(row, &p); err != nil {
		return p, tx.notFound(err, "patient", "get patient")
	}
	ws, err := tx.Weights(clinicID, id, 1)
	if err != nil {
		return p, err
	}
	if len(ws) > 0 {
		p.Weight = &ws[0]
	}
	return p, nil
}

// LockPatient reads a patient for an amendment, holding its row until the
// transaction ends, so that two amendments of one version are judged one
// after the other: the second sees the first's version and is refused with
// a precondition failure (412), not a conflict of their inserts (409).
// (An UPDATE locks the row in PostgreSQL; SQLite has one writer anyway.)
func (tx *Tx) LockPatient(clinicID, id string) (patients.Patient, error) {
	if !ketaflow.ValidID(id) {
		return patients.Patient{}, ketaflow.NotFound("patient")
	}
	res, err := tx.exec("lock patient", `UPDATE patients SET version = version WHERE clinic_id = $1 AND id = $2`, clinicID, id)
	if err != nil {
		return patients.Patient{}, err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return patients.Patient{}, ketaflow.NotFound("patient")
	}
	return tx.Patient(clinicID, id)
}

// PatientQuery selects patients for a list.
type PatientQuery struct {
	Text      string        // matched against names and MRN, case-insensitive
	BirthDate ketaflow.Date // exact, when set
	Limit     int
}

// Patients lists a clinic's patients by legal name.
func (tx *Tx) Patients(clinicID string, q PatientQuery) ([]patients.Patient, error) {
	where := []string{"clinic_id = $1"}
	args := []any{clinicID}
	if t := strings.ToLower(strings.TrimSpace(q.Text)); t != "" {
		for word := range strings.FieldsSeq(t) {
			args = append(args, "%"+likeEscaper.Replace(word)+"%")
			where = append(where, fmt.Sprintf(`search_text LIKE $%d ESCAPE '\'`, len(args)))
		}
	}
	if !q.BirthDate.IsZero() {
		args = append(args, q.BirthDate)
		where = append(where, fmt.Sprintf("birth_date = $%d", len(args)))
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	args = append(args, q.Limit)
	rows, err := tx.query("list patients", `SELECT `+patientColumns+` FROM patients WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY legal_name, id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []patients.Patient
	for rows.Next() {
		var p patients.Patient
		if err := scanPatient(rows, &p); err != nil {
			return nil, tx.db.mapErr("scan patient", err)
		}
		out = append(out, p)
	}
	return out, tx.db.mapErr("list patients", rows.Err())
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// PatientVersions lists every saved version of a record, oldest first.
func (tx *Tx) PatientVersions(clinicID, id string) ([]patients.Version, error) {
	rows, err := tx.query("list patient versions", `SELECT v.patient_id, v.version, v.record, v.changed_by, u.display_name, v.changed_at, v.reason
		FROM patient_versions v JOIN users u ON u.id = v.changed_by WHERE v.clinic_id = $1 AND v.patient_id = $2
		ORDER BY v.version`, clinicID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []patients.Version
	for rows.Next() {
		var v patients.Version
		var rec string
		if err := rows.Scan(&v.PatientID, &v.Version, &rec, &v.ChangedBy, &v.ChangedByName, &v.ChangedAt, &v.Reason); err != nil {
			return nil, tx.db.mapErr("scan patient version", err)
		}
		var d recordDoc
		err := json.Unmarshal([]byte(rec), &d)
		v.Record = d.record()
		if err != nil {
			return nil, ketaflow.Internal("decode patient version", err)
		}
		out = append(out, v)
	}
	return out, tx.db.mapErr("list patient versions", rows.Err())
}

// InsertWeight records a weight measurement.
func (tx *Tx) InsertWeight(clinicID string, w patients.Weight) error {
	_, err := tx.exec("insert weight", `INSERT INTO weights (id, clinic_id, patient_id, kg, measured_at, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, w.ID, clinicID, w.PatientID, w.KG, w.MeasuredAt, w.RecordedBy, w.RecordedAt)
	return err
}

// Weights lists a patient's weights, newest measurement first; limit 0
// means all.
func (tx *Tx) Weights(clinicID, patientID string, limit int) ([]patients.Weight, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := tx.query("list weights", `SELECT w.id, w.patient_id, w.kg, w.measured_at, w.recorded_by, u.display_name, w.recorded_at
		FROM weights w JOIN users u ON u.id = w.recorded_by WHERE w.clinic_id = $1 AND w.patient_id = $2
		ORDER BY w.measured_at DESC, w.id DESC LIMIT $3`, clinicID, patientID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []patients.Weight
	for rows.Next() {
		var w patients.Weight
		if err := rows.Scan(&w.ID, &w.PatientID, &w.KG, &w.MeasuredAt, &w.RecordedBy, &w.RecordedByName, &w.RecordedAt); err != nil {
			return nil, tx.db.mapErr("scan weight", err)
		}
		out = append(out, w)
	}
	return out, tx.db.mapErr("list weights", rows.Err())
}
