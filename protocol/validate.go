package protocol

import (
	"slices"
	"strconv"

	"github.com/ketaflow/ketaflow"
)

// Validate checks every setting against its allowed range (the parameter
// table) and the settings against each other, so that no version can hold
// rules that contradict themselves (a warning limit above the block limit, a
// default dose outside its own bounds). It returns an EInvalid
// *ketaflow.Error listing every problem, each under the key of the setting
// to change, or nil.
func (p Protocol) Validate() error {
	var probs ketaflow.Problems
	bad := map[string]bool{} // keys already out of range: skip their cross checks
	for _, prm := range paramTable() {
		q := p.Clone()
		if err := prm.Set(&q, prm.Get(&p)); err != nil {
			probs.Add(prm.Key, "%s", ketaflow.ErrorMessage(err))
			bad[prm.Key] = true
		}
	}
	c := checker{probs: &probs, bad: bad}
	c.gate(p)
	c.dose(p)
	c.session(p)
	c.alerts(p)
	c.discharge(p)
	c.fasting(p)
	c.integration(p)
	c.outcomes(p)
	return probs.Err()
}

// checker records cross-field problems, but not about a setting that is
// already out of range on its own: one problem per mistake is enough.
type checker struct {
	probs *ketaflow.Problems
	bad   map[string]bool
}

// add reports a problem on key, unless key or one of the other keys it
// depends on is already reported.
func (c checker) add(key string, others []string, format string, args ...any) {
	if c.bad[key] || slices.ContainsFunc(others, func(k string) bool { return c.bad[k] }) {
		return
	}
	c.probs.Add(key, format, args...)
	c.bad[key] = true
}

// notAbove reports key when its value v is above limit, the value of other.
func (c checker) notAbove(key string, v int, other string, limit int, format string, args ...any) {
	if v > limit {
		c.add(key, []string{other}, format, args...)
	}
}

// integration: a session can be at risk only inside its window, and the
// calendar's day ends after it begins and holds at least one session.
func (c checker) integration(p Protocol) {
	in := p.Integration
	if in.AtRiskHours >= in.WindowHours {
		c.add("integration.at_risk_hours", []string{"integration.window_hours"},
			"at risk must be fewer hours than the %d-hour window", in.WindowHours)
	}
	if in.CalendarToHour*60-in.CalendarFromHour*60 < in.SessionMinutes {
		c.add("integration.calendar_to_hour", []string{"integration.calendar_from_hour", "integration.session_minutes"},
			"the calendar must end at least one %d-minute session after it begins at %d o'clock", in.SessionMinutes, in.CalendarFromHour)
	}
}

// alerts: a more severe alert never waits longer than a milder one.
func (c checker) alerts(p Protocol) {
	a := p.Alerts
	c.notAbove("alerts.escalate_severe_minutes", a.EscalateSevereMinutes, "alerts.escalate_urgent_minutes", a.EscalateUrgentMinutes,
		"a severe alert must be escalated no later than an urgent one (%d min)", a.EscalateUrgentMinutes)
	c.notAbove("alerts.escalate_urgent_minutes", a.EscalateUrgentMinutes, "alerts.escalate_flag_minutes", a.EscalateFlagMinutes,
		"an urgent alert must be escalated no later than a flag (%d min)", a.EscalateFlagMinutes)
}

