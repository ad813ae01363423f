package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

type protocolVersion struct {
	Number  int               `json:"number"`
	Reason  string            `json:"reason"`
	Rules   protocol.Protocol `json:"rules"`
	Changes []protocol.Change `json:"changes"`
}

func TestProtocolSaveMakesANewVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var cur protocolVersion
		f.api("nurse", "GET", "/api/v1/protocol", nil, &cur)
		if cur.Number != 1 || cur.Rules.Gate.BPBlockSystolic != 160 {
			t.Fatalf("a new clinic starts at version 1 with the defaults, got %d %d", cur.Number, cur.Rules.Gate.BPBlockSystolic)
		}
		body := map[string]any{"based_on": 1, "reason": "our medical director's limit",
			"values": map[string]string{"gate.bp_block_systolic": "150", "gate.bp_warn_systolic": "135"}}
		// A nurse may read the protocol but not change it.
		if resp := f.api("nurse", "POST", "/api/v1/protocol/versions", body, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("nurse saves protocol: got %d, want 403", resp.StatusCode)
		}
		var saved protocolVersion
		resp := f.api("admin", "POST", "/api/v1/protocol/versions", body, &saved)
		if resp.StatusCode != http.StatusCreated || saved.Number != 2 || saved.Rules.Gate.BPBlockSystolic != 150 || len(saved.Changes) != 2 {
			t.Fatalf("admin saves: got %d %+v", resp.StatusCode, saved)
		}
		// Saving again from version 1 is refused: it would undo version 2.
		var e apiErr
		if resp := f.api("admin", "POST", "/api/v1/protocol/versions", body, &e); resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("stale save: got %d %+v, want 412", resp.StatusCode, e)
		}
		// Version 1 still reads as it was.
		var v1 protocolVersion
		f.api("nurse", "GET", "/api/v1/protocol/versions/1", nil, &v1)
		if v1.Rules.Gate.BPBlockSystolic != 160 {
			t.Errorf("version 1 changed: %d", v1.Rules.Gate.BPBlockSystolic)
		}
	})
}

func TestProtocolSaveRefusesBadValues(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]string
		field  string
	}{
		{"warn_limit_above_block_limit_refused", map[string]string{"gate.bp_warn_systolic": "170"}, "gate.bp_warn_systolic"},
		{"negative_minutes_refused", map[string]string{"session.vitals_every_minutes": "-5"}, "session.vitals_every_minutes"},
		{"not_a_number_refused", map[string]string{"gate.spo2_block_below": "ninety"}, "gate.spo2_block_below"},
		{"unknown_setting_refused", map[string]string{"gate.vibes": "good"}, "gate.vibes"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var e apiErr
				resp := f.api("admin", "POST", "/api/v1/protocol/versions", map[string]any{"based_on": 1,
					"reason": "testing limits", "values": tt.values}, &e)
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.Error.Field+" "+e.Error.Message, tt.field) {
					t.Errorf("got %d %+v, want 400 naming %s", resp.StatusCode, e, tt.field)
				}
			})
		}
		var cur protocolVersion
		f.api("admin", "GET", "/api/v1/protocol", nil, &cur)
		if cur.Number != 1 {
			t.Errorf("a refused save made version %d", cur.Number)
		}
	})
}

func TestProtocolFormShowsErrorsInline(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	b := f.login("admin")
	resp, doc := b.get("/admin/protocol")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d", resp.StatusCode)
	}
	form := url.Values{"based_on": {"1"}, "reason": {"stricter SpO2"}}
	doc.Find("#protocol-form input, #protocol-form textarea").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		if typ, _ := s.Attr("type"); typ == "checkbox" {
			if _, checked := s.Attr("checked"); !checked {
				return
			}
		}
		val, _ := s.Attr("value")
		if s.Is("textarea") {
			val = s.Text()
		}
		if name != "" && name != "based_on" && name != "reason" {
			form.Add(name, val)
		}
	})
	form.Set("gate.spo2_warn_below", "90") // below the block limit of 92
	resp, doc = b.postDoc("/admin/protocol", form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", resp.StatusCode)
	}
	if msg := doc.Find(`input[name="gate.spo2_warn_below"]`).Parent().Find(".error-text").Text(); msg == "" {
		t.Error("no inline error beside the SpO2 warn limit")
	}
	if v, _ := doc.Find(`input[name="gate.spo2_warn_below"]`).Attr("value"); v != "90" {
		t.Errorf("the typed value was lost: %q", v)
	}
	form.Set("gate.spo2_warn_below", "96")
	resp = b.post("/admin/protocol", form)
	if !strings.HasSuffix(resp.Request.URL.Path, "/admin/protocol/versions/2") {
		t.Fatalf("save ended at %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	_, doc = b.get("/admin/protocol/versions/2")
	if got := doc.Find("#protocol-changes li").Text(); !strings.Contains(got, "95") || !strings.Contains(got, "96") {
		t.Errorf("version page changes: %q", got)
	}
}
