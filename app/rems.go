package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
)

// assembleREMS builds the REMS Patient Monitoring Form of a Spravato visit
// from what was recorded, with monitoring ending at now. It is refused,
// naming every missing field, while a required field has no value.
func (a *App) assembleREMS(tx *store.Tx, vc visitContext, s SessionView, f visitFacts, now time.Time) (discharge.REMSForm, error) {
	loc := vc.clinic.Location()
	var form discharge.REMSForm
	if s.FirstDoseAt == nil || s.Order == nil || s.Preparation == nil {
		return form, ketaflow.Errorf(ketaflow.EBlocked, "the form is assembled after the first device is given")
	}
	p := vc.patient
	form.PatientName, form.PatientREMSID, form.BirthDate, form.Sex = p.LegalName, p.REMSPatientID, p.BirthDate, p.Sex
	form.PrescriberName = s.Order.OrderedByName
	form.SettingName, form.SettingREMSID = vc.clinic.Name, vc.clinic.REMSSettingID
	first := s.FirstDoseAt.In(loc)
	form.TreatmentDate = ketaflow.DateOf(first)
	form.DoseMg = s.Order.SpravatoMg
	lot, err := tx.Lot(vc.clinic.ID, s.Preparation.LotID)
	if err != nil {
		return form, err
	}
	form.LotNumbers = []string{lot.LotNumber}
	form.Medications = s.Medications
	end := now.In(loc)
	obs := discharge.Observe(inZone(f.Vitals, loc), first, end, vc.proto.Rules)
	form.BPBefore, form.BPAt40, form.BPBeforeDischarge = obs.BPBefore, obs.BPAt40, obs.BPBeforeDischarge
	form.Sedation, form.Dissociation = obs.Sedation, obs.Dissociation
	form.RespiratoryDepression = discharge.YesNoOf(session.HadEvent(s.Adverse, session.RespiratoryDepression))
	form.FirstDeviceAt, form.MonitoringEndedAt = first, end
	form.MonitoringMinutes = discharge.MonitoringMinutes(first, end)
	if !s.Discharge.ReadyWithoutMinimumAt.IsZero() {
		form.ReadyToLeaveAt = s.Discharge.ReadyWithoutMinimumAt.In(loc)
	}
	form.GeneratedAt = end
	return form, form.Validate()
}

// REMSListItem is one form on the list of what is due.
type REMSListItem struct {
	store.REMSRow
	PatientName string
	State       discharge.FormState
}

// REMSForms lists the clinic's REMS forms by due date, with each one's state
// (due, overdue, submitted) now.
func (a *App) REMSForms(ctx context.Context, actor access.Actor) ([]REMSListItem, error) {
	var out []REMSListItem
	err := a.view(ctx, actor, op{Action: access.REMSRead, Category: access.CatDose, Detail: "REMS forms"}, func(tx *store.Tx, o *op) error {
		rows, err := tx.REMSForms(actor.ClinicID, "")
		if err != nil {
			return err
		}
		now := a.Clock.Now()
		for _, r := range rows {
			var sub time.Time
			if r.SubmittedAt != nil {
				sub = *r.SubmittedAt
			}
			out = append(out, REMSListItem{REMSRow: r, PatientName: r.Form.PatientName,
				State: discharge.FormStatus(r.DueBy, sub, now)})
		}
		return nil
	})
	return out, err
}

// REMSForm returns the stored form of a visit, for its page and PDF.
func (a *App) REMSForm(ctx context.Context, actor access.Actor, visitID string) (store.REMSRow, error) {
	var r store.REMSRow
	err := a.view(ctx, actor, op{Action: access.REMSRead, Category: access.CatDose, Detail: "REMS form " + visitID},
		func(tx *store.Tx, o *op) error {
			v, err := tx.Visit(actor.ClinicID, visitID)
			if err != nil {
				return err
			}
			o.PatientID = v.PatientID
			rows, err := tx.REMSForms(actor.ClinicID, visitID)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				return ketaflow.NotFound("REMS form")
			}
			r = rows[0]
			return nil
		})
	return r, err
}

// AssembleREMSForm assembles (or assembles again, after a correction) the
// REMS form of a discharged Spravato visit. It is refused while a required
// field is missing, naming each.
func (a *App) AssembleREMSForm(ctx context.Context, actor access.Actor, visitID string) (discharge.REMSForm, error) {
	var form discharge.REMSForm
	err := a.sessionCall(ctx, actor, access.REMSSubmit, access.CatDose, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if vc.visit.State.String() != "discharged" {
			return ketaflow.Errorf(ketaflow.EConflict, "the REMS form is assembled at discharge; this visit is %s", vc.visit.State.Label())
		}
		f, err := a.visitFacts(tx, vc)
		if err != nil {
			return err
		}
		ts, err := tx.Transitions(vc.visit.ID)
		if err != nil {
			return err
		}
		end := a.Clock.Now()
		for _, t := range ts {
			if t.To.String() == "discharged" {
				end = t.At
			}
		}
		if form, err = a.assembleREMS(tx, vc, s, f, end); err != nil {
			return err
		}
		form.DueBy = discharge.DueBy(end, vc.proto.Rules).In(vc.clinic.Location())
		form.GeneratedAt = a.Clock.Now().In(vc.clinic.Location())
		op.Detail = "REMS form assembled"
		return tx.InsertREMSForm(vc.clinic.ID, vc.visit.ID, form, form.DueBy)
	})
	return form, err
}

// SubmitREMSForm records that a visit's REMS form was submitted to the REMS
// programme, with the confirmation it gave.
func (a *App) SubmitREMSForm(ctx context.Context, actor access.Actor, visitID, confirmation string) error {
	confirmation = strings.TrimSpace(confirmation)
	return a.do(ctx, actor, op{Action: access.REMSSubmit, Category: access.CatDose}, func(tx *store.Tx, o *op) error {
		v, err := tx.Visit(actor.ClinicID, visitID)
		if err != nil {
			return err
		}
		o.PatientID = v.PatientID
		rows, err := tx.REMSForms(actor.ClinicID, visitID)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return ketaflow.Errorf(ketaflow.EConflict, "this visit has no REMS form yet")
		}
		if rows[0].SubmittedAt != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the form was submitted already")
		}
		if len(confirmation) > 200 {
			return ketaflow.Invalid("confirmation", "the confirmation must be at most 200 characters")
		}
		o.Detail = fmt.Sprintf("REMS form submitted %s", confirmation)
		return tx.InsertREMSSubmission(actor.ClinicID, visitID, actor.UserID, confirmation, a.Clock.Now())
	})
}
