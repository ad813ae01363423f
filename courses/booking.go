package courses

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func sortSessions(s []Session) {
	slices.SortStableFunc(s, func(a, b Session) int {
		if c := a.ScheduledAt.Compare(b.ScheduledAt); c != 0 {
			return c
		}
		return cmp.Compare(a.VisitID, b.VisitID)
	})
}

// Booking is a chair and a patient held for a time: a visit on the
// schedule, or one asked for.
type Booking struct {
	VisitID   string
	PatientID string
	ChairID   string // "" when no chair is assigned yet
	Start     time.Time
	End       time.Time
}

func (b Booking) overlaps(o Booking) bool { return b.Start.Before(o.End) && o.Start.Before(b.End) }

// ConflictKind names the booking rule a request breaks.
type ConflictKind string

const (
	// ChairTaken: one chair holds one patient at a time; its booking covers
	// the route's chair time [product brief: the scheduler books chairs for
	// the route's chair time].
	ChairTaken ConflictKind = "chair_taken"
	// PatientBooked: a patient is in one chair at a time, so two visits of
	// one patient never overlap.
	PatientBooked ConflictKind = "patient_booked"
)

// Conflict is a booking rule broken by another booking.
type Conflict struct {
	Kind ConflictKind
	With Booking
}

// Field is the request field the conflict is reported on.
func (c Conflict) Field() string {
	if c.Kind == PatientBooked {
		return "scheduled_at"
	}
	return "chair_id"
}

// Conflicts lists the rules b breaks against the live bookings in
// existing (the caller leaves out cancelled and finished visits). A booking
// of the same visit (a move) is not a conflict with itself.
func Conflicts(b Booking, existing []Booking) []Conflict {
	var out []Conflict
	for _, o := range existing {
		if o.VisitID == b.VisitID || !b.overlaps(o) {
			continue
		}
		if b.ChairID != "" && o.ChairID == b.ChairID {
			out = append(out, Conflict{Kind: ChairTaken, With: o})
		}
		if o.PatientID == b.PatientID {
			out = append(out, Conflict{Kind: PatientBooked, With: o})
		}
	}
	return out
}

// Slot is a free chair at a time.
type Slot struct {
	Start   time.Time `json:"start"`
	ChairID string    `json:"chair_id"`
}

// SlotStep is how far apart the times a slot is looked for are.
const SlotStep = 15 * time.Minute

// FreeSlots are the times on day, in the protocol's clinic hours and in
// SlotStep steps, where one of chairs is free for minutes and the patient
// has no other visit; each time once, with the first free chair in chairs'
// order. Times before notBefore are left out.
func FreeSlots(day ketaflow.Date, loc *time.Location, patientID string, chairs []string, minutes int,
	existing []Booking, p protocol.Protocol, notBefore time.Time) []Slot {
	from := day.Time(loc).Add(time.Duration(p.Course.BookFromHour) * time.Hour)
	until := day.Time(loc).Add(time.Duration(p.Course.BookUntilHour) * time.Hour)
	length := time.Duration(minutes) * time.Minute
	var out []Slot
	for t := from; !t.Add(length).After(until); t = t.Add(SlotStep) {
		if t.Before(notBefore) {
			continue
		}
		for _, ch := range chairs {
			if len(Conflicts(Booking{PatientID: patientID, ChairID: ch, Start: t, End: t.Add(length)}, existing)) == 0 {
				out = append(out, Slot{Start: t, ChairID: ch})
				break
			}
		}
	}
	return out
}

// Nearest picks up to n slots closest in time to want, earliest first
// among equals, and returns them in time order.
func Nearest(slots []Slot, want time.Time, n int) []Slot {
	s := slices.Clone(slots)
	dist := func(x Slot) time.Duration { return absDur(x.Start.Sub(want)) }
	slices.SortStableFunc(s, func(a, b Slot) int {
		if c := cmp.Compare(dist(a), dist(b)); c != 0 {
			return c
		}
		return a.Start.Compare(b.Start)
	})
	s = s[:min(n, len(s))]
	slices.SortFunc(s, func(a, b Slot) int { return a.Start.Compare(b.Start) })
	return s
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Describe says a conflict for the person booking, with the other
// booking's times in loc; chairName names the chair.
func (c Conflict) Describe(chairName string, loc *time.Location) string {
	from, to := c.With.Start.In(loc).Format("Mon 2 Jan 15:04"), c.With.End.In(loc).Format("15:04")
	if c.Kind == PatientBooked {
		return fmt.Sprintf("the patient already has a visit from %s to %s", from, to)
	}
	return fmt.Sprintf("%s is booked from %s to %s", chairName, from, to)
}
