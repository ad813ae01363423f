package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/integration"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// The integration session after each discharge [product brief §6; issue
// 10]: due within the protocol's window (default 48 h), booked by a
// therapist in their own calendar, held, and written up in a signed note;
// the patient's journal from the clinic tablet is kept with it.

// Steps of an integration session.
const (
	ActBookIntegration   ActionName = "book_integration"
	ActHoldIntegration   ActionName = "hold_integration"
	ActWriteNote         ActionName = "write_integration_note"
	ActAmendNote         ActionName = "amend_integration_note"
	ActHandTabletJournal ActionName = "hand_tablet_for_journal"
)

// IntegrationView is one integration session as the reader may see it.
// Times are in the clinic's zone.
type IntegrationView struct {
	VisitID   string
	PatientID string
	Patient   string // legal name
	// PatientBoard is the patient as the floor board names them.
	PatientBoard string
	Route        protocol.Route
	DischargedAt time.Time
	Standing     integration.Standing
	// NextChange is when the session moves to the next list by time alone
	// (due to at risk, at risk to missed); zero once held or missed.
	NextChange time.Time
	// TherapistID, TherapistName: who holds it (the newest booking's
	// therapist, else the patient's therapist at discharge); "" when
	// nobody is assigned yet.
	TherapistID   string
	TherapistName string
	Booking       *BookingView
	// Rebooked counts the earlier bookings the newest replaced.
	Rebooked int
	// ChecklistBooked: discharged before sessions were kept, with the old
	// checkbox ticked; when or with whom was never recorded.
	ChecklistBooked bool
	Held            *HoldView
	// Notes are the therapist's signed notes, each with its amendments;
	// Journal the patient's entries. Both are empty when ContentHidden.
	Notes         []NoteView
	Journal       []EntryView
	NoteSigned    bool // a note is signed (shown to every role)
	ContentHidden bool
	Actions       []Action
}

// BookingView is a booking as shown.
type BookingView struct {
	Start, End    time.Time
	Mode          integration.Mode
	TherapistID   string
	TherapistName string
	BookedBy      string
	BookedAt      time.Time
	// OutsideWindow: it starts after the end of the window.
	OutsideWindow bool
}

// HoldView is when the session was held, and who said so.
type HoldView struct {
	HeldAt     time.Time
	RecordedBy string
	RecordedAt time.Time
}

// NoteView is a signed note, or an amendment of one.
type NoteView struct {
	ID         string
	Body       string
	SignedBy   string
	SignedAt   time.Time
	Reason     string     // why, for an amendment
	Amendments []NoteView // oldest first; the newest is what counts now
}

// Current is the text that counts now: the newest amendment's, else the
// original's.
func (n NoteView) Current() string {
	if len(n.Amendments) > 0 {
		return n.Amendments[len(n.Amendments)-1].Body
	}
	return n.Body
}

// EntryView is a journal entry as shown.
type EntryView struct {
	Kind      integration.Kind
	Body      string
	WrittenAt time.Time
}

// Act returns the named action, or nil when the view does not list it
// (the reader's role may not take it).
func (v IntegrationView) Act(name ActionName) *Action {
	for _, a := range v.Actions {
		if a.Name == name {
			return &a
		}
	}
	return nil
}

// IntegrationList is the integration sessions of the clinic that need someone:
// due, at risk, missed (for the protocol's days after the window closed),
// and held recently, each oldest deadline first.
type IntegrationList struct {
	At     time.Time
	Clinic ketaflow.Clinic
	// Scope is "mine" (the therapist's own, and those nobody holds yet)
	// or "all".
	Scope string
	// WindowHours, AtRiskHours: the clinic's protocol now, for the page's
	// words (each session is judged by its visit's protocol version).
	WindowHours, AtRiskHours int
	AtRisk                   []IntegrationView
	Due                      []IntegrationView
	Missed                   []IntegrationView
	Held                     []IntegrationView
}

// Count is how many sessions need doing: at risk, due and missed.
func (w IntegrationList) Count() int { return len(w.AtRisk) + len(w.Due) + len(w.Missed) }

// IntegrationList scopes.
const (
	ScopeMine = "mine"
	ScopeAll  = "all"
)

// heldListed is how long a held session stays on the worklist, for its
// note to be written: the protocol's window.
func heldListed(p protocol.Integration) time.Duration { return p.Window() }

