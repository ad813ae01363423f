package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/reminders"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"

	kmail "github.com/ketaflow/ketaflow/mail"
)

// smtpServer is a real SMTP server on the loopback (go-smtp), with
// STARTTLS and AUTH PLAIN, that keeps what it received. hold, when set,
// makes the delivery of the message with that number (from 1) wait until
// release is closed, after telling reached: the test stops the sender
// while that message is on the wire.
type smtpServer struct {
	addr string
	tls  *tls.Config // the client's: it trusts the server's certificate

	mu       sync.Mutex
	received []receivedMail
	// refuse answers RCPT TO for the address with a temporary 451 this
	// many times.
	refuse map[string]int

	hold    int
	reached chan struct{}
	release chan struct{}
}

type receivedMail struct {
	To, MessageID, Subject, Body string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	s := &smtpServer{tls: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		refuse: map[string]int{}, reached: make(chan struct{}, 1), release: make(chan struct{})}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: s}, nil }

type smtpSession struct {
	srv    *smtpServer
	authed bool
	to     string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "clinic" || password != "s3cret-pass" {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *smtpSession) Mail(from string, opts *smtp.MailOptions) error {
	if !s.authed {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	return nil
}
func (s *smtpSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.refuse[to] > 0 {
		s.srv.refuse[to]--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailbox busy, try again later"}
	}
	s.to = to
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	n := len(s.srv.received) + 1
	hold := s.srv.hold == n
	s.srv.mu.Unlock()
	if hold {
		s.srv.reached <- struct{}{}
		<-s.srv.release
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.received = append(s.srv.received, receivedMail{To: s.to, MessageID: m.Header.Get("Message-Id"),
		Subject: m.Header.Get("Subject"), Body: string(body)})
	return nil
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

func (s *smtpServer) mails() []receivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedMail(nil), s.received...)
}

// sender is a ketaflow SMTP client of the server.
func (s *smtpServer) sender(t *testing.T) *kmail.SMTP {
	t.Helper()
	m, err := kmail.New(kmail.Config{URL: "smtp://clinic:s3cret-pass@" + s.addr, From: "Clinic A <reminders@clinic.example>", TLS: s.tls})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *ledgerFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// withMail is another App on the same database and clock, as a restarted
// server would be, sending through sender.
func (f *ledgerFixture) withMail(sender Sender) *App {
	a := New(f.a.DB, f.clock, slog.New(slog.NewTextHandler(io.Discard, nil)), PasswordCost(access.CheapArgon2()),
		WithMail(Mail{Sender: sender, LinkBase: "https://clinic.example"}))
	return a
}

// bookDay registers n patients with email addresses and books each a
// visit the day after tomorrow, an hour apart from 09:00 in the clinic's
// zone: their reminders come due tomorrow.
func (f *ledgerFixture) bookDay(n int) []VisitView {
	f.t.Helper()
	ctx := context.Background()
	loc := f.clinic.Location()
	y, m, d := f.clock.Now().In(loc).Date()
	var out []VisitView
	for i := range n {
		p, err := f.a.CreatePatient(ctx, f.actor("frontdesk"), patients.Record{LegalName: fmt.Sprintf("Patient %c Reminder", 'A'+i),
			BirthDate: ketaflow.Date{Year: 1980, Month: 3, Day: 14}, Sex: patients.Female, Phone: "+1 555 010 0199",
			Email: fmt.Sprintf("patient%d@example.org", i)}, nil)
		if err != nil {
			f.t.Fatal(err)
		}
		v, err := f.a.BookVisit(ctx, f.actor("frontdesk"), visits.Booking{PatientID: p.ID, Route: "iv",
			ScheduledAt: time.Date(y, m, d+2, 9+i, 0, 0, 0, loc)})
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestRemindersArriveExactlyOnceAcrossARestart is issue 10's proof: a
// day's reminders go through a real SMTP server; the sender is stopped
// while the third is on the wire, a new one starts on the same database,
// and every reminder arrived exactly once.
func TestRemindersArriveExactlyOnceAcrossARestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newLedgerFixture(t, db)
		srv := startSMTP(t)
		const n = 6
		booked := f.bookDay(n)

		// Only the fixture's own visit of today is due (its patient has no
		// address): none of the day's reminders before their time.
		first := f.withMail(srv.sender(t))
		if got, err := first.SendDue(context.Background()); err != nil || got != 1 || len(srv.mails()) != 0 {
			t.Fatalf("before the reminders are due: handled %d, %v, and %d mails; want only the fixture's visit, unsent", got, err, len(srv.mails()))
		}
		f.clock.Set(booked[n-1].Visit.ScheduledAt.Add(-24 * time.Hour))

		srv.mu.Lock()
		srv.hold = 3
		srv.mu.Unlock()
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		var handled int
		go func() {
			var err error
			handled, err = first.SendDue(ctx)
			done <- err
		}()
		select {
		case <-srv.reached:
		case <-time.After(30 * time.Second):
			t.Fatal("the third reminder never reached the SMTP server")
		}
		stop() // the server is told to stop while the third message is on the wire
		close(srv.release)
		if err := <-done; err != nil {
			t.Fatalf("the stopped sender: %v", err)
		}
		if handled != 3 || len(srv.mails()) != 3 {
			t.Fatalf("the stopped sender handled %d and the server has %d; want the 3 it began", handled, len(srv.mails()))
		}

		// A restart: another App on the same database sends the rest.
		second := f.withMail(srv.sender(t))
		if got, err := second.SendDue(context.Background()); err != nil || got != n-3 {
			t.Fatalf("after the restart: handled %d, %v; want %d", got, err, n-3)
		}
		if got, err := second.SendDue(context.Background()); err != nil || got != 0 {
			t.Fatalf("a second run sent again: %d, %v", got, err)
		}

		got := map[string]int{}
		ids := map[string]int{}
		for _, m := range srv.mails() {
			got[m.To]++
			ids[m.MessageID]++
			if !strings.Contains(m.Body, "https://clinic.example/q/") || !strings.Contains(m.Body, "No solid food after") {
				t.Errorf("the reminder to %s lacks the link or the fasting time:\n%s", m.To, m.Body)
			}
		}
		for i := range n {
			if to := fmt.Sprintf("patient%d@example.org", i); got[to] != 1 {
				t.Errorf("%s received %d reminders, want exactly 1", to, got[to])
			}
		}
		if len(ids) != n {
			t.Errorf("%d distinct Message-IDs for %d messages", len(ids), n)
		}

		out, err := second.Outbox(context.Background(), f.actor("admin"))
		f.must(err)
		for _, m := range out.Messages {
			if !strings.HasPrefix(m.PatientName, "Patient ") {
				continue // the fixture's own visit
			}
			if m.State != store.JobSent || m.Attempts != 1 || len(m.Tries) != 1 || m.Tries[0].Outcome != "sent" {
				t.Errorf("outbox: %s to %s is %s after %d tries %+v; want sent at the first", m.KindLabel, m.Recipient, m.State, m.Attempts, m.Tries)
			}
		}
	})
}

// TestAFailedSendIsRetriedWithBackoff: a temporary refusal leaves the
// message waiting with the server's words, due again after the backoff;
// at that time it goes.
func TestAFailedSendIsRetriedWithBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newLedgerFixture(t, db)
		srv := startSMTP(t)
		booked := f.bookDay(1)
		srv.refuse["patient0@example.org"] = 2
		a := f.withMail(srv.sender(t))
		ctx := context.Background()
		f.clock.Set(booked[0].Visit.ScheduledAt.Add(-24 * time.Hour))
		if _, err := a.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		out, err := a.Outbox(ctx, f.actor("admin"))
		f.must(err)
		m := ours(t, out)
		if m.State != store.JobWaiting || m.StateLabel != "Retrying" || m.Attempts != 1 || !strings.Contains(m.LastError, "451") {
			t.Fatalf("after a 451: %+v", m)
		}
		if want := f.clock.Now().Add(reminders.Backoff(1)); !m.DueAt.Equal(want) {
			t.Errorf("due again at %v, want %v (the first backoff)", m.DueAt, want)
		}
		// Not before its time,
		f.clock.Advance(reminders.Backoff(1) - time.Second)
		if got, _ := a.SendDue(ctx); got != 0 {
			t.Errorf("retried %d before the backoff ran out", got)
		}
		// then a second refusal doubles the wait, and the third try goes.
		f.clock.Advance(time.Second)
		a.SendDue(ctx)
		f.clock.Advance(reminders.Backoff(2))
		a.SendDue(ctx)
		out, err = a.Outbox(ctx, f.actor("admin"))
		f.must(err)
		m = ours(t, out)
		var outcomes []string
		for _, tr := range m.Tries {
			outcomes = append(outcomes, tr.Outcome)
		}
		if m.State != store.JobSent || m.Attempts != 3 || strings.Join(outcomes, ",") != "retry,retry,sent" || len(srv.mails()) != 1 {
			t.Errorf("after the backoff: %s, %d tries %v, %d received", m.State, m.Attempts, outcomes, len(srv.mails()))
		}
	})
}

