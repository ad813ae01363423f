package visits

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
)

// Visit is one patient's visit to a chair: booked, gated, dosed, monitored
// and discharged.
type Visit struct {
	ID        string         `json:"id"`
	ClinicID  string         `json:"-"`
	PatientID string         `json:"patient_id"`
	Route     protocol.Route `json:"route"`
	ChairID   string         `json:"chair_id,omitempty"` // "" until a chair is assigned
	// ScheduledAt is when the patient is expected; Minutes is how long the
	// chair is booked from then (by default the route's chair time).
	ScheduledAt time.Time `json:"scheduled_at"`
	Minutes     int       `json:"minutes"`
	// ProtocolVersion is the number of the protocol version the visit runs
	// under, recorded at booking.
	ProtocolVersion int       `json:"protocol_version"`
	State           State     `json:"state"`
	Comfort         Comfort   `json:"comfort"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Version         int       `json:"version"` // 1 when booked, +1 per move
}

// EndsAt is when the chair booking ends.
func (v Visit) EndsAt() time.Time { return v.ScheduledAt.Add(time.Duration(v.Minutes) * time.Minute) }

// Music is what the patient wants to hear in the chair.
type Music string

const (
	NoPreference Music = ""        // not asked
	ClinicMusic  Music = "music"   // the clinic's playlist
	Silence      Music = "silence" // no music
	OwnMusic     Music = "own"     // the patient brings their own
)

// Musics lists the choices in display order.
var Musics = []Music{NoPreference, ClinicMusic, Silence, OwnMusic}

// Label is the choice's name for people.
func (m Music) Label() string {
	switch m {
	case NoPreference:
		return "No preference"
	case ClinicMusic:
		return "Music"
	case Silence:
		return "Silence"
	case OwnMusic:
		return "Own music"
	}
	return string(m)
}

// Comfort is how the patient likes the chair, so that it is ready before
// they sit down (the patient guide describes recliners, blindfolds and
// blankets; patients say music helps).
type Comfort struct {
	EyeMask      bool   `json:"eye_mask"`
	Blanket      bool   `json:"blanket"`
	Music        Music  `json:"music"`
	LightsDimmed bool   `json:"lights_dimmed"`
	Notes        string `json:"notes"`
}

// MaxComfortNotes is the longest comfort note, in characters.
const MaxComfortNotes = 500

// Validate checks the comfort preferences; errors are EInvalid on
// "comfort.music" or "comfort.notes".
func (c Comfort) Validate() error {
	var p ketaflow.Problems
	c.validate(&p)
	return p.Err()
}

func (c Comfort) validate(p *ketaflow.Problems) {
	if !slices.Contains(Musics, c.Music) {
		p.Add("comfort.music", "music must be music, silence or own (or left empty), not %q", clip(string(c.Music), 20))
	}
	if n := utf8.RuneCountInString(c.Notes); n > MaxComfortNotes {
		p.Add("comfort.notes", "comfort notes must be at most %d characters, not %d", MaxComfortNotes, n)
	}
	if !utf8.ValidString(c.Notes) || strings.ContainsFunc(c.Notes, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		p.Add("comfort.notes", "comfort notes must be plain text")
	}
}

// Transition is one move of a visit, kept as its history: who moved it,
// when and why.
type Transition struct {
	VisitID string    `json:"visit_id"`
	From    State     `json:"from"`
	To      State     `json:"to"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`      // user id
	ByName  string    `json:"by_name"` // as staff saw it when read
	Reason  string    `json:"reason,omitempty"`
}

// Booking is a request to put a visit on the schedule, as a form posts it.
type Booking struct {
	ClinicID    string    `json:"-"`
	PatientID   string    `json:"patient_id"`
	Route       string    `json:"route"` // as typed: "iv", "esketamine", ...
	ChairID     string    `json:"chair_id"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Minutes     int       `json:"minutes"` // 0 = the route's chair time
	Comfort     Comfort   `json:"comfort"`
}

// Booking limits. They catch slips of the keyboard, not clinical rules.
const (
	// PastGrace is how far in the past a visit may still be booked: a walk-in
	// entered a few minutes after the patient sat down.
	PastGrace = 15 * time.Minute
	// Horizon is how far ahead a visit may be booked; further is a typo in
	// the year.
	Horizon = 366 * 24 * time.Hour
	// MaxMinutes is the longest chair booking: one clinic day.
	MaxMinutes = 12 * 60
	// MaxReason is the longest reason for a move, in characters.
	MaxReason = 1000
)

