package webtest

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/reminders"
)

// Mailbox is an app.Sender that keeps what it is given, in place of an
// SMTP server (app's tests send through a real one).
type Mailbox struct {
	mu   sync.Mutex
	sent []reminders.Message
}

// Send keeps the message.
func (m *Mailbox) Send(_ context.Context, _ string, msg reminders.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

// Sent is what was sent so far, oldest first.
func (m *Mailbox) Sent() []reminders.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]reminders.Message(nil), m.sent...)
}

// LinkBase is where the links in the fixture's emails start.
const LinkBase = "https://clinic.example"

var checkInLink = regexp.MustCompile(regexp.QuoteMeta(LinkBase) + `/c/(\S+)`)

// CheckInToken is the token of the last check-in link emailed to the
// address, "" when none was.
func (m *Mailbox) CheckInToken(to string) string {
	token := ""
	for _, msg := range m.Sent() {
		if l := checkInLink.FindStringSubmatch(msg.Text); l != nil && msg.To == to {
			token = l[1]
		}
	}
	return token
}

// MorningCheckIn discharges a new patient's IV visit (DischargedIV), with
// the email address given on file, and sends what the queue has due at
// 09:00 the next morning in the clinic's zone into box: the check-in link
// among it. It returns the visit and the link's token; the clock is then
// at that morning.
func (f *Fixture) MorningCheckIn(name, email string, box *Mailbox) (visitID, token string) {
	f.T.Helper()
	ctx := context.Background()
	f.App.UseMail(app.Mail{Sender: box, LinkBase: LinkBase})
	id, discharged := f.DischargedIV(name)
	s := f.VisitScreen("nurse", id)
	p, err := f.App.Patient(ctx, f.Actor("frontdesk"), s.Patient.ID)
	if err != nil {
		f.T.Fatal(err)
	}
	if _, err := f.App.AmendPatient(ctx, f.Actor("frontdesk"), p.ID, p.Version, "email address given at discharge",
		func(r *patients.Record) error { r.Email = email; return nil }); err != nil {
		f.T.Fatal(err)
	}
	loc := f.ClinicA.Location()
	y, m, d := discharged.In(loc).Date()
	f.Clock.Set(time.Date(y, m, d+1, 9, 0, 0, 0, loc))
	if _, err := f.App.SendDue(ctx); err != nil {
		f.T.Fatal(err)
	}
	if token = box.CheckInToken(email); token == "" {
		f.T.Fatalf("no check-in link was emailed to %s: %+v", email, box.Sent())
	}
	return id, token
}
