// Package app is the clinic's services: each exported method is one thing a
// user can ask for. A method checks the caller's permission (access), runs
// the domain rules (patients, audit, ...) in one database transaction
// (store), and writes its audit entry in that same transaction. The web UI,
// the JSON API and the command line all call these methods, so every rule
// and every audit entry holds whichever way a request comes in.
package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// App holds what every service call needs.
type App struct {
	DB    *store.DB
	Clock ketaflow.Clock
	Log   *slog.Logger
	// Events carries what the writes changed, after they commit, to the
	// pages that show it live (events.go).
	Events *Broker
	// origin names this App among the servers of a PostgreSQL database,
	// so that it does not hear its own events twice (Relay).
	origin string

	logins    *throttle
	passwords *access.Passwords
	clinics   sync.Map // id -> ketaflow.Clinic
	protocols protocolCache
	training  *ketaflow.TrainingClock // nil unless OnTrainingClock
	// inflight holds the Idempotency-Keys of the requests running now
	// (idempotency.go).
	inflight sync.Map
	auditKey *audit.Key // nil: legacy, unkeyed entries (tests that do not ask for one)
	// startingRules changes the rules a new clinic starts with (nil: the
	// defaults).
	startingRules func(*protocol.Protocol)
	// mail sends the queued emails to patients (outbox.go).
	mail Mail
}

// Option changes a setting of New.
type Option func(*App)

// PasswordCost sets the argon2id cost of new password hashes (default
// access.DefaultArgon2). Tests lower it; every hash stores its own cost.
func PasswordCost(p access.Argon2Params) Option {
	return func(a *App) { a.passwords = access.NewPasswords(p) }
}

// AuditKey seals every audit entry with key (an HMAC-SHA256 kept outside
// the database) and signs checkpoints with it. The command always gives
// one (--audit-key-file).
func AuditKey(key *audit.Key) Option {
	return func(a *App) { a.auditKey = key }
}

// StartingRules changes the rules every clinic made by this App starts
// with (its protocol's version 1), from protocol.Default. The test
// fixtures start theirs without the second factor, which only the
// two-factor tests need.
func StartingRules(change func(*protocol.Protocol)) Option {
	return func(a *App) { a.startingRules = change }
}

// New returns an App with the default security settings.
func New(db *store.DB, clock ketaflow.Clock, log *slog.Logger, opts ...Option) *App {
	if log == nil {
		log = slog.Default()
	}
	a := &App{
		DB: db, Clock: clock, Log: log, Events: NewBroker(), origin: newOrigin(),
		logins:    newThrottle(protocol.DefaultLoginThrottle()),
		passwords: access.NewPasswords(access.DefaultArgon2()),
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

// op describes one audited service call.
type op struct {
	Action    access.Action
	Category  string
	PatientID string
	Detail    string
	// events are published once the call's transaction has committed.
	events []Event
	// record, on a read, writes what the read noticed (an alert's
	// escalation) in the transaction of its audit entry.
	record func(tx *store.Tx, o *op) error
}

// changed notes an event to publish after the call commits.
func (o *op) changed(clinicID, topic, visitID string) {
	o.events = append(o.events, Event{ClinicID: clinicID, Topic: topic, VisitID: visitID})
}

// do runs one service call: it checks the actor's permission, runs fn in a
// write transaction and appends the audit entry in the same transaction, so
// that the change and its record commit together. fn may fill in the
// patient and detail of the entry (a new patient's id, say). A refusal, or a
// failure for bad input or a clinical rule, is audited in a transaction of
// its own.
func (a *App) do(ctx context.Context, actor access.Actor, o op, fn func(tx *store.Tx, o *op) error) error {
	if err := a.allow(ctx, actor, o); err != nil {
		return err
	}
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		if err := fn(tx, &o); err != nil {
			return err
		}
		return a.appendAudit(tx, actor, o, audit.OK)
	})
	if err != nil {
		a.auditFailure(ctx, actor, o, err)
		return err
	}
	a.publish(ctx, o.events)
	return nil
}

// view runs a read: fn runs on the read pool and the audit entry is written
// before the data is returned; if the entry cannot be written, the read
// fails, so nothing is ever shown unaudited.
func (a *App) view(ctx context.Context, actor access.Actor, o op, fn func(tx *store.Tx, o *op) error) error {
	if err := a.allow(ctx, actor, o); err != nil {
		return err
	}
	if err := a.DB.View(ctx, func(tx *store.Tx) error { return fn(tx, &o) }); err != nil {
		a.auditFailure(ctx, actor, o, err)
		return err
	}
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		if o.record != nil {
			if err := o.record(tx, &o); err != nil {
				return err
			}
		}
		return a.appendAudit(tx, actor, o, audit.OK)
	})
	if err == nil {
		a.publish(ctx, o.events)
	}
	return err
}

