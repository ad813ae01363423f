package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
)

// CommandLine is the actor of changes made with the ketaflow command on the
// server itself (first users, tokens for programs): whoever can run it has
// the database anyway, and the audit log still says what was done.
func CommandLine(clinicID string) access.Actor {
	return access.Actor{ClinicID: clinicID, Username: "ketaflow-cli", Name: "command line", Role: "system", Source: "command line"}
}

// Clinics lists every clinic.
func (a *App) Clinics(ctx context.Context) ([]ketaflow.Clinic, error) {
	var out []ketaflow.Clinic
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Clinics()
		return err
	})
	return out, err
}

// CreateClinic adds a clinic. tz must be an IANA time zone name.
func (a *App) CreateClinic(ctx context.Context, name, tz string) (ketaflow.Clinic, error) {
	return a.addClinic(ctx, name, tz, false)
}

// CreateDemoClinic adds the fictional clinic of `serve --demo`, marked as
// such (ketaflow.Clinic.Demo): only such clinics may run on a training
// clock.
func (a *App) CreateDemoClinic(ctx context.Context, name, tz string) (ketaflow.Clinic, error) {
	return a.addClinic(ctx, name, tz, true)
}

func (a *App) addClinic(ctx context.Context, name, tz string, demo bool) (ketaflow.Clinic, error) {
	var c ketaflow.Clinic
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		var err error
		c, err = a.createClinic(tx, name, tz, demo)
		return err
	})
	return c, err
}

// CreateClinicWithUser adds a clinic and its first user together: either
// both are saved or neither.
func (a *App) CreateClinicWithUser(ctx context.Context, name, tz string, in NewUser) (ketaflow.Clinic, access.User, error) {
	var c ketaflow.Clinic
	var u access.User
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = a.createClinic(tx, name, tz, false); err != nil {
			return err
		}
		u, err = a.addUser(tx, c.ID, in)
		return err
	})
	return c, u, err
}

func (a *App) createClinic(tx *store.Tx, name, tz string, demo bool) (ketaflow.Clinic, error) {
	name = strings.TrimSpace(name)
	var p ketaflow.Problems
	if name == "" || len(name) > 200 {
		p.Add("name", "clinic name is required, at most 200 characters")
	}
	if tz = strings.TrimSpace(tz); tz == "" {
		p.Add("time_zone", "time zone is required: an IANA time zone name such as America/New_York or Europe/London")
	} else if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		p.Add("time_zone", "time zone %q is not an IANA time zone name such as America/New_York or Europe/London", tz)
	}
	if err := p.Err(); err != nil {
		return ketaflow.Clinic{}, err
	}
	// Staff are added to a clinic by its name, too (ketaflow user add
	// --clinic): two of one name would be a guess.
	cs, err := tx.Clinics()
	if err != nil {
		return ketaflow.Clinic{}, err
	}
	for _, other := range cs {
		if strings.EqualFold(other.Name, name) {
			return ketaflow.Clinic{}, ketaflow.Invalid("name", "a clinic named %q exists already (id %s); choose another name", other.Name, other.ID)
		}
	}
	c := ketaflow.Clinic{ID: ketaflow.NewID(), Name: name, TimeZone: tz, CreatedAt: a.Clock.Now(), Demo: demo, BoardNames: ketaflow.BoardInitials,
		Contacts: ketaflow.Contacts{CrisisLine: ketaflow.NationalCrisisLine}}
	if err := tx.InsertClinic(c); err != nil {
		return c, err
	}
	if err := a.initialProtocol(tx, c.ID, demo); err != nil {
		return c, err
	}
	what := "clinic"
	if demo {
		what = "demo clinic"
	}
	return c, a.appendAudit(tx, CommandLine(c.ID), op{Action: "clinic.create", Category: access.CatAccount,
		Detail: fmt.Sprintf("%s %q in %s", what, name, tz)}, audit.OK)
}

// AddUserFromCommandLine adds a staff account without a logged-in admin:
// how the first admin of a clinic comes to exist.
func (a *App) AddUserFromCommandLine(ctx context.Context, clinicID string, in NewUser) (access.User, error) {
	var u access.User
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		if _, err := tx.Clinic(clinicID); err != nil {
			return err
		}
		var err error
		u, err = a.addUser(tx, clinicID, in)
		return err
	})
	return u, err
}

func (a *App) addUser(tx *store.Tx, clinicID string, in NewUser) (access.User, error) {
	u, err := a.createUser(tx, a.Clock.Now(), clinicID, in)
	if err != nil {
		return u, err
	}
	return u, a.appendAudit(tx, CommandLine(clinicID), op{Action: access.UserManage, Category: access.CatAccount,
		Detail: fmt.Sprintf("added user %s with role %s", u.Username, u.Role)}, audit.OK)
}

// CreateAPITokenFromCommandLine makes an API token for a user by username.
func (a *App) CreateAPITokenFromCommandLine(ctx context.Context, username, name string, scopes ...string) (string, error) {
	var l store.UserLogin
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		l, err = tx.UserByUsername(access.NormalizeUsername(username))
		return err
	})
	if err != nil {
		return "", err
	}
	if !l.User.Active {
		return "", ketaflow.Invalid("username", "user %s is deactivated", l.User.Username)
	}
	_, secret, err := a.CreateAPIToken(ctx, l.User.Actor("command line"), NewAPIToken{Name: name, Scopes: scopes})
	return secret, err
}
