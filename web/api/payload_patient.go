package api

import (
	"encoding/json"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
)

// The patient record's wire types. The app redacts what a role may not see
// (clinical fields left empty, clinical_hidden set); these only shape it.

// apiEmergencyContact is whom to call for the patient.
type apiEmergencyContact struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Phone    string `json:"phone"`
}

// apiPatientRecord is a patient record's fields: the body of a registration and
// of an amendment (any subset), and part of every patient answer.
type apiPatientRecord struct {
	// Unique in the clinic; blank on create assigns the next number
	MRN           string        `json:"mrn" jsonschema:"maxLength=32"`
	LegalName     string        `json:"legal_name" jsonschema:"maxLength=200,required"`
	PreferredName string        `json:"preferred_name" jsonschema:"maxLength=200"`
	BirthDate     ketaflow.Date `json:"birth_date" jsonschema:"required"`
	Sex           patients.Sex  `json:"sex" jsonschema:"required"`
	// 7 to 15 digits, optionally with + ( ) . - and spaces
	Phone         string              `json:"phone"`
	Email         string              `json:"email"` // an email address, or "" for none
	Emergency     apiEmergencyContact `json:"emergency_contact"`
	REMSPatientID string              `json:"rems_patient_id" jsonschema:"maxLength=40"`
	// An active prescriber of the clinic
	PrescriberID string `json:"prescriber_id"`
	// An active therapist of the clinic
	TherapistID string `json:"therapist_id"`
	// Clinical. 0 = not measured, else 100 to 250
	HeightCM float64 `json:"height_cm"`
	// Clinical
	Allergies string `json:"allergies" jsonschema:"maxLength=2000"`
	// Clinical. Each blocks dosing until a prescriber overrides it
	Contraindications []patients.Contraindication `json:"contraindications"`
}

func toAPIRecord(r patients.Record) apiPatientRecord {
	return apiPatientRecord{MRN: r.MRN, LegalName: r.LegalName, PreferredName: r.PreferredName, BirthDate: r.BirthDate, Sex: r.Sex,
		Phone: r.Phone, Email: r.Email, Emergency: apiEmergencyContact{Name: r.Emergency.Name, Relation: r.Emergency.Relation,
			Phone: r.Emergency.Phone}, REMSPatientID: r.REMSPatientID, PrescriberID: r.PrescriberID, TherapistID: r.TherapistID,
		HeightCM: r.HeightCM, Allergies: r.Allergies, Contraindications: append([]patients.Contraindication{}, r.Contraindications...)}
}

// applyTo sets every field of the record that the API carries; a field the
// API does not know stays as it is.
func (a apiPatientRecord) applyTo(r *patients.Record) {
	r.MRN, r.LegalName, r.PreferredName, r.BirthDate, r.Sex = a.MRN, a.LegalName, a.PreferredName, a.BirthDate, a.Sex
	r.Phone, r.Email = a.Phone, a.Email
	r.Emergency.Name, r.Emergency.Relation, r.Emergency.Phone = a.Emergency.Name, a.Emergency.Relation, a.Emergency.Phone
	r.REMSPatientID, r.PrescriberID, r.TherapistID = a.REMSPatientID, a.PrescriberID, a.TherapistID
	r.HeightCM, r.Allergies, r.Contraindications = a.HeightCM, a.Allergies, a.Contraindications
}

func (a apiPatientRecord) record() patients.Record {
	var r patients.Record
	a.applyTo(&r)
	return r
}

// apiNewWeight is a weight to record: kg, and when it was measured.
type apiNewWeight struct {
	KG         float64   `json:"kg" jsonschema:"required"`
	MeasuredAt time.Time `json:"measured_at" jsonschema:"required"`
}

func (w apiNewWeight) newWeight() app.NewWeight {
	return app.NewWeight{KG: w.KG, MeasuredAt: w.MeasuredAt}
}

// patientInput is the body of POST /api/v1/patients: the record's fields and
// optionally a first weight.
type patientInput struct {
	apiPatientRecord
	Weight *apiNewWeight `json:"weight,omitempty"`
}

// apiAmendment is the body of PATCH /api/v1/patients/{id}: the fields to
// change (decoded onto the current record, see amendPatient), why, and
// optionally the version amended (else If-Match).
type apiAmendment struct {
	Reason string `json:"reason" jsonschema:"maxLength=500,minLength=3,required"`
	// The version amended, if no If-Match header
	Version int             `json:"version"`
	Record  json.RawMessage `json:"record" jsonschema:"required"`
}

