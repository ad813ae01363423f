// Package discharge decides, with reasons, whether a patient may leave, and
// produces the Spravato REMS Patient Monitoring Form with its PDF.
//
// It is plain Go: no HTTP, no SQL and no clock. Every function that depends
// on the time takes it; every clinical number comes from the protocol.
package discharge

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

// Facts is what the discharge decision is made from.
type Facts struct {
	Route       protocol.Route `json:"route"`
	FirstDoseAt time.Time      `json:"first_dose_at"` // IV: start of the infusion; Spravato: first device
	// DosingStartedAt is when dosing was started through the gate. The
	// minimum time counts from the later of it and the stated first dose,
	// so that a first dose timed too early cannot shorten the stay.
	DosingStartedAt time.Time        `json:"dosing_started_at,omitzero"`
	Now             time.Time        `json:"now"`
	Vitals          []vitals.Reading `json:"vitals"` // the visit's readings, amendments included
	Aldrete         Aldrete          `json:"aldrete"`
	// DriverPresent is set when the driver recorded at check-in has come.
	DriverPresent bool `json:"driver_present"`
	// Alternative is how the patient gets home without the driver (taxi,
	// companion, ...), recorded instead.
	Alternative string `json:"alternative,omitempty"`
	// AftercareGiven is set once the patient was told not to drive until the
	// next day after restful sleep [guide; label].
	AftercareGiven bool `json:"aftercare_given"`
}

// Checklist is what the nurse records towards discharge: how the patient
// gets home, and the after-care given. It is kept as a history: the latest
// counts. (The integration session is no longer a box ticked here: the
// discharge makes it due, and the therapist books and holds it; see
// package integration.)
type Checklist struct {
	DriverPresent  bool
	Alternative    string // taxi, companion, ...: another way home, recorded instead of the driver
	AftercareGiven bool
}

// MaxAlternative is the longest "other way home", in characters.
const MaxAlternative = 200

// Normalize trims what was typed.
func (c Checklist) Normalize() Checklist {
	c.Alternative = strings.TrimSpace(c.Alternative)
	return c
}

// Validate checks a checklist as recorded; errors are EInvalid on
// "alternative".
func (c Checklist) Validate() error {
	if utf8.RuneCountInString(c.Alternative) > MaxAlternative {
		return ketaflow.Invalid("alternative", "the other way home must be at most %d characters", MaxAlternative)
	}
	return nil
}

// Criterion IDs, stable for screens and tests.
const (
	MinTime      = "min_time"
	VitalsLimits = "vitals"
	Sedation     = "sedation"
	Dissociation = "dissociation"
	AldreteScore = "aldrete"
	RideHome     = "ride_home"
	Aftercare    = "aftercare"
)

// Criterion is one condition of discharge, met or not, with the detail a
// nurse needs to act on it.
type Criterion struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Met    bool   `json:"met"`
	Detail string `json:"detail"`
}

// Result is the discharge decision: every criterion, and Ready only when
// all are met.
type Result struct {
	Criteria []Criterion `json:"criteria"`
	Ready    bool        `json:"ready"`
	// EarliestAt is when the minimum time from the first dose is reached.
	EarliestAt time.Time `json:"earliest_at,omitzero"`
	// ReadyWithoutMinimumAt is when the patient was clinically ready to
	// leave, minimum time aside (see ReadyWithoutMinimum); zero if not yet.
	ReadyWithoutMinimumAt time.Time `json:"ready_without_minimum_at,omitzero"`
}

// Unmet lists the criteria not met, in order.
func (r Result) Unmet() []Criterion {
	var out []Criterion
	for _, c := range r.Criteria {
		if !c.Met {
			out = append(out, c)
		}
	}
	return out
}

// Err is nil when the patient may be discharged, else an EBlocked error
// naming every unmet criterion [product brief: no discharge with an unmet
// criterion].
func (r Result) Err() error {
	if r.Ready {
		return nil
	}
	var parts []string
	for _, c := range r.Unmet() {
		parts = append(parts, c.Title+": "+c.Detail)
	}
	return ketaflow.Errorf(ketaflow.EBlocked, "discharge is blocked until every criterion is met; %s", strings.Join(parts, "; "))
}

