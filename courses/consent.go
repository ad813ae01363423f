package courses

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Form is one version of the clinic's informed consent text for a route,
// as an admin wrote it. Versions are never changed: an edit is a new one.
type Form struct {
	ID        string         `json:"id"`
	ClinicID  string         `json:"-"`
	Route     protocol.Route `json:"route"`
	Version   int            `json:"version"` // 1, then +1 per edit of the route's form
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
}

// Consent form limits, in characters.
const (
	MaxFormTitle = 200
	MinFormBody  = 200 // a consent names the treatment, its risks and the right to stop: a line is not one
	MaxFormBody  = 20000
	MaxTypedName = 200
)

// NewForm checks an admin's consent text and returns it as the version
// after previous (0 when the route has none yet). Errors are EInvalid on
// "route", "title" or "body".
func NewForm(route, title, body string, previous int, by string, now time.Time) (Form, error) {
	var probs ketaflow.Problems
	r, err := protocol.ParseRoute(route)
	if err != nil {
		probs.Add("route", "%s", ketaflow.ErrorMessage(err))
	}
	title, body = strings.TrimSpace(title), strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if n := utf8.RuneCountInString(title); n == 0 || n > MaxFormTitle {
		probs.Add("title", "the title is 1 to %d characters, not %d", MaxFormTitle, n)
	}
	if n := utf8.RuneCountInString(body); n < MinFormBody || n > MaxFormBody {
		probs.Add("body", "the consent text is %d to %d characters (the treatment, its risks, the right to stop), not %d", MinFormBody, MaxFormBody, n)
	}
	for _, s := range []struct{ field, text string }{{"title", title}, {"body", body}} {
		if !plain(s.text) {
			probs.Add(s.field, "the %s must be plain text", s.field)
		}
	}
	if err := probs.Err(); err != nil {
		return Form{}, err
	}
	return Form{Route: r, Version: previous + 1, Title: title, Body: body, CreatedBy: by, CreatedAt: now}, nil
}

func plain(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' })
}

// Consent is a consent the patient signed: the form's text exactly as they
// read it, and the name they typed.
type Consent struct {
	ID          string         `json:"id"`
	ClinicID    string         `json:"-"`
	PatientID   string         `json:"patient_id"`
	Route       protocol.Route `json:"route"`
	FormID      string         `json:"form_id"`
	FormVersion int            `json:"form_version"`
	Title       string         `json:"title"`
	Body        string         `json:"body"`
	TypedName   string         `json:"typed_name"`
	SignedAt    time.Time      `json:"signed_at"`
	VisitID     string         `json:"visit_id,omitempty"`
	HandedBy    string         `json:"handed_by"` // the staff member who handed over the tablet
}

// ExpiresAt is when the consent must be signed again, per the protocol.
func (c Consent) ExpiresAt(p protocol.Protocol) time.Time {
	return c.SignedAt.Add(p.Course.ConsentValid())
}

// Valid reports whether the consent covers a treatment on its route at now.
func (c Consent) Valid(p protocol.Protocol, now time.Time) bool {
	return !c.SignedAt.After(now) && now.Before(c.ExpiresAt(p))
}

// Sign checks the patient's signature on form: the name typed must be the
// patient's own (legal or preferred name, ignoring case and spacing), and
// the form must still be
// the one shown (shownVersion), so that no one signs a text they did not
// read. Errors: EInvalid on "typed_name"; EConflict on "form_version" when
// the form changed meanwhile.
func Sign(form Form, shownVersion int, patientID string, names []string, typed string, by, visitID string, now time.Time) (Consent, error) {
	if shownVersion != form.Version {
		return Consent{}, &ketaflow.Error{Code: ketaflow.EConflict, Field: "form_version", Message: "the consent text changed since it was shown; read the new version and sign again"}
	}
	typed = strings.TrimSpace(typed)
	if n := utf8.RuneCountInString(typed); n == 0 || n > MaxTypedName || !plain(typed) {
		return Consent{}, ketaflow.Invalid("typed_name", "type your full name to sign")
	}
	ok := false
	for _, n := range names {
		if n != "" && sameName(n, typed) {
			ok = true
		}
	}
	if !ok {
		return Consent{}, ketaflow.Invalid("typed_name", "the name typed is not the name on your record; type your full name as the clinic has it")
	}
	return Consent{PatientID: patientID, Route: form.Route, FormID: form.ID, FormVersion: form.Version, Title: form.Title,
		Body: form.Body, TypedName: typed, SignedAt: now, VisitID: visitID, HandedBy: by}, nil
}

func sameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// Enrolment is the patient's Spravato REMS enrolment on file: the id on
// the patient record and the date the enrolment form was signed.
type Enrolment struct {
	ID            string        `json:"id"`
	PatientID     string        `json:"patient_id"`
	REMSPatientID string        `json:"rems_patient_id"`
	EnrolledOn    ketaflow.Date `json:"enrolled_on"`
	RecordedBy    string        `json:"recorded_by"`
	RecordedAt    time.Time     `json:"recorded_at"`
}

// NewEnrolment checks an enrolment: the patient record must hold the REMS
// id, and the date is not after today nor before 2019 (when Spravato was
// approved, with its REMS). Errors are EInvalid on "rems_patient_id" or
// "enrolled_on".
func NewEnrolment(patientID, remsID string, on, today ketaflow.Date, by string, now time.Time) (Enrolment, error) {
	var probs ketaflow.Problems
	if strings.TrimSpace(remsID) == "" {
		probs.Add("rems_patient_id", "record the patient's REMS patient id on the patient record first")
	}
	switch {
	case on.IsZero():
		probs.Add("enrolled_on", "the date the REMS enrolment form was signed is required")
	case today.Before(on):
		probs.Add("enrolled_on", "the enrolment date %s is after today (%s)", on, today)
	case on.Before(ketaflow.Date{Year: 2019, Month: time.March, Day: 5}):
		probs.Add("enrolled_on", "the enrolment date %s is before the Spravato REMS began (2019-03-05)", on)
	}
	if err := probs.Err(); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{PatientID: patientID, REMSPatientID: strings.TrimSpace(remsID), EnrolledOn: on, RecordedBy: by, RecordedAt: now}, nil
}
