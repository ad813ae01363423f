package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// ConsentForms lists every version of the clinic's consent texts, by
// route and newest first: the admin's page.
func (a *App) ConsentForms(ctx context.Context, actor access.Actor) ([]courses.Form, error) {
	var out []courses.Form
	err := a.view(ctx, actor, op{Action: access.ConsentFormEdit, Category: access.CatProtocol, Detail: "consent forms"},
		func(tx *store.Tx, o *op) error {
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			if out, err = tx.ConsentForms(actor.ClinicID); err != nil {
				return err
			}
			for i := range out {
				out[i].CreatedAt = out[i].CreatedAt.In(c.Location())
			}
			return nil
		})
	return out, err
}

// WriteConsentForm saves a new version of a route's consent text. Consents
// signed on earlier versions keep the text they were signed on.
func (a *App) WriteConsentForm(ctx context.Context, actor access.Actor, route, title, body string) (courses.Form, error) {
	var out courses.Form
	err := a.do(ctx, actor, op{Action: access.ConsentFormEdit, Category: access.CatProtocol},
		func(tx *store.Tx, o *op) error {
			r, err := protocol.ParseRoute(route)
			previous := 0
			if err == nil {
				cur, err := tx.CurrentConsentForm(actor.ClinicID, string(r))
				switch {
				case err == nil:
					previous = cur.Version
				case !ketaflow.IsCode(err, ketaflow.ENotFound):
					return err
				}
			}
			f, err := courses.NewForm(route, title, body, previous, actor.UserID, a.Clock.Now())
			if err != nil {
				return err
			}
			f.ID, f.ClinicID = ketaflow.NewID(), actor.ClinicID
			if err := tx.InsertConsentForm(f); err != nil {
				return err
			}
			o.Detail = fmt.Sprintf("wrote version %d of the %s consent form %s", f.Version, f.Route, f.ID)
			out = f
			return nil
		})
	return out, err
}

// ConsentView is a signed consent with whether it covers treatment now.
type ConsentView struct {
	courses.Consent
	ExpiresAt time.Time
	Valid     bool
}

// ConsentFile is what a patient has on file for treatment: the consents
// they signed (newest first), the REMS enrolment, and the routes whose
// consent is missing or expired.
type ConsentFile struct {
	Consents  []ConsentView
	Enrolment *courses.Enrolment
	// REMSPatientID is the id on the patient record the enrolment must
	// match.
	REMSPatientID string
	// Needed names the routes with no valid consent now.
	Needed []protocol.Route
}

// PatientConsents reads the patient's consent file.
func (a *App) PatientConsents(ctx context.Context, actor access.Actor, patientID string) (ConsentFile, error) {
	var out ConsentFile
	err := a.view(ctx, actor, op{Action: access.ConsentRead, Category: access.CatDemographics, PatientID: patientID, Detail: "consents"},
		func(tx *store.Tx, o *op) error {
			var err error
			out, err = a.consentFile(tx, actor, patientID)
			return err
		})
	return out, err
}

func (a *App) consentFile(tx *store.Tx, actor access.Actor, patientID string) (ConsentFile, error) {
	var out ConsentFile
	p, err := tx.Patient(actor.ClinicID, patientID)
	if err != nil {
		return out, err
	}
	c, err := tx.Clinic(actor.ClinicID)
	if err != nil {
		return out, err
	}
	proto, err := tx.CurrentProtocol(actor.ClinicID)
	if err != nil {
		return out, err
	}
	loc, now := c.Location(), a.Clock.Now()
	cs, err := tx.Consents(actor.ClinicID, patientID)
	if err != nil {
		return out, err
	}
	valid := map[protocol.Route]bool{}
	for _, k := range cs {
		v := ConsentView{Consent: k, ExpiresAt: k.ExpiresAt(proto.Rules).In(loc), Valid: k.Valid(proto.Rules, now)}
		v.SignedAt = v.SignedAt.In(loc)
		valid[k.Route] = valid[k.Route] || v.Valid
		out.Consents = append(out.Consents, v)
	}
	for _, r := range protocol.Routes {
		if !valid[r] {
			out.Needed = append(out.Needed, r)
		}
	}
	out.REMSPatientID = p.REMSPatientID
	e, err := enrolmentOf(tx, actor.ClinicID, patientID, p.REMSPatientID)
	if e != nil {
		e.RecordedAt = e.RecordedAt.In(loc)
	}
	out.Enrolment = e
	return out, err
}

// enrolmentOf is the newest REMS enrolment recorded for the id now on the
// patient record; nil when none.
func enrolmentOf(tx *store.Tx, clinicID, patientID, remsID string) (*courses.Enrolment, error) {
	es, err := tx.Enrolments(clinicID, patientID)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if remsID != "" && e.REMSPatientID == remsID {
			return &e, nil
		}
	}
	return nil, nil
}

// latestConsent is the patient's newest consent for a route, for the gate.
func latestConsent(tx *store.Tx, clinicID, patientID string, route protocol.Route) (*intake.ConsentOnFile, error) {
	cs, err := tx.Consents(clinicID, patientID)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Route == route {
			return &intake.ConsentOnFile{ID: c.ID, Route: c.Route, FormVersion: c.FormVersion, SignedAt: c.SignedAt}, nil
		}
	}
	return nil, nil
}