// Evaluate checks every discharge criterion at f.Now [product brief §5;
// protocol Discharge]:
//
//   - min_time: at least the route's minimum since the first dose (IV, IM
//     90 min; Spravato 120 min, REMS).
//   - vitals: the latest blood pressure is below the discharge limits and
//     the latest SpO2 at least the limit, both taken since the first dose
//     and current: within one vitals interval plus the overdue grace of now.
//   - sedation: the latest MOAA/S since the first dose, current, is at least
//     the protocol's (5: responds readily to name).
//   - dissociation: the latest assessment since the first dose, current,
//     says it has resolved.
//   - aldrete: a modified Aldrete score taken since the first dose is at
//     least the protocol's (9).
//   - ride_home: the driver is present, or another way home is recorded.
//   - aftercare: the no-driving-until-the-next-day instructions were given.
//
// The integration session is not a criterion: the discharge makes it due
// within the protocol's window, and the therapist books it (package
// integration).
func Evaluate(f Facts, p protocol.Protocol) Result {
	var res Result
	res.Criteria = append(res.Criteria, minTime(f, p, &res))
	v, s, d := clinical(f, p, f.Now)
	res.Criteria = append(res.Criteria, v, s, d, aldrete(f, p))

	ride := Criterion{ID: RideHome, Title: "Ride home"}
	switch alt := strings.TrimSpace(f.Alternative); {
	case f.DriverPresent:
		ride.Met, ride.Detail = true, "the recorded driver is present"
	case alt != "":
		ride.Met, ride.Detail = true, "going home by "+alt+" (recorded instead of the driver)"
	default:
		ride.Detail = "the recorded driver is not present and no other way home (taxi, companion) is recorded"
	}
	care := Criterion{ID: Aftercare, Title: "After-care instructions", Met: f.AftercareGiven,
		Detail: "no driving until the next day after restful sleep"}
	if f.AftercareGiven {
		care.Detail = "given: " + care.Detail
	} else {
		care.Detail = "not yet given: " + care.Detail
	}
	res.Criteria = append(res.Criteria, ride, care)

	res.Ready = !slices.ContainsFunc(res.Criteria, func(c Criterion) bool { return !c.Met })
	if at, ok := ReadyWithoutMinimum(f, p); ok {
		res.ReadyWithoutMinimumAt = at
	}
	return res
}

func minTime(f Facts, p protocol.Protocol, res *Result) Criterion {
	c := Criterion{ID: MinTime, Title: "Minimum time since the first dose"}
	switch {
	case !f.Route.Valid():
		c.Detail = "the route of the session is not known"
		return c
	case f.FirstDoseAt.IsZero():
		c.Detail = "no first dose is recorded"
		return c
	}
	need := p.Discharge.MinTime(f.Route)
	c.Title = fmt.Sprintf("At least %d min since the first dose (%s)", int(need.Minutes()), f.Route.Label())
	from, what := f.FirstDoseAt, "the first dose"
	if f.DosingStartedAt.After(from) {
		from, what = f.DosingStartedAt, "the start of dosing"
	}
	res.EarliestAt = from.Add(need)
	since := f.Now.Sub(from)
	c.Met = since >= need
	if c.Met {
		c.Detail = fmt.Sprintf("%s since %s at %s", minutes(since), what, clock(from))
	} else {
		c.Detail = fmt.Sprintf("%s since %s at %s; %s to go (from %s)", minutes(since), what, clock(from),
			minutesUp(need-since), clock(res.EarliestAt))
	}
	return c
}

// clinical evaluates the criteria read from the vitals as they stood at
// instant at: readings taken after at are not yet known.
func clinical(f Facts, p protocol.Protocol, at time.Time) (v, s, d Criterion) {
	dc := p.Discharge
	maxAge := p.Session.VitalsEvery() + p.Session.VitalsOverdueGrace()
	var rs []vitals.Reading
	for _, r := range vitals.Effective(f.Vitals) {
		if r.TakenAt.After(f.FirstDoseAt) && !r.TakenAt.After(at) {
			rs = append(rs, r)
		}
	}
	latest := func(has func(vitals.Reading) bool) (vitals.Reading, bool) {
		for i := len(rs) - 1; i >= 0; i-- {
			if has(rs[i]) {
				return rs[i], true
			}
		}
		return vitals.Reading{}, false
	}
	stale := func(r vitals.Reading) bool { return at.Sub(r.TakenAt) > maxAge }
	staleText := func(what string, r vitals.Reading) string {
		return fmt.Sprintf("the latest %s was at %s, more than %s ago; take it again", what, clock(r.TakenAt), minutes(maxAge))
	}

	v = Criterion{ID: VitalsLimits, Title: fmt.Sprintf("Vitals within discharge limits (below %d/%d, SpO2 at least %d%%)",
		dc.SystolicBelow, dc.DiastolicBelow, dc.SpO2AtLeast)}
	bp, okBP := latest(vitals.WithBP)
	ox, okOx := latest(vitals.WithSpO2)
	switch {
	case !okBP:
		v.Detail = "no blood pressure since the first dose"
	case !okOx:
		v.Detail = "no oxygen saturation since the first dose"
	case stale(bp):
		v.Detail = staleText("blood pressure", bp)
	case stale(ox):
		v.Detail = staleText("oxygen saturation", ox)
	case !dc.VitalsWithin(bp.Systolic, bp.Diastolic, ox.SpO2):
		var why []string
		if !dc.VitalsWithin(bp.Systolic, bp.Diastolic, dc.SpO2AtLeast) {
			why = append(why, fmt.Sprintf("blood pressure %s at %s is not below %d/%d", bp.BP(), clock(bp.TakenAt), dc.SystolicBelow, dc.DiastolicBelow))
		}
		if ox.SpO2 < dc.SpO2AtLeast {
			why = append(why, fmt.Sprintf("SpO2 %d%% at %s is below %d%%", ox.SpO2, clock(ox.TakenAt), dc.SpO2AtLeast))
		}
		v.Detail = strings.Join(why, "; ")
	default:
		v.Met = true
		v.Detail = fmt.Sprintf("blood pressure %s at %s, SpO2 %d%% at %s", bp.BP(), clock(bp.TakenAt), ox.SpO2, clock(ox.TakenAt))
	}

	s = Criterion{ID: Sedation, Title: fmt.Sprintf("Sedation resolved (MOAA/S %d)", dc.MOAASRequired)}
	switch r, ok := latest(vitals.WithSedation); {
	case !ok:
		s.Detail = "no MOAA/S recorded since the first dose"
	case stale(r):
		s.Detail = staleText("MOAA/S", r)
	case *r.Sedation < dc.MOAASRequired:
		s.Detail = fmt.Sprintf("MOAA/S %d at %s; %d is required", *r.Sedation, clock(r.TakenAt), dc.MOAASRequired)
	default:
		s.Met, s.Detail = true, fmt.Sprintf("MOAA/S %d at %s", *r.Sedation, clock(r.TakenAt))
	}

	d = Criterion{ID: Dissociation, Title: "Dissociation resolved"}
	switch r, ok := latest(vitals.WithDissoc); {
	case !ok:
		d.Detail = "dissociation not assessed since the first dose"
	case stale(r):
		d.Detail = staleText("dissociation assessment", r)
	case *r.Dissociation:
		d.Detail = fmt.Sprintf("dissociation still present at %s", clock(r.TakenAt))
	default:
		d.Met, d.Detail = true, fmt.Sprintf("no dissociation at %s", clock(r.TakenAt))
	}
	return v, s, d
}

