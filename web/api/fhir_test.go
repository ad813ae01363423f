package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/fhir"
	"github.com/ketaflow/ketaflow/fhir/fhirtest"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// exportEntries counts the record.export audit entries of a patient.
func exportEntries(t *testing.T, db *store.DB, clinicID, patientID string) int {
	t.Helper()
	n := 0
	err := db.View(context.Background(), func(tx *store.Tx) error {
		return tx.EachAuditEntry(clinicID, func(e audit.Entry) bool {
			if e.Action == "record.export" && e.PatientID == patientID && e.Outcome == audit.OK {
				n++
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPatientFHIRBundle: a clinician exports a patient in session as one
// Bundle that the R4 schema accepts, whose references all resolve inside it;
// the export is one audit entry; the other roles and clinics get nothing.
func TestPatientFHIRBundle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		visitID, _ := f.InSessionIV("Fern Export")
		var v struct {
			Visit struct {
				PatientID string `json:"patient_id"`
			} `json:"visit"`
		}
		f.API("nurse", "GET", "/api/v1/visits/"+visitID, nil, &v)
		path := "/api/v1/patients/" + v.Visit.PatientID + "/fhir"

		for _, who := range []string{"frontdesk", "admin"} {
			f.MustStatus(http.StatusForbidden, who, "GET", path, nil)
		}
		f.MustStatus(http.StatusNotFound, "nurse-b", "GET", path, nil)

		before := exportEntries(t, db, f.ClinicA.ID, v.Visit.PatientID)
		resp, err := f.Client.Do(authed(t, f, "therapist", path))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/fhir+json" {
			t.Fatalf("export: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if got := exportEntries(t, db, f.ClinicA.ID, v.Visit.PatientID) - before; got != 1 {
			t.Errorf("%d audit entries of the export, want 1", got)
		}
		var bundle struct {
			ResourceType string `json:"resourceType"`
			Type         string `json:"type"`
			Entry        []struct {
				FullURL  string          `json:"fullUrl"`
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(body, &bundle); err != nil {
			t.Fatal(err)
		}
		if bundle.ResourceType != "Bundle" || bundle.Type != "collection" {
			t.Errorf("a %s of type %s, want a collection Bundle", bundle.ResourceType, bundle.Type)
		}
		var rs []fhir.Resource
		types := map[string]int{}
		for _, e := range bundle.Entry {
			var head struct {
				ResourceType string `json:"resourceType"`
				ID           string `json:"id"`
			}
			if err := json.Unmarshal(e.Resource, &head); err != nil {
				t.Fatal(err)
			}
			if e.FullURL != "urn:uuid:"+head.ID {
				t.Errorf("entry %s/%s under %s", head.ResourceType, head.ID, e.FullURL)
			}
			types[head.ResourceType]++
			rs = append(rs, fhir.Resource{Type: head.ResourceType, ID: head.ID, JSON: e.Resource})
		}
		// In session: the vitals and weight, two questionnaires with their
		// totals, and the infusion running.
		for _, typ := range []string{"Patient", "Practitioner", "Encounter", "Observation", "QuestionnaireResponse", "Questionnaire", "MedicationAdministration"} {
			if types[typ] == 0 {
				t.Errorf("no %s in the bundle: %v", typ, types)
			}
		}
		if types["QuestionnaireResponse"] != 2 || types["Questionnaire"] != 2 || types["MedicationAdministration"] != 1 {
			t.Errorf("resources: %v", types)
		}
		bad, err := fhir.Unresolved(rs, fhir.BundleRefs)
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Errorf("unresolved references: %v", bad)
		}
		file := filepath.Join(t.TempDir(), "bundle.json")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		fhirtest.Validate(t, file)
	})
}
