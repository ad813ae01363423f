package patients

import (
	"strconv"
	"strings"
)

// Change is one field that differs between two versions of a record.
type Change struct {
	Field    string `json:"field"`
	Label    string `json:"label"`
	Clinical bool   `json:"clinical"`
	From     string `json:"from"`
	To       string `json:"to"`
	// FromName and ToName say a value that is an id (the prescriber, the
	// therapist) for people: the app fills them in from the clinic's users.
	FromName string `json:"from_name,omitempty"`
	ToName   string `json:"to_name,omitempty"`
}

// StaffFields are the fields whose values are ids of the clinic's staff.
var StaffFields = []string{"prescriber_id", "therapist_id"}

// field describes one field of Record for diffs and for the permission
// check: amending a clinical field needs the clinical permission.
type field struct {
	name, label string
	clinical    bool
	get         func(Record) string
}

var fields = []field{
	{"mrn", "MRN", false, func(r Record) string { return r.MRN }},
	{"legal_name", "Legal name", false, func(r Record) string { return r.LegalName }},
	{"preferred_name", "Preferred name", false, func(r Record) string { return r.PreferredName }},
	{"birth_date", "Date of birth", false, func(r Record) string { return r.BirthDate.String() }},
	{"sex", "Sex", false, func(r Record) string { return string(r.Sex) }},
	{"phone", "Phone", false, func(r Record) string { return r.Phone }},
	{"email", "Email", false, func(r Record) string { return r.Email }},
	{"emergency_contact.name", "Emergency contact", false, func(r Record) string { return r.Emergency.Name }},
	{"emergency_contact.relation", "Emergency contact relation", false, func(r Record) string { return r.Emergency.Relation }},
	{"emergency_contact.phone", "Emergency contact phone", false, func(r Record) string { return r.Emergency.Phone }},
	{"rems_patient_id", "REMS patient id", false, func(r Record) string { return r.REMSPatientID }},
	{"prescriber_id", "Prescriber", false, func(r Record) string { return r.PrescriberID }},
	{"therapist_id", "Therapist", false, func(r Record) string { return r.TherapistID }},
	{"height_cm", "Height (cm)", true, func(r Record) string {
		if r.HeightCM == 0 {
			return ""
		}
		return strconv.FormatFloat(r.HeightCM, 'f', -1, 64)
	}},
	{"allergies", "Allergies", true, func(r Record) string { return r.Allergies }},
	{"contraindications", "Contraindications", true, func(r Record) string {
		s := make([]string, len(r.Contraindications))
		for i, c := range r.Contraindications {
			s[i] = c.Label()
		}
		return strings.Join(s, "; ")
	}},
}

// Diff lists the fields that differ from old to new, in form order.
func Diff(old, new Record) []Change {
	var out []Change
	for _, f := range fields {
		if a, b := f.get(old), f.get(new); a != b {
			out = append(out, Change{Field: f.name, Label: f.label, Clinical: f.clinical, From: a, To: b})
		}
	}
	return out
}

// ClinicalFields lists the names of the clinical fields of Record.
func ClinicalFields() []string {
	var out []string
	for _, f := range fields {
		if f.clinical {
			out = append(out, f.name)
		}
	}
	return out
}
