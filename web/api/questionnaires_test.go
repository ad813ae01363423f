package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// Answers cannot be replaced (issue 8, defect 10): the old paths, a second
// link, a second submission, front desk posting answers, are refused with
// the rule in words, and the visit is unchanged; a correction is an
// amendment that keeps the original.
func TestAnswersCannotBeReplaced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
		path := "/api/v1/visits/" + id

		// Two links: making the second voids the first.
		var a, b struct {
			URL string `json:"url"`
		}
		f.must(http.StatusCreated, "frontdesk", "POST", path+"/links", nil, &a)
		f.must(http.StatusCreated, "frontdesk", "POST", path+"/links", nil, &b)
		patient := &webtest.Browser{F: f.Fixture, Client: &http.Client{}}
		if resp, doc := patient.Get("/q/" + webtest.LinkToken(t, a.URL)); resp.StatusCode != http.StatusNotFound ||
			doc.Find(".problem").Length() != 1 {
			t.Errorf("the first link after a second was made: %d", resp.StatusCode)
		}
		if resp, _ := patient.PostDoc("/q/"+webtest.LinkToken(t, b.URL), webtest.LinkAnswers(2)); resp.StatusCode != http.StatusOK {
			t.Fatalf("the newest link: %d", resp.StatusCode)
		}
		before := f.VisitScreen("nurse", id)

		// The replacement of issue 8: an all-zero submission afterwards.
		zeros := map[string]any{"phq9": []int{0, 0, 0, 0, 0, 0, 0, 0, 0}, "gad7": []int{0, 0, 0, 0, 0, 0, 0}}
		f.refused(http.StatusConflict, "conflict", "nurse", "POST", path+"/questionnaires", zeros, "answered", "not replaced", "amend")
		f.refused(http.StatusForbidden, "forbidden", "frontdesk", "POST", path+"/questionnaires", zeros, "Front desk")
		f.refused(http.StatusConflict, "conflict", "frontdesk", "POST", path+"/links", nil, "answered")
		after := f.VisitScreen("nurse", id)
		if len(after.Questionnaires) != 2 || after.Gate.Status("questionnaires") != before.Gate.Status("questionnaires") ||
			after.Facts.SafetyAlert != "open" || *after.Questionnaires[0].Item9 != 2 {
			t.Errorf("the refused submissions changed the visit: %+v", after.Questionnaires)
		}

		// The correction is an amendment: a clinician's, with a reason,
		// of the current version.
		var phq string
		for _, q := range after.Questionnaires {
			if q.Instrument == "phq9" {
				phq = q.ID
			}
		}
		amend := map[string]any{"amends": phq, "reason": "Item 9 ticked by mistake; the patient said not at all",
			"answers": []int{1, 1, 1, 1, 1, 1, 1, 1, 0}}
		f.refused(http.StatusForbidden, "forbidden", "frontdesk", "POST", path+"/questionnaires/phq9/amendments", amend)
		f.refused(http.StatusBadRequest, "invalid", "nurse", "POST", path+"/questionnaires/phq9/amendments",
			map[string]any{"amends": phq, "reason": "typo", "answers": amend["answers"]}, "at least 10 characters")
		f.refused(http.StatusBadRequest, "invalid", "nurse", "POST", path+"/questionnaires/phq11/amendments", amend, "phq9", "gad7")
		var amended struct {
			Questionnaire  struct{ Version int }
			Alert          bool `json:"alert"`
			AlertStaysOpen bool `json:"alert_stays_open"`
		}
		f.must(http.StatusCreated, "nurse", "POST", path+"/questionnaires/phq9/amendments", amend, &amended)
		if amended.Questionnaire.Version != 2 || amended.Alert || !amended.AlertStaysOpen {
			t.Errorf("amendment lowering item 9: %+v; want version 2 and the open alert kept", amended)
		}
		f.refused(http.StatusConflict, "conflict", "prescriber", "POST", path+"/questionnaires/phq9/amendments", amend, "not the newest")
		s := f.VisitScreen("nurse", id)
		var versions []int
		for _, q := range s.Questionnaires {
			if q.Instrument == "phq9" {
				versions = append(versions, q.Version)
				if q.Version == 1 && (q.Current || *q.Item9 != 2) || q.Version == 2 && (!q.Current || q.Reason == "" || q.Source != "staff") {
					t.Errorf("version %d: %+v", q.Version, q)
				}
			}
		}
		if len(versions) != 2 || s.Facts.SafetyAlert != "open" || s.Gate.Status("safety_alert") != "block" {
			t.Errorf("after the amendment: versions %v, alert %s, safety check %s", versions, s.Facts.SafetyAlert, s.Gate.Status("safety_alert"))
		}
		// The steps of the questionnaires are named in openapi.json.
		var doc struct {
			Components struct {
				Schemas struct {
					Action struct {
						Properties struct {
							Name struct {
								Enum []string `json:"enum"`
							} `json:"name"`
						} `json:"properties"`
					} `json:"Action"`
				} `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, a := range s.Actions {
			if !slices.Contains(doc.Components.Schemas.Action.Properties.Name.Enum, a.Name) {
				t.Errorf("action %s is not in openapi.json's Action names", a.Name)
			}
		}
	})
}
