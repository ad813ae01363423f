package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// consentDesk plays the clinic tablet for the crash and backup tests'
// visits: the gate blocks a visit without a signed consent, and the
// patient signs on the tablet's page, which the JSON API does not serve.
// It works through the app in this process, on the server's database and
// with its audit key, so the audit chain stays one chain.
type consentDesk struct {
	t    *testing.T
	dsn  string
	once sync.Once
	a    *app.App
	db   *store.DB
	err  error
}

// close lets the database go, as a restore needs it unopened.
func (d *consentDesk) close() {
	if d.db != nil {
		d.db.Close()
	}
}

func (d *consentDesk) app() (*app.App, error) {
	d.once.Do(func() {
		ctx := context.Background()
		key, _, err := loadAuditKey(keyFile(d.t), false)
		if err != nil {
			d.err = err
			return
		}
		db, err := store.Open(ctx, d.dsn)
		if err != nil {
			d.err = err
			return
		}
		d.db = db
		d.t.Cleanup(d.close)
		var opts []app.Option
		if key != nil {
			opts = append(opts, app.AuditKey(key))
		}
		d.a = app.New(db, ketaflow.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	})
	return d.a, d.err
}

// actor is the named crash-test user.
func (d *consentDesk) actor(a *app.App, username string) (access.Actor, error) {
	var u store.UserLogin
	err := a.DB.View(context.Background(), func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByUsername(username)
		return err
	})
	return u.User.Actor("crash test"), err
}

// forms writes the clinic's IV consent text (the protocol's draft), as
// its admin does once.
func (d *consentDesk) forms(admin string) error {
	a, err := d.app()
	if err != nil {
		return err
	}
	actor, err := d.actor(a, admin)
	if err != nil {
		return err
	}
	title, body := courses.Draft(protocol.IV, protocol.Default())
	_, err = a.WriteConsentForm(context.Background(), actor, string(protocol.IV), title, body)
	return err
}

// sign has the patient of a checked-in visit sign the consent on the
// tablet front desk hands over, and front desk take it back.
func (d *consentDesk) sign(visitID, legalName string) error {
	a, err := d.app()
	if err != nil {
		return err
	}
	ctx := context.Background()
	desk, err := d.actor(a, "frontdesk")
	if err != nil {
		return err
	}
	signIn, err := a.Login(ctx, "frontdesk", "a long password for frontdesk", "crash test")
	if err != nil {
		return err
	}
	tablet, err := a.HandTabletToPatient(ctx, desk, signIn.LoginSecret, visitID)
	if err != nil {
		return err
	}
	page, err := a.Tablet(ctx, tablet, "crash test")
	if err != nil {
		return err
	}
	if page.Consent != nil {
		if err := a.SignConsentOnTablet(ctx, tablet, "crash test", page.Consent.Version, legalName); err != nil {
			return err
		}
	}
	_, err = a.TakeTabletBack(ctx, tablet, "frontdesk", "a long password for frontdesk", "crash test")
	return err
}