// RecordREMSEnrolment records the date the patient's REMS enrolment form
// was signed, for the REMS id on the patient record; the gate's REMS check
// reads it. Open visits of the patient are judged again.
func (a *App) RecordREMSEnrolment(ctx context.Context, actor access.Actor, patientID string, on ketaflow.Date) (ConsentFile, error) {
	var out ConsentFile
	err := a.do(ctx, actor, op{Action: access.REMSEnrol, Category: access.CatDemographics, PatientID: patientID},
		func(tx *store.Tx, o *op) error {
			p, err := tx.Patient(actor.ClinicID, patientID)
			if err != nil {
				return err
			}
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			now := a.Clock.Now()
			e, err := courses.NewEnrolment(patientID, p.REMSPatientID, on, c.Today(now), actor.UserID, now)
			if err != nil {
				return err
			}
			e.ID = ketaflow.NewID()
			if err := tx.InsertEnrolment(actor.ClinicID, e); err != nil {
				return err
			}
			o.Detail = "recorded the REMS enrolment " + e.ID
			if err := a.regatePatient(tx, actor, patientID, "REMS enrolment recorded", o); err != nil {
				return err
			}
			out, err = a.consentFile(tx, actor, patientID)
			return err
		})
	return out, err
}

// regatePatient judges the gate again on the patient's open visits (a
// consent or enrolment came in or changed), noting each for the live pages.
func (a *App) regatePatient(tx *store.Tx, actor access.Actor, patientID, cause string, o *op) error {
	rows, err := tx.Visits(actor.ClinicID, store.VisitQuery{PatientID: patientID, Limit: 1000})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if !gateLive(r.State) {
			continue
		}
		vc, err := a.loadVisit(tx, actor, r.ID, true)
		if err != nil {
			return err
		}
		if err := a.regate(tx, actor, vc, cause); err != nil {
			return err
		}
		if o != nil {
			o.changed(actor.ClinicID, TopicVisit, r.ID)
		}
	}
	return nil
}

// consentToSign is the form the patient of a visit is to sign on the
// tablet: the route's current form when the patient has no valid consent
// for the route; nil when nothing is to sign (or the clinic has no form).
func consentToSign(tx *store.Tx, vc visitContext, now time.Time) (*courses.Form, error) {
	con, err := latestConsent(tx, vc.clinic.ID, vc.patient.ID, vc.visit.Route)
	if err != nil {
		return nil, err
	}
	if con != nil && !con.SignedAt.After(now) && now.Before(con.SignedAt.Add(vc.proto.Rules.Course.ConsentValid())) {
		return nil, nil
	}
	f, err := tx.CurrentConsentForm(vc.clinic.ID, string(vc.visit.Route))
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// SignConsentOnTablet saves the consent the patient signed on the clinic
// tablet with their typed name: the text of the form version they were
// shown, kept as signed. The visit's gate is judged again. When the
// questionnaires are answered too, the tablet asks to be handed back.
func (a *App) SignConsentOnTablet(ctx context.Context, secret, source string, formVersion int, typedName string) error {
	var h access.HandOff
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		var vc visitContext
		var err error
		if h, vc, err = a.openHandOff(tx, secret, true); err != nil {
			return err
		}
		now := a.Clock.Now()
		if h.Stage(now) != access.HandOffAnswering || !gateLive(vc.visit.State) {
			return ketaflow.Errorf(ketaflow.EConflict, "this tablet's work is done; please hand the tablet back to the staff")
		}
		form, err := consentToSign(tx, vc, now)
		if err != nil {
			return err
		}
		if form == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "there is no consent to sign for this visit now; please hand the tablet back to the staff")
		}
		c, err := courses.Sign(*form, formVersion, vc.patient.ID, []string{vc.patient.LegalName, vc.patient.PreferredName}, typedName,
			h.StartedBy, vc.visit.ID, now)
		if err != nil {
			return err
		}
		c.ID, c.ClinicID = ketaflow.NewID(), vc.clinic.ID
		if err := tx.InsertConsent(c); err != nil {
			return err
		}
		actor := tabletActor(h.ClinicID, source)
		if err := a.regate(tx, actor, vc, "consent signed on the clinic tablet"); err != nil {
			return err
		}
		rs, err := tx.Responses(vc.visit.ID)
		if err != nil {
			return err
		}
		if len(intake.Outstanding(answeredOf(rs))) == 0 {
			if err := tx.SubmitHandOff(h.ID, now, h.Alert); err != nil {
				return err
			}
		}
		return a.appendAudit(tx, actor, op{Action: "consent.tablet_sign", Category: access.CatDemographics, PatientID: vc.patient.ID,
			Detail: fmt.Sprintf("signed consent %s on version %d of the %s form; tablet handed over by %s", c.ID, c.FormVersion, c.Route,
				h.StartedByName)}, audit.OK)
	})
	if err == nil {
		a.publish(ctx, []Event{{ClinicID: h.ClinicID, Topic: TopicVisit, VisitID: h.VisitID}})
	}
	if err != nil && h.ClinicID != "" && (ketaflow.IsCode(err, ketaflow.EInvalid) || ketaflow.IsCode(err, ketaflow.EConflict)) {
		a.auditAlone(ctx, tabletActor(h.ClinicID, source), op{Action: "consent.tablet_sign", Category: access.CatDemographics,
			PatientID: h.PatientID, Detail: ketaflow.ErrorMessage(err)}, audit.Failed)
	}
	return err
}
