package protocol

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
)

// ParamKind is the kind of value a Param holds, which decides the input a
// form shows and how Set parses the text.
type ParamKind string

const (
	Number     ParamKind = "number"      // a decimal number, e.g. "0.5"
	Integer    ParamKind = "integer"     // a whole number, e.g. "40"
	Bool       ParamKind = "bool"        // "yes" or "no" (also true/false, on/off, 1/0)
	NumberList ParamKind = "number_list" // numbers separated by commas, e.g. "10, 50, 100"
	Text       ParamKind = "text"        // free text shown to staff or patients
	// PhaseList is the session's phases: "name minutes" pairs separated by
	// commas, in order, e.g. "onset 5, early 10". A form may show it as text.
	PhaseList ParamKind = "phase_list"
)

// The groups of the parameter table, one per step of the visit, in display
// order.
const (
	GroupFasting     = "Before the visit: fasting"
	GroupGate        = "Pre-session gate"
	GroupDose        = "Dose"
	GroupSession     = "Session and monitoring"
	GroupAlerts      = "Alerts and escalation"
	GroupDischarge   = "Discharge"
	GroupIntegration = "Integration and follow-up"
	GroupSecurity    = "Staff logins"
)

// Groups returns the parameter groups in display order.
func Groups() []string {
	return []string{GroupFasting, GroupGate, GroupDose, GroupSession, GroupAlerts, GroupDischarge, GroupIntegration, GroupSecurity}
}

// Param describes one setting of the protocol, so that a generic admin form
// can show and edit it and Validate can check it, without either knowing the
// Protocol struct.
type Param struct {
	// Key names the setting: the JSON path of its field, joined with dots
	// ("gate.bp_block_systolic", "fasting.iv.solid_food_hours"). Errors from
	// Set and Validate carry it as their Field.
	Key    string
	Group  string // one of Groups()
	Label  string // what a form shows next to the input
	Unit   string // "minutes", "mmHg", "%", "mg/kg", ...; "" when there is none
	Source string // where the default comes from
	Kind   ParamKind
	// Min and Max are the allowed range of a Number or Integer, of each
	// element of a NumberList, of each phase's minutes in a PhaseList, and the
	// allowed length in characters of a Text. Zero for a Bool.
	Min, Max float64
	// Get returns the current value as text, in the form Set accepts.
	Get func(*Protocol) string
	// Set parses text and stores it. It returns an EInvalid error whose Field
	// is Key, naming the allowed range and unit, and leaves p unchanged, when
	// the text is malformed or out of range. Consistency with other settings
	// is Validate's job.
	Set func(p *Protocol, text string) error
}

// Params returns the parameter table in display order, grouped by step.
func Params() []Param { return slices.Clone(paramTable()) }

// LookupParam returns the parameter with the given key.
func LookupParam(key string) (Param, bool) {
	i, ok := paramIndex()[key]
	if !ok {
		return Param{}, false
	}
	return paramTable()[i], true
}

var paramTable = sync.OnceValue(buildParams)

var paramIndex = sync.OnceValue(func() map[string]int {
	m := make(map[string]int)
	for i, prm := range paramTable() {
		m[prm.Key] = i
	}
	return m
})

