package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestCreatePatientValidationNamesTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"weight_zero_refused", map[string]any{"legal_name": "A B", "birth_date": "1980-01-01", "sex": "female",
			"weight": map[string]any{"kg": 0, "measured_at": webtest.Start.Format(time.RFC3339)}}, "weight_kg"},
		{"weight_700_refused", map[string]any{"legal_name": "A B", "birth_date": "1980-01-01", "sex": "female",
			"weight": map[string]any{"kg": 700, "measured_at": webtest.Start.Format(time.RFC3339)}}, "weight_kg"},
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
		t.Parallel()
		f := newFixture(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var e webtest.APIErr
				resp := f.API("nurse", "POST", "/api/v1/patients", tt.body, &e)
				if resp.StatusCode != http.StatusBadRequest || e.Error.Field != tt.field || e.Error.Message == "" {
					t.Errorf("got %d field %q message %q, want 400 naming %q", resp.StatusCode, e.Error.Field, e.Error.Message, tt.field)
				}
			})
		}
		var list struct{ Patients []patients.Patient }
		f.API("nurse", "GET", "/api/v1/patients?q=A+B", nil, &list)
		if len(list.Patients) != 0 {
			t.Errorf("a refused patient was saved: %+v", list.Patients)
		}
	})
}

func TestRegisterAndAmendKeepsEveryVersion(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		var p patients.Patient
		resp := f.API("frontdesk", "POST", "/api/v1/patients", map[string]any{"legal_name": "Kwame Mensah",
			"birth_date": "1982-04-14", "sex": "male", "phone": "+1 555 010 0171"}, &p)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") != `"v1"` || !strings.HasPrefix(p.MRN, "K") {
			t.Fatalf("create: got %d etag %q mrn %q", resp.StatusCode, resp.Header.Get("ETag"), p.MRN)
		}
		// Front desk may not set clinical fields.
		var e webtest.APIErr
		resp = f.API("frontdesk", "PATCH", "/api/v1/patients/"+p.ID, map[string]any{"reason": "told at desk",
			"record": map[string]any{"allergies": "nuts"}}, &e, "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusForbidden || e.Error.Field != "allergies" {
			t.Errorf("front desk sets allergies: got %d %+v, want 403 naming allergies", resp.StatusCode, e)
		}
		// A reason is required.
		resp = f.API("frontdesk", "PATCH", "/api/v1/patients/"+p.ID, map[string]any{"record": map[string]any{"phone": "+1 555 010 0999"}},
			&e, "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "reason" {
			t.Errorf("no reason: got %d %+v", resp.StatusCode, e)
		}
		resp = f.API("frontdesk", "PATCH", "/api/v1/patients/"+p.ID, map[string]any{"reason": "new phone given at check-in",
			"record": map[string]any{"phone": "+1 555 010 0999"}}, &p, "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusOK || p.Version != 2 || p.Phone != "+1 555 010 0999" {
			t.Fatalf("amend: got %d %+v", resp.StatusCode, p)
		}
		// An amendment of the old version is refused, not applied over the new one.
		resp = f.API("frontdesk", "PATCH", "/api/v1/patients/"+p.ID, map[string]any{"reason": "typo",
			"record": map[string]any{"phone": "+1 555 010 0000"}}, &e, "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("stale amend: got %d, want 412", resp.StatusCode)
		}
		var vs struct{ Versions []patients.Version }
		f.API("frontdesk", "GET", "/api/v1/patients/"+p.ID+"/versions", nil, &vs)
		if len(vs.Versions) != 2 || vs.Versions[0].Record.Phone != "+1 555 010 0171" || vs.Versions[1].Reason != "new phone given at check-in" {
			t.Errorf("versions: %+v", vs.Versions)
		}
		_, doc := f.Login("frontdesk").Get("/patients/" + p.ID + "/history")
		if got := doc.Find(".changes li").First().Text(); !strings.Contains(got, "+1 555 010 0171") || !strings.Contains(got, "+1 555 010 0999") {
			t.Errorf("history shows %q, want old and new phone", got)
		}
	})
}
