package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

func TestLoginAndPatientList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.login("frontdesk")
		resp, doc := b.get("/patients")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /patients: got %d, want 200", resp.StatusCode)
		}
		names := doc.Find("#patient-list tbody tr td a.rowlink").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
		if want := []string{"Maria Alvarez"}; strings.Join(names, ",") != strings.Join(want, ",") {
			t.Errorf("patient list: got %v, want %v (clinic B's patient must not show)", names, want)
		}
		if got := doc.Find(".who strong").Text(); got != "Test frontdesk" {
			t.Errorf("header user: got %q", got)
		}
		// Logging out ends the login: the cookie no longer works.
		b.post("/logout", nil)
		resp, _ = b.get("/patients")
		if resp.Request.URL.Path != "/login" {
			t.Errorf("after logout, /patients ended at %s, want /login", resp.Request.URL.Path)
		}
	})
}

func TestWrongPasswordIsRefusedAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.login("nurse")
		resp, doc := b.postDoc("/login", url.Values{"username": {"nurse"}, "password": {"wrong password!"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong password: got %d, want 401", resp.StatusCode)
		}
		if msg := doc.Find(".problem").Text(); !strings.Contains(strings.ToLower(msg), "wrong username or password") {
			t.Errorf("message %q does not say the login failed", msg)
		}
		entries, err := f.app.SearchAudit(context.Background(), f.actor("admin"), store.AuditQuery{Action: "auth.login"})
		if err != nil {
			t.Fatal(err)
		}
		var ok, failed int
		for _, e := range entries {
			switch e.Outcome {
			case audit.OK:
				ok++
			case audit.Failed:
				failed++
			}
		}
		if ok != 1 || failed != 1 {
			t.Errorf("login audit: got %d ok and %d failed, want 1 and 1", ok, failed)
		}
	})
}

func TestAccountLocksAfterRepeatedFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for range 5 {
			if _, _, err := f.app.Login(ctx, "nurse", "not the password", "10.0.0.9"); err == nil {
				t.Fatal("wrong password accepted")
			}
		}
		// The right password is refused while the account is locked...
		if _, _, err := f.app.Login(ctx, "nurse", testPassword, "10.0.0.9"); err == nil || !strings.Contains(err.Error(), "try again") {
			t.Fatalf("locked account: got %v, want a rate-limit refusal", err)
		}
		// ...and accepted once the lock has passed.
		f.clock.Advance(16 * time.Minute)
		if _, _, err := f.app.Login(ctx, "nurse", testPassword, "10.0.0.9"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
	})
}

func TestLoginIdleTimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.login("nurse")
		f.clock.Advance(14 * time.Minute)
		if resp, _ := b.get("/patients"); resp.Request.URL.Path != "/patients" {
			t.Fatalf("after 14 idle minutes: ended at %s, want still logged in", resp.Request.URL.Path)
		}
		f.clock.Advance(15 * time.Minute)
		if resp, _ := b.get("/patients"); resp.Request.URL.Path != "/login" {
			t.Fatalf("after 15 idle minutes: ended at %s, want /login", resp.Request.URL.Path)
		}
	})
}

func TestReadingPatientPageWritesOneAuditEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.login("nurse")
		before := f.patientEntries(f.patientA.ID)
		resp, doc := b.get("/patients/" + f.patientA.ID)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("patient page: got %d", resp.StatusCode)
		}
		after := f.patientEntries(f.patientA.ID)
		if len(after)-len(before) != 1 || after[0].Action != "patient.read" || after[0].Username != "nurse" || after[0].Category != "clinical" {
			t.Errorf("audit entries naming the patient: got %d new (%+v), want one patient.read by the nurse", len(after)-len(before), after[0])
		}
		if got := doc.Find("#weight").Text(); !strings.Contains(got, "64 kg") {
			t.Errorf("nurse sees weight %q, want 64 kg", got)
		}
	})
}

