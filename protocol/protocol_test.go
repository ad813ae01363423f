package protocol

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
)

// fieldNames returns the fields an error names, checking that it is an
// EInvalid *ketaflow.Error whose Field is the first of its Fields.
func fieldNames(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := asError(t, err)
	if len(e.Fields) == 0 {
		t.Fatalf("got no Fields in %v, want at least one", err)
	}
	if e.Field != e.Fields[0].Field {
		t.Errorf("got Field %q, want the first of Fields %q", e.Field, e.Fields[0].Field)
	}
	var names []string
	for _, f := range e.Fields {
		if f.Message == "" {
			t.Errorf("field %q has an empty message", f.Field)
		}
		names = append(names, f.Field)
	}
	return names
}

// asError checks that err is an EInvalid *ketaflow.Error and returns it.
func asError(t *testing.T, err error) *ketaflow.Error {
	t.Helper()
	var e *ketaflow.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %T %v, want *ketaflow.Error", err, err)
	}
	if e.Code != ketaflow.EInvalid {
		t.Errorf("got code %q, want %q", e.Code, ketaflow.EInvalid)
	}
	return e
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Protocol)
		want   []string // keys at fault; nil means valid
	}{
		{"default_is_valid", func(p *Protocol) {}, nil},
		{"warn_bp_above_block_is_refused", func(p *Protocol) { p.Gate.BPWarnSystolic = 170 }, []string{"gate.bp_warn_systolic"}},
		{"warn_diastolic_above_block_is_refused", func(p *Protocol) { p.Gate.BPWarnDiastolic = 105 }, []string{"gate.bp_warn_diastolic"}},
		{"warn_bp_equal_to_block_turns_warning_off", func(p *Protocol) { p.Gate.BPWarnSystolic, p.Gate.BPWarnDiastolic = 160, 100 }, nil},
		{"block_diastolic_not_below_systolic_is_refused", func(p *Protocol) { p.Gate.BPBlockSystolic, p.Gate.BPWarnSystolic = 100, 100 }, []string{"gate.bp_block_diastolic"}},
		{"spo2_warn_below_block_is_refused", func(p *Protocol) { p.Gate.SpO2WarnBelow = 90 }, []string{"gate.spo2_warn_below"}},
		{"hr_warn_below_not_under_warn_above_is_refused", func(p *Protocol) { p.Gate.HRWarnBelow = 100 }, []string{"gate.hr_warn_below"}},
		{"item9_alert_above_highest_answer_is_refused", func(p *Protocol) { p.Gate.Item9AlertAbove = 3 }, []string{"gate.item9_alert_above"}},
		{"negative_minutes_refused", func(p *Protocol) { p.Fasting.IV.ClearLiquidMinutes = -5 }, []string{"fasting.iv.clear_liquid_minutes"}},
		{"clear_liquid_fast_longer_than_food_is_refused", func(p *Protocol) { p.Fasting.Spravato.ClearLiquidMinutes = 180 }, []string{"fasting.spravato.clear_liquid_minutes"}},
		{"iv_default_dose_above_max_is_refused", func(p *Protocol) { p.Dose.IV.MgPerKgDefault = 1.5 }, []string{"dose.iv.mg_per_kg_default"}},
		{"iv_min_dose_above_max_is_refused", func(p *Protocol) { p.Dose.IV.MgPerKgMin, p.Dose.IV.MgPerKgMax = 0.8, 0.6 }, []string{"dose.iv.mg_per_kg_min"}},
		{"iv_default_minutes_below_min_is_refused", func(p *Protocol) { p.Dose.IV.MinutesDefault = 30 }, []string{"dose.iv.minutes_default"}},
		{"im_default_dose_below_min_is_refused", func(p *Protocol) { p.Dose.IM.MgPerKgDefault = 0.2 }, []string{"dose.im.mg_per_kg_default"}},
		{"iv_dose_above_2_mg_per_kg_is_refused", func(p *Protocol) { p.Dose.IV.MgPerKgMax = 2.5 }, []string{"dose.iv.mg_per_kg_max"}},
		{"nan_dose_is_refused", func(p *Protocol) { p.Dose.IV.MgPerKgMax = math.NaN() }, []string{"dose.iv.mg_per_kg_max"}},
		{"no_vial_concentration_is_refused", func(p *Protocol) { p.Dose.IV.VialConcentrationsMgPerML = nil }, []string{"dose.iv.vial_concentrations_mg_per_ml"}},
		{"repeated_vial_concentration_is_refused", func(p *Protocol) { p.Dose.IM.VialConcentrationsMgPerML = []float64{50, 50} }, []string{"dose.im.vial_concentrations_mg_per_ml"}},
		{"spravato_dose_not_whole_devices_is_refused", func(p *Protocol) { p.Dose.Spravato.DosesMg = []int{56, 70} }, []string{"dose.spravato.doses_mg"}},
		{"spravato_dose_above_label_maximum_is_refused", func(p *Protocol) { p.Dose.Spravato.DosesMg = []int{56, 84, 112} }, []string{"dose.spravato.doses_mg"}},
		{"spravato_first_dose_not_orderable_is_refused", func(p *Protocol) { p.Dose.Spravato.DosesMg = []int{84} }, []string{"dose.spravato.first_dose_mg"}},
		{"volume_rounding_coarser_than_a_tenth_ml_is_refused", func(p *Protocol) { p.Dose.Rounding.VolumeML = 0.5 }, []string{"dose.rounding.volume_ml"}},
		{"empty_phases_refused", func(p *Protocol) { p.Session.Phases = nil }, []string{"session.phases"}},
		{"severe_alert_waiting_longer_than_urgent_is_refused", func(p *Protocol) { p.Alerts.EscalateSevereMinutes = 10 }, []string{"alerts.escalate_severe_minutes"}},
		{"urgent_alert_waiting_longer_than_a_flag_is_refused", func(p *Protocol) { p.Alerts.EscalateUrgentMinutes = 20 }, []string{"alerts.escalate_urgent_minutes"}},
		{"escalation_within_a_minute_or_more", func(p *Protocol) { p.Alerts.EscalateSevereMinutes = 0 }, []string{"alerts.escalate_severe_minutes"}},
		{"zero_minute_phase_refused", func(p *Protocol) { p.Session.Phases[0].Minutes = 0 }, []string{"session.phases"}},
		{"repeated_phase_name_refused", func(p *Protocol) { p.Session.Phases[1].Name = "Onset" }, []string{"session.phases"}},
		{"sustained_bp_above_single_is_refused", func(p *Protocol) { p.Session.SustainedSystolicAbove = 210 }, []string{"session.sustained_systolic_above"}},
		{"chair_shorter_than_stay_is_refused", func(p *Protocol) { p.Session.ChairMinutes.IV = 80 }, []string{"session.chair_minutes.iv"}},
		{"longer_phases_need_longer_chair", func(p *Protocol) { p.Session.Phases[4].Minutes = 60 }, []string{"session.chair_minutes.iv", "session.chair_minutes.im"}},
		{"vitals_at_after_earliest_discharge_is_refused", func(p *Protocol) { p.Session.VitalsAtMinutes = 100 }, []string{"session.vitals_at_minutes"}},
		{"spravato_discharge_under_rems_two_hours_is_refused", func(p *Protocol) { p.Discharge.MinMinutes.Spravato = 90 }, []string{"discharge.min_minutes.spravato"}},
		{"discharge_spo2_below_session_alert_is_refused", func(p *Protocol) { p.Discharge.SpO2AtLeast = 90 }, []string{"discharge.spo2_at_least"}},
		{"discharge_bp_above_session_alert_is_refused", func(p *Protocol) { p.Discharge.SystolicBelow = 190 }, []string{"discharge.systolic_below"}},
		{"rems_form_later_than_seven_days_is_refused", func(p *Protocol) { p.Discharge.REMSFormDueDays = 10 }, []string{"discharge.rems_form_due_days"}},
		{"relapse_below_remission_is_refused", func(p *Protocol) { p.Integration.RelapsePHQ9AtLeast = 4 }, []string{"integration.relapse_phq9_at_least"}},
		{"check_in_hour_past_23_is_refused", func(p *Protocol) { p.Integration.MorningCheckInHour = 24 }, []string{"integration.morning_check_in_hour"}},
		{"idle_timeout_over_an_hour_is_refused", func(p *Protocol) { p.Security.IdleTimeoutMinutes = 90 }, []string{"security.idle_timeout_minutes"}},
		{"out_of_range_setting_is_reported_once", func(p *Protocol) { p.Gate.BPWarnSystolic = 300 }, []string{"gate.bp_warn_systolic"}},
		{"every_problem_is_reported", func(p *Protocol) {
			p.Gate.SpO2WarnBelow = 90
			p.Dose.IV.MgPerKgDefault = 3
			p.Security.LoginMaxHours = 0
		}, []string{"dose.iv.mg_per_kg_default", "security.session_max_hours", "gate.spo2_warn_below"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := Default()
			tt.change(&p)
			got := fieldNames(t, p.Validate())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() fields mismatch (-want +got):\n%s\nerror: %v", diff, p.Validate())
			}
		})
	}
}

