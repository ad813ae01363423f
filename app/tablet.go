package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/integration"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// The clinic tablet in the patient's hands (access.HandOff). A staff member
// hands it over from the visit; that ends their login on the browser, which
// from then on holds only the tablet's own secret: it opens the patient's
// questionnaires, one submission, and a "please hand the tablet back" page.
// A staff member takes it back by signing in with their own password,
// throttled as every login is, and returns to the visit.

const tabletPrefix = "kfh_"

// tabletActor is the audit log's name for a patient answering on the
// clinic tablet.
func tabletActor(clinicID, source string) access.Actor {
	return access.Actor{ClinicID: clinicID, Username: "patient (clinic tablet)", Role: "patient", Source: source}
}

var errNoHandOff = &ketaflow.Error{Code: ketaflow.ENotFound, Message: "this browser is not handed to a patient"}

// HandTabletToPatient hands this browser to the patient of a visit to
// answer the questionnaires still to answer. The staff login whose secret
// is given ends in the same transaction; the tablet's secret is returned,
// for its cookie.
func (a *App) HandTabletToPatient(ctx context.Context, actor access.Actor, loginSecret, visitID string) (string, error) {
	if loginSecret == "" {
		return "", ketaflow.Errorf(ketaflow.EConflict, "the tablet is handed over from a browser signed in to ketaflow")
	}
	secret, hash := access.NewToken(tabletPrefix)
	_, err := a.visitWrite(ctx, actor, ActAnswerQuestionnaire, access.CatQuestionnaire, visitID,
		func(tx *store.Tx, st *visitState, o *op) error {
			now := a.Clock.Now()
			h := access.HandOff{ID: ketaflow.NewID(), TokenHash: hash, ClinicID: st.clinic.ID, VisitID: st.visit.ID,
				PatientID: st.patient.ID, StartedBy: actor.UserID, StartedAt: now, ExpiresAt: now.Add(access.HandOffLifetime)}
			if err := tx.InsertHandOff(h, access.HashToken(loginSecret)); err != nil {
				return err
			}
			if err := tx.EndLogin(access.HashToken(loginSecret), now); err != nil {
				return err
			}
			o.Detail = "clinic tablet handed to the patient for the questionnaires; the staff login on this browser ended until a staff member signs in again"
			return nil
		})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// TabletPage is what the tablet shows the patient: the questionnaires still
// to answer, or the request to hand the tablet back.
type TabletPage struct {
	Stage       access.HandOffStage
	ClinicName  string
	PatientName string // the preferred (first) name, while answering
	Instruments []intake.Instrument
	// Alert: the patient's answers raised the PHQ-9 item 9 safety alert;
	// their crisis help stays on the tablet until it is taken back.
	Alert                  bool
	PatientCrisisResources string
	// StaffUsername is who handed the tablet over, to fill in the sign-in
	// that takes it back.
	StaffUsername string
	// Journal: the tablet is handed over for the patient's journal of the
	// integration session, not the questionnaires; JournalKinds are what
	// an entry may be about.
	Journal      bool
	JournalKinds []integration.Kind
}

// openHandOff finds a hand-over that is not over, and its visit (locked
// when lock).
func (a *App) openHandOff(tx *store.Tx, secret string, lock bool) (access.HandOff, visitContext, error) {
	h, err := tx.HandOffByHash(access.HashToken(secret))
	if err != nil || h.Stage(a.Clock.Now()) == access.HandOffOver {
		return h, visitContext{}, errNoHandOff
	}
	vc, err := a.loadVisit(tx, access.Actor{ClinicID: h.ClinicID}, h.VisitID, lock)
	return h, vc, err
}

// Tablet is the tablet's page for its secret. Opening it is audited as the
// patient's access.
func (a *App) Tablet(ctx context.Context, secret, source string) (TabletPage, error) {
	var p TabletPage
	var h access.HandOff
	var vc visitContext
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if h, vc, err = a.openHandOff(tx, secret, false); err != nil {
			return err
		}
		p = TabletPage{Stage: h.Stage(a.Clock.Now()), ClinicName: vc.clinic.Name, Alert: h.Alert, StaffUsername: h.StartedByUsername}
		if h.Purpose == access.ForJournal {
			p.Journal = true
			if p.Stage == access.HandOffAnswering {
				p.PatientName, p.JournalKinds = firstName(vc.patient), integration.Kinds
			}
			return nil
		}
		if h.Alert {
			p.PatientCrisisResources = vc.clinic.PatientCrisisText()
		}
		if p.Stage != access.HandOffAnswering {
			return nil
		}
		rs, err := tx.Responses(vc.visit.ID)
		if err != nil {
			return err
		}
		// A visit past its gate, or answered meanwhile (a link), has
		// nothing left for the patient: the tablet goes back.
		if p.Instruments = intake.Outstanding(answeredOf(rs)); len(p.Instruments) == 0 || !gateLive(vc.visit.State) {
			p.Stage, p.Instruments = access.HandOffHandBack, nil
			return nil
		}
		p.PatientName = firstName(vc.patient)
		return nil
	})
	if err != nil {
		return p, err
	}
	action, cat := "questionnaire.tablet_open", access.CatQuestionnaire
	if p.Journal {
		action, cat = "integration.journal_tablet_open", access.CatClinical
	}
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		return a.appendAudit(tx, tabletActor(h.ClinicID, source), op{Action: access.Action(action), Category: cat,
			PatientID: h.PatientID, Detail: fmt.Sprintf("visit %s, tablet handed over by %s", h.VisitID, h.StartedByName)}, audit.OK)
	})
	return p, err
}

