// Package protocol holds every clinical rule of a visit in one place: the
// fasting rules sent before the visit, the pre-session gate's limits, the dose
// limits, the session's phases and alerts, the discharge criteria and the
// follow-up windows.
//
// Every number is a default that a clinic may change. A clinic's rules are a
// Protocol value; each change makes a new Version, and each visit records the
// version it ran under. Other packages read their limits from a Protocol (and
// use its helper methods for the direction of each comparison) instead of
// writing numbers of their own, so that "blood pressure must be below
// 160/100" lives here and nowhere else.
//
// Sources named in comments: "guide" is the patient guide "What Is Ketamine
// Therapy For Depression?"; "label" is the Spravato prescribing information;
// "REMS" is the Spravato REMS programme; "practice" is common clinical
// practice or consensus.
//
// The package is plain data and validation: no HTTP, no SQL, no clock.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
)

// Protocol is a clinic's complete set of clinical rules, grouped by the steps
// of a visit. Build one with Default and check changes with Validate.
type Protocol struct {
	// Fasting is what the patient is told before the visit, per route, and what
	// the gate checks their stated last food and drink against.
	Fasting ByRoute[Fasting] `json:"fasting"`
	// Gate is the pre-session gate: vitals, questionnaires, weight.
	Gate Gate `json:"gate"`
	// Dose is what may be ordered per route and how figures are rounded.
	Dose Dose `json:"dose"`
	// Session is the timeline from the first dose, the vitals schedule and
	// the in-session alerts.
	Session Session `json:"session"`
	// Alerts is how long an alert may wait for someone to acknowledge it.
	Alerts Alerts `json:"alerts"`
	// Discharge is what must hold before the patient leaves.
	Discharge Discharge `json:"discharge"`
	// Integration is the follow-up after a session and the course targets.
	Integration Integration `json:"integration"`
	// Security is the staff login session limits.
	Security Security `json:"security"`
}

// Fasting is one route's fasting rule. A liquid that is not clear (milk,
// juice, anything with pulp or fat) counts as food: the gate measures it
// against SolidFoodHours, not ClearLiquidMinutes [guide].
type Fasting struct {
	// SolidFoodHours: hours without solid food (or non-clear liquid) before
	// dosing. IV/IM 6 h [guide: 6-8 h]; Spravato 2 h [label].
	SolidFoodHours int `json:"solid_food_hours"`
	// ClearLiquidMinutes: minutes without clear liquids (water, black coffee,
	// tea) before dosing. IV/IM 120 min [guide]; Spravato 30 min [label: no
	// liquid 30 min before].
	ClearLiquidMinutes int `json:"clear_liquid_minutes"`
	// NasalMedicationMinutes: minutes that a nasal corticosteroid or
	// decongestant must precede dosing; 0 means no rule. Spravato 60 min
	// [label: at least 1 h before]; IV/IM 0.
	NasalMedicationMinutes int `json:"nasal_medication_minutes"`
}

// SolidFood is SolidFoodHours as a duration.
func (f Fasting) SolidFood() time.Duration { return hours(f.SolidFoodHours) }

// ClearLiquid is ClearLiquidMinutes as a duration.
func (f Fasting) ClearLiquid() time.Duration { return minutes(f.ClearLiquidMinutes) }

// NasalMedication is NasalMedicationMinutes as a duration; 0 means no rule.
func (f Fasting) NasalMedication() time.Duration { return minutes(f.NasalMedicationMinutes) }

// EarliestDose is the first moment the fasting rule allows dosing, given the
// patient's last solid food (or non-clear liquid) and last clear liquid. A
// zero time means "none taken" and sets no limit.
func (f Fasting) EarliestDose(lastFood, lastClearLiquid time.Time) time.Time {
	var t time.Time
	if !lastFood.IsZero() {
		t = lastFood.Add(f.SolidFood())
	}
	if !lastClearLiquid.IsZero() {
		if c := lastClearLiquid.Add(f.ClearLiquid()); c.After(t) {
			t = c
		}
	}
	return t
}