func TestValidateMessagesNameWhatIsAllowed(t *testing.T) {
	t.Parallel()
	p := Default()
	p.Gate.BPWarnSystolic = 170
	e := asError(t, p.Validate())
	for _, want := range []string{"170", "160", "mmHg"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q does not contain %q", e.Message, want)
		}
	}
}

func TestDefaultMatchesProductBrief(t *testing.T) {
	t.Parallel()
	p := Default()
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"iv_session_length_is_90_minutes", p.SessionLength(IV), 90 * time.Minute},
		{"im_session_length_is_90_minutes", p.SessionLength(IM), 90 * time.Minute},
		{"spravato_session_length_is_two_hours", p.SessionLength(Spravato), 2 * time.Hour},
		{"spravato_chair_time_is_135_minutes", p.ChairTime(Spravato), 135 * time.Minute},
		{"phases_total_70_minutes", p.Session.PhasesTotal(), 70 * time.Minute},
		{"iv_fasts_6_hours_from_food", p.Fasting.Get(IV).SolidFood(), 6 * time.Hour},
		{"spravato_fasts_30_minutes_from_liquid", p.Fasting.Get(Spravato).ClearLiquid(), 30 * time.Minute},
		{"spravato_nasal_medication_an_hour_before", p.Fasting.Get(Spravato).NasalMedication(), time.Hour},
		{"iv_has_no_nasal_medication_rule", p.Fasting.Get(IV).NasalMedication(), time.Duration(0)},
		{"integration_window_48_hours", p.Integration.Window(), 48 * time.Hour},
		{"weight_older_than_30_days_is_stale", p.Gate.WeightMaxAge(), 30 * 24 * time.Hour},
		{"spravato_course_is_8_sessions", p.Integration.CourseSessions.Get(Spravato), 8},
		{"idle_timeout_15_minutes", p.Security.IdleTimeout(), 15 * time.Minute},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestGateRules(t *testing.T) {
	t.Parallel()
	g := Default().Gate
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"bp_at_threshold_blocks", g.BPBlocks(160, 80), true},
		{"diastolic_at_threshold_blocks", g.BPBlocks(130, 100), true},
		{"bp_just_below_threshold_does_not_block", g.BPBlocks(159, 99), false},
		{"bp_at_warn_limit_does_not_warn", g.BPWarns(140, 90), false},
		{"bp_above_warn_limit_warns", g.BPWarns(141, 85), true},
		{"spo2_at_block_limit_does_not_block", g.SpO2Blocks(92), false},
		{"spo2_below_block_limit_blocks", g.SpO2Blocks(91), true},
		{"spo2_94_warns", g.SpO2Warns(94), true},
		{"spo2_95_does_not_warn", g.SpO2Warns(95), false},
		{"hr_101_warns", g.HRWarns(101), true},
		{"hr_49_warns", g.HRWarns(49), true},
		{"hr_50_does_not_warn", g.HRWarns(50), false},
		{"item9_zero_does_not_alert", g.Item9Alerts(0), false},
		{"item9_one_alerts", g.Item9Alerts(1), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestSessionAndDischargeRules(t *testing.T) {
	t.Parallel()
	p := Default()
	s, d := p.Session, p.Discharge
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"systolic_181_counts_towards_sustained_alert", s.SustainedBPHigh(181, 80), true},
		{"systolic_180_does_not_count", s.SustainedBPHigh(180, 110), false},
		{"single_systolic_201_alerts", s.SingleBPAlert(201, 80), true},
		{"single_diastolic_121_alerts", s.SingleBPAlert(150, 121), true},
		{"single_200_over_120_does_not_alert", s.SingleBPAlert(200, 120), false},
		{"hr_121_is_high", s.HRHigh(121), true},
		{"spo2_91_alerts", s.SpO2Alert(91), true},
		{"spo2_92_does_not_alert", s.SpO2Alert(92), false},
		{"discharge_vitals_159_99_94_pass", d.VitalsWithin(159, 99, 94), true},
		{"discharge_systolic_160_fails", d.VitalsWithin(160, 80, 98), false},
		{"discharge_spo2_93_fails", d.VitalsWithin(120, 80, 93), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestRoundTo(t *testing.T) {
	t.Parallel()
	r := Default().Dose.Rounding
	// The product brief's worked example: 64 kg at 0.5 mg/kg from 50 mg/mL
	// into a 100 mL bag over 40 min.
	dose := r.Dose(64 * 0.5)
	volume := r.Volume(dose / 50)
	total := r.Volume(100 + volume)
	rate := r.Rate(total / (40.0 / 60))
	if diff := cmp.Diff([]float64{32.0, 0.64, 100.64, 151.0}, []float64{dose, volume, total, rate}); diff != "" {
		t.Errorf("worked example mismatch (-want +got):\n%s", diff)
	}
	tests := []struct {
		name       string
		v, step    float64
		want       float64
		wantPlaces int
	}{
		{"half_rounds_up", 150.95, 0.1, 151.0, 1},
		{"below_half_rounds_down", 150.94, 0.1, 150.9, 1},
		{"hundredths_half_rounds_up", 0.645, 0.01, 0.65, 2},
		{"negative_half_rounds_away_from_zero", -0.25, 0.5, -0.5, 1},
		{"quarter_steps", 1.13, 0.25, 1.25, 2},
		{"whole_steps", 32.5, 1, 33, 0},
		{"zero_step_leaves_value", 1.234, 0, 1.234, 0},
	}
	for _, tt := range tests {
		if got := RoundTo(tt.v, tt.step); got != tt.want {
			t.Errorf("%s: RoundTo(%v, %v) = %v, want %v", tt.name, tt.v, tt.step, got, tt.want)
		}
		if tt.step > 0 {
			if got := Places(tt.step); got != tt.wantPlaces {
				t.Errorf("%s: Places(%v) = %d, want %d", tt.name, tt.step, got, tt.wantPlaces)
			}
		}
	}
}

func TestSpravatoDevices(t *testing.T) {
	t.Parallel()
	s := Default().Dose.Spravato
	if got, want := s.DeviceOffsets(84), []time.Duration{0, 5 * time.Minute, 10 * time.Minute}; !slices.Equal(got, want) {
		t.Errorf("DeviceOffsets(84) = %v, want %v", got, want)
	}
	if got := s.Devices(56); got != 2 {
		t.Errorf("Devices(56) = %d, want 2", got)
	}
	if got, want := s.AllowedMg(70), []int{56, 84}; !slices.Equal(got, want) {
		t.Errorf("28_mg_off_by_default: AllowedMg(70) = %v, want %v", got, want)
	}
	s.Allow28MgFrom65 = true
	if got, want := s.AllowedMg(64), []int{56, 84}; !slices.Equal(got, want) {
		t.Errorf("28_mg_not_before_65: AllowedMg(64) = %v, want %v", got, want)
	}
	if got, want := s.AllowedMg(65), []int{28, 56, 84}; !slices.Equal(got, want) {
		t.Errorf("28_mg_from_65_when_enabled: AllowedMg(65) = %v, want %v", got, want)
	}
}

func TestTimes(t *testing.T) {
	t.Parallel()
	p := Default()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	end := time.Date(2026, 3, 7, 23, 30, 0, 0, ny) // the night before DST starts
	if got, want := p.Integration.MorningCheckIn(end.UTC(), ny), time.Date(2026, 3, 8, 9, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("check_in_is_next_morning_at_9_local: got %v, want %v", got, want)
	}
	dosed := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if got, want := p.Discharge.REMSFormDueBy(dosed), time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("rems_form_due_in_7_days: got %v, want %v", got, want)
	}
	f := p.Fasting.Get(IV)
	food := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	water := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	if got, want := f.EarliestDose(food, water), water.Add(2*time.Hour); !got.Equal(want) {
		t.Errorf("late_water_sets_earliest_dose: got %v, want %v", got, want)
	}
	if got, want := f.EarliestDose(food, time.Time{}), food.Add(6*time.Hour); !got.Equal(want) {
		t.Errorf("food_alone_sets_earliest_dose: got %v, want %v", got, want)
	}
}

func TestByRouteGetPanicsOnUnknownRoute(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Get(\"oral\") did not panic; a zero rule must never be returned")
		}
	}()
	Default().Discharge.MinMinutes.Get("oral")
}

func TestParseRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Route
		oral bool // refused as oral, with the reason
	}{
		{"iv", "iv", IV, false},
		{"upper_case_and_space", "  IV ", IV, false},
		{"intravenous", "Intravenous", IV, false},
		{"im", "IM", IM, false},
		{"intramuscular", "intramuscular", IM, false},
		{"spravato", "Spravato", Spravato, false},
		{"esketamine", "esketamine", Spravato, false},
		{"nasal", "nasal", Spravato, false},
		{"label_is_accepted", "Spravato nasal spray", Spravato, false},
		{"oral_refused", "oral", "", true},
		{"po_refused", "PO", "", true},
		{"p_o_with_dots_refused", "p.o.", "", true},
		{"oral_ketamine_refused", "Oral Ketamine", "", true},
		{"sublingual_refused", "sublingual", "", true},
		{"troche_refused", "troche", "", true},
		{"lozenge_refused", "lozenge", "", true},
		{"empty_refused", "", "", false},
		{"unknown_refused", "rectal", "", false},
		{"compounded_nasal_ketamine_is_not_spravato", "nasal ketamine", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRoute(tt.in)
			if got != tt.want {
				t.Errorf("ParseRoute(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if tt.want != "" {
				if err != nil {
					t.Errorf("ParseRoute(%q) error %v, want nil", tt.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseRoute(%q) error nil, want a refusal", tt.in)
			}
			e := asError(t, err)
			if e.Field != "route" {
				t.Errorf("got Field %q, want %q", e.Field, "route")
			}
			for _, name := range []string{"IV", "IM", "Spravato"} {
				if !strings.Contains(e.Message, name) {
					t.Errorf("message %q does not name %s", e.Message, name)
				}
			}
			if got := strings.Contains(e.Message, "absorption"); got != tt.oral {
				t.Errorf("message %q explains oral exclusion: %v, want %v", e.Message, got, tt.oral)
			}
		})
	}
}

func TestParseIMSite(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]IMSite{"Deltoid": Deltoid, "thigh": Thigh, "buttock": Gluteal} {
		if got, err := ParseIMSite(in); got != want || err != nil {
			t.Errorf("ParseIMSite(%q) = %q, %v; want %q, nil", in, got, err, want)
		}
	}
	if _, err := ParseIMSite("forearm"); asError(t, err).Field != "site" {
		t.Errorf("ParseIMSite(forearm) error %v, want field site", err)
	}
	if got := Default().Dose.IM.SiteMaxML.Get(Deltoid); got != 2 {
		t.Errorf("deltoid limit %v mL, want 2", got)
	}
}

