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
		Kind AlertKind
		At   int // minute
		IDs  []string
	}
	tests := []struct {
		name     string
		readings []vitals.Reading
		want     []alert
	}{
		{"normal_readings_no_alert", []vitals.Reading{bp("a", 0, 130, 85), bp("b", 15, 140, 90)}, nil},
		{"systolic_exactly_180_twice_no_alert", []vitals.Reading{bp("a", 0, 180, 100), bp("b", 5, 180, 100)}, nil},
		{"systolic_181_twice_5_minutes_apart_alerts", []vitals.Reading{bp("a", 0, 181, 100), bp("b", 5, 181, 100)},
			[]alert{{BPSustained, 5, []string{"a", "b"}}}},
		{"diastolic_111_twice_5_minutes_apart_alerts", []vitals.Reading{bp("a", 0, 150, 111), bp("b", 5, 150, 111)},
			[]alert{{BPSustained, 5, []string{"a", "b"}}}},
		{"diastolic_exactly_110_twice_no_alert", []vitals.Reading{bp("a", 0, 150, 110), bp("b", 5, 150, 110)}, nil},
		{"sustained_needs_5_minutes_between", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 4, 185, 100)}, nil},
		{"one_high_reading_no_sustained_alert", []vitals.Reading{bp("a", 0, 190, 100)}, nil},
		{"high_then_normal_then_high_no_alert", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 150, 90), bp("c", 10, 185, 100)}, nil},
		{"run_of_three_over_5_minutes_alerts_at_third", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 2, 186, 100), bp("c", 5, 184, 100)},
			[]alert{{BPSustained, 5, []string{"a", "b", "c"}}}},
		{"sustained_raised_once_per_episode", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 185, 100), bp("c", 10, 185, 100)},
			[]alert{{BPSustained, 5, []string{"a", "b"}}}},
		{"sustained_again_after_episode_ends", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 185, 100), bp("c", 10, 150, 90),
			bp("d", 15, 185, 100), bp("e", 20, 185, 100)},
			[]alert{{BPSustained, 5, []string{"a", "b"}}, {BPSustained, 20, []string{"d", "e"}}}},
		{"reading_without_bp_does_not_break_run", []vitals.Reading{bp("a", 0, 185, 100), spo2("x", 3, 97), bp("b", 5, 185, 100)},
			[]alert{{BPSustained, 5, []string{"a", "b"}}}},
		{"systolic_exactly_200_once_no_alert", []vitals.Reading{bp("a", 0, 200, 100)}, nil},
		{"systolic_201_once_alerts", []vitals.Reading{bp("a", 0, 201, 100)}, []alert{{BPSevere, 0, []string{"a"}}}},
		{"diastolic_121_once_alerts", []vitals.Reading{bp("a", 0, 170, 121)}, []alert{{BPSevere, 0, []string{"a"}}}},
		{"diastolic_exactly_120_once_no_alert", []vitals.Reading{bp("a", 0, 170, 120)}, nil},
		{"severe_twice_raised_once_and_sustained_too", []vitals.Reading{bp("a", 0, 205, 100), bp("b", 5, 210, 100)},
			[]alert{{BPSevere, 0, []string{"a"}}, {BPSustained, 5, []string{"a", "b"}}}},
		{"heart_rate_121_for_5_minutes_alerts", []vitals.Reading{hr("a", 0, 121), hr("b", 5, 125)}, []alert{{HeartRate, 5, []string{"a", "b"}}}},
		{"heart_rate_121_for_4_minutes_no_alert", []vitals.Reading{hr("a", 0, 121), hr("b", 4, 125)}, nil},
		{"heart_rate_exactly_120_no_alert", []vitals.Reading{hr("a", 0, 120), hr("b", 10, 120)}, nil},
		{"heart_rate_single_high_reading_no_alert", []vitals.Reading{hr("a", 0, 140)}, nil},
		{"spo2_91_alerts", []vitals.Reading{spo2("a", 0, 91)}, []alert{{LowSpO2, 0, []string{"a"}}}},
		{"spo2_exactly_92_no_alert", []vitals.Reading{spo2("a", 0, 92)}, nil},
		{"spo2_low_twice_raised_once", []vitals.Reading{spo2("a", 0, 90), spo2("b", 2, 89)}, []alert{{LowSpO2, 0, []string{"a"}}}},
		{"amended_reading_replaces_original", []vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 185, 100),
			{ID: "c", TakenAt: at(5), Systolic: 158, Diastolic: 95, Amends: "b", AmendReason: "typed 185 for 158"}}, nil},
		{"readings_out_of_order_are_sorted", []vitals.Reading{bp("b", 5, 185, 100), bp("a", 0, 185, 100)},
			[]alert{{BPSustained, 5, []string{"a", "b"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []alert
			for _, a := range Alerts(tt.readings, protocol.IM, p) {
				got = append(got, alert{a.Kind, int(a.At.Sub(start).Minutes()), a.ReadingIDs})
				if a.SuggestPauseInfusion {
					t.Errorf("IM alert suggests pausing an infusion: %+v", a)
				}
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

func TestIVAlertSuggestsPausingInfusion(t *testing.T) {
	t.Parallel()
	got := Alerts([]vitals.Reading{bp("a", 0, 185, 100), bp("b", 5, 190, 104)}, protocol.IV, protocol.Default())
	if len(got) != 1 || !got[0].SuggestPauseInfusion {
		t.Fatalf("got %+v, want one alert suggesting a pause", got)
	}
	if want := "blood pressure above 180/110 for 5m0s: 185/100 at 10:00, 190/104 at 10:05"; got[0].Reason != want {
		t.Errorf("reason %q, want %q", got[0].Reason, want)
	}
}

func TestAlertsFollowProtocol(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	p.Session.SustainedSystolicAbove = 170
	p.Session.SustainedMinutesApart = 10
	rs := []vitals.Reading{bp("a", 0, 175, 90), bp("b", 5, 175, 90)}
	if got := Alerts(rs, protocol.IM, p); len(got) != 0 {
		t.Fatalf("5 min apart with a 10 min rule: %+v", got)
	}
	rs = append(rs, bp("c", 10, 172, 90))
	got := Alerts(rs, protocol.IM, p)
	if len(got) != 1 || !got[0].At.Equal(at(10)) || !strings.Contains(got[0].Reason, "above 170/110") {
		t.Fatalf("got %+v, want one alert at 10 min above 170/110", got)
	}
}
