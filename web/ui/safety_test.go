package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// The pages of the clinical-safety rules (issue 8): late entries marked
// with both times, the drug left by an infusion stopped early and its
// witnessed waste, the REMS form that cannot be assembled, the order above
// the first Spravato dose, and the closed visit as a read-only record with
// its printable summary.

// addNurse2 adds the second nurse who verifies doses and witnesses waste.
func (f *fixture) addNurse2() {
	f.T.Helper()
	u, err := f.App.AddUserFromCommandLine(context.Background(), f.ClinicA.ID, app.NewUser{Username: "nurse2",
		Name: "Test nurse2", Role: access.Nurse, Password: webtest.Password})
	if err != nil {
		f.T.Fatal(err)
	}
	f.Users["nurse2"] = u
}

// ok fails the test when a service call refused.
func (f *fixture) ok(what string, err error) {
	f.T.Helper()
	if err != nil {
		f.T.Fatalf("%s: %v", what, err)
	}
}

// local is a time as a datetime-local field of clinic A takes it.
func (f *fixture) local(t time.Time) string {
	return t.In(f.ClinicA.Location()).Format("2006-01-02T15:04")
}

// clock is a time as the pages of clinic A show it.
func (f *fixture) clock(t time.Time) string { return t.In(f.ClinicA.Location()).Format("15:04") }

// mustPost submits a form and fails unless the answer is a page (after the
// redirect) without a problem.
func mustPost(b *webtest.Browser, path string, form url.Values) *goquery.Document {
	b.F.T.Helper()
	resp, doc := b.PostDoc(path, form)
	if resp.StatusCode != http.StatusOK || doc.Find(".problem").Length() > 0 {
		b.F.T.Fatalf("POST %s: got %d: %s", path, resp.StatusCode, strings.TrimSpace(doc.Find(".problem").Text()))
	}
	return doc
}

// fieldError is the error shown beside the field with the id.
func fieldError(doc *goquery.Document, id string) string {
	return strings.TrimSpace(doc.Find(".field-error #" + id).Parent().Find(".error-text").Text())
}

// receiveKetamine receives five 10 mL vials of ketamine 50 mg/mL.
func (f *fixture) receiveKetamine(number string) string {
	f.T.Helper()
	exp, _ := ketaflow.ParseDate("2027-03-31")
	l, err := f.App.ReceiveLot(context.Background(), f.Actor("nurse"), app.NewLot{Drug: dosing.Ketamine,
		ConcentrationMgPerML: 50, MLPerVial: 10, LotNumber: number, Expiry: exp, Packs: 5})
	f.ok("receive ketamine", err)
	return l.ID
}

// ivDosing takes a ready IV visit through its order (0.5 mg/kg over 40
// min), preparation from a new lot, second check, clearance and the start
// of dosing; it returns the visit, its patient and the lot.
func (f *fixture) ivDosing() (visitID, patientID, lotID string) {
	f.T.Helper()
	ctx := context.Background()
	visitID, patientID = f.ReadyVisit()
	lotID = f.receiveKetamine("K-STOP-1")
	_, _, err := f.App.OrderDose(ctx, f.Actor("prescriber"), visitID, app.OrderInput{MgPerKg: 0.5, InfusionMinutes: 40})
	f.ok("order", err)
	_, err = f.App.PrepareDose(ctx, f.Actor("nurse"), visitID, app.PrepareInput{LotID: lotID})
	f.ok("prepare", err)
	_, err = f.App.VerifyDose(ctx, f.Actor("nurse2"), visitID)
	f.ok("verify", err)
	_, err = f.App.ClearVisit(ctx, f.Actor("nurse"), visitID)
	f.ok("clear", err)
	_, err = f.App.StartDosing(ctx, f.Actor("nurse"), visitID)
	f.ok("start dosing", err)
	return visitID, patientID, lotID
}