// Gate holds the limits of the pre-session gate, which decides whether dosing
// may start. Each check passes, warns (dosing may go on) or blocks (dosing
// waits for a prescriber's written override).
type Gate struct {
	// BPBlockSystolic: mmHg; a systolic reading at or above it blocks dosing.
	// 160 [guide: "typically below 160/100, though criteria vary by clinic"].
	BPBlockSystolic int `json:"bp_block_systolic"`
	// BPBlockDiastolic: mmHg; a diastolic reading at or above it blocks dosing.
	// 100 [guide].
	BPBlockDiastolic int `json:"bp_block_diastolic"`
	// BPWarnSystolic: mmHg; a systolic reading above it warns. 140 [label: "as a
	// general guide", consider delaying above 140/90].
	BPWarnSystolic int `json:"bp_warn_systolic"`
	// BPWarnDiastolic: mmHg; a diastolic reading above it warns. 90 [label].
	BPWarnDiastolic int `json:"bp_warn_diastolic"`
	// BPRepeatRestMinutes: minutes of rest before a high reading is repeated;
	// the gate uses the latest reading. 5 [practice].
	BPRepeatRestMinutes int `json:"bp_repeat_rest_minutes"`
	// SpO2BlockBelow: % oxygen saturation; a reading below it blocks. 92
	// [practice; product brief].
	SpO2BlockBelow int `json:"spo2_block_below"`
	// SpO2WarnBelow: %; a reading below it warns. 95 [practice; product brief].
	SpO2WarnBelow int `json:"spo2_warn_below"`
	// HRWarnAbove: beats per minute; a heart rate above it warns. 100 [practice].
	HRWarnAbove int `json:"hr_warn_above"`
	// HRWarnBelow: beats per minute; a heart rate below it warns. 50 [practice].
	HRWarnBelow int `json:"hr_warn_below"`
	// WeightMaxAgeDays: days; a weight older than this must be re-measured
	// before a mg/kg dose is computed. 30 [practice]. The one place this rule
	// lives: dosing reads it from here.
	WeightMaxAgeDays int `json:"weight_max_age_days"`
	// QuestionnaireLinkHours: hours a PHQ-9/GAD-7 link sent before the visit
	// stays valid. 24 [practice].
	QuestionnaireLinkHours int `json:"questionnaire_link_hours"`
	// Item9AlertAbove: PHQ-9 item 9 (thoughts of death or self-harm, scored
	// 0-3) above this raises a safety alert to the prescriber at once and
	// blocks dosing until a risk assessment is recorded. 0, so any positive
	// answer alerts [practice; product brief].
	Item9AlertAbove int `json:"item9_alert_above"`
	// (The crisis resources shown with an item 9 alert are not protocol
	// text: they are built from the clinic's contacts, ketaflow.Contacts,
	// so that the numbers live in one place and no placeholder reaches a
	// person. Versions saved before keep the old texts in their stored
	// document, unread.)
	// VitalsMaxAgeMinutes: minutes; gate vitals older than this do not count
	// and must be taken again. 120 [practice].
	VitalsMaxAgeMinutes int `json:"vitals_max_age_minutes"`
}

// BPBlocks reports whether a reading blocks dosing: systolic or diastolic at
// or above the block limit.
func (g Gate) BPBlocks(systolic, diastolic int) bool {
	return systolic >= g.BPBlockSystolic || diastolic >= g.BPBlockDiastolic
}

// BPWarns reports whether a reading is above the warning limit. Check
// BPBlocks first: a blocking reading also warns.
func (g Gate) BPWarns(systolic, diastolic int) bool {
	return systolic > g.BPWarnSystolic || diastolic > g.BPWarnDiastolic
}

// SpO2Blocks reports whether an oxygen saturation (%) blocks dosing.
func (g Gate) SpO2Blocks(percent int) bool { return percent < g.SpO2BlockBelow }

// SpO2Warns reports whether an oxygen saturation (%) warns. Check SpO2Blocks
// first.
func (g Gate) SpO2Warns(percent int) bool { return percent < g.SpO2WarnBelow }

// HRWarns reports whether a heart rate (bpm) is outside the warning band.
func (g Gate) HRWarns(bpm int) bool { return bpm > g.HRWarnAbove || bpm < g.HRWarnBelow }

// Item9Alerts reports whether a PHQ-9 item 9 score raises the safety alert.
func (g Gate) Item9Alerts(score int) bool { return score > g.Item9AlertAbove }

// WeightMaxAge is WeightMaxAgeDays as a duration (days of 24 hours).
func (g Gate) WeightMaxAge() time.Duration { return days(g.WeightMaxAgeDays) }

// VitalsMaxAge is VitalsMaxAgeMinutes as a duration.
func (g Gate) VitalsMaxAge() time.Duration { return minutes(g.VitalsMaxAgeMinutes) }

// BPRepeatRest is BPRepeatRestMinutes as a duration.
func (g Gate) BPRepeatRest() time.Duration { return minutes(g.BPRepeatRestMinutes) }

// QuestionnaireLink is QuestionnaireLinkHours as a duration.
func (g Gate) QuestionnaireLink() time.Duration { return hours(g.QuestionnaireLinkHours) }

// Dose holds the limits within which a dose may be ordered, per route, and
// how figures are rounded.
type Dose struct {
	IV       IVDose       `json:"iv"`
	IM       IMDose       `json:"im"`
	Spravato SpravatoDose `json:"spravato"`
	Rounding Rounding     `json:"rounding"`
	// SingleDoseVials: when true, the clinic's ketamine vials are single-dose:
	// a dose draws whole vials from the ledger and the rest of an opened vial
	// is wasted with a witness. false [Ketalar label: 10, 50 and 100 mg/mL
	// come in multi-dose vials].
	SingleDoseVials bool `json:"single_dose_vials"`
}