func (a *App) allow(ctx context.Context, actor access.Actor, o op) error {
	err := actor.Check(o.Action)
	if err != nil && actor.UserID != "" {
		o.Detail = ketaflow.ErrorMessage(err)
		a.auditAlone(ctx, actor, o, audit.Denied)
	}
	return err
}

// auditFailure records a refused or failed call. Internal errors are logged,
// not audited: they say nothing about what the user did.
func (a *App) auditFailure(ctx context.Context, actor access.Actor, o op, err error) {
	outcome := audit.Failed
	switch ketaflow.ErrorCode(err) {
	case ketaflow.EInternal, ketaflow.EUnavailable:
		a.Log.Error("service call failed", "action", o.Action, "user", actor.Username, "err", err)
		return
	case ketaflow.ENotFound:
		// A probe for another clinic's patient is worth recording too.
	case ketaflow.EBlocked:
		outcome = audit.Blocked
	case ketaflow.EForbidden:
		outcome = audit.Denied
	}
	o.Detail = ketaflow.ErrorMessage(err)
	a.auditAlone(ctx, actor, o, outcome)
}

func (a *App) auditAlone(ctx context.Context, actor access.Actor, o op, outcome string) {
	err := a.DB.Transact(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		return a.appendAudit(tx, actor, o, outcome)
	})
	if err != nil {
		a.Log.Error("audit entry not written", "action", o.Action, "user", actor.Username, "err", err)
	}
}

func (a *App) appendAudit(tx *store.Tx, actor access.Actor, o op, outcome string) error {
	clinic := actor.ClinicID
	if clinic == "" {
		clinic = audit.SystemClinic
	}
	// An entry about the patient of an open break-glass access names it.
	if actor.Glass.Covers(o.PatientID, a.Clock.Now()) && !strings.Contains(o.Detail, actor.Glass.ID) {
		o.Detail = strings.TrimSuffix("under break-glass "+actor.Glass.ID+"; "+o.Detail, "; ")
	}
	_, err := tx.AppendAudit(audit.Entry{
		ClinicID: clinic, At: a.Clock.Now(), UserID: actor.UserID, Username: actor.Username,
		Role: string(actor.Role), Action: string(o.Action), PatientID: o.PatientID, Category: o.Category,
		Source: actor.Source, Outcome: outcome, Detail: o.Detail,
	}, a.auditKey)
	return err
}

// Clinic returns a clinic, cached: its name and time zone are read on
// almost every request and change rarely.
func (a *App) Clinic(ctx context.Context, id string) (ketaflow.Clinic, error) {
	if c, ok := a.clinics.Load(id); ok {
		return c.(ketaflow.Clinic), nil
	}
	var c ketaflow.Clinic
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.Clinic(id)
		return err
	})
	if err == nil && !a.DB.Held(ctx) {
		a.clinics.Store(id, c)
	}
	return c, err
}

// security returns the staff session limits of a clinic's protocol.
func (a *App) security(ctx context.Context, clinicID string) (protocol.Security, error) {
	v, err := a.currentProtocol(ctx, clinicID)
	if err != nil {
		return protocol.Security{}, err
	}
	return v.Rules.Security, nil
}

// Authorize checks, and audits when refused, that the actor may perform
// action. Handlers call it before reading a request body, so that a refused
// caller always gets the refusal.
func (a *App) Authorize(ctx context.Context, actor access.Actor, action access.Action, category string) error {
	return a.allow(ctx, actor, op{Action: action, Category: category})
}

// ActionTokenScope is the audit action of a request refused because its
// API token lacks the scope the endpoint needs.
const ActionTokenScope = "token.scope"

// RefuseScope records, as denied, a request whose API token lacks the
// scope it needs (web.Server checks the scope before the handler runs):
// every refusal is in the audit log.
func (a *App) RefuseScope(ctx context.Context, actor access.Actor, err error) {
	a.auditAlone(ctx, actor, op{Action: ActionTokenScope, Category: access.CatAuth, Detail: ketaflow.ErrorMessage(err)}, audit.Denied)
}

// Health checks that the database answers, and names it ("sqlite" or
// "postgres") for the health endpoint.
func (a *App) Health(ctx context.Context) (string, error) {
	if err := a.DB.Ping(ctx); err != nil {
		return "", err
	}
	return string(a.DB.Dialect), nil
}

// WithClock returns an App over the same database and settings that reads
// the time from c: the demo plays a morning's visits at the times they
// would have happened. It shares the event broker, the login limiter and
// the password settings; it has caches of its own (clinics, protocols) and
// no training clock. It is for seeding a database before it is served: an
// App serving requests should not have its clinic or protocol changed
// through a copy, whose change its caches would not see.
func (a *App) WithClock(c ketaflow.Clock) *App {
	return &App{DB: a.DB, Clock: c, Log: a.Log, Events: a.Events, origin: a.origin, logins: a.logins, passwords: a.passwords,
		auditKey: a.auditKey, startingRules: a.startingRules}
}