// patientEntries lists clinic A's audit entries naming a patient, newest first.
func (f *fixture) patientEntries(patientID string) []audit.Entry {
	f.t.Helper()
	entries, err := f.app.SearchAudit(context.Background(), f.actor("admin"), store.AuditQuery{PatientID: patientID, Limit: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	return entries
}

func TestFrontDeskCannotReadClinicalFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var p patients.Patient
		resp := f.api("frontdesk", "GET", "/api/v1/patients/"+f.patientA.ID, nil, &p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d", resp.StatusCode)
		}
		if !p.ClinicalHidden || p.Allergies != "" || p.Weight != nil || len(p.Contraindications) != 0 {
			t.Errorf("front desk got clinical fields: %+v", p)
		}
		if p.LegalName != "Maria Alvarez" {
			t.Errorf("front desk must still see demographics, got %q", p.LegalName)
		}
		_, doc := f.login("frontdesk").get("/patients/" + f.patientA.ID)
		if doc.Find("#contraindications").Length() != 0 || !strings.Contains(doc.Find("#clinical").Text(), "not shown") {
			t.Error("front desk page shows the clinical section")
		}
		// Asking for the weights directly is refused.
		if resp := f.api("frontdesk", "GET", "/api/v1/patients/"+f.patientA.ID+"/weights", nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk weights: got %d, want 403", resp.StatusCode)
		}
		// A nurse sees them.
		p = patients.Patient{}
		f.api("nurse", "GET", "/api/v1/patients/"+f.patientA.ID, nil, &p)
		if p.ClinicalHidden || p.Allergies != "penicillin" || p.Weight == nil || p.Weight.KG != 64 {
			t.Errorf("nurse: got %+v", p)
		}
	})
}

func TestNurseCannotAddUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var e apiErr
		resp := f.api("nurse", "POST", "/api/v1/users", map[string]any{"username": "eve", "name": "Eve", "role": "admin",
			"password": "long enough password"}, &e)
		if resp.StatusCode != http.StatusForbidden || e.Error.Code != "forbidden" {
			t.Fatalf("nurse adds user: got %d %+v, want 403 forbidden", resp.StatusCode, e)
		}
		if n := f.deniedCount("user.manage", "nurse"); n != 1 {
			t.Errorf("denied user.manage entries for the nurse: got %d, want 1", n)
		}
		// The page is refused too.
		resp, _ = f.login("nurse").get("/admin/users")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("nurse opens users page: got %d, want 403", resp.StatusCode)
		}
		// An admin may.
		if resp := f.api("admin", "POST", "/api/v1/users", map[string]any{"username": "eve", "name": "Eve", "role": "nurse",
			"password": "long enough password"}, nil); resp.StatusCode != http.StatusCreated {
			t.Errorf("admin adds user: got %d, want 201", resp.StatusCode)
		}
	})
}

func (f *fixture) deniedCount(action, username string) int {
	f.t.Helper()
	entries, err := f.app.SearchAudit(context.Background(), f.actor("admin"), store.AuditQuery{Action: action, UserID: f.users[username].ID})
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Outcome == audit.Denied {
			n++
		}
	}
	return n
}

func TestOtherClinicsPatientIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var e apiErr
		resp := f.api("nurse", "GET", "/api/v1/patients/"+f.patientB.ID, nil, &e)
		if resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Errorf("clinic A nurse reads clinic B patient: got %d %+v, want 404", resp.StatusCode, e)
		}
		resp = f.api("nurse", "PATCH", "/api/v1/patients/"+f.patientB.ID, map[string]any{"reason": "x y z", "version": 1,
			"record": map[string]any{"phone": "+44 20 7946 0000"}}, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("clinic A nurse amends clinic B patient: got %d, want 404", resp.StatusCode)
		}
		if resp, _ := f.login("nurse").get("/patients/" + f.patientB.ID); resp.StatusCode != http.StatusNotFound {
			t.Errorf("page: got %d, want 404", resp.StatusCode)
		}
	})
}

