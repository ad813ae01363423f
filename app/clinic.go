package app

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
)

// ClinicChange is an admin's change to the clinic's settings; nil fields
// stay as they are.
type ClinicChange struct {
	Name          *string
	TimeZone      *string
	REMSSettingID *string
	// The contacts (ketaflow.Contacts): an empty phone or on-call phone
	// is "not entered yet"; the crisis line is required.
	Phone       *string
	OnCallPhone *string
	CrisisLine  *string
	// BoardNames is how the floor board names patients: initials or full.
	BoardNames *string
}

var remsSettingPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,39}$`)

// UpdateClinic changes the clinic's name, time zone, REMS certification,
// contacts or how the floor board names patients. Errors: EInvalid naming each field at fault; EInvalid when
// nothing changes; EForbidden for a role other than admin.
func (a *App) UpdateClinic(ctx context.Context, actor access.Actor, ch ClinicChange) (ketaflow.Clinic, error) {
	var c ketaflow.Clinic
	err := a.do(ctx, actor, op{Action: access.ClinicEdit, Category: access.CatClinic}, func(tx *store.Tx, o *op) error {
		var err error
		if c, err = tx.Clinic(actor.ClinicID); err != nil {
			return err
		}
		var p ketaflow.Problems
		var what []string
		if ch.Name != nil {
			name := strings.TrimSpace(*ch.Name)
			if name == "" || len(name) > 200 {
				p.Add("name", "clinic name is required, at most 200 characters")
			} else if name != c.Name {
				what = append(what, fmt.Sprintf("name %q -> %q", c.Name, name))
				c.Name = name
			}
		}
		if ch.TimeZone != nil {
			tz := strings.TrimSpace(*ch.TimeZone)
			if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
				p.Add("time_zone", "time zone %q is not an IANA time zone name such as America/New_York or Europe/London", tz)
			} else if tz != c.TimeZone {
				what = append(what, fmt.Sprintf("time zone %s -> %s", c.TimeZone, tz))
				c.TimeZone = tz
			}
		}
		if ch.REMSSettingID != nil {
			id := strings.TrimSpace(*ch.REMSSettingID)
			if id != "" && !remsSettingPattern.MatchString(id) {
				p.Add("rems_setting_id", "REMS setting id must be 1 to 40 letters, digits or hyphens, or empty when not certified")
			} else if id != c.REMSSettingID {
				what = append(what, fmt.Sprintf("REMS setting %q -> %q", c.REMSSettingID, id))
				c.REMSSettingID = id
			}
		}
		if ch.BoardNames != nil {
			n := ketaflow.BoardNames(strings.TrimSpace(*ch.BoardNames))
			if !slices.Contains(ketaflow.BoardNameChoices, n) {
				p.Add("board_names", "board names must be initials or full, not %.20q", *ch.BoardNames)
			} else if n != c.Boards() {
				what = append(what, fmt.Sprintf("board names %s -> %s", c.Boards(), n))
				c.BoardNames = n
			}
		}
		contacts := c.Contacts
		for _, f := range []struct{ change, field *string }{
			{ch.Phone, &contacts.Phone}, {ch.OnCallPhone, &contacts.OnCallPhone}, {ch.CrisisLine, &contacts.CrisisLine},
		} {
			if f.change != nil {
				*f.field = *f.change
			}
		}
		if err := contacts.Validate(); err != nil {
			p = append(p, ketaflow.AsError(err).Fields...)
		} else {
			for _, f := range []struct{ what, from, to string }{
				{"phone", c.Phone, contacts.Phone},
				{"on-call phone", c.OnCallPhone, contacts.OnCallPhone},
				{"crisis line", c.CrisisLine, contacts.CrisisLine},
			} {
				if f.from != f.to {
					what = append(what, fmt.Sprintf("%s %q -> %q", f.what, f.from, f.to))
				}
			}
			c.Contacts = contacts
		}
		if err := p.Err(); err != nil {
			return err
		}
		if len(what) == 0 {
			return ketaflow.Invalid("", "nothing was changed")
		}
		o.Detail = strings.Join(what, "; ")
		o.changed(actor.ClinicID, TopicFloor, "")
		return tx.UpdateClinic(c)
	})
	if err == nil {
		a.clinics.Delete(actor.ClinicID)
		a.DB.AfterCommit(ctx, func() { a.clinics.Delete(actor.ClinicID) })
	}
	return c, err
}

// SetupTasks are the clinic settings the actor should still enter: the
// clinic's missing contacts, for the role that can enter them (the admin);
// none for the other roles, who cannot act on them.
func SetupTasks(actor access.Actor, c ketaflow.Clinic) []ketaflow.SetupTask {
	if !access.Can(actor.Role, access.ClinicEdit) {
		return nil
	}
	return c.Missing()
}

// Chairs lists the actor's clinic's chairs.
func (a *App) Chairs(ctx context.Context, actor access.Actor) ([]ketaflow.Chair, error) {
	if err := a.allow(ctx, actor, op{Action: access.ChairList, Category: access.CatClinic}); err != nil {
		return nil, err
	}
	var out []ketaflow.Chair
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Chairs(actor.ClinicID)
		return err
	})
	return out, err
}

func chairName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 60 {
		return "", ketaflow.Invalid("name", "chair name is required, at most 60 characters (e.g. \"Chair 3\" or \"Garden room\")")
	}
	return name, nil
}

// AddChair adds a chair to the actor's clinic.
func (a *App) AddChair(ctx context.Context, actor access.Actor, name string) (ketaflow.Chair, error) {
	var c ketaflow.Chair
	err := a.do(ctx, actor, op{Action: access.ClinicEdit, Category: access.CatClinic}, func(tx *store.Tx, o *op) error {
		n, err := chairName(name)
		if err != nil {
			return err
		}
		c = ketaflow.Chair{ID: ketaflow.NewID(), ClinicID: actor.ClinicID, Name: n, Active: true, CreatedAt: a.Clock.Now()}
		o.Detail = "added chair " + n
		o.changed(actor.ClinicID, TopicFloor, "")
		return tx.InsertChair(c)
	})
	return c, err
}

// ChairChange renames a chair or takes it out of (or back into) service.
type ChairChange struct {
	Name   *string
	Active *bool
}

// UpdateChair changes a chair. Chairs are never deleted: visits point at them.
func (a *App) UpdateChair(ctx context.Context, actor access.Actor, id string, ch ChairChange) (ketaflow.Chair, error) {
	var c ketaflow.Chair
	err := a.do(ctx, actor, op{Action: access.ClinicEdit, Category: access.CatClinic}, func(tx *store.Tx, o *op) error {
		var err error
		if c, err = tx.Chair(actor.ClinicID, id); err != nil {
			return err
		}
		if ch.Name != nil {
			if c.Name, err = chairName(*ch.Name); err != nil {
				return err
			}
		}
		if ch.Active != nil {
			c.Active = *ch.Active
		}
		o.Detail = fmt.Sprintf("chair %s: name %q, active %t", c.ID, c.Name, c.Active)
		o.changed(actor.ClinicID, TopicFloor, "")
		return tx.UpdateChair(c)
	})
	return c, err
}
