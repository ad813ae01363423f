// Package e2e drives ketaflow in a real headless Chromium, the way staff
// use it: these are the journeys a newcomer tries first.
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/demo"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestMain(m *testing.M) {
	chromium = findChromium()
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// EnvChromium names the browser binary; CI sets it so that these tests run
// there and fail rather than skip if the browser is missing.
const EnvChromium = "KETAFLOW_TEST_CHROMIUM"

// chromium is where the browser is, or why the tests cannot have one; it is
// decided once, in TestMain.
var chromium chromiumBinary

type chromiumBinary struct {
	path string
	skip string // no browser on this machine: the tests skip
	err  error  // EnvChromium names a missing browser: the tests fail
}

func findChromium() (c chromiumBinary) {
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			c.err = fmt.Errorf("%s=%s: %w", EnvChromium, p, err)
		}
		c.path = p
		return c
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			c.path = p
			return c
		}
	}
	c.skip = "Chromium not found: install it (apt-get install -y chromium) or set " + EnvChromium
	return c
}

// needChromium skips or fails the test when there is no browser to drive.
// Each test calls it first, so that a machine without Chromium skips before
// it builds a database and loads the demo clinic.
func needChromium(t *testing.T) {
	t.Helper()
	if chromium.err != nil {
		t.Fatal(chromium.err)
	}
	if chromium.skip != "" {
		t.Skip(chromium.skip)
	}
}

// demoZone is the demo clinic's time zone in these tests, and the
// browser's: a zone with summer time, far from UTC, so that a time shown
// or read in the wrong zone is seen.
const demoZone = "America/New_York"

// demoServer serves the demo clinic from a fresh database.
func demoServer(t *testing.T, d store.Dialect) (*httptest.Server, *app.App) {
	t.Helper()
	return demoServerClock(t, d, ketaflow.SystemClock{})
}

// demoServerClock serves the demo clinic with the given clock, so that a
// journey can move time forward (a two-hour session in seconds).
func demoServerClock(t *testing.T, d store.Dialect, clock ketaflow.Clock) (*httptest.Server, *app.App) {
	t.Helper()
	db := storetest.Open(t, d)
	a := app.New(db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), app.PasswordCost(access.CheapArgon2()))
	if _, err := demo.Load(context.Background(), a, demoZone); err != nil {
		t.Fatal(err)
	}
	return webtest.NewServer(t, a), a
}

// shared is the one Chromium of the package. Starting a browser costs about
// a second of a busy machine's time, so the tests share one and each opens
// its own windows in it (see browser).
var shared struct {
	once   sync.Once
	ctx    context.Context // the browser's first tab; the tests' tabs open beside it
	cancel func()          // closes the browser
	err    error
}

// sharedBrowser starts the package's Chromium the first time a test needs
// it; TestMain closes it after the last test.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	needChromium(t)
	shared.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromium.path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			// The browser lives in the demo clinic's zone, as it would at
			// the clinic: times typed into forms are the clinic's local times.
			chromedp.Env("TZ="+demoZone),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(actx)
		shared.ctx, shared.cancel = ctx, func() { cancelBrowser(); cancelAlloc() }
		// Start the browser without a deadline: the context of the first
		// run is the browser's whole life.
		if err := chromedp.Do(ctx); err != nil {
			shared.err = fmt.Errorf("start Chromium: %w", err)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.ctx
}

// stopBrowser closes the shared Chromium, if a test started it.
func stopBrowser() {
	if shared.cancel != nil {
		shared.cancel()
	}
}

// stillClock stops the clock of each page at the moment the page began.
// app.js counts the live countdowns from the server's time on the page
// (data-now), so they then show exactly what the server's clock said,
// the fake clock's included: "Device 2 in 5:00" does not become 4:59 on a
// slow machine, and a countdown does not run out and reload the page
// under a step.
const stillClock = `(() => { const now = Date.now(); Date.now = () => now; })();`

// browser opens a window of the given size in the shared Chromium, in a
// browser context of its own: its cookies are its own, so each window is a
// separate login, as a second device would be. Its pages' clocks stand
// still (see stillClock). The window closes when the test ends.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(sharedBrowser(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the tab; like the browser's, it has no deadline.
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		c := chromedp.FromContext(ctx)
		w, err := cdp.Call(ctx, c.Browser, cdpbrowser.GetWindowForTarget, cdpbrowser.GetWindowForTargetParams{TargetID: tab.TargetID})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, c.Browser, cdpbrowser.SetWindowBounds, cdpbrowser.SetWindowBoundsParams{
			WindowID: w.WindowID, Bounds: &cdpbrowser.Bounds{Width: int64(width), Height: int64(height)}})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: stillClock})
		return err
	}))
	if err != nil {
		t.Fatalf("open a %dx%d window: %v", width, height, err)
	}
	// No deadline of its own, which a busy machine could reach: the steps
	// stop a little before the test binary's -timeout would, so that a step
	// that hangs is named in the failure.
	if deadline, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-time.Until(deadline)/10))
		t.Cleanup(cancel)
	}
	return ctx
}