// ValidateBooking checks a booking request and returns the new visit in
// state Booked, stamped with protocolVersion and now. The route goes through
// protocol.ParseRoute, which refuses oral ketamine; Minutes of 0 becomes the
// route's chair time, and a shorter booking is refused because the chair
// would be double-booked. The visit's ID is left for storage to assign.
// Every problem is reported at once as an EInvalid error.
func ValidateBooking(b Booking, p protocol.Protocol, protocolVersion int, now time.Time) (Visit, error) {
	var probs ketaflow.Problems
	if !ketaflow.ValidID(b.ClinicID) {
		probs.Add("clinic_id", "the visit must belong to a clinic")
	}
	if !ketaflow.ValidID(b.PatientID) {
		probs.Add("patient_id", "choose the patient for the visit")
	}
	chair := strings.TrimSpace(b.ChairID)
	if chair != "" && !ketaflow.ValidID(chair) {
		probs.Add("chair_id", "chair must be one of the clinic's chairs")
	}
	route, err := protocol.ParseRoute(b.Route)
	if err != nil {
		probs.Add("route", "%s", ketaflow.ErrorMessage(err))
	}
	switch {
	case b.ScheduledAt.IsZero():
		probs.Add("scheduled_at", "the date and time of the visit are required")
	case b.ScheduledAt.Before(now.Add(-PastGrace)):
		probs.Add("scheduled_at", "the visit at %s is in the past; book it from %s on",
			b.ScheduledAt.Format("2006-01-02 15:04"), now.Add(-PastGrace).Format("2006-01-02 15:04"))
	case b.ScheduledAt.After(now.Add(Horizon)):
		probs.Add("scheduled_at", "the visit at %s is more than a year ahead; check the year", b.ScheduledAt.Format("2006-01-02"))
	}
	minutes := b.Minutes
	if err == nil {
		least := int(p.ChairTime(route) / time.Minute)
		switch {
		case minutes == 0:
			minutes = least
		case minutes < least || minutes > MaxMinutes:
			probs.Add("minutes", "%s needs the chair for %d to %d minutes (the protocol's chair time from the first dose is %d), not %d",
				route.Label(), least, MaxMinutes, least, minutes)
		}
	}
	if protocolVersion < 1 {
		probs.Add("protocol_version", "the visit must record the protocol version it runs under")
	}
	b.Comfort.validate(&probs)
	if err := probs.Err(); err != nil {
		return Visit{}, err
	}
	c := b.Comfort
	c.Notes = strings.TrimSpace(c.Notes)
	return Visit{
		ClinicID:        b.ClinicID,
		PatientID:       b.PatientID,
		Route:           route,
		ChairID:         chair,
		ScheduledAt:     b.ScheduledAt,
		Minutes:         minutes,
		ProtocolVersion: protocolVersion,
		State:           Booked,
		Comfort:         c,
		CreatedAt:       now,
		UpdatedAt:       now,
		Version:         1,
	}, nil
}

// Advance makes a move that no clinical rule guards (check in, cancel, end
// at the gate, stop early, go back a step) at time at, by the actor. It
// returns the visit moved on, with Version+1, and the transition to keep.
//
// Errors: EUnauthorized without a user; ENotFound for a visit of another
// clinic; EConflict or EForbidden from CheckTransition; EBlocked for a
// guarded move (use ClearForDosing, StartDosing or AdvanceThroughDischarge);
// EInvalid on "reason" when the move needs one and it is empty or too long.
func Advance(v Visit, to State, by access.Actor, reason string, at time.Time) (Visit, Transition, error) {
	m, err := allowed(v, to, by)
	if err != nil {
		return Visit{}, Transition{}, err
	}
	switch m.Guard {
	case GuardGate:
		return Visit{}, Transition{}, ketaflow.Errorf(ketaflow.EBlocked,
			"a visit becomes %s only through the pre-session gate", to.Label())
	case GuardDischarge:
		return Visit{}, Transition{}, ketaflow.Errorf(ketaflow.EBlocked,
			"a visit becomes %s only when every discharge criterion holds", to.Label())
	}
	return move(v, m, by, reason, at)
}

// ClearForDosing moves a checked-in visit to Cleared when the gate, just
// evaluated for this visit, clears it. The transition's reason is the gate's
// summary, naming warnings and overrides.
func ClearForDosing(v Visit, g intake.Gate, by access.Actor, at time.Time) (Visit, Transition, error) {
	return throughGate(v, Cleared, g, by, at)
}

// StartDosing moves a cleared visit to Dosing when the gate, evaluated again
// at this moment, still clears it: vitals may have gone stale or a new
// reading come in since the patient was cleared.
func StartDosing(v Visit, g intake.Gate, by access.Actor, at time.Time) (Visit, Transition, error) {
	return throughGate(v, Dosing, g, by, at)
}

