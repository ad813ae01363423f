package app

import (
	"context"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/checkin"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// CheckInPage is what the patient's morning-after link shows: who it is
// for and the questions.
type CheckInPage struct {
	ClinicName  string
	PatientName string // the preferred (first) name only
	VisitAt     time.Time
	ExpiresAt   time.Time
	Location    *time.Location
	// CrisisResources is the clinic's help for a patient who feels
	// unsafe, shown beside the safety question.
	CrisisResources string
}

// CheckInView is a visit's morning-after check-in as staff see it.
type CheckInView struct {
	SubmittedAt time.Time
	Answers     checkin.Answers
	Worries     []checkin.Worry
	AlertID     string // the alert the answers raised; "" for none
}

// CheckInSaved is what the patient is told once their answers are saved.
type CheckInSaved struct {
	// Alerted: the answers reached the care team at once; the crisis
	// resources are shown.
	Alerted         bool
	CrisisResources string
}

var errCheckInGone = &ketaflow.Error{Code: ketaflow.ENotFound,
	Message: "This link has expired or does not exist. If you want to tell us how you are, please call the clinic."}

// checkInActor is the audit log's name for a patient answering the
// morning-after check-in.
func checkInActor(clinicID, source string) access.Actor {
	return access.Actor{ClinicID: clinicID, Username: "patient (check-in link)", Role: "patient", Source: source}
}

// openCheckIn finds a live check-in link and its visit (locked when
// lock). A link that was used, replaced or expired is closed, and so is
// one whose visit has its check-in already.
func (a *App) openCheckIn(tx *store.Tx, token string, lock bool) (store.CheckInLink, visitContext, error) {
	l, err := tx.CheckInLinkByHash(access.HashToken(token))
	if err != nil {
		return l, visitContext{}, errCheckInGone
	}
	if err := checkin.CheckLink(l.ExpiresAt, l.UsedAt, l.VoidedAt, a.Clock.Now()); err != nil {
		return l, visitContext{}, err
	}
	vc, err := a.loadVisit(tx, access.Actor{ClinicID: l.ClinicID}, l.VisitID, lock)
	if err != nil {
		return l, vc, err
	}
	if vc.visit.State != visits.Discharged {
		return l, vc, errCheckInGone
	}
	if _, err := tx.VisitCheckIn(vc.visit.ID); err == nil {
		return l, vc, checkin.ErrAnswered
	} else if !ketaflow.IsCode(err, ketaflow.ENotFound) {
		return l, vc, err
	}
	return l, vc, nil
}

// CheckInLink opens a patient's check-in page; opening it is audited as
// the patient's access.
func (a *App) CheckInLink(ctx context.Context, token, source string) (CheckInPage, error) {
	var p CheckInPage
	var l store.CheckInLink
	var vc visitContext
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		l, vc, err = a.openCheckIn(tx, token, false)
		return err
	})
	if err != nil {
		return p, err
	}
	loc := vc.clinic.Location()
	p = CheckInPage{ClinicName: vc.clinic.Name, PatientName: firstName(vc.patient), VisitAt: vc.visit.ScheduledAt.In(loc),
		ExpiresAt: l.ExpiresAt.In(loc), Location: loc, CrisisResources: vc.clinic.PatientCrisisText()}
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		return a.appendAudit(tx, checkInActor(l.ClinicID, source), op{Action: "checkin.link_open", Category: access.CatQuestionnaire,
			PatientID: vc.patient.ID, Detail: "check-in of visit " + vc.visit.ID}, audit.OK)
	})
	return p, err
}

// SubmitCheckIn saves the patient's morning-after answers from their
// link, which then stops working. A second submission is refused and the
// first answers stay as given. A worrying answer (checkin.Worries) raises
// an alert to the prescriber and the therapist in the same transaction.
func (a *App) SubmitCheckIn(ctx context.Context, token, source string, in checkin.Answers) (CheckInSaved, error) {
	var out CheckInSaved
	var clinicID, patientID, visitID string
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		l, vc, err := a.openCheckIn(tx, token, true)
		if err != nil {
			return err
		}
		clinicID, patientID, visitID = l.ClinicID, vc.patient.ID, vc.visit.ID
		ans, err := checkin.Validate(in)
		if err != nil {
			return err
		}
		now := a.Clock.Now()
		c := store.CheckIn{VisitID: vc.visit.ID, ClinicID: l.ClinicID, PatientID: vc.patient.ID, SubmittedAt: now, Answers: ans, Source: source}
		detail := "check-in of visit " + vc.visit.ID + " saved"
		if ws := checkin.Worries(ans, vc.proto.Rules.Integration); len(ws) > 0 {
			sev := alerts.CheckIn.Severity()
			al := alerts.Alert{ID: ketaflow.NewID(), ClinicID: l.ClinicID, VisitID: vc.visit.ID, PatientID: vc.patient.ID,
				Kind: alerts.CheckIn, Severity: sev, To: alerts.AddressedTo(alerts.CheckIn, sev), RaisedAt: now, Since: now,
				Detail: checkin.Words(ans, ws)}
			if err := tx.InsertAlert(al); err != nil {
				return err
			}
			c.AlertID = al.ID
			out.Alerted, out.CrisisResources = true, vc.clinic.PatientCrisisText()
			detail += "; alert " + al.ID + " raised"
		}
		if err := tx.InsertCheckIn(c); err != nil {
			if ketaflow.IsCode(err, ketaflow.EConflict) {
				return checkin.ErrAnswered
			}
			return err
		}
		if err := tx.UseCheckInLink(l.TokenHash, now); err != nil {
			if ketaflow.IsCode(err, ketaflow.EConflict) {
				return checkin.ErrAnswered
			}
			return err
		}
		return a.appendAudit(tx, checkInActor(l.ClinicID, source), op{Action: "checkin.submit", Category: access.CatQuestionnaire,
			PatientID: vc.patient.ID, Detail: detail}, audit.OK)
	})
	if err == nil {
		a.publish(ctx, answeredEvents(clinicID, visitID, out.Alerted))
	}
	if err != nil && clinicID != "" && (ketaflow.IsCode(err, ketaflow.EInvalid) || ketaflow.IsCode(err, ketaflow.EConflict)) {
		a.auditAlone(ctx, checkInActor(clinicID, source), op{Action: "checkin.submit", Category: access.CatQuestionnaire,
			PatientID: patientID, Detail: ketaflow.ErrorMessage(err)}, audit.Failed)
	}
	return out, err
}

// checkInView is a visit's stored check-in as staff see it, nil while it
// has none.
func checkInView(c *store.CheckIn, vc visitContext) *CheckInView {
	if c == nil {
		return nil
	}
	return &CheckInView{SubmittedAt: c.SubmittedAt.In(vc.clinic.Location()), Answers: c.Answers,
		Worries: checkin.Worries(c.Answers, vc.proto.Rules.Integration), AlertID: c.AlertID}
}
