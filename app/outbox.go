package app

// The emails to patients run from a durable job queue in the clinic's own
// database (store/jobs.go, migration 0020), not from River
// (github.com/riverqueue/river). River was weighed and set aside because:
//
//   - its tables are made by its own migrator (rivermigrate), outside our
//     numbered, embedded, per-dialect migrations that the store runs and
//     records, and a queue table of ours is one migration like any other;
//   - its transactional insert takes the driver's *sql.Tx, while our
//     transactions are store.Tx, which inside a Hold (an Idempotency-Key
//     request) is a savepoint of a held transaction: the store would have
//     to hand out its raw transaction, the one thing it keeps to itself;
//   - our rules read the time from App.Clock (a fake clock in tests, the
//     training clock a demo admin moves forward by days): a reminder due
//     "the morning after" must come due when that clock says so, and every
//     time the queue compares here is one the app passes in;
//   - what the reminders need is small: a unique key per visit and kind,
//     a lease, a count of tries with a backoff, and the record of each try
//     for the outbox page. That is a table and five statements, tested on
//     both databases (store/jobs_test.go), with no leader election, no
//     polling goroutines of a library's own and no second schema.
//
// How a message is sent once: the job is enqueued with its reason (a
// booking, a discharge) in one transaction, under a unique key, so a retry
// of the request adds nothing. A worker claims a job (a lease, a try
// counted) and composes the message in one transaction, sends it, and
// records the outcome in a second; the outcome is refused if the lease
// was lost meanwhile. A worker told to stop finishes the message it is
// sending and records it before it stops, and gives back a job it claimed
// and had not begun to send; so a stop or restart mid-batch sends each
// message once. A worker killed outright between the SMTP server's "250
// OK" and the commit of the outcome leaves its lease to run out, and the
// message is sent again: the SMTP protocol itself cannot make that step
// atomic. Each try carries the same Message-ID (the job's id), by which
// mail systems recognise a repeat.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/reminders"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// Sender sends one email. id is the queued job's id, the same on every
// try, for the Message-ID header. An error whose Permanent method says
// true (a refused address, say) is not tried again.
type Sender interface {
	Send(ctx context.Context, id string, m reminders.Message) error
}

// Mail is how the App sends email to patients.
type Mail struct {
	// Sender is the SMTP client; nil while no SMTP server is configured:
	// the messages then wait in the outbox.
	Sender Sender
	// LinkBase is where the links in the emails start: the server's
	// public URL (serve --public-url).
	LinkBase string
}

// WithMail sets how the App sends email.
func WithMail(m Mail) Option { return func(a *App) { a.mail = m } }

// UseMail sets how the App sends email, once, before it serves: the
// command knows the public URL only once it listens.
func (a *App) UseMail(m Mail) { a.mail = m }

// How long a worker holds a job it took, and how long one try may take. A
// lease that runs out (the worker died) lets another worker take the job.
const (
	jobLease    = 5 * time.Minute
	sendTimeout = 2 * time.Minute
)

// mailActor is the audit log's name for the queue sending an email.
func mailActor(clinicID string) access.Actor {
	return access.Actor{ClinicID: clinicID, Username: "ketaflow (reminders)", Source: "queue"}
}

// enqueue adds a visit's message of the kind to the queue, due at runAt,
// in the transaction of the write that is its reason. A message of the
// kind that the visit has already is left as it is.
func enqueue(tx *store.Tx, kind reminders.Kind, v visits.Visit, by string, now, runAt time.Time) error {
	_, err := tx.EnqueueJob(store.Job{ID: ketaflow.NewID(), ClinicID: v.ClinicID, Kind: kind, UniqueKey: store.JobKey(kind, v.ID),
		VisitID: v.ID, PatientID: v.PatientID, CreatedBy: by, CreatedAt: now, RunAt: runAt})
	return err
}