func throughGate(v Visit, to State, g intake.Gate, by access.Actor, at time.Time) (Visit, Transition, error) {
	m, err := allowed(v, to, by)
	if err != nil {
		return Visit{}, Transition{}, err
	}
	if m.Guard != GuardGate {
		return Visit{}, Transition{}, ketaflow.Errorf(ketaflow.EConflict, "%s does not go through the pre-session gate", describe(v.State, to))
	}
	if err := gateAllows(v, g); err != nil {
		return Visit{}, Transition{}, err
	}
	return move(v, m, by, g.Summary(), at)
}

// gateAllows checks the gate itself rather than trusting Cleared alone: it
// must have run every check for the visit's route and have no block left.
func gateAllows(v Visit, g intake.Gate) error {
	want := intake.CheckIDs
	if v.Route != protocol.Spravato {
		want = slices.DeleteFunc(slices.Clone(want), func(id intake.CheckID) bool { return id == intake.CheckREMS })
	}
	var missing []string
	for _, id := range want {
		if _, ok := g.Check(id); !ok {
			missing = append(missing, id.Name())
		}
	}
	if len(missing) > 0 {
		return ketaflow.Errorf(ketaflow.EBlocked, "the pre-session gate for this %s visit did not run every check (missing: %s); run the gate again",
			v.Route.Label(), strings.Join(missing, ", "))
	}
	if blocks := g.Blocking(); len(blocks) > 0 || !g.Cleared {
		parts := make([]string, len(blocks))
		for i, c := range blocks {
			parts[i] = c.Title + ": " + c.Reason
		}
		return ketaflow.Errorf(ketaflow.EBlocked, "the patient is not cleared for dosing: %s", strings.Join(parts, "; "))
	}
	return nil
}

// AdvanceThroughDischarge makes a move guarded by the discharge criteria
// (to Ready for discharge, or to Discharged). unmet is the discharge
// package's list of criteria that do not hold right now, each a sentence;
// the move is EBlocked unless it is empty.
func AdvanceThroughDischarge(v Visit, to State, unmet []string, by access.Actor, at time.Time) (Visit, Transition, error) {
	m, err := allowed(v, to, by)
	if err != nil {
		return Visit{}, Transition{}, err
	}
	if m.Guard != GuardDischarge {
		return Visit{}, Transition{}, ketaflow.Errorf(ketaflow.EConflict, "%s does not go through the discharge criteria", describe(v.State, to))
	}
	if len(unmet) > 0 {
		return Visit{}, Transition{}, ketaflow.Errorf(ketaflow.EBlocked, "discharge criteria not met: %s", strings.Join(unmet, "; "))
	}
	return move(v, m, by, "every discharge criterion holds", at)
}

// allowed finds the move and checks the actor may make it.
func allowed(v Visit, to State, by access.Actor) (Move, error) {
	if by.UserID == "" {
		return Move{}, ketaflow.Errorf(ketaflow.EUnauthorized, "please log in")
	}
	if by.ClinicID != "" && v.ClinicID != "" && by.ClinicID != v.ClinicID {
		return Move{}, ketaflow.NotFound("visit")
	}
	if err := CheckTransition(v.State, to, by.Role); err != nil {
		return Move{}, err
	}
	m, _ := LookupMove(v.State, to)
	return m, nil
}

// move applies m to v.
func move(v Visit, m Move, by access.Actor, reason string, at time.Time) (Visit, Transition, error) {
	reason = strings.TrimSpace(reason)
	var probs ketaflow.Problems
	switch n := utf8.RuneCountInString(reason); {
	case m.NeedsReason && n == 0:
		probs.Add("reason", "say why the visit becomes %s", m.To.Label())
	case n > MaxReason:
		probs.Add("reason", "the reason must be at most %d characters, not %d", MaxReason, n)
	}
	if at.IsZero() {
		probs.Add("at", "the time of the move is required")
	}
	if err := probs.Err(); err != nil {
		return Visit{}, Transition{}, err
	}
	t := Transition{VisitID: v.ID, From: v.State, To: m.To, At: at, By: by.UserID, ByName: by.Name, Reason: reason}
	v.State, v.UpdatedAt, v.Version = m.To, at, v.Version+1
	return v, t, nil
}

// String reads a transition for a log line.
func (t Transition) String() string {
	s := fmt.Sprintf("%s → %s by %s", t.From.Label(), t.To.Label(), t.ByName)
	if t.Reason != "" {
		s += ": " + t.Reason
	}
	return s
}