// ours is the outbox's one message to the day's patient.
func ours(t *testing.T, out OutboxView) OutboxMessage {
	t.Helper()
	for _, m := range out.Messages {
		if m.PatientName == "Patient A Reminder" {
			return m
		}
	}
	t.Fatalf("no message to the day's patient in %+v", out.Messages)
	return OutboxMessage{}
}

// TestWithoutSMTPMessagesWaitAndTheAdminSeesWhy: no SMTP server is
// configured, so nothing is sent; the outbox says why. A patient with no
// address fails with that reason, and a cancelled visit needs none.
func TestWithoutSMTPMessagesWaitAndTheAdminSeesWhy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newLedgerFixture(t, db)
		ctx := context.Background()
		booked := f.bookDay(2)
		f.clock.Set(booked[1].Visit.ScheduledAt.Add(-23 * time.Hour))
		if got, err := f.a.SendDue(ctx); err != nil || got != 0 {
			t.Fatalf("without SMTP: handled %d, %v", got, err)
		}
		out, err := f.a.Outbox(ctx, f.actor("admin"))
		f.must(err)
		// Two of the day's and the fixture's own visit of today.
		if out.Configured || !strings.Contains(out.NotConfigured, "3 messages wait") || !strings.Contains(out.NotConfigured, "--smtp-url") {
			t.Errorf("the outbox does not say why nothing is sent: %+v", out)
		}
		if _, err := f.a.Outbox(ctx, f.actor("nurse")); !ketaflow.IsCode(err, ketaflow.EForbidden) {
			t.Errorf("a nurse read the outbox: %v", err)
		}

		// The first patient has no address now; the second visit is cancelled.
		srv := startSMTP(t)
		a := f.withMail(srv.sender(t))
		p, err := f.a.Patient(ctx, f.actor("frontdesk"), booked[0].Patient.ID)
		f.must(err)
		_, err = f.a.AmendPatient(ctx, f.actor("frontdesk"), p.ID, p.Version, "no email any more",
			func(r *patients.Record) error { r.Email = ""; return nil })
		f.must(err)
		_, err = f.a.MoveVisit(ctx, f.actor("frontdesk"), booked[1].Visit.ID, visits.Cancelled, "patient called to cancel")
		f.must(err)
		if _, err := a.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		out, err = a.Outbox(ctx, f.actor("admin"))
		f.must(err)
		why := map[string]string{}
		for _, m := range out.Messages {
			why[m.PatientName] = m.StateLabel + ": " + m.LastError
		}
		if got := why["Patient A Reminder"]; got != "Failed: the patient has no email address on file" {
			t.Errorf("no address: %q", got)
		}
		if got := why["Patient B Reminder"]; got != "Not needed: the visit is cancelled: no reminder is needed" {
			t.Errorf("cancelled visit: %q", got)
		}
		if len(srv.mails()) != 0 {
			t.Errorf("%d mails were sent", len(srv.mails()))
		}
	})
}