// enqueueAfterDischarge queues the integration reminder, at once, and
// the morning-after check-in, at the protocol's hour the next morning in
// the clinic's zone.
func enqueueAfterDischarge(tx *store.Tx, vc visitContext, by string, now time.Time) error {
	if err := enqueue(tx, reminders.IntegrationReminder, vc.visit, by, now, now); err != nil {
		return err
	}
	at := vc.proto.Rules.Integration.MorningCheckIn(now, vc.clinic.Location())
	return enqueue(tx, reminders.CheckIn, vc.visit, by, now, at)
}

// permanent reports whether a send error says that trying again will not
// help.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// SendDue sends the messages due now, one at a time, until none is left
// or ctx ends, and returns how many it handled. Without a Sender it sends
// nothing: the messages wait. A worker stopped by ctx finishes the message
// it is sending first.
func (a *App) SendDue(ctx context.Context) (int, error) {
	if a.mail.Sender == nil {
		return 0, nil
	}
	n := 0
	for ctx.Err() == nil {
		did, err := a.sendNext(ctx)
		if err != nil || !did {
			return n, err
		}
		n++
	}
	return n, nil
}

// claimed is a job a worker holds, with the message to send, or the
// outcome it already has (nothing to send).
type claimed struct {
	job     store.Job
	msg     reminders.Message
	outcome *store.JobOutcome
}

// sendNext takes one due job and sends it; false when none is due.
func (a *App) sendNext(ctx context.Context) (bool, error) {
	now := a.Clock.Now()
	owner := a.origin
	var c *claimed
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		due, err := tx.DueJobs(now, 8)
		if err != nil {
			return err
		}
		for _, j := range due {
			got, ok, err := tx.ClaimJob(j.ID, owner, now, now.Add(jobLease))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			c = &claimed{job: got}
			if err := a.compose(tx, c, now); err != nil {
				return err
			}
			o := op{Action: "reminder.send", Category: access.CatVisit, PatientID: got.PatientID,
				Detail: fmt.Sprintf("%s of visit %s, try %d", got.Kind, got.VisitID, got.Attempts)}
			if c.outcome != nil {
				if err := tx.FinishJob(got.ID, owner, got.Attempts, *c.outcome); err != nil {
					return err
				}
				o.Detail += ": not sent, " + c.outcome.Error
			}
			return a.appendAudit(tx, mailActor(got.ClinicID), o, audit.OK)
		}
		return nil
	})
	if err != nil || c == nil {
		return false, err
	}
	if c.outcome != nil {
		return true, nil
	}
	// Past this point the record must be written even if the worker is
	// told to stop: a message sent and not recorded would go out again.
	bg := context.WithoutCancel(ctx)
	if ctx.Err() != nil {
		return false, a.DB.Transact(bg, func(tx *store.Tx) error { return tx.ReleaseJob(c.job.ID, owner, c.job.Attempts) })
	}
	sendCtx, cancel := context.WithTimeout(bg, sendTimeout)
	sendErr := a.mail.Sender.Send(sendCtx, c.job.ID, c.msg)
	cancel()
	end := a.Clock.Now()
	o := store.JobOutcome{State: store.JobSent, Recipient: c.msg.To, At: end}
	switch {
	case sendErr == nil:
	case permanent(sendErr) || c.job.Attempts >= reminders.MaxAttempts:
		o.State, o.Error = store.JobFailed, sendErr.Error()
	default:
		o.State, o.Error, o.RetryAt = store.JobWaiting, sendErr.Error(), end.Add(reminders.Backoff(c.job.Attempts))
	}
	err = a.DB.Transact(bg, func(tx *store.Tx) error { return tx.FinishJob(c.job.ID, owner, c.job.Attempts, o) })
	if sendErr != nil {
		a.Log.Warn("email not sent", "job", c.job.ID, "kind", c.job.Kind, "try", c.job.Attempts, "err", sendErr)
	}
	return true, err
}

// cancelled is the outcome of a job its visit no longer needs.
func cancelled(why string, now time.Time) *store.JobOutcome {
	return &store.JobOutcome{State: store.JobCancelled, Error: why, At: now}
}

