package ui_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestReportsPage: the report draws each grouping as a chart with its
// numbers in a table beside it, links its CSVs, and says what a course is
// for now; front desk has no report.
func TestReportsPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.InSessionIV("Hal Report")
		resp, doc := f.Login("prescriber").Get("/reports")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reports: %d", resp.StatusCode)
		}
		for _, id := range []string{"fig-all", "fig-route", "fig-sessions", "fig-period"} {
			fig := doc.Find("#" + id)
			if fig.Length() != 1 || fig.Find("svg[role=img] title").Length() != 1 || fig.Find("table.report-table").Length() != 1 {
				t.Errorf("%s: a chart with its title and a table, got %d figures", id, fig.Length())
			}
		}
		if got := doc.Find("#fig-route tbody tr").Length(); got != 3 {
			t.Errorf("%d routes in the table, want 3", got)
		}
		var cells []string
		doc.Find("#fig-route tbody tr").First().Find("th, td").Each(func(_ int, s *goquery.Selection) {
			cells = append(cells, strings.TrimSpace(s.Text()))
		})
		if row := strings.Join(cells, "|"); row != "IV infusion|1|0|0|—|0|—" {
			t.Errorf("IV row %q", row)
		}
		if doc.Find(`a[href="/api/v1/reports/outcomes.csv"]`).Length() != 1 || doc.Find(`a[href="/api/v1/reports/outcomes/courses.csv"]`).Length() != 1 {
			t.Error("CSV links missing")
		}
		if s := doc.Find("#guide-compare").Text(); !strings.Contains(s, "50%–70%") || !strings.Contains(s, "no course assessed yet") {
			t.Errorf("guide comparison %q", s)
		}
		if doc.Find(`nav a[href="/reports"]`).Length() != 1 {
			t.Error("no Reports link in the navigation")
		}
		_, doc = f.Login("admin").Get("/reports")
		if doc.Find(`a[href="/api/v1/reports/outcomes/courses.csv"]`).Length() != 0 {
			t.Error("admin is offered the per-course CSV")
		}
		if resp, _ := f.Login("frontdesk").Get("/reports"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk: %d, want 403", resp.StatusCode)
		}
	})
}

// TestPatientChartOutcomes: the chart shows each course's outcome to the
// roles that see scores, with the FHIR export for the clinical roles, and
// neither to front desk.
func TestPatientChartOutcomes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		visitID, _ := f.InSessionIV("Ida Chart")
		var v struct {
			Visit struct {
				PatientID string `json:"patient_id"`
			} `json:"visit"`
		}
		f.API("nurse", "GET", "/api/v1/visits/"+visitID, nil, &v)
		path := "/patients/" + v.Visit.PatientID
		_, doc := f.Login("therapist").Get(path)
		row := doc.Find("#outcome-list tbody tr")
		if row.Length() != 1 || strings.TrimSpace(row.Find("th").Text()) != "IV infusion" ||
			!strings.Contains(row.Text(), "No outcome yet: one PHQ-9 so far") {
			t.Errorf("outcomes: %q", row.Text())
		}
		if doc.Find(`a[href="/api/v1/patients/`+v.Visit.PatientID+`/fhir"]`).Length() != 1 {
			t.Error("no FHIR export link for the therapist")
		}
		_, doc = f.Login("frontdesk").Get(path)
		if doc.Find("#outcomes").Length() != 0 || doc.Find(`a[href$="/fhir"]`).Length() != 0 {
			t.Error("front desk sees outcomes or the FHIR export")
		}
	})
}
