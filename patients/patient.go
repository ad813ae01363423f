// Package patients is the patient record: who the patient is, how to reach
// them, and the clinical facts every visit depends on (weight, allergies,
// contraindications). It validates input and computes amendments; it knows
// nothing of HTTP or SQL.
package patients

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
)

// Sex is the patient's sex as the REMS form and FHIR ask for it
// (FHIR administrative-gender).
type Sex string

const (
	Female  Sex = "female"
	Male    Sex = "male"
	Other   Sex = "other"
	Unknown Sex = "unknown"
)

// Sexes lists the allowed values in display order.
var Sexes = []Sex{Female, Male, Other, Unknown}

func (s Sex) Label() string {
	switch s {
	case Female:
		return "Female"
	case Male:
		return "Male"
	case Other:
		return "Other"
	case Unknown:
		return "Unknown"
	}
	return string(s)
}

// EmergencyContact is whom to call if something goes wrong.
type EmergencyContact struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Phone    string `json:"phone"`
}

// Record holds every field of the patient record that people enter and
// amend. Weight is not here: it is a measurement with a date, kept as a
// history (see Weight).
type Record struct {
	MRN               string             `json:"mrn"`
	LegalName         string             `json:"legal_name"`
	PreferredName     string             `json:"preferred_name"`
	BirthDate         ketaflow.Date      `json:"birth_date"`
	Sex               Sex                `json:"sex"`
	Phone             string             `json:"phone"`
	Email             string             `json:"email"`
	Emergency         EmergencyContact   `json:"emergency_contact"`
	REMSPatientID     string             `json:"rems_patient_id"`
	PrescriberID      string             `json:"prescriber_id"`
	TherapistID       string             `json:"therapist_id"`
	HeightCM          float64            `json:"height_cm"` // clinical; 0 when not measured
	Allergies         string             `json:"allergies"` // clinical
	Contraindications []Contraindication `json:"contraindications"`
}

// Patient is a patient of one clinic: the current record and its version.
type Patient struct {
	ID       string `json:"id"`
	ClinicID string `json:"-"`
	Record
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Weight is the latest measured weight, nil when none was recorded.
	Weight *Weight `json:"weight,omitempty"`
	// ClinicalHidden is set when the reader's role may not see clinical
	// fields; those fields are then empty.
	ClinicalHidden bool `json:"clinical_hidden,omitempty"`
}

// DisplayName is how staff address the patient: the preferred name with the
// legal name when they differ.
func (p Patient) DisplayName() string {
	if p.PreferredName != "" && p.PreferredName != p.LegalName {
		return p.PreferredName + " (" + p.LegalName + ")"
	}
	return p.LegalName
}

// Redacted returns the patient as a reader without clinical access sees it.
func (p Patient) Redacted() Patient {
	p.HeightCM = 0
	p.Allergies = ""
	p.Contraindications = nil
	p.Weight = nil
	p.ClinicalHidden = true
	return p
}

// Weight is one measurement of body weight.
type Weight struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patient_id"`
	KG             float64   `json:"kg"`
	MeasuredAt     time.Time `json:"measured_at"`
	RecordedBy     string    `json:"recorded_by"`      // user id
	RecordedByName string    `json:"recorded_by_name"` // as staff saw it when read
	RecordedAt     time.Time `json:"recorded_at"`
}

// Version is one state of the record as it was saved, with who saved it,
// when and why. Versions are never changed or removed.
type Version struct {
	PatientID     string    `json:"patient_id"`
	Version       int       `json:"version"`
	Record        Record    `json:"record"`
	ChangedBy     string    `json:"changed_by"`      // user id
	ChangedByName string    `json:"changed_by_name"` // as staff saw it when read
	ChangedAt     time.Time `json:"changed_at"`
	Reason        string    `json:"reason"`
	// Changes lists the fields that differ from the version before.
	Changes []Change `json:"changes,omitempty"`
}

// Initials are the first letters of the words of the patient's legal
// name, each with a full stop: "K. M." for Kwame Mensah. The floor board
// shows them where the clinic chose not to show names.
func (p Patient) Initials() string {
	var out []string
	for _, w := range strings.FieldsFunc(p.LegalName, func(r rune) bool { return unicode.IsSpace(r) || r == '-' }) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) {
			out = append(out, string(unicode.ToUpper(r))+".")
		}
	}
	return strings.Join(out, " ")
}
