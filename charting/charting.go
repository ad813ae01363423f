// Package charting is the rule for the times clinicians write down: when a
// reading was taken, a dose given, a device used, an event seen. A stated
// time may not be earlier than the moment that makes it possible (no first
// dose before dosing started, no device before the first dose, no reading
// before the patient checked in), nor in the future, nor after a closed
// visit ended. Writing it down late is real and allowed, honestly: an
// entry whose time is more than the protocol's late-entry minutes before it
// was recorded needs a reason, and it is shown as "entered late" with both
// times.
//
// It is plain Go: no HTTP, no SQL and no clock; the times are passed in.
package charting

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
)

// ClockSkew is how far in the future a stated time may be: the clocks of a
// tablet and the server differ by a little. It is not a clinical rule.
const ClockSkew = 2 * time.Minute

// Reason lengths, in characters.
const (
	MinReason = 5
	MaxReason = 500
)

// Bound is a moment of the visit that an entry may not precede (or, for an
// end, follow), with its name for the message: "dosing started".
type Bound struct {
	At   time.Time
	What string
}

// Entry is the time stated for something that happened and when it was
// written down, with the reason when it is written down late.
type Entry struct {
	At         time.Time
	RecordedAt time.Time
	LateReason string
}

// Correction is the entry of a correction of an earlier one: its own late
// reason, or else the correction's reason, which says why it is written
// down now.
func Correction(at, recordedAt time.Time, lateReason, amendReason string) Entry {
	if strings.TrimSpace(lateReason) == "" {
		lateReason = amendReason
	}
	return Entry{At: at, RecordedAt: recordedAt, LateReason: lateReason}
}

// Late reports whether the entry was written down more than lateAfter after
// the time it states.
func (e Entry) Late(lateAfter time.Duration) bool { return e.RecordedAt.Sub(e.At) > lateAfter }

// Rule is what one kind of entry must respect.
type Rule struct {
	// Field names the entry's time in errors ("taken_at", "at").
	Field string
	// What names the entry for people ("the reading", "the first dose").
	What string
	// NotBefore are the moments the entry may not precede; each zero one is
	// ignored.
	NotBefore []Bound
	// NotAfter, when set, is the moment the entry may not follow: the end
	// of a closed visit.
	NotAfter Bound
	// LateAfter is the protocol's late-entry limit.
	LateAfter time.Duration
	// Location is the clinic's zone, for the clock times in messages.
	Location *time.Location
}

// Check checks an entry against the rule. A zero At means "now": it
// becomes RecordedAt, as does an At ahead of it by no more than ClockSkew. The entry returned has its reason trimmed, and empty
// when the entry is not late.
//
// Errors: EInvalid on the rule's field when the time is in the future or
// after the end of a closed visit, EBlocked on it when the time is before a
// bound (the message names the bound and its time), and EInvalid on
// "late_reason" when a late entry has no reason (or one too long).
func (r Rule) Check(e Entry) (Entry, error) {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	clock := func(t time.Time) string { return t.In(loc).Format("15:04") }
	if e.At.IsZero() {
		e.At = e.RecordedAt
	}
	if e.At.After(e.RecordedAt.Add(ClockSkew)) {
		return e, ketaflow.Invalid(r.Field, "%s cannot be in the future (it is %s now)", capitalize(r.What), clock(e.RecordedAt))
	}
	// A time a little ahead is the device's clock, not the future: it is
	// recorded as now, so that no record (the ledger refuses entries ahead
	// of its clock) states a moment that has not come.
	if e.At.After(e.RecordedAt) {
		e.At = e.RecordedAt
	}
	for _, b := range r.NotBefore {
		if !b.At.IsZero() && e.At.Before(b.At) {
			return e, &ketaflow.Error{Code: ketaflow.EBlocked, Field: r.Field, Message: fmt.Sprintf(
				"%s cannot be before %s at %s; check the time", capitalize(r.What), b.What, clock(b.At))}
		}
	}
	if !r.NotAfter.At.IsZero() && e.At.After(r.NotAfter.At) {
		return e, ketaflow.Invalid(r.Field, "%s cannot be after %s at %s: a late entry records what happened during the visit",
			capitalize(r.What), r.NotAfter.What, clock(r.NotAfter.At))
	}
	e.LateReason = strings.TrimSpace(e.LateReason)
	if !e.Late(r.LateAfter) {
		e.LateReason = ""
		return e, nil
	}
	switch n := utf8.RuneCountInString(e.LateReason); {
	case n < MinReason:
		return e, ketaflow.Invalid("late_reason", "%s is timed %s, %s before it is entered: say why it is entered late (at least %d characters)",
			capitalize(r.What), clock(e.At), spoken(e.RecordedAt.Sub(e.At)), MinReason)
	case n > MaxReason:
		return e, ketaflow.Invalid("late_reason", "the reason for the late entry must be at most %d characters", MaxReason)
	}
	return e, nil
}

// Describe says how an entry was charted, for the audit log and the
// screens: "" when on time, else "entered late at 11:40 for 10:05: reason".
func Describe(e Entry, lateAfter time.Duration, loc *time.Location) string {
	if !e.Late(lateAfter) {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return fmt.Sprintf("entered late at %s for %s: %s", e.RecordedAt.In(loc).Format("15:04"), e.At.In(loc).Format("15:04"),
		e.LateReason)
}

// spoken says a duration as a nurse would: "95 min", "3 h 5 min".
func spoken(d time.Duration) string {
	m := int(d / time.Minute)
	if m < 120 {
		return fmt.Sprintf("%d min", m)
	}
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