func TestParamsTable(t *testing.T) {
	t.Parallel()
	params := Params()
	seen := map[string]bool{}
	groupAt := 0
	groups := Groups()
	for _, prm := range params {
		if seen[prm.Key] {
			t.Errorf("key %q appears twice", prm.Key)
		}
		seen[prm.Key] = true
		if prm.Label == "" || prm.Source == "" {
			t.Errorf("%s: label %q and source %q must not be empty", prm.Key, prm.Label, prm.Source)
		}
		for groupAt < len(groups) && groups[groupAt] != prm.Group {
			groupAt++
		}
		if groupAt == len(groups) {
			t.Errorf("%s: group %q is unknown or out of display order", prm.Key, prm.Group)
		}
		if prm.Kind != Bool && prm.Min > prm.Max {
			t.Errorf("%s: Min %v above Max %v", prm.Key, prm.Min, prm.Max)
		}
		if got, ok := LookupParam(prm.Key); !ok || got.Key != prm.Key {
			t.Errorf("LookupParam(%q) = %q, %v", prm.Key, got.Key, ok)
		}
	}
	// Every field of the JSON form has one param, and every key is a field.
	data, err := json.Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	var leaves []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			leaves = append(leaves, prefix)
			return
		}
		for k, child := range m {
			walk(strings.TrimPrefix(prefix+"."+k, "."), child)
		}
	}
	walk("", tree)
	var keys []string
	for _, prm := range params {
		keys = append(keys, prm.Key)
	}
	slices.Sort(leaves)
	slices.Sort(keys)
	if diff := cmp.Diff(leaves, keys); diff != "" {
		t.Errorf("JSON fields vs param keys mismatch (-json +params):\n%s", diff)
	}
}