func TestCreatePatientValidationNamesTheField(t *testing.T) {
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"weight_zero_refused", map[string]any{"legal_name": "A B", "birth_date": "1980-01-01", "sex": "female",
			"weight": map[string]any{"kg": 0, "measured_at": start.Format(time.RFC3339)}}, "weight_kg"},
		{"weight_700_refused", map[string]any{"legal_name": "A B", "birth_date": "1980-01-01", "sex": "female",
			"weight": map[string]any{"kg": 700, "measured_at": start.Format(time.RFC3339)}}, "weight_kg"},
		{"birth_date_in_future_refused", map[string]any{"legal_name": "A B", "birth_date": "2030-01-01", "sex": "female"}, "birth_date"},
		{"birth_date_malformed_refused", map[string]any{"legal_name": "A B", "birth_date": "31/12/1980", "sex": "female"}, "birth_date"},
		{"phone_malformed_refused", map[string]any{"legal_name": "A B", "birth_date": "1980-01-01", "sex": "female", "phone": "call me"}, "phone"},
		{"missing_name_refused", map[string]any{"birth_date": "1980-01-01", "sex": "female"}, "legal_name"},
		{"unknown_field_refused", map[string]any{"legal_name": "A B", "birth_date": "1980-01-01", "sex": "female", "shoe_size": 9}, "shoe_size"},
		{"wrong_type_refused", map[string]any{"legal_name": "A B", "birth_date": "1980-01-01", "sex": "female", "height_cm": "tall"}, "height_cm"},
		{"bad_measured_at_refused", map[string]any{"legal_name": "A B", "birth_date": "1980-01-01", "sex": "female",
			"weight": map[string]any{"kg": 70, "measured_at": "yesterday"}}, "weight.measured_at"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var e apiErr
				resp := f.api("nurse", "POST", "/api/v1/patients", tt.body, &e)
				if resp.StatusCode != http.StatusBadRequest || e.Error.Field != tt.field || e.Error.Message == "" {
					t.Errorf("got %d field %q message %q, want 400 naming %q", resp.StatusCode, e.Error.Field, e.Error.Message, tt.field)
				}
			})
		}
		var list struct{ Patients []patients.Patient }
		f.api("nurse", "GET", "/api/v1/patients?q=A+B", nil, &list)
		if len(list.Patients) != 0 {
			t.Errorf("a refused patient was saved: %+v", list.Patients)
		}
	})
}

func TestNewPatientFormShowsInlineErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.login("nurse")
		resp, doc := b.postDoc("/patients", url.Values{"legal_name": {"Test Person"}, "birth_date": {"2099-01-01"},
			"sex": {"female"}, "phone": {"12"}, "clinical_shown": {"1"}, "weight_kg": {"64"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", resp.StatusCode)
		}
		for _, field := range []string{"birth_date", "phone"} {
			sel := doc.Find("#" + field).Parent()
			if !sel.HasClass("field-error") || sel.Find(".error-text").Text() == "" {
				t.Errorf("field %s has no inline error", field)
			}
		}
		if v, _ := doc.Find("#legal_name").Attr("value"); v != "Test Person" {
			t.Errorf("the typed name was lost: %q", v)
		}
	})
}

func TestRegisterAndAmendKeepsEveryVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var p patients.Patient
		resp := f.api("frontdesk", "POST", "/api/v1/patients", map[string]any{"legal_name": "Kwame Mensah",
			"birth_date": "1982-04-14", "sex": "male", "phone": "+1 555 010 0171"}, &p)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") != `"v1"` || !strings.HasPrefix(p.MRN, "K") {
			t.Fatalf("create: got %d etag %q mrn %q", resp.StatusCode, resp.Header.Get("ETag"), p.MRN)
		}
		// Front desk may not set clinical fields.
		var e apiErr
		resp = f.api("frontdesk", "PATCH", "/api/v1/patients/"+p.ID, map[string]any{"reason": "told at desk",
			"record": map[string]any{"allergies": "nuts"}}, &e, "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusForbidden || e.Error.Field != "allergies" {
			t.Errorf("front desk sets allergies: got %d %+v, want 403 naming allergies", resp.StatusCode, e)
		}
		// A reason is required.
		resp = f.api("frontdesk", "PATCH", "/api/v1/patients/"+p.ID, map[string]any{"record": map[string]any{"phone": "+1 555 010 0999"}},
			&e, "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "reason" {
			t.Errorf("no reason: got %d %+v", resp.StatusCode, e)
		}
		resp = f.api("frontdesk", "PATCH", "/api/v1/patients/"+p.ID, map[string]any{"reason": "new phone given at check-in",
			"record": map[string]any{"phone": "+1 555 010 0999"}}, &p, "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusOK || p.Version != 2 || p.Phone != "+1 555 010 0999" {
			t.Fatalf("amend: got %d %+v", resp.StatusCode, p)
		}
		// An amendment of the old version is refused, not applied over the new one.
		resp = f.api("frontdesk", "PATCH", "/api/v1/patients/"+p.ID, map[string]any{"reason": "typo",
			"record": map[string]any{"phone": "+1 555 010 0000"}}, &e, "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("stale amend: got %d, want 412", resp.StatusCode)
		}
		var vs struct{ Versions []patients.Version }
		f.api("frontdesk", "GET", "/api/v1/patients/"+p.ID+"/versions", nil, &vs)
		if len(vs.Versions) != 2 || vs.Versions[0].Record.Phone != "+1 555 010 0171" || vs.Versions[1].Reason != "new phone given at check-in" {
			t.Errorf("versions: %+v", vs.Versions)
		}
		_, doc := f.login("frontdesk").get("/patients/" + p.ID + "/history")
		if got := doc.Find(".changes li").First().Text(); !strings.Contains(got, "+1 555 010 0171") || !strings.Contains(got, "+1 555 010 0999") {
			t.Errorf("history shows %q, want old and new phone", got)
		}
	})
}

func TestFrontDeskAmendFormKeepsClinicalFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.login("frontdesk")
		_, doc := b.get("/patients/" + f.patientA.ID + "/amend")
		if doc.Find("#allergies").Length() != 0 {
			t.Fatal("front desk amend form shows allergies")
		}
		form := url.Values{"version": {"1"}, "reason": {"moved house"}, "legal_name": {"Maria Alvarez"},
			"birth_date": {"1984-03-12"}, "sex": {"female"}, "phone": {"+1 555 010 0199"}}
		resp := b.post("/patients/"+f.patientA.ID+"/amend", form)
		if resp.Request.URL.Query().Get("done") != "amended" {
			t.Fatalf("amend ended at %s (%d)", resp.Request.URL, resp.StatusCode)
		}
		var p patients.Patient
		f.api("nurse", "GET", "/api/v1/patients/"+f.patientA.ID, nil, &p)
		if p.Allergies != "penicillin" || len(p.Contraindications) != 1 || p.Phone != "+1 555 010 0199" {
			t.Errorf("after front desk amend: %+v", p)
		}
	})
}

func TestCrossSiteFormPostIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.login("admin")
		req, _ := http.NewRequest("POST", f.srv.URL+"/admin/users", strings.NewReader("username=evil&name=Evil&role=admin&password=0123456789ab"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site post: got %d, want 403", resp.StatusCode)
		}
		if _, _, err := f.app.Login(context.Background(), "evil", "0123456789ab", "x"); err == nil {
			t.Error("the cross-site post created a user")
		}
	})
}

func TestHealthz(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if resp := f.api("", "GET", "/healthz", nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("healthz: got %d", resp.StatusCode)
		}
		db.Close()
		if resp := f.api("", "GET", "/healthz", nil, nil); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("healthz with the database closed: got %d, want 503", resp.StatusCode)
		}
	})
}

func TestAPIWithoutTokenIs401JSON(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var e apiErr
		resp := f.api("", "GET", "/api/v1/patients", nil, &e)
		if resp.StatusCode != http.StatusUnauthorized || e.Error.Code != "unauthorized" {
			t.Errorf("got %d %+v, want 401 unauthorized", resp.StatusCode, e)
		}
		f.tokens["bogus"] = "kft_not-a-token"
		resp = f.api("bogus", "GET", "/api/v1/patients", nil, &e)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("bogus token: got %d, want 401", resp.StatusCode)
		}
	})
}
