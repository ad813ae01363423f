package session

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

func hr(id string, minute, bpm int) vitals.Reading {
	return vitals.Reading{ID: id, TakenAt: at(minute), HeartRate: bpm}
}

func spo2(id string, minute, pct int) vitals.Reading {
	return vitals.Reading{ID: id, TakenAt: at(minute), SpO2: pct}
}

func TestAlerts(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	type alert struct {
		Kind  AlertKind
		At    int // minute
		IDs   []string
		Ended int // minute of the reading that ended it; -1 while it holds
	}
	tests := []struct {
		name     string
		readings []vitals.Reading
		want     []alert
	}{
		{"normal_readings_no_alert", []vitals.Reading{bp("a", 0, 130, 85), bp("b", 15, 140, 90)}, nil},
		{"systolic_exactly_180_twice_no_alert", []vitals.Reading{bp("a", 0, 180, 100), bp("b", 5, 180, 100)}, nil},
		{"systolic_181_twice_5_minutes_apart_alerts", []vitals.Reading{bp("a", 0, 181, 100), bp("b", 5, 181, 100)},
			[]alert{{BPHigh, 0, []string{"a"}, -1}, {BPSustained, 5, []string{"a", "b"}, -1}}},
		{"diastolic_111_twice_5_minutes_apart_alerts", []vitals.Reading{bp("a", 0, 150, 111), bp("b", 5, 150, 111)},
			[]alert{{BPHigh, 0, []string{"a"}, -1}, {BPSustained, 5, []string{"a", "b"}, -1}}},
		{"diastolic_exactly_110_twice_no_alert", []vitals.Reading{bp("a", 0, 150, 110), bp("b", 5, 150, 110)}, nil},
		{"sustained_needs_5_minutes_between", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 4, 185, 100)},
			[]alert{{BPHigh, 0, []string{"a"}, -1}}},
		{"one_reading_above_180_is_a_flag", []vitals.Reading{bp("a", 0, 190, 100)}, []alert{{BPHigh, 0, []string{"a"}, -1}}},
		{"one_diastolic_above_110_is_a_flag", []vitals.Reading{bp("a", 0, 150, 112)}, []alert{{BPHigh, 0, []string{"a"}, -1}}},
		{"flag_ends_at_the_next_lower_reading", []vitals.Reading{bp("a", 0, 190, 100), bp("b", 5, 150, 90)},
			[]alert{{BPHigh, 0, []string{"a"}, 5}}},
		{"high_then_normal_then_high_two_flags_no_sustained", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 150, 90), bp("c", 10, 185, 100)},
			[]alert{{BPHigh, 0, []string{"a"}, 5}, {BPHigh, 10, []string{"c"}, -1}}},
		{"run_of_three_over_5_minutes_alerts_at_third", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 2, 186, 100), bp("c", 5, 184, 100)},
			[]alert{{BPHigh, 0, []string{"a"}, -1}, {BPSustained, 5, []string{"a", "b", "c"}, -1}}},
		{"sustained_raised_once_per_episode", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 185, 100), bp("c", 10, 185, 100)},
			[]alert{{BPHigh, 0, []string{"a"}, -1}, {BPSustained, 5, []string{"a", "b"}, -1}}},
		{"sustained_ends_at_a_lower_reading", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 185, 100), bp("c", 10, 150, 90)},
			[]alert{{BPHigh, 0, []string{"a"}, 10}, {BPSustained, 5, []string{"a", "b"}, 10}}},
		{"sustained_again_after_episode_ends", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 185, 100), bp("c", 10, 150, 90),
			bp("d", 15, 185, 100), bp("e", 20, 185, 100)},
			[]alert{{BPHigh, 0, []string{"a"}, 10}, {BPSustained, 5, []string{"a", "b"}, 10},
				{BPHigh, 15, []string{"d"}, -1}, {BPSustained, 20, []string{"d", "e"}, -1}}},
		{"reading_without_bp_does_not_break_run", []vitals.Reading{bp("a", 0, 185, 100), spo2("x", 3, 97), bp("b", 5, 185, 100)},
			[]alert{{BPHigh, 0, []string{"a"}, -1}, {BPSustained, 5, []string{"a", "b"}, -1}}},
		{"systolic_exactly_200_once_is_a_flag", []vitals.Reading{bp("a", 0, 200, 100)}, []alert{{BPHigh, 0, []string{"a"}, -1}}},
		{"systolic_201_once_alerts_severe_not_flag", []vitals.Reading{bp("a", 0, 201, 100)}, []alert{{BPSevere, 0, []string{"a"}, -1}}},
		{"diastolic_121_once_alerts_severe", []vitals.Reading{bp("a", 0, 170, 121)}, []alert{{BPSevere, 0, []string{"a"}, -1}}},
		{"diastolic_exactly_120_once_is_a_flag", []vitals.Reading{bp("a", 0, 170, 120)}, []alert{{BPHigh, 0, []string{"a"}, -1}}},
		{"severe_ends_at_a_reading_below_200_while_the_run_goes_on", []vitals.Reading{bp("a", 0, 205, 100), bp("b", 3, 190, 100)},
			[]alert{{BPSevere, 0, []string{"a"}, 3}}},
		{"severe_twice_raised_once_and_sustained_too", []vitals.Reading{bp("a", 0, 205, 100), bp("b", 5, 210, 100)},
			[]alert{{BPSevere, 0, []string{"a"}, -1}, {BPSustained, 5, []string{"a", "b"}, -1}}},
		{"heart_rate_121_for_5_minutes_alerts", []vitals.Reading{hr("a", 0, 121), hr("b", 5, 125)}, []alert{{HeartRate, 5, []string{"a", "b"}, -1}}},
		{"heart_rate_ends_at_a_lower_rate", []vitals.Reading{hr("a", 0, 121), hr("b", 5, 125), hr("c", 10, 90)},
			[]alert{{HeartRate, 5, []string{"a", "b"}, 10}}},
		{"heart_rate_121_for_4_minutes_no_alert", []vitals.Reading{hr("a", 0, 121), hr("b", 4, 125)}, nil},
		{"heart_rate_exactly_120_no_alert", []vitals.Reading{hr("a", 0, 120), hr("b", 10, 120)}, nil},
		{"heart_rate_single_high_reading_no_alert", []vitals.Reading{hr("a", 0, 140)}, nil},
		{"spo2_91_alerts", []vitals.Reading{spo2("a", 0, 91)}, []alert{{LowSpO2, 0, []string{"a"}, -1}}},
		{"spo2_exactly_92_no_alert", []vitals.Reading{spo2("a", 0, 92)}, nil},
		{"spo2_low_twice_raised_once", []vitals.Reading{spo2("a", 0, 90), spo2("b", 2, 89)}, []alert{{LowSpO2, 0, []string{"a"}, -1}}},
		{"spo2_ends_at_92", []vitals.Reading{spo2("a", 0, 90), spo2("b", 2, 92)}, []alert{{LowSpO2, 0, []string{"a"}, 2}}},
		{"amended_reading_replaces_original", []vitals.Reading{bp("a", 0, 150, 100), bp("b", 5, 185, 100),
			{ID: "c", TakenAt: at(5), Systolic: 158, Diastolic: 95, Amends: "b", AmendReason: "typed 185 for 158"}}, nil},
		{"readings_out_of_order_are_sorted", []vitals.Reading{bp("b", 5, 185, 100), bp("a", 0, 185, 100)},
			[]alert{{BPHigh, 0, []string{"a"}, -1}, {BPSustained, 5, []string{"a", "b"}, -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []alert
			for _, a := range Alerts(tt.readings, p) {
				ended := -1
				if !a.Ongoing() {
					ended = int(a.EndedAt.Sub(start).Minutes())
					if a.EndedBy == "" {
						t.Errorf("ended alert without the reading that ended it: %+v", a)
					}
				}
				got = append(got, alert{a.Kind, int(a.At.Sub(start).Minutes()), a.ReadingIDs, ended})
				if a.Reason == "" {
					t.Errorf("alert without a reason: %+v", a)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("alerts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlertReasonsAreWords(t *testing.T) {
	t.Parallel()
	got := Alerts([]vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 190, 104), bp("c", 10, 150, 90)}, protocol.Default())
	if len(got) != 2 {
		t.Fatalf("got %+v, want a flag and a sustained alert", got)
	}
	if want := "blood pressure above 180/110 for 5 min: 185/100 at 10:00, 190/104 at 10:05"; got[1].Reason != want {
		t.Errorf("reason %q, want %q", got[1].Reason, want)
	}
	if want := "blood pressure 150/90 at 10:10"; got[1].EndedBy != want {
		t.Errorf("ended by %q, want %q", got[1].EndedBy, want)
	}
}

func TestAlertsFollowProtocol(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	p.Session.SustainedSystolicAbove = 170
	p.Session.SustainedMinutesApart = 10
	rs := []vitals.Reading{bp("a", 0, 175, 90), bp("b", 5, 175, 90)}
	if got := Alerts(rs, p); len(got) != 1 || got[0].Kind != BPHigh {
		t.Fatalf("5 min apart with a 10 min rule: %+v, want the flag only", got)
	}
	rs = append(rs, bp("c", 10, 172, 90))
	got := Alerts(rs, p)
	if len(got) != 2 || !got[1].At.Equal(at(10)) || !strings.Contains(got[1].Reason, "above 170/110") {
		t.Fatalf("got %+v, want a sustained alert at 10 min above 170/110", got)
	}
}
