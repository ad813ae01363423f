// Package outcomes holds what a course of treatment achieved, from the
// PHQ-9 and GAD-7 totals the patient gave along it: the baseline, the latest
// score and the change, whether the patient responded, remitted or relapsed,
// and how many sessions and days the first response took. The thresholds are
// the protocol's (protocol.Integration); the definitions are the product
// brief's ("Baseline is the first score of the course. Response: at least
// 50% drop from baseline. Remission: PHQ-9 below 5.").
//
// It is plain Go: no HTTP, no SQL and no clock. The caller passes the scores
// of one course, oldest first.
package outcomes

import (
	"time"

	"github.com/ketaflow/ketaflow/protocol"
)

// Score is one questionnaire total of a course.
type Score struct {
	At    time.Time // when the patient answered
	Total int
	// SessionsBefore is how many treatment sessions of the course had been
	// given when the patient answered: 0 for a score before the first one.
	// Questionnaires are answered before dosing, so the score of the third
	// visit has 2.
	SessionsBefore int
}

// Track is one instrument's scores over a course.
type Track struct {
	// Scores counts the scores; with fewer than two there is no change to
	// speak of, and Assessed is false.
	Scores   int
	Baseline Score // the first score of the course
	Latest   Score // the last
	Assessed bool
}

// Change is the latest score minus the baseline: negative when symptoms
// fell. Zero when the track is not assessed.
func (t Track) Change() int {
	if !t.Assessed {
		return 0
	}
	return t.Latest.Total - t.Baseline.Total
}

// ChangePercent is Change as a percentage of the baseline (-50 for a drop by
// half); ok is false when the track is not assessed or the baseline is 0.
func (t Track) ChangePercent() (pct float64, ok bool) {
	if !t.Assessed || t.Baseline.Total == 0 {
		return 0, false
	}
	return float64(t.Change()) * 100 / float64(t.Baseline.Total), true
}

// NewTrack is the track of scores, oldest first.
func NewTrack(scores []Score) Track {
	t := Track{Scores: len(scores)}
	if len(scores) == 0 {
		return t
	}
	t.Baseline, t.Latest = scores[0], scores[len(scores)-1]
	t.Assessed = len(scores) >= 2
	return t
}

// Milestone is the first score at which something held, counted from the
// baseline.
type Milestone struct {
	Score Score
	// Sessions is the number of sessions given between the baseline and this
	// score; Days the whole days between them.
	Sessions int
	Days     int
}

func milestone(baseline, s Score) *Milestone {
	return &Milestone{Score: s, Sessions: s.SessionsBefore - baseline.SessionsBefore, Days: int(s.At.Sub(baseline.At) / (24 * time.Hour))}
}

// Rules are the thresholds of the definitions, from the protocol.
type Rules struct {
	ResponseDropPercent int // a PHQ-9 drop from baseline of at least this % is a response
	RemissionPHQ9Below  int // a PHQ-9 below this is remission
	RelapsePHQ9AtLeast  int // after remission, a PHQ-9 at or above this is a relapse
}

// RulesOf reads the rules from the protocol's integration settings.
func RulesOf(in protocol.Integration) Rules {
	return Rules{ResponseDropPercent: in.ResponseDropPercent, RemissionPHQ9Below: in.RemissionPHQ9Below,
		RelapsePHQ9AtLeast: in.RelapsePHQ9AtLeast}
}

// Responds reports whether total is a response against baseline: a drop
// of at least the rule's percentage. Integer arithmetic, so that 20 → 10 at
// 50% is a response exactly and 20 → 11 is not. A baseline of 0 cannot drop.
func (r Rules) Responds(baseline, total int) bool {
	if baseline <= 0 {
		return false
	}
	return (baseline-total)*100 >= r.ResponseDropPercent*baseline
}

// Remits reports whether a PHQ-9 total is remission.
func (r Rules) Remits(total int) bool { return total < r.RemissionPHQ9Below }

// Relapses reports whether a PHQ-9 total after remission is a relapse.
func (r Rules) Relapses(total int) bool { return total >= r.RelapsePHQ9AtLeast }

// Outcome is what one course achieved. Response, remission and relapse are
// judged on the PHQ-9, the depression measure; the GAD-7 (anxiety) is shown
// beside it as baseline, latest and change.
type Outcome struct {
	PHQ9 Track
	GAD7 Track
	// Assessed is whether the course has an outcome yet: at least two PHQ-9
	// scores, the baseline and one after it. When false, every judgement
	// below is false or nil: a course with one score has no outcome yet.
	Assessed bool
	// Response and Remission are judged on the latest PHQ-9: where the
	// patient stands now.
	Response  bool
	Remission bool
	// FirstResponse and FirstRemission are the first PHQ-9 after the baseline
	// that met each; nil when none has.
	FirstResponse  *Milestone
	FirstRemission *Milestone
	// Relapse is the first PHQ-9 at or above the relapse threshold after the
	// first remission; nil when there was none.
	Relapse *Milestone
}

// Course judges one course from its PHQ-9 and GAD-7 scores, each oldest
// first.
func Course(phq9, gad7 []Score, r Rules) Outcome {
	o := Outcome{PHQ9: NewTrack(phq9), GAD7: NewTrack(gad7)}
	if !o.PHQ9.Assessed {
		return o
	}
	o.Assessed = true
	base := o.PHQ9.Baseline
	o.Response = r.Responds(base.Total, o.PHQ9.Latest.Total)
	o.Remission = r.Remits(o.PHQ9.Latest.Total)
	for _, s := range phq9[1:] {
		if o.FirstResponse == nil && r.Responds(base.Total, s.Total) {
			o.FirstResponse = milestone(base, s)
		}
		if o.FirstRemission != nil && o.Relapse == nil && r.Relapses(s.Total) {
			o.Relapse = milestone(base, s)
		}
		if o.FirstRemission == nil && r.Remits(s.Total) {
			o.FirstRemission = milestone(base, s)
		}
	}
	return o
}