// HandTabletForJournal hands this browser to the patient of a discharged
// visit to write their journal (what they saw, what they felt) for its
// integration session. As for the questionnaires, the staff login whose
// secret is given ends in the same transaction; the tablet's secret is
// returned, for its cookie.
func (a *App) HandTabletForJournal(ctx context.Context, actor access.Actor, loginSecret, visitID string) (string, error) {
	if loginSecret == "" {
		return "", ketaflow.Errorf(ketaflow.EConflict, "the tablet is handed over from a browser signed in to ketaflow")
	}
	secret, hash := access.NewToken(tabletPrefix)
	_, err := a.integrationWrite(ctx, actor, ActHandTabletJournal, access.JournalHandOff, access.CatClinical, visitID,
		func(tx *store.Tx, st *integrationState, o *op) error {
			now := a.Clock.Now()
			h := access.HandOff{ID: ketaflow.NewID(), TokenHash: hash, ClinicID: actor.ClinicID, VisitID: visitID,
				PatientID: st.row.PatientID, StartedBy: actor.UserID, StartedAt: now, ExpiresAt: now.Add(access.HandOffLifetime),
				Purpose: access.ForJournal}
			if err := tx.InsertHandOff(h, access.HashToken(loginSecret)); err != nil {
				return err
			}
			if err := tx.EndLogin(access.HashToken(loginSecret), now); err != nil {
				return err
			}
			o.Detail = "clinic tablet handed to the patient for the journal of visit " + visitID + "; the staff login on this browser ended until a staff member signs in again"
			return nil
		})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// SubmitTabletJournal keeps what the patient wrote on the tablet, one
// entry per kind they filled in (at least one), attached to the
// integration session of the visit. One submission per hand-over.
//
// Errors: EInvalid on a kind's text (too long) or on "text" when nothing
// was written; EConflict when sent already.
func (a *App) SubmitTabletJournal(ctx context.Context, secret, source string, texts map[integration.Kind]string) error {
	var h access.HandOff
	n := 0
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if h, err = tx.HandOffByHash(access.HashToken(secret)); err != nil || h.Stage(a.Clock.Now()) == access.HandOffOver || h.Purpose != access.ForJournal {
			return errNoHandOff
		}
		if _, err := tx.LockVisit(h.ClinicID, h.VisitID); err != nil {
			return err
		}
		if h.Stage(a.Clock.Now()) != access.HandOffAnswering {
			return ketaflow.Errorf(ketaflow.EConflict, "your journal on this tablet was sent already; please hand the tablet back to the staff")
		}
		now := a.Clock.Now()
		var entries []integration.Entry
		for _, k := range integration.Kinds {
			if strings.TrimSpace(texts[k]) == "" {
				continue
			}
			kind, text, err := integration.ValidateEntry(string(k), texts[k])
			if err != nil {
				if e := ketaflow.AsError(err); e.Field == "text" {
					return ketaflow.Invalid(string(k), "%s", e.Message)
				}
				return err
			}
			entries = append(entries, integration.Entry{ID: ketaflow.NewID(), Kind: kind, Body: text, Source: integration.SourceTablet, WrittenAt: now})
		}
		if len(entries) == 0 {
			return ketaflow.Invalid("text", "write what you saw or what you felt (or both) before sending")
		}
		for _, e := range entries {
			if err := tx.InsertJournalEntry(h.ClinicID, h.VisitID, h.PatientID, h.ID, e); err != nil {
				return err
			}
		}
		n = len(entries)
		if err := tx.SubmitHandOff(h.ID, now, false); err != nil {
			return err
		}
		return a.appendAudit(tx, tabletActor(h.ClinicID, source), op{Action: "integration.journal_tablet_submit", Category: access.CatClinical,
			PatientID: h.PatientID, Detail: fmt.Sprintf("%d journal entries for the integration session of visit %s; tablet handed over by %s", n, h.VisitID, h.StartedByName)}, audit.OK)
	})
	if err == nil {
		a.publish(ctx, []Event{{ClinicID: h.ClinicID, Topic: TopicIntegration, VisitID: h.VisitID}})
	}
	if err != nil && h.ClinicID != "" && (ketaflow.IsCode(err, ketaflow.EInvalid) || ketaflow.IsCode(err, ketaflow.EConflict)) {
		a.auditAlone(ctx, tabletActor(h.ClinicID, source), op{Action: "integration.journal_tablet_submit", Category: access.CatClinical,
			PatientID: h.PatientID, Detail: ketaflow.ErrorMessage(err)}, audit.Failed)
	}
	return err
}