// IVDose is the IV infusion's dose rule: mg/kg × weight, diluted in a bag and
// run by pump. Worked example [product brief]: 64 kg at 0.5 mg/kg = 32.0 mg;
// from 50 mg/mL draw 0.64 mL; into 100 mL gives 100.64 mL; over 40 min =
// 151.0 mL/h.
type IVDose struct {
	// MgPerKgDefault: mg/kg offered when ordering. 0.5 [guide; practice].
	MgPerKgDefault float64 `json:"mg_per_kg_default"`
	// MgPerKgMin: mg/kg; lower orders are refused. 0.1 [practice].
	MgPerKgMin float64 `json:"mg_per_kg_min"`
	// MgPerKgMax: mg/kg; higher orders are refused. 1.0 [practice].
	MgPerKgMax float64 `json:"mg_per_kg_max"`
	// MinutesDefault: infusion length in minutes offered when ordering. 40
	// [guide: 40-60 min].
	MinutesDefault int `json:"minutes_default"`
	// MinutesMin: minutes; a shorter infusion is refused. 40 [guide].
	MinutesMin int `json:"minutes_min"`
	// MinutesMax: minutes; a longer infusion is refused. 60 [guide].
	MinutesMax int `json:"minutes_max"`
	// VialConcentrationsMgPerML: mg/mL of the vials stocked; the volume to
	// draw is computed from the one chosen. 10, 50, 100 [ketamine
	// hydrochloride injection strengths].
	VialConcentrationsMgPerML []float64 `json:"vial_concentrations_mg_per_ml"`
	// BagVolumeML: mL of fluid in the infusion bag. 100 [practice].
	BagVolumeML float64 `json:"bag_volume_ml"`
	// BagFluid: the diluent, printed on the preparation sheet. "0.9% sodium
	// chloride" [guide: saline or dextrose].
	BagFluid string `json:"bag_fluid"`
	// WithdrawEqualVolume: when true, a volume equal to the drug is first
	// withdrawn from the bag, so the bag total stays BagVolumeML; when false
	// the total is bag + drug. false [practice].
	WithdrawEqualVolume bool `json:"withdraw_equal_volume"`
}

// Minutes returns the infusion length limits as durations.
func (d IVDose) Minutes() (def, min, max time.Duration) {
	return minutes(d.MinutesDefault), minutes(d.MinutesMin), minutes(d.MinutesMax)
}

// IMDose is the IM injection's dose rule: mg/kg × weight, drawn from a vial
// and given as one injection.
type IMDose struct {
	// MgPerKgDefault: mg/kg offered when ordering. 0.5 [practice].
	MgPerKgDefault float64 `json:"mg_per_kg_default"`
	// MgPerKgMin: mg/kg; lower orders are refused. 0.25 [practice].
	MgPerKgMin float64 `json:"mg_per_kg_min"`
	// MgPerKgMax: mg/kg; higher orders are refused. 1.0 [practice].
	MgPerKgMax float64 `json:"mg_per_kg_max"`
	// VialConcentrationsMgPerML: mg/mL of the vials stocked. 10, 50, 100
	// [ketamine hydrochloride injection strengths].
	VialConcentrationsMgPerML []float64 `json:"vial_concentrations_mg_per_ml"`
	// SiteMaxML: mL; a volume above the site's limit warns.
	SiteMaxML IMSiteLimits `json:"site_max_ml"`
}

// IMSiteLimits is the largest volume one injection should put into each
// muscle.
type IMSiteLimits struct {
	// Deltoid: mL. 2 [practice].
	Deltoid float64 `json:"deltoid"`
	// Thigh: mL (vastus lateralis). 5 [practice].
	Thigh float64 `json:"thigh"`
	// Gluteal: mL. 5 [practice].
	Gluteal float64 `json:"gluteal"`
}

// Get returns the limit for site s in mL; it panics on a site ParseIMSite
// would never return.
func (l IMSiteLimits) Get(s IMSite) float64 {
	switch s {
	case Deltoid:
		return l.Deltoid
	case Thigh:
		return l.Thigh
	case Gluteal:
		return l.Gluteal
	}
	panic("protocol: unknown IM site " + string(s))
}

// SpravatoDose is the esketamine nasal spray's dose rule: whole devices of
// MgPerDevice, one spray per nostril per device, DeviceIntervalMinutes apart.
type SpravatoDose struct {
	// DosesMg: mg that may be ordered, each a multiple of MgPerDevice. 56, 84
	// [label: 56 mg = 2 devices, 84 mg = 3 devices].
	DosesMg []int `json:"doses_mg"`
	// FirstDoseMg: mg given on day 1 of a course. 56 [label: induction day 1 is
	// 56 mg, then 56 or 84 mg].
	FirstDoseMg int `json:"first_dose_mg"`
	// Allow28MgFrom65: when true, 28 mg may also be ordered for patients aged
	// Age65 or over, where the clinic's label allows it. false [label: the EU
	// label starts patients 65 and over at 28 mg; the US label has no 28 mg
	// dose].
	Allow28MgFrom65 bool `json:"allow_28mg_from_65"`
	// Age65: years; the age from which Allow28MgFrom65 applies. 65 [label].
	Age65 int `json:"age_65"`
	// MgPerDevice: mg of esketamine in one device. 28 [label].
	MgPerDevice int `json:"mg_per_device"`
	// DeviceIntervalMinutes: minutes between devices. 5 [label].
	DeviceIntervalMinutes int `json:"device_interval_minutes"`
}

// AllowedMg returns the doses (mg, ascending) that may be ordered for a
// patient of the given age in whole years.
func (s SpravatoDose) AllowedMg(age int) []int {
	out := slices.Clone(s.DosesMg)
	if s.Allow28MgFrom65 && age >= s.Age65 && !slices.Contains(out, s.MgPerDevice) {
		out = append(out, s.MgPerDevice)
	}
	slices.Sort(out)
	return out
}

// Devices is the number of devices a dose of mg uses, rounded up so that a
// dose is never short.
func (s SpravatoDose) Devices(mg int) int {
	if s.MgPerDevice <= 0 || mg <= 0 {
		return 0
	}
	return (mg + s.MgPerDevice - 1) / s.MgPerDevice
}

