// Package webtest boots the whole HTTP server, core, API and pages, for
// tests: a Fixture is a running server over a fresh database (SQLite or
// PostgreSQL, from store/storetest) with two clinics, a user of every role
// with an API token, and a patient in each clinic, plus the requests and
// visit steps that tests of web, web/api and web/ui share. Only tests import
// it.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/ui"
)

// Main runs a package's tests with cheap password hashes, which keep them
// quick; the cost is stored in each hash. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(m.Run())
}

// NewServer serves an App over HTTP as ketaflow serve does, core, API and
// pages, until the test ends. Its public URL is the test server's own,
// unless configure changes the config (a proxy's https address, trusted
// proxies).
func NewServer(t testing.TB, a *app.App, configure ...func(*web.Config)) *httptest.Server {
	t.Helper()
	return NewServerLog(t, a, slog.New(slog.NewTextHandler(io.Discard, nil)), configure...)
}

// NewServerLog is NewServer writing its log to log, for the tests that
// read what the server logs.
func NewServerLog(t testing.TB, a *app.App, log *slog.Logger, configure ...func(*web.Config)) *httptest.Server {
	t.Helper()
	pages, err := ui.New(a, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	public, err := url.Parse("http://" + srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{PublicURL: public}
	for _, c := range configure {
		c(&cfg)
	}
	s, err := web.New(a, log, cfg, api.New(a, log), pages)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	// First (cleanups run last in, first out): the live pages' event
	// streams end, as they do when ketaflow serve stops, so that Close
	// does not wait for them.
	t.Cleanup(a.Events.Close)
	return srv
}

// Fixture is a running server over a fresh database with two clinics: A
// with one user of every role and a patient, B with a nurse and a patient.
type Fixture struct {
	T   testing.TB
	App *app.App
	// DB is the fixture's database, for tests that count what a request
	// committed (DB.Stats) or read the audit log past the app.
	DB       *store.DB
	Clock    *ketaflow.FakeClock
	Server   *httptest.Server
	ClinicA  ketaflow.Clinic
	ClinicB  ketaflow.Clinic
	Users    map[string]access.User // by username
	Tokens   map[string]string      // username -> API token
	PatientA patients.Patient
	PatientB patients.Patient
	// Client sends the tests' requests: every one under /api/ and its
	// answer are checked against openapi.json (ContractClient).
	Client *http.Client
}

// Password is every fixture user's password.
const Password = "correct horse battery"

// Start is the fixture clock's time when the test begins.
var Start = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// Option changes how New builds the fixture.
type Option func(*options)

type options struct {
	training  bool
	twoFactor bool
	configure []func(*web.Config)
	log       *slog.Logger
}

// Configure changes the server's config (web.Config) before it starts.
func Configure(c func(*web.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, c) }
}

// Log sends the server's log to log.
func Log(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// Training builds the server as serve --demo --clock manual does: on a
// training clock over the fixture's fake clock (Fixture.Clock stays the
// real time; App.Clock is the training one), with both clinics made as
// demo clinics, the only ones such a server admits.
func Training() Option { return func(o *options) { o.training = true } }

// TwoFactor keeps the clinics' default two-factor settings (admins and
// prescribers sign in with a code). Without it the fixture's clinics start
// with no second factor, so that the many tests of other things sign in
// with the password alone; the two-factor tests ask for it.
func TwoFactor() Option { return func(o *options) { o.twoFactor = true } }

// New starts the server over db.
func New(t testing.TB, db *store.DB, opts ...Option) *Fixture {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	clock := ketaflow.NewFakeClock(Start)
	appOpts := []app.Option{app.PasswordCost(access.CheapArgon2())}
	if !o.twoFactor {
		appOpts = append(appOpts, app.StartingRules(func(p *protocol.Protocol) {
			p.Security.TwoFactorAdmins, p.Security.TwoFactorPrescribers, p.Security.TwoFactorOtherStaff = false, false, false
		}))
	}
	createClinic := (*app.App).CreateClinic
	if o.training {
		appOpts = append(appOpts, app.OnTrainingClock())
		createClinic = (*app.App).CreateDemoClinic
	}
	a := app.New(db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), appOpts...)
	f := &Fixture{T: t, App: a, DB: db, Clock: clock, Users: map[string]access.User{}, Tokens: map[string]string{},
		Client: ContractClient(t)}
	var err error
	if f.ClinicA, err = createClinic(a, ctx, "Clinic A", "America/New_York"); err != nil {
		t.Fatal(err)
	}
	if f.ClinicB, err = createClinic(a, ctx, "Clinic B", "Europe/London"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		clinic   string
		username string
		role     access.Role
	}{
		{f.ClinicA.ID, "admin", access.Admin}, {f.ClinicA.ID, "prescriber", access.Prescriber},
		{f.ClinicA.ID, "nurse", access.Nurse}, {f.ClinicA.ID, "therapist", access.Therapist},
		{f.ClinicA.ID, "frontdesk", access.FrontDesk}, {f.ClinicB.ID, "nurse-b", access.Nurse},
	} {
		user, err := a.AddUserFromCommandLine(ctx, u.clinic, app.NewUser{Username: u.username, Name: "Test " + u.username,
			Role: u.role, Password: Password})
		if err != nil {
			t.Fatal(err)
		}
		f.Users[u.username] = user
		if f.Tokens[u.username], err = a.CreateAPITokenFromCommandLine(ctx, u.username, "tests"); err != nil {
			t.Fatal(err)
		}
	}
	dob, _ := ketaflow.ParseDate("1984-03-12")
	rec := patients.Record{LegalName: "Maria Alvarez", BirthDate: dob, Sex: patients.Female, Phone: "+1 555 010 0101",
		Allergies: "penicillin", Contraindications: []patients.Contraindication{patients.Pregnancy}}
	if f.PatientA, err = a.CreatePatient(ctx, f.Actor("nurse"), rec, &app.NewWeight{KG: 64, MeasuredAt: Start.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rec.LegalName = "Bea Other-Clinic"
	if f.PatientB, err = a.CreatePatient(ctx, f.Actor("nurse-b"), rec, nil); err != nil {
		t.Fatal(err)
	}
	if o.log == nil {
		o.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	f.Server = NewServerLog(t, a, o.log, o.configure...)
	return f
}

// Actor is the user as the services see them, for calling app directly.
func (f *Fixture) Actor(username string) access.Actor { return f.Users[username].Actor("test") }

// API sends a JSON request with the user's API token and decodes the answer
// into out (when not nil). It returns the response (body already read).
func (f *Fixture) API(username, method, path string, body any, out any, headers ...string) *http.Response {
	f.T.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.T.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.Server.URL+path, r)
	if err != nil {
		f.T.Fatal(err)
	}
	if username != "" {
		req.Header.Set("Authorization", "Bearer "+f.Tokens[username])
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		f.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			f.T.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp
}

// APIErr is the error body of the API.
type APIErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// Browser is a cookie-holding client that logs in through the login form.
type Browser struct {
	F      *Fixture
	Client *http.Client
}

// Login logs the user in through the login form.
func (f *Fixture) Login(username string) *Browser {
	f.T.Helper()
	jar, _ := cookiejar.New(nil)
	b := &Browser{F: f, Client: &http.Client{Jar: jar, Transport: f.Client.Transport}}
	resp := b.Post("/login", url.Values{"username": {username}, "password": {Password}})
	// Each role lands on its own page (ui.Landing).
	if want := ui.Landing(f.Users[username].Role); resp.Request.URL.Path != want {
		f.T.Fatalf("login as %s ended at %s (status %d)", username, resp.Request.URL, resp.StatusCode)
	}
	return b
}

// Get fetches a page and parses its HTML.
func (b *Browser) Get(path string) (*http.Response, *goquery.Document) {
	b.F.T.Helper()
	resp, err := b.Client.Get(b.F.Server.URL + path)
	if err != nil {
		b.F.T.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		b.F.T.Fatal(err)
	}
	return resp, doc
}

// Post submits a form as a same-origin browser would.
func (b *Browser) Post(path string, form url.Values) *http.Response {
	b.F.T.Helper()
	resp, _ := b.PostDoc(path, form)
	return resp
}

// PostDoc is Post that also parses the answer's HTML.
func (b *Browser) PostDoc(path string, form url.Values) (*http.Response, *goquery.Document) {
	b.F.T.Helper()
	return b.PostFrom("", path, form)
}

// PostFrom submits a form from a page of the site (the Referer a browser
// sends), and parses the answer's HTML.
func (b *Browser) PostFrom(page, path string, form url.Values) (*http.Response, *goquery.Document) {
	b.F.T.Helper()
	req, _ := http.NewRequest("POST", b.F.Server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if page != "" {
		req.Header.Set("Referer", b.F.Server.URL+page)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.F.T.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		b.F.T.Fatal(err)
	}
	return resp, doc
}