// recoveredReading records a reading taken now within the discharge limits,
// the patient alert and no longer dissociated.
func (f *fixture) recoveredReading(visitID string) {
	f.T.Helper()
	five, no := 5, false
	_, _, err := f.App.RecordVitals(context.Background(), f.Actor("nurse"), visitID, app.VitalsInput{Reading: &vitals.Reading{
		Systolic: 126, Diastolic: 80, HeartRate: 74, SpO2: 98, RespiratoryRate: 14, Sedation: &five, Dissociation: &no}})
	f.ok("reading", err)
}

// readyToLeave records the Aldrete score and the going-home checklist.
func (f *fixture) readyToLeave(visitID string) {
	f.T.Helper()
	ctx := context.Background()
	_, err := f.App.RecordAldrete(ctx, f.Actor("nurse"), visitID, discharge.Aldrete{Activity: 2, Respiration: 2,
		Circulation: 2, Consciousness: 2, OxygenSaturation: 2})
	f.ok("aldrete", err)
	_, err = f.App.RecordChecklist(ctx, f.Actor("nurse"), visitID, discharge.Checklist{DriverPresent: true,
		AftercareGiven: true})
	f.ok("checklist", err)
}

// lotStat is a figure of the lot page's summary ("Given", "Wasted").
func lotStat(doc *goquery.Document, label string) string {
	var out string
	doc.Find("#on-hand .stat").Each(func(_ int, s *goquery.Selection) {
		if l := strings.TrimSpace(s.Find(".label").Text()); l == label {
			out = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s.Text()), l))
		}
	})
	return out
}

// millilitres reads "0.24 mL" to the 0.01 mL.
func millilitres(t *testing.T, s string) string {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "mL")), 64)
	if err != nil {
		t.Fatalf("%q is not an amount in mL", s)
	}
	return fmt.Sprintf("%.2f", v)
}

// sessionSteps are the forms of the live steps of a visit: none may show
// on a closed one.
const sessionSteps = `form[action$="/infusion"], form[action$="/device"], form[action$="/administer"], form[action$="/start"],
	form[action$="/end-session"], form[action$="/discharge"], form[action$="/discharge-facts"], form[action$="/order"],
	form[action$="/prepare"], form[action$="/verify"], form[action$="/waste"], form[action$="/move"], form[action$="/clear"]`

func TestLateReadingIsMarkedEnteredLateWithBothTimes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		id, _ := f.ReadyVisit()
		taken := f.Clock.Now().Add(5 * time.Minute)
		f.Clock.Advance(30 * time.Minute)
		b := f.Login("nurse")
		_, doc := b.Get("/visits/" + id)
		if doc.Find("form[aria-label='Record vital signs'] input#taken_at[type=text][pattern]").Length() != 1 ||
			doc.Find("form[aria-label='Record vital signs'] input#vitals-late_reason[name=late_reason]").Length() != 1 {
			t.Fatal("the vitals form has no time taken with its late-entry reason beside it")
		}
		if hint := doc.Find("label[for=vitals-late_reason] .hint").Text(); !strings.Contains(hint, "more than 10 min ago") {
			t.Errorf("the late reason's hint %q does not give the protocol's 10 minutes", hint)
		}
		form := url.Values{"form": {"vitals"}, "systolic": {"124"}, "diastolic": {"80"}, "heart_rate": {"70"}, "spo2": {"98"},
			"taken_at": {f.local(taken)}}
		resp, doc := b.PostDoc("/visits/"+id+"/vitals", form)
		if msg := fieldError(doc, "vitals-late_reason"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "entered late") {
			t.Fatalf("a reading 25 minutes old without a reason: got %d, error beside the reason %q", resp.StatusCode, msg)
		}
		if _, open := doc.Find("details.earlier:has(#taken_at)").Attr("open"); !open ||
			doc.Find("#taken_at").AttrOr("value", "") != f.local(taken) || doc.Find("#systolic").AttrOr("value", "") != "124" {
			t.Error("the refused form does not keep the time and the reading typed, open beside the error")
		}
		if n := doc.Find("#vitals-list tbody tr").Length(); n != 1 {
			t.Errorf("the refused reading was saved: %d rows", n)
		}
		form.Set("late_reason", "monitor printout charted after the fire alarm")
		doc = mustPost(b, "/visits/"+id+"/vitals", form)
		late := doc.Find("#vitals-list tr.late-row .late-note").Text()
		for _, want := range []string{"entered late", "taken at " + f.clock(taken), "entered at " + f.clock(f.Clock.Now()),
			"monitor printout charted after the fire alarm"} {
			if !strings.Contains(late, want) {
				t.Errorf("the late reading says %q, want %q in it", late, want)
			}
		}
		if n := doc.Find("#vitals-list tr.late").Length(); n != 1 {
			t.Errorf("%d readings marked late, want the one", n)
		}
	})
}