func (c checker) gate(p Protocol) {
	g := p.Gate
	c.notAbove("gate.bp_warn_systolic", g.BPWarnSystolic, "gate.bp_block_systolic", g.BPBlockSystolic,
		"warning limit %d mmHg systolic must not be above the block limit of %d mmHg", g.BPWarnSystolic, g.BPBlockSystolic)
	c.notAbove("gate.bp_warn_diastolic", g.BPWarnDiastolic, "gate.bp_block_diastolic", g.BPBlockDiastolic,
		"warning limit %d mmHg diastolic must not be above the block limit of %d mmHg", g.BPWarnDiastolic, g.BPBlockDiastolic)
	if g.BPBlockDiastolic >= g.BPBlockSystolic {
		c.add("gate.bp_block_diastolic", []string{"gate.bp_block_systolic"},
			"diastolic block limit %d mmHg must be below the systolic block limit of %d mmHg", g.BPBlockDiastolic, g.BPBlockSystolic)
	}
	if g.BPWarnDiastolic >= g.BPWarnSystolic {
		c.add("gate.bp_warn_diastolic", []string{"gate.bp_warn_systolic"},
			"diastolic warning limit %d mmHg must be below the systolic warning limit of %d mmHg", g.BPWarnDiastolic, g.BPWarnSystolic)
	}
	if g.SpO2WarnBelow < g.SpO2BlockBelow {
		c.add("gate.spo2_warn_below", []string{"gate.spo2_block_below"},
			"oxygen saturation warning limit %d%% must not be below the block limit of %d%%", g.SpO2WarnBelow, g.SpO2BlockBelow)
	}
	if g.HRWarnBelow >= g.HRWarnAbove {
		c.add("gate.hr_warn_below", []string{"gate.hr_warn_above"},
			"low heart rate limit %d bpm must be below the high limit of %d bpm", g.HRWarnBelow, g.HRWarnAbove)
	}
}

func (c checker) dose(p Protocol) {
	iv, im, sp := p.Dose.IV, p.Dose.IM, p.Dose.Spravato
	c.bounds("dose.iv.mg_per_kg", "mg/kg", iv.MgPerKgMin, iv.MgPerKgDefault, iv.MgPerKgMax)
	c.bounds("dose.iv.minutes", "minutes", float64(iv.MinutesMin), float64(iv.MinutesDefault), float64(iv.MinutesMax))
	c.bounds("dose.im.mg_per_kg", "mg/kg", im.MgPerKgMin, im.MgPerKgDefault, im.MgPerKgMax)

	if sp.MgPerDevice > 0 {
		for _, mg := range sp.DosesMg {
			if mg%sp.MgPerDevice != 0 {
				c.add("dose.spravato.doses_mg", []string{"dose.spravato.mg_per_device"},
					"each dose must be a whole number of %d mg devices; %d mg is not", sp.MgPerDevice, mg)
				break
			}
		}
	}
	if !slices.Contains(sp.DosesMg, sp.FirstDoseMg) {
		c.add("dose.spravato.first_dose_mg", []string{"dose.spravato.doses_mg"},
			"day-1 dose of %d mg must be one of the doses that may be ordered (%s mg)", sp.FirstDoseMg, joinList(sp.DosesMg, strconv.Itoa))
	}
}

// bounds checks min <= default <= max for the settings prefix_min,
// prefix_default and prefix_max.
func (c checker) bounds(prefix, unit string, lo, def, hi float64) {
	minKey, defKey, maxKey := prefix+"_min", prefix+"_default", prefix+"_max"
	if lo > hi {
		c.add(minKey, []string{maxKey}, "lowest %s %s must not be above the highest, %s %s", num(lo), unit, num(hi), unit)
		return
	}
	if def < lo || def > hi {
		c.add(defKey, []string{minKey, maxKey}, "default %s %s must be from the lowest, %s, to the highest, %s %s",
			num(def), unit, num(lo), num(hi), unit)
	}
}