// Change is one setting that differs between two protocols.
type Change struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Unit  string `json:"unit"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Diff lists the settings whose value differs from a to b, in display order,
// so that a new version can show what it changed.
func Diff(a, b Protocol) []Change {
	var out []Change
	for _, prm := range paramTable() {
		from, to := prm.Get(&a), prm.Get(&b)
		if from != to {
			out = append(out, Change{Key: prm.Key, Label: prm.Label, Unit: prm.Unit, From: from, To: to})
		}
	}
	return out
}

// Apply returns a copy of p with the settings in values (key → text, as a
// form posts them) set and the result validated. Every problem is reported
// at once, and p is never half-changed: on error the zero Protocol is
// returned.
func (p Protocol) Apply(values map[string]string) (Protocol, error) {
	q := p.Clone()
	var probs ketaflow.Problems
	for _, prm := range paramTable() {
		if text, ok := values[prm.Key]; ok {
			if err := prm.Set(&q, text); err != nil {
				probs.Add(prm.Key, "%s", ketaflow.ErrorMessage(err))
			}
		}
	}
	var unknown []string
	for key := range values {
		if _, ok := paramIndex()[key]; !ok {
			unknown = append(unknown, key)
		}
	}
	slices.Sort(unknown)
	for _, key := range unknown {
		probs.Add(clip(key, 60), "%q is not a protocol setting", clip(key, 60))
	}
	if err := probs.Err(); err != nil {
		return Protocol{}, err
	}
	if err := q.Validate(); err != nil {
		return Protocol{}, err
	}
	return q, nil
}

// buildParams writes the table. Keys mirror the JSON of Protocol; a test
// checks that every JSON field has exactly one param.
func buildParams() []Param {
	var b tableBuilder

	b.group = GroupFasting
	for _, r := range Routes {
		label, k := r.Label(), "fasting."+string(r)+"."
		food, liquid, nasal := "patient guide (6-8 h; milk and juice count as food)", "patient guide (clear liquids until 2 h before)", "no rule for this route (0)"
		if r == Spravato {
			food, liquid, nasal = "Spravato label (no food 2 h before)", "Spravato label (no liquid 30 min before)", "Spravato label (at least 1 h before)"
		}
		b.integer(k+"solid_food_hours", label+": no solid food or non-clear liquid for", "hours", food, 0, 24,
			func(p *Protocol) *int { return &p.Fasting.at(r).SolidFoodHours })
		b.integer(k+"clear_liquid_minutes", label+": no clear liquids for", "minutes", liquid, 0, 720,
			func(p *Protocol) *int { return &p.Fasting.at(r).ClearLiquidMinutes })
		b.integer(k+"nasal_medication_minutes", label+": nasal steroid or decongestant at least (0 = no rule)", "minutes before", nasal, 0, 720,
			func(p *Protocol) *int { return &p.Fasting.at(r).NasalMedicationMinutes })
	}

	b.group = GroupGate
	g := func(p *Protocol) *Gate { return &p.Gate }
	b.integer("gate.bp_block_systolic", "Block dosing at or above systolic", "mmHg", "patient guide (below 160/100)", 60, 260,
		func(p *Protocol) *int { return &g(p).BPBlockSystolic })
	b.integer("gate.bp_block_diastolic", "Block dosing at or above diastolic", "mmHg", "patient guide (below 160/100)", 40, 200,
		func(p *Protocol) *int { return &g(p).BPBlockDiastolic })
	b.integer("gate.bp_warn_systolic", "Warn above systolic", "mmHg", "Spravato label (140/90 as a general guide)", 60, 260,
		func(p *Protocol) *int { return &g(p).BPWarnSystolic })
	b.integer("gate.bp_warn_diastolic", "Warn above diastolic", "mmHg", "Spravato label (140/90 as a general guide)", 40, 200,
		func(p *Protocol) *int { return &g(p).BPWarnDiastolic })
	b.integer("gate.bp_repeat_rest_minutes", "Rest before repeating a high blood pressure", "minutes", "common practice", 0, 60,
		func(p *Protocol) *int { return &g(p).BPRepeatRestMinutes })
	b.integer("gate.spo2_block_below", "Block dosing below oxygen saturation", "%", "common practice", 70, 100,
		func(p *Protocol) *int { return &g(p).SpO2BlockBelow })
	b.integer("gate.spo2_warn_below", "Warn below oxygen saturation", "%", "common practice", 70, 100,
		func(p *Protocol) *int { return &g(p).SpO2WarnBelow })
	b.integer("gate.hr_warn_above", "Warn above heart rate", "bpm", "common practice", 30, 250,
		func(p *Protocol) *int { return &g(p).HRWarnAbove })
	b.integer("gate.hr_warn_below", "Warn below heart rate", "bpm", "common practice", 30, 250,
		func(p *Protocol) *int { return &g(p).HRWarnBelow })
	b.integer("gate.weight_max_age_days", "Re-measure weight older than", "days", "common practice", 1, 365,
		func(p *Protocol) *int { return &g(p).WeightMaxAgeDays })
	b.integer("gate.questionnaire_link_hours", "Questionnaire link valid for", "hours", "common practice", 1, 168,
		func(p *Protocol) *int { return &g(p).QuestionnaireLinkHours })
	b.integer("gate.item9_alert_above", "Safety alert when PHQ-9 item 9 is above (0 = any positive answer)", "", "common practice (any positive answer)", 0, 2,
		func(p *Protocol) *int { return &g(p).Item9AlertAbove })
	b.integer("gate.vitals_max_age_minutes", "Gate vitals must be taken within", "minutes", "common practice", 5, 720,
		func(p *Protocol) *int { return &g(p).VitalsMaxAgeMinutes })

	b.group = GroupDose
	iv := func(p *Protocol) *IVDose { return &p.Dose.IV }
	b.number("dose.iv.mg_per_kg_default", "IV infusion: default dose", "mg/kg", "patient guide; common practice (0.5 mg/kg)", 0.05, 2,
		func(p *Protocol) *float64 { return &iv(p).MgPerKgDefault })
	b.number("dose.iv.mg_per_kg_min", "IV infusion: lowest dose", "mg/kg", "common practice", 0.05, 2,
		func(p *Protocol) *float64 { return &iv(p).MgPerKgMin })
	b.number("dose.iv.mg_per_kg_max", "IV infusion: highest dose", "mg/kg", "common practice", 0.05, 2,
		func(p *Protocol) *float64 { return &iv(p).MgPerKgMax })
	b.integer("dose.iv.minutes_default", "IV infusion: default length", "minutes", "patient guide (40-60 min)", 10, 240,
		func(p *Protocol) *int { return &iv(p).MinutesDefault })
	b.integer("dose.iv.minutes_min", "IV infusion: shortest", "minutes", "patient guide (40-60 min)", 10, 240,
		func(p *Protocol) *int { return &iv(p).MinutesMin })
	b.integer("dose.iv.minutes_max", "IV infusion: longest", "minutes", "patient guide (40-60 min)", 10, 240,
		func(p *Protocol) *int { return &iv(p).MinutesMax })
	b.numbers("dose.iv.vial_concentrations_mg_per_ml", "IV infusion: vial strengths stocked", "mg/mL", "ketamine injection strengths", 1, 100,
		func(p *Protocol) *[]float64 { return &iv(p).VialConcentrationsMgPerML })
	b.number("dose.iv.bag_volume_ml", "IV infusion: bag volume", "mL", "common practice", 10, 1000,
		func(p *Protocol) *float64 { return &iv(p).BagVolumeML })
	b.text("dose.iv.bag_fluid", "IV infusion: bag fluid", "patient guide (saline or dextrose)", 1, 100, false,
		func(p *Protocol) *string { return &iv(p).BagFluid })
	b.boolean("dose.iv.withdraw_equal_volume", "IV infusion: withdraw a volume equal to the drug from the bag first", "common practice",
		func(p *Protocol) *bool { return &iv(p).WithdrawEqualVolume })
	b.boolean("dose.single_dose_vials", "Ketamine vials are single-dose: the rest of an opened vial is wasted with a witness",
		"Ketalar label (10, 50 and 100 mg/mL come in multi-dose vials)", func(p *Protocol) *bool { return &p.Dose.SingleDoseVials })
	im := func(p *Protocol) *IMDose { return &p.Dose.IM }
	b.number("dose.im.mg_per_kg_default", "IM injection: default dose", "mg/kg", "common practice (0.5 mg/kg)", 0.05, 2,
		func(p *Protocol) *float64 { return &im(p).MgPerKgDefault })
	b.number("dose.im.mg_per_kg_min", "IM injection: lowest dose", "mg/kg", "common practice", 0.05, 2,
		func(p *Protocol) *float64 { return &im(p).MgPerKgMin })
	b.number("dose.im.mg_per_kg_max", "IM injection: highest dose", "mg/kg", "common practice", 0.05, 2,
		func(p *Protocol) *float64 { return &im(p).MgPerKgMax })
	b.numbers("dose.im.vial_concentrations_mg_per_ml", "IM injection: vial strengths stocked", "mg/mL", "ketamine injection strengths", 1, 100,
		func(p *Protocol) *[]float64 { return &im(p).VialConcentrationsMgPerML })
	b.number("dose.im.site_max_ml.deltoid", "IM injection: largest volume into the deltoid", "mL", "common practice (2 mL)", 0.5, 10,
		func(p *Protocol) *float64 { return &im(p).SiteMaxML.Deltoid })
	b.number("dose.im.site_max_ml.thigh", "IM injection: largest volume into the thigh", "mL", "common practice (5 mL)", 0.5, 10,
		func(p *Protocol) *float64 { return &im(p).SiteMaxML.Thigh })
	b.number("dose.im.site_max_ml.gluteal", "IM injection: largest volume into the gluteal muscle", "mL", "common practice (5 mL)", 0.5, 10,
		func(p *Protocol) *float64 { return &im(p).SiteMaxML.Gluteal })
	sp := func(p *Protocol) *SpravatoDose { return &p.Dose.Spravato }
	b.integers("dose.spravato.doses_mg", "Spravato: doses that may be ordered", "mg", "Spravato label (56 or 84 mg)", 28, 84,
		func(p *Protocol) *[]int { return &sp(p).DosesMg })
	b.integer("dose.spravato.first_dose_mg", "Spravato: dose on day 1 of a course", "mg", "Spravato label (56 mg on day 1)", 28, 84,
		func(p *Protocol) *int { return &sp(p).FirstDoseMg })
	b.boolean("dose.spravato.allow_28mg_from_65", "Spravato: also allow 28 mg for older patients (where the label allows)", "Spravato label (EU label for patients 65 and over; not in the US label)",
		func(p *Protocol) *bool { return &sp(p).Allow28MgFrom65 })
	b.integer("dose.spravato.age_65", "Spravato: age from which 28 mg may be allowed", "years", "Spravato label (65)", 50, 100,
		func(p *Protocol) *int { return &sp(p).Age65 })
	b.integer("dose.spravato.mg_per_device", "Spravato: esketamine per device", "mg", "Spravato label (28 mg)", 1, 84,
		func(p *Protocol) *int { return &sp(p).MgPerDevice })
	b.integer("dose.spravato.device_interval_minutes", "Spravato: wait between devices", "minutes", "Spravato label (5 min)", 1, 30,
		func(p *Protocol) *int { return &sp(p).DeviceIntervalMinutes })
	rd := func(p *Protocol) *Rounding { return &p.Dose.Rounding }
	b.number("dose.rounding.dose_mg", "Round doses to", "mg", "product brief (0.1 mg)", 0.01, 1,
		func(p *Protocol) *float64 { return &rd(p).DoseMg })
	b.number("dose.rounding.volume_ml", "Round volumes to", "mL", "product brief (0.01 mL)", 0.001, 0.1,
		func(p *Protocol) *float64 { return &rd(p).VolumeML })
	b.number("dose.rounding.rate_ml_per_hour", "Round pump rates to", "mL/h", "product brief (0.1 mL/h)", 0.01, 1,
		func(p *Protocol) *float64 { return &rd(p).RateMLPerHour })

	b.group = GroupSession
	s := func(p *Protocol) *Session { return &p.Session }
	b.phases("session.phases", "Phases, in order, with their typical minutes", "minutes", "patient guide (phase table)",
		func(p *Protocol) *[]Phase { return &s(p).Phases })
	for _, r := range Routes {
		src := "patient guide (20-30 min)"
		if r == Spravato {
			src = "patient guide (rest lasts until the discharge minimum; 0)"
		}
		b.integer("session.rest_minutes."+string(r), r.Label()+": monitored rest after the phases", "minutes", src, 0, 240,
			func(p *Protocol) *int { return s(p).RestMinutes.at(r) })
	}
	for _, r := range Routes {
		b.integer("session.chair_minutes."+string(r), r.Label()+": chair booked from the first dose for", "minutes",
			"patient guide (decision table: about 100 min IV/IM, 135 min Spravato)", 30, 720,
			func(p *Protocol) *int { return s(p).ChairMinutes.at(r) })
	}
	b.integer("session.vitals_every_minutes", "Vitals every", "minutes", "common practice", 1, 60,
		func(p *Protocol) *int { return &s(p).VitalsEveryMinutes })
	b.integer("session.vitals_at_minutes", "Extra vitals check after the first dose at", "minutes", "Spravato label; REMS form (about 40 min)", 1, 240,
		func(p *Protocol) *int { return &s(p).VitalsAtMinutes })
	b.integer("session.vitals_overdue_grace_minutes", "Flag a vitals check overdue after", "minutes", "common practice", 0, 30,
		func(p *Protocol) *int { return &s(p).VitalsOverdueGraceMinutes })
	b.integer("session.sustained_systolic_above", "Alert on two readings in a row above systolic", "mmHg", "common practice", 60, 260,
		func(p *Protocol) *int { return &s(p).SustainedSystolicAbove })
	b.integer("session.sustained_diastolic_above", "Alert on two readings in a row above diastolic", "mmHg", "common practice", 40, 200,
		func(p *Protocol) *int { return &s(p).SustainedDiastolicAbove })
	b.integer("session.sustained_minutes_apart", "The two readings at least", "minutes apart", "common practice", 1, 60,
		func(p *Protocol) *int { return &s(p).SustainedMinutesApart })
	b.integer("session.single_systolic_above", "Alert on one reading above systolic", "mmHg", "common practice", 60, 260,
		func(p *Protocol) *int { return &s(p).SingleSystolicAbove })
	b.integer("session.single_diastolic_above", "Alert on one reading above diastolic", "mmHg", "common practice", 40, 200,
		func(p *Protocol) *int { return &s(p).SingleDiastolicAbove })
	b.integer("session.hr_above", "Alert on heart rate above", "bpm", "common practice", 30, 250,
		func(p *Protocol) *int { return &s(p).HRAbove })
	b.integer("session.hr_sustained_minutes", "Heart rate alert once high for", "minutes", "common practice", 1, 60,
		func(p *Protocol) *int { return &s(p).HRSustainedMinutes })
	b.integer("session.spo2_below", "Alert on oxygen saturation below", "%", "common practice", 70, 100,
		func(p *Protocol) *int { return &s(p).SpO2Below })
	b.integer("session.device_spo2_seconds", "Alert on a bedside monitor's oxygen saturation once below the limit for", "seconds",
		"common practice (pulse-oximeter alarm delay of 10-15 s: a moved finger probe does not alarm)", 5, 120,
		func(p *Protocol) *int { return &s(p).DeviceSpO2Seconds })
	b.integer("session.device_gap_seconds", "A monitor silent for longer than this breaks a low oxygen run", "seconds",
		"ketaflow (monitors send every few seconds)", 10, 600, func(p *Protocol) *int { return &s(p).DeviceGapSeconds })
	b.integer("session.late_entry_minutes", "Entries timed more than this before they are entered need a reason (charted late)", "minutes",
		"common practice (contemporaneous charting)", 1, 120, func(p *Protocol) *int { return &s(p).LateEntryMinutes })

	b.group = GroupAlerts
	al := func(p *Protocol) *Alerts { return &p.Alerts }
	b.integer("alerts.escalate_flag_minutes", "Escalate a flag (one high blood pressure) not acknowledged within", "minutes",
		"common practice (time to repeat the reading)", 1, 120, func(p *Protocol) *int { return &al(p).EscalateFlagMinutes })
	b.integer("alerts.escalate_urgent_minutes", "Escalate an urgent alert (heart rate, oxygen, PHQ-9 item 9) not acknowledged within", "minutes",
		"common practice", 1, 60, func(p *Protocol) *int { return &al(p).EscalateUrgentMinutes })
	b.integer("alerts.escalate_severe_minutes", "Escalate a severe alert (blood pressure above the limits) not acknowledged within", "minutes",
		"common practice", 1, 60, func(p *Protocol) *int { return &al(p).EscalateSevereMinutes })

	b.group = GroupDischarge
	d := func(p *Protocol) *Discharge { return &p.Discharge }
	for _, r := range Routes {
		src, low := "patient guide (90 min)", 30.0
		if r == Spravato {
			// The REMS requires at least 2 hours; a clinic may only lengthen it.
			src, low = "Spravato REMS (at least 2 hours)", 120
		}
		b.integerRange("discharge.min_minutes."+string(r), r.Label()+": earliest discharge after the first dose", "minutes", src, low, 720,
			func(p *Protocol) *int { return d(p).MinMinutes.at(r) })
	}
	b.integer("discharge.systolic_below", "Systolic must be below", "mmHg", "common practice (160)", 60, 260,
		func(p *Protocol) *int { return &d(p).SystolicBelow })
	b.integer("discharge.diastolic_below", "Diastolic must be below", "mmHg", "common practice (100)", 40, 200,
		func(p *Protocol) *int { return &d(p).DiastolicBelow })
	b.integer("discharge.spo2_at_least", "Oxygen saturation at least", "%", "common practice (94%)", 70, 100,
		func(p *Protocol) *int { return &d(p).SpO2AtLeast })
	b.integer("discharge.moaas_required", "MOAA/S sedation score required (5 = alert)", "", "common practice (5)", 4, 5,
		func(p *Protocol) *int { return &d(p).MOAASRequired })
	b.integer("discharge.aldrete_at_least", "Modified Aldrete score at least", "points", "common practice (9 of 10)", 7, 10,
		func(p *Protocol) *int { return &d(p).AldreteAtLeast })
	b.integer("discharge.rems_form_due_days", "Spravato: REMS monitoring form due within", "days", "Spravato REMS (7 days)", 1, 7,
		func(p *Protocol) *int { return &d(p).REMSFormDueDays })

	b.group = GroupIntegration
	in := func(p *Protocol) *Integration { return &p.Integration }
	b.integer("integration.window_hours", "Integration session within", "hours", "patient guide (the 48-hour \"golden window\")", 1, 168,
		func(p *Protocol) *int { return &in(p).WindowHours })
	b.integer("integration.morning_check_in_hour", "Morning-after check-in sent at (clinic time)", "o'clock", "common practice (9 am)", 0, 23,
		func(p *Protocol) *int { return &in(p).MorningCheckInHour })
	for _, r := range Routes {
		src := "patient guide (6 sessions over 2-3 weeks)"
		if r == Spravato {
			src = "Spravato label (induction: twice weekly, weeks 1-4)"
		}
		b.integer("integration.course_sessions."+string(r), r.Label()+": sessions in a course", "sessions", src, 1, 52,
			func(p *Protocol) *int { return in(p).CourseSessions.at(r) })
	}
	b.integer("integration.response_drop_percent", "Response: PHQ-9 drop from baseline of at least", "%", "common practice (50%)", 1, 100,
		func(p *Protocol) *int { return &in(p).ResponseDropPercent })
	b.integer("integration.remission_phq9_below", "Remission: PHQ-9 total below", "", "common practice (5)", 1, 27,
		func(p *Protocol) *int { return &in(p).RemissionPHQ9Below })
	b.integer("integration.relapse_phq9_at_least", "Relapse after remission: PHQ-9 total back at", "points", "common practice (10, the PHQ-9's moderate band)", 1, 27,
		func(p *Protocol) *int { return &in(p).RelapsePHQ9AtLeast })
	b.integer("integration.at_risk_hours", "Integration session at risk with less than", "hours left", "common practice (12 h: half a day to fit the patient in)", 1, 72,
		func(p *Protocol) *int { return &in(p).AtRiskHours })
	b.integer("integration.session_minutes", "Integration session length", "minutes", "common practice (the 50-minute therapy hour)", 15, 180,
		func(p *Protocol) *int { return &in(p).SessionMinutes })
	b.integer("integration.calendar_from_hour", "Therapist's calendar offers slots from (clinic time)", "o'clock", "common practice (8 am)", 0, 23,
		func(p *Protocol) *int { return &in(p).CalendarFromHour })
	b.integer("integration.calendar_to_hour", "Therapist's calendar offers slots until (clinic time)", "o'clock", "common practice (8 pm)", 1, 24,
		func(p *Protocol) *int { return &in(p).CalendarToHour })
	b.integer("integration.missed_shown_days", "Missed integration sessions stay listed for", "days", "common practice (14 days)", 1, 90,
		func(p *Protocol) *int { return &in(p).MissedShownDays })
	b.integer("integration.check_in_low_mood_at_or_below", "Morning-after check-in: alert the care team at a mood (0-10) at or below", "of 10",
		"common practice (3 of 10: a low mood the morning after warrants a call)", 0, 9,
		func(p *Protocol) *int { return &in(p).CheckInLowMood })
	b.integer("integration.check_in_link_hours", "Morning-after check-in link valid for", "hours", "common practice (as the questionnaire link)", 1, 72,
		func(p *Protocol) *int { return &in(p).CheckInLinkHours })
	b.integer("integration.reminder_hours_before", "Visit reminder emailed before the visit", "hours", "common practice (the day before)", 1, 168,
		func(p *Protocol) *int { return &in(p).ReminderHoursBefore })

	b.group = GroupSecurity
	b.integer("security.idle_timeout_minutes", "Log staff out after inactivity of", "minutes", "common practice; HIPAA automatic logoff", 1, 60,
		func(p *Protocol) *int { return &p.Security.IdleTimeoutMinutes })
	b.integer("security.session_max_hours", "Log staff out after a login of", "hours", "common practice (one clinic day)", 1, 24,
		func(p *Protocol) *int { return &p.Security.LoginMaxHours })
	b.integer("security.idempotency_key_hours", "Answer a retried request (same Idempotency-Key) from its first answer for", "hours",
		"draft-ietf-httpapi-idempotency-key-header (expiry left to the server); common practice (24 h)", 1, 168,
		func(p *Protocol) *int { return &p.Security.IdempotencyKeyHours })
	b.integer("security.api_token_days", "End a new API token after", "days", "practice; OWASP ASVS 4.0 3.5 (tokens expire)", 1, 365,
		func(p *Protocol) *int { return &p.Security.APITokenDays })
	b.boolean("security.two_factor_admins", "Clinic admins sign in with a code from an authenticator app",
		"NIST SP 800-63B (AAL2: two factors for access to health records); OWASP ASVS 4.0 V2 (level 2)",
		func(p *Protocol) *bool { return &p.Security.TwoFactorAdmins })
	b.boolean("security.two_factor_prescribers", "Prescribers sign in with a code from an authenticator app",
		"DEA 21 CFR 1311.115 (two-factor for who signs Schedule III orders: ketamine, esketamine)",
		func(p *Protocol) *bool { return &p.Security.TwoFactorPrescribers })
	b.boolean("security.two_factor_other_staff", "Nurses, therapists and front desk sign in with a code from an authenticator app",
		"practice (off: bedside computers are shared between chairs); HHS HIPAA Security Rule proposal of 2025 (MFA for all)",
		func(p *Protocol) *bool { return &p.Security.TwoFactorOtherStaff })
	b.integer("security.break_glass_minutes", "Break-glass access to a record outside one's role lasts", "minutes",
		"practice (one hour: an urgent consultation); HIPAA 45 CFR 164.312(a)(2)(ii) emergency access procedure", 5, 240,
		func(p *Protocol) *int { return &p.Security.BreakGlassMinutes })

	return b.params
}

// tableBuilder appends params of one group at a time.
type tableBuilder struct {
	group  string
	params []Param
}

func (b *tableBuilder) add(prm Param) {
	prm.Group = b.group
	b.params = append(b.params, prm)
}

var (
	intPattern   = regexp.MustCompile(`^[+-]?[0-9]{1,9}$`)
	floatPattern = regexp.MustCompile(`^[+-]?([0-9]{1,9}(\.[0-9]{0,9})?|\.[0-9]{1,9})$`)
)

func (b *tableBuilder) integer(key, label, unit, source string, min, max int, field func(*Protocol) *int) {
	b.integerRange(key, label, unit, source, float64(min), float64(max), field)
}

func (b *tableBuilder) integerRange(key, label, unit, source string, min, max float64, field func(*Protocol) *int) {
	want := fmt.Sprintf("must be a whole number from %s to %s%s", num(min), num(max), unitSuffix(unit))
	b.add(Param{
		Key: key, Label: label, Unit: unit, Source: source, Kind: Integer, Min: min, Max: max,
		Get: func(p *Protocol) string { return strconv.Itoa(*field(p)) },
		Set: func(p *Protocol, text string) error {
			v, ok := parseInt(text, min, max)
			if !ok {
				return ketaflow.Invalid(key, "%s, not %s", want, quote(text))
			}
			*field(p) = v
			return nil
		},
	})
}

func (b *tableBuilder) number(key, label, unit, source string, min, max float64, field func(*Protocol) *float64) {
	want := fmt.Sprintf("must be a number from %s to %s%s", num(min), num(max), unitSuffix(unit))
	b.add(Param{
		Key: key, Label: label, Unit: unit, Source: source, Kind: Number, Min: min, Max: max,
		Get: func(p *Protocol) string { return num(*field(p)) },
		Set: func(p *Protocol, text string) error {
			v, ok := parseFloat(text, min, max)
			if !ok {
				return ketaflow.Invalid(key, "%s, not %s", want, quote(text))
			}
			*field(p) = v
			return nil
		},
	})
}

func (b *tableBuilder) boolean(key, label, source string, field func(*Protocol) *bool) {
	b.add(Param{
		Key: key, Label: label, Source: source, Kind: Bool,
		Get: func(p *Protocol) string {
			if *field(p) {
				return "yes"
			}
			return "no"
		},
		Set: func(p *Protocol, text string) error {
			switch strings.ToLower(strings.TrimSpace(text)) {
			case "yes", "true", "on", "1", "y":
				*field(p) = true
			case "no", "false", "off", "0", "n", "":
				// An unchecked HTML checkbox posts nothing, so empty is "no".
				*field(p) = false
			default:
				return ketaflow.Invalid(key, "must be yes or no, not %s", quote(text))
			}
			return nil
		},
	})
}

// numbers is a NumberList of decimals, stored sorted and without repeats.
func (b *tableBuilder) numbers(key, label, unit, source string, min, max float64, field func(*Protocol) *[]float64) {
	want := fmt.Sprintf("must list numbers from %s to %s%s, separated by commas", num(min), num(max), unitSuffix(unit))
	b.add(Param{
		Key: key, Label: label, Unit: unit, Source: source, Kind: NumberList, Min: min, Max: max,
		Get: func(p *Protocol) string { return joinList(*field(p), num) },
		Set: func(p *Protocol, text string) error {
			vs, err := parseList(key, text, want, unit, func(s string) (float64, bool) { return parseFloat(s, min, max) }, num)
			if err != nil {
				return err
			}
			*field(p) = vs
			return nil
		},
	})
}

// integers is a NumberList of whole numbers, stored sorted and without
// repeats.
func (b *tableBuilder) integers(key, label, unit, source string, min, max int, field func(*Protocol) *[]int) {
	lo, hi := float64(min), float64(max)
	want := fmt.Sprintf("must list whole numbers from %d to %d%s, separated by commas", min, max, unitSuffix(unit))
	b.add(Param{
		Key: key, Label: label, Unit: unit, Source: source, Kind: NumberList, Min: lo, Max: hi,
		Get: func(p *Protocol) string { return joinList(*field(p), strconv.Itoa) },
		Set: func(p *Protocol, text string) error {
			vs, err := parseList(key, text, want, unit, func(s string) (int, bool) { return parseInt(s, lo, hi) }, strconv.Itoa)
			if err != nil {
				return err
			}
			*field(p) = vs
			return nil
		},
	})
}

// placeholder is a bracketed gap left for the clinic to fill ("[Clinic:
// add your number here]"): a protocol text that holds one is refused, so
// that none reaches a person.
var placeholder = regexp.MustCompile(`\[[^\[\]]*\]`)

func (b *tableBuilder) text(key, label, source string, minLen, maxLen int, multiline bool, field func(*Protocol) *string) {
	b.add(Param{
		Key: key, Label: label, Source: source, Kind: Text, Min: float64(minLen), Max: float64(maxLen),
		Get: func(p *Protocol) string { return *field(p) },
		Set: func(p *Protocol, text string) error {
			v := strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
			if !utf8.ValidString(v) {
				return ketaflow.Invalid(key, "must be plain text (UTF-8)")
			}
			for _, c := range v {
				lineBreak := c == '\n' || c == '\t'
				switch {
				case lineBreak && !multiline:
					return ketaflow.Invalid(key, "must be one line of text")
				case unicode.IsControl(c) && !lineBreak:
					return ketaflow.Invalid(key, "must not contain control characters")
				}
			}
			if n := utf8.RuneCountInString(v); n < minLen || n > maxLen {
				return ketaflow.Invalid(key, "must be %d to %d characters long, not %d", minLen, maxLen, n)
			}
			if ph := placeholder.FindString(v); ph != "" {
				return ketaflow.Invalid(key, "must not hold a placeholder such as %s: write the text as staff and patients should read it", ph)
			}
			*field(p) = v
			return nil
		},
	})
}

// Phase list limits: what a clinic might plausibly describe.
const (
	maxPhases        = 12
	maxPhaseMinutes  = 240
	maxPhaseNameLen  = 40
	maxPhasesMinutes = 720
)

var phaseName = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} '-]*$`)

