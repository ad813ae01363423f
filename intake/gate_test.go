package intake

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

// now is the time the gate runs in these tests.
var now = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func ago(d time.Duration) *time.Time { return ptr(now.Add(-d)) }

func score(t testing.TB, id string, answers ...int) *Result {
	t.Helper()
	r, err := Score(mustInstrument(t, id), answers)
	if err != nil {
		t.Fatal(err)
	}
	return &r
}

// reading is a full set of normal gate vitals taken 10 minutes ago.
func reading(id string) vitals.Reading {
	return vitals.Reading{ID: id, TakenAt: now.Add(-10 * time.Minute), Systolic: 128, Diastolic: 82, HeartRate: 72, SpO2: 98}
}

// clearFacts returns the facts of an IV visit that passes every check.
func clearFacts(t testing.TB) Facts {
	return Facts{
		Route:       protocol.IV,
		PHQ9:        score(t, PHQ9ID, 1, 1, 1, 1, 1, 1, 1, 1, 0),
		GAD7:        score(t, GAD7ID, 1, 1, 1, 1, 1, 0, 0),
		SafetyAlert: AlertNone,
		Vitals:      []vitals.Reading{reading("r1")},
		Fasting: FastingAnswers{
			LastSolidFood:   ago(8 * time.Hour),
			LastLiquid:      ago(3 * time.Hour),
			LastLiquidClear: ptr(true),
		},
		Ride:                 Ride{DriverName: "Grace Hopper", DriverPhone: "+1 555 010 0199"},
		LatestWeightAt:       ago(10 * 24 * time.Hour),
		REMSPatientID:        "REMS-123456",
		SettingREMSCertified: true,
		CrisisResources:      "Call the on-call prescriber on +1 555 010 0400.",
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	g, iv, sp := p.Gate, p.Fasting.IV, p.Fasting.Spravato
	bp := func(sys, dia int) func(*Facts) {
		return func(f *Facts) { f.Vitals[0].Systolic, f.Vitals[0].Diastolic = sys, dia }
	}
	spo2 := func(v int) func(*Facts) { return func(f *Facts) { f.Vitals[0].SpO2 = v } }
	hr := func(v int) func(*Facts) { return func(f *Facts) { f.Vitals[0].HeartRate = v } }
	spravato := func(f *Facts) {
		f.Route = protocol.Spravato
		f.Fasting = FastingAnswers{LastSolidFood: ago(sp.SolidFood()), LastLiquid: ago(sp.ClearLiquid()), LastLiquidClear: ptr(true)}
	}
	both := func(changes ...func(*Facts)) func(*Facts) {
		return func(f *Facts) {
			for _, c := range changes {
				c(f)
			}
		}
	}
	tests := []struct {
		name        string
		change      func(*Facts)
		proto       func(*protocol.Protocol)
		check       CheckID
		want        Status
		overridable bool
		says        []string // in Reason or Next
		absent      bool     // the check is not on the gate
	}{
		// Questionnaires.
		{name: "both_questionnaires_done_pass", check: CheckQuestionnaires, want: Pass, says: []string{"PHQ-9 8 of 27 (mild)", "GAD-7 5 of 21 (mild)"}},
		{name: "missing_phq9_blocks_not_overridable", change: func(f *Facts) { f.PHQ9 = nil }, check: CheckQuestionnaires, want: Block, says: []string{"PHQ-9", "item 9"}},
		{name: "missing_both_names_both", change: func(f *Facts) { f.PHQ9, f.GAD7 = nil, nil }, check: CheckQuestionnaires, want: Block, says: []string{"PHQ-9 and GAD-7"}},
		{name: "missing_gad7_blocks_overridable", change: func(f *Facts) { f.GAD7 = nil }, check: CheckQuestionnaires, want: Block, overridable: true, says: []string{"GAD-7"}},
		{name: "gad7_result_in_phq9_place_is_not_a_phq9", change: func(f *Facts) { f.PHQ9 = f.GAD7 }, check: CheckQuestionnaires, want: Block},

		// PHQ-9 item 9.
		{name: "item9_zero_passes", check: CheckSafetyAlert, want: Pass, says: []string{"0 (Not at all)"}},
		{name: "item9_above_zero_raises_alert_and_blocks", change: func(f *Facts) { f.PHQ9 = score(t, PHQ9ID, 0, 0, 0, 0, 0, 0, 0, 0, 1) },
			check: CheckSafetyAlert, want: Block, says: []string{"1 (Several days)", "Raise the safety alert"}},
		{name: "item9_alert_open_blocks_not_overridable", change: func(f *Facts) {
			f.PHQ9, f.SafetyAlert = score(t, PHQ9ID, 0, 0, 0, 0, 0, 0, 0, 0, 2), AlertOpen
		}, check: CheckSafetyAlert, want: Block, says: []string{"2 (More than half the days)", "risk assessment"}},
		{name: "item9_alert_assessed_warns", change: func(f *Facts) {
			f.PHQ9, f.SafetyAlert = score(t, PHQ9ID, 0, 0, 0, 0, 0, 0, 0, 0, 3), AlertAssessed
		}, check: CheckSafetyAlert, want: Warn, says: []string{"risk assessment"}},
		{name: "open_alert_blocks_even_with_item9_zero", change: func(f *Facts) { f.SafetyAlert = AlertOpen }, check: CheckSafetyAlert, want: Block},
		{name: "item9_unasked_without_phq9_blocks", change: func(f *Facts) { f.PHQ9 = nil }, check: CheckSafetyAlert, want: Block, says: []string{"not answered"}},
		{name: "item9_at_protocol_limit_passes", change: func(f *Facts) { f.PHQ9 = score(t, PHQ9ID, 0, 0, 0, 0, 0, 0, 0, 0, 1) },
			proto: func(p *protocol.Protocol) { p.Gate.Item9AlertAbove = 1 }, check: CheckSafetyAlert, want: Pass},

		// Blood pressure.
		{name: "bp_normal_passes", check: CheckBloodPressure, want: Pass, says: []string{"128/82 mmHg"}},
		{name: "bp_at_block_limit_blocks", change: bp(g.BPBlockSystolic, 80), check: CheckBloodPressure, want: Block, overridable: true,
			says: []string{"160/80 mmHg", "at or above the 160/100 mmHg limit", "systolic 160", "rest 5 min"}},
		{name: "bp_diastolic_at_block_limit_blocks", change: bp(130, g.BPBlockDiastolic), check: CheckBloodPressure, want: Block, overridable: true, says: []string{"diastolic 100"}},
		{name: "bp_one_below_block_limit_warns", change: bp(g.BPBlockSystolic-1, 80), check: CheckBloodPressure, want: Warn, says: []string{"159/80 mmHg", "140/90 mmHg"}},
		{name: "bp_diastolic_one_below_block_limit_warns", change: bp(130, g.BPBlockDiastolic-1), check: CheckBloodPressure, want: Warn},
		{name: "bp_one_above_warn_limit_warns", change: bp(g.BPWarnSystolic+1, 80), check: CheckBloodPressure, want: Warn},
		{name: "bp_diastolic_one_above_warn_limit_warns", change: bp(130, g.BPWarnDiastolic+1), check: CheckBloodPressure, want: Warn},
		{name: "bp_at_warn_limit_passes", change: bp(g.BPWarnSystolic, g.BPWarnDiastolic), check: CheckBloodPressure, want: Pass},
		{name: "bp_missing_blocks_not_measured", change: bp(0, 0), check: CheckBloodPressure, want: Block, says: []string{"not measured"}},
		{name: "bp_no_vitals_at_all_blocks", change: func(f *Facts) { f.Vitals = nil }, check: CheckBloodPressure, want: Block},
		{name: "bp_latest_reading_counts", change: func(f *Facts) {
			high := reading("r0")
			high.TakenAt, high.Systolic = now.Add(-20*time.Minute), 170
			f.Vitals = append(f.Vitals, high)
		}, check: CheckBloodPressure, want: Pass},
		{name: "bp_new_high_reading_blocks", change: func(f *Facts) {
			high := reading("r2")
			high.TakenAt, high.Systolic = now.Add(-time.Minute), 170
			f.Vitals = append(f.Vitals, high)
		}, check: CheckBloodPressure, want: Block, overridable: true, says: []string{"170/82"}},
		{name: "bp_amended_reading_counts", change: func(f *Facts) {
			fix := reading("r2")
			fix.Systolic, fix.Amends, fix.AmendReason = 165, "r1", "typed 128 for 165"
			f.Vitals = append(f.Vitals, fix)
		}, check: CheckBloodPressure, want: Block, overridable: true},
		{name: "bp_withdrawn_reading_leaves_none", change: func(f *Facts) {
			f.Vitals = append(f.Vitals, vitals.Reading{ID: "r2", TakenAt: now, Amends: "r1", EnteredInError: true, AmendReason: "wrong patient"})
		}, check: CheckBloodPressure, want: Block, says: []string{"not measured"}},
		{name: "bp_at_vitals_max_age_passes", change: func(f *Facts) { f.Vitals[0].TakenAt = now.Add(-g.VitalsMaxAge()) }, check: CheckBloodPressure, want: Pass},
		{name: "stale_bp_blocks", change: func(f *Facts) { f.Vitals[0].TakenAt = now.Add(-g.VitalsMaxAge() - time.Minute) },
			check: CheckBloodPressure, want: Block, says: []string{"2 h 1 min ago", "at most 120 min old", "again"}},

		// Oxygen saturation.
		{name: "spo2_normal_passes", check: CheckSpO2, want: Pass},
		{name: "spo2_one_below_block_limit_blocks", change: spo2(g.SpO2BlockBelow - 1), check: CheckSpO2, want: Block, overridable: true, says: []string{"91%", "below the 92% limit"}},
		{name: "spo2_at_block_limit_warns", change: spo2(g.SpO2BlockBelow), check: CheckSpO2, want: Warn, says: []string{"92%", "95%"}},
		{name: "spo2_one_below_warn_limit_warns", change: spo2(g.SpO2WarnBelow - 1), check: CheckSpO2, want: Warn},
		{name: "spo2_at_warn_limit_passes", change: spo2(g.SpO2WarnBelow), check: CheckSpO2, want: Pass},
		{name: "spo2_missing_blocks_not_measured", change: spo2(0), check: CheckSpO2, want: Block, says: []string{"not measured"}},
		{name: "stale_spo2_blocks", change: func(f *Facts) { f.Vitals[0].TakenAt = now.Add(-g.VitalsMaxAge() - time.Minute) }, check: CheckSpO2, want: Block},

		// Heart rate.
		{name: "hr_normal_passes", check: CheckHeartRate, want: Pass, says: []string{"72 bpm"}},
		{name: "hr_at_high_limit_passes", change: hr(g.HRWarnAbove), check: CheckHeartRate, want: Pass},
		{name: "hr_one_above_high_limit_warns", change: hr(g.HRWarnAbove + 1), check: CheckHeartRate, want: Warn, says: []string{"101 bpm", "above 100 bpm"}},
		{name: "hr_at_low_limit_passes", change: hr(g.HRWarnBelow), check: CheckHeartRate, want: Pass},
		{name: "hr_one_below_low_limit_warns", change: hr(g.HRWarnBelow - 1), check: CheckHeartRate, want: Warn, says: []string{"49 bpm", "below 50 bpm"}},
		{name: "hr_far_out_of_range_still_only_warns", change: hr(180), check: CheckHeartRate, want: Warn},
		{name: "hr_missing_blocks_not_measured", change: hr(0), check: CheckHeartRate, want: Block, says: []string{"not measured"}},
		{name: "stale_hr_blocks", change: func(f *Facts) { f.Vitals[0].TakenAt = now.Add(-g.VitalsMaxAge() - time.Minute) }, check: CheckHeartRate, want: Block},

		// Fasting.
		{name: "fasted_passes", check: CheckFasting, want: Pass, says: []string{"8 h ago", "rule 6 h", "clear"}},
		{name: "food_exactly_at_rule_passes", change: func(f *Facts) { f.Fasting.LastSolidFood = ago(iv.SolidFood()) }, check: CheckFasting, want: Pass},
		{name: "food_one_minute_short_blocks", change: func(f *Facts) { f.Fasting.LastSolidFood = ago(iv.SolidFood() - time.Minute) },
			check: CheckFasting, want: Block, overridable: true, says: []string{"5 h 59 min ago", "6 h", "Wait until 14:01"}},
		{name: "clear_liquid_exactly_at_rule_passes", change: func(f *Facts) { f.Fasting.LastLiquid = ago(iv.ClearLiquid()) }, check: CheckFasting, want: Pass},
		{name: "clear_liquid_one_minute_short_blocks", change: func(f *Facts) { f.Fasting.LastLiquid = ago(iv.ClearLiquid() - time.Minute) },
			check: CheckFasting, want: Block, overridable: true, says: []string{"1 h 59 min ago", "120 min", "Wait until 14:01"}},
		{name: "milk_counts_as_food", change: func(f *Facts) { f.Fasting.LastLiquid, f.Fasting.LastLiquidClear = ago(3*time.Hour), ptr(false) },
			check: CheckFasting, want: Block, overridable: true, says: []string{"drink that counts as food", "3 h ago", "6 h", "Wait until 17:00"}},
		{name: "milk_long_enough_ago_passes", change: func(f *Facts) { f.Fasting.LastLiquid, f.Fasting.LastLiquidClear = ago(iv.SolidFood()), ptr(false) },
			check: CheckFasting, want: Pass, says: []string{"counts as food"}},
		{name: "milk_before_the_last_meal_is_measured_by_the_meal", change: func(f *Facts) {
			f.Fasting = FastingAnswers{LastSolidFood: ago(7 * time.Hour), LastLiquid: ago(9 * time.Hour), LastLiquidClear: ptr(false)}
		}, check: CheckFasting, want: Pass},
		{name: "drink_of_unknown_kind_counts_as_food", change: func(f *Facts) { f.Fasting.LastLiquidClear = nil },
			check: CheckFasting, want: Block, overridable: true, says: []string{"not recorded", "Ask what the patient last drank"}},
		{name: "missing_last_food_blocks_not_overridable", change: func(f *Facts) { f.Fasting.LastSolidFood = nil }, check: CheckFasting, want: Block, says: []string{"last ate"}},
		{name: "missing_last_drink_blocks_not_overridable", change: func(f *Facts) { f.Fasting.LastLiquid = nil }, check: CheckFasting, want: Block, says: []string{"last drank"}},
		{name: "food_time_in_future_blocks", change: func(f *Facts) { f.Fasting.LastSolidFood = ptr(now.Add(time.Hour)) }, check: CheckFasting, want: Block, says: []string{"later than now"}},
		{name: "food_the_evening_before_shows_the_day", change: func(f *Facts) { f.Fasting.LastSolidFood = ago(18 * time.Hour) }, check: CheckFasting, want: Pass, says: []string{"Tue 24 Nov 20:00"}},
		{name: "iv_ignores_nasal_medication", change: func(f *Facts) { f.Fasting.NasalMedicationAt = ago(time.Minute) }, check: CheckFasting, want: Pass},
		{name: "spravato_food_and_liquid_exactly_at_rule_pass", change: spravato, check: CheckFasting, want: Pass},
		{name: "spravato_food_one_minute_short_blocks", change: both(spravato, func(f *Facts) { f.Fasting.LastSolidFood = ago(sp.SolidFood() - time.Minute) }),
			check: CheckFasting, want: Block, overridable: true, says: []string{"2 h"}},
		{name: "spravato_liquid_one_minute_short_blocks", change: both(spravato, func(f *Facts) { f.Fasting.LastLiquid = ago(sp.ClearLiquid() - time.Minute) }),
			check: CheckFasting, want: Block, overridable: true, says: []string{"29 min ago", "30 min"}},
		{name: "spravato_nasal_medication_one_minute_short_warns", change: both(spravato, func(f *Facts) { f.Fasting.NasalMedicationAt = ago(sp.NasalMedication() - time.Minute) }),
			check: CheckFasting, want: Warn, says: []string{"59 min ago", "at least 60 min", "14:01"}},
		{name: "spravato_nasal_medication_at_rule_passes", change: both(spravato, func(f *Facts) { f.Fasting.NasalMedicationAt = ago(sp.NasalMedication()) }),
			check: CheckFasting, want: Pass},
		{name: "unknown_route_blocks_fasting", change: func(f *Facts) { f.Route = "oral" }, check: CheckFasting, want: Block, says: []string{"route"}},

		// Ride home.
		{name: "driver_with_phone_passes", check: CheckRideHome, want: Pass, says: []string{"Grace Hopper"}},
		{name: "no_driver_blocks_not_overridable", change: func(f *Facts) { f.Ride = Ride{} }, check: CheckRideHome, want: Block, says: []string{"No driver, no dosing"}},
		{name: "driver_without_phone_blocks", change: func(f *Facts) { f.Ride.DriverPhone = " " }, check: CheckRideHome, want: Block},
		{name: "phone_without_driver_name_blocks", change: func(f *Facts) { f.Ride.DriverName = "" }, check: CheckRideHome, want: Block},
		{name: "driver_phone_of_6_digits_blocks", change: func(f *Facts) { f.Ride.DriverPhone = "555 010" }, check: CheckRideHome, want: Block, says: []string{"7 to 15 digits"}},
		{name: "driver_phone_of_7_digits_passes", change: func(f *Facts) { f.Ride.DriverPhone = "555-0100" }, check: CheckRideHome, want: Pass},
		{name: "driver_phone_with_letters_blocks", change: func(f *Facts) { f.Ride.DriverPhone = "call his mum" }, check: CheckRideHome, want: Block},

		// Contraindications.
		{name: "no_contraindications_pass", check: CheckContraindications, want: Pass},
		{name: "contraindication_blocks_overridable", change: func(f *Facts) { f.Contraindications = []patients.Contraindication{patients.Pregnancy} },
			check: CheckContraindications, want: Block, overridable: true, says: []string{"Pregnancy"}},

		// Weight.
		{name: "recent_weight_passes", check: CheckWeight, want: Pass},
		{name: "weight_at_max_age_passes", change: func(f *Facts) { f.LatestWeightAt = ago(g.WeightMaxAge()) }, check: CheckWeight, want: Pass},
		{name: "stale_weight_blocks", change: func(f *Facts) { f.LatestWeightAt = ago(g.WeightMaxAge() + time.Minute) },
			check: CheckWeight, want: Block, says: []string{"on 26 Oct 2026 at 13:59, more than 30 days ago", "Re-measure"}},
		{name: "missing_weight_blocks", change: func(f *Facts) { f.LatestWeightAt = nil }, check: CheckWeight, want: Block, says: []string{"No weight"}},
		{name: "weight_age_follows_protocol", change: func(f *Facts) { f.LatestWeightAt = ago(8 * 24 * time.Hour) },
			proto: func(p *protocol.Protocol) { p.Gate.WeightMaxAgeDays = 7 }, check: CheckWeight, want: Block, says: []string{"7 days"}},

		// Spravato REMS.
		{name: "spravato_rems_check_absent_on_iv", change: func(f *Facts) { f.REMSPatientID, f.SettingREMSCertified = "", false }, check: CheckREMS, absent: true},
		{name: "spravato_rems_check_absent_on_im", change: func(f *Facts) { f.Route, f.REMSPatientID = protocol.IM, "" }, check: CheckREMS, absent: true},
		{name: "spravato_rems_enrolled_and_certified_passes", change: spravato, check: CheckREMS, want: Pass},
		{name: "spravato_without_rems_enrolment_blocks", change: both(spravato, func(f *Facts) { f.REMSPatientID = " " }),
			check: CheckREMS, want: Block, says: []string{"enrolment id"}},
		{name: "spravato_uncertified_setting_blocks", change: both(spravato, func(f *Facts) { f.SettingREMSCertified = false }),
			check: CheckREMS, want: Block, says: []string{"REMS-certified"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := clearFacts(t)
			if tt.change != nil {
				tt.change(&f)
			}
			p := protocol.Default()
			if tt.proto != nil {
				tt.proto(&p)
			}
			gate := Evaluate(f, p, now)
			c, ok := gate.Check(tt.check)
			if tt.absent {
				if ok {
					t.Fatalf("gate has a %s check (%+v), want none", tt.check, c)
				}
				return
			}
			if !ok {
				t.Fatalf("gate has no %s check", tt.check)
			}
			if c.Status != tt.want || c.Overridable != tt.overridable {
				t.Errorf("got %s (overridable %t): %s; want %s (overridable %t)", c.Status, c.Overridable, c.Reason, tt.want, tt.overridable)
			}
			text := c.Reason + " | " + c.Next
			for _, s := range tt.says {
				if !strings.Contains(text, s) {
					t.Errorf("%q does not say %q", text, s)
				}
			}
			checkWording(t, c)
			if blocked := c.Status == Block; gate.Cleared == blocked {
				t.Errorf("Cleared = %t with this check %s (the rest pass)", gate.Cleared, c.Status)
			}
		})
	}
}

// checkWording checks what every check must tell the nurse.
func checkWording(t *testing.T, c Check) {
	t.Helper()
	if c.Title == "" || c.Reason == "" {
		t.Errorf("check %s has no title or reason: %+v", c.ID, c)
	}
	if c.Status != Pass && c.Next == "" {
		t.Errorf("check %s is %s but says nothing to do", c.ID, c.Status)
	}
	if c.Overridable && (c.Status != Block || c.Evidence == "") {
		t.Errorf("check %s is overridable but %s with evidence %q", c.ID, c.Status, c.Evidence)
	}
}

func TestEvaluateClearVisit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		route protocol.Route
		ids   []CheckID
	}{
		{"iv_has_nine_checks", protocol.IV, CheckIDs[:9]},
		{"im_has_nine_checks", protocol.IM, CheckIDs[:9]},
		{"spravato_adds_rems", protocol.Spravato, CheckIDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := clearFacts(t)
			f.Route = tt.route
			if tt.route == protocol.Spravato {
				f.Fasting.LastLiquid = ago(time.Hour)
			}
			gate := Evaluate(f, protocol.Default(), now)
			var ids []CheckID
			for _, c := range gate.Checks {
				ids = append(ids, c.ID)
				if c.Status != Pass {
					t.Errorf("%s is %s: %s", c.ID, c.Status, c.Reason)
				}
				checkWording(t, c)
			}
			if diff := cmp.Diff(tt.ids, ids); diff != "" {
				t.Errorf("checks mismatch (-want +got):\n%s", diff)
			}
			if !gate.Cleared || gate.CrisisResources != "" {
				t.Errorf("got Cleared %t, crisis text %q; want cleared without crisis text", gate.Cleared, gate.CrisisResources)
			}
		})
	}
}

