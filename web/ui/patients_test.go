package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

func TestReadingPatientPageWritesOneAuditEntry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		b := f.Login("nurse")
		before := f.patientEntries(f.PatientA.ID)
		resp, doc := b.Get("/patients/" + f.PatientA.ID)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("patient page: got %d", resp.StatusCode)
		}
		after := f.patientEntries(f.PatientA.ID)
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
	f.T.Helper()
	entries, err := f.App.SearchAudit(context.Background(), f.Actor("admin"), app.AuditQuery{PatientID: patientID, Limit: 1000})
	if err != nil {
		f.T.Fatal(err)
	}
	return entries
}

func TestNewPatientFormShowsInlineErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		b := f.Login("nurse")
		resp, doc := b.PostDoc("/patients", url.Values{"legal_name": {"Test Person"}, "birth_date": {"2099-01-01"},
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

func TestFrontDeskAmendFormKeepsClinicalFields(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		b := f.Login("frontdesk")
		_, doc := b.Get("/patients/" + f.PatientA.ID + "/amend")
		if doc.Find("#allergies").Length() != 0 {
			t.Fatal("front desk amend form shows allergies")
		}
		form := url.Values{"version": {"1"}, "reason": {"moved house"}, "legal_name": {"Maria Alvarez"},
			"birth_date": {"1984-03-12"}, "sex": {"female"}, "phone": {"+1 555 010 0199"}}
		resp := b.Post("/patients/"+f.PatientA.ID+"/amend", form)
		if resp.Request.URL.Query().Get("done") != "amended" {
			t.Fatalf("amend ended at %s (%d)", resp.Request.URL, resp.StatusCode)
		}
		var p patients.Patient
		f.API("nurse", "GET", "/api/v1/patients/"+f.PatientA.ID, nil, &p)
		if p.Allergies != "penicillin" || len(p.Contraindications) != 1 || p.Phone != "+1 555 010 0199" {
			t.Errorf("after front desk amend: %+v", p)
		}
	})
}
