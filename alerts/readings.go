package alerts

import (
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/vitals"
)

// Change is an event to record on a stored alert.
type Change struct {
	AlertID string
	Event   Event
}

// Decisions are what a visit's readings call for: alerts to raise (with
// the events they start with, for a condition that is over already), and
// events to record on stored alerts.
type Decisions struct {
	Raise   []Alert
	Changes []Change
}

// Empty reports whether nothing is to be recorded.
func (d Decisions) Empty() bool { return len(d.Raise) == 0 && len(d.Changes) == 0 }

// Reconcile compares the alert conditions of a visit's readings, as
// session.Alerts computes them from the effective readings, with the
// visit's stored alerts, at now, and decides [product brief, Alerts]:
//
//   - a condition with no alert raises one, with its kind's severity and
//     addressee, once: a condition is known by its kind and the first
//     reading of its episode;
//   - a condition whose latest alert a clinician resolved while it still
//     held raises it again, as a new episode, on a reading worse than
//     every reading of the condition recorded before the resolution (a
//     220/130 after a 210/125 was closed): the clinician closed what they
//     had seen, not what came after;
//   - an alert whose condition is over (a reading ended it) is resolved,
//     when it is a flag or someone acknowledged it; a latching alert not
//     acknowledged yet is marked cleared, and waits for someone;
//   - an alert whose readings were corrected away (an amendment, a reading
//     entered in error) no longer has a condition: it is resolved, saying
//     so;
//   - a flag is resolved as superseded once a more severe alert of the
//     same vital is raised during it: one alert to act on, not two.
//
// Alerts of other kinds (PHQ-9 item 9) are left alone.
//
// readings are the visit's in-session readings that conds were computed
// from.
func Reconcile(stored []Alert, conds []session.Alert, readings []vitals.Reading, visitID, patientID string, now time.Time,
	p protocol.Alerts) Decisions {
	var d Decisions
	byKey := map[string]session.Alert{}
	for _, c := range conds {
		byKey[conditionKey(Kind(c.Kind), c.ReadingIDs)] = c
	}
	// candidate is an alert, stored or about to be raised, with its
	// condition.
	type candidate struct {
		a    Alert
		cond *session.Alert
		new  bool
		// again: raised again on a worse reading after a resolution.
		again bool
	}
	var cands []candidate
	have := map[string]bool{}
	// latest is each condition's newest stored alert.
	latest := map[string]Alert{}
	var keys []string
	for _, a := range stored {
		if !a.Kind.InSession() || a.Kind.FromMonitor() {
			continue
		}
		key := conditionKey(a.Kind, a.ReadingIDs)
		if cur, ok := latest[key]; !ok || a.RaisedAt.After(cur.RaisedAt) {
			if !ok {
				keys = append(keys, key)
			}
			latest[key] = a
		}
		have[key] = true
		var cond *session.Alert
		if c, ok := byKey[key]; ok {
			cond = &c
		}
		cands = append(cands, candidate{a: a, cond: cond})
	}
	for _, c := range conds {
		k := Kind(c.Kind)
		if have[conditionKey(k, c.ReadingIDs)] || !k.Known() {
			continue
		}
		sev := k.Severity()
		cands = append(cands, candidate{new: true, cond: &c, a: Alert{VisitID: visitID, PatientID: patientID, Kind: k,
			Severity: sev, To: AddressedTo(k, sev), RaisedAt: now, Since: c.At, Detail: c.Reason, ReadingIDs: c.ReadingIDs}})
	}
	effective := vitals.Effective(readings)
	for _, key := range keys {
		a := latest[key]
		c, ok := byKey[key]
		if !ok || !c.Ongoing() {
			continue
		}
		st := a.StatusAt(now, p)
		if st.State != ResolvedSt || st.Resolved.By == "" {
			continue
		}
		r, ok := worseSince(a.Kind, c, effective, st.Resolved.At)
		if !ok {
			continue
		}
		sev := a.Kind.Severity()
		cands = append(cands, candidate{new: true, again: true, cond: &c, a: Alert{VisitID: visitID, PatientID: patientID, Kind: a.Kind,
			Severity: sev, To: AddressedTo(a.Kind, sev), RaisedAt: now, Since: r.TakenAt,
			Detail: fmt.Sprintf("%s, worse than when the alert was resolved at %s (raised for %s)", readingWords(a.Kind, r),
				st.Resolved.At.In(r.TakenAt.Location()).Format("15:04"), a.Detail),
			// The episode's first reading keeps the alert with its
			// condition; the worse one says what raised it again.
			ReadingIDs: []string{c.ReadingIDs[0], r.ID}}})
	}
	// superseder is the most severe alert of a vital that started at or
	// after t and still holds.
	superseder := func(a Alert) *candidate {
		var best *candidate
		for i := range cands {
			c := &cands[i]
			if kinds[c.a.Kind].vital != kinds[a.Kind].vital || c.a.Severity.Rank() <= a.Severity.Rank() || c.a.Since.Before(a.Since) {
				continue
			}
			if c.cond == nil || !c.cond.Ongoing() {
				continue
			}
			if best == nil || c.a.Severity.Rank() > best.a.Severity.Rank() {
				best = c
			}
		}
		return best
	}
	for _, c := range cands {
		st := c.a.StatusAt(now, p)
		if st.State == ResolvedSt {
			continue
		}
		var ev *Event
		switch {
		case c.cond == nil:
			ev = &Event{Kind: Resolved, At: now, Action: "the readings that raised it were corrected"}
		case c.a.Severity == Flag && superseder(c.a) != nil:
			by := superseder(c.a)
			ev = &Event{Kind: Resolved, At: now, Action: "superseded by the alert “" + by.a.Kind.Title() + "”"}
		case c.cond.Ongoing():
		case !st.Severity.Latching() || st.State == AcknowledgedSt:
			ev = &Event{Kind: Resolved, At: now, Action: "cleared: " + c.cond.EndedBy}
		case st.Cleared == nil:
			ev = &Event{Kind: Cleared, At: now, Action: c.cond.EndedBy}
		}
		switch {
		case c.again && ev != nil:
			// Raised again only while it holds and nothing more severe of
			// its vital answers it.
		case c.new:
			if ev != nil {
				c.a.Events = append(c.a.Events, *ev)
			}
			d.Raise = append(d.Raise, c.a)
		case ev != nil:
			d.Changes = append(d.Changes, Change{AlertID: c.a.ID, Event: *ev})
		}
	}
	return d
}

