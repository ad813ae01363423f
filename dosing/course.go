package dosing

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Course is what the dose rules that depend on a patient's course of
// treatment need to know about it.
type Course struct {
	// PriorSessions is how many earlier visits of the order's route gave
	// the patient a dose.
	PriorSessions int
}

// CourseRule names a dose rule that depends on the course.
type CourseRule string

// RuleSpravatoFirstDose: on the patient's first Spravato treatment the dose
// is at most the protocol's first dose [label: day 1 of induction is 56 mg].
const RuleSpravatoFirstDose CourseRule = "spravato_first_dose"

// Finding is a course rule an order breaks, in words for the prescriber.
type Finding struct {
	Rule    CourseRule
	Message string
}

// CheckCourse lists the course rules the order breaks. A prescriber may
// still sign it by overriding them with a written reason (OverrideCourse).
func CheckCourse(o Order, c Course, p protocol.Protocol) []Finding {
	var out []Finding
	if sp := p.Dose.Spravato; o.Route == protocol.Spravato && c.PriorSessions == 0 && o.SpravatoMg > sp.FirstDoseMg {
		out = append(out, Finding{Rule: RuleSpravatoFirstDose, Message: fmt.Sprintf(
			"this is the patient's first Spravato treatment: the label's first dose is %d mg, and %d mg needs a written reason",
			sp.FirstDoseMg, o.SpravatoMg)})
	}
	return out
}

// Override reason lengths, in characters.
const (
	MinOverrideReason = 10
	MaxOverrideReason = 1000
)

// OverrideCourse checks that every course rule the order breaks is overridden
// with a reason, and returns the reason trimmed ("" when no rule is broken).
//
// Errors: EBlocked naming each rule broken when there is no reason;
// EInvalid on "override_reason" when the reason is too short or too long.
func OverrideCourse(findings []Finding, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if len(findings) == 0 {
		return "", nil
	}
	msgs := make([]string, len(findings))
	for i, f := range findings {
		msgs[i] = f.Message
	}
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", &ketaflow.Error{Code: ketaflow.EBlocked, Field: "override_reason", Message: "the order is refused: " +
			strings.Join(msgs, "; ") + " (override_reason)"}
	case n < MinOverrideReason:
		return "", ketaflow.Invalid("override_reason", "say why the order departs from the course rule (at least %d characters)",
			MinOverrideReason)
	case n > MaxOverrideReason:
		return "", ketaflow.Invalid("override_reason", "the reason must be at most %d characters", MaxOverrideReason)
	}
	return reason, nil
}
