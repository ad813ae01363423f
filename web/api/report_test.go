package api_test

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/api"
)

// TestOutcomesReportAndCSV: the report and its CSVs, and who may read them.
func TestOutcomesReportAndCSV(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		visitID, _ := f.InSessionIV("Gus Outcome")
		var v struct {
			Visit struct {
				PatientID string `json:"patient_id"`
			} `json:"visit"`
		}
		f.API("nurse", "GET", "/api/v1/visits/"+visitID, nil, &v)

		var rep struct {
			All struct {
				Courses  int `json:"courses"`
				Response struct {
					Count int      `json:"count"`
					Of    int      `json:"of"`
					Rate  *float64 `json:"rate"`
				} `json:"response"`
			} `json:"all"`
			Groupings []struct {
				ID     string `json:"id"`
				Groups []struct {
					Label string `json:"label"`
				} `json:"groups"`
			} `json:"groupings"`
			GuideRemission struct {
				Low, High float64
			} `json:"guide_remission"`
		}
		if resp := f.API("admin", "GET", "/api/v1/reports/outcomes", nil, &rep); resp.StatusCode != http.StatusOK {
			t.Fatalf("admin report: %d", resp.StatusCode)
		}
		// One course, one score: counted, not assessed, no rate.
		if rep.All.Courses != 1 || rep.All.Response.Of != 0 || rep.All.Response.Rate != nil || len(rep.Groupings) != 3 ||
			rep.GuideRemission.Low != 0.5 || rep.GuideRemission.High != 0.7 {
			t.Errorf("report: %+v", rep)
		}
		f.MustStatus(http.StatusForbidden, "frontdesk", "GET", "/api/v1/reports/outcomes", nil)
		f.MustStatus(http.StatusForbidden, "admin", "GET", "/api/v1/reports/outcomes/courses.csv", nil)

		read := func(who, path string) [][]string {
			t.Helper()
			resp, err := f.Client.Do(authed(t, f, who, path))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			rows, err := csv.NewReader(resp.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		rates := read("admin", "/api/v1/reports/outcomes.csv")
		if !slices.Equal(rates[0], api.RatesCSVHeader) || rates[1][0] != "all" || rates[1][2] != "1" || rates[1][5] != "" {
			t.Errorf("rates CSV: %v", rates)
		}
		courses := read("therapist", "/api/v1/reports/outcomes/courses.csv")
		if len(courses) != 2 || !slices.Equal(courses[0], api.CoursesCSVHeader) || courses[1][0] != v.Visit.PatientID ||
			courses[1][2] != "iv" || courses[1][13] != "no" {
			t.Errorf("courses CSV: %v", courses)
		}

		var po struct {
			Courses []struct {
				Route    string `json:"route"`
				Assessed bool   `json:"assessed"`
				PHQ9     struct {
					Scores   int `json:"scores"`
					Baseline *struct {
						Total int `json:"total"`
					} `json:"baseline"`
				} `json:"phq9"`
			} `json:"courses"`
		}
		if resp := f.API("therapist", "GET", "/api/v1/patients/"+v.Visit.PatientID+"/outcomes", nil, &po); resp.StatusCode != http.StatusOK {
			t.Fatalf("patient outcomes: %d", resp.StatusCode)
		}
		if len(po.Courses) != 1 || po.Courses[0].Route != "iv" || po.Courses[0].Assessed || po.Courses[0].PHQ9.Scores != 1 ||
			po.Courses[0].PHQ9.Baseline == nil {
			t.Errorf("patient outcomes: %+v", po)
		}
		f.MustStatus(http.StatusForbidden, "frontdesk", "GET", "/api/v1/patients/"+v.Visit.PatientID+"/outcomes", nil)
		f.MustStatus(http.StatusNotFound, "nurse-b", "GET", "/api/v1/patients/"+v.Visit.PatientID+"/outcomes", nil)
	})
}