// TestEvaluateMessages pins the exact words of a few checks: they are read
// by a nurse at the chair.
func TestEvaluateMessages(t *testing.T) {
	t.Parallel()
	f := clearFacts(t)
	f.Vitals[0].Systolic, f.Vitals[0].Diastolic = 162, 95
	f.Fasting.LastSolidFood = ago(4*time.Hour + 10*time.Minute)
	f.Contraindications = []patients.Contraindication{patients.UncontrolledHypertension, patients.Pregnancy, patients.Pregnancy}
	gate := Evaluate(f, protocol.Default(), now)
	var got []Check
	for _, id := range []CheckID{CheckBloodPressure, CheckFasting, CheckContraindications} {
		c, _ := gate.Check(id)
		got = append(got, c)
	}
	want := []Check{
		{
			ID: CheckBloodPressure, Title: "Blood pressure", Status: Block, Overridable: true, Evidence: "reading:r1",
			Reason: "BP 162/95 mmHg (taken 13:50) is at or above the 160/100 mmHg limit (systolic 162 ≥ 160)",
			Next:   "Let the patient rest 5 min and measure again (the gate uses the latest reading); if it stays at or above 160/100 mmHg, ask a prescriber to override with a written reason",
		},
		{
			ID: CheckFasting, Title: "Fasting", Status: Block, Overridable: true,
			Evidence: "food:2026-11-25T09:50:00Z;drink:2026-11-25T11:00:00Z;clear:yes",
			Reason:   "Not fasted long enough: last solid food at 09:50, 4 h 10 min ago; the IV infusion rule is no solid food or non-clear drink for 6 h",
			Next:     "Wait until 15:50, or ask a prescriber to override with a written reason",
		},
		{
			ID: CheckContraindications, Title: "Contraindications", Status: Block, Overridable: true,
			Evidence: "pregnancy,uncontrolled_hypertension",
			Reason:   "On the patient record: Pregnancy; Uncontrolled hypertension",
			Next:     "A prescriber reviews the record and may override with a written reason; dosing waits until then",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if got, want := gate.Summary(), "Not cleared: 3 blocks (blood pressure, fasting, contraindications)"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

func TestEvaluateCrisisResources(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	f := clearFacts(t)
	f.PHQ9 = score(t, PHQ9ID, 0, 0, 0, 0, 0, 0, 0, 0, 1)
	for _, state := range []AlertState{"", AlertNone, AlertOpen, AlertAssessed} {
		f.SafetyAlert = state
		gate := Evaluate(f, p, now)
		if gate.CrisisResources != f.CrisisResources {
			t.Errorf("alert %q: crisis text %q, want the clinic's", state, gate.CrisisResources)
		}
		if cleared := state == AlertAssessed; gate.Cleared != cleared {
			t.Errorf("alert %q: Cleared = %t, want %t", state, gate.Cleared, cleared)
		}
	}
}

func TestOverrides(t *testing.T) {
	t.Parallel()
	high := func(id string, sys int, taken time.Duration) vitals.Reading {
		r := reading(id)
		r.Systolic, r.TakenAt = sys, now.Add(-taken)
		return r
	}
	override := func(check CheckID, evidence string, at time.Duration) Override {
		return Override{Check: check, Evidence: evidence, By: "u-presc", ByName: "Dr Ana Ruiz",
			Reason: "White-coat hypertension, stable at home for months", At: now.Add(-at)}
	}
	tests := []struct {
		name    string
		change  func(*Facts)
		check   CheckID
		cleared bool
		by      string // the applied override's Reason prefix; "" for none
	}{
		{"override_of_current_reading_clears", func(f *Facts) {
			f.Vitals = []vitals.Reading{high("r-high", 165, 10*time.Minute)}
			f.Overrides = []Override{override(CheckBloodPressure, "reading:r-high", time.Minute)}
		}, CheckBloodPressure, true, "White-coat"},
		{"override_of_old_reading_does_not_cover_new_reading", func(f *Facts) {
			f.Vitals = []vitals.Reading{high("r-old", 165, 30*time.Minute), high("r-new", 178, 5*time.Minute)}
			f.Overrides = []Override{override(CheckBloodPressure, "reading:r-old", 20*time.Minute)}
		}, CheckBloodPressure, false, ""},
		{"override_of_another_check_does_not_apply", func(f *Facts) {
			f.Vitals = []vitals.Reading{high("r-high", 165, 10*time.Minute)}
			f.Overrides = []Override{override(CheckSpO2, "reading:r-high", time.Minute)}
		}, CheckBloodPressure, false, ""},
		{"override_with_short_reason_does_not_apply", func(f *Facts) {
			f.Vitals = []vitals.Reading{high("r-high", 165, 10*time.Minute)}
			o := override(CheckBloodPressure, "reading:r-high", time.Minute)
			o.Reason = "ok"
			f.Overrides = []Override{o}
		}, CheckBloodPressure, false, ""},
		{"override_dated_after_now_does_not_apply", func(f *Facts) {
			f.Vitals = []vitals.Reading{high("r-high", 165, 10*time.Minute)}
			f.Overrides = []Override{override(CheckBloodPressure, "reading:r-high", -time.Minute)}
		}, CheckBloodPressure, false, ""},
		{"latest_matching_override_applies", func(f *Facts) {
			f.Vitals = []vitals.Reading{high("r-high", 165, 10*time.Minute)}
			first := override(CheckBloodPressure, "reading:r-high", 5*time.Minute)
			second := override(CheckBloodPressure, "reading:r-high", time.Minute)
			second.Reason = "Second look: repeat was 158/92 on the other arm"
			f.Overrides = []Override{second, first}
		}, CheckBloodPressure, true, "Second look"},
		{"override_of_no_driver_does_not_apply", func(f *Facts) {
			f.Ride = Ride{}
			f.Overrides = []Override{override(CheckRideHome, "", time.Minute)}
		}, CheckRideHome, false, ""},
		{"override_of_missing_bp_does_not_apply", func(f *Facts) {
			f.Vitals[0].Systolic, f.Vitals[0].Diastolic = 0, 0
			f.Overrides = []Override{override(CheckBloodPressure, "reading:r1", time.Minute)}
		}, CheckBloodPressure, false, ""},
		{"contraindication_override_clears", func(f *Facts) {
			f.Contraindications = []patients.Contraindication{patients.UncontrolledHypertension}
			f.Overrides = []Override{override(CheckContraindications, "uncontrolled_hypertension", time.Minute)}
		}, CheckContraindications, true, "White-coat"},
		{"contraindication_override_lapses_when_another_is_added", func(f *Facts) {
			f.Contraindications = []patients.Contraindication{patients.UncontrolledHypertension, patients.Pregnancy}
			f.Overrides = []Override{override(CheckContraindications, "uncontrolled_hypertension", time.Minute)}
		}, CheckContraindications, false, ""},
		{"fasting_override_lapses_when_the_answers_change", func(f *Facts) {
			f.Fasting.LastSolidFood = ago(3 * time.Hour)
			f.Overrides = []Override{override(CheckFasting, "food:2026-11-25T12:00:00Z;drink:2026-11-25T11:00:00Z;clear:yes", time.Minute)}
		}, CheckFasting, false, ""},
		{"fasting_override_of_the_same_answers_clears", func(f *Facts) {
			f.Fasting.LastSolidFood = ago(3 * time.Hour)
			f.Overrides = []Override{override(CheckFasting, "food:2026-11-25T11:00:00Z;drink:2026-11-25T11:00:00Z;clear:yes", time.Minute)}
		}, CheckFasting, true, "White-coat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := clearFacts(t)
			tt.change(&f)
			gate := Evaluate(f, protocol.Default(), now)
			if gate.Cleared != tt.cleared {
				t.Errorf("Cleared = %t, want %t; %s", gate.Cleared, tt.cleared, gate.Summary())
			}
			c, _ := gate.Check(tt.check)
			if c.Status != Block {
				t.Fatalf("%s is %s, want a block", tt.check, c.Status)
			}
			switch {
			case tt.by == "" && c.Override != nil:
				t.Errorf("override %+v applied, want none", c.Override)
			case tt.by != "" && (c.Override == nil || !strings.HasPrefix(c.Override.Reason, tt.by)):
				t.Errorf("override %+v applied, want one whose reason starts %q", c.Override, tt.by)
			}
		})
	}
}

func TestValidateOverride(t *testing.T) {
	t.Parallel()
	f := clearFacts(t)
	f.Vitals[0].Systolic = 170
	f.Ride.DriverPhone = ""
	f.Vitals = append(f.Vitals, vitals.Reading{ID: "r2", TakenAt: now.Add(-5 * time.Minute), HeartRate: 110})
	gate := Evaluate(f, protocol.Default(), now)
	good := Override{Check: CheckBloodPressure, Evidence: "reading:r1", By: "u-presc", ByName: "Dr Ana Ruiz",
		Reason: "Known hypertensive; 20 min rest, asymptomatic", At: now}

	f.Overrides = []Override{good}
	overridden := Evaluate(f, protocol.Default(), now)

	tests := []struct {
		name  string
		gate  Gate
		edit  func(*Override)
		code  ketaflow.Code
		field string
	}{
		{"valid_override_accepted", gate, func(o *Override) {}, "", ""},
		{"reason_of_nine_characters_refused", gate, func(o *Override) { o.Reason = "123456789" }, ketaflow.EInvalid, "reason"},
		{"reason_of_ten_characters_accepted", gate, func(o *Override) { o.Reason = "1234567890" }, "", ""},
		{"blank_reason_refused", gate, func(o *Override) { o.Reason = "     \n     " }, ketaflow.EInvalid, "reason"},
		{"override_without_author_refused", gate, func(o *Override) { o.By = "" }, ketaflow.EInvalid, "by"},
		{"override_without_time_refused", gate, func(o *Override) { o.At = time.Time{} }, ketaflow.EInvalid, "at"},
		{"passing_check_refused", gate, func(o *Override) { o.Check, o.Evidence = CheckSpO2, "reading:r1" }, ketaflow.EInvalid, "check"},
		{"warning_check_refused", gate, func(o *Override) { o.Check, o.Evidence = CheckHeartRate, "reading:r2" }, ketaflow.EInvalid, "check"},
		{"unknown_check_refused", gate, func(o *Override) { o.Check = "mood" }, ketaflow.EInvalid, "check"},
		{"rems_check_absent_on_iv_refused", gate, func(o *Override) { o.Check = CheckREMS }, ketaflow.EInvalid, "check"},
		{"no_driver_cannot_be_overridden", gate, func(o *Override) { o.Check, o.Evidence = CheckRideHome, "" }, ketaflow.EBlocked, "check"},
		{"override_of_changed_evidence_refused", gate, func(o *Override) { o.Evidence = "reading:r0" }, ketaflow.EConflict, ""},
		{"second_override_refused", overridden, func(o *Override) {}, ketaflow.EConflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := good
			tt.edit(&o)
			err := ValidateOverride(tt.gate, o)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			e := ketaflow.AsError(err)
			if err == nil || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %v (field %q), want %s on %q", err, e.Field, tt.code, tt.field)
			}
			if e.Message == "" {
				t.Error("error has no message")
			}
		})
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Minute, "0 min"},
		{59 * time.Second, "0 min"},
		{45 * time.Minute, "45 min"},
		{2 * time.Hour, "2 h"},
		{5*time.Hour + 59*time.Minute + 59*time.Second, "5 h 59 min"},
		{47*time.Hour + 59*time.Minute, "47 h 59 min"},
		{30 * 24 * time.Hour, "30 days"},
		{30*24*time.Hour + time.Minute, "30 days"},
		{31*24*time.Hour + 2*time.Hour, "31 days 2 h"},
	}
	for _, tt := range tests {
		if got := duration(tt.d); got != tt.want {
			t.Errorf("duration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
