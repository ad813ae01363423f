package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestClinicContacts: a new clinic's answer lists the contacts to enter;
// PATCH /clinic refuses a bad number naming the field (nothing saved),
// refuses roles other than admin, and saves good ones, which clears the
// tasks and reaches the crisis texts.
func TestClinicContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		type clinic struct {
			Phone       string `json:"phone"`
			OnCallPhone string `json:"on_call_phone"`
			CrisisLine  string `json:"crisis_line"`
			SetupTasks  []struct {
				Field string `json:"field"`
				Task  string `json:"task"`
			} `json:"setup_tasks"`
		}
		var c clinic
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/clinic", nil, &c)
		if c.CrisisLine != "988" || len(c.SetupTasks) != 2 || c.SetupTasks[0].Field != "phone" || c.SetupTasks[1].Field != "on_call_phone" {
			t.Errorf("new clinic: %+v, want 988 and two tasks", c)
		}
		f.must(http.StatusOK, "admin", "GET", "/api/v1/clinic", nil, nil) // checked against openapi.json

		refused := []struct {
			name  string
			body  map[string]any
			field string
			want  string
		}{
			{"words_for_a_phone", map[string]any{"phone": "ask reception"}, "phone", "is not a phone number: use 7 to 15 digits"},
			{"placeholder_for_on_call", map[string]any{"on_call_phone": "[on-call number]"}, "on_call_phone", "is not a phone number"},
			{"crisis_line_emptied", map[string]any{"crisis_line": " "}, "crisis_line", "the crisis line is required: 988 in the US"},
		}
		for _, r := range refused {
			var e webtest.APIErr
			resp := f.API("admin", "PATCH", "/api/v1/clinic", r.body, &e)
			if resp.StatusCode != http.StatusBadRequest || e.Error.Field != r.field || !strings.Contains(e.Error.Message, r.want) {
				t.Errorf("%s: got %d %+v, want 400 on %s saying %q", r.name, resp.StatusCode, e.Error, r.field, r.want)
			}
		}
		if resp := f.API("nurse", "PATCH", "/api/v1/clinic", map[string]any{"phone": "+1 555 010 0300"}, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("nurse sets the clinic phone: got %d, want 403", resp.StatusCode)
		}
		f.must(http.StatusOK, "admin", "GET", "/api/v1/clinic", nil, &c)
		if c.Phone != "" || c.OnCallPhone != "" || c.CrisisLine != "988" {
			t.Errorf("refused changes saved: %+v", c)
		}

		f.must(http.StatusOK, "admin", "PATCH", "/api/v1/clinic", map[string]any{"phone": " +1 555 010 0300 ",
			"on_call_phone": "+1 555 010 0301", "crisis_line": "+1 555 010 0999"}, &c)
		if c.Phone != "+1 555 010 0300" || c.OnCallPhone != "+1 555 010 0301" || c.CrisisLine != "+1 555 010 0999" || len(c.SetupTasks) != 0 {
			t.Errorf("saved contacts: %+v", c)
		}

		// The texts are built from them: the safety alert's for staff.
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
		var sub struct {
			CrisisResources string `json:"crisis_resources"`
		}
		f.must(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+id+"/questionnaires", map[string]any{
			"phq9": []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, "gad7": webtest.CalmGAD7}, &sub)
		if !strings.Contains(sub.CrisisResources, "on-call prescriber on +1 555 010 0301") ||
			!strings.Contains(sub.CrisisResources, "Crisis line: +1 555 010 0999") || strings.Contains(sub.CrisisResources, "[") {
			t.Errorf("crisis resources %q, want the clinic's numbers", sub.CrisisResources)
		}
	})
}
