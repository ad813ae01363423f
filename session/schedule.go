package session

import (
	"fmt"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

// DueKind is why a vitals check is scheduled.
type DueKind string

const (
	Regular         DueKind = "regular"          // every VitalsEvery minutes [practice]
	Extra           DueKind = "extra"            // at VitalsAt, about 40 min: BP peaks for IV, and the REMS form asks [label; REMS]
	BeforeDischarge DueKind = "before_discharge" // the last check, at the earliest discharge
)

// Due is one scheduled vitals check and its window. A reading with a blood
// pressure taken from Opens to OverdueAt does it; without one it is overdue
// after OverdueAt [protocol Session.VitalsOverdueGrace: the same grace
// either side of the due time].
type Due struct {
	Kind      DueKind       `json:"kind"`
	At        time.Time     `json:"at"`
	After     time.Duration `json:"after"` // from the first dose
	Opens     time.Time     `json:"opens"`
	OverdueAt time.Time     `json:"overdue_at"`
	Label     string        `json:"label"`
}

// Schedule lists the vitals checks of a session from the first dose, in
// time order: every VitalsEvery minutes, one at VitalsAt (merged with a
// regular check at the same minute), and one before discharge at the end of
// the protocol's session on the route (the discharge minimum, or later if
// the clinic's phases and rest run longer). The last regular check is the
// one before that. Like protocol.ByRoute.Get it panics on an unknown route.
func Schedule(firstDose time.Time, route protocol.Route, p protocol.Protocol) []Due {
	s := p.Session
	end := p.SessionLength(route)
	grace := s.VitalsOverdueGrace()
	mk := func(kind DueKind, after time.Duration) Due {
		at := firstDose.Add(after)
		d := Due{Kind: kind, At: at, After: after, Opens: at.Add(-grace), OverdueAt: at.Add(grace)}
		switch kind {
		case Regular:
			d.Label = fmt.Sprintf("%d min", int(after.Minutes()))
		case Extra:
			d.Label = fmt.Sprintf("%d min (blood pressure peak; REMS form)", int(after.Minutes()))
		case BeforeDischarge:
			d.Label = fmt.Sprintf("before discharge (%d min)", int(after.Minutes()))
		}
		return d
	}
	var out []Due
	if every := s.VitalsEvery(); every > 0 {
		for after := every; after < end; after += every {
			kind := Regular
			if after == s.VitalsAt() {
				kind = Extra
			}
			out = append(out, mk(kind, after))
		}
	}
	if at := s.VitalsAt(); at > 0 && at < end && !slices.ContainsFunc(out, func(d Due) bool { return d.After == at }) {
		out = append(out, mk(Extra, at))
	}
	out = append(out, mk(BeforeDischarge, end))
	slices.SortStableFunc(out, func(a, b Due) int { return a.At.Compare(b.At) })
	return out
}

// CheckState is where a scheduled check stands.
type CheckState string

const (
	Upcoming CheckState = "upcoming"  // its window has not opened
	DueNow   CheckState = "due"       // its window is open and no reading yet
	Overdue  CheckState = "overdue"   // its window closed without a reading
	Done     CheckState = "done"      // a reading was taken in its window
	DoneLate CheckState = "done_late" // a reading came after the window, before the next check
)

// Label is the state in words.
func (s CheckState) Label() string {
	switch s {
	case Upcoming:
		return "upcoming"
	case DueNow:
		return "due now"
	case Overdue:
		return "overdue"
	case Done:
		return "done"
	case DoneLate:
		return "done late"
	}
	return string(s)
}

// DueStatus is a scheduled check with its state and the reading that did
// it, if any.
type DueStatus struct {
	Due
	State     CheckState `json:"state"`
	ReadingID string     `json:"reading_id,omitempty"`
	TakenAt   time.Time  `json:"taken_at,omitzero"`
}

// ScheduleStatus marks each check of schedule at now from the session's
// readings. Only effective readings (amendments applied) with a blood
// pressure count, since the blood pressure is what the checks are for. A
// reading may do two checks whose windows overlap (40 and 45 min). A
// reading after a window closed does the check late, if it comes before the
// next check's window opens; the check before discharge is done by any
// reading from its window's opening on.
func ScheduleStatus(schedule []Due, readings []vitals.Reading, now time.Time) []DueStatus {
	var bp []vitals.Reading
	for _, r := range vitals.Effective(readings) {
		if r.HasBP() && !r.TakenAt.After(now) {
			bp = append(bp, r)
		}
	}
	find := func(from, to time.Time, open bool) (vitals.Reading, bool) {
		for _, r := range bp {
			if r.TakenAt.Before(from) {
				continue
			}
			if to.IsZero() || r.TakenAt.Before(to) || (!open && r.TakenAt.Equal(to)) {
				return r, true
			}
		}
		return vitals.Reading{}, false
	}
	out := make([]DueStatus, len(schedule))
	for i, d := range schedule {
		st := DueStatus{Due: d}
		until := d.OverdueAt
		if d.Kind == BeforeDischarge {
			until = time.Time{}
		}
		if r, ok := find(d.Opens, until, false); ok {
			st.State, st.ReadingID, st.TakenAt = Done, r.ID, r.TakenAt
		} else if r, ok := find(d.OverdueAt.Add(time.Nanosecond), nextOpens(schedule, i), true); ok && d.Kind != BeforeDischarge {
			st.State, st.ReadingID, st.TakenAt = DoneLate, r.ID, r.TakenAt
		} else {
			switch {
			case now.After(d.OverdueAt):
				st.State = Overdue
			case !now.Before(d.Opens):
				st.State = DueNow
			default:
				st.State = Upcoming
			}
		}
		out[i] = st
	}
	return out
}

// nextOpens is when the window of the check after i opens, or the zero
// time after the last.
func nextOpens(schedule []Due, i int) time.Time {
	if i+1 < len(schedule) {
		return schedule[i+1].Opens
	}
	return time.Time{}
}

// Next returns the check the floor board shows: the first overdue one, else
// the first due now, else the first upcoming; false when all are done.
func Next(statuses []DueStatus) (DueStatus, bool) {
	for _, want := range []CheckState{Overdue, DueNow, Upcoming} {
		for _, s := range statuses {
			if s.State == want {
				return s, true
			}
		}
	}
	return DueStatus{}, false
}