func (b *tableBuilder) phases(key, label, unit, source string, field func(*Protocol) *[]Phase) {
	form := fmt.Sprintf(`must list 1 to %d phases in order as "name minutes", separated by commas, e.g. "onset 5, peak 15"`, maxPhases)
	b.add(Param{
		Key: key, Label: label, Unit: unit, Source: source, Kind: PhaseList, Min: 1, Max: maxPhaseMinutes,
		Get: func(p *Protocol) string {
			parts := make([]string, len(*field(p)))
			for i, ph := range *field(p) {
				parts[i] = ph.Name + " " + strconv.Itoa(ph.Minutes)
			}
			return strings.Join(parts, ", ")
		},
		Set: func(p *Protocol, text string) error {
			items := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' })
			var out []Phase
			seen := map[string]bool{}
			total := 0
			for _, item := range items {
				item = strings.TrimSpace(item)
				if item == "" {
					continue
				}
				if len(out) == maxPhases {
					return ketaflow.Invalid(key, "%s; there are more than %d", form, maxPhases)
				}
				words := strings.Fields(strings.NewReplacer(":", " ", "=", " ").Replace(item))
				if len(words) < 2 {
					return ketaflow.Invalid(key, "%s; %s has no minutes", form, quote(item))
				}
				name := strings.Join(words[:len(words)-1], " ")
				mins, ok := parseInt(words[len(words)-1], 1, maxPhaseMinutes)
				if !ok {
					return ketaflow.Invalid(key, "each phase must last a whole number from 1 to %d minutes; %s does not", maxPhaseMinutes, quote(item))
				}
				if utf8.RuneCountInString(name) > maxPhaseNameLen || !phaseName.MatchString(name) {
					return ketaflow.Invalid(key, "phase name %s must be 1 to %d letters, digits, spaces or hyphens", quote(name), maxPhaseNameLen)
				}
				if seen[strings.ToLower(name)] {
					return ketaflow.Invalid(key, "phase %s appears twice; each phase needs its own name", quote(name))
				}
				seen[strings.ToLower(name)] = true
				total += mins
				out = append(out, Phase{Name: name, Minutes: mins})
			}
			if len(out) == 0 {
				return ketaflow.Invalid(key, "%s", form)
			}
			if total > maxPhasesMinutes {
				return ketaflow.Invalid(key, "phases must add up to at most %d minutes, not %d", maxPhasesMinutes, total)
			}
			*field(p) = out
			return nil
		},
	})
}

