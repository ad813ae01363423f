package patients

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
)

// Plausibility limits for what people type. They catch slips (a weight of 0
// or 700 kg) and are not clinical rules: those live in the protocol.
const (
	MinWeightKG = 20.0  // kg; an adult clinic, lighter than this is a typing slip
	MaxWeightKG = 350.0 // kg
	MinHeightCM = 100.0 // cm
	MaxHeightCM = 250.0 // cm
	maxName     = 200
	maxText     = 2000
)

var (
	mrnPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)
	remsPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,39}$`)
	phoneChars  = regexp.MustCompile(`^\+?[0-9 ().-]+$`)
	earliest    = ketaflow.Date{Year: 1900, Month: time.January, Day: 1}
)

// Normalize trims surrounding space from every text field and sorts the
// contraindications, so that equal records compare equal.
func (r Record) Normalize() Record {
	for _, s := range []*string{&r.MRN, &r.LegalName, &r.PreferredName, &r.Phone, &r.Email,
		&r.Emergency.Name, &r.Emergency.Relation, &r.Emergency.Phone, &r.REMSPatientID,
		&r.PrescriberID, &r.TherapistID, &r.Allergies} {
		*s = strings.TrimSpace(*s)
	}
	r.Email = strings.ToLower(r.Email)
	r.Sex = Sex(strings.ToLower(strings.TrimSpace(string(r.Sex))))
	r.Contraindications = sortContraindications(slices.Compact(sortContraindications(slices.Clone(r.Contraindications))))
	return r
}

// Validate checks every field and returns an EInvalid error listing each
// field at fault and what is allowed. today is the clinic's date.
func (r Record) Validate(today ketaflow.Date) error {
	var p ketaflow.Problems
	if r.MRN != "" && !mrnPattern.MatchString(r.MRN) {
		p.Add("mrn", "MRN must be 1 to 32 letters, digits or hyphens")
	}
	checkName(&p, "legal_name", r.LegalName, true)
	checkName(&p, "preferred_name", r.PreferredName, false)
	switch {
	case r.BirthDate.IsZero():
		p.Add("birth_date", "date of birth is required (YYYY-MM-DD)")
	case today.Before(r.BirthDate):
		p.Add("birth_date", "date of birth %s is in the future; it must be between %s and %s", r.BirthDate, earliest, today)
	case r.BirthDate.Before(earliest):
		p.Add("birth_date", "date of birth %s is before %s; it must be between %s and %s", r.BirthDate, earliest, earliest, today)
	}
	if !slices.Contains(Sexes, r.Sex) {
		p.Add("sex", "sex must be one of female, male, other, unknown")
	}
	checkPhone(&p, "phone", r.Phone)
	if r.Email != "" {
		if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email {
			p.Add("email", "email %q is not a valid address like name@example.org", r.Email)
		}
	}
	checkName(&p, "emergency_contact.name", r.Emergency.Name, false)
	checkName(&p, "emergency_contact.relation", r.Emergency.Relation, false)
	checkPhone(&p, "emergency_contact.phone", r.Emergency.Phone)
	if r.REMSPatientID != "" && !remsPattern.MatchString(r.REMSPatientID) {
		p.Add("rems_patient_id", "REMS patient id must be 1 to 40 letters, digits or hyphens")
	}
	for _, f := range []struct{ name, id string }{{"prescriber_id", r.PrescriberID}, {"therapist_id", r.TherapistID}} {
		if f.id != "" && !ketaflow.ValidID(f.id) {
			p.Add(f.name, "%s must be the id of a user of this clinic", f.name)
		}
	}
	// Written as "not within" so that NaN (strconv.ParseFloat accepts "NaN")
	// is refused too.
	if r.HeightCM != 0 && !(r.HeightCM >= MinHeightCM && r.HeightCM <= MaxHeightCM) {
		p.Add("height_cm", "height %g cm is outside %g to %g cm", r.HeightCM, MinHeightCM, MaxHeightCM)
	}
	if len(r.Allergies) > maxText {
		p.Add("allergies", "allergies must be at most %d characters", maxText)
	}
	for _, c := range r.Contraindications {
		if !slices.Contains(Contraindications, c) {
			p.Add("contraindications", "%q is not a known contraindication", c)
			break
		}
	}
	return p.Err()
}

func checkName(p *ketaflow.Problems, field, s string, required bool) {
	switch {
	case s == "" && required:
		p.Add(field, "%s is required", strings.ReplaceAll(field, "_", " "))
	case len(s) > maxName:
		p.Add(field, "%s must be at most %d characters", strings.ReplaceAll(field, "_", " "), maxName)
	case strings.ContainsFunc(s, unicode.IsControl):
		p.Add(field, "%s must not contain control characters", strings.ReplaceAll(field, "_", " "))
	}
}

// checkPhone accepts national and international numbers: digits with
// optional spaces, dots, hyphens and brackets, 7 to 15 digits (E.164 allows
// at most 15), and a leading + only.
func checkPhone(p *ketaflow.Problems, field, s string) {
	if s != "" && !ValidPhone(s) {
		p.Add(field, "phone %q is not a phone number: use 7 to 15 digits, optionally starting with + (e.g. +1 555 010 0199)", s)
	}
}

// ValidPhone reports whether s is a phone number as checkPhone accepts it.
func ValidPhone(s string) bool {
	digits := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	return phoneChars.MatchString(s) && digits >= 7 && digits <= 15
}

// ValidateWeight checks a weight measurement: within plausible limits and
// measured neither in the future nor long ago.
func ValidateWeight(kg float64, measuredAt, now time.Time) error {
	var p ketaflow.Problems
	if !(kg >= MinWeightKG && kg <= MaxWeightKG) {
		p.Add("weight_kg", "weight %g kg is outside %g to %g kg", kg, MinWeightKG, MaxWeightKG)
	}
	switch {
	case measuredAt.IsZero():
		p.Add("measured_at", "the time the weight was measured is required")
	case measuredAt.After(now.Add(5 * time.Minute)):
		p.Add("measured_at", "the weight cannot be measured in the future")
	case measuredAt.Before(now.AddDate(-1, 0, 0)):
		p.Add("measured_at", "a weight measured more than a year ago cannot be recorded as current")
	}
	return p.Err()
}

// A patient search is at most MaxSearchWords words and MaxSearchChars
// characters: a name and an MRN need far fewer, and each word is one more
// condition of the query (999 words made SQLite refuse it as too large).
const (
	MaxSearchWords = 8
	MaxSearchChars = 100
)

// CheckSearch refuses a search too long to be a name, an MRN or a date of
// birth, naming field.
func CheckSearch(field, q string) error {
	words, chars := len(strings.Fields(q)), utf8.RuneCountInString(q)
	if words > MaxSearchWords || chars > MaxSearchChars {
		return ketaflow.Invalid(field, "a search (%s) must be at most %d words and %d characters (this one has %d words, %d characters): "+
			"search by name, MRN or date of birth", field, MaxSearchWords, MaxSearchChars, words, chars)
	}
	return nil
}