// apiWeight is a weight measurement on the chart.
type apiWeight struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patient_id"`
	KG             float64   `json:"kg"`
	MeasuredAt     time.Time `json:"measured_at"`
	RecordedBy     string    `json:"recorded_by"`
	RecordedByName string    `json:"recorded_by_name"`
	RecordedAt     time.Time `json:"recorded_at"`
}

func toAPIWeight(w patients.Weight) apiWeight {
	return apiWeight{ID: w.ID, PatientID: w.PatientID, KG: w.KG, MeasuredAt: utcTime(w.MeasuredAt), RecordedBy: w.RecordedBy,
		RecordedByName: w.RecordedByName, RecordedAt: utcTime(w.RecordedAt)}
}

func toAPIWeightPtr(w *patients.Weight) *apiWeight {
	if w == nil {
		return nil
	}
	out := toAPIWeight(*w)
	return &out
}

// apiPatient is a patient as the API shows it.
type apiPatient struct {
	ID string `json:"id"`
	apiPatientRecord
	Version        int        `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Weight         *apiWeight `json:"weight,omitempty"`
	ClinicalHidden bool       `json:"clinical_hidden,omitempty"`
}

func toAPIPatient(p patients.Patient) apiPatient {
	return apiPatient{ID: p.ID, apiPatientRecord: toAPIRecord(p.Record), Version: p.Version, CreatedAt: utcTime(p.CreatedAt),
		UpdatedAt: utcTime(p.UpdatedAt), Weight: toAPIWeightPtr(p.Weight), ClinicalHidden: p.ClinicalHidden}
}

// apiPatientChange is one field that differs from the version before.
type apiPatientChange struct {
	Field    string `json:"field"`
	Label    string `json:"label"`
	Clinical bool   `json:"clinical"`
	From     string `json:"from"`
	To       string `json:"to"`
}

// apiPatientVersion is one saved version of a record.
type apiPatientVersion struct {
	PatientID     string             `json:"patient_id"`
	Version       int                `json:"version"`
	Record        apiPatientRecord   `json:"record"`
	ChangedBy     string             `json:"changed_by"`
	ChangedByName string             `json:"changed_by_name"`
	ChangedAt     time.Time          `json:"changed_at"`
	Reason        string             `json:"reason"`
	Changes       []apiPatientChange `json:"changes,omitempty"`
}

func toAPIPatientVersion(v patients.Version) apiPatientVersion {
	out := apiPatientVersion{PatientID: v.PatientID, Version: v.Version, Record: toAPIRecord(v.Record), ChangedBy: v.ChangedBy,
		ChangedByName: v.ChangedByName, ChangedAt: utcTime(v.ChangedAt), Reason: v.Reason}
	for _, c := range v.Changes {
		out.Changes = append(out.Changes, apiPatientChange{Field: c.Field, Label: c.Label, Clinical: c.Clinical, From: c.From, To: c.To})
	}
	return out
}

// apiPatientSummary is who a visit is for; clinical fields are empty when
// the role may not see them.
type apiPatientSummary struct {
	ID                string                      `json:"id"`
	MRN               string                      `json:"mrn"`
	Name              string                      `json:"name"`
	LegalName         string                      `json:"legal_name"`
	PreferredName     string                      `json:"preferred_name"`
	BirthDate         ketaflow.Date               `json:"birth_date"`
	Sex               patients.Sex                `json:"sex"`
	REMSPatientID     string                      `json:"rems_patient_id"`
	Allergies         string                      `json:"allergies"`
	Contraindications []patients.Contraindication `json:"contraindications"`
	Weight            *apiWeight                  `json:"weight,omitempty"`
	ClinicalHidden    bool                        `json:"clinical_hidden"`
}

func toPatientSummary(p patients.Patient) apiPatientSummary {
	out := apiPatientSummary{ID: p.ID, MRN: p.MRN, Name: p.DisplayName(), LegalName: p.LegalName, PreferredName: p.PreferredName,
		BirthDate: p.BirthDate, Sex: p.Sex, REMSPatientID: p.REMSPatientID, Allergies: p.Allergies,
		Contraindications: []patients.Contraindication{}, Weight: toAPIWeightPtr(p.Weight), ClinicalHidden: p.ClinicalHidden}
	out.Contraindications = append(out.Contraindications, p.Contraindications...)
	return out
}

// apiPatients is a page of patients found.
type apiPatients struct {
	Patients []apiPatient `json:"patients"`
}

// apiPatientVersions is every version of a record, oldest first.
type apiPatientVersions struct {
	Versions []apiPatientVersion `json:"versions"`
}

// apiWeights is a patient's weights, newest first.
type apiWeights struct {
	Weights []apiWeight `json:"weights"`
}