func TestStoppedInfusionIsWastedWithAWitnessAndTheSummaryMatchesTheLedger(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addNurse2()
		ctx := context.Background()
		id, patientID, lotID := f.ivDosing()
		path := "/visits/" + id
		started := f.Clock.Now()
		nurse := f.Login("nurse")

		// The infusion was started a minute after dosing started and is
		// charted twelve minutes later: it needs a reason, and says so.
		given := started.Add(time.Minute)
		f.Clock.Set(started.Add(13 * time.Minute))
		_, doc := nurse.Get(path)
		if doc.Find("form[aria-label='First dose given earlier'] #administer-at").Length() != 1 {
			t.Fatal("the first dose cannot be recorded at the time it was given")
		}
		resp, doc := nurse.PostDoc(path+"/administer", url.Values{"form": {"administer"}, "at": {f.local(given)}})
		if msg := fieldError(doc, "administer-late"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "entered late") {
			t.Fatalf("late first dose without a reason: got %d, beside the reason %q", resp.StatusCode, msg)
		}
		if fieldError(doc, "vitals-late_reason") != "" {
			t.Error("the first dose's error shows beside the vitals form too")
		}
		doc = mustPost(nurse, path+"/administer", url.Values{"form": {"administer"}, "at": {f.local(given)},
			"late_reason": {"pump started during a chair 3 emergency"}})
		late := doc.Find("#first-dose-late").Text()
		for _, want := range []string{"entered late", "given at " + f.clock(given), "entered at " + f.clock(f.Clock.Now()),
			"pump started during a chair 3 emergency"} {
			if !strings.Contains(late, want) {
				t.Errorf("the late first dose says %q, want %q", late, want)
			}
		}

		// Stopped after 24 minutes with 30 mL read off the pump: what is
		// not given stays drawn for the visit, to be wasted.
		f.Clock.Set(given.Add(24 * time.Minute))
		_, doc = nurse.Get(path)
		if doc.Find("form#stop-form input#infused_ml[name=infused_ml]").Length() != 1 {
			t.Fatal("the stop form has no volume infused")
		}
		doc = mustPost(nurse, path+"/infusion", url.Values{"form": {"stop"}, "action": {"stop"}, "reason": {"patient anxious"},
			"infused_ml": {"30"}})
		if phase := strings.ToLower(doc.Find(".phase-name").Text()); !strings.Contains(phase, "monitored rest") {
			t.Errorf("after the stop the clock says %q, want monitored rest", phase)
		}
		if rest := doc.Find("#rest-from-stop").Text(); !strings.Contains(rest, f.clock(f.Clock.Now())) {
			t.Errorf("monitored rest %q does not count from the stop", rest)
		}
		view, err := f.App.Visit(ctx, f.Actor("nurse"), id)
		f.ok("read visit", err)
		prep := view.Session.Preparation
		wantGiven := fmt.Sprintf("%.2f", float64(int(prep.DrawML*30/prep.BagTotalML*100+0.5))/100)
		row := doc.Find("#drug-account tbody tr")
		if row.Length() != 1 {
			t.Fatalf("drug account has %d lots, want 1", row.Length())
		}
		drawn, givenML := millilitres(t, row.Find(".drawn").Text()), millilitres(t, row.Find(".given").Text())
		remaining := millilitres(t, row.Find(".remaining").Text())
		if drawn != fmt.Sprintf("%.2f", prep.DrawML) || givenML != wantGiven || millilitres(t, row.Find(".wasted").Text()) != "0.00" {
			t.Errorf("drug account drawn %s given %s, want %.2f drawn and %s given (30 mL of the %g mL bag)", drawn, givenML,
				prep.DrawML, wantGiven, prep.BagTotalML)
		}
		if d, _ := strconv.ParseFloat(drawn, 64); remaining != fmt.Sprintf("%.2f", d-mustFloat(t, givenML)) {
			t.Errorf("remaining %s, want drawn less given", remaining)
		}
		waste := doc.Find("form#waste-remainder")
		if waste.Length() != 1 || waste.Find(`select[name=witness_username] option[value=nurse2]`).Length() != 1 ||
			waste.Find(`input[type=password][name=witness_password]`).Length() != 1 || waste.Find(`input[name=reason]`).Length() != 1 {
			t.Fatal("no witnessed waste form with the witness, their password and a reason")
		}

		// A wrong password: refused beside it, never sent back.
		resp, doc = nurse.PostDoc(path+"/waste", url.Values{"form": {"waste"}, "witness_username": {"nurse2"},
			"witness_password": {"not the password"}, "reason": {"infusion stopped early"}})
		if msg := fieldError(doc, "waste-password"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "password") {
			t.Errorf("wrong witness password: got %d, beside the password %q", resp.StatusCode, msg)
		}
		if v := doc.Find("#waste-password").AttrOr("value", ""); v != "" {
			t.Errorf("the page sent the typed password back: %q", v)
		}
		if doc.Find("#waste-witness option[selected]").AttrOr("value", "") != "nurse2" {
			t.Error("the refused form forgot the witness chosen")
		}
		doc = mustPost(nurse, path+"/waste", url.Values{"form": {"waste"}, "witness_username": {"nurse2"},
			"witness_password": {webtest.Password}, "reason": {"infusion stopped early"}})
		if !strings.Contains(doc.Find(".notice").Text(), "Witnessed waste") || doc.Find("form#waste-remainder").Length() != 0 ||
			millilitres(t, doc.Find("#drug-account .remaining").Text()) != "0.00" {
			t.Errorf("after the waste: notice %q, remaining %q", doc.Find(".notice").Text(), doc.Find("#drug-account .remaining").Text())
		}

		// Monitored rest, then discharge at the minimum.
		_, err = f.App.EndSession(ctx, f.Actor("nurse"), id)
		f.ok("end session", err)
		f.Clock.Set(given.Add(91 * time.Minute))
		f.recoveredReading(id)
		f.readyToLeave(id)
		_, err = f.App.Discharge(ctx, f.Actor("nurse"), id, visits.ReadyForDischarge)
		f.ok("ready", err)
		_, err = f.App.Discharge(ctx, f.Actor("nurse"), id, visits.Discharged)
		f.ok("discharge", err)
		closedAt := f.Clock.Now()

		// A day later the visit is a closed record: final times, the
		// criteria as met, no clock and no live step.
		f.Clock.Advance(26 * time.Hour)
		nurse = f.Login("nurse") // the login of yesterday has ended
		_, doc = nurse.Get(path)
		if n := doc.Find("[data-since], [data-until], [data-flex]").Length(); n != 0 {
			t.Errorf("the closed visit has %d live countdowns for app.js", n)
		}
		if n := doc.Find(sessionSteps).Length(); n != 0 {
			html, _ := doc.Find(sessionSteps).First().Parent().Html()
			t.Errorf("the closed visit offers %d session steps: %s", n, html)
		}
		final := doc.Find("#final-times").Text()
		for _, want := range []string{f.clock(started), f.clock(given), f.clock(closedAt), "entered late", "from the stop at"} {
			if !strings.Contains(final, want) {
				t.Errorf("final times %q lack %q", final, want)
			}
		}
		if v := doc.Find("#discharge-verdict").Text(); !strings.Contains(v, "as met at discharge") || doc.Find("#criteria li.unmet").Length() != 0 {
			t.Errorf("closed discharge criteria: %q, %d unmet", v, doc.Find("#criteria li.unmet").Length())
		}
		if doc.Find(`a#summary-link[href="/visits/`+id+`/summary"]`).Length() != 1 {
			t.Fatal("no link to the discharge summary")
		}
		// Late entries are still offered, with the time required.
		if doc.Find("form[aria-label='Record vital signs'] #taken_at").Length() != 1 {
			t.Error("a closed visit offers no late reading")
		}

		// The summary: one audited read; given and wasted as the lot's books.
		before := len(f.patientEntries(patientID))
		resp, sum := nurse.Get(path + "/summary")
		if resp.StatusCode != http.StatusOK || !strings.Contains(sum.Find("h1").Text(), "Discharge summary") {
			t.Fatalf("summary: %d %q", resp.StatusCode, sum.Find("h1").Text())
		}
		if n := len(f.patientEntries(patientID)) - before; n != 1 {
			t.Errorf("the summary wrote %d audit entries, want 1", n)
		}
		_, lot := nurse.Get("/ledger/lots/" + lotID)
		drug := sum.Find("#summary-drug-account tbody tr")
		for _, c := range []struct{ col, stat string }{{"given", "Given"}, {"wasted", "Wasted"}} {
			got, want := millilitres(t, drug.Find("."+c.col).Text()), millilitres(t, lotStat(lot, c.stat))
			if got != want {
				t.Errorf("summary %s %s mL, the lot's books %s mL", c.col, got, want)
			}
		}
		if g := millilitres(t, drug.Find(".given").Text()); g != wantGiven {
			t.Errorf("summary given %s, want %s", g, wantGiven)
		}
		if w, want := mustFloat(t, millilitres(t, drug.Find(".wasted").Text())), mustFloat(t, drawn)-mustFloat(t, wantGiven); fmt.Sprintf("%.2f", w) != fmt.Sprintf("%.2f", want) {
			t.Errorf("summary wasted %.2f, want %.2f", w, want)
		}
		text := sum.Find("#summary").Text()
		if !strings.Contains(sum.Find("#summary-dose").Text(), "Verified") || !strings.Contains(sum.Find("#summary-dose").Text(), "Test nurse2") {
			t.Errorf("the summary's dose does not say who verified it: %q", sum.Find("#summary-dose").Text())
		}
		if sum.Find("#summary-vitals-list tbody tr").Length() < 2 || sum.Find("#summary-criteria li.met").Length() == 0 {
			t.Error("the summary lacks the vitals or the criteria met")
		}
		if l := sum.Find("#summary-late").Text(); !strings.Contains(l, "First dose") || !strings.Contains(l, "given at "+f.clock(given)) ||
			!strings.Contains(l, "pump started during a chair 3 emergency") {
			t.Errorf("the summary's late entries: %q", l)
		}
		if n := sum.Find("[data-since], [data-until], #summary form").Length(); n != 0 || !strings.Contains(text, "Printed") {
			t.Errorf("the printable summary has %d live clocks or forms", n)
		}
		// Front desk's summary keeps to what front desk sees.
		resp, sum = f.Login("frontdesk").Get(path + "/summary")
		if resp.StatusCode != http.StatusOK || sum.Find("#summary-vitals, #summary-drug, #summary-dose, #summary-late").Length() != 0 ||
			sum.Find("#summary-times").Length() != 1 {
			t.Errorf("front desk's summary: %d, clinical sections %d", resp.StatusCode,
				sum.Find("#summary-vitals, #summary-drug, #summary-dose, #summary-late").Length())
		}
	})
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// spravatoCheckedIn books and checks in a Spravato visit in a REMS-certified
// setting for a new patient enrolled in the REMS, with every gate fact.
func (f *fixture) spravatoCheckedIn(name string) string {
	f.T.Helper()
	setting := "HCS-20931"
	_, err := f.App.UpdateClinic(context.Background(), f.Actor("admin"), app.ClinicChange{REMSSettingID: &setting})
	f.ok("REMS setting", err)
	p := f.SessionPatient(name, "REMS-P-77")
	var v struct {
		ID string `json:"id"`
	}
	if resp := f.API("frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": p.ID, "route": "spravato",
		"scheduled_at": f.Clock.Now().Add(15 * time.Minute).Format(time.RFC3339)}, &v); resp.StatusCode != http.StatusCreated {
		f.T.Fatalf("book Spravato: %d", resp.StatusCode)
	}
	f.MoveVisit("frontdesk", v.ID, "checked_in", "")
	f.AnswerTablet("nurse", v.ID, webtest.CalmPHQ9, webtest.CalmGAD7)
	f.RecordGoodVitals(v.ID)
	f.RecordFasting(v.ID, 8*time.Hour, 3*time.Hour, true)
	f.RecordRide("frontdesk", v.ID)
	return v.ID
}

