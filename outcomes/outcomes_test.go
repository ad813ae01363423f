package outcomes

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow/protocol"
)

var day0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// scores builds a course's scores, one visit each: the n-th was answered on
// day 3·n before session n+1, so it has n sessions before it.
func scores(totals ...int) []Score {
	out := make([]Score, len(totals))
	for i, t := range totals {
		out[i] = Score{At: day0.AddDate(0, 0, 3*i), Total: t, SessionsBefore: i}
	}
	return out
}

func defaults() Rules { return RulesOf(protocol.Default().Integration) }

func TestRulesOfDefaults(t *testing.T) {
	want := Rules{ResponseDropPercent: 50, RemissionPHQ9Below: 5, RelapsePHQ9AtLeast: 10}
	if diff := cmp.Diff(want, defaults()); diff != "" {
		t.Errorf("default rules mismatch (-want +got):\n%s", diff)
	}
}

func TestResponds(t *testing.T) {
	r := defaults()
	tests := []struct {
		name            string
		baseline, total int
		want            bool
	}{
		{"drop_of_exactly_half_is_a_response_20_to_10", 20, 10, true},
		{"drop_just_under_half_is_not_20_to_11", 20, 11, false},
		{"odd_baseline_needs_the_full_half_21_to_10", 21, 10, true},
		{"odd_baseline_short_by_a_point_21_to_11", 21, 11, false},
		{"drop_to_zero_is_a_response", 12, 0, true},
		{"no_change_is_not", 15, 15, false},
		{"worse_is_not", 10, 14, false},
		{"zero_baseline_cannot_drop", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Responds(tt.baseline, tt.total); got != tt.want {
				t.Errorf("Responds(%d, %d) = %v, want %v", tt.baseline, tt.total, got, tt.want)
			}
		})
	}
	strict := Rules{ResponseDropPercent: 60}
	if strict.Responds(20, 9) || !strict.Responds(20, 8) {
		t.Errorf("a 60%% rule: 20 → 9 must not respond and 20 → 8 must")
	}
}

func TestRemitsAndRelapses(t *testing.T) {
	r := defaults()
	tests := []struct {
		name           string
		total          int
		remits, relaps bool
	}{
		{"phq9_4_is_remission", 4, true, false},
		{"phq9_5_is_not_remission", 5, false, false},
		{"phq9_0_is_remission", 0, true, false},
		{"phq9_9_is_neither", 9, false, false},
		{"phq9_10_is_relapse", 10, false, true},
		{"phq9_27_is_relapse", 27, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Remits(tt.total); got != tt.remits {
				t.Errorf("Remits(%d) = %v, want %v", tt.total, got, tt.remits)
			}
			if got := r.Relapses(tt.total); got != tt.relaps {
				t.Errorf("Relapses(%d) = %v, want %v", tt.total, got, tt.relaps)
			}
		})
	}
}

