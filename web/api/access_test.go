package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestFrontDeskCannotReadClinicalFields(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		var p patients.Patient
		resp := f.API("frontdesk", "GET", "/api/v1/patients/"+f.PatientA.ID, nil, &p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d", resp.StatusCode)
		}
		if !p.ClinicalHidden || p.Allergies != "" || p.Weight != nil || len(p.Contraindications) != 0 {
			t.Errorf("front desk got clinical fields: %+v", p)
		}
		if p.LegalName != "Maria Alvarez" {
			t.Errorf("front desk must still see demographics, got %q", p.LegalName)
		}
		_, doc := f.Login("frontdesk").Get("/patients/" + f.PatientA.ID)
		if doc.Find("#contraindications").Length() != 0 || !strings.Contains(doc.Find("#clinical").Text(), "not shown") {
			t.Error("front desk page shows the clinical section")
		}
		// Asking for the weights directly is refused.
		if resp := f.API("frontdesk", "GET", "/api/v1/patients/"+f.PatientA.ID+"/weights", nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk weights: got %d, want 403", resp.StatusCode)
		}
		// A nurse sees them.
		p = patients.Patient{}
		f.API("nurse", "GET", "/api/v1/patients/"+f.PatientA.ID, nil, &p)
		if p.ClinicalHidden || p.Allergies != "penicillin" || p.Weight == nil || p.Weight.KG != 64 {
			t.Errorf("nurse: got %+v", p)
		}
	})
}

func TestNurseCannotAddUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		var e webtest.APIErr
		resp := f.API("nurse", "POST", "/api/v1/users", map[string]any{"username": "eve", "name": "Eve", "role": "admin",
			"password": "long enough password"}, &e)
		if resp.StatusCode != http.StatusForbidden || e.Error.Code != "forbidden" {
			t.Fatalf("nurse adds user: got %d %+v, want 403 forbidden", resp.StatusCode, e)
		}
		if n := f.deniedCount("user.manage", "nurse"); n != 1 {
			t.Errorf("denied user.manage entries for the nurse: got %d, want 1", n)
		}
		// The page is refused too.
		resp, _ = f.Login("nurse").Get("/admin/users")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("nurse opens users page: got %d, want 403", resp.StatusCode)
		}
		// An admin may.
		if resp := f.API("admin", "POST", "/api/v1/users", map[string]any{"username": "eve", "name": "Eve", "role": "nurse",
			"password": "long enough password"}, nil); resp.StatusCode != http.StatusCreated {
			t.Errorf("admin adds user: got %d, want 201", resp.StatusCode)
		}
	})
}

func (f *fixture) deniedCount(action, username string) int {
	f.T.Helper()
	entries, err := f.App.SearchAudit(context.Background(), f.Actor("admin"), app.AuditQuery{Action: action, UserID: f.Users[username].ID})
	if err != nil {
		f.T.Fatal(err)
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
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		var e webtest.APIErr
		resp := f.API("nurse", "GET", "/api/v1/patients/"+f.PatientB.ID, nil, &e)
		if resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Errorf("clinic A nurse reads clinic B patient: got %d %+v, want 404", resp.StatusCode, e)
		}
		resp = f.API("nurse", "PATCH", "/api/v1/patients/"+f.PatientB.ID, map[string]any{"reason": "x y z", "version": 1,
			"record": map[string]any{"phone": "+44 20 7946 0000"}}, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("clinic A nurse amends clinic B patient: got %d, want 404", resp.StatusCode)
		}
		if resp, _ := f.Login("nurse").Get("/patients/" + f.PatientB.ID); resp.StatusCode != http.StatusNotFound {
			t.Errorf("page: got %d, want 404", resp.StatusCode)
		}
	})
}

func TestAPIWithoutTokenIs401JSON(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		var e webtest.APIErr
		resp := f.API("", "GET", "/api/v1/patients", nil, &e)
		if resp.StatusCode != http.StatusUnauthorized || e.Error.Code != "unauthorized" {
			t.Errorf("got %d %+v, want 401 unauthorized", resp.StatusCode, e)
		}
		f.Tokens["bogus"] = "kft_not-a-token"
		resp = f.API("bogus", "GET", "/api/v1/patients", nil, &e)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("bogus token: got %d, want 401", resp.StatusCode)
		}
	})
}