// DeviceOffsets returns, for a dose of mg, when each device is due after the
// first (device 1 at 0, device 2 at one interval, ...).
func (s SpravatoDose) DeviceOffsets(mg int) []time.Duration {
	n := s.Devices(mg)
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i) * s.DeviceInterval()
	}
	return out
}

// DeviceInterval is DeviceIntervalMinutes as a duration.
func (s SpravatoDose) DeviceInterval() time.Duration { return minutes(s.DeviceIntervalMinutes) }

// Rounding says how every computed dose figure is rounded before it is shown
// and used: to the nearest multiple of the step, halves away from zero.
type Rounding struct {
	// DoseMg: mg; a dose is rounded to a multiple of this. 0.1 [product brief].
	DoseMg float64 `json:"dose_mg"`
	// VolumeML: mL; volumes to draw and bag totals. 0.01 [product brief].
	VolumeML float64 `json:"volume_ml"`
	// RateMLPerHour: mL/h; pump rates. 0.1 [product brief].
	RateMLPerHour float64 `json:"rate_ml_per_hour"`
}

// Dose rounds a dose in mg.
func (r Rounding) Dose(mg float64) float64 { return RoundTo(mg, r.DoseMg) }

// Volume rounds a volume in mL.
func (r Rounding) Volume(ml float64) float64 { return RoundTo(ml, r.VolumeML) }

// Rate rounds a pump rate in mL/h.
func (r Rounding) Rate(mlPerHour float64) float64 { return RoundTo(mlPerHour, r.RateMLPerHour) }

// Session holds the timeline of a session, counted from the first
// administration (for IV, the start of the infusion), and its alerts.
type Session struct {
	// Phases: the phases in order with their typical minutes, shown live as
	// the phase clock (never enforced). onset 5, early 10, peak 15, plateau
	// 10, re-entry 30 [guide's phase table].
	Phases []Phase `json:"phases"`
	// RestMinutes: minutes of monitored rest after the last phase. IV 20, IM
	// 20 [guide: 20-30 min]; Spravato 0, because its rest lasts until the
	// discharge minimum [guide; REMS].
	RestMinutes ByRoute[int] `json:"rest_minutes"`
	// ChairMinutes: minutes a chair is booked from the first dose. IV 100, IM
	// 100, Spravato 135 [guide's decision table].
	ChairMinutes ByRoute[int] `json:"chair_minutes"`
	// VitalsEveryMinutes: minutes between scheduled vitals checks. 15
	// [practice].
	VitalsEveryMinutes int `json:"vitals_every_minutes"`
	// VitalsAtMinutes: minutes after the first dose of one extra check. 40:
	// blood pressure peaks about then for IV, and the REMS form asks for it
	// [label; REMS].
	VitalsAtMinutes int `json:"vitals_at_minutes"`
	// VitalsOverdueGraceMinutes: minutes after a check is due before it is
	// flagged overdue. 5 [practice].
	VitalsOverdueGraceMinutes int `json:"vitals_overdue_grace_minutes"`
	// SustainedSystolicAbove: mmHg; two consecutive readings above it, at least
	// SustainedMinutesApart apart, raise an alert. 180 [practice].
	SustainedSystolicAbove int `json:"sustained_systolic_above"`
	// SustainedDiastolicAbove: mmHg; as SustainedSystolicAbove. 110 [practice].
	SustainedDiastolicAbove int `json:"sustained_diastolic_above"`
	// SustainedMinutesApart: minutes the two readings of a sustained alert
	// must be apart at least. 5 [practice].
	SustainedMinutesApart int `json:"sustained_minutes_apart"`
	// SingleSystolicAbove: mmHg; one reading above it raises an alert. 200
	// [practice].
	SingleSystolicAbove int `json:"single_systolic_above"`
	// SingleDiastolicAbove: mmHg; one reading above it raises an alert. 120
	// [practice].
	SingleDiastolicAbove int `json:"single_diastolic_above"`
	// HRAbove: beats per minute; a heart rate above it for HRSustainedMinutes
	// raises an alert. 120 [practice].
	HRAbove int `json:"hr_above"`
	// HRSustainedMinutes: minutes the heart rate must stay above HRAbove. 5
	// [practice].
	HRSustainedMinutes int `json:"hr_sustained_minutes"`
	// SpO2Below: %; one reading below it raises an alert. 92 [practice].
	SpO2Below int `json:"spo2_below"`
	// DeviceSpO2Seconds: seconds a bedside monitor's SpO2 must stay below
	// SpO2Below before it raises the alert, so that a moved finger probe
	// does not alarm. 15 [practice: pulse-oximeter alarm delays of 10-15 s;
	// product brief].
	DeviceSpO2Seconds int `json:"device_spo2_seconds"`
	// DeviceGapSeconds: seconds between a monitor's readings after which a
	// low run is broken: a monitor silent that long is not monitoring
	// continuously. 60 [ketaflow: monitors send every few seconds].
	DeviceGapSeconds int `json:"device_gap_seconds"`
	// LateEntryMinutes: minutes; a reading, dose or event whose stated time
	// is more than this before it was entered is charted late: it needs a
	// reason and is marked "entered late" with both times. 10 [practice:
	// contemporaneous charting].
	LateEntryMinutes int `json:"late_entry_minutes"`
}