func TestCourse(t *testing.T) {
	s := scores
	ms := func(i, total int) *Milestone {
		return &Milestone{Score: Score{At: day0.AddDate(0, 0, 3*i), Total: total, SessionsBefore: i}, Sessions: i, Days: 3 * i}
	}
	tests := []struct {
		name string
		phq9 []int
		want Outcome
	}{
		{"no_scores_no_outcome", nil, Outcome{}},
		{"one_score_has_no_outcome_yet", []int{20}, Outcome{PHQ9: Track{Scores: 1, Baseline: s(20)[0], Latest: s(20)[0]}}},
		{"20_to_10_is_a_response_not_remission", []int{20, 10}, Outcome{
			Assessed: true, Response: true, FirstResponse: ms(1, 10)}},
		{"20_to_11_is_not_a_response", []int{20, 11}, Outcome{Assessed: true}},
		{"down_to_4_is_response_and_remission", []int{20, 12, 4}, Outcome{
			Assessed: true, Response: true, Remission: true, FirstResponse: ms(2, 4), FirstRemission: ms(2, 4)}},
		{"down_to_5_is_response_but_not_remission", []int{20, 5}, Outcome{
			Assessed: true, Response: true, FirstResponse: ms(1, 5)}},
		{"response_judged_at_latest_but_first_response_kept", []int{20, 9, 14}, Outcome{
			Assessed: true, FirstResponse: ms(1, 9)}},
		{"back_at_10_after_remission_is_relapse", []int{18, 3, 10}, Outcome{
			Assessed: true, FirstResponse: ms(1, 3), FirstRemission: ms(1, 3), Relapse: ms(2, 10)}},
		{"9_after_remission_is_not_relapse", []int{18, 3, 9}, Outcome{
			Assessed: true, Response: true, FirstResponse: ms(1, 3), FirstRemission: ms(1, 3)}},
		{"10_before_any_remission_is_not_relapse", []int{18, 10, 12}, Outcome{Assessed: true}},
		{"relapse_is_the_first_after_remission", []int{18, 4, 11, 2, 15}, Outcome{
			Assessed: true, FirstResponse: ms(1, 4), FirstRemission: ms(1, 4), Relapse: ms(2, 11)}},
		{"baseline_itself_is_never_a_milestone", []int{3, 3}, Outcome{Assessed: true, Remission: true, FirstRemission: ms(1, 3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Course(s(tt.phq9...), nil, defaults())
			want := tt.want
			if want.PHQ9.Scores == 0 {
				want.PHQ9 = NewTrack(s(tt.phq9...))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Course(%v) mismatch (-want +got):\n%s", tt.phq9, diff)
			}
		})
	}
}

func TestMilestoneCountsFromBaseline(t *testing.T) {
	// A course whose first score came after two sessions (answers lost at the
	// first visits): sessions are counted from the baseline, days in whole days.
	phq9 := []Score{
		{At: day0, Total: 22, SessionsBefore: 2},
		{At: day0.Add(4*24*time.Hour + 23*time.Hour), Total: 16, SessionsBefore: 4},
		{At: day0.Add(9*24*time.Hour + 2*time.Hour), Total: 11, SessionsBefore: 5},
	}
	o := Course(phq9, nil, defaults())
	want := &Milestone{Score: phq9[2], Sessions: 3, Days: 9}
	if diff := cmp.Diff(want, o.FirstResponse); diff != "" {
		t.Errorf("first response mismatch (-want +got):\n%s", diff)
	}
}

func TestTrackChange(t *testing.T) {
	tests := []struct {
		name    string
		totals  []int
		change  int
		pct     float64
		pctOK   bool
		assesed bool
	}{
		{"fall_by_half", []int{14, 9, 7}, -7, -50, true, true},
		{"rise", []int{8, 10}, 2, 25, true, true},
		{"one_score_no_change", []int{14}, 0, 0, false, false},
		{"zero_baseline_has_no_percentage", []int{0, 3}, 3, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTrack(scores(tt.totals...))
			pct, ok := tr.ChangePercent()
			if tr.Assessed != tt.assesed || tr.Change() != tt.change || ok != tt.pctOK || pct != tt.pct {
				t.Errorf("track %v: assessed %v change %d pct %v,%v; want %v %d %v,%v", tt.totals, tr.Assessed, tr.Change(), pct, ok,
					tt.assesed, tt.change, tt.pct, tt.pctOK)
			}
		})
	}
	o := Course(scores(20, 10), scores(15, 6), defaults())
	if o.GAD7.Change() != -9 || o.GAD7.Baseline.Total != 15 {
		t.Errorf("GAD-7 track: change %d baseline %d, want -9 and 15", o.GAD7.Change(), o.GAD7.Baseline.Total)
	}
}

// TestWilson checks the interval against the published values of Newcombe
// (1998), Table I, method 3, and a few worked by hand.
func TestWilson(t *testing.T) {
	tests := []struct {
		name      string
		k, n      int
		low, high float64
	}{
		{"newcombe_81_of_263", 81, 263, 0.2553, 0.3662},
		{"newcombe_15_of_148", 15, 148, 0.0624, 0.1605},
		{"newcombe_0_of_20_touches_zero", 0, 20, 0, 0.1611},
		{"newcombe_1_of_29", 1, 29, 0.0061, 0.1718},
		{"half_of_10", 5, 10, 0.2366, 0.7634},
		{"all_of_10_touches_one", 10, 10, 0.7225, 1},
		{"group_of_4_is_wide", 2, 4, 0.1500, 0.8500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Wilson(tt.k, tt.n)
			if !ok {
				t.Fatalf("Wilson(%d, %d) not ok", tt.k, tt.n)
			}
			if math.Abs(got.Low-tt.low) > 0.00005 || math.Abs(got.High-tt.high) > 0.00005 {
				t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tt.k, tt.n, got.Low, got.High, tt.low, tt.high)
			}
		})
	}
	for _, bad := range [][2]int{{0, 0}, {-1, 5}, {6, 5}} {
		if _, ok := Wilson(bad[0], bad[1]); ok {
			t.Errorf("Wilson(%d, %d) ok, want not ok", bad[0], bad[1])
		}
	}
}
