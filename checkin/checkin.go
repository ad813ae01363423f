// Package checkin is the morning-after check-in: the short questions a
// patient answers from a link the morning after a session (mood, sleep,
// lingering effects, a safety question), and the rule that decides when
// an answer must reach the care team [product brief, section 6: "a
// worrying answer reaches the care team"].
package checkin

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Sleep is how the patient slept the night after the session.
type Sleep string

const (
	SleptWell   Sleep = "well"
	SleptPoorly Sleep = "poorly"
	SleptNot    Sleep = "hardly" // hardly slept at all
)

// Sleeps lists the answers in the order the form offers them.
var Sleeps = []Sleep{SleptWell, SleptPoorly, SleptNot}

// Label is the answer in the patient's words.
func (s Sleep) Label() string {
	switch s {
	case SleptWell:
		return "Well"
	case SleptPoorly:
		return "Poorly"
	case SleptNot:
		return "I hardly slept"
	}
	return string(s)
}

// Effect is an effect of the session still felt the morning after.
type Effect string

// The lingering effects the patient guide names: dissociation, headache,
// nausea, and the "emotional hangover" (feeling raw, low or drained after
// an intense session).
const (
	Dissociation      Effect = "dissociation"
	Headache          Effect = "headache"
	Nausea            Effect = "nausea"
	EmotionalHangover Effect = "emotional_hangover"
)

// Effects lists the effects in the order the form offers them.
var Effects = []Effect{Dissociation, Headache, Nausea, EmotionalHangover}

// Label is the effect in the patient's words.
func (e Effect) Label() string {
	switch e {
	case Dissociation:
		return "Still feeling detached or unreal (dissociation)"
	case Headache:
		return "Headache"
	case Nausea:
		return "Nausea"
	case EmotionalHangover:
		return "An \"emotional hangover\": feeling raw, low or drained"
	}
	return string(e)
}

// Short is the effect in a clinician's words.
func (e Effect) Short() string {
	switch e {
	case Dissociation:
		return "dissociation"
	case Headache:
		return "headache"
	case Nausea:
		return "nausea"
	case EmotionalHangover:
		return "emotional hangover"
	}
	return string(e)
}

// NoteMax is the longest note the patient may add, in characters.
const NoteMax = 2000

// Answers are one morning-after check-in as the patient gave it. Mood
// and Safety are required: a pointer left nil was not answered.
type Answers struct {
	Mood    *int // 0 (worst) to 10 (best)
	Sleep   Sleep
	Effects []Effect
	// Safety answers "Since your session, have you had thoughts of
	// harming yourself, or that you would be better off dead?"
	Safety *bool
	Note   string
}

// SafetyQuestion is the safety question as the patient reads it.
const SafetyQuestion = "Since your session, have you had thoughts of harming yourself, or that you would be better off dead?"

// Validate checks the answers and returns them tidied (effects in the
// form's order, the note trimmed), or an error naming each field at fault
// and what is allowed.
func Validate(a Answers) (Answers, error) {
	var p ketaflow.Problems
	if a.Mood == nil {
		p.Add("mood", "choose your mood from 0 (worst) to 10 (best)")
	} else if *a.Mood < 0 || *a.Mood > 10 {
		p.Add("mood", "mood must be from 0 (worst) to 10 (best), not %d", *a.Mood)
	}
	if !slices.Contains(Sleeps, a.Sleep) {
		p.Add("sleep", "say how you slept: well, poorly or hardly")
	}
	var effects []Effect
	for _, e := range a.Effects {
		if !slices.Contains(Effects, e) {
			p.Add("effects", "%q is not one of the effects asked about (dissociation, headache, nausea, emotional_hangover)", string(e))
		}
	}
	for _, e := range Effects {
		if slices.Contains(a.Effects, e) {
			effects = append(effects, e)
		}
	}
	if a.Safety == nil {
		p.Add("safety", "please answer the safety question, yes or no")
	}
	a.Note = strings.TrimSpace(a.Note)
	if !utf8.ValidString(a.Note) || utf8.RuneCountInString(a.Note) > NoteMax {
		p.Add("note", "the note may be at most %d characters", NoteMax)
	}
	if err := p.Err(); err != nil {
		return a, err
	}
	a.Effects = effects
	return a, nil
}

// Worry is one reason an answer must reach the care team.
type Worry string

const (
	WorrySafety  Worry = "safety"   // the safety question answered yes
	WorryLowMood Worry = "low_mood" // mood at or below the protocol's value
)

// Worries lists why validated answers must reach the prescriber and the
// therapist, none when they need not: the safety question answered yes,
// or a mood at or below the protocol's integration.check_in_low_mood_at_or_below
// [product brief, section 6].
func Worries(a Answers, p protocol.Integration) []Worry {
	var out []Worry
	if a.Safety != nil && *a.Safety {
		out = append(out, WorrySafety)
	}
	if a.Mood != nil && *a.Mood <= p.CheckInLowMood {
		out = append(out, WorryLowMood)
	}
	return out
}

// Words says what the worries are, for the alert staff read.
func Words(a Answers, ws []Worry) string {
	var parts []string
	for _, w := range ws {
		switch w {
		case WorrySafety:
			parts = append(parts, "answered yes to the safety question (thoughts of self-harm or of being better off dead)")
		case WorryLowMood:
			parts = append(parts, fmt.Sprintf("mood %d of 10", *a.Mood))
		}
	}
	return "Morning-after check-in: " + strings.Join(parts, "; ")
}

// CheckLink says whether a check-in link may be used at now: not after it
// expired, was used, or was replaced by a newer one. The refusal is in the
// patient's words (ENotFound for a link that no longer works, EConflict
// for answers given already).
func CheckLink(expiresAt time.Time, usedAt, voidedAt *time.Time, now time.Time) error {
	switch {
	case usedAt != nil:
		return ErrAnswered
	case voidedAt != nil:
		return &ketaflow.Error{Code: ketaflow.ENotFound, Message: "This link was replaced by a newer one from the clinic. Please use the newest link you were sent."}
	case !now.Before(expiresAt):
		return &ketaflow.Error{Code: ketaflow.ENotFound, Message: "This link has expired. If you want to tell us how you are, please call the clinic."}
	}
	return nil
}

// ErrAnswered refuses a second set of answers: the first are kept as given.
var ErrAnswered = &ketaflow.Error{Code: ketaflow.EConflict,
	Message: "Your check-in is already saved, so it cannot be sent again. If something has changed, please call the clinic."}