// conditionKey names an alert's condition: its kind and the first reading
// of its episode.
func conditionKey(k Kind, readingIDs []string) string {
	first := ""
	if len(readingIDs) > 0 {
		first = readingIDs[0]
	}
	return string(k) + "/" + first
}

// worseSince finds the first reading of the condition's episode recorded
// after since that is worse, for the alert's vital, than every reading of
// the episode recorded up to since (a late entry counts from when it was
// recorded: the clinician had not seen it). readings are effective,
// oldest first.
func worseSince(k Kind, c session.Alert, readings []vitals.Reading, since time.Time) (vitals.Reading, bool) {
	if len(c.ReadingIDs) == 0 {
		return vitals.Reading{}, false
	}
	start := -1
	for i, r := range readings {
		if r.ID == c.ReadingIDs[0] {
			start = i
			break
		}
	}
	if start < 0 {
		return vitals.Reading{}, false
	}
	var known, later []vitals.Reading
	for _, r := range readings[start:] {
		if !measures(k, r) || (!c.EndedAt.IsZero() && !r.TakenAt.Before(c.EndedAt)) {
			continue
		}
		recorded := r.RecordedAt
		if recorded.IsZero() {
			recorded = r.TakenAt
		}
		if recorded.After(since) {
			later = append(later, r)
		} else {
			known = append(known, r)
		}
	}
	for _, r := range later {
		if worse(k, r, known) {
			return r, true
		}
	}
	return vitals.Reading{}, false
}

