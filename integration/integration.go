// Package integration holds the rules of the integration session: the
// therapy session with the patient's therapist in the window after each
// discharge (the patient guide's 48-hour "golden window"), its booking in
// the therapist's calendar, its holding, the therapist's signed note and the
// patient's journal.
//
// It is plain Go: no HTTP, no SQL and no clock. Every function that depends
// on the time takes it; every number comes from protocol.Integration.
package integration

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Status is where an integration session stands.
type Status string

const (
	// Due: not held, and more than the at-risk time of its window left.
	Due Status = "due"
	// AtRisk: not held, and less than the at-risk time left (default 12 h).
	AtRisk Status = "at_risk"
	// Missed: not held when its window closed.
	Missed Status = "missed"
	// Held: the therapist marked it held (inside the window or late).
	Held Status = "held"
)

// Label is the status in words.
func (s Status) Label() string {
	switch s {
	case Due:
		return "Due"
	case AtRisk:
		return "At risk"
	case Missed:
		return "Missed"
	case Held:
		return "Held"
	}
	return string(s)
}

// Standing is an integration session judged at a moment.
type Standing struct {
	Status Status
	// DueBy is the end of the window: the discharge plus the protocol's
	// window, counted in elapsed hours (a daylight-saving change in the
	// clinic's zone neither lengthens nor shortens it).
	DueBy time.Time
	// Left is the time to DueBy; negative once it has passed.
	Left time.Duration
	// InWindow: held at or before DueBy.
	InWindow bool
}

// DueBy is the end of the integration window of a visit discharged at
// dischargedAt [patient guide: the 48 hours after a session; protocol
// integration.window_hours]. It is elapsed time, not calendar days.
func DueBy(dischargedAt time.Time, p protocol.Integration) time.Time {
	return dischargedAt.Add(p.Window())
}

// Judge says where an integration session stands at now [product brief §6;
// protocol integration.window_hours, integration.at_risk_hours]:
//
//   - held: heldAt is set; InWindow when it is at or before the end of
//     the window (the window includes its last instant, so a session held
//     at exactly 48 h is inside);
//   - missed: not held and now is after the end of the window;
//   - at_risk: not held, the window still open and less than the at-risk
//     time left (exactly 12 h left is not yet at risk);
//   - due: otherwise.
func Judge(dischargedAt time.Time, heldAt *time.Time, now time.Time, p protocol.Integration) Standing {
	due := DueBy(dischargedAt, p)
	s := Standing{DueBy: due, Left: due.Sub(now)}
	switch {
	case heldAt != nil:
		s.Status, s.InWindow = Held, !heldAt.After(due)
	case now.After(due):
		s.Status = Missed
	case s.Left < p.AtRisk():
		s.Status = AtRisk
	default:
		s.Status = Due
	}
	return s
}

// Mode is how the session is held.
type Mode string

const (
	InPerson Mode = "in_person"
	Video    Mode = "video"
)

// Modes lists the modes in the order a form offers them.
var Modes = []Mode{InPerson, Video}

// Label is the mode in words.
func (m Mode) Label() string {
	switch m {
	case InPerson:
		return "In person"
	case Video:
		return "By video"
	}
	return string(m)
}

// ParseMode reads a mode; the error is EInvalid on "mode".
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.TrimSpace(s))
	if slices.Contains(Modes, m) {
		return m, nil
	}
	return "", ketaflow.Invalid("mode", "mode must be in_person or video")
}

// Slot is a span of a therapist's calendar.
type Slot struct {
	Start time.Time
	End   time.Time
}

// Overlaps reports whether two slots share any time; one ending when the
// other starts does not.
func (s Slot) Overlaps(o Slot) bool { return s.Start.Before(o.End) && o.Start.Before(s.End) }

// Clash returns the first booked slot that overlaps want: a therapist is
// never booked twice at once [issue 10: no double booking of a therapist].
func Clash(want Slot, booked []Slot) (Slot, bool) {
	for _, b := range booked {
		if want.Overlaps(b) {
			return b, true
		}
	}
	return Slot{}, false
}