// shot saves a full-page screenshot to KETAFLOW_SCREENSHOTS (or the test's
// temporary directory), so a person can look at what the test saw.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	save(t, name+".png", buf)
}

// view saves a screenshot of the window only (what a person sees without
// scrolling), after scrolling the element css into view when it is given.
func view(t *testing.T, ctx context.Context, name, css string) {
	t.Helper()
	if css != "" {
		do(t, ctx, chromedp.ScrollIntoView(chromedp.CSS(css)))
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	save(t, name+".png", buf)
}

// save writes a screenshot to KETAFLOW_SCREENSHOTS, or to the test's
// temporary directory. Tests run in parallel and the two databases' runs of
// a journey save under the same names, so the file is written beside its
// place and renamed into it: the last one wins whole.
func save(t *testing.T, name string, buf []byte) {
	t.Helper()
	dir := os.Getenv("KETAFLOW_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	f, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	path := filepath.Join(dir, name)
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// loads runs a step that takes the window to another page (a click on a
// link or a button, a form's submission) and waits until that page has
// loaded. Chromium numbers a new page's nodes twice: once it has read the
// HTML, and again at DOMContentLoaded, after the deferred app.js has run.
// A step on an element found in between fails with "Could not find node
// with given id"; after the load event the numbers stay. The step after
// loads still waits for something only the new page has.
func loads(step chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	loaded := chromedp.WaitEvent(page.LoadEventFired, nil, step)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := loaded(ctx, t)
		return err
	})
}

// notice waits for the confirmation a saved form shows.
func notice(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "notice") and contains(., "` + text + `")]`))
}

// do runs browser steps, failing the test on error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// text reads the text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// landing is what a login from the login page lands on: the floor board
// for the nurse and prescriber, the integration worklist for the
// therapist, the patient list for front desk and the admin.
const landing = "#board, #schedule, #patient-list, #integration-live"

func login(url, username, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(url+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
		loads(chromedp.Submit(chromedp.ID("password"))),
	)
}

// staffSwitcher returns as(username): it logs in as a demo user, logging
// the previous one out first, as the staff change at the chair. The logout
// is sent from the page the window is on, which is one of the clinic's
// after the first login.
func staffSwitcher(t *testing.T, ctx context.Context, url string) func(username string) {
	loggedIn := false
	return func(username string) {
		t.Helper()
		if loggedIn {
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`fetch('/logout', {method: 'POST'}).then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
				t.Fatal(err)
			}
		}
		do(t, ctx, login(url, username, username+"-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)))
		loggedIn = true
	}
}

// atThreeSizes returns sizes(name, path, css): it keeps a screenshot of the
// page at path at the three sizes staff use (desktop, tablet, phone), and
// leaves the window at desktop size.
func atThreeSizes(t *testing.T, ctx context.Context, url string) func(name, path, css string) {
	return func(name, path, css string) {
		t.Helper()
		for _, s := range []struct {
			tag  string
			w, h int64
		}{{"desktop", 1280, 800}, {"tablet", 820, 1180}, {"phone", 390, 844}} {
			do(t, ctx, chromedp.EmulateViewport(s.w, s.h), chromedp.Navigate(url+path), chromedp.WaitVisible(chromedp.CSS("h1")))
			view(t, ctx, name+"-"+s.tag, css)
		}
		do(t, ctx, chromedp.EmulateViewport(1280, 800))
	}
}

