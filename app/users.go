package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
)

// NewUser is what an admin enters to add a staff account.
type NewUser struct {
	Username string
	Name     string
	Role     access.Role
	Password string
}

// CreateUser adds a staff account to the actor's clinic. An account asked
// for with a clinical role starts as front desk, with a request for the
// role that a second admin approves (accountrequests.go): one admin alone
// cannot make a prescriber.
func (a *App) CreateUser(ctx context.Context, actor access.Actor, in NewUser) (access.User, error) {
	var u access.User
	err := a.do(ctx, actor, op{Action: access.UserManage, Category: access.CatAccount}, func(tx *store.Tx, o *op) error {
		want := in.Role
		if access.ClinicalRole(want) {
			in.Role = access.FrontDesk
		}
		var err error
		if u, err = a.createUser(tx, a.Clock.Now(), actor.ClinicID, in); err != nil {
			return err
		}
		o.Detail = fmt.Sprintf("added user %s with role %s", u.Username, u.Role)
		if want != in.Role {
			r, err := a.requestAccountChange(tx, actor, AccountChange{UserID: u.ID, Kind: RequestRole, Role: want})
			if err != nil {
				return err
			}
			o.Detail += fmt.Sprintf("; account request %s: role %s, for a second admin", r.ID, want)
		}
		return nil
	})
	return u, err
}

func (a *App) createUser(tx *store.Tx, now time.Time, clinicID string, in NewUser) (access.User, error) {
	in.Username = access.NormalizeUsername(in.Username)
	in.Name = strings.TrimSpace(in.Name)
	if err := access.ValidateNewUser(in.Username, in.Name, in.Role, in.Password); err != nil {
		return access.User{}, err
	}
	u := access.User{ID: ketaflow.NewID(), ClinicID: clinicID, Username: in.Username, Name: in.Name, Role: in.Role,
		Active: true, CreatedAt: now, UpdatedAt: now}
	return u, tx.InsertUser(u, a.passwords.Hash(in.Password))
}

// Users lists the staff of the actor's clinic.
func (a *App) Users(ctx context.Context, actor access.Actor) ([]access.User, error) {
	var out []access.User
	err := a.view(ctx, actor, op{Action: access.UserList, Category: access.CatAccount}, func(tx *store.Tx, o *op) error {
		var err error
		out, err = tx.Users(actor.ClinicID)
		return err
	})
	return out, err
}

// StaffNames returns the active staff of the actor's clinic with a role in
// roles, for choosing a patient's prescriber or therapist. It shows names
// only, so any staff member may ask.
func (a *App) StaffNames(ctx context.Context, actor access.Actor, roles ...access.Role) ([]access.User, error) {
	if err := a.allow(ctx, actor, op{Action: access.PatientList, Category: access.CatDemographics}); err != nil {
		return nil, err
	}
	var all []access.User
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		all, err = tx.Users(actor.ClinicID)
		return err
	})
	var out []access.User
	for _, u := range all {
		for _, r := range roles {
			if u.Active && u.Role == r {
				out = append(out, access.User{ID: u.ID, Name: u.Name, Role: u.Role})
			}
		}
	}
	return out, err
}

// UserChange is an admin's change to an account; nil fields stay as they are.
type UserChange struct {
	Name     *string
	Role     *access.Role
	Active   *bool
	Password *string // a reset by the admin
}

// UpdateUser changes an account of the actor's clinic. A role change,
// deactivation or password reset ends the user's logins and tokens, so the
// change takes effect at once. Granting a clinical role or resetting
// another person's password is refused here (EConflict): it is a request
// for a second admin (RequestAccountChange). Admins cannot demote or deactivate themselves, so a
// clinic is never left without an admin by accident.
func (a *App) UpdateUser(ctx context.Context, actor access.Actor, id string, ch UserChange) (access.User, error) {
	var u access.User
	err := a.do(ctx, actor, op{Action: access.UserManage, Category: access.CatAccount}, func(tx *store.Tx, o *op) error {
		var err error
		if u, err = tx.User(actor.ClinicID, id); err != nil {
			return err
		}
		now := a.Clock.Now()
		var what []string
		endSessions := false
		if ch.Name != nil {
			name := strings.TrimSpace(*ch.Name)
			if err := access.ValidateName(name); err != nil {
				return err
			}
			if name != u.Name {
				what = append(what, fmt.Sprintf("name %q -> %q", u.Name, name))
				u.Name = name
			}
		}
		if ch.Role != nil && *ch.Role != u.Role {
			r, err := access.ParseRole("role", string(*ch.Role))
			if err != nil {
				return err
			}
			if u.ID == actor.UserID {
				return ketaflow.Invalid("role", "you cannot change your own role; ask another admin")
			}
			if access.ClinicalRole(r) {
				return errSecondAdmin("role", "granting the "+string(r)+" role")
			}
			what = append(what, fmt.Sprintf("role %s -> %s", u.Role, r))
			u.Role, endSessions = r, true
		}
		if ch.Active != nil && *ch.Active != u.Active {
			if u.ID == actor.UserID {
				return ketaflow.Invalid("active", "you cannot deactivate your own account; ask another admin")
			}
			what = append(what, fmt.Sprintf("active %t -> %t", u.Active, *ch.Active))
			u.Active, endSessions = *ch.Active, endSessions || !*ch.Active
		}
		if ch.Password != nil {
			if u.ID != actor.UserID {
				return errSecondAdmin("password", "resetting another person's password")
			}
			if err := access.CheckPassword("password", *ch.Password); err != nil {
				return err
			}
			if err := tx.SetPassword(actor.ClinicID, u.ID, a.passwords.Hash(*ch.Password), now, false); err != nil {
				return err
			}
			what = append(what, "password reset")
			endSessions = true
		}
		if len(what) == 0 {
			return ketaflow.Invalid("", "nothing to change")
		}
		u.UpdatedAt = now
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if endSessions {
			if err := endAccess(tx, u.ID, now); err != nil {
				return err
			}
		}
		o.Detail = "user " + u.Username + ": " + strings.Join(what, "; ")
		return nil
	})
	return u, err
}

// endAccess ends every login and sign-in waiting for its code and revokes
// every API token of a user, so
// that a change of password, role or active flag takes effect at once on
// every browser and program.
func endAccess(tx *store.Tx, userID string, now time.Time) error {
	if err := tx.EndUserLogins(userID, now); err != nil {
		return err
	}
	if err := tx.EndUserChallenges(userID, now); err != nil {
		return err
	}
	if err := tx.EndUserBreakGlass(userID, now); err != nil {
		return err
	}
	return tx.RevokeUserAPITokens(userID, now)
}