// SlotStep is the grid on which free slots are offered: quarter hours, as a
// calendar is read.
const SlotStep = 15 * time.Minute

// searchSpan is how far either side of the asked time free slots are
// looked for.
const searchSpan = 7 * 24 * time.Hour

// NearestFree offers up to n free slots of the protocol's session length,
// nearest to want's start first (earlier first on a tie), on the quarter
// hours, inside the calendar hours in loc, starting no earlier than
// notBefore, and overlapping nothing booked.
func NearestFree(want time.Time, booked []Slot, notBefore time.Time, loc *time.Location, p protocol.Integration, n int) []Slot {
	length := p.SessionLength()
	base := want.Truncate(SlotStep)
	var out []Slot
	fits := func(start time.Time) bool {
		if start.Before(notBefore) {
			return false
		}
		s := Slot{Start: start, End: start.Add(length)}
		if !withinHours(s, loc, p) {
			return false
		}
		_, clash := Clash(s, booked)
		return !clash
	}
	for k := time.Duration(0); k <= searchSpan && len(out) < n; k += SlotStep {
		starts := []time.Time{base.Add(-k)}
		if k > 0 {
			starts = append(starts, base.Add(k))
		}
		for _, start := range starts {
			if len(out) < n && fits(start) {
				out = append(out, Slot{Start: start, End: start.Add(length)})
			}
		}
	}
	return out
}

// withinHours reports whether a slot lies inside the calendar hours of its
// day in loc.
func withinHours(s Slot, loc *time.Location, p protocol.Integration) bool {
	st := s.Start.In(loc)
	y, m, d := st.Date()
	open := time.Date(y, m, d, p.CalendarFromHour, 0, 0, 0, loc)
	shut := time.Date(y, m, d, p.CalendarToHour, 0, 0, 0, loc)
	return !st.Before(open) && !s.End.After(shut)
}

