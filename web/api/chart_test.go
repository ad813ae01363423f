package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

type chartJSON struct {
	Patient struct {
		ID string `json:"id"`
	} `json:"patient"`
	Timeline []struct {
		Kind    string `json:"kind"`
		VisitID string `json:"visit_id"`
		Title   string `json:"title"`
	} `json:"timeline"`
	Scores []struct {
		Instrument string `json:"instrument"`
		MaxTotal   int    `json:"max_total"`
		Bands      []struct {
			Min, Max int
			Label    string
		} `json:"bands"`
		Points []struct {
			Total   int    `json:"total"`
			Outcome string `json:"outcome"`
		} `json:"points"`
		Baseline *struct {
			Total int `json:"total"`
		} `json:"baseline"`
		ResponseLine   float64 `json:"response_line"`
		RemissionBelow int     `json:"remission_below"`
	} `json:"scores"`
	Sessions []struct {
		VisitID     string `json:"visit_id"`
		FirstDoseAt *string
		Readings    []struct {
			Systolic int `json:"systolic"`
		} `json:"readings"`
		Limits struct {
			SingleSystolicAbove int `json:"single_systolic_above"`
			HRAbove             int `json:"hr_above"`
			SpO2Below           int `json:"spo2_below"`
		} `json:"limits"`
	} `json:"sessions"`
	ClinicalHidden bool `json:"clinical_hidden"`
}

// auditEntries counts clinic A's audit entries in the store.
func (f *fixture) auditEntries(db *store.DB) int {
	f.T.Helper()
	n := 0
	err := db.View(context.Background(), func(tx *store.Tx) error {
		return tx.EachAuditEntry(f.ClinicA.ID, func(audit.Entry) bool { n++; return true })
	})
	if err != nil {
		f.T.Fatal(err)
	}
	return n
}

// TestPatientChartAPI: GET /api/v1/patients/{id}/chart is the patient's
// scores with their lines, each session's vitals with its alert limits
// and the timeline, in one audited read, for the clinical roles; the
// visits only for front desk and the admin; nothing for another clinic.
func TestPatientChartAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.InSessionIV("Chart Patient")
		pid := f.VisitScreen("nurse", id).Patient.ID
		path := "/api/v1/patients/" + pid + "/chart"

		before := f.auditEntries(db)
		var c chartJSON
		f.must(http.StatusOK, "therapist", "GET", path, nil, &c)
		if n := f.auditEntries(db) - before; n != 1 {
			t.Errorf("the chart wrote %d audit entries, want 1", n)
		}
		if c.ClinicalHidden || c.Patient.ID != pid || len(c.Scores) != 2 {
			t.Fatalf("the therapist's chart: %+v", c)
		}
		phq := c.Scores[0]
		// CalmPHQ9 totals 8: the baseline; response at 4 or below.
		if phq.Instrument != "phq9" || phq.MaxTotal != 27 || len(phq.Bands) != 5 || len(phq.Points) != 1 || phq.Baseline == nil ||
			phq.Baseline.Total != 8 || phq.ResponseLine != 4 || phq.RemissionBelow != 5 || phq.Points[0].Outcome != "" {
			t.Errorf("PHQ-9: %+v", phq)
		}
		if g := c.Scores[1]; g.Instrument != "gad7" || g.ResponseLine != 0 || g.RemissionBelow != 0 || g.Baseline == nil {
			t.Errorf("GAD-7: %+v", g)
		}
		if len(c.Sessions) != 1 || c.Sessions[0].VisitID != id || len(c.Sessions[0].Readings) == 0 ||
			c.Sessions[0].Limits.SingleSystolicAbove != 200 || c.Sessions[0].Limits.HRAbove != 120 || c.Sessions[0].Limits.SpO2Below != 92 {
			t.Errorf("sessions: %+v", c.Sessions)
		}
		kinds := map[string]bool{}
		for _, e := range c.Timeline {
			kinds[e.Kind] = true
		}
		for _, k := range []string{"visit", "questionnaire", "order", "dose"} {
			if !kinds[k] {
				t.Errorf("the timeline has no %s entry: %+v", k, c.Timeline)
			}
		}

		for _, u := range []string{"frontdesk", "admin"} {
			var c chartJSON
			f.must(http.StatusOK, u, "GET", path, nil, &c)
			if !c.ClinicalHidden || len(c.Scores) != 0 || len(c.Sessions) != 0 || len(c.Timeline) != 1 || c.Timeline[0].Kind != "visit" {
				t.Errorf("%s sees clinical content in the chart: %+v", u, c)
			}
		}
		f.refused(http.StatusNotFound, "not_found", "nurse-b", "GET", path, nil)
		f.must(http.StatusUnauthorized, "", "GET", path, nil, nil)
	})
}

type worklistJSON struct {
	Role  string   `json:"role"`
	Kinds []string `json:"kinds"`
	Items []struct {
		Kind    string `json:"kind"`
		VisitID string `json:"visit_id"`
		AlertID string `json:"alert_id"`
		Step    string `json:"step"`
		Overdue bool   `json:"overdue"`
	} `json:"items"`
}

// TestWorklistAPI: GET /api/v1/worklist is the nurse's vitals due across
// the floor (overdue loudly) and the prescriber's alerts, each naming the
// visit and the step; other roles get an empty list.
func TestWorklistAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.InSessionIV("Work Patient")
		f.Clock.Advance(21 * time.Minute)

		var w worklistJSON
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/worklist", nil, &w)
		if w.Role != "nurse" || len(w.Kinds) != 2 || len(w.Items) == 0 {
			t.Fatalf("the nurse's worklist: %+v", w)
		}
		if it := w.Items[0]; it.Kind != "vitals" || it.VisitID != id || it.Step != "record_vitals" || !it.Overdue {
			t.Errorf("the nurse's first item: %+v, want the 15 min check overdue", it)
		}

		// A reading above 200 systolic is a severe alert for the prescriber.
		f.recordBP(id, 204, 100)
		f.must(http.StatusOK, "prescriber", "GET", "/api/v1/worklist", nil, &w)
		found := false
		for _, it := range w.Items {
			if it.Kind == "alert" && it.VisitID == id && it.AlertID != "" && it.Step == "acknowledge_alert" {
				found = true
			}
		}
		if !found {
			t.Errorf("the prescriber's worklist lacks the blood pressure alert: %+v", w)
		}
		f.must(http.StatusOK, "frontdesk", "GET", "/api/v1/worklist", nil, &w)
		if len(w.Kinds) != 0 || len(w.Items) != 0 {
			t.Errorf("front desk's worklist: %+v", w)
		}
		f.must(http.StatusUnauthorized, "", "GET", "/api/v1/worklist", nil, nil)
	})
}