// LateEntry is LateEntryMinutes as a duration.
func (s Session) LateEntry() time.Duration { return minutes(s.LateEntryMinutes) }

// Phase is one stretch of the session timeline.
type Phase struct {
	Name    string `json:"name"`
	Minutes int    `json:"minutes"` // typical length in minutes [guide]
}

// PhasesTotal is the length of all phases together.
func (s Session) PhasesTotal() time.Duration {
	var n int
	for _, ph := range s.Phases {
		n += ph.Minutes
	}
	return minutes(n)
}

// Rest is the route's monitored rest after the last phase.
func (s Session) Rest(r Route) time.Duration { return minutes(s.RestMinutes.Get(r)) }

// VitalsEvery is VitalsEveryMinutes as a duration.
func (s Session) VitalsEvery() time.Duration { return minutes(s.VitalsEveryMinutes) }

// VitalsAt is VitalsAtMinutes as a duration after the first dose.
func (s Session) VitalsAt() time.Duration { return minutes(s.VitalsAtMinutes) }

// VitalsOverdueGrace is VitalsOverdueGraceMinutes as a duration.
func (s Session) VitalsOverdueGrace() time.Duration { return minutes(s.VitalsOverdueGraceMinutes) }

// SustainedApart is SustainedMinutesApart as a duration.
func (s Session) SustainedApart() time.Duration { return minutes(s.SustainedMinutesApart) }

// HRSustained is HRSustainedMinutes as a duration.
func (s Session) HRSustained() time.Duration { return minutes(s.HRSustainedMinutes) }

// SingleBPAlert reports whether one reading alone raises an alert.
func (s Session) SingleBPAlert(systolic, diastolic int) bool {
	return systolic > s.SingleSystolicAbove || diastolic > s.SingleDiastolicAbove
}

// SustainedBPHigh reports whether a reading is above the sustained limits. An
// alert needs two such readings in a row, at least SustainedApart apart; the
// session package tracks the pair.
func (s Session) SustainedBPHigh(systolic, diastolic int) bool {
	return systolic > s.SustainedSystolicAbove || diastolic > s.SustainedDiastolicAbove
}

// HRHigh reports whether a heart rate (bpm) counts towards the heart rate
// alert; it fires once the rate stays high for HRSustained.
func (s Session) HRHigh(bpm int) bool { return bpm > s.HRAbove }

// SpO2Alert reports whether an oxygen saturation (%) raises an alert.
func (s Session) SpO2Alert(percent int) bool { return percent < s.SpO2Below }

// DeviceSpO2Sustained is DeviceSpO2Seconds as a duration.
func (s Session) DeviceSpO2Sustained() time.Duration {
	return time.Duration(s.DeviceSpO2Seconds) * time.Second
}

// DeviceGap is DeviceGapSeconds as a duration.
func (s Session) DeviceGap() time.Duration { return time.Duration(s.DeviceGapSeconds) * time.Second }

// Alerts holds the times within which an alert must be acknowledged, per
// severity, before it is escalated: its severity goes up a step and the
// prescriber is called as well. Notices (vitals due, a device due) are not
// escalated; the escalation of a severe alert keeps it severe and adds the
// prescriber.
type Alerts struct {
	// EscalateFlagMinutes: minutes a flag (one reading above the sustained
	// blood pressure limits) may wait for acknowledgement. 15 [practice: the
	// time to repeat the reading and look again].
	EscalateFlagMinutes int `json:"escalate_flag_minutes"`
	// EscalateUrgentMinutes: minutes an urgent alert (heart rate, oxygen
	// saturation, PHQ-9 item 9) may wait. 5 [practice].
	EscalateUrgentMinutes int `json:"escalate_urgent_minutes"`
	// EscalateSevereMinutes: minutes a severe alert (blood pressure
	// sustained above 180/110 or above 200/120 once) may wait. 5 [practice].
	EscalateSevereMinutes int `json:"escalate_severe_minutes"`
}

// EscalateFlag is EscalateFlagMinutes as a duration.
func (a Alerts) EscalateFlag() time.Duration { return minutes(a.EscalateFlagMinutes) }

// EscalateUrgent is EscalateUrgentMinutes as a duration.
func (a Alerts) EscalateUrgent() time.Duration { return minutes(a.EscalateUrgentMinutes) }

// EscalateSevere is EscalateSevereMinutes as a duration.
func (a Alerts) EscalateSevere() time.Duration { return minutes(a.EscalateSevereMinutes) }

// Discharge holds the criteria that must all hold before a patient leaves.
type Discharge struct {
	// MinMinutes: minutes from the first dose before discharge. IV 90, IM 90
	// [guide]; Spravato 120 [REMS: at least 2 hours].
	MinMinutes ByRoute[int] `json:"min_minutes"`
	// SystolicBelow: mmHg; the latest systolic must be below it. 160 [practice;
	// matches the gate's block].
	SystolicBelow int `json:"systolic_below"`
	// DiastolicBelow: mmHg; the latest diastolic must be below it. 100
	// [practice].
	DiastolicBelow int `json:"diastolic_below"`
	// SpO2AtLeast: %; the latest oxygen saturation must be at least this. 94
	// [practice].
	SpO2AtLeast int `json:"spo2_at_least"`
	// MOAASRequired: the MOAA/S sedation score (0-5) the patient must reach;
	// 5 is "responds readily to name in a normal tone". 5 [practice; REMS form
	// records sedation].
	MOAASRequired int `json:"moaas_required"`
	// AldreteAtLeast: points; the modified Aldrete score (0-10) must be at
	// least this. 9 [practice].
	AldreteAtLeast int `json:"aldrete_at_least"`
	// REMSFormDueDays: days after a Spravato session by which the REMS Patient
	// Monitoring Form must be submitted. 7 [REMS].
	REMSFormDueDays int `json:"rems_form_due_days"`
}