// TestAWorkerKilledBeforeSendingLeavesItsJobToTheNext: a worker that
// claimed a reminder and died (no stop, no outcome) holds it only until
// its lease runs out; then the next worker sends it, once, and the dead
// try is recorded as abandoned.
func TestAWorkerKilledBeforeSendingLeavesItsJobToTheNext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newLedgerFixture(t, db)
		srv := startSMTP(t)
		booked := f.bookDay(1)
		f.clock.Set(booked[0].Visit.ScheduledAt.Add(-24 * time.Hour))
		ctx := context.Background()
		// The dead worker's claim, as it left it.
		var id string
		err := db.Transact(ctx, func(tx *store.Tx) error {
			due, err := tx.DueJobs(f.clock.Now(), 10)
			if err != nil {
				return err
			}
			for _, j := range due {
				if j.VisitID == booked[0].Visit.ID {
					id = j.ID
					_, _, err = tx.ClaimJob(j.ID, "dead-worker", f.clock.Now(), f.clock.Now().Add(jobLease))
					return err
				}
			}
			return fmt.Errorf("the reminder is not due")
		})
		f.must(err)
		a := f.withMail(srv.sender(t))
		a.SendDue(ctx)
		if len(srv.mails()) != 0 {
			t.Fatalf("a job under another worker's lease was sent")
		}
		f.clock.Advance(jobLease)
		a.SendDue(ctx)
		if got := srv.mails(); len(got) != 1 || got[0].To != "patient0@example.org" || !strings.Contains(got[0].MessageID, id) {
			t.Fatalf("after the lease: %+v; want the one reminder, its Message-ID the job's", got)
		}
		out, err := a.Outbox(ctx, f.actor("admin"))
		f.must(err)
		m := ours(t, out)
		if m.State != store.JobSent || m.Attempts != 2 || len(m.Tries) != 2 || m.Tries[0].Outcome != "abandoned" || m.Tries[1].Outcome != "sent" {
			t.Errorf("the outbox: %s after %d tries %+v", m.State, m.Attempts, m.Tries)
		}
	})
}

