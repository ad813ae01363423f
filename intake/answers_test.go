package intake

import (
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// answered is version v of an instrument's answers, scored.
func answered(t *testing.T, id string, v int, answers []int) Answered {
	t.Helper()
	r, err := Score(mustInstrument(t, id), answers)
	if err != nil {
		t.Fatal(err)
	}
	return Answered{ResponseID: id + "-v" + string(rune('0'+v)), Version: v, Result: r}
}

var (
	calmPHQ9   = []int{1, 1, 1, 1, 1, 1, 1, 1, 0}
	item9PHQ9  = []int{1, 1, 1, 1, 1, 1, 1, 1, 2}
	zeroPHQ9   = []int{0, 0, 0, 0, 0, 0, 0, 0, 0}
	calmGAD7   = []int{1, 1, 1, 0, 0, 0, 0}
	item9Three = []int{1, 1, 1, 1, 1, 1, 1, 1, 3}
)

func TestOneSetOfAnswersPerVisitAndInstrument(t *testing.T) {
	phq := answered(t, PHQ9ID, 1, calmPHQ9)
	gad := answered(t, GAD7ID, 1, calmGAD7)
	for _, tc := range []struct {
		name        string
		on          []Answered
		instruments []string
		refused     string // the instrument titles named, "" when allowed
	}{
		{"first_answers_are_taken", nil, []string{PHQ9ID, GAD7ID}, ""},
		{"second_phq9_is_refused", []Answered{phq}, []string{PHQ9ID}, "PHQ-9 was"},
		{"second_submission_of_both_is_refused", []Answered{phq, gad}, []string{PHQ9ID, GAD7ID}, "PHQ-9 and GAD-7 were"},
		{"gad7_after_phq9_alone_is_taken", []Answered{phq}, []string{GAD7ID}, ""},
		{"both_after_phq9_alone_is_refused", []Answered{phq}, []string{PHQ9ID, GAD7ID}, "PHQ-9 was"},
		{"amended_phq9_is_still_answered", []Answered{phq, answered(t, PHQ9ID, 2, zeroPHQ9)}, []string{PHQ9ID}, "PHQ-9 was"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckFirstAnswers(tc.on, tc.instruments)
			if tc.refused == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := ketaflow.AsError(err)
			if e.Code != ketaflow.EConflict || e.Field != "instrument" || !strings.Contains(e.Message, tc.refused+" already answered") ||
				!strings.Contains(e.Message, "amend them with a reason") {
				t.Fatalf("got %v, want a conflict naming %q and saying how to amend", err, tc.refused)
			}
		})
	}
}

