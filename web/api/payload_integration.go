package api

import (
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/integration"
	"github.com/ketaflow/ketaflow/protocol"
)

// apiIntegration is the integration session of a discharged visit: due
// within the protocol's window after the discharge, booked in a
// therapist's calendar, held, with the therapist's signed notes and the
// patient's journal.
type apiIntegration struct {
	// The visit it integrates (its id is the session's)
	VisitID   string `json:"visit_id"`
	PatientID string `json:"patient_id"`
	// Legal name of the patient
	Patient string `json:"patient"`
	// As the floor board names the patient (initials unless the clinic chose full names)
	PatientBoard string         `json:"patient_board"`
	Route        protocol.Route `json:"route"`
	DischargedAt time.Time      `json:"discharged_at"`
	// End of the window: the discharge plus integration.window_hours (elapsed hours)
	DueBy time.Time `json:"due_by"`
	// due; at_risk (less than integration.at_risk_hours left); missed (not held in the window); held
	Status integration.Status `json:"status" jsonschema:"enum=due,enum=at_risk,enum=missed,enum=held"`
	// Whole minutes to due_by; negative once it has passed
	MinutesLeft int `json:"minutes_left"`
	// Held at or before due_by
	InWindow bool `json:"in_window"`
	// Who holds it: the newest booking's therapist, else the patient's therapist at discharge; null when nobody
	TherapistID   *string             `json:"therapist_id"`
	TherapistName string              `json:"therapist_name"`
	Booking       *apiIntegrationSlot `json:"booking"`
	// How many earlier bookings the current one replaced (kept on record)
	Rebooked int `json:"rebooked"`
	// Discharged before sessions were kept, with the old checkbox "integration session booked" ticked: no time or therapist was recorded
	ChecklistBooked bool                `json:"checklist_booked"`
	Held            *apiIntegrationHeld `json:"held"`
	// A note is signed
	NoteSigned bool `json:"note_signed"`
	// The therapist's signed notes, each with its amendments (empty when content_hidden)
	Notes []apiIntegrationNote `json:"notes"`
	// The patient's journal entries (empty when content_hidden)
	Journal []apiJournalEntry `json:"journal"`
	// The role may not read notes or journal (front desk, admin)
	ContentHidden bool        `json:"content_hidden"`
	Actions       []apiAction `json:"actions"`
}

// apiIntegrationSlot is the current booking.
type apiIntegrationSlot struct {
	StartsAt      time.Time        `json:"starts_at"`
	EndsAt        time.Time        `json:"ends_at"`
	Mode          integration.Mode `json:"mode" jsonschema:"enum=in_person,enum=video"`
	TherapistID   string           `json:"therapist_id"`
	TherapistName string           `json:"therapist_name"`
	BookedBy      string           `json:"booked_by"`
	BookedAt      time.Time        `json:"booked_at"`
	// It starts after due_by
	OutsideWindow bool `json:"outside_window"`
}