// parseInt reads a whole number in [min, max].
func parseInt(text string, min, max float64) (int, bool) {
	s := strings.TrimSpace(text)
	if !intPattern.MatchString(s) {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || float64(v) < min || float64(v) > max {
		return 0, false
	}
	return v, true
}

// parseFloat reads a plain decimal (no exponent, hex, Inf or NaN) in
// [min, max].
func parseFloat(text string, min, max float64) (float64, bool) {
	s := strings.TrimSpace(text)
	if !floatPattern.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < min || v > max {
		return 0, false
	}
	return v, true
}

// parseList reads a comma-separated list, refusing an empty list and
// repeats, and returns it sorted.
func parseList[T int | float64](key, text, want, unit string, parse func(string) (T, bool), format func(T) string) ([]T, error) {
	var out []T
	for _, item := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		v, ok := parse(item)
		if !ok {
			return nil, ketaflow.Invalid(key, "%s; %s is not allowed", want, quote(item))
		}
		if slices.Contains(out, v) {
			return nil, ketaflow.Invalid(key, "lists %s%s twice; give each value once", format(v), unitSuffix(unit))
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, ketaflow.Invalid(key, "%s; give at least one", want)
	}
	slices.Sort(out)
	return out, nil
}

func joinList[T any](vs []T, format func(T) string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = format(v)
	}
	return strings.Join(parts, ", ")
}

