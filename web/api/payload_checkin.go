package api

import (
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/checkin"
	"github.com/ketaflow/ketaflow/reminders"
)

// apiCheckInAnswers is the patient's morning-after check-in, sent from
// the link they were emailed.
type apiCheckInAnswers struct {
	// From 0 (the worst the patient has felt) to 10 (the best)
	Mood *int `json:"mood" jsonschema:"required"`
	// How the patient slept the night after the session
	Sleep checkin.Sleep `json:"sleep" jsonschema:"required"`
	// The effects of the session still felt; none when left out
	Effects []checkin.Effect `json:"effects,omitempty"`
	// The answer to "Since your session, have you had thoughts of harming
	// yourself, or that you would be better off dead?"
	Safety *bool `json:"safety" jsonschema:"required"`
	// Anything else for the care team, at most 2000 characters
	Note string `json:"note,omitempty"`
}

func (a apiCheckInAnswers) answers() checkin.Answers {
	return checkin.Answers{Mood: a.Mood, Sleep: a.Sleep, Effects: a.Effects, Safety: a.Safety, Note: a.Note}
}

// apiCheckInSaved is what the patient is told once the answers are saved.
type apiCheckInSaved struct {
	// The answers were worrying (the safety question answered yes, or a
	// mood at or below the protocol's integration.check_in_low_mood_at_or_below):
	// an alert went to the prescriber and the therapist at once
	Alerted bool `json:"alerted"`
	// The clinic's crisis help to show the patient when alerted
	CrisisResources string `json:"crisis_resources,omitempty"`
}

// apiCheckIn is a visit's morning-after check-in as staff see it.
type apiCheckIn struct {
	SubmittedAt time.Time        `json:"submitted_at"`
	Mood        int              `json:"mood"`
	Sleep       checkin.Sleep    `json:"sleep"`
	Effects     []checkin.Effect `json:"effects"`
	// The safety question answered yes
	Safety bool   `json:"safety"`
	Note   string `json:"note"`
	// Why the answers are worrying; empty when they are not
	Worries []checkin.Worry `json:"worries"`
	// The alert the answers raised; absent when none
	AlertID string `json:"alert_id,omitempty"`
}

func toAPICheckIn(c *app.CheckInView) *apiCheckIn {
	if c == nil {
		return nil
	}
	out := &apiCheckIn{SubmittedAt: utcTime(c.SubmittedAt), Sleep: c.Answers.Sleep, Effects: []checkin.Effect{},
		Note: c.Answers.Note, Worries: []checkin.Worry{}, AlertID: c.AlertID}
	if c.Answers.Mood != nil {
		out.Mood = *c.Answers.Mood
	}
	out.Safety = c.Answers.Safety != nil && *c.Answers.Safety
	out.Effects = append(out.Effects, c.Answers.Effects...)
	out.Worries = append(out.Worries, c.Worries...)
	return out
}

// apiOutbox is the queue of emails to patients, for the admin: no message
// text.
type apiOutbox struct {
	// An SMTP server is configured (serve --smtp-url); when not, nothing is
	// sent and not_configured says so
	Configured    bool               `json:"configured"`
	NotConfigured string             `json:"not_configured,omitempty"`
	Counts        []apiOutboxCount   `json:"counts"`
	Messages      []apiOutboxMessage `json:"messages"`
}

type apiOutboxCount struct {
	State reminders.State `json:"state"`
	N     int             `json:"n"`
}

// apiOutboxMessage is one queued email, the latest due first.
type apiOutboxMessage struct {
	ID        string         `json:"id"`
	Kind      reminders.Kind `json:"kind"`
	PatientID string         `json:"patient_id"`
	VisitID   string         `json:"visit_id"`
	// The address tried; "" until tried
	Recipient string          `json:"recipient"`
	DueAt     time.Time       `json:"due_at"`
	State     reminders.State `json:"state"`
	// Tries so far
	Attempts  int            `json:"attempts"`
	LastError string         `json:"last_error"`
	DoneAt    *time.Time     `json:"done_at"`
	Tries     []apiOutboxTry `json:"tries"`
}

type apiOutboxTry struct {
	N         int       `json:"n"`
	StartedAt time.Time `json:"started_at"`
	// running, sent, retry, failed, cancelled or abandoned (the worker stopped before it recorded the outcome)
	Outcome string `json:"outcome"`
	Error   string `json:"error"`
}

func toAPIOutbox(o app.OutboxView) apiOutbox {
	out := apiOutbox{Configured: o.Configured, NotConfigured: o.NotConfigured, Counts: []apiOutboxCount{}, Messages: []apiOutboxMessage{}}
	for _, c := range o.Counts {
		out.Counts = append(out.Counts, apiOutboxCount{State: c.State, N: c.N})
	}
	for _, m := range o.Messages {
		am := apiOutboxMessage{ID: m.ID, Kind: m.Kind, PatientID: m.PatientID, VisitID: m.VisitID, Recipient: m.Recipient,
			DueAt: utcTime(m.DueAt), State: m.State, Attempts: m.Attempts, LastError: m.LastError, DoneAt: utcTimePtr(m.DoneAt),
			Tries: []apiOutboxTry{}}
		for _, t := range m.Tries {
			am.Tries = append(am.Tries, apiOutboxTry{N: t.N, StartedAt: utcTime(t.StartedAt), Outcome: t.Outcome, Error: t.Error})
		}
		out.Messages = append(out.Messages, am)
	}
	return out
}