// compose writes the claimed job's message, making the link it carries, or
// sets the outcome that says why nothing is sent.
func (a *App) compose(tx *store.Tx, c *claimed, now time.Time) error {
	j := c.job
	vc, err := a.loadVisit(tx, access.Actor{ClinicID: j.ClinicID}, j.VisitID, false)
	if err != nil {
		return err
	}
	loc := vc.clinic.Location()
	to := vc.patient.Email
	if to == "" {
		c.outcome = &store.JobOutcome{State: store.JobFailed, Error: "the patient has no email address on file", At: now}
		return nil
	}
	v := reminders.Visit{ClinicName: vc.clinic.Name, ClinicPhone: vc.clinic.Phone, PatientName: firstName(vc.patient),
		At: vc.visit.ScheduledAt.In(loc), Route: vc.visit.Route}
	rules := vc.proto.Rules
	switch j.Kind {
	case reminders.VisitReminder:
		if vc.visit.State != visits.Booked {
			c.outcome = cancelled("the visit is "+strings.ToLower(vc.visit.State.Label())+": no reminder is needed", now)
			return nil
		}
		if j.CreatedBy == "" {
			c.outcome = &store.JobOutcome{State: store.JobFailed, Error: "no staff member booked the visit, so no questionnaire link can be made", At: now}
			return nil
		}
		// The emailed link is the visit's newest: it voids one made before.
		secret, hash := access.NewToken("")
		expires := now.Add(rules.Gate.QuestionnaireLink())
		if _, err := tx.VoidLinks(vc.visit.ID, now); err != nil {
			return err
		}
		if err := tx.InsertLink(store.Link{TokenHash: hash, ClinicID: j.ClinicID, VisitID: vc.visit.ID, CreatedBy: j.CreatedBy,
			CreatedAt: now, ExpiresAt: expires}); err != nil {
			return err
		}
		c.msg = reminders.VisitReminderMessage(to, v, rules.Fasting.Get(vc.visit.Route), a.mail.LinkBase+"/q/"+secret, expires.In(loc))
	case reminders.IntegrationReminder:
		if vc.visit.State != visits.Discharged {
			c.outcome = cancelled("the visit is "+strings.ToLower(vc.visit.State.Label())+", not discharged", now)
			return nil
		}
		// The job was enqueued in the discharge's transaction: its time is
		// the discharge's.
		c.msg = reminders.IntegrationReminderMessage(to, v, j.CreatedAt.Add(rules.Integration.Window()).In(loc))
	case reminders.CheckIn:
		if _, err := tx.VisitCheckIn(vc.visit.ID); err == nil {
			c.outcome = cancelled("the check-in is answered already", now)
			return nil
		} else if !ketaflow.IsCode(err, ketaflow.ENotFound) {
			return err
		}
		secret, hash := access.NewToken("")
		expires := now.Add(rules.Integration.CheckInLink())
		if err := tx.InsertCheckInLink(store.CheckInLink{TokenHash: hash, ClinicID: j.ClinicID, VisitID: vc.visit.ID, JobID: j.ID,
			CreatedAt: now, ExpiresAt: expires}); err != nil {
			return err
		}
		c.msg = reminders.CheckInMessage(to, v, a.mail.LinkBase+"/c/"+secret, expires.In(loc), vc.clinic.PatientCrisisText())
	default:
		c.outcome = &store.JobOutcome{State: store.JobFailed, Error: fmt.Sprintf("ketaflow does not know the kind %q", j.Kind), At: now}
	}
	return nil
}

// OutboxView is the queue of emails to patients as the admin sees it:
// what was sent, what failed, what waits and why. It holds no message
// text: the clinical content stays in the clinical record.
type OutboxView struct {
	// Configured: an SMTP server is configured; NotConfigured says what
	// that means for the waiting messages when it is not.
	Configured    bool
	NotConfigured string
	Counts        []OutboxCount
	Messages      []OutboxMessage
	Location      *time.Location
}