// MinTime is the route's minimum time from first dose to discharge.
func (d Discharge) MinTime(r Route) time.Duration { return minutes(d.MinMinutes.Get(r)) }

// VitalsWithin reports whether a reading meets the discharge limits.
func (d Discharge) VitalsWithin(systolic, diastolic, spo2 int) bool {
	return systolic < d.SystolicBelow && diastolic < d.DiastolicBelow && spo2 >= d.SpO2AtLeast
}

// REMSFormDueBy is when the REMS form of a session on t is due: calendar days
// later, at the same clock time in t's location.
func (d Discharge) REMSFormDueBy(t time.Time) time.Time { return t.AddDate(0, 0, d.REMSFormDueDays) }

// Integration holds the follow-up after a session and the course's targets.
type Integration struct {
	// WindowHours: hours after a session within which the integration session
	// with the therapist should happen. 48 [guide: the "golden window"].
	WindowHours int `json:"window_hours"`
	// MorningCheckInHour: hour of the day (clinic local time, 0-23) at which the
	// morning-after check-in goes to the patient. 9 [practice].
	MorningCheckInHour int `json:"morning_check_in_hour"`
	// CourseSessions: sessions in an initial course. IV 6, IM 6 [guide: 6 over
	// 2-3 weeks]; Spravato 8 [label: induction twice weekly, weeks 1-4].
	CourseSessions ByRoute[int] `json:"course_sessions"`
	// ResponseDropPercent: %; a PHQ-9 drop from the course baseline of at least
	// this is a response. 50 [practice].
	ResponseDropPercent int `json:"response_drop_percent"`
	// RemissionPHQ9Below: a PHQ-9 total below this is remission. 5 [practice].
	RemissionPHQ9Below int `json:"remission_phq9_below"`
	// RelapsePHQ9AtLeast: points; after remission, a PHQ-9 total at or above
	// this is a relapse. 10 [practice: the start of the moderate band].
	RelapsePHQ9AtLeast int `json:"relapse_phq9_at_least"`
	// AtRiskHours: an integration session not held with less than this
	// left of its window is at risk, and listed so. 12 [practice: a
	// therapist needs half a day to fit a patient in].
	AtRiskHours int `json:"at_risk_hours"`
	// SessionMinutes: how long an integration session takes in the
	// therapist's calendar. 50 [practice: the therapy hour].
	SessionMinutes int `json:"session_minutes"`
	// CalendarFromHour, CalendarToHour: the clinic hours (local time) in
	// which the nearest free slots of a therapist's calendar are offered.
	// 8 and 20 [practice].
	CalendarFromHour int `json:"calendar_from_hour"`
	CalendarToHour   int `json:"calendar_to_hour"`
	// MissedShownDays: days a missed integration session stays on the
	// therapist's worklist after its window closed. 14 [practice: until
	// the next session of an IV course at the latest].
	MissedShownDays int `json:"missed_shown_days"`
	// CheckInLowMood: a mood at or below this (0-10) on the morning-after
	// check-in is a worrying answer that alerts the prescriber and the
	// therapist. 3 [practice: a low mood the morning after warrants a call].
	CheckInLowMood int `json:"check_in_low_mood_at_or_below"`
	// CheckInLinkHours: hours the morning-after check-in link works after it
	// is sent. 24 [practice, as the questionnaire link].
	CheckInLinkHours int `json:"check_in_link_hours"`
	// ReminderHoursBefore: hours before a visit its reminder (the
	// instructions and the questionnaire link) is emailed; a visit booked
	// later than that gets it at once. 24 [practice: the day before].
	ReminderHoursBefore int `json:"reminder_hours_before"`
}

// Window is WindowHours as a duration.
func (i Integration) Window() time.Duration { return hours(i.WindowHours) }

// AtRisk is AtRiskHours as a duration.
func (i Integration) AtRisk() time.Duration { return hours(i.AtRiskHours) }

// SessionLength is SessionMinutes as a duration.
func (i Integration) SessionLength() time.Duration { return minutes(i.SessionMinutes) }

// MissedShown is MissedShownDays as a duration.
func (i Integration) MissedShown() time.Duration { return days(i.MissedShownDays) }

// CheckInLink is CheckInLinkHours as a duration.
func (i Integration) CheckInLink() time.Duration { return hours(i.CheckInLinkHours) }

// ReminderBefore is ReminderHoursBefore as a duration.
func (i Integration) ReminderBefore() time.Duration { return hours(i.ReminderHoursBefore) }

// MorningCheckIn is when the morning-after check-in goes out for a session
// that ended at end: the next calendar day in loc at MorningCheckInHour.
func (i Integration) MorningCheckIn(end time.Time, loc *time.Location) time.Time {
	y, m, d := end.In(loc).Date()
	return time.Date(y, m, d+1, i.MorningCheckInHour, 0, 0, 0, loc)
}

