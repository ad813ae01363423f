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
	"github.com/ketaflow/ketaflow/visits"
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
	if err := form.Validate(); err != nil {
		// What the form lacks is the record's state, not the caller's
		// input: the step is blocked (422) until late entries fill it,
		// and the error names every field still missing.
		e := *ketaflow.AsError(err)
		e.Code = ketaflow.EBlocked
		e.Message = "the REMS form is incomplete: " + e.Message
		return form, &e
	}
	return form, nil
}

// REMSFormView is a visit's stored REMS form: its data, where it stands
// and its submission.
type REMSFormView struct {
	REMSStatus
	VisitID   string
	PatientID string
	Form      discharge.REMSForm
}

func remsFormView(r store.REMSRow, now time.Time, loc *time.Location) REMSFormView {
	return REMSFormView{REMSStatus: remsStatus(r, now, loc), VisitID: r.VisitID, PatientID: r.PatientID, Form: r.Form}
}

// REMSListItem is one form on the list of what is due.
type REMSListItem struct {
	REMSFormView
	PatientName string
	// Actions is the submission step for the reader: allowed, or not with
	// the reason (a form incomplete, or submitted already).
	Actions []Action
}

// REMSForms lists the clinic's REMS forms by due date, with each one's state
// (due, overdue, submitted) now.
func (a *App) REMSForms(ctx context.Context, actor access.Actor) ([]REMSListItem, error) {
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return nil, err
	}
	var out []REMSListItem
	err = a.view(ctx, actor, op{Action: access.REMSRead, Category: access.CatDose, Detail: "REMS forms"}, func(tx *store.Tx, o *op) error {
		rows, err := tx.REMSForms(actor.ClinicID, "")
		if err != nil {
			return err
		}
		now := a.Clock.Now()
		submit := lookupStep(ActSubmitREMS)
		for _, r := range rows {
			item := REMSListItem{REMSFormView: remsFormView(r, now, c.Location()), PatientName: r.Form.PatientName}
			// The submission step as the visit's page offers it: its rule
			// reads only the stored form.
			st := &visitState{sess: SessionView{REMS: &item.REMSStatus}}
			if act, ok := submit.action(st, actor); ok {
				item.Actions = []Action{act}
			}
			out = append(out, item)
		}
		return nil
	})
	return out, err
}

// storedREMSForm reads a visit's stored REMS form.
func (a *App) storedREMSForm(tx *store.Tx, clinic ketaflow.Clinic, visitID string) (REMSFormView, error) {
	rows, err := tx.REMSForms(clinic.ID, visitID)
	if err != nil {
		return REMSFormView{}, err
	}
	if len(rows) == 0 {
		return REMSFormView{}, ketaflow.NotFound("REMS form")
	}
	return remsFormView(rows[0], a.Clock.Now(), clinic.Location()), nil
}

// REMSForm returns the stored form of a visit, for its page and PDF.
func (a *App) REMSForm(ctx context.Context, actor access.Actor, visitID string) (REMSFormView, error) {
	var out REMSFormView
	err := a.view(ctx, actor, op{Action: access.REMSRead, Category: access.CatDose, Detail: "REMS form " + visitID},
		func(tx *store.Tx, o *op) error {
			v, err := tx.Visit(actor.ClinicID, visitID)
			if err != nil {
				return err
			}
			o.PatientID = v.PatientID
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			out, err = a.storedREMSForm(tx, c, visitID)
			return err
		})
	return out, err
}

// AssembleREMSForm assembles (or assembles again, after a correction) the
// REMS form of a Spravato visit discharged, or stopped early after a
// device; monitoring ends when the visit closed. It is refused while a
// required field is missing, naming each. It answers with the form as
// stored.
func (a *App) AssembleREMSForm(ctx context.Context, actor access.Actor, visitID string) (REMSFormView, VisitView, error) {
	var out REMSFormView
	v, err := a.visitWrite(ctx, actor, ActAssembleREMS, access.CatDose, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		end := a.Clock.Now()
		for _, t := range st.transitions {
			if t.To == visits.Discharged || t.To == visits.StoppedEarly {
				end = t.At
			}
		}
		form, err := a.assembleREMS(tx, st.visitContext, st.sess, st.facts, end)
		if err != nil {
			return err
		}
		form.DueBy = discharge.DueBy(end, st.proto.Rules).In(st.clinic.Location())
		form.GeneratedAt = a.Clock.Now().In(st.clinic.Location())
		op.Detail = "REMS form assembled"
		if err := tx.InsertREMSForm(st.clinic.ID, st.visit.ID, form, form.DueBy, nil, ""); err != nil {
			return err
		}
		out, err = a.storedREMSForm(tx, st.clinic, st.visit.ID)
		return err
	})
	return out, v, err
}

// SubmitREMSForm records that a visit's REMS form was submitted to the REMS
// programme, with the confirmation it gave. It answers with the form as
// stored.
func (a *App) SubmitREMSForm(ctx context.Context, actor access.Actor, visitID, confirmation string) (REMSFormView, VisitView, error) {
	confirmation = strings.TrimSpace(confirmation)
	var out REMSFormView
	v, err := a.visitWrite(ctx, actor, ActSubmitREMS, access.CatDose, visitID, func(tx *store.Tx, st *visitState, o *op) error {
		if len(confirmation) > 200 {
			return ketaflow.Invalid("confirmation", "the confirmation must be at most 200 characters")
		}

		o.Detail = fmt.Sprintf("REMS form submitted %s", confirmation)
		if err := tx.InsertREMSSubmission(actor.ClinicID, visitID, actor.UserID, confirmation, a.Clock.Now()); err != nil {
			return err
		}
		var err error
		out, err = a.storedREMSForm(tx, st.clinic, st.visit.ID)
		return err
	})
	return out, v, err
}