// ValidateStart checks the start of a booking at now: not in the past (the
// minute now is in counts as now). The error is EInvalid on "starts_at".
func ValidateStart(start, now time.Time) error {
	if start.IsZero() {
		return ketaflow.Invalid("starts_at", "say when the session starts")
	}
	if start.Before(now.Truncate(time.Minute)) {
		return ketaflow.Invalid("starts_at", "the session cannot be booked in the past; it is now %s", now.UTC().Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// ValidateHeld checks when a session was held, recorded at now: not in the
// future and not before the discharge it integrates. The error is EInvalid
// on "held_at".
func ValidateHeld(heldAt, dischargedAt, now time.Time, loc *time.Location) error {
	switch {
	case heldAt.IsZero():
		return ketaflow.Invalid("held_at", "say when the session was held")
	case heldAt.After(now):
		return ketaflow.Invalid("held_at", "the session cannot be marked held in the future; it is now %s", now.In(loc).Format("Mon 2 Jan 15:04"))
	case heldAt.Before(dischargedAt):
		return ketaflow.Invalid("held_at", "the session cannot have been held before the discharge it integrates, at %s",
			dischargedAt.In(loc).Format("Mon 2 Jan 15:04"))
	}
	return nil
}

// Limits of what is typed.
const (
	MaxNote   = 20000 // a therapy note, characters
	MaxEntry  = 5000  // a journal entry, characters
	MinReason = 10
	MaxReason = 1000
)

// ValidateNote checks a note's text; the error is EInvalid on "text".
func ValidateNote(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return "", ketaflow.Invalid("text", "the note is empty: write what the session was about")
	case n > MaxNote:
		return "", ketaflow.Invalid("text", "the note must be at most %d characters (it has %d)", MaxNote, n)
	}
	return text, nil
}

// ValidateAmendment checks an amendment: its text as a note, and its reason,
// which says why the signed note is corrected. Errors are EInvalid on
// "text" or "reason".
func ValidateAmendment(text, reason string) (string, string, error) {
	text, err := ValidateNote(text)
	if err != nil {
		return "", "", err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < MinReason || n > MaxReason {
		return "", "", ketaflow.Invalid("reason", "say why the signed note is amended (%d to %d characters)", MinReason, MaxReason)
	}
	return text, reason, nil
}

// Kind is what a journal entry is about [product brief §6: visions,
// feelings].
type Kind string

const (
	Vision  Kind = "vision"
	Feeling Kind = "feeling"
)

// Kinds lists the kinds in the order the tablet offers them.
var Kinds = []Kind{Vision, Feeling}

// Label is the kind in words.
func (k Kind) Label() string {
	switch k {
	case Vision:
		return "What I saw"
	case Feeling:
		return "What I felt"
	}
	return string(k)
}

// ValidateEntry checks a journal entry; errors are EInvalid on "kind" or
// "text".
func ValidateEntry(kind, text string) (Kind, string, error) {
	k := Kind(strings.TrimSpace(kind))
	if !slices.Contains(Kinds, k) {
		return "", "", ketaflow.Invalid("kind", "choose what the entry is about: vision or feeling")
	}
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return "", "", ketaflow.Invalid("text", "the entry is empty: write what you saw or felt")
	case n > MaxEntry:
		return "", "", ketaflow.Invalid("text", "the entry must be at most %d characters (it has %d)", MaxEntry, n)
	}
	return k, text, nil
}

// Left says the time left (or past) in words, for lists: "5 h 20 min left",
// "3 h overdue".
func Left(d time.Duration) string {
	past := d < 0
	if past {
		d = -d
	}
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	var s string
	switch {
	case h == 0:
		s = fmt.Sprintf("%d min", m)
	case m == 0:
		s = fmt.Sprintf("%d h", h)
	default:
		s = fmt.Sprintf("%d h %d min", h, m)
	}
	if past {
		return s + " past the window"
	}
	return s + " left"
}

// Session is the integration session of one discharged visit, as stored:
// its bookings (the newest counts), its hold, the therapist's notes and the
// patient's journal.
type Session struct {
	VisitID   string
	ClinicID  string
	PatientID string
	// TherapistID is the patient's therapist when the visit was
	// discharged; "" when none was assigned.
	TherapistID  string
	DischargedAt time.Time
	// ChecklistBooked: the visit was discharged before integration
	// sessions were kept, with the old checkbox "integration session
	// booked" ticked; no time, therapist or mode was ever recorded.
	ChecklistBooked bool
	Bookings        []Booking // oldest first
	Hold            *Hold
	Notes           []Note  // oldest first; an amendment names the note it corrects
	Journal         []Entry // oldest first
}

// Booking is the newest booking, or nil.
func (s Session) Booking() *Booking {
	if len(s.Bookings) == 0 {
		return nil
	}
	return &s.Bookings[len(s.Bookings)-1]
}

// Therapist is who holds the session: the therapist of the newest booking,
// else the patient's therapist at discharge.
func (s Session) Therapist() string {
	if b := s.Booking(); b != nil {
		return b.TherapistID
	}
	return s.TherapistID
}

// HeldAt is when the session was held, or nil.
func (s Session) HeldAt() *time.Time {
	if s.Hold == nil {
		return nil
	}
	return &s.Hold.HeldAt
}

// Booking is a time in a therapist's calendar for the session.
type Booking struct {
	ID          string
	TherapistID string
	Slot        Slot
	Mode        Mode
	BookedBy    string
	BookedAt    time.Time
}

// Hold records that the session took place.
type Hold struct {
	HeldAt     time.Time
	RecordedBy string
	RecordedAt time.Time
}

// Note is a therapist's signed note, or an amendment of one: signed when
// written, never changed; a correction is a new note that names the one it
// amends and says why.
type Note struct {
	ID       string
	Body     string
	SignedBy string
	SignedAt time.Time
	Amends   string // the note this one corrects; "" for an original
	Reason   string // why, for an amendment
}

// Entry is one journal entry of the patient.
type Entry struct {
	ID        string
	Kind      Kind
	Body      string
	Source    string // "tablet"
	WrittenAt time.Time
}

// SourceTablet names an entry written on the clinic tablet.
const SourceTablet = "tablet"