// Security holds the limits of staff logins. (The document key
// session_max_hours is the stored name of LoginMaxHours.)
type Security struct {
	// IdleTimeoutMinutes: minutes without activity before a staff login ends.
	// 15 [practice; HIPAA automatic logoff].
	IdleTimeoutMinutes int `json:"idle_timeout_minutes"`
	// LoginMaxHours: hours after login when a staff login ends whatever the
	// activity: one clinic day. 12 [practice].
	LoginMaxHours int `json:"session_max_hours"`
	// IdempotencyKeyHours: hours a request's Idempotency-Key is kept, so
	// that a retry within them gets the first answer instead of doing the
	// work again. The draft leaves the expiry to the server
	// [draft-ietf-httpapi-idempotency-key-header §2]; 24 [practice: a
	// day covers a client's retries after an outage, as Stripe's 24 h].
	IdempotencyKeyHours int `json:"idempotency_key_hours"`
	// APITokenDays: days after which a new API token ends, unless its
	// maker asks for fewer; at most 365 (access.TokenMaxLifetime). 90
	// [practice; OWASP ASVS 4.0 3.5]. A version saved before the setting
	// existed reads it as the default (store decodes over Default).
	APITokenDays int `json:"api_token_days"`
	// TwoFactorAdmins: clinic admins sign in with a password and a code
	// from an authenticator app (TOTP). On: the admin manages accounts and
	// the protocol and may open clinical records under break-glass [NIST
	// SP 800-63B: AAL2 for access to personal health data; OWASP ASVS 4.0
	// V2 at level 2].
	TwoFactorAdmins bool `json:"two_factor_admins"`
	// TwoFactorPrescribers: prescribers do too. On: they sign the dose
	// orders of Schedule III drugs, for which the DEA requires two-factor
	// authentication of the signer when prescribing electronically [21 CFR
	// 1311.115].
	TwoFactorPrescribers bool `json:"two_factor_prescribers"`
	// TwoFactorOtherStaff: nurses, therapists and front desk do too. Off:
	// bedside computers are shared between chairs and a code at every
	// sign-in slows care at the chair [practice]; a clinic may turn it on
	// (HHS's 2025 proposal for the HIPAA Security Rule asks for MFA for
	// everyone who reaches health records).
	TwoFactorOtherStaff bool `json:"two_factor_other_staff"`
	// BreakGlassMinutes: how long a break-glass access (a person opening a
	// patient's record outside their role, with a written reason) lasts
	// before it ends by itself. 60 [practice: an urgent consultation;
	// HIPAA 45 CFR 164.312(a)(2)(ii) asks for an emergency access
	// procedure and leaves its length to the entity].
	BreakGlassMinutes int `json:"break_glass_minutes"`
}

// BreakGlass is BreakGlassMinutes as a duration.
func (s Security) BreakGlass() time.Duration { return minutes(s.BreakGlassMinutes) }

// DefaultAPITokenDays is the default of APITokenDays.
const DefaultAPITokenDays = 90

// APITokenLifetime is APITokenDays as a duration.
func (s Security) APITokenLifetime() time.Duration {
	return time.Duration(s.APITokenDays) * 24 * time.Hour
}

// IdempotencyKeyTTL is IdempotencyKeyHours as a duration.
func (s Security) IdempotencyKeyTTL() time.Duration { return hours(s.IdempotencyKeyHours) }

// IdleTimeout is IdleTimeoutMinutes as a duration.
func (s Security) IdleTimeout() time.Duration { return minutes(s.IdleTimeoutMinutes) }

// LoginMax is LoginMaxHours as a duration.
func (s Security) LoginMax() time.Duration { return hours(s.LoginMaxHours) }

