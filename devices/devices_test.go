package devices

import (
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestLookup(t *testing.T) {
	table := []Code{{System: "MDC", Code: "150456", Vital: SpO2}, {Code: "PR", Vital: PulseRate, Unit: "/min"}}
	for _, c := range []struct {
		name, system, code string
		want               Vital
		unit               string
		ok                 bool
	}{
		{"loinc_spo2_by_oximetry", "LN", "59408-5", SpO2, "", true},
		{"loinc_without_system", "", "8480-6", Systolic, "", true},
		{"loinc_mean_pressure", "LN", "8478-0", MeanPressure, "", true},
		{"device_code_of_its_system", "MDC", "150456", SpO2, "", true},
		{"device_code_of_another_system_is_unknown", "ACME", "150456", "", "", false},
		{"device_code_any_system_with_unit", "ACME", "PR", PulseRate, "/min", true},
		{"unknown_code", "LN", "1234-5", "", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, u, ok := Lookup(table, c.system, c.code)
			if v != c.want || u != c.unit || ok != c.ok {
				t.Errorf("Lookup(%q, %q) = %q, %q, %t; want %q, %q, %t", c.system, c.code, v, u, ok, c.want, c.unit, c.ok)
			}
		})
	}
}

func TestCheckUnit(t *testing.T) {
	for _, c := range []struct {
		name       string
		v          Vital
		unit, want string
		ok         bool
	}{
		{"ucum_percent", SpO2, "%", "", true},
		{"ucum_mmhg", Systolic, "mm[Hg]", "", true},
		{"gateway_mmhg", Diastolic, "mmHg", "", true},
		{"kpa_is_refused_never_converted", Systolic, "kPa", "", false},
		{"fraction_is_refused", SpO2, "1", "", false},
		{"pulse_per_minute", PulseRate, "/min", "", true},
		{"empty_unit_without_table_unit_is_refused", PulseRate, "", "", false},
		{"empty_unit_takes_the_table_unit", PulseRate, "", "/min", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.v.CheckUnit(c.unit, c.want); (err == nil) != c.ok {
				t.Errorf("CheckUnit(%q, %q) = %v; want ok %t", c.unit, c.want, err, c.ok)
			}
		})
	}
}

func TestReadingValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		r     Reading
		field string // "" when valid
	}{
		{"valid", Reading{Monitor: "BED1", TakenAt: t0, Values: map[Vital]int{SpO2: 97, PulseRate: 72}}, ""},
		{"no_monitor", Reading{TakenAt: t0, Values: map[Vital]int{SpO2: 97}}, "monitor"},
		{"no_time", Reading{Monitor: "BED1", Values: map[Vital]int{SpO2: 97}}, "taken_at"},
		{"future_time_beyond_skew", Reading{Monitor: "BED1", TakenAt: t0.Add(MaxAhead + time.Second), Values: map[Vital]int{SpO2: 97}}, "taken_at"},
		{"clock_a_little_ahead_is_taken", Reading{Monitor: "BED1", TakenAt: t0.Add(MaxAhead), Values: map[Vital]int{SpO2: 97}}, ""},
		{"no_values", Reading{Monitor: "BED1", TakenAt: t0}, "values"},
		{"spo2_above_100", Reading{Monitor: "BED1", TakenAt: t0, Values: map[Vital]int{SpO2: 101}}, "spo2"},
		{"diastolic_not_below_systolic", Reading{Monitor: "BED1", TakenAt: t0, Values: map[Vital]int{Systolic: 90, Diastolic: 95}}, "diastolic"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.r.Validate(t0)
			if c.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			e := ketaflow.AsError(err)
			if e == nil || len(e.Fields) == 0 || e.Fields[0].Field != c.field {
				t.Errorf("Validate = %v; want a problem with %s", err, c.field)
			}
		})
	}
}

func TestDesaturate(t *testing.T) {
	s := protocol.Default().Session // below 92% for 15 s; a 60 s silence breaks a run
	at := func(sec, spo2 int) Sample {
		return Sample{ID: string(rune('a' + sec%26)), At: t0.Add(time.Duration(sec) * time.Second), SpO2: spo2}
	}
	for _, c := range []struct {
		name           string
		samples        []Sample
		low, sustained bool
		since          int // seconds of the run's first sample
	}{
		{"normal", []Sample{at(0, 97), at(5, 96)}, false, false, 0},
		{"one_low_sample_is_a_moved_probe", []Sample{at(0, 97), at(5, 85)}, true, false, 5},
		{"low_for_10_s_is_not_yet_sustained", []Sample{at(0, 97), at(5, 90), at(10, 89), at(15, 88)}, true, false, 5},
		{"low_for_15_s_is_sustained", []Sample{at(0, 97), at(5, 90), at(10, 89), at(15, 88), at(20, 88)}, true, true, 5},
		{"at_the_limit_is_not_low", []Sample{at(0, 90), at(10, 90), at(20, 92)}, false, false, 0},
		{"a_normal_sample_restarts_the_run", []Sample{at(0, 90), at(10, 90), at(15, 95), at(20, 90), at(25, 90)}, true, false, 20},
		{"a_silence_longer_than_the_gap_breaks_the_run", []Sample{at(0, 90), at(61, 90), at(70, 90)}, true, false, 61},
		{"a_silence_within_the_gap_keeps_it", []Sample{at(0, 90), at(60, 90)}, true, true, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ep := Desaturate(c.samples, s)
			if ep.Low != c.low || ep.Sustained != c.sustained || (c.low && !ep.Since.At.Equal(t0.Add(time.Duration(c.since)*time.Second))) {
				t.Errorf("Desaturate = low %t sustained %t since %s; want %t %t %ds", ep.Low, ep.Sustained, ep.Since.At.Sub(t0), c.low, c.sustained, c.since)
			}
		})
	}
	if got, want := Lookback(s), 75*time.Second; got != want {
		t.Errorf("Lookback = %s, want %s", got, want)
	}
}