func TestParamsRoundTrip(t *testing.T) {
	t.Parallel()
	want := Default()
	for _, prm := range Params() {
		t.Run(prm.Key, func(t *testing.T) {
			t.Parallel()
			got := Default()
			if err := prm.Set(&got, prm.Get(&want)); err != nil {
				t.Fatalf("Set(Get()) = %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Set(Get()) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// outOfRange returns texts that Set must refuse for prm.
func outOfRange(prm Param) []string {
	above, below := num(prm.Max+1), num(prm.Min-1)
	switch prm.Kind {
	case Integer:
		return []string{above, below, "1.5", "abc", "", "1e2"}
	case Number:
		return []string{num(prm.Max * 1.5), num(prm.Min / 2), "-1", "NaN", "Inf", "abc", "", "0x10"}
	case NumberList:
		return []string{above, below, num(prm.Min) + ", " + above, "", "abc", num(prm.Max) + "," + num(prm.Max)}
	case Text:
		// A bracketed placeholder is the clinic's to fill, never a text
		// to show a patient or a nurse.
		return []string{strings.Repeat("x", int(prm.Max)+1), "bell\a", "[Clinic: add your fluid here]", "saline [fill in]"}
	case PhaseList:
		return []string{"", "onset 0", "onset " + above, "onset", "onset 5, onset 10", "onset 5.5"}
	case Bool:
		return []string{"maybe", "2"}
	}
	return nil
}

func TestParamSetRefusesOutOfRange(t *testing.T) {
	t.Parallel()
	for _, prm := range Params() {
		for _, text := range outOfRange(prm) {
			t.Run(prm.Key+"/"+strconv.Quote(text), func(t *testing.T) {
				t.Parallel()
				p := Default()
				err := prm.Set(&p, text)
				if err == nil {
					t.Fatalf("Set(%q) = nil, want an error; value now %q", text, prm.Get(&p))
				}
				e := asError(t, err)
				if e.Field != prm.Key {
					t.Errorf("got Field %q, want %q", e.Field, prm.Key)
				}
				if diff := cmp.Diff(Default(), p); diff != "" {
					t.Errorf("refused Set changed the protocol (-want +got):\n%s", diff)
				}
				if prm.Kind == Integer || prm.Kind == Number {
					for _, want := range []string{num(prm.Min), num(prm.Max), prm.Unit} {
						if !strings.Contains(e.Message, want) {
							t.Errorf("message %q does not name %q", e.Message, want)
						}
					}
				}
			})
		}
	}
}

func TestParamSetExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, text, want string // want is Get after Set
	}{
		{"message_names_range_and_unit", "fasting.iv.clear_liquid_minutes", "60", "60"},
		{"space_is_trimmed", "gate.bp_block_systolic", " 150 ", "150"},
		{"list_is_sorted", "dose.iv.vial_concentrations_mg_per_ml", "100; 10 50", "10, 50, 100"},
		{"decimal_without_leading_zero", "dose.iv.mg_per_kg_default", ".75", "0.75"},
		{"checkbox_on_is_yes", "dose.iv.withdraw_equal_volume", "on", "yes"},
		{"unchecked_checkbox_is_no", "dose.iv.withdraw_equal_volume", "", "no"},
		{"phases_accept_colons_and_lines", "session.phases", "Onset: 5\nPeak = 20\nre-entry 30", "Onset 5, Peak 20, re-entry 30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prm, ok := LookupParam(tt.key)
			if !ok {
				t.Fatalf("no param %q", tt.key)
			}
			p := Default()
			if err := prm.Set(&p, tt.text); err != nil {
				t.Fatalf("Set(%q) = %v", tt.text, err)
			}
			if got := prm.Get(&p); got != tt.want {
				t.Errorf("Get() = %q, want %q", got, tt.want)
			}
		})
	}
	prm, _ := LookupParam("fasting.iv.clear_liquid_minutes")
	p := Default()
	err := prm.Set(&p, "800")
	if got, want := ketaflow.ErrorMessage(err), "must be a whole number from 0 to 720 minutes"; !strings.HasPrefix(got, want) {
		t.Errorf("message %q, want it to start %q", got, want)
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	base := Default()
	got, err := base.Apply(map[string]string{"gate.bp_block_systolic": "150", "session.phases": "onset 5, peak 20, re-entry 30"})
	if err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	want := Default()
	want.Gate.BPBlockSystolic = 150
	want.Session.Phases = []Phase{{"onset", 5}, {"peak", 20}, {"re-entry", 30}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Apply() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Default(), base); diff != "" {
		t.Errorf("Apply() changed its receiver (-want +got):\n%s", diff)
	}

	tests := []struct {
		name   string
		values map[string]string
		want   []string
	}{
		{"every_bad_value_is_reported", map[string]string{"gate.bp_block_systolic": "999", "dose.iv.mg_per_kg_max": "x"}, []string{"gate.bp_block_systolic", "dose.iv.mg_per_kg_max"}},
		{"unknown_key_is_refused", map[string]string{"gate.bp_block": "150"}, []string{"gate.bp_block"}},
		{"cross_field_problem_is_reported", map[string]string{"gate.bp_warn_systolic": "170"}, []string{"gate.bp_warn_systolic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := base.Apply(tt.values)
			if diff := cmp.Diff(tt.want, fieldNames(t, err)); diff != "" {
				t.Errorf("Apply() fields mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(Protocol{}, got); diff != "" {
				t.Errorf("Apply() on error returned a protocol (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	want := Default()
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got Protocol
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
	decoded, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode() = %v", err)
	}
	if diff := cmp.Diff(want, decoded); diff != "" {
		t.Errorf("Decode() mismatch (-want +got):\n%s", diff)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	t.Run("missing_fields_keep_defaults", func(t *testing.T) {
		got, err := Decode([]byte(`{"gate":{"bp_block_systolic":150}}`))
		if err != nil {
			t.Fatal(err)
		}
		want := Default()
		want.Gate.BPBlockSystolic = 150
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Decode() mismatch (-want +got):\n%s", diff)
		}
	})
	for name, in := range map[string]string{
		"unknown_field_refused":     `{"gate":{"bp_block_sys":150}}`,
		"invalid_rules_refused":     `{"gate":{"bp_warn_systolic":170}}`,
		"not_json_refused":          `{"gate":`,
		"trailing_data_is_refused":  `{} {}`,
		"wrong_type_refused":        `{"gate":{"bp_block_systolic":"high"}}`,
		"list_replaced_not_merged":  `{"dose":{"spravato":{"doses_mg":[112]}}}`,
		"null_phases_still_refused": `{"session":{"phases":null}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode([]byte(in)); !ketaflow.IsCode(err, ketaflow.EInvalid) {
				t.Errorf("Decode(%s) = %v, want EInvalid", in, err)
			}
		})
	}
}

func TestClone(t *testing.T) {
	t.Parallel()
	p := Default()
	q := p.Clone()
	q.Session.Phases[0].Minutes = 99
	q.Dose.Spravato.DosesMg[0] = 28
	q.Dose.IV.VialConcentrationsMgPerML[0] = 1
	if diff := cmp.Diff(Default(), p); diff != "" {
		t.Errorf("changing a clone changed the original (-want +got):\n%s", diff)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	a := Default()
	if got := Diff(a, Default()); len(got) != 0 {
		t.Errorf("Diff of equal protocols = %v, want none", got)
	}
	b := Default()
	b.Gate.BPBlockSystolic = 150
	b.Dose.Spravato.Allow28MgFrom65 = true
	b.Session.RestMinutes.IV = 30
	want := []Change{
		{Key: "gate.bp_block_systolic", Label: "Block dosing at or above systolic", Unit: "mmHg", From: "160", To: "150"},
		{Key: "dose.spravato.allow_28mg_from_65", Label: "Spravato: also allow 28 mg for older patients (where the label allows)", From: "no", To: "yes"},
		{Key: "session.rest_minutes.iv", Label: "IV infusion: monitored rest after the phases", Unit: "minutes", From: "20", To: "30"},
	}
	if diff := cmp.Diff(want, Diff(a, b)); diff != "" {
		t.Errorf("Diff() mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"iv", "IM", " Spravato ", "oral", "p.o.", "troche", "", "nasal ketamine", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoute(s)
		if err == nil && !r.Valid() {
			t.Fatalf("ParseRoute(%q) = %q, a route that is not supported", s, r)
		}
		if err != nil {
			if r != "" {
				t.Fatalf("ParseRoute(%q) returned %q with error %v", s, r, err)
			}
			if e := ketaflow.AsError(err); e.Code != ketaflow.EInvalid || e.Field != "route" {
				t.Fatalf("ParseRoute(%q) error %v, want EInvalid on route", s, err)
			}
		}
		if oralAliases[normalizeRoute(s)] && err == nil {
			t.Fatalf("ParseRoute(%q) accepted oral ketamine", s)
		}
	})
}

func FuzzParamSet(f *testing.F) {
	params := Params()
	d := Default()
	for i, prm := range params {
		f.Add(uint(i), prm.Get(&d))
		for _, s := range outOfRange(prm) {
			f.Add(uint(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, i uint, text string) {
		prm := params[i%uint(len(params))]
		p := Default()
		err := prm.Set(&p, text)
		if err != nil {
			if e := ketaflow.AsError(err); e.Code != ketaflow.EInvalid || e.Field != prm.Key {
				t.Fatalf("%s: Set(%q) error %v, want EInvalid on the key", prm.Key, text, err)
			}
			return
		}
		// What Set accepted reads back and is accepted again unchanged.
		got := prm.Get(&p)
		q := Default()
		if err := prm.Set(&q, got); err != nil {
			t.Fatalf("%s: Set(%q) accepted, but Set(Get() = %q) = %v", prm.Key, text, got, err)
		}
		if again := prm.Get(&q); again != got {
			t.Fatalf("%s: Get after round trip = %q, want %q", prm.Key, again, got)
		}
	})
}