// apiIntegrationHeld says when the session was held.
type apiIntegrationHeld struct {
	HeldAt     time.Time `json:"held_at"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// apiIntegrationNote is a signed note or an amendment of one; never changed.
type apiIntegrationNote struct {
	ID       string    `json:"id"`
	Text     string    `json:"text"`
	SignedBy string    `json:"signed_by"`
	SignedAt time.Time `json:"signed_at"`
	// Why, for an amendment
	Reason string `json:"reason"`
	// The corrections, oldest first; the newest is what counts now
	Amendments []apiIntegrationNote `json:"amendments"`
}

// apiJournalEntry is one entry of the patient's journal.
type apiJournalEntry struct {
	Kind      integration.Kind `json:"kind" jsonschema:"enum=vision,enum=feeling"`
	Text      string           `json:"text"`
	WrittenAt time.Time        `json:"written_at"`
}

// apiIntegrationList is GET /api/v1/integration: the sessions that need a
// therapist, each list by its deadline.
type apiIntegrationList struct {
	At time.Time `json:"at"`
	// mine (the caller's and the unassigned) or all
	Scope  string           `json:"scope" jsonschema:"enum=mine,enum=all"`
	AtRisk []apiIntegration `json:"at_risk"`
	Due    []apiIntegration `json:"due"`
	// Not held when the window closed, for integration.missed_shown_days
	Missed []apiIntegration `json:"missed"`
	// Held within the last window, with or without their note
	Held []apiIntegration `json:"held"`
}

// apiBookingInput books (or books again) the integration session in the
// caller's calendar, for integration.session_minutes.
type apiBookingInput struct {
	StartsAt time.Time `json:"starts_at"`
	// in_person or video
	Mode string `json:"mode" jsonschema:"enum=in_person,enum=video"`
}

// apiHeldInput marks the session held.
type apiHeldInput struct {
	// When it was held: not in the future, not before the discharge
	HeldAt time.Time `json:"held_at"`
}

// apiNoteInput is a note to sign.
type apiNoteInput struct {
	Text string `json:"text" jsonschema:"minLength=1,maxLength=20000"`
}

// apiAmendmentInput corrects a signed note.
type apiAmendmentInput struct {
	Text string `json:"text" jsonschema:"minLength=1,maxLength=20000"`
	// Why the signed note is corrected, 10 to 1000 characters
	Reason string `json:"reason" jsonschema:"minLength=10,maxLength=1000"`
}

func toAPIIntegration(v app.IntegrationView, now time.Time) apiIntegration {
	out := apiIntegration{VisitID: v.VisitID, PatientID: v.PatientID, Patient: v.Patient, PatientBoard: v.PatientBoard, Route: v.Route,
		DischargedAt: utcTime(v.DischargedAt), DueBy: utcTime(v.Standing.DueBy), Status: v.Standing.Status,
		MinutesLeft: int(v.Standing.DueBy.Sub(now) / time.Minute), InWindow: v.Standing.InWindow, TherapistName: v.TherapistName,
		Rebooked: v.Rebooked, ChecklistBooked: v.ChecklistBooked, NoteSigned: v.NoteSigned, Notes: []apiIntegrationNote{},
		Journal: []apiJournalEntry{}, ContentHidden: v.ContentHidden, Actions: []apiAction{}}
	if v.TherapistID != "" {
		id := v.TherapistID
		out.TherapistID = &id
	}
	if b := v.Booking; b != nil {
		out.Booking = &apiIntegrationSlot{StartsAt: utcTime(b.Start), EndsAt: utcTime(b.End), Mode: b.Mode, TherapistID: b.TherapistID,
			TherapistName: b.TherapistName, BookedBy: b.BookedBy, BookedAt: utcTime(b.BookedAt), OutsideWindow: b.OutsideWindow}
	}
	if h := v.Held; h != nil {
		out.Held = &apiIntegrationHeld{HeldAt: utcTime(h.HeldAt), RecordedBy: h.RecordedBy, RecordedAt: utcTime(h.RecordedAt)}
	}
	for _, n := range v.Notes {
		out.Notes = append(out.Notes, toAPINote(n))
	}
	for _, e := range v.Journal {
		out.Journal = append(out.Journal, apiJournalEntry{Kind: e.Kind, Text: e.Body, WrittenAt: utcTime(e.WrittenAt)})
	}
	for _, a := range v.Actions {
		out.Actions = append(out.Actions, apiAction{Name: a.Name, Label: a.Label, Allowed: a.Allowed, Reason: a.Reason})
	}
	return out
}

func toAPINote(n app.NoteView) apiIntegrationNote {
	out := apiIntegrationNote{ID: n.ID, Text: n.Body, SignedBy: n.SignedBy, SignedAt: utcTime(n.SignedAt), Reason: n.Reason,
		Amendments: []apiIntegrationNote{}}
	for _, a := range n.Amendments {
		out.Amendments = append(out.Amendments, toAPINote(a))
	}
	return out
}

func toAPIIntegrations(vs []app.IntegrationView, now time.Time) []apiIntegration {
	out := []apiIntegration{}
	for _, v := range vs {
		out = append(out, toAPIIntegration(v, now))
	}
	return out
}

func toAPIIntegrationList(w app.IntegrationList) apiIntegrationList {
	return apiIntegrationList{At: utcTime(w.At), Scope: w.Scope, AtRisk: toAPIIntegrations(w.AtRisk, w.At), Due: toAPIIntegrations(w.Due, w.At),
		Missed: toAPIIntegrations(w.Missed, w.At), Held: toAPIIntegrations(w.Held, w.At)}
}