// IntegrationWorklist lists the integration sessions for the worklist in
// one audited read. A therapist sees their own and the unassigned ones
// unless scope is "all"; every other role sees all.
func (a *App) IntegrationWorklist(ctx context.Context, actor access.Actor, scope string) (IntegrationList, error) {
	switch scope {
	case "":
		scope = ScopeAll
		if actor.Role == access.Therapist {
			scope = ScopeMine
		}
	case ScopeMine, ScopeAll:
	default:
		return IntegrationList{}, ketaflow.Invalid("scope", "scope must be mine or all")
	}
	var out IntegrationList
	err := a.view(ctx, actor, op{Action: access.IntegrationList, Category: access.CatVisit, Detail: "integration worklist (" + scope + ")"},
		func(tx *store.Tx, o *op) error {
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			out, err = a.integrationList(tx, actor, c, scope)
			return err
		})
	return out, err
}

// worklist assembles the lists in tx.
func (a *App) integrationList(tx *store.Tx, actor access.Actor, c ketaflow.Clinic, scope string) (IntegrationList, error) {
	now := a.Clock.Now()
	w := IntegrationList{At: now.In(c.Location()), Clinic: c, Scope: scope}
	cur, err := tx.CurrentProtocol(c.ID)
	if err != nil {
		return w, err
	}
	pi := protocolVersion(cur).Rules.Integration
	w.WindowHours, w.AtRiskHours = pi.WindowHours, pi.AtRiskHours
	since := now.Add(-pi.Window() - max(pi.MissedShown(), heldListed(pi)))
	rows, err := tx.IntegrationSessions(c.ID, since)
	if err != nil {
		return w, err
	}
	names, err := userNames(tx, c.ID)
	if err != nil {
		return w, err
	}
	ps := newProtocols(tx)
	for _, r := range rows {
		if scope == ScopeMine && r.Therapist() != actor.UserID && r.Therapist() != "" {
			continue
		}
		p, err := ps.of(c.ID, r.ProtocolVersion)
		if err != nil {
			return w, err
		}
		v := integrationView(r, c, p.Integration, now, names, actor, false)
		switch v.Standing.Status {
		case integration.AtRisk:
			w.AtRisk = append(w.AtRisk, v)
		case integration.Due:
			w.Due = append(w.Due, v)
		case integration.Missed:
			if now.Sub(v.Standing.DueBy) <= p.Integration.MissedShown() {
				w.Missed = append(w.Missed, v)
			}
		case integration.Held:
			if now.Sub(v.Held.HeldAt) <= heldListed(p.Integration) {
				w.Held = append(w.Held, v)
			}
		}
	}
	byDue := func(x, y IntegrationView) int { return x.Standing.DueBy.Compare(y.Standing.DueBy) }
	for _, l := range [][]IntegrationView{w.AtRisk, w.Due, w.Missed} {
		slices.SortStableFunc(l, byDue)
	}
	slices.SortStableFunc(w.Held, func(x, y IntegrationView) int { return y.Held.HeldAt.Compare(x.Held.HeldAt) })
	return w, nil
}

func userNames(tx *store.Tx, clinicID string) (map[string]string, error) {
	us, err := tx.Users(clinicID)
	names := map[string]string{}
	for _, u := range us {
		names[u.ID] = u.Name
	}
	return names, err
}

// integrationView is a session as the actor may see it; whole adds the
// notes and journal (for the roles that may read them) and the actions.
func integrationView(r store.IntegrationRow, c ketaflow.Clinic, p protocol.Integration, now time.Time, names map[string]string,
	actor access.Actor, whole bool) IntegrationView {
	loc := c.Location()
	st := integration.Judge(r.DischargedAt, r.HeldAt(), now, p)
	st.DueBy = st.DueBy.In(loc)
	v := IntegrationView{VisitID: r.VisitID, PatientID: r.PatientID, Patient: r.PatientName,
		PatientBoard: boardName(c.Boards(), r.PatientName), Route: r.Route, DischargedAt: r.DischargedAt.In(loc), Standing: st,
		TherapistID: r.Therapist(), TherapistName: names[r.Therapist()], ChecklistBooked: r.ChecklistBooked,
		NoteSigned: len(r.Notes) > 0}
	switch st.Status {
	case integration.Due:
		v.NextChange = st.DueBy.Add(-p.AtRisk())
	case integration.AtRisk:
		v.NextChange = st.DueBy.Add(time.Second)
	}
	if b := r.Booking(); b != nil {
		v.Booking = &BookingView{Start: b.Slot.Start.In(loc), End: b.Slot.End.In(loc), Mode: b.Mode, TherapistID: b.TherapistID,
			TherapistName: names[b.TherapistID], BookedBy: names[b.BookedBy], BookedAt: b.BookedAt.In(loc),
			OutsideWindow: b.Slot.Start.After(st.DueBy)}
		v.Rebooked = len(r.Bookings) - 1
	}
	if h := r.Hold; h != nil {
		v.Held = &HoldView{HeldAt: h.HeldAt.In(loc), RecordedBy: names[h.RecordedBy], RecordedAt: h.RecordedAt.In(loc)}
	}
	if !whole {
		return v
	}
	if Sees(actor.Role, PartIntegrationContent) {
		v.Notes = noteViews(r.Notes, loc, names)
		for _, e := range r.Journal {
			v.Journal = append(v.Journal, EntryView{Kind: e.Kind, Body: e.Body, WrittenAt: e.WrittenAt.In(loc)})
		}
	} else {
		v.ContentHidden = true
	}
	v.Actions = integrationActions(r.Session, actor)
	return v
}

