package app

import (
	"context"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/protocol"
)

// writeConsentForms has the clinic admin write a consent form for every
// route, as a clinic does before its first treatment.
func (f *visitFixture) writeConsentForms() {
	f.t.Helper()
	for _, r := range protocol.Routes {
		title, body := courses.Draft(r, protocol.Default())
		_, err := f.a.WriteConsentForm(context.Background(), f.actor("admin"), string(r), title, body)
		f.must(err)
	}
}

// signConsent hands the clinic tablet to the patient of a checked-in
// visit, who reads and signs the consent with their typed name; the
// front desk takes the tablet back.
func (f *visitFixture) signConsent(visitID, typedName string) {
	f.t.Helper()
	ctx := context.Background()
	signIn, err := f.a.Login(ctx, "frontdesk", ledgerPassword, "test")
	f.must(err)
	tablet, err := f.a.HandTabletToPatient(ctx, f.actor("frontdesk"), signIn.LoginSecret, visitID)
	f.must(err)
	page, err := f.a.Tablet(ctx, tablet, "test")
	f.must(err)
	if page.Consent == nil {
		f.t.Fatalf("the tablet shows no consent to sign for visit %s", visitID)
	}
	f.must(f.a.SignConsentOnTablet(ctx, tablet, "test", page.Consent.Version, typedName))
	_, err = f.a.TakeTabletBack(ctx, tablet, "frontdesk", ledgerPassword, "test")
	f.must(err)
}

// enrolREMS records the date of the patient's REMS enrolment (a month ago).
func (f *visitFixture) enrolREMS(patientID string) {
	f.t.Helper()
	_, err := f.a.RecordREMSEnrolment(context.Background(), f.actor("frontdesk"), patientID,
		ketaflow.DateOf(f.clock.Now().AddDate(0, -1, 0)))
	f.must(err)
}