func aldrete(f Facts, p protocol.Protocol) Criterion {
	need := p.Discharge.AldreteAtLeast
	c := Criterion{ID: AldreteScore, Title: fmt.Sprintf("Modified Aldrete score at least %d of %d", need, AldreteMax)}
	a := f.Aldrete
	switch {
	case !a.Assessed():
		c.Detail = "not scored yet"
	case a.AssessedAt.Before(f.FirstDoseAt) || a.AssessedAt.After(f.Now):
		c.Detail = "the score must be taken after the first dose"
	case a.Validate() != nil:
		c.Detail = "the score is not valid: " + ketaflow.ErrorMessage(a.Validate())
	case a.Total() < need:
		c.Detail = fmt.Sprintf("%d of %d at %s%s", a.Total(), AldreteMax, clock(a.AssessedAt), lowItems(a))
	default:
		c.Met, c.Detail = true, fmt.Sprintf("%d of %d at %s", a.Total(), AldreteMax, clock(a.AssessedAt))
	}
	return c
}

// lowItems names the items scored below 2, for the nurse to look at.
func lowItems(a Aldrete) string {
	var low []string
	for _, it := range AldreteItems {
		if it.get(a) < aldreteItemMax {
			low = append(low, fmt.Sprintf("%s %d (%s)", strings.ToLower(it.Title), it.get(a), a.Describe(it.Key)))
		}
	}
	if len(low) == 0 {
		return ""
	}
	return "; below full marks: " + strings.Join(low, ", ")
}

// ReadyWithoutMinimum returns when the patient was clinically ready to
// leave, the minimum time aside, for the REMS form's "ready to leave"
// question: the first reading since the first dose from which the vitals,
// sedation and dissociation criteria held at every later reading up to
// f.Now. The Aldrete score (taken at discharge) and the ride, after-care and
// booking (paperwork, with no time of their own) are left out: they say
// when the patient left, not when they were well. It returns false when
// the patient is not clinically ready at the latest reading.
func ReadyWithoutMinimum(f Facts, p protocol.Protocol) (time.Time, bool) {
	var times []time.Time
	for _, r := range vitals.Effective(f.Vitals) {
		if r.TakenAt.After(f.FirstDoseAt) && !r.TakenAt.After(f.Now) {
			times = append(times, r.TakenAt)
		}
	}
	var ready time.Time
	for _, t := range times {
		v, s, d := clinical(f, p, t)
		switch {
		case !(v.Met && s.Met && d.Met):
			ready = time.Time{}
		case ready.IsZero():
			ready = t
		}
	}
	return ready, !ready.IsZero()
}

// clock shows a time of day in its own location.
func clock(t time.Time) string { return t.Format("15:04") }

// minutes shows a duration in whole minutes, rounded down.
func minutes(d time.Duration) string { return fmt.Sprintf("%d min", int(d/time.Minute)) }

// minutesUp shows a wait in whole minutes, rounded up, so that "0 min to
// go" never shows while time remains.
func minutesUp(d time.Duration) string {
	return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
}