// measures reports whether a reading has the vital sign of the kind.
func measures(k Kind, r vitals.Reading) bool {
	switch kinds[k].vital {
	case "bp":
		return r.HasBP()
	case "hr":
		return r.HeartRate > 0
	case "spo2":
		return r.SpO2 > 0
	}
	return false
}

// worse reports whether r is worse than every reading of known for the
// kind's vital: a higher systolic or diastolic pressure, a higher heart
// rate, a lower oxygen saturation.
func worse(k Kind, r vitals.Reading, known []vitals.Reading) bool {
	for _, o := range known {
		switch kinds[k].vital {
		case "bp":
			if r.Systolic <= o.Systolic && r.Diastolic <= o.Diastolic {
				return false
			}
		case "hr":
			if r.HeartRate <= o.HeartRate {
				return false
			}
		case "spo2":
			if r.SpO2 >= o.SpO2 {
				return false
			}
		}
	}
	return true
}

// readingWords says the reading's value of the kind's vital, and when.
func readingWords(k Kind, r vitals.Reading) string {
	at := r.TakenAt.Format("15:04")
	switch kinds[k].vital {
	case "bp":
		return fmt.Sprintf("blood pressure %s at %s", r.BP(), at)
	case "hr":
		return fmt.Sprintf("heart rate %d at %s", r.HeartRate, at)
	}
	return fmt.Sprintf("oxygen saturation %d%% at %s", r.SpO2, at)
}

// Infusion is what the pump is doing, as far as advice goes.
type Infusion string

const (
	NoInfusion      Infusion = ""        // not an IV, or not started
	InfusionRunning Infusion = "running" // the pump runs: it can be paused
	InfusionPaused  Infusion = "paused"
	InfusionEnded   Infusion = "ended" // finished or stopped: monitored rest
)

// InfusionOf maps the pump's state to what advice needs.
func InfusionOf(s session.InfusionState) Infusion {
	switch s {
	case session.Running:
		return InfusionRunning
	case session.Paused:
		return InfusionPaused
	case session.Finished, session.Stopped:
		return InfusionEnded
	}
	return NoInfusion
}

// Advice is what the alert asks of the person reading it now, following
// the state of the visit: pausing the infusion is suggested only while it
// runs (not once paused or stopped, nor in the rest after it), and an
// alert that is over asks nothing [product brief: for IV the alert
// suggests pausing the infusion].
func Advice(k Kind, st State, inf Infusion, p protocol.Session) []string {
	if st == ResolvedSt {
		return nil
	}
	var out []string
	switch k {
	case Item9:
		if st != Open {
			return nil // the risk assessment is the answer
		}
		return []string{"Show the crisis resources to the patient. The prescriber records a risk assessment; dosing waits for it."}
	case CheckIn:
		if st != Open {
			return nil
		}
		return []string{"Call the patient today: ask how they are and whether they are safe, and give them the crisis resources. The therapist brings it to the integration session."}
	case BPHigh:
		return []string{fmt.Sprintf("Repeat the blood pressure in %d min: a second reading above %d/%d then is a severe alert.",
			p.SustainedMinutesApart, p.SustainedSystolicAbove, p.SustainedDiastolicAbove)}
	case BPSustained, BPSevere:
		out = append(out, "Repeat the blood pressure; the prescriber assesses the patient.")
	case HeartRate:
		out = append(out, "Check the patient and repeat the heart rate.")
	case LowSpO2:
		out = append(out, "Check the airway and breathing, and repeat the oxygen saturation.")
	case MonitorLowSpO2:
		out = append(out, "Check the airway and breathing, and that the probe is on the finger.")
	default:
		return nil
	}
	switch inf {
	case InfusionRunning:
		out = append(out, "Consider pausing the infusion.")
	case InfusionPaused:
		out = append(out, "The infusion is paused.")
	}
	return out
}
