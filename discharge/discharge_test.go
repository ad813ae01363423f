package discharge

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

var first = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func at(minute int) time.Time { return first.Add(time.Duration(minute) * time.Minute) }
func ptr[T any](v T) *T       { return &v }

// check is a full set of vitals as taken at a scheduled check.
func check(id string, minute, sys, dia, spo2, moaas int, dissociated bool) vitals.Reading {
	return vitals.Reading{ID: id, TakenAt: at(minute), Systolic: sys, Diastolic: dia, HeartRate: 76, SpO2: spo2,
		Sedation: ptr(moaas), Dissociation: ptr(dissociated)}
}

func fullAldrete(minute int) Aldrete {
	return Aldrete{Activity: 2, Respiration: 2, Circulation: 2, Consciousness: 2, OxygenSaturation: 2, AssessedAt: at(minute), AssessedBy: "nurse-1"}
}

// readyFacts is an IV patient who meets every criterion at 90 minutes.
func readyFacts() Facts {
	return Facts{
		Route: protocol.IV, FirstDoseAt: first, Now: at(90),
		Vitals: []vitals.Reading{
			{ID: "pre", TakenAt: at(-10), Systolic: 132, Diastolic: 84, SpO2: 98},
			check("c60", 60, 150, 95, 97, 4, true),
			check("c85", 85, 134, 86, 97, 5, false),
		},
		Aldrete:       fullAldrete(88),
		DriverPresent: true, AftercareGiven: true,
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	tests := []struct {
		name  string
		edit  func(*Facts)
		unmet []string
	}{
		{"iv_ready_at_90_min_when_all_met", func(*Facts) {}, nil},
		{"iv_discharge_blocked_at_89_min", func(f *Facts) { f.Now = at(89); f.Aldrete.AssessedAt = at(88) }, []string{MinTime}},
		{"im_discharge_blocked_at_89_min", func(f *Facts) { f.Route, f.Now = protocol.IM, at(89) }, []string{MinTime}},
		{"spravato_discharge_blocked_before_120_min", func(f *Facts) {
			f.Route, f.Now = protocol.Spravato, at(119)
			f.Vitals = append(f.Vitals, check("c115", 115, 130, 80, 98, 5, false))
		}, []string{MinTime}},
		{"spravato_discharge_allowed_at_120_min", func(f *Facts) {
			f.Route, f.Now = protocol.Spravato, at(120)
			f.Vitals = append(f.Vitals, check("c115", 115, 130, 80, 98, 5, false))
		}, nil},
		{"systolic_160_blocks", func(f *Facts) { f.Vitals[2].Systolic = 160 }, []string{VitalsLimits}},
		{"systolic_159_allowed", func(f *Facts) { f.Vitals[2].Systolic = 159 }, nil},
		{"diastolic_100_blocks", func(f *Facts) { f.Vitals[2].Diastolic = 100 }, []string{VitalsLimits}},
		{"diastolic_99_allowed", func(f *Facts) { f.Vitals[2].Diastolic = 99 }, nil},
		{"spo2_93_blocks", func(f *Facts) { f.Vitals[2].SpO2 = 93 }, []string{VitalsLimits}},
		{"spo2_exactly_94_allowed", func(f *Facts) { f.Vitals[2].SpO2 = 94 }, nil},
		{"latest_reading_counts_not_an_earlier_high_one", func(f *Facts) { f.Vitals[1].Systolic = 175 }, nil},
		{"reading_before_first_dose_does_not_count", func(f *Facts) { f.Vitals = f.Vitals[:1] },
			[]string{VitalsLimits, Sedation, Dissociation}},
		{"vitals_20_min_old_still_current", func(f *Facts) { f.Now = at(105); f.Aldrete.AssessedAt = at(104) }, nil},
		{"vitals_older_than_interval_plus_grace_block", func(f *Facts) { f.Now = at(105).Add(time.Second); f.Aldrete.AssessedAt = at(104) },
			[]string{VitalsLimits, Sedation, Dissociation}},
		{"amended_reading_replaces_original", func(f *Facts) {
			f.Vitals = append(f.Vitals, vitals.Reading{ID: "fix", TakenAt: at(85), Systolic: 164, Diastolic: 86, SpO2: 97,
				Sedation: ptr(5), Dissociation: ptr(false), Amends: "c85", AmendReason: "typed 134 for 164"})
		}, []string{VitalsLimits}},
		{"moaas_4_blocks", func(f *Facts) { f.Vitals[2].Sedation = ptr(4) }, []string{Sedation}},
		{"moaas_not_recorded_blocks", func(f *Facts) { f.Vitals[2].Sedation = nil; f.Vitals[1].Sedation = nil }, []string{Sedation}},
		{"dissociation_present_blocks", func(f *Facts) { f.Vitals[2].Dissociation = ptr(true) }, []string{Dissociation}},
		{"dissociation_not_assessed_blocks", func(f *Facts) { f.Vitals[2].Dissociation = nil; f.Vitals[1].Dissociation = nil }, []string{Dissociation}},
		{"aldrete_8_blocks", func(f *Facts) { f.Aldrete.Activity, f.Aldrete.Consciousness = 1, 1 }, []string{AldreteScore}},
		{"aldrete_exactly_9_allowed", func(f *Facts) { f.Aldrete.Activity = 1 }, nil},
		{"aldrete_not_scored_blocks", func(f *Facts) { f.Aldrete = Aldrete{} }, []string{AldreteScore}},
		{"aldrete_before_first_dose_blocks", func(f *Facts) { f.Aldrete.AssessedAt = at(-5) }, []string{AldreteScore}},
		{"aldrete_item_scored_3_blocks", func(f *Facts) { f.Aldrete.Activity = 3 }, []string{AldreteScore}},
		{"no_driver_and_no_alternative_blocks", func(f *Facts) { f.DriverPresent = false }, []string{RideHome}},
		{"taxi_instead_of_driver_allowed", func(f *Facts) { f.DriverPresent, f.Alternative = false, "taxi" }, nil},
		{"blank_alternative_blocks", func(f *Facts) { f.DriverPresent, f.Alternative = false, "  " }, []string{RideHome}},
		{"aftercare_not_given_blocks", func(f *Facts) { f.AftercareGiven = false }, []string{Aftercare}},
		{"unknown_route_blocks", func(f *Facts) { f.Route = "oral" }, []string{MinTime}},
		{"no_first_dose_blocks", func(f *Facts) { f.FirstDoseAt = time.Time{} }, []string{MinTime}},
		{"minimum_counts_from_the_start_of_dosing_when_the_first_dose_is_timed_before_it",
			func(f *Facts) { f.DosingStartedAt = f.FirstDoseAt.Add(time.Minute) }, []string{MinTime}},
		{"minimum_counts_from_the_first_dose_when_dosing_started_before_it",
			func(f *Facts) { f.DosingStartedAt = f.FirstDoseAt.Add(-time.Minute) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := readyFacts()
			f.Vitals = append([]vitals.Reading(nil), f.Vitals...)
			tt.edit(&f)
			res := Evaluate(f, p)
			var unmet []string
			for _, c := range res.Unmet() {
				unmet = append(unmet, c.ID)
				if c.Detail == "" {
					t.Errorf("criterion %s unmet without a detail", c.ID)
				}
			}
			if diff := cmp.Diff(tt.unmet, unmet); diff != "" {
				t.Errorf("unmet mismatch (-want +got):\n%s\n%+v", diff, res.Criteria)
			}
			if res.Ready != (len(tt.unmet) == 0) || (res.Err() == nil) != res.Ready {
				t.Errorf("Ready = %v, Err = %v", res.Ready, res.Err())
			}
			if len(res.Criteria) != 7 {
				t.Errorf("%d criteria shown, want all 7", len(res.Criteria))
			}
		})
	}
}

func TestEvaluateDetails(t *testing.T) {
	t.Parallel()
	f := readyFacts()
	f.Now = at(60)
	f.Vitals[1].Systolic = 162
	f.Aldrete = Aldrete{Activity: 2, Respiration: 2, Circulation: 1, Consciousness: 1, OxygenSaturation: 2, AssessedAt: at(59)}
	res := Evaluate(f, protocol.Default())
	got := map[string]string{}
	for _, c := range res.Criteria {
		got[c.ID] = c.Detail
	}
	want := map[string]string{
		MinTime:      "60 min since the first dose at 10:00; 30 min to go (from 11:30)",
		VitalsLimits: "blood pressure 162/95 at 11:00 is not below 160/100",
		Sedation:     "MOAA/S 4 at 11:00; 5 is required",
		Dissociation: "dissociation still present at 11:00",
		AldreteScore: "8 of 10 at 10:59; below full marks: circulation 1 (Blood pressure ± 20 to 49 mmHg of the pre-anaesthetic level), consciousness 1 (Arousable on calling)",
		RideHome:     "the recorded driver is present",
		Aftercare:    "given: no driving until the next day after restful sleep",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("details mismatch (-want +got):\n%s", diff)
	}
	if !res.EarliestAt.Equal(at(90)) {
		t.Errorf("EarliestAt = %v", res.EarliestAt)
	}
	err := res.Err()
	if !ketaflow.IsCode(err, ketaflow.EBlocked) || !strings.Contains(ketaflow.ErrorMessage(err), "Dissociation resolved: dissociation still present") {
		t.Errorf("Err = %v", err)
	}
}

func TestReadyWithoutMinimum(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	base := []vitals.Reading{
		check("c15", 15, 150, 92, 97, 3, true),
		check("c30", 30, 155, 95, 97, 4, true),
		check("c45", 45, 140, 90, 98, 5, false),
		check("c60", 60, 136, 88, 98, 5, false),
		check("c75", 75, 134, 86, 98, 5, false),
	}
	tests := []struct {
		name     string
		readings []vitals.Reading
		now      int
		want     int // minute; -1 = not ready
	}{
		{"ready_from_first_reading_with_all_clinical_criteria", base, 80, 45},
		{"relapse_restarts_the_clock", append(append([]vitals.Reading(nil), base[:4]...), check("c75", 75, 134, 86, 98, 5, true), check("c90", 90, 130, 84, 98, 5, false)), 95, 90},
		{"not_ready_at_latest_reading", append(append([]vitals.Reading(nil), base...), check("c90", 90, 165, 101, 98, 5, false)), 95, -1},
		{"readings_after_now_are_not_known", base, 50, 45},
		{"no_readings_not_ready", nil, 50, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := Facts{Route: protocol.Spravato, FirstDoseAt: first, Now: at(tt.now), Vitals: tt.readings}
			got, ok := ReadyWithoutMinimum(f, p)
			if tt.want < 0 {
				if ok {
					t.Fatalf("got ready at %v, want not ready", got)
				}
				return
			}
			if !ok || !got.Equal(at(tt.want)) {
				t.Fatalf("got %v (%v), want %v", got, ok, at(tt.want))
			}
			if res := Evaluate(f, p); !res.ReadyWithoutMinimumAt.Equal(got) {
				t.Errorf("Evaluate gives %v", res.ReadyWithoutMinimumAt)
			}
		})
	}
}

func TestAldrete(t *testing.T) {
	t.Parallel()
	a := fullAldrete(0)
	if a.Total() != AldreteMax || a.Validate() != nil || a.Describe("consciousness") != "Fully awake" {
		t.Fatalf("full score: total %d, %v, %q", a.Total(), a.Validate(), a.Describe("consciousness"))
	}
	a.Respiration, a.OxygenSaturation = -1, 3
	e := ketaflow.AsError(a.Validate())
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"respiration", "oxygen_saturation"}, fields); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
	if len(AldreteItems) != 5 {
		t.Fatalf("%d items, want 5", len(AldreteItems))
	}
	for _, it := range AldreteItems {
		for n, s := range it.Scores {
			if s == "" {
				t.Errorf("%s score %d has no description", it.Key, n)
			}
		}
	}
	if (Aldrete{}).Validate() == nil {
		t.Error("an unscored Aldrete must not validate")
	}
}
