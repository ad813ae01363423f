package intake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// One set of answers per visit and instrument. The patient answers each
// questionnaire of a visit once, on the clinic tablet, from a link or on
// paper entered by a clinician; a second submission is refused, whichever
// way it comes, because a later all-zero form must not replace what the
// patient said. A clinician corrects answers with an amendment that gives
// a reason: the original stays, and the gate reads the newest version.

// Answered is one version of a questionnaire's answers on a visit.
type Answered struct {
	ResponseID string
	Version    int // 1 for the first answers; each amendment adds one
	Result     Result
}

// Current returns the newest version of each instrument's answers: the
// answers the gate reads.
func Current(all []Answered) map[string]Answered {
	out := map[string]Answered{}
	for _, a := range all {
		if cur, ok := out[a.Result.Instrument]; !ok || a.Version > cur.Version {
			out[a.Result.Instrument] = a
		}
	}
	return out
}

// Outstanding lists the instruments of a visit not answered yet, in the
// order the patient answers them: what a link or the tablet still asks.
func Outstanding(all []Answered) []Instrument {
	cur := Current(all)
	var out []Instrument
	for _, in := range Instruments() {
		if _, ok := cur[in.ID]; !ok {
			out = append(out, in)
		}
	}
	return out
}

// CheckFirstAnswers refuses answers to an instrument the visit already has
// answers for: one set per visit and instrument. The error is EConflict on
// field "instrument" and says how a correction is made.
func CheckFirstAnswers(all []Answered, instruments []string) error {
	cur := Current(all)
	var done []string
	for _, in := range Instruments() {
		if _, ok := cur[in.ID]; ok && slices.Contains(instruments, in.ID) {
			done = append(done, in.Title)
		}
	}
	if len(done) == 0 {
		return nil
	}
	return &ketaflow.Error{Code: ketaflow.EConflict, Field: "instrument", Message: fmt.Sprintf(
		"%s %s already answered at this visit and answers are not replaced; a nurse or prescriber may amend them with a reason",
		strings.Join(done, " and "), plural(len(done), "was", "were"))}
}

// Limits of an amendment's reason.
const (
	MinAmendReason = 10   // characters
	MaxAmendReason = 2000 // characters
)

// Amendment is a clinician's correction of a questionnaire's answers.
type Amendment struct {
	// Amends is the response id of the version being corrected: it must
	// be the newest, so that two people correcting at once do not both
	// land, each unaware of the other.
	Amends  string
	Reason  string
	Answers []int
}

// CheckAmendment checks an amendment against the instrument's newest
// answers on the visit (nil when there are none) and scores it. The answers
// must be complete, as a first submission's must; the reason is required.
func CheckAmendment(in Instrument, latest *Answered, a Amendment) (Result, error) {
	if latest == nil {
		return Result{}, &ketaflow.Error{Code: ketaflow.EConflict, Field: "instrument", Message: fmt.Sprintf(
			"the %s has not been answered at this visit, so there is nothing to amend; the patient answers it first", in.Title)}
	}
	if a.Amends != latest.ResponseID {
		return Result{}, &ketaflow.Error{Code: ketaflow.EConflict, Field: "amends", Message: fmt.Sprintf(
			"the %s answers named are not the newest (version %d is): read the visit again and amend the newest version",
			in.Title, latest.Version)}
	}
	var probs ketaflow.Problems
	reason := strings.TrimSpace(a.Reason)
	switch n := len([]rune(reason)); {
	case n < MinAmendReason:
		probs.Add("reason", "say why the answers are corrected: at least %d characters, not %d", MinAmendReason, n)
	case n > MaxAmendReason:
		probs.Add("reason", "the reason must be at most %d characters, not %d", MaxAmendReason, n)
	}
	r, err := Score(in, a.Answers)
	if err != nil {
		probs = append(probs, ketaflow.AsError(err).Fields...)
	}
	if err := probs.Err(); err != nil {
		return Result{}, err
	}
	if slices.Equal(r.Answers, latest.Result.Answers) {
		return Result{}, ketaflow.Invalid("answers", "the amended answers are the same as version %d; change the answers that were wrong", latest.Version)
	}
	return r, nil
}

// AlertEffect is what an amendment does to the PHQ-9 item 9 safety alert.
type AlertEffect int

const (
	// AlertUnchanged: the amendment has nothing to do with the alert.
	AlertUnchanged AlertEffect = iota
	// AlertRaise: the amendment raises item 9 above the threshold, or
	// higher than the answer an alert was raised for: a new alert goes
	// to the prescriber, as for a first submission.
	AlertRaise
	// AlertStaysOpen: the amendment lowers item 9 below the threshold
	// while an alert waits for its risk assessment. An amendment never
	// clears an alert: only a clinician's risk assessment does.
	AlertStaysOpen
)

// AmendmentAlert says what amending prev to next does to the safety alert,
// given whether an alert of the visit is open [product brief: "dosing is
// blocked until a clinician records a risk assessment on the alert"].
func AmendmentAlert(prev, next Result, p protocol.Protocol, alertOpen bool) AlertEffect {
	switch {
	case next.SafetyAlert(p) && (!prev.SafetyAlert(p) || next.Item9 > prev.Item9):
		return AlertRaise
	case alertOpen && !next.SafetyAlert(p):
		return AlertStaysOpen
	}
	return AlertUnchanged
}

// LinkUse is what is known of a questionnaire link when it is opened.
type LinkUse struct {
	ExpiresAt time.Time
	UsedAt    *time.Time
	VoidedAt  *time.Time // a newer link for the visit replaced it
}

// CheckLink says whether a patient may still answer from a link at now.
// Only the newest link of a visit works: making a new one voids the ones
// before, so that two links can never both submit. The error is ENotFound
// with words for the patient.
func CheckLink(l LinkUse, now time.Time) error {
	msg := ""
	switch {
	case l.UsedAt != nil:
		msg = "This link has been used: your answers are saved. If something needs changing, tell the clinic staff at your visit."
	case l.VoidedAt != nil:
		msg = "This link was replaced by a newer one from the clinic. Please use the newest link you were sent, or answer on the clinic's tablet when you arrive."
	case !now.Before(l.ExpiresAt):
		msg = "This link has expired. Please ask the clinic for a new one, or answer on the clinic's tablet when you arrive."
	}
	if msg == "" {
		return nil
	}
	return &ketaflow.Error{Code: ketaflow.ENotFound, Message: msg}
}