// noteViews threads the amendments under the note they correct.
func noteViews(ns []integration.Note, loc *time.Location, names map[string]string) []NoteView {
	var out []NoteView
	at := map[string]int{}
	for _, n := range ns {
		nv := NoteView{ID: n.ID, Body: n.Body, SignedBy: names[n.SignedBy], SignedAt: n.SignedAt.In(loc), Reason: n.Reason}
		if n.Amends == "" {
			at[n.ID] = len(out)
			out = append(out, nv)
			continue
		}
		if i, ok := at[n.Amends]; ok {
			out[i].Amendments = append(out[i].Amendments, nv)
			at[n.ID] = i
		}
	}
	return out
}

// integrationSteps are the steps of a session: the permission each needs
// and the rule that allows it now, asked by the view's actions and by the
// service before it writes.
var integrationSteps = []struct {
	name  ActionName
	label string
	perm  access.Action
	rule  func(s integration.Session, actor access.Actor) string // "" when allowed
}{
	{ActBookIntegration, "Book", access.IntegrationBook, func(s integration.Session, _ access.Actor) string {
		if s.Hold != nil {
			return "the session is held; it is not booked again"
		}
		return ""
	}},
	{ActHoldIntegration, "Mark held", access.IntegrationHold, func(s integration.Session, actor access.Actor) string {
		switch {
		case s.Hold != nil:
			return "the session is marked held already"
		case s.Booking() == nil && !s.ChecklistBooked:
			return "book the session first"
		case s.Therapist() != actor.UserID:
			return "the session is booked with another therapist; they mark it held"
		}
		return ""
	}},
	{ActWriteNote, "Sign note", access.IntegrationNote, func(s integration.Session, actor access.Actor) string {
		switch {
		case s.Hold == nil:
			return "mark the session held first; the note is about the session held"
		case s.Therapist() != actor.UserID:
			return "the therapist who held the session writes its note"
		}
		return ""
	}},
	{ActAmendNote, "Amend", access.IntegrationNote, func(s integration.Session, actor access.Actor) string {
		if !slices.ContainsFunc(s.Notes, func(n integration.Note) bool { return n.SignedBy == actor.UserID }) {
			return "only the therapist who signed a note amends it"
		}
		return ""
	}},
	{ActHandTabletJournal, "Hand the tablet to the patient for their journal", access.JournalHandOff,
		func(integration.Session, access.Actor) string { return "" }},
}

// integrationActions lists the steps the actor's role may take, allowed
// now or not with the reason.
func integrationActions(s integration.Session, actor access.Actor) []Action {
	var out []Action
	for _, st := range integrationSteps {
		if !access.Can(actor.Role, st.perm) {
			continue
		}
		why := st.rule(s, actor)
		out = append(out, Action{Name: st.name, Label: st.label, Allowed: why == "", Reason: why})
	}
	return out
}

