// Package reminders is what ketaflow emails patients and when: the
// reminder before a visit (the fasting instructions as clock times and the
// questionnaire link), the integration reminder after discharge (book the
// session with the therapist inside the protocol's window), and the
// morning-after check-in link [product brief, sections 1, 6 and 7]. It
// also holds the retry rule of a message that could not be sent. It knows
// nothing of SMTP or of the queue that carries the messages (store, app).
package reminders

import (
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow/protocol"
)

// Kind is what a message is for. A visit has at most one message of each
// kind: the queue's unique key is the kind and the visit.
type Kind string

const (
	VisitReminder       Kind = "visit_reminder"       // before the visit
	IntegrationReminder Kind = "integration_reminder" // at discharge
	CheckIn             Kind = "check_in"             // the morning after
)

// Kinds lists the kinds in the order of a visit.
var Kinds = []Kind{VisitReminder, IntegrationReminder, CheckIn}

// Label is the kind in words, for the outbox.
func (k Kind) Label() string {
	switch k {
	case VisitReminder:
		return "Visit reminder"
	case IntegrationReminder:
		return "Integration session reminder"
	case CheckIn:
		return "Morning-after check-in"
	}
	return string(k)
}

// Known reports whether ketaflow knows the kind.
func (k Kind) Known() bool {
	switch k {
	case VisitReminder, IntegrationReminder, CheckIn:
		return true
	}
	return false
}

// State is where a queued message stands.
type State string

const (
	Waiting   State = "waiting"   // due at its time (again, after a failed try)
	Running   State = "running"   // a worker is sending it, under a lease
	Sent      State = "sent"      // done
	Failed    State = "failed"    // given up, or it cannot be sent (the error says why)
	Cancelled State = "cancelled" // its visit no longer needs it (the error says why)
)

// VisitReminderAt is when the reminder of a visit at visitAt goes out: the
// protocol's hours before it, or now when the visit was booked later than
// that.
func VisitReminderAt(visitAt, now time.Time, p protocol.Integration) time.Time {
	at := visitAt.Add(-p.ReminderBefore())
	if at.Before(now) {
		return now
	}
	return at
}

// MaxAttempts is how many times a message is tried before it is given up
// as failed and left for the admin to see. With Backoff's waits the last
// try comes some 16 hours after the first: an SMTP server that is down for
// an afternoon delays the reminders but loses none.
const MaxAttempts = 12

