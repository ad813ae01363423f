package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// TestStoppedInfusionWastedAndSummarised is issue 8 tried as a new nurse
// would: the demo's running IV is stopped early with the volume read off
// the pump, the rest is wasted in front of a second nurse, the patient is
// discharged, and the printable discharge summary and the lot's books agree
// to the 0.01 mL. Each screen is kept at desktop, tablet and phone sizes.
func TestStoppedInfusionWastedAndSummarised(t *testing.T) {
	needChromium(t)
	t.Parallel()
	clock := ketaflow.NewFakeClock(time.Now())
	srv, _ := demoServerClock(t, store.SQLite, clock)
	ctx := browser(t, 1280, 800)
	as := staffSwitcher(t, ctx, srv.URL)
	sizes := atThreeSizes(t, ctx, srv.URL)

	as("nurse")
	do(t, ctx, chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
		loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "Yuki Tanaka")]`))), chromedp.WaitVisible(chromedp.ID("visit-state")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	visit, _, _ := strings.Cut(strings.TrimPrefix(loc, srv.URL), "?")
	visit, _, _ = strings.Cut(visit, "#")

	// Stopped after a few minutes: 20 mL of the bag went in.
	clock.Advance(2 * time.Minute)
	do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("session")),
		chromedp.Click(chromedp.CSS(`#session details.move:has(#stop-form) > summary`)),
		chromedp.WaitVisible(chromedp.ID("stop-reason")))
	view(t, ctx, "60-stop-form", "#stop-form")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("stop-reason"), "patient asked to stop: anxious"),
		chromedp.SendKeys(chromedp.ID("infused_ml"), "20"),
		loads(chromedp.Click(chromedp.ID("stop-submit"))), notice("Infusion updated"))
	if phase := strings.ToLower(text(t, ctx, ".phase-name")); !strings.Contains(phase, "monitored rest") {
		t.Errorf("after the stop the clock says %q", phase)
	}
	sizes("61-stopped-session", visit, "")
	sizes("62-stopped-drug", visit, "#drug")

	// The rest wasted in front of a second nurse.
	do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("waste-remainder")),
		chromedp.SetValue(chromedp.ID("waste-witness"), "nurse2"),
		chromedp.SendKeys(chromedp.ID("waste-password"), "nurse2-ketaflow"),
		chromedp.SendKeys(chromedp.ID("waste-reason"), "infusion stopped early"),
		loads(chromedp.Click(chromedp.ID("waste-btn"))), notice("Witnessed waste"),
		loads(chromedp.Click(chromedp.ID("end-session"))), notice("monitored rest"))

	// An hour and a half later: the checks and the discharge.
	clock.Advance(70 * time.Minute)
	as("nurse")
	do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("systolic")),
		chromedp.SendKeys(chromedp.ID("systolic"), "128"), chromedp.SendKeys(chromedp.ID("diastolic"), "80"),
		chromedp.SendKeys(chromedp.ID("heart_rate"), "74"), chromedp.SendKeys(chromedp.ID("spo2"), "98"),
		chromedp.SetValue(chromedp.ID("sedation"), "5"), chromedp.SetValue(chromedp.ID("dissociation"), "no"),
		loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
	setJS := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(() => {"+js+"; return true})()")); err != nil {
			t.Fatal(err)
		}
	}
	setJS(`for (const k of ['activity','respiration','circulation','consciousness','oxygen_saturation'])
		document.querySelector('input[name="'+k+'"][value="2"]').checked = true`)
	do(t, ctx, loads(chromedp.Submit(chromedp.CSS(`input[name="activity"]`))), notice("Aldrete score recorded"))
	setJS(`for (const k of ['driver_present','aftercare_given']) document.querySelector('input[name="'+k+'"]').checked = true`)
	do(t, ctx, loads(chromedp.Submit(chromedp.CSS(`input[name="driver_present"]`))), notice("Going-home details saved"),
		loads(chromedp.Click(chromedp.ID("ready"))), notice("Ready for discharge"),
		loads(chromedp.Click(chromedp.ID("discharge-btn"))),
		chromedp.WaitVisible(chromedp.Search(`//span[@id="visit-state" and contains(., "Discharged")]`)))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-since], [data-until]').length`)); err != nil || n != 0 {
		t.Errorf("the discharged visit has %d live clocks (%v)", n, err)
	}
	sizes("63-closed-visit", visit, "")
	sizes("64-closed-visit-drug", visit, "#drug")
	sizes("65-discharge-summary", visit+"/summary", "")
	sizes("66-discharge-summary-drug", visit+"/summary", "#summary-drug")

	// The summary and the lot's books, entry by entry, to the 0.01 mL.
	do(t, ctx, chromedp.Navigate(srv.URL+visit+"/summary"), chromedp.WaitVisible(chromedp.ID("summary")))
	// As it prints: no navigation, no buttons.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "68-discharge-summary-print")
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	given, wasted := text(t, ctx, "#summary-drug-account .given"), text(t, ctx, "#summary-drug-account .wasted")
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('`+visit+`').then(r => r.text()).then(h => {
		const d = new DOMParser().parseFromString(h, 'text/html'); return d.querySelector('#drug-account a').getAttribute('href'); })`,
		chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(href, "/ledger/lots/") {
		t.Fatalf("the drug account links no lot: %q %v", href, err)
	}
	do(t, ctx, chromedp.Navigate(srv.URL+href), chromedp.WaitVisible(chromedp.ID("entries")))
	ledger, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](fmt.Sprintf(`(() => {
		const out = {}; for (const tr of document.querySelectorAll('#entries tbody tr')) {
			if (!tr.querySelector('a[href="%s"]')) continue;
			const what = tr.children[2].textContent, q = parseFloat(tr.children[3].textContent.replace(/[^0-9.]/g, ''));
			const k = what.includes('Given') ? 'given' : what.includes('Wasted') ? 'wasted' : 'other';
			out[k] = (out[k] || 0) + q; }
		return out; })()`, visit)))
	if err != nil {
		t.Fatal(err)
	}
	view(t, ctx, "67-lot-books", "#entries")
	for name, got := range map[string]string{"given": given, "wasted": wasted} {
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(got), " mL"), 64)
		if err != nil || fmt.Sprintf("%.2f", v) != fmt.Sprintf("%.2f", ledger[name]) || v == 0 {
			t.Errorf("summary %s %q, the lot's books %.2f mL", name, got, ledger[name])
		}
	}
}

// demoActor is a demo user as the services see them.
func demoActor(t *testing.T, a *app.App, username string) access.Actor {
	t.Helper()
	var u store.UserLogin
	if err := a.DB.View(context.Background(), func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByUsername(username)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return u.User.Actor("e2e")
}

// TestSpravatoLateReadingAndIncompleteREMSForm plays the demo's Spravato
// session with its 40-minute reading missed: a reading charted late (first
// refused without its reason), discharge held for the REMS form until the
// prescriber records why it cannot be completed, and the form then listed
// as due with what it lacks. It also opens a first Spravato order, whose
// form says the course rule in words.
func TestSpravatoLateReadingAndIncompleteREMSForm(t *testing.T) {
	needChromium(t)
	t.Parallel()
	clock := ketaflow.NewFakeClock(time.Now().Truncate(time.Minute))
	srv, a := demoServerClock(t, store.SQLite, clock)
	zone, err := time.LoadLocation(demoZone)
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t, 1280, 800)
	as := staffSwitcher(t, ctx, srv.URL)
	sizes := atThreeSizes(t, ctx, srv.URL)
	setJS := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(() => {"+js+"; return true})()")); err != nil {
			t.Fatal(err)
		}
	}

	as("nurse")
	do(t, ctx, chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
		loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "Kwame Mensah")]`))), chromedp.WaitVisible(chromedp.ID("device-countdown")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	visit, _, _ := strings.Cut(strings.TrimPrefix(loc, srv.URL), "?")
	id := strings.TrimPrefix(visit, "/visits/")
	v, err := a.Visit(context.Background(), demoActor(t, a, "nurse"), id)
	if err != nil {
		t.Fatal(err)
	}
	first := *v.Session.FirstDoseAt
	at := func(m int) { clock.Set(first.Add(time.Duration(m) * time.Minute)) }
	for _, n := range []int{2, 3} {
		at(5 * (n - 1))
		as("nurse")
		do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("give-device")),
			loads(chromedp.Click(chromedp.ID("give-device"))), notice("Device recorded"))
	}
	do(t, ctx, loads(chromedp.Click(chromedp.ID("end-session"))), notice("monitored rest"))

	// At an hour, the reading taken at 20 minutes is charted: late.
	at(60)
	as("nurse")
	do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("systolic")),
		chromedp.Click(chromedp.CSS(`details.earlier:has(#taken_at) > summary`)), chromedp.WaitVisible(chromedp.ID("taken_at")),
		chromedp.SetValue(chromedp.ID("taken_at"), first.Add(20*time.Minute).In(zone).Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.ID("systolic"), "138"), chromedp.SendKeys(chromedp.ID("diastolic"), "86"),
		chromedp.SendKeys(chromedp.ID("heart_rate"), "80"), chromedp.SendKeys(chromedp.ID("spo2"), "97"),
		chromedp.SetValue(chromedp.ID("sedation"), "4"), chromedp.SetValue(chromedp.ID("dissociation"), "yes"),
		loads(chromedp.Submit(chromedp.ID("systolic"))), chromedp.WaitVisible(chromedp.CSS(".problem")))
	view(t, ctx, "70-late-reading-needs-reason", "#vitals")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("vitals-late_reason"), "written on paper during a fire drill"),
		loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
	if late := text(t, ctx, "#vitals-list tr.late-row"); !strings.Contains(late, "entered late") {
		t.Errorf("the late reading reads %q", late)
	}
	sizes("71-late-reading", visit, "#vitals")

	for _, m := range []int{90, 121} {
		at(m)
		as("nurse")
		do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("systolic")),
			chromedp.SendKeys(chromedp.ID("systolic"), "126"), chromedp.SendKeys(chromedp.ID("diastolic"), "80"),
			chromedp.SendKeys(chromedp.ID("heart_rate"), "74"), chromedp.SendKeys(chromedp.ID("spo2"), "98"),
			chromedp.SetValue(chromedp.ID("sedation"), "5"), chromedp.SetValue(chromedp.ID("dissociation"), "no"),
			loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
	}
	setJS(`for (const k of ['activity','respiration','circulation','consciousness','oxygen_saturation'])
		document.querySelector('input[name="'+k+'"][value="2"]').checked = true`)
	do(t, ctx, loads(chromedp.Submit(chromedp.CSS(`input[name="activity"]`))), notice("Aldrete score recorded"))
	setJS(`for (const k of ['driver_present','aftercare_given']) document.querySelector('input[name="'+k+'"]').checked = true`)
	do(t, ctx, loads(chromedp.Submit(chromedp.CSS(`input[name="driver_present"]`))), notice("Going-home details saved"))
	setJS(`for (const k of ['benzodiazepines','non_benzodiazepine_sedative_hypnotics','psychostimulants','maois','opioids'])
		document.querySelector('input[name="'+k+'"][value="no"]').checked = true`)
	do(t, ctx, loads(chromedp.Submit(chromedp.CSS(`input[name="opioids"]`))), notice("Medications saved"))
	if m := text(t, ctx, "#rems-missing"); !strings.Contains(m, "40 minutes") {
		t.Errorf("the REMS part says %q", m)
	}
	sizes("72-rems-missing-nurse", visit, "#rems")

	as("prescriber")
	do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("rems")),
		chromedp.Click(chromedp.CSS(`details:has(#rems-incomplete-form) > summary`)), chromedp.WaitVisible(chromedp.ID("rems-incomplete-reason")))
	view(t, ctx, "73-rems-incomplete-form", "#rems")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("rems-incomplete-reason"), "the 40-minute reading was missed during the fire drill"),
		loads(chromedp.Click(chromedp.ID("record-rems-incomplete"))), notice("Reason recorded"))

	as("nurse")
	do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("ready")),
		loads(chromedp.Click(chromedp.ID("ready"))), notice("Ready for discharge"),
		loads(chromedp.Click(chromedp.ID("discharge-btn"))),
		chromedp.WaitVisible(chromedp.Search(`//span[@id="visit-state" and contains(., "Discharged")]`)))
	sizes("74-rems-stored-incomplete", visit, "#rems")
	sizes("75-rems-list", "/rems", "")
	sizes("76-spravato-summary", visit+"/summary", "#summary-late")

	// A first Spravato treatment: the order form says the course rule.
	nurse := demoActor(t, a, "nurse")
	dob, _ := ketaflow.ParseDate("1990-05-05")
	p, err := a.CreatePatient(context.Background(), nurse, patients.Record{LegalName: "Nora First", BirthDate: dob,
		Sex: patients.Female, Phone: "+1 555 010 0399", REMSPatientID: "REMS-P-000399"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	booked, err := a.BookVisit(context.Background(), demoActor(t, a, "frontdesk"), visits.Booking{PatientID: p.ID,
		Route: "spravato", ScheduledAt: clock.Now().Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.MoveVisit(context.Background(), demoActor(t, a, "frontdesk"), booked.Visit.ID, visits.CheckedIn, ""); err != nil {
		t.Fatal(err)
	}
	as("prescriber")
	do(t, ctx, chromedp.Navigate(srv.URL+"/visits/"+booked.Visit.ID), chromedp.WaitVisible(chromedp.ID("course-findings")))
	sizes("77-first-spravato-order", "/visits/"+booked.Visit.ID, "#dose")
}

// TestPreparedDoseWastedBeforeTheFirstDose: a dose drawn and not to be
// given is wasted from the visit's page before the first dose, in front of
// a witness; the form waits folded away while the dose is still to give,
// and once it is wasted the dose cannot be started.
func TestPreparedDoseWastedBeforeTheFirstDose(t *testing.T) {
	needChromium(t)
	t.Parallel()
	clock := ketaflow.NewFakeClock(time.Now().Truncate(time.Minute))
	srv, a := demoServerClock(t, store.SQLite, clock)
	ctx := browser(t, 1280, 800)
	do(t, ctx, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
		loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "Maria Elena Alvarez")]`))), chromedp.WaitVisible(chromedp.ID("visit-state")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	visit, _, _ := strings.Cut(strings.TrimPrefix(loc, srv.URL), "?")
	id := strings.TrimPrefix(visit, "/visits/")
	// The prescriber orders and the nurse draws the dose (the dose screens
	// have their own journeys).
	bg := context.Background()
	if _, _, err := a.OrderDose(bg, demoActor(t, a, "prescriber"), id, app.OrderInput{MgPerKg: 0.5, InfusionMinutes: 40}); err != nil {
		t.Fatal(err)
	}
	v, err := a.Visit(bg, demoActor(t, a, "nurse"), id)
	if err != nil || len(v.Session.LotChoices) == 0 {
		t.Fatalf("lots to draw from: %v", err)
	}
	if _, err := a.PrepareDose(bg, demoActor(t, a, "nurse"), id, app.PrepareInput{LotID: v.Session.LotChoices[0].ID}); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("drug")))
	if got := text(t, ctx, "#drug-verdict"); got != "prepared, not yet given" {
		t.Errorf("the drug card says %q before the first dose", got)
	}
	if open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#waste-predose').open`)); err != nil || open {
		t.Errorf("the waste form is open while the dose is still to give (%v)", err)
	}
	for _, s := range []struct {
		tag  string
		w, h int64
	}{{"tablet", 820, 1180}, {"phone", 390, 844}} {
		do(t, ctx, chromedp.EmulateViewport(s.w, s.h), chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("drug")))
		view(t, ctx, "70-predose-drug-"+s.tag, "#drug")
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+visit), chromedp.WaitVisible(chromedp.ID("drug")),
		chromedp.Click(chromedp.CSS(`#waste-predose > summary`)), chromedp.WaitVisible(chromedp.ID("waste-witness")),
		chromedp.SetValue(chromedp.ID("waste-witness"), "nurse2"),
		chromedp.SendKeys(chromedp.ID("waste-password"), "nurse2-ketaflow"),
		chromedp.SendKeys(chromedp.ID("waste-reason"), "syringe dropped"))
	view(t, ctx, "71-predose-waste-form", "#waste-remainder")
	do(t, ctx, loads(chromedp.Click(chromedp.ID("waste-btn"))), notice("Witnessed waste"))
	if got := text(t, ctx, "#drug-verdict"); got != "all given or wasted" {
		t.Errorf("after the waste the drug card says %q", got)
	}
	for _, button := range []string{"#verify-why", "#administer-why"} {
		if why := text(t, ctx, button); !strings.Contains(why, "prepared dose was wasted") {
			t.Errorf("%s after the waste: %q", button, why)
		}
	}
	shot(t, ctx, "72-predose-wasted")
}