// allowIntegration asks the step's rule; the error is EConflict with the
// reason.
func allowIntegration(name ActionName, s integration.Session, actor access.Actor) error {
	for _, st := range integrationSteps {
		if st.name == name {
			if why := st.rule(s, actor); why != "" {
				return ketaflow.Errorf(ketaflow.EConflict, "%s", upperFirst(why))
			}
			return nil
		}
	}
	return ketaflow.Internal("integration step", fmt.Errorf("no step %q", name))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// integrationState is what a call on one session reads, in its
// transaction.
type integrationState struct {
	row    store.IntegrationRow
	clinic ketaflow.Clinic
	proto  protocol.Integration
	names  map[string]string
}

func (a *App) loadIntegration(tx *store.Tx, actor access.Actor, visitID string, lock bool) (integrationState, error) {
	var st integrationState
	var err error
	if lock {
		// One write at a time on a session: the visit's row lock.
		if _, err := tx.LockVisit(actor.ClinicID, visitID); err != nil {
			if ketaflow.IsCode(err, ketaflow.ENotFound) {
				return st, ketaflow.NotFound("integration session")
			}
			return st, err
		}
	}
	if st.row, err = tx.IntegrationSession(actor.ClinicID, visitID); err != nil {
		return st, err
	}
	if st.clinic, err = tx.Clinic(actor.ClinicID); err != nil {
		return st, err
	}
	row, err := tx.ProtocolVersion(actor.ClinicID, st.row.ProtocolVersion)
	if err != nil {
		return st, err
	}
	st.proto = protocolVersion(row).Rules.Integration
	st.names, err = userNames(tx, actor.ClinicID)
	return st, err
}

func (st integrationState) view(a *App, actor access.Actor) IntegrationView {
	return integrationView(st.row, st.clinic, st.proto, a.Clock.Now(), st.names, actor, true)
}

// Integration reads one integration session (the visit it integrates) in
// one audited read.
func (a *App) Integration(ctx context.Context, actor access.Actor, visitID string) (IntegrationView, error) {
	var out IntegrationView
	cat := access.CatVisit
	if Sees(actor.Role, PartIntegrationContent) {
		cat = access.CatClinical
	}
	err := a.view(ctx, actor, op{Action: access.IntegrationRead, Category: cat, Detail: "integration session of visit " + visitID},
		func(tx *store.Tx, o *op) error {
			st, err := a.loadIntegration(tx, actor, visitID, false)
			if err != nil {
				return err
			}
			o.PatientID = st.row.PatientID
			out = st.view(a, actor)
			return nil
		})
	return out, err
}

// integrationWrite runs one write on a session: permission, the step's
// rule under the visit's lock, the write, one audit entry, and the session
// read again in the same transaction. A refusal returns the session as it
// stood.
func (a *App) integrationWrite(ctx context.Context, actor access.Actor, name ActionName, perm access.Action, category, visitID string,
	write func(tx *store.Tx, st *integrationState, o *op) error) (IntegrationView, error) {
	var out IntegrationView
	err := a.do(ctx, actor, op{Action: perm, Category: category}, func(tx *store.Tx, o *op) error {
		st, err := a.loadIntegration(tx, actor, visitID, true)
		if err != nil {
			return err
		}
		o.PatientID = st.row.PatientID
		if err := allowIntegration(name, st.row.Session, actor); err != nil {
			out = st.view(a, actor)
			return err
		}
		if err := write(tx, &st, o); err != nil {
			out = st.view(a, actor)
			return err
		}
		after, err := a.loadIntegration(tx, actor, visitID, false)
		if err != nil {
			return err
		}
		out = after.view(a, actor)
		o.changed(actor.ClinicID, TopicIntegration, visitID)
		return nil
	})
	return out, err
}

// BookInput is a booking as asked for.
type BookInput struct {
	StartsAt time.Time
	Mode     string
}

// FreeSlotsShown is how many of the nearest free slots a clash offers.
const FreeSlotsShown = 3

// BookIntegration books the session in the caller's own calendar (a
// therapist), for the protocol's session length; booking again replaces
// the earlier booking, which is kept.
//
// Errors: EInvalid on starts_at (missing, in the past) or mode; EConflict
// when the session is held, or on starts_at when the therapist is booked
// then, naming the clash and offering the nearest free slots.
func (a *App) BookIntegration(ctx context.Context, actor access.Actor, visitID string, in BookInput) (IntegrationView, error) {
	return a.integrationWrite(ctx, actor, ActBookIntegration, access.IntegrationBook, access.CatVisit, visitID,
		func(tx *store.Tx, st *integrationState, o *op) error {
			now := a.Clock.Now()
			mode, err := integration.ParseMode(in.Mode)
			if err != nil {
				return err
			}
			if err := integration.ValidateStart(in.StartsAt, now); err != nil {
				return err
			}
			want := integration.Slot{Start: in.StartsAt.UTC(), End: in.StartsAt.UTC().Add(st.proto.SessionLength())}
			if err := tx.LockTherapistCalendar(actor.ClinicID, actor.UserID); err != nil {
				return err
			}
			span := 8 * 24 * time.Hour
			cal, err := tx.TherapistCalendar(actor.UserID, want.Start.Add(-span), want.End.Add(span))
			if err != nil {
				return err
			}
			var booked []integration.Slot
			for _, e := range cal {
				if e.VisitID != visitID { // a new booking of this session replaces its own
					booked = append(booked, e.Slot)
				}
			}
			if clash, ok := integration.Clash(want, booked); ok {
				return clashError(clash, integration.NearestFree(want.Start, booked, now, st.clinic.Location(), st.proto, FreeSlotsShown),
					st.clinic.Location())
			}
			b := integration.Booking{ID: ketaflow.NewID(), TherapistID: actor.UserID, Slot: want, Mode: mode, BookedBy: actor.UserID,
				BookedAt: now}
			o.Detail = fmt.Sprintf("integration session of visit %s booked (%s)", visitID, mode)
			return tx.InsertIntegrationBooking(actor.ClinicID, visitID, b)
		})
}

// clashError names the booking in the way and offers the nearest free
// slots.
func clashError(clash integration.Slot, free []integration.Slot, loc *time.Location) error {
	msg := fmt.Sprintf("you are booked for another integration session from %s to %s", clash.Start.In(loc).Format("Mon 2 Jan 15:04"),
		clash.End.In(loc).Format("15:04"))
	if len(free) == 0 {
		msg += "; no free time was found within a week either side"
	} else {
		var fs []string
		for _, s := range free {
			fs = append(fs, s.Start.In(loc).Format("Mon 2 Jan 15:04"))
		}
		msg += "; the nearest free times are " + strings.Join(fs, ", ")
	}
	return &ketaflow.Error{Code: ketaflow.EConflict, Field: "starts_at", Message: msg,
		Fields: []ketaflow.FieldError{{Field: "starts_at", Message: msg}}}
}

// HoldIntegration marks the session held at heldAt, by its therapist.
//
// Errors: EInvalid on held_at (in the future, before the discharge);
// EConflict when it is held already, not booked, or another therapist's.
func (a *App) HoldIntegration(ctx context.Context, actor access.Actor, visitID string, heldAt time.Time) (IntegrationView, error) {
	return a.integrationWrite(ctx, actor, ActHoldIntegration, access.IntegrationHold, access.CatVisit, visitID,
		func(tx *store.Tx, st *integrationState, o *op) error {
			now := a.Clock.Now()
			if err := integration.ValidateHeld(heldAt, st.row.DischargedAt, now, st.clinic.Location()); err != nil {
				return err
			}
			o.Detail = "integration session of visit " + visitID + " held"
			return tx.InsertIntegrationHold(actor.ClinicID, visitID, integration.Hold{HeldAt: heldAt.UTC(), RecordedBy: actor.UserID, RecordedAt: now})
		})
}

// WriteIntegrationNote signs the therapist's note of a held session. A
// session may have several notes; none is ever changed.
//
// Errors: EInvalid on text; EConflict when the session is not held or
// another therapist's.
func (a *App) WriteIntegrationNote(ctx context.Context, actor access.Actor, visitID, text string) (IntegrationView, error) {
	return a.integrationWrite(ctx, actor, ActWriteNote, access.IntegrationNote, access.CatClinical, visitID,
		func(tx *store.Tx, st *integrationState, o *op) error {
			text, err := integration.ValidateNote(text)
			if err != nil {
				return err
			}
			o.Detail = "integration note signed on visit " + visitID
			return tx.InsertIntegrationNote(actor.ClinicID, visitID, integration.Note{ID: ketaflow.NewID(), Body: text,
				SignedBy: actor.UserID, SignedAt: a.Clock.Now()})
		})
}

// AmendIntegrationNote signs a correction of a note (or of its newest
// amendment: the chain stays under the original) with the reason; the
// original and every earlier amendment are kept.
//
// Errors: EInvalid on text or reason; ENotFound for a note not of this
// session; EForbidden for another therapist's note.
func (a *App) AmendIntegrationNote(ctx context.Context, actor access.Actor, visitID, noteID, text, reason string) (IntegrationView, error) {
	return a.integrationWrite(ctx, actor, ActAmendNote, access.IntegrationNote, access.CatClinical, visitID,
		func(tx *store.Tx, st *integrationState, o *op) error {
			i := slices.IndexFunc(st.row.Notes, func(n integration.Note) bool { return n.ID == noteID })
			if i < 0 {
				return ketaflow.NotFound("note")
			}
			if st.row.Notes[i].SignedBy != actor.UserID {
				return ketaflow.Errorf(ketaflow.EForbidden, "only the therapist who signed a note amends it")
			}
			text, reason, err := integration.ValidateAmendment(text, reason)
			if err != nil {
				return err
			}
			o.Detail = "integration note " + noteID + " amended on visit " + visitID
			return tx.InsertIntegrationNote(actor.ClinicID, visitID, integration.Note{ID: ketaflow.NewID(), Body: text,
				SignedBy: actor.UserID, SignedAt: a.Clock.Now(), Amends: noteID, Reason: reason})
		})
}

// LeftWords is the time left of the window (or past it) in words.
func (v IntegrationView) LeftWords() string { return integration.Left(v.Standing.Left) }
