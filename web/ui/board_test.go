package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestBoardPage: the floor board is a tile per chair, drawn from the
// board view: for the nurse the session's clock and the overdue vitals,
// loudly (words and a sign); for front desk who is where, and nothing
// clinical. The nurse lands on it after login, front desk on Patients.
func TestBoardPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		var chair struct {
			ID string `json:"id"`
		}
		f.API("admin", "POST", "/api/v1/chairs", map[string]any{"name": "Chair 1"}, &chair)
		f.MustStatus(http.StatusCreated, "frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": f.PatientA.ID,
			"route": "iv", "chair_id": chair.ID, "scheduled_at": f.Clock.Now().Add(3 * time.Hour).Format(time.RFC3339),
			"comfort": map[string]any{"eye_mask": true, "music": "silence"}})
		f.InSessionIV("Page Patient")
		f.Clock.Advance(21 * time.Minute)

		nurse := f.Login("nurse") // lands on the board (Login checks it)
		resp, doc := nurse.Get("/board")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /board: %d", resp.StatusCode)
		}
		if doc.Find(`nav a[href="/board"][aria-current="page"]`).Length() != 1 {
			t.Error("the navigation does not mark the board")
		}
		if b := doc.Find("#board"); b.AttrOr("data-events", "") != "/api/v1/board/events" || b.AttrOr("data-cursor", "") == "" {
			t.Errorf("the board's stream: %q from %q", b.AttrOr("data-events", ""), b.AttrOr("data-cursor", ""))
		}
		empty := doc.Find(`section.tile[data-chair="Chair 1"]`)
		if !empty.HasClass("tile-empty") || !strings.Contains(empty.Find(".tile-next").Text(), "M. A.") ||
			!strings.Contains(empty.Find(".tile-next").Text(), "eye mask") {
			t.Errorf("chair 1: %q", empty.Text())
		}
		tile := doc.Find(`section.tile[data-chair="No chair"] .tile-visit`)
		if p := tile.Find(".tile-patient").Text(); p != "P. P." {
			t.Errorf("the patient with no chair: %q", p)
		}
		if o := tile.Find(".tile-overdue").Text(); !strings.Contains(o, "⚠") || !strings.Contains(o, "VITALS OVERDUE") || !strings.Contains(o, "15 min") {
			t.Errorf("the overdue check: %q", o)
		}
		if tile.Find(".tile-overdue").AttrOr("role", "") != "alert" {
			t.Error("the overdue check is not announced")
		}
		if ph := tile.Find(".tile-phase").Text(); ph == "" || tile.Find(".tile-phase [data-board-until]").Length() != 1 {
			t.Errorf("the phase clock: %q", ph)
		}
		if d := tile.Find(".tile-discharge").Text(); !strings.Contains(d, "in 69 min") {
			t.Errorf("the earliest discharge: %q", d)
		}
		if doc.Find("#board-sound-box").Length() != 1 {
			t.Error("a clinical screen is not offered sound")
		}
		if href := doc.Find("#board-downtime").AttrOr("href", ""); href != "/board/downtime.pdf" {
			t.Errorf("the board offers the downtime sheet at %q", href)
		}
		if resp, _ := nurse.Get("/board/downtime.pdf"); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("GET /board/downtime.pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}

		desk := f.Login("frontdesk") // lands on Patients (Login checks it)
		_, doc = desk.Get("/board")
		tile = doc.Find(`section.tile[data-chair="No chair"] .tile-visit`)
		if tile.Find(".tile-patient").Text() != "P. P." || !strings.Contains(tile.Find(".state-label").Text(), "In session") {
			t.Errorf("front desk's tile: %q", tile.Text())
		}
		for _, css := range []string{".tile-phase", ".tile-overdue", ".tile-discharge", ".tile-vitals", ".tile-alerts", ".tile-due", ".tile-infusion", "#board-sound-box", "#board-downtime"} {
			if doc.Find(css).Length() != 0 {
				t.Errorf("front desk sees %s: %q", css, doc.Find(css).Text())
			}
		}
		if doc.Find("#board-hidden").Length() != 1 {
			t.Error("front desk's board does not say who sees the rest")
		}

		// A login with somewhere to go goes there.
		resp = nurse.Post("/login", url.Values{"username": {"nurse"}, "password": {"correct horse battery"}, "next": {"/alerts"}})
		if resp.Request.URL.Path != "/alerts" {
			t.Errorf("login with next=/alerts ended at %s", resp.Request.URL.Path)
		}
	})
}