// OutboxCount is how many messages are in one state.
type OutboxCount struct {
	State store.JobState
	Label string
	N     int
}

// OutboxMessage is one queued email.
type OutboxMessage struct {
	ID          string
	Kind        reminders.Kind
	KindLabel   string
	PatientID   string
	PatientName string
	VisitID     string
	Recipient   string // the address tried; "" until tried
	DueAt       time.Time
	State       store.JobState
	StateLabel  string
	Attempts    int
	LastError   string
	DoneAt      *time.Time
	Tries       []OutboxTry
}

// OutboxTry is one try of a message.
type OutboxTry struct {
	N         int
	StartedAt time.Time
	Outcome   string
	Error     string
}

// jobStateLabel is a message's state in words, its retries said so.
func jobStateLabel(j store.Job) string {
	switch j.State {
	case store.JobWaiting:
		if j.Attempts > 0 {
			return "Retrying"
		}
		return "Waiting"
	case store.JobRunning:
		return "Sending"
	case store.JobSent:
		return "Sent"
	case store.JobFailed:
		return "Failed"
	case store.JobCancelled:
		return "Not needed"
	}
	return string(j.State)
}

// outboxLimit is how many messages the outbox page lists, the latest due
// first.
const outboxLimit = 200

// Outbox lists the clinic's queued emails for the admin.
func (a *App) Outbox(ctx context.Context, actor access.Actor) (OutboxView, error) {
	var out OutboxView
	err := a.view(ctx, actor, op{Action: access.OutboxRead, Category: access.CatClinic, Detail: "outbox"}, func(tx *store.Tx, o *op) error {
		c, err := tx.Clinic(actor.ClinicID)
		if err != nil {
			return err
		}
		loc := c.Location()
		out.Location = loc
		out.Configured = a.mail.Sender != nil
		counts, err := tx.CountJobs(actor.ClinicID)
		if err != nil {
			return err
		}
		for _, s := range store.JobStates {
			out.Counts = append(out.Counts, OutboxCount{State: s, Label: jobStateLabel(store.Job{State: s}), N: counts[s]})
		}
		if !out.Configured {
			waiting := fmt.Sprintf("%d messages wait", counts[store.JobWaiting])
			if counts[store.JobWaiting] == 1 {
				waiting = "1 message waits"
			}
			out.NotConfigured = "No SMTP server is configured, so nothing is sent: " + waiting + " here. " +
				"Start the server with --smtp-url (or KETAFLOW_SMTP_URL) and --mail-from, and they go out in order, the longest due first."
		}
		jobs, err := tx.Jobs(actor.ClinicID, store.JobQuery{Limit: outboxLimit})
		if err != nil {
			return err
		}
		ids := make([]string, len(jobs))
		for i, j := range jobs {
			ids[i] = j.ID
		}
		tries, err := tx.JobAttempts(ids)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			m := OutboxMessage{ID: j.ID, Kind: j.Kind, KindLabel: j.Kind.Label(), PatientID: j.PatientID, PatientName: j.PatientName,
				VisitID: j.VisitID, Recipient: j.Recipient, DueAt: j.RunAt.In(loc), State: j.State, StateLabel: jobStateLabel(j),
				Attempts: j.Attempts, LastError: j.LastError}
			if j.DoneAt != nil {
				d := j.DoneAt.In(loc)
				m.DoneAt = &d
			}
			for _, t := range tries[j.ID] {
				m.Tries = append(m.Tries, OutboxTry{N: t.N, StartedAt: t.StartedAt.In(loc), Outcome: t.Outcome, Error: t.Error})
			}
			out.Messages = append(out.Messages, m)
		}
		return nil
	})
	return out, err
}

// Waiting reports whether the message still waits to be sent.
func (m OutboxMessage) Waiting() bool {
	return slices.Contains([]store.JobState{store.JobWaiting, store.JobRunning}, m.State)
}