// TestDemoLoginReachesPatientList is the newcomer's first minute: the demo
// login page, a nurse's login landing on Today, the patient list, a search,
// a patient.
func TestDemoLoginReachesPatientList(t *testing.T) {
	needChromium(t)
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			srv, _ := demoServer(t, d) // skips first if PostgreSQL is not configured
			ctx := browser(t, 1280, 800)
			do(t, ctx, chromedp.Navigate(srv.URL+"/patients"), chromedp.WaitVisible(chromedp.ID("username")))
			shot(t, ctx, "01-login")
			// A nurse lands on the floor board, and goes to the patients.
			do(t, ctx, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.ID("board")),
				loads(chromedp.Click(chromedp.CSS(`nav a[href="/patients"]`))), chromedp.WaitVisible(chromedp.ID("patient-list")))
			heading, rows, who := text(t, ctx, "h1"), text(t, ctx, "#patient-list tbody"), text(t, ctx, ".who")
			shot(t, ctx, "02-patient-list")
			if heading != "Patients" || !strings.Contains(rows, "Maria Elena Alvarez") || !strings.Contains(who, "Sam Okafor") {
				t.Fatalf("patient list: heading %q, who %q, rows %q", heading, who, rows)
			}
			do(t, ctx,
				chromedp.SendKeys(chromedp.ID("q"), "whitfield"),
				loads(chromedp.Submit(chromedp.ID("q"))),
				// The Clear link shows only on the results page; waiting for
				// it keeps the click off the list that is being replaced.
				chromedp.WaitVisible(chromedp.CSS(`a.button.quiet[href="/patients"]`)),
				loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "James Whitfield")]`))),
				chromedp.WaitVisible(chromedp.ID("weight")),
			)
			weight := text(t, ctx, "#weight")
			shot(t, ctx, "03-patient")
			if !strings.Contains(weight, "92.5 kg") {
				t.Errorf("weight on the patient page: %q", weight)
			}
		})
	}
}

// TestRegisterPatientWithInlineErrors registers a patient through the form
// on a tablet-sized window, first with mistakes the form must point out.
func TestRegisterPatientWithInlineErrors(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, _ := demoServer(t, store.SQLite)
	ctx := browser(t, 800, 1280)
	do(t, ctx,
		login(srv.URL, "frontdesk", "frontdesk-ketaflow"),
		chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(srv.URL+"/patients/new"),
		chromedp.WaitVisible(chromedp.ID("legal_name")),
		chromedp.SendKeys(chromedp.ID("legal_name"), "Nora Quinn"),
		chromedp.SetValue(chromedp.ID("birth_date"), "2099-02-03"),
		chromedp.SendKeys(chromedp.ID("phone"), "555"),
		loads(chromedp.Click(chromedp.CSS(`main button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS(".error-text")),
	)
	errs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.error-text')].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "04-new-patient-errors")
	if len(errs) != 2 || !strings.Contains(errs[0], "future") || !strings.Contains(errs[1], "phone") {
		t.Errorf("inline errors: %q", errs)
	}
	do(t, ctx,
		chromedp.SetValue(chromedp.ID("birth_date"), "1990-02-03"),
		chromedp.SetValue(chromedp.ID("phone"), "+1 555 010 0301"),
		loads(chromedp.Click(chromedp.CSS(`main button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	sub := text(t, ctx, ".sub")
	shot(t, ctx, "05-new-patient-saved")
	if !strings.Contains(sub, "MRN K0000") {
		t.Errorf("saved patient header: %q", sub)
	}
}

// TestAdminPages opens each admin page as the demo admin, checks that it
// answers with its heading, and keeps a screenshot of each to look at.
func TestAdminPages(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, _ := demoServer(t, store.SQLite)
	ctx := browser(t, 1280, 900)
	do(t, ctx, login(srv.URL, "admin", "admin-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)))
	for _, p := range []struct{ path, heading, shot string }{
		{"/admin/protocol", "Clinic protocol", "10-protocol"},
		{"/admin/clinic", "Clinic", "11-clinic"},
		{"/admin/users", "Users", "12-users"},
		{"/admin/audit", "Audit log", "13-audit"},
	} {
		do(t, ctx, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS("h1")))
		if h := text(t, ctx, "h1"); h != p.heading {
			t.Errorf("%s: heading %q, want %q", p.path, h, p.heading)
		}
		view(t, ctx, p.shot, "")
	}
	do(t, ctx, chromedp.Navigate(srv.URL+"/admin/protocol"), chromedp.WaitVisible(chromedp.CSS("h1")))
	view(t, ctx, "14-protocol-session", `input[name="session.vitals_every_minutes"]`)
}

// TestCheckInJourney is the morning of issue 3 in a browser: front desk
// checks in a demo patient, records the ride home and makes a link; the
// patient answers both questionnaires on a phone-sized window; the nurse
// enters fasting and vitals and watches the gate go from blocked to cleared.
func TestCheckInJourney(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, _ := demoServer(t, store.SQLite)
	ctx := browser(t, 1024, 1366) // a 10-inch tablet, upright
	do(t, ctx, login(srv.URL, "frontdesk", "frontdesk-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")))
	view(t, ctx, "20-schedule", "")
	do(t, ctx,
		loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "Sofia Rossi")]`))),
		chromedp.WaitVisible(chromedp.ID("check-in")),
		loads(chromedp.Click(chromedp.ID("check-in"))),
		notice("Checked in"),
	)
	visitURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	visitURL, _, _ = strings.Cut(visitURL, "?")
	if st := text(t, ctx, "#visit-state"); st != "Checked in" {
		t.Fatalf("after check-in the visit is %q", st)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("driver_name"), "Marco Rossi"),
		chromedp.SendKeys(chromedp.ID("driver_phone"), "+1 555 010 0142"),
		loads(chromedp.Submit(chromedp.ID("driver_phone"))),
		notice("Ride home recorded"),
		loads(chromedp.Click(chromedp.ID("send-link"))),
		chromedp.WaitVisible(chromedp.ID("new-link")),
	)
	view(t, ctx, "21-frontdesk-visit", "")
	link := text(t, ctx, "#new-link code")
	if !strings.Contains(link, "/q/") {
		t.Fatalf("link: %q", link)
	}

	// The patient, on a phone.
	phone := browser(t, 390, 844)
	do(t, phone, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("questionnaire-form")))
	view(t, phone, "22-phone-questionnaire", "")
	// Leave the last GAD-7 item out first: the page must say which is missing.
	_, err = chromedp.Run(phone, chromedp.Evaluate[bool](`(() => {
		for (const fs of document.querySelectorAll('fieldset.questionnaire')) {
			const items = fs.querySelectorAll('.item');
			items.forEach((item, i) => {
				if (fs.id === 'gad7' && i === items.length - 1) return;
				// Item 9 of the PHQ-9 (thoughts of self-harm) answered "not at all".
				const v = (fs.id === 'phq9' && i === 8) ? "0" : "1";
				item.querySelector('input[value="' + v + '"]').checked = true;
			});
		}
		return true;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, phone, loads(chromedp.Click(chromedp.CSS(`button[type=submit]`))), chromedp.WaitVisible(chromedp.CSS(".problem")))
	view(t, phone, "23-phone-incomplete", ".item.missing")
	if msg := text(t, phone, ".problem"); !strings.Contains(msg, "GAD-7") {
		t.Errorf("incomplete message %q does not name the GAD-7", msg)
	}
	do(t, phone,
		chromedp.Click(chromedp.CSS(`.item.missing input[value="0"]`)),
		loads(chromedp.Click(chromedp.CSS(`button[type=submit]`))),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Thank you")]`)),
	)
	view(t, phone, "24-phone-thanks", "")

	// The nurse at the chair.
	nurse := browser(t, 1024, 1366)
	do(t, nurse, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(visitURL), chromedp.WaitVisible(chromedp.ID("checklist")))
	if v := text(t, nurse, "#gate-verdict"); !strings.Contains(v, "to resolve") {
		t.Errorf("before vitals the gate says %q", v)
	}
	view(t, nurse, "25-gate-blocked", "")
	disabled, err := chromedp.Run(nurse, chromedp.Evaluate[bool](`document.getElementById('clear').disabled`))
	if err != nil || !disabled {
		t.Errorf("Clear for dosing is enabled while the gate blocks (%v)", err)
	}
	// The browser and the clinic share this machine's clock but not always
	// its zone: the fasting times are typed in the browser's local time,
	// which the test sets to the clinic's below.
	_, err = chromedp.Run(nurse, chromedp.Evaluate[bool](`(() => {
		const pad = n => String(n).padStart(2, '0');
		const ago = h => { const d = new Date(Date.now() - h*3600e3);
			return d.getFullYear()+'-'+pad(d.getMonth()+1)+'-'+pad(d.getDate())+'T'+pad(d.getHours())+':'+pad(d.getMinutes()); };
		document.getElementById('last_solid_food').value = ago(10);
		document.getElementById('last_liquid').value = ago(3);
		document.getElementById('last_liquid_clear').value = 'yes';
		return true;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, nurse, loads(chromedp.Submit(chromedp.ID("last_liquid"))), notice("Fasting answers recorded"),
		chromedp.SendKeys(chromedp.ID("systolic"), "126"),
		chromedp.SendKeys(chromedp.ID("diastolic"), "80"),
		chromedp.SendKeys(chromedp.ID("heart_rate"), "72"),
		chromedp.SendKeys(chromedp.ID("spo2"), "98"),
		chromedp.SendKeys(chromedp.ID("respiratory_rate"), "14"),
		loads(chromedp.Submit(chromedp.ID("systolic"))),
		notice("Vital signs recorded"),
	)
	view(t, nurse, "26-gate-after-facts", "")
	if v := text(t, nurse, "#gate-verdict"); v != "dosing may start" {
		t.Fatalf("after fasting and vitals the gate says %q; checklist: %s", v, text(t, nurse, "#checklist"))
	}
	do(t, nurse, loads(chromedp.Click(chromedp.ID("clear"))), notice("Cleared for dosing"))
	if st := text(t, nurse, "#visit-state"); st != "Cleared for dosing" {
		t.Errorf("after clearing the visit is %q", st)
	}
	view(t, nurse, "27-cleared", "")
}