// Backoff is how long to wait after a message's nth failed try (n from
// 1) before the next: 1 minute, doubling, at most 4 hours. An outage of a
// few minutes is bridged quickly; a long one is not hammered.
func Backoff(n int) time.Duration {
	const first, most = time.Minute, 4 * time.Hour
	if n < 1 {
		n = 1
	}
	d := first
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

// Message is one email to a patient.
type Message struct {
	To      string
	Subject string
	Text    string // plain text
}

// clock shows a time of day as the clinic writes it: 14:00.
func clock(t time.Time) string { return t.Format("15:04") }

// day shows a date as patients read it: Tuesday 1 December.
func day(t time.Time) string { return t.Format("Monday 2 January") }

// when shows a time with its day, "08:00 on Tuesday 1 December", or only
// the time when it is on the day of ref.
func when(t, ref time.Time) string {
	if y, m, d := t.Date(); func() bool { ry, rm, rd := ref.Date(); return y == ry && m == rm && d == rd }() {
		return clock(t)
	}
	return clock(t) + " on " + day(t)
}

// BeforeVisit words the route's fasting rules as the clock times of a
// visit at visitAt (given in the clinic's zone) [patient guide; Spravato
// label]: no solid food (nor milk, juice, anything with pulp or fat) after
// the food time, clear liquids until the liquid time, the nasal spray by
// its time, and the ride home.
func BeforeVisit(f protocol.Fasting, visitAt time.Time) []string {
	food := visitAt.Add(-f.SolidFood())
	liquid := visitAt.Add(-f.ClearLiquid())
	out := []string{
		fmt.Sprintf("No solid food after %s (%d hours before your visit), and no milk, juice or drinks with pulp or fat after then either.",
			when(food, visitAt), f.SolidFoodHours),
		fmt.Sprintf("Clear liquids (water, black coffee, tea) are fine until %s (%d minutes before), then nothing more to drink.",
			when(liquid, visitAt), f.ClearLiquidMinutes),
	}
	if f.NasalMedicationMinutes > 0 {
		out = append(out, fmt.Sprintf("If you use a nasal corticosteroid or decongestant spray, use it by %s (at least %d minutes before).",
			when(visitAt.Add(-f.NasalMedication()), visitAt), f.NasalMedicationMinutes))
	}
	return append(out, "Arrange for someone to drive you home: you must not drive until the next day, after a night's sleep.")
}

// Visit is what a message says about the visit it belongs to. Times are
// in the clinic's zone.
type Visit struct {
	ClinicName  string
	ClinicPhone string // "" while the clinic has entered none
	PatientName string // the name the patient is greeted by
	At          time.Time
	Route       protocol.Route
}

func greeting(v Visit) string { return "Dear " + v.PatientName + ",\n\n" }

func signature(v Visit) string {
	s := "\nWith best wishes,\n" + v.ClinicName + "\n"
	if v.ClinicPhone != "" {
		s += "Phone: " + v.ClinicPhone + "\n"
	}
	return s
}

// call says how to reach the clinic.
func call(v Visit) string {
	if v.ClinicPhone != "" {
		return "call us on " + v.ClinicPhone
	}
	return "call the clinic"
}

// VisitReminderMessage is the email before a visit: when, the fasting
// rules as clock times, and the link to the questionnaires (valid until
// linkExpires).
func VisitReminderMessage(to string, v Visit, f protocol.Fasting, link string, linkExpires time.Time) Message {
	var b strings.Builder
	b.WriteString(greeting(v))
	fmt.Fprintf(&b, "Your %s visit at %s is at %s on %s.\n\nBefore your visit:\n", v.Route.Label(), v.ClinicName, clock(v.At), day(v.At))
	for _, line := range BeforeVisit(f, v.At) {
		b.WriteString("- " + line + "\n")
	}
	fmt.Fprintf(&b, "\nPlease answer two short questionnaires (PHQ-9 and GAD-7) before you come, on this link:\n%s\n"+
		"The link works once, until %s. You can also answer on the clinic's tablet when you arrive.\n", link, when(linkExpires, v.At))
	fmt.Fprintf(&b, "\nIf you cannot come, please %s.\n", call(v))
	b.WriteString(signature(v))
	return Message{To: to, Subject: fmt.Sprintf("Your visit on %s at %s", day(v.At), clock(v.At)), Text: b.String()}
}

// IntegrationReminderMessage is the email at discharge: book the
// integration session with the therapist before the window closes at
// deadline (in the clinic's zone) [patient guide: the 48-hour "golden
// window"].
func IntegrationReminderMessage(to string, v Visit, deadline time.Time) Message {
	var b strings.Builder
	b.WriteString(greeting(v))
	b.WriteString("Thank you for your session today. The hours after a session are the best time to talk it through with your therapist.\n\n")
	fmt.Fprintf(&b, "Please book your integration session so that it takes place before %s on %s.\n", clock(deadline), day(deadline))
	fmt.Fprintf(&b, "To book, %s; your therapist can also see you by video.\n", call(v))
	b.WriteString("\nRemember: do not drive until tomorrow, after a night's sleep.\n")
	b.WriteString(signature(v))
	return Message{To: to, Subject: "Book your integration session before " + day(deadline), Text: b.String()}
}

// CheckInMessage is the morning-after email with the check-in link (valid
// until linkExpires) and the clinic's crisis help for the patient.
func CheckInMessage(to string, v Visit, link string, linkExpires time.Time, crisis string) Message {
	var b strings.Builder
	b.WriteString(greeting(v))
	b.WriteString("How are you this morning? Please take two minutes to tell us how you slept and how you feel after yesterday's session:\n")
	fmt.Fprintf(&b, "%s\nThe link works once, until %s on %s.\n", link, clock(linkExpires), day(linkExpires))
	fmt.Fprintf(&b, "\nIf you feel unsafe or have thoughts of harming yourself, do not wait for us to read your answers. %s\n", crisis)
	b.WriteString(signature(v))
	return Message{To: to, Subject: "How are you this morning?", Text: b.String()}
}