// TestTheReminderCommitsWithTheBooking: a booking refused leaves no
// reminder, and a booking made has exactly one, due the protocol's hours
// before the visit.
func TestTheReminderCommitsWithTheBooking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newLedgerFixture(t, db)
		ctx := context.Background()
		count := func() int {
			out, err := f.a.Outbox(ctx, f.actor("admin"))
			f.must(err)
			return len(out.Messages)
		}
		before := count()
		p, err := f.a.CreatePatient(ctx, f.actor("frontdesk"), patients.Record{LegalName: "Booked Once", BirthDate: ketaflow.Date{Year: 1980, Month: 1, Day: 2},
			Sex: patients.Female, Phone: "+1 555 010 0199", Email: "once@example.org"}, nil)
		f.must(err)
		if _, err := f.a.BookVisit(ctx, f.actor("frontdesk"), visits.Booking{PatientID: p.ID, Route: "oral",
			ScheduledAt: f.clock.Now().Add(72 * time.Hour)}); err == nil {
			t.Fatal("an oral booking was taken")
		}
		if got := count(); got != before {
			t.Errorf("a refused booking left %d reminders", got-before)
		}
		at := f.clock.Now().Add(72 * time.Hour)
		_, err = f.a.BookVisit(ctx, f.actor("frontdesk"), visits.Booking{PatientID: p.ID, Route: "iv", ScheduledAt: at})
		f.must(err)
		out, err := f.a.Outbox(ctx, f.actor("admin"))
		f.must(err)
		n := 0
		for _, m := range out.Messages {
			if m.PatientName == "Booked Once" {
				n++
				if m.Kind != reminders.VisitReminder || !m.DueAt.Equal(at.Add(-24*time.Hour)) {
					t.Errorf("the reminder: %+v; want a visit reminder 24 hours before", m)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d reminders for one booking", n)
		}
	})
}