// SubmitTablet saves the answers the patient gave on the tablet: every
// questionnaire the visit still needs, complete. One submission per
// hand-over; a questionnaire answered already (from a link) is refused and
// nothing is saved. The patient sees whether the safety alert was raised,
// with their crisis help, and never the scores.
func (a *App) SubmitTablet(ctx context.Context, secret, source string, answers map[string][]int) (Submitted, error) {
	var out Submitted
	var h access.HandOff
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		var vc visitContext
		var err error
		if h, vc, err = a.openHandOff(tx, secret, true); err != nil {
			return err
		}
		if h.Purpose == access.ForJournal {
			return ketaflow.Errorf(ketaflow.EConflict, "this tablet is handed over for your journal, not the questionnaires; please hand the tablet back to the staff")
		}
		if h.Stage(a.Clock.Now()) != access.HandOffAnswering {
			return ketaflow.Errorf(ketaflow.EConflict, "the answers on this tablet were sent already; please hand the tablet back to the staff")
		}
		if !gateLive(vc.visit.State) || vc.visit.State == visits.Cleared {
			return ketaflow.Errorf(ketaflow.EConflict, "the questionnaires of this visit are closed; please hand the tablet back to the staff")
		}
		rs, err := tx.Responses(vc.visit.ID)
		if err != nil {
			return err
		}
		for _, in := range intake.Outstanding(answeredOf(rs)) {
			if _, ok := answers[in.ID]; !ok {
				answers[in.ID] = nil // scored as incomplete, so the patient sees which
			}
		}
		if out, err = a.saveResponses(tx, vc, answers, SourceTablet, ""); err != nil {
			return forPatient(err)
		}
		if err := tx.SubmitHandOff(h.ID, a.Clock.Now(), out.Alert); err != nil {
			return err
		}
		actor := tabletActor(h.ClinicID, source)
		if err := a.regate(tx, actor, vc, "questionnaires from the clinic tablet"); err != nil {
			return err
		}
		return a.appendAudit(tx, actor, op{Action: "questionnaire.tablet_submit", Category: access.CatQuestionnaire,
			PatientID: vc.patient.ID, Detail: summarize(out) + "; tablet handed over by " + h.StartedByName}, audit.OK)
	})
	if err == nil {
		a.publish(ctx, answeredEvents(h.ClinicID, h.VisitID, out.Alert))
	}
	if err != nil && h.ClinicID != "" && (ketaflow.IsCode(err, ketaflow.EInvalid) || ketaflow.IsCode(err, ketaflow.EConflict)) {
		a.auditAlone(ctx, tabletActor(h.ClinicID, source), op{Action: "questionnaire.tablet_submit", Category: access.CatQuestionnaire,
			PatientID: h.PatientID, Detail: ketaflow.ErrorMessage(err)}, audit.Failed)
	}
	out.Results = nil // the patient sees no scores
	return out, err
}