func (c checker) session(p Protocol) {
	s := p.Session
	c.notAbove("session.sustained_systolic_above", s.SustainedSystolicAbove, "session.single_systolic_above", s.SingleSystolicAbove,
		"sustained alert limit %d mmHg systolic must not be above the single-reading limit of %d mmHg", s.SustainedSystolicAbove, s.SingleSystolicAbove)
	c.notAbove("session.sustained_diastolic_above", s.SustainedDiastolicAbove, "session.single_diastolic_above", s.SingleDiastolicAbove,
		"sustained alert limit %d mmHg diastolic must not be above the single-reading limit of %d mmHg", s.SustainedDiastolicAbove, s.SingleDiastolicAbove)
	if s.SustainedDiastolicAbove >= s.SustainedSystolicAbove {
		c.add("session.sustained_diastolic_above", []string{"session.sustained_systolic_above"},
			"diastolic alert limit %d mmHg must be below the systolic limit of %d mmHg", s.SustainedDiastolicAbove, s.SustainedSystolicAbove)
	}
	if s.SingleDiastolicAbove >= s.SingleSystolicAbove {
		c.add("session.single_diastolic_above", []string{"session.single_systolic_above"},
			"diastolic alert limit %d mmHg must be below the systolic limit of %d mmHg", s.SingleDiastolicAbove, s.SingleSystolicAbove)
	}
	// The extra check exists for the REMS form's "about 40 minutes" reading;
	// it must fall while every route's patient is still in the chair.
	shortest := slices.Min([]int{p.Discharge.MinMinutes.IV, p.Discharge.MinMinutes.IM, p.Discharge.MinMinutes.Spravato})
	if s.VitalsAtMinutes >= shortest {
		c.add("session.vitals_at_minutes", []string{"discharge.min_minutes.iv", "discharge.min_minutes.im", "discharge.min_minutes.spravato"},
			"extra vitals check at %d minutes must come before the earliest discharge, %d minutes", s.VitalsAtMinutes, shortest)
	}
	// A chair booked for less than the shortest stay would be double-booked.
	for _, r := range Routes {
		need := int(p.SessionLength(r).Minutes())
		if have := s.ChairMinutes.Get(r); have < need {
			c.add("session.chair_minutes."+string(r), []string{"session.phases", "session.rest_minutes." + string(r), "discharge.min_minutes." + string(r)},
				"%s chair booking of %d minutes must cover the shortest stay, %d minutes (phases and rest, or the discharge minimum)",
				r.Label(), have, need)
		}
	}
}

func (c checker) discharge(p Protocol) {
	d, s := p.Discharge, p.Session
	// A patient must not be dischargeable with a reading that would raise an
	// alert in the chair.
	if d.SpO2AtLeast < s.SpO2Below {
		c.add("discharge.spo2_at_least", []string{"session.spo2_below"},
			"discharge oxygen saturation of %d%% must not be below the in-session alert limit of %d%%", d.SpO2AtLeast, s.SpO2Below)
	}
	c.notAbove("discharge.systolic_below", d.SystolicBelow, "session.sustained_systolic_above", s.SustainedSystolicAbove,
		"discharge systolic limit %d mmHg must not be above the in-session alert limit of %d mmHg", d.SystolicBelow, s.SustainedSystolicAbove)
	c.notAbove("discharge.diastolic_below", d.DiastolicBelow, "session.sustained_diastolic_above", s.SustainedDiastolicAbove,
		"discharge diastolic limit %d mmHg must not be above the in-session alert limit of %d mmHg", d.DiastolicBelow, s.SustainedDiastolicAbove)
	if d.DiastolicBelow >= d.SystolicBelow {
		c.add("discharge.diastolic_below", []string{"discharge.systolic_below"},
			"diastolic limit %d mmHg must be below the systolic limit of %d mmHg", d.DiastolicBelow, d.SystolicBelow)
	}
}

// fasting checks that clear liquids are never held to a longer fast than
// food: a non-clear liquid counts as food, so the reverse would make milk
// easier to allow than water.
func (c checker) fasting(p Protocol) {
	for _, r := range Routes {
		f := p.Fasting.Get(r)
		if f.ClearLiquidMinutes > f.SolidFoodHours*60 {
			k := "fasting." + string(r) + "."
			c.add(k+"clear_liquid_minutes", []string{k + "solid_food_hours"},
				"%s: clear liquid fast of %d minutes must not be longer than the food fast of %d hours", r.Label(), f.ClearLiquidMinutes, f.SolidFoodHours)
		}
	}
}

// outcomes: a relapse is a PHQ-9 that is no longer remission, so its
// threshold is at or above remission's.
func (c checker) outcomes(p Protocol) {
	in := p.Integration
	if in.RelapsePHQ9AtLeast < in.RemissionPHQ9Below {
		c.add("integration.relapse_phq9_at_least", []string{"integration.remission_phq9_below"},
			"a relapse (PHQ-9 at least %d) must be at or above remission (PHQ-9 below %d)", in.RelapsePHQ9AtLeast, in.RemissionPHQ9Below)
	}
}
