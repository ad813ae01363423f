package app

import (
	"context"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
)

// Break-glass: a named admin opens one patient's record outside their
// role, with a written reason, for the clinic's protocol time
// (security.break_glass_minutes). While it lasts the visibility table reads
// them as breakGlassReader for that patient (visibility.go), every page
// shows it (a banner), and every audit entry about the patient names it.
// The reason is kept with the access, not in the audit log; every other
// admin sees it on the Users page, with its count in the navigation, until
// one of them reviews it.

var (
	errGlassByToken = ketaflow.Errorf(ketaflow.EForbidden,
		"break-glass is opened from a signed-in browser, whose every page shows it; an API token cannot open it")
	errGlassNotNeeded = ketaflow.Errorf(ketaflow.EConflict,
		"your role reads this patient's whole record already: break-glass is for a record outside your role")
)

// OpenBreakGlass opens the patient's record to the actor outside their
// role, for the clinic's break-glass time, with their reason. An access
// open before (to any patient) ends.
func (a *App) OpenBreakGlass(ctx context.Context, actor access.Actor, patientID, reason string) (access.BreakGlass, error) {
	reason = strings.TrimSpace(reason)
	var g access.BreakGlass
	err := a.do(ctx, actor, op{Action: access.BreakGlassOpen, Category: access.CatClinical, PatientID: patientID},
		func(tx *store.Tx, o *op) error {
			if actor.Token {
				return errGlassByToken
			}
			if readsWholeRecord(actor.Role) {
				return errGlassNotNeeded
			}
			if err := access.CheckBreakGlassReason(reason); err != nil {
				return err
			}
			p, err := tx.Patient(actor.ClinicID, patientID)
			if err != nil {
				if !ketaflow.ValidID(patientID) {
					o.PatientID = ""
				}
				return err
			}
			sec, err := a.protocolRules(tx, actor.ClinicID)
			if err != nil {
				return err
			}
			now := a.Clock.Now()
			if err := tx.EndUserBreakGlass(actor.UserID, now); err != nil {
				return err
			}
			g = access.BreakGlass{ID: ketaflow.NewID(), ClinicID: actor.ClinicID, UserID: actor.UserID, Username: actor.Username,
				UserName: actor.Name, PatientID: p.ID, PatientName: patientName(p), Reason: reason, StartedAt: now,
				ExpiresAt: now.Add(sec.BreakGlass()).UTC().Truncate(time.Microsecond)}
			if err := tx.InsertBreakGlass(g); err != nil {
				return err
			}
			o.Detail = "break-glass " + g.ID + ": opened the clinical record outside the " + string(actor.Role) + " role until " +
				g.ExpiresAt.Format(time.RFC3339) + "; the reason is kept with the access, for the other admins"
			return nil
		})
	return g, err
}

func patientName(p patients.Patient) string { return p.LegalName }

// EndBreakGlass ends the actor's open break-glass access before its time.
func (a *App) EndBreakGlass(ctx context.Context, actor access.Actor) error {
	g := actor.Glass
	if g == nil || !g.Live(a.Clock.Now()) {
		return ketaflow.Errorf(ketaflow.EConflict, "you have no break-glass access open")
	}
	return a.do(ctx, actor, op{Action: access.BreakGlassOpen, Category: access.CatClinical, PatientID: g.PatientID,
		Detail: "break-glass " + g.ID + " ended by its holder"}, func(tx *store.Tx, o *op) error {
		return tx.EndUserBreakGlass(actor.UserID, a.Clock.Now())
	})
}

// BreakGlassReview is an access as the other admins see it.
type BreakGlassReview struct {
	access.BreakGlass
	Live bool
	// Own: the reader opened it, and may not review it.
	Own bool
}

// BreakGlassToReview lists the clinic's break-glass accesses no admin has
// reviewed yet, with their reasons: the alert to the other admins.
func (a *App) BreakGlassToReview(ctx context.Context, actor access.Actor) ([]BreakGlassReview, error) {
	var out []BreakGlassReview
	err := a.view(ctx, actor, op{Action: access.BreakGlassReview, Category: access.CatAudit, Detail: "break-glass accesses to review"},
		func(tx *store.Tx, o *op) error {
			gs, err := tx.BreakGlassToReview(actor.ClinicID)
			now := a.Clock.Now()
			for _, g := range gs {
				out = append(out, BreakGlassReview{BreakGlass: g, Live: g.Live(now), Own: g.UserID == actor.UserID})
			}
			return err
		})
	return out, err
}

// BreakGlassAlerts counts the accesses the reader, an admin, may review:
// opened by another and not reviewed yet, for the navigation. It reads no
// record, so it is not audited.
func (a *App) BreakGlassAlerts(ctx context.Context, actor access.Actor) (int, error) {
	if !access.Can(actor.Role, access.BreakGlassReview) || actor.MustChangePassword {
		return 0, nil
	}
	n := 0
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		gs, err := tx.BreakGlassToReview(actor.ClinicID)
		for _, g := range gs {
			if g.UserID != actor.UserID {
				n++
			}
		}
		return err
	})
	return n, err
}

// ReviewBreakGlass marks another person's break-glass access as reviewed
// by the actor.
func (a *App) ReviewBreakGlass(ctx context.Context, actor access.Actor, id string) error {
	return a.do(ctx, actor, op{Action: access.BreakGlassReview, Category: access.CatAudit, Detail: "break-glass " + id + " reviewed"},
		func(tx *store.Tx, o *op) error {
			err := tx.ReviewBreakGlass(actor.ClinicID, id, actor.UserID, a.Clock.Now())
			if ketaflow.IsCode(err, ketaflow.ENotFound) {
				return ketaflow.NotFound("break-glass access to review (one you opened is reviewed by another admin)")
			}
			return err
		})
}