func TestFirstSpravatoOrderAboveTheFirstDoseAsksForAReason(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		id := f.spravatoCheckedIn("First Spravato")
		path := "/visits/" + id
		b := f.Login("prescriber")
		_, doc := b.Get(path)
		if c := doc.Find("#course").Text(); !strings.Contains(c, "first Spravato") {
			t.Errorf("the course reads %q", c)
		}
		if f := doc.Find("#course-findings").Text(); !strings.Contains(f, "first Spravato treatment") || !strings.Contains(f, "56 mg") {
			t.Errorf("the order form does not say the course rule in words: %q", f)
		}
		if doc.Find("form[aria-label='Dose order'] textarea#override_reason[name=override_reason]").Length() != 1 {
			t.Fatal("the order form has no override reason")
		}
		resp, doc := b.PostDoc(path+"/order", url.Values{"spravato_mg": {"84"}})
		if msg := fieldError(doc, "override_reason"); resp.StatusCode == http.StatusOK || !strings.Contains(msg, "56 mg") {
			t.Fatalf("84 mg on the first treatment without a reason: got %d, beside the reason %q", resp.StatusCode, msg)
		}
		if doc.Find("#order").Length() != 0 {
			t.Error("the refused order was signed")
		}
		doc = mustPost(b, path+"/order", url.Values{"spravato_mg": {"84"},
			"override_reason": {"tolerated 84 mg at another clinic last month"}})
		if o := doc.Find("#order").Text(); !strings.Contains(o, "84 mg") || doc.Find("#order-override").Length() != 1 ||
			!strings.Contains(o, "tolerated 84 mg at another clinic last month") {
			t.Errorf("the overridden order reads %q", o)
		}
	})
}