// TakeTabletBack signs a staff member in on a browser handed to a patient:
// their own password, throttled and audited as every login, ends the
// hand-over and opens their login (or, with a second factor, the challenge
// for its code) in one transaction. The sign-in names the visit to go
// back to. A browser whose hand-over is over (or was never made) is signed
// in as by Login, with no visit.
func (a *App) TakeTabletBack(ctx context.Context, tabletSecret, username, password, source string) (SignIn, error) {
	var h access.HandOff
	var err error = ketaflow.NotFound("tablet hand-over")
	if tabletSecret != "" {
		err = a.DB.View(ctx, func(tx *store.Tx) error {
			var err error
			h, err = tx.HandOffByHash(access.HashToken(tabletSecret))
			return err
		})
	}
	if err != nil || h.Stage(a.Clock.Now()) == access.HandOffOver {
		return a.Login(ctx, username, password, source)
	}
	o := op{Action: "auth.login", Category: access.CatAuth, PatientID: h.PatientID}
	u, err := a.checkCredentials(ctx, username, password, source, o)
	if err != nil {
		return SignIn{}, err
	}
	if u.ClinicID != h.ClinicID {
		o.Detail = "signed in on another clinic's tablet"
		a.auditAlone(ctx, u.Actor(source), o, audit.Failed)
		return SignIn{}, ketaflow.Errorf(ketaflow.EForbidden, "this tablet belongs to another clinic; a member of its staff takes it back")
	}
	var in SignIn
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		now := a.Clock.Now()
		if err := tx.EndHandOff(h.ID, u.ID, now); err != nil {
			return err
		}
		var err error
		if in, err = a.afterPassword(tx, u, source, h.VisitID, &o); err != nil {
			return err
		}
		in.Journal = h.Purpose == access.ForJournal
		step := o.Detail
		o.Detail = fmt.Sprintf("took the clinic tablet back from the patient (visit %s, handed over by %s)", h.VisitID, h.StartedByName)
		if step != "" {
			o.Detail += "; " + step
		}
		return a.appendAudit(tx, u.Actor(source), o, audit.OK)
	})
	if err != nil {
		return SignIn{}, err
	}
	return in, nil
}

// TabletHandedOver reports whether a tablet secret names a hand-over not
// taken back yet: the browser then belongs on the tablet's page. It reveals
// nothing of the patient, so it is not audited.
func (a *App) TabletHandedOver(ctx context.Context, secret string) bool {
	if secret == "" {
		return false
	}
	var h access.HandOff
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		h, err = tx.HandOffByHash(access.HashToken(secret))
		return err
	})
	return err == nil && h.Stage(a.Clock.Now()) != access.HandOffOver
}