// Default returns the rules of a new clinic: the values of the product brief,
// each sourced in the field's comment.
func Default() Protocol {
	return Protocol{
		Fasting: ByRoute[Fasting]{
			IV:       Fasting{SolidFoodHours: 6, ClearLiquidMinutes: 120},
			IM:       Fasting{SolidFoodHours: 6, ClearLiquidMinutes: 120},
			Spravato: Fasting{SolidFoodHours: 2, ClearLiquidMinutes: 30, NasalMedicationMinutes: 60},
		},
		Gate: Gate{
			BPBlockSystolic:        160,
			BPBlockDiastolic:       100,
			BPWarnSystolic:         140,
			BPWarnDiastolic:        90,
			BPRepeatRestMinutes:    5,
			SpO2BlockBelow:         92,
			SpO2WarnBelow:          95,
			HRWarnAbove:            100,
			HRWarnBelow:            50,
			WeightMaxAgeDays:       30,
			QuestionnaireLinkHours: 24,
			Item9AlertAbove:        0,
			VitalsMaxAgeMinutes:    120,
		},
		Dose: Dose{
			IV: IVDose{
				MgPerKgDefault:            0.5,
				MgPerKgMin:                0.1,
				MgPerKgMax:                1.0,
				MinutesDefault:            40,
				MinutesMin:                40,
				MinutesMax:                60,
				VialConcentrationsMgPerML: []float64{10, 50, 100},
				BagVolumeML:               100,
				BagFluid:                  "0.9% sodium chloride",
				WithdrawEqualVolume:       false,
			},
			IM: IMDose{
				MgPerKgDefault:            0.5,
				MgPerKgMin:                0.25,
				MgPerKgMax:                1.0,
				VialConcentrationsMgPerML: []float64{10, 50, 100},
				SiteMaxML:                 IMSiteLimits{Deltoid: 2, Thigh: 5, Gluteal: 5},
			},
			Spravato: SpravatoDose{
				DosesMg:               []int{56, 84},
				FirstDoseMg:           56,
				Allow28MgFrom65:       false,
				Age65:                 65,
				MgPerDevice:           28,
				DeviceIntervalMinutes: 5,
			},
			Rounding: Rounding{DoseMg: 0.1, VolumeML: 0.01, RateMLPerHour: 0.1},
		},
		Session: Session{
			Phases: []Phase{
				{"onset", 5},
				{"early", 10},
				{"peak", 15},
				{"plateau", 10},
				{"re-entry", 30},
			},
			RestMinutes:               ByRoute[int]{IV: 20, IM: 20, Spravato: 0},
			ChairMinutes:              ByRoute[int]{IV: 100, IM: 100, Spravato: 135},
			VitalsEveryMinutes:        15,
			VitalsAtMinutes:           40,
			VitalsOverdueGraceMinutes: 5,
			SustainedSystolicAbove:    180,
			SustainedDiastolicAbove:   110,
			SustainedMinutesApart:     5,
			SingleSystolicAbove:       200,
			SingleDiastolicAbove:      120,
			HRAbove:                   120,
			HRSustainedMinutes:        5,
			SpO2Below:                 92,
			DeviceSpO2Seconds:         15,
			DeviceGapSeconds:          60,
			LateEntryMinutes:          10,
		},
		Alerts: Alerts{EscalateFlagMinutes: 15, EscalateUrgentMinutes: 5, EscalateSevereMinutes: 5},
		Discharge: Discharge{
			MinMinutes:      ByRoute[int]{IV: 90, IM: 90, Spravato: 120},
			SystolicBelow:   160,
			DiastolicBelow:  100,
			SpO2AtLeast:     94,
			MOAASRequired:   5,
			AldreteAtLeast:  9,
			REMSFormDueDays: 7,
		},
		Integration: Integration{
			WindowHours:         48,
			MorningCheckInHour:  9,
			CourseSessions:      ByRoute[int]{IV: 6, IM: 6, Spravato: 8},
			ResponseDropPercent: 50,
			RemissionPHQ9Below:  5,
			RelapsePHQ9AtLeast:  10,
			AtRiskHours:         12,
			SessionMinutes:      50,
			CalendarFromHour:    8,
			CalendarToHour:      20,
			MissedShownDays:     14,
			CheckInLowMood:      3,
			CheckInLinkHours:    24,
			ReminderHoursBefore: 24,
		},
		Security: Security{IdleTimeoutMinutes: 15, LoginMaxHours: 12, IdempotencyKeyHours: 24, APITokenDays: DefaultAPITokenDays,
			TwoFactorAdmins: true, TwoFactorPrescribers: true, BreakGlassMinutes: 60},
	}
}

// SessionLength is the time from the first dose until the protocol first
// allows discharge on route r: the phases plus the route's rest, or the
// discharge minimum if that is longer.
func (p Protocol) SessionLength(r Route) time.Duration {
	return max(p.Session.PhasesTotal()+p.Session.Rest(r), p.Discharge.MinTime(r))
}

// ChairTime is how long a chair is booked from the first dose on route r.
func (p Protocol) ChairTime(r Route) time.Duration { return minutes(p.Session.ChairMinutes.Get(r)) }

// Clone returns a deep copy, so that changing the copy's lists leaves p alone.
func (p Protocol) Clone() Protocol {
	p.Dose.IV.VialConcentrationsMgPerML = slices.Clone(p.Dose.IV.VialConcentrationsMgPerML)
	p.Dose.IM.VialConcentrationsMgPerML = slices.Clone(p.Dose.IM.VialConcentrationsMgPerML)
	p.Dose.Spravato.DosesMg = slices.Clone(p.Dose.Spravato.DosesMg)
	p.Session.Phases = slices.Clone(p.Session.Phases)
	return p
}

// Decode reads a protocol stored as JSON and validates it. Fields missing from
// the JSON keep their Default value, so a rule added in a later release does
// not need a data migration; unknown fields are refused so that a typo in a
// key is not silently ignored.
func Decode(data []byte) (Protocol, error) {
	p := Default()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&p)
	if err == nil && dec.More() {
		err = errors.New("data after the protocol object")
	}
	if err != nil {
		return Protocol{}, &ketaflow.Error{Code: ketaflow.EInvalid, Message: "protocol is not valid JSON: " + err.Error(), Err: fmt.Errorf("decode protocol: %w", err)}
	}
	if err := p.Validate(); err != nil {
		return Protocol{}, err
	}
	return p, nil
}

// Version is one saved edition of a clinic's protocol. Storage fills it in;
// versions are never changed, only added, and each visit records the ID of
// the version it ran under.
type Version struct {
	ID        string    `json:"id"`
	ClinicID  string    `json:"clinic_id"`
	Number    int       `json:"number"` // 1 for the clinic's first version, then +1
	Rules     Protocol  `json:"rules"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"` // user id of the clinic admin
	Reason    string    `json:"reason"`     // why the rules changed, for the audit
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }
func hours(n int) time.Duration   { return time.Duration(n) * time.Hour }
func days(n int) time.Duration    { return time.Duration(n) * 24 * time.Hour }
