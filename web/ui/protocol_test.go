package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

func TestProtocolFormShowsErrorsInline(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	b := f.Login("admin")
	resp, doc := b.Get("/admin/protocol")
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
	resp, doc = b.PostDoc("/admin/protocol", form)
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
	resp = b.Post("/admin/protocol", form)
	if !strings.HasSuffix(resp.Request.URL.Path, "/admin/protocol/versions/2") {
		t.Fatalf("save ended at %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	_, doc = b.Get("/admin/protocol/versions/2")
	if got := doc.Find("#protocol-changes li").Text(); !strings.Contains(got, "95") || !strings.Contains(got, "96") {
		t.Errorf("version page changes: %q", got)
	}
}
