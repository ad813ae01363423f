package session

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
)

// AEKind is the kind of an adverse event [product brief].
type AEKind string

const (
	Nausea                AEKind = "nausea"
	Vomiting              AEKind = "vomiting"
	AnxietyAgitation      AEKind = "anxiety_agitation"
	Hypertension          AEKind = "hypertension"
	RespiratoryDepression AEKind = "respiratory_depression"
	EmergenceReaction     AEKind = "emergence_reaction"
	OtherEvent            AEKind = "other"
)

// AEKinds lists the kinds in display order.
var AEKinds = []AEKind{Nausea, Vomiting, AnxietyAgitation, Hypertension, RespiratoryDepression, EmergenceReaction, OtherEvent}

// Label is the kind's name for people.
func (k AEKind) Label() string {
	switch k {
	case Nausea:
		return "Nausea"
	case Vomiting:
		return "Vomiting"
	case AnxietyAgitation:
		return "Anxiety or agitation"
	case Hypertension:
		return "Hypertension"
	case RespiratoryDepression:
		return "Respiratory depression"
	case EmergenceReaction:
		return "Emergence reaction"
	case OtherEvent:
		return "Other"
	}
	return string(k)
}

// Severity grades an adverse event.
type Severity string

const (
	Mild     Severity = "mild"
	Moderate Severity = "moderate"
	Severe   Severity = "severe"
)

// Severities lists the grades in display order.
var Severities = []Severity{Mild, Moderate, Severe}

// AdverseEvent is one adverse event in a session: what, when, how bad and
// what was done. Events are kept, never changed: a correction is a new
// event that Amends the original and says why.
type AdverseEvent struct {
	ID         string    `json:"id"`
	VisitID    string    `json:"visit_id"`
	Kind       AEKind    `json:"kind"`
	At         time.Time `json:"at"`
	Severity   Severity  `json:"severity"`
	Action     string    `json:"action"` // what was done, e.g. "ondansetron 4 mg IV; infusion paused"
	Note       string    `json:"note,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`

	Amends      string `json:"amends,omitempty"`
	AmendReason string `json:"amend_reason,omitempty"`
	// LateReason says why it was entered well after it happened
	// (charting.Rule); "" when charted on time.
	LateReason string `json:"late_reason,omitempty"`
}

// Text limits of an adverse event, long enough for a clinical note, and
// the clock difference between a chair-side device and the server that a
// time may be ahead by, as for vitals readings.
const (
	maxAction = 1000
	maxNote   = 2000
	clockSkew = 2 * time.Minute
)

// Validate checks an event as entered at now: a known kind and severity, a
// time not in the future, the action taken, a note for "other", and a
// reason for an amendment.
//
// Errors: EInvalid naming each field at fault.
func (e AdverseEvent) Validate(now time.Time) error {
	var p ketaflow.Problems
	if !slices.Contains(AEKinds, e.Kind) {
		p.Add("kind", "kind must be one of: nausea, vomiting, anxiety or agitation, hypertension, respiratory depression, emergence reaction, other")
	}
	if !slices.Contains(Severities, e.Severity) {
		p.Add("severity", "severity must be mild, moderate or severe")
	}
	switch {
	case e.At.IsZero():
		p.Add("at", "the time of the event is required")
	case e.At.After(now.Add(clockSkew)):
		p.Add("at", "an adverse event cannot be in the future")
	}
	switch {
	case strings.TrimSpace(e.Action) == "":
		p.Add("action", "say what was done, even if it was only to observe")
	case utf8.RuneCountInString(e.Action) > maxAction:
		p.Add("action", "action must be at most %d characters", maxAction)
	}
	switch {
	case e.Kind == OtherEvent && strings.TrimSpace(e.Note) == "":
		p.Add("note", "describe the event: the kind is \"other\"")
	case utf8.RuneCountInString(e.Note) > maxNote:
		p.Add("note", "note must be at most %d characters", maxNote)
	}
	if e.Amends != "" && strings.TrimSpace(e.AmendReason) == "" {
		p.Add("amend_reason", "say why the event is corrected")
	}
	return p.Err()
}

// EffectiveEvents returns the events that count, in time order: an amended
// event is replaced by its amendment. The originals stay on record.
func EffectiveEvents(all []AdverseEvent) []AdverseEvent {
	amended := map[string]bool{}
	for _, e := range all {
		if e.Amends != "" {
			amended[e.Amends] = true
		}
	}
	var out []AdverseEvent
	for _, e := range all {
		if !amended[e.ID] {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b AdverseEvent) int { return a.At.Compare(b.At) })
	return out
}

// HadEvent reports whether any effective event is of kind k, as the REMS
// form asks about respiratory depression.
func HadEvent(all []AdverseEvent, k AEKind) bool {
	return slices.ContainsFunc(EffectiveEvents(all), func(e AdverseEvent) bool { return e.Kind == k })
}

// ParseAEKind reads a kind as a form posts it: its code or its label, in
// any case, with spaces, hyphens or underscores.
//
// Errors: EInvalid on field "kind" listing the kinds.
func ParseAEKind(s string) (AEKind, error) {
	key := normalize(s)
	for _, k := range AEKinds {
		if key == normalize(string(k)) || key == normalize(k.Label()) {
			return k, nil
		}
	}
	switch key {
	case "anxiety", "agitation", "anxiety agitation":
		return AnxietyAgitation, nil
	case "emergence", "emergence phenomena":
		return EmergenceReaction, nil
	}
	return "", ketaflow.Invalid("kind", "adverse event kind must be one of: nausea, vomiting, anxiety or agitation, hypertension, respiratory depression, emergence reaction, other")
}

// ParseSeverity reads a severity in any case.
//
// Errors: EInvalid on field "severity".
func ParseSeverity(s string) (Severity, error) {
	key := normalize(s)
	for _, sv := range Severities {
		if key == string(sv) {
			return sv, nil
		}
	}
	return "", ketaflow.Invalid("severity", "severity must be mild, moderate or severe")
}

// normalize lowers s and turns runs of spaces, hyphens and underscores into
// single spaces.
func normalize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return ' '
		}
		return r
	}, strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}