func TestSpravatoREMSFormThatCannotBeAssembledSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addNurse2()
		ctx := context.Background()
		id := f.spravatoCheckedIn("Missing Forty")
		path := "/visits/" + id
		exp, _ := ketaflow.ParseDate("2027-06-30")
		lot, err := f.App.ReceiveLot(ctx, f.Actor("nurse"), app.NewLot{Drug: dosing.Esketamine, DevicesPerKit: 2,
			LotNumber: "SPR-56", Expiry: exp, Packs: 2})
		f.ok("receive Spravato", err)
		_, _, err = f.App.OrderDose(ctx, f.Actor("prescriber"), id, app.OrderInput{SpravatoMg: 56})
		f.ok("order", err)
		_, err = f.App.PrepareDose(ctx, f.Actor("nurse"), id, app.PrepareInput{LotID: lot.ID})
		f.ok("prepare", err)
		_, err = f.App.VerifyDose(ctx, f.Actor("nurse2"), id)
		f.ok("verify", err)
		_, err = f.App.ClearVisit(ctx, f.Actor("nurse"), id)
		f.ok("clear", err)
		_, err = f.App.StartDosing(ctx, f.Actor("nurse"), id)
		f.ok("start", err)
		first := f.Clock.Now()
		_, err = f.App.Administer(ctx, f.Actor("nurse"), id, app.Moment{})
		f.ok("device 1", err)
		f.Clock.Set(first.Add(5 * time.Minute))
		_, err = f.App.GiveDevice(ctx, f.Actor("nurse"), id, 2, app.Moment{})
		f.ok("device 2", err)
		f.Clock.Set(first.Add(10 * time.Minute))
		_, err = f.App.EndSession(ctx, f.Actor("nurse"), id)
		f.ok("end session", err)
		// No reading about 40 minutes after the first device.
		for _, m := range []int{60, 90, 121} {
			f.Clock.Set(first.Add(time.Duration(m) * time.Minute))
			f.recoveredReading(id)
		}
		f.readyToLeave(id)
		_, err = f.App.RecordMedications(ctx, f.Actor("nurse"), id, discharge.Medications{Benzodiazepines: discharge.No,
			NonBenzodiazepineSedativeHypnotics: discharge.No, Psychostimulants: discharge.No, MAOIs: discharge.No, Opioids: discharge.No}, "")
		f.ok("medications", err)

		nurse := f.Login("nurse")
		_, doc := nurse.Get(path)
		if m := doc.Find("#rems-missing").Text(); !strings.Contains(m, "40 minutes") {
			t.Errorf("the REMS part says %q, want the missing 40-minute blood pressure", m)
		}
		if doc.Find("#rems-incomplete-form").Length() != 0 {
			t.Error("the nurse is offered the prescriber's step")
		}
		if _, off := doc.Find("button#ready").Attr("disabled"); doc.Find("button#ready").Length() == 1 && !off {
			// Ready for discharge may be allowed; discharge itself waits.
			_, err = f.App.Discharge(ctx, f.Actor("nurse"), id, visits.ReadyForDischarge)
			f.ok("ready", err)
			_, doc = nurse.Get(path)
		}
		if _, off := doc.Find("button#discharge-btn").Attr("disabled"); !off || !strings.Contains(doc.Find("#discharge-btn-why").Text(), "REMS") {
			t.Errorf("discharge is not held for the REMS form: %q", doc.Find("#discharge-btn-why").Text())
		}

		prescriber := f.Login("prescriber")
		_, doc = prescriber.Get(path)
		form := doc.Find("form#rems-incomplete-form")
		if form.Length() != 1 || form.Find("textarea[name=reason]").Length() != 1 {
			t.Fatal("the prescriber has no form to record why the REMS form cannot be completed")
		}
		resp, doc := prescriber.PostDoc(path+"/rems/incomplete", url.Values{"form": {"rems_incomplete"}, "reason": {"short"}})
		if msg := fieldError(doc, "rems-incomplete-reason"); resp.StatusCode != http.StatusBadRequest || msg == "" {
			t.Errorf("a too-short reason: got %d, beside it %q", resp.StatusCode, msg)
		}
		doc = mustPost(prescriber, path+"/rems/incomplete", url.Values{"form": {"rems_incomplete"},
			"reason": {"the 40-minute reading was missed during a fire drill"}})
		if r := doc.Find("#rems-incomplete").Text(); !strings.Contains(r, "fire drill") || !strings.Contains(r, "Test prescriber") {
			t.Errorf("the recorded reason reads %q", r)
		}

		_, err = f.App.Discharge(ctx, f.Actor("nurse"), id, visits.Discharged)
		f.ok("discharge", err)
		_, doc = nurse.Get(path)
		if m := doc.Find("#rems-missing").Text(); !strings.Contains(m, "Stored incomplete") || !strings.Contains(m, "40 minutes") ||
			!strings.Contains(m, "fire drill") {
			t.Errorf("the stored incomplete form reads %q", m)
		}
		_, list := nurse.Get("/rems")
		if m := list.Find("#rems-" + id + " .rems-missing").Text(); !strings.Contains(m, "40 minutes") {
			t.Errorf("the REMS list says of the form %q, want what is missing", m)
		}
		if list.Find(`#rems-`+id+` form[action$="/rems/submitted"]`).Length() != 0 {
			t.Error("the REMS list offers to submit an incomplete form")
		}
	})
}