func TestOutstandingAsksOnlyWhatIsNotAnswered(t *testing.T) {
	for _, tc := range []struct {
		name string
		on   []Answered
		want string
	}{
		{"nothing_answered_asks_both", nil, "phq9,gad7"},
		{"answered_phq9_leaves_gad7", []Answered{answered(t, PHQ9ID, 1, calmPHQ9)}, "gad7"},
		{"both_answered_asks_nothing", []Answered{answered(t, PHQ9ID, 1, calmPHQ9), answered(t, GAD7ID, 1, calmGAD7)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ids []string
			for _, in := range Outstanding(tc.on) {
				ids = append(ids, in.ID)
			}
			if got := strings.Join(ids, ","); got != tc.want {
				t.Errorf("outstanding %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCurrentIsTheNewestVersion(t *testing.T) {
	all := []Answered{answered(t, PHQ9ID, 2, zeroPHQ9), answered(t, PHQ9ID, 1, item9PHQ9), answered(t, GAD7ID, 1, calmGAD7)}
	cur := Current(all)
	if cur[PHQ9ID].Version != 2 || cur[PHQ9ID].Result.Total != 0 || cur[GAD7ID].Version != 1 {
		t.Errorf("current: %+v", cur)
	}
}

func TestAmendmentNeedsAReasonAndTheNewestVersion(t *testing.T) {
	phq := mustInstrument(t, PHQ9ID)
	v1 := answered(t, PHQ9ID, 1, calmPHQ9)
	v2 := answered(t, PHQ9ID, 2, item9PHQ9)
	const reason = "Patient ticked item 3 by mistake, told the nurse."
	for _, tc := range []struct {
		name   string
		latest *Answered
		a      Amendment
		code   ketaflow.Code
		field  string
	}{
		{"amendment_of_newest_with_reason_is_taken", &v1, Amendment{Amends: v1.ResponseID, Reason: reason, Answers: zeroPHQ9}, "", ""},
		{"amendment_of_unanswered_is_refused", nil, Amendment{Reason: reason, Answers: zeroPHQ9}, ketaflow.EConflict, "instrument"},
		{"amendment_of_an_older_version_is_refused", &v2, Amendment{Amends: v1.ResponseID, Reason: reason, Answers: zeroPHQ9}, ketaflow.EConflict, "amends"},
		{"amendment_without_reason_is_refused", &v1, Amendment{Amends: v1.ResponseID, Reason: "  ", Answers: zeroPHQ9}, ketaflow.EInvalid, "reason"},
		{"amendment_with_short_reason_is_refused", &v1, Amendment{Amends: v1.ResponseID, Reason: "typo", Answers: zeroPHQ9}, ketaflow.EInvalid, "reason"},
		{"amendment_with_long_reason_is_refused", &v1, Amendment{Amends: v1.ResponseID, Reason: strings.Repeat("x", MaxAmendReason+1), Answers: zeroPHQ9}, ketaflow.EInvalid, "reason"},
		{"incomplete_amendment_is_refused", &v1, Amendment{Amends: v1.ResponseID, Reason: reason, Answers: []int{0, 0, 0, 0, 0, 0, 0, 0, Unanswered}}, ketaflow.EInvalid, "item_9"},
		{"amendment_changing_nothing_is_refused", &v1, Amendment{Amends: v1.ResponseID, Reason: reason, Answers: calmPHQ9}, ketaflow.EInvalid, "answers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := CheckAmendment(phq, tc.latest, tc.a)
			if tc.code == "" {
				if err != nil || r.Total != 0 || r.Instrument != PHQ9ID {
					t.Fatalf("got %+v, %v; want the amendment scored", r, err)
				}
				return
			}
			if e := ketaflow.AsError(err); e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("got %v, want %s on %q", err, tc.code, tc.field)
			}
		})
	}
}

func TestAmendmentAlert(t *testing.T) {
	p := protocol.Default()
	score := func(answers []int) Result {
		r, err := Score(mustInstrument(t, PHQ9ID), answers)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		name       string
		prev, next []int
		open       bool
		want       AlertEffect
	}{
		{"amendment_raising_item9_above_threshold_raises_alert", calmPHQ9, item9PHQ9, false, AlertRaise},
		{"amendment_raising_item9_further_raises_alert_again", item9PHQ9, item9Three, false, AlertRaise},
		{"amendment_keeping_the_same_positive_item9_raises_no_second_alert", item9PHQ9, []int{0, 1, 1, 1, 1, 1, 1, 1, 2}, true, AlertUnchanged},
		{"amendment_lowering_item9_keeps_open_alert_open", item9PHQ9, calmPHQ9, true, AlertStaysOpen},
		{"amendment_lowering_item9_after_assessment_changes_nothing", item9PHQ9, calmPHQ9, false, AlertUnchanged},
		{"amendment_not_touching_item9_changes_nothing", calmPHQ9, zeroPHQ9, false, AlertUnchanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AmendmentAlert(score(tc.prev), score(tc.next), p, tc.open); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOnlyTheNewestLinkWorks(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	earlier := now.Add(-time.Minute)
	for _, tc := range []struct {
		name string
		l    LinkUse
		want string // in the message; "" when the link works
	}{
		{"live_link_works", LinkUse{ExpiresAt: now.Add(time.Hour)}, ""},
		{"used_link_is_closed", LinkUse{ExpiresAt: now.Add(time.Hour), UsedAt: &earlier}, "has been used"},
		{"link_replaced_by_newer_is_void", LinkUse{ExpiresAt: now.Add(time.Hour), VoidedAt: &earlier}, "replaced by a newer one"},
		{"link_at_expiry_is_closed", LinkUse{ExpiresAt: now}, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckLink(tc.l, now)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := ketaflow.AsError(err); e.Code != ketaflow.ENotFound || !strings.Contains(e.Message, tc.want) {
				t.Errorf("got %v, want not found saying %q", err, tc.want)
			}
		})
	}
}