// num formats a number the shortest way that reads back exactly.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// unitSuffix puts a unit after a number: "%" joins it, a word is spaced.
func unitSuffix(unit string) string {
	switch {
	case unit == "":
		return ""
	case unit == "%":
		return "%"
	}
	return " " + unit
}

// quote shows a user's text in a message, shortened and quoted.
func quote(text string) string {
	s := strings.TrimSpace(text)
	if s == "" {
		return "empty"
	}
	return strconv.Quote(clip(s, 30))
}

// RoundTo rounds v to the nearest multiple of step, halves away from zero,
// and removes the binary noise of the multiplication so that 0.64 stays
// 0.64. A step of zero or less returns v unchanged.
func RoundTo(v, step float64) float64 {
	if step <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	x := v / step
	n := math.Round(x)
	// v/step of a value exactly half-way (150.95 / 0.1) may land a hair below
	// the half; treat anything that close as the half.
	if frac := math.Abs(x - math.Trunc(x)); math.Abs(frac-0.5) < 1e-9 {
		n = math.Trunc(x) + math.Copysign(1, x)
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(n*step, 'f', Places(step), 64), 64)
	if err != nil {
		return n * step
	}
	return r
}

// Places is the number of decimal places a figure rounded to step should be
// shown with: 1 for 0.1, 2 for 0.01 or 0.25, 0 for 1.
func Places(step float64) int {
	s := strconv.FormatFloat(step, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
