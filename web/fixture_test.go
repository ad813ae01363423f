package web_test

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
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/ui"
)

func TestMain(m *testing.M) {
	// Cheap hashes keep the tests quick; the cost is stored in each hash.
	access.PasswordParams = access.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

// fixture is a running server over a fresh database with two clinics: A
// with one user of every role and a patient, B with a nurse and a patient.
type fixture struct {
	t        *testing.T
	app      *app.App
	clock    *ketaflow.FakeClock
	srv      *httptest.Server
	clinicA  ketaflow.Clinic
	clinicB  ketaflow.Clinic
	users    map[string]access.User // by username
	tokens   map[string]string      // username -> API token
	patientA patients.Patient
	patientB patients.Patient
}

const testPassword = "correct horse battery"

var start = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := ketaflow.NewFakeClock(start)
	a := app.New(db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f := &fixture{t: t, app: a, clock: clock, users: map[string]access.User{}, tokens: map[string]string{}}
	var err error
	if f.clinicA, err = a.CreateClinic(ctx, "Clinic A", "America/New_York"); err != nil {
		t.Fatal(err)
	}
	if f.clinicB, err = a.CreateClinic(ctx, "Clinic B", "Europe/London"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		clinic   string
		username string
		role     access.Role
	}{
		{f.clinicA.ID, "admin", access.Admin}, {f.clinicA.ID, "prescriber", access.Prescriber},
		{f.clinicA.ID, "nurse", access.Nurse}, {f.clinicA.ID, "therapist", access.Therapist},
		{f.clinicA.ID, "frontdesk", access.FrontDesk}, {f.clinicB.ID, "nurse-b", access.Nurse},
	} {
		user, err := a.AddUserFromCommandLine(ctx, u.clinic, app.NewUser{Username: u.username, Name: "Test " + u.username,
			Role: u.role, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.username] = user
		if f.tokens[u.username], err = a.CreateAPITokenFromCommandLine(ctx, u.username, "tests"); err != nil {
			t.Fatal(err)
		}
	}
	dob, _ := ketaflow.ParseDate("1984-03-12")
	rec := patients.Record{LegalName: "Maria Alvarez", BirthDate: dob, Sex: patients.Female, Phone: "+1 555 010 0101",
		Allergies: "penicillin", Contraindications: []patients.Contraindication{patients.Pregnancy}}
	if f.patientA, err = a.CreatePatient(ctx, f.actor("nurse"), rec, &app.NewWeight{KG: 64, MeasuredAt: start.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rec.LegalName = "Bea Other-Clinic"
	if f.patientB, err = a.CreatePatient(ctx, f.actor("nurse-b"), rec, nil); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pages, err := ui.New(a, log)
	if err != nil {
		t.Fatal(err)
	}
	s, err := web.New(a, log, api.New(a, log), pages)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) actor(username string) access.Actor { return f.users[username].Actor("test") }

// api sends a JSON request with the user's API token and decodes the answer
// into out (when not nil). It returns the response (body already read).
func (f *fixture) api(username, method, path string, body any, out any, headers ...string) *http.Response {
	f.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	if username != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[username])
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp
}

// apiErr is the error body of the API.
type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// browser is a cookie-holding client that logs in through the login form.
type browser struct {
	f *fixture
	c *http.Client
}

func (f *fixture) login(username string) *browser {
	f.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{f: f, c: &http.Client{Jar: jar}}
	resp := b.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if resp.Request.URL.Path != "/patients" {
		f.t.Fatalf("login as %s ended at %s (status %d)", username, resp.Request.URL, resp.StatusCode)
	}
	return b
}

func (b *browser) get(path string) (*http.Response, *goquery.Document) {
	b.f.t.Helper()
	resp, err := b.c.Get(b.f.srv.URL + path)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		b.f.t.Fatal(err)
	}
	return resp, doc
}

// post submits a form as a same-origin browser would.
func (b *browser) post(path string, form url.Values) *http.Response {
	b.f.t.Helper()
	resp, _ := b.postDoc(path, form)
	return resp
}

func (b *browser) postDoc(path string, form url.Values) (*http.Response, *goquery.Document) {
	b.f.t.Helper()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		b.f.t.Fatal(err)
	}
	return resp, doc
}
