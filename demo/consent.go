package demo

import (
	"context"
	"fmt"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
)

// writeConsentForms has the admin save the clinic's consent text for every
// route (the protocol's draft, as a new clinic starts from).
func writeConsentForms(ctx context.Context, a *app.App, st staff) error {
	for _, r := range protocol.Routes {
		title, body := courses.Draft(r, protocol.Default())
		if _, err := a.WriteConsentForm(ctx, st.admin, string(r), title, body); err != nil {
			return fmt.Errorf("demo consent form %s: %w", r, err)
		}
	}
	return nil
}

// enrolREMS records the REMS enrolment of every demo patient with a REMS
// id, dated a few weeks before the demo's first Spravato session.
func enrolREMS(ctx context.Context, a *app.App, st staff, pts []patients.Patient) error {
	on := ketaflow.DateOf(a.Clock.Now().AddDate(0, 0, -30))
	for _, p := range pts {
		if p.REMSPatientID == "" {
			continue
		}
		if _, err := a.RecordREMSEnrolment(ctx, st.frontdesk, p.ID, on); err != nil {
			return fmt.Errorf("demo REMS enrolment of %s: %w", p.LegalName, err)
		}
	}
	return nil
}

// signConsentIfNeeded plays the patient of a checked-in visit signing the
// consent on the clinic tablet, when the gate finds none valid for the
// route: the front desk hands the tablet over, the patient types their
// name, and the front desk takes it back with their own password.
func signConsentIfNeeded(ctx context.Context, a *app.App, st staff, visitID string) error {
	v, err := a.Visit(ctx, st.frontdesk, visitID)
	if err != nil {
		return err
	}
	if c, _ := v.Gate.Check(intake.CheckConsent); c.Status == intake.Pass {
		return nil
	}
	password := frontdeskPassword()
	signIn, err := a.Login(ctx, st.frontdesk.Username, password, "demo")
	if err != nil {
		return fmt.Errorf("demo tablet: %w", err)
	}
	tablet, err := a.HandTabletToPatient(ctx, st.frontdesk, signIn.LoginSecret, visitID)
	if err != nil {
		return fmt.Errorf("demo tablet: %w", err)
	}
	page, err := a.Tablet(ctx, tablet, "demo")
	if err != nil {
		return err
	}
	if page.Consent == nil {
		return fmt.Errorf("demo tablet: no consent to sign for %s", v.Patient.LegalName)
	}
	if err := a.SignConsentOnTablet(ctx, tablet, "demo", page.Consent.Version, v.Patient.LegalName); err != nil {
		return fmt.Errorf("demo consent of %s: %w", v.Patient.LegalName, err)
	}
	if _, err := a.TakeTabletBack(ctx, tablet, st.frontdesk.Username, password, "demo"); err != nil {
		return fmt.Errorf("demo tablet back: %w", err)
	}
	return nil
}

func frontdeskPassword() string {
	for _, l := range Logins {
		if l.Username == "frontdesk" {
			return l.Password
		}
	}
	return ""
}

// earlierSessions are the course sessions before today's, days ago, for
// the patients part way through a course (after each patient's weighing
// on record, which the first order reads).
var earlierSessions = []struct {
	patient int
	days    []int
}{
	{9, []int{8, 5, 2}}, // Pat: IV, today is session 4 of 6
	{8, []int{4}},       // Yuki: IV, today is session 2 of 6
}
