package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow/store"
)

// TestTherapistWorklist is issue 10's therapist: they land on the
// integration worklist of the demo clinic (at risk, due, missed, held),
// read the held session's signed note and the patient's journal, then book
// the session at risk: first at a time their calendar already holds (the
// clash is named, with the nearest free times), then at a free one.
// Screenshots of the worklist at 1280×800, 820×1180 and 390×844.
func TestTherapistWorklist(t *testing.T) {
	needChromium(t)
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			srv, a := demoServer(t, d)
			ctx := browser(t, 1280, 800)
			do(t, ctx, login(srv.URL, "therapist", "therapist-ketaflow"), chromedp.WaitVisible(chromedp.ID("integration-live")))
			if h := text(t, ctx, "h1"); h != "Integration sessions" {
				t.Fatalf("the therapist lands on %q, want the integration worklist", h)
			}
			for css, want := range map[string]string{"#at-risk": "Sofia Rossi", "#missed": "Miguel Santos", "#held": "Maria Elena Alvarez",
				"#due": "Daniel O'Brien"} {
				if got := text(t, ctx, css); !strings.Contains(got, want) {
					t.Errorf("%s: %q, want %s", css, got, want)
				}
			}
			if held := text(t, ctx, "#held"); !strings.Contains(held, "note signed") || !strings.Contains(held, "in the window") {
				t.Errorf("held: %q, want the note signed, in the window", held)
			}
			sizes := atThreeSizes(t, ctx, srv.URL)
			sizes("95-integration-worklist", "/integration", "")
			shot(t, ctx, "95-integration-worklist-full")

			// The held session: the note as amended, the original kept, the journal.
			do(t, ctx, loads(chromedp.Click(chromedp.Search(`//section[@id="held"]//a[contains(., "Maria Elena Alvarez")]`))),
				chromedp.WaitVisible(chromedp.ID("journal")))
			note, journal := text(t, ctx, "#note"), text(t, ctx, "#journal")
			if !strings.Contains(note, "PHQ-9 today 9") || !strings.Contains(note, "amended 1 time") {
				t.Errorf("note: %q", note)
			}
			if !strings.Contains(journal, "A wide river") || !strings.Contains(journal, "What I felt") {
				t.Errorf("journal: %q", journal)
			}
			shot(t, ctx, "96-integration-held")

			// The board's footer: the clinic's sessions at risk, due and missed.
			do(t, ctx, loads(chromedp.Navigate(srv.URL+"/board")), chromedp.WaitVisible(chromedp.ID("board-integration")))
			if f := text(t, ctx, "#board-integration"); !strings.Contains(f, "At risk") || !strings.Contains(f, "S. R.") ||
				!strings.Contains(f, "M. S.") || strings.Contains(f, "Sofia") {
				t.Errorf("board footer: %q, want the patients by initials", f)
			}
			view(t, ctx, "98-board-integration-footer", "#board-integration")

			// The session at risk, booked where the calendar is full: refused
			// with the clash and the nearest free times; then at a free time.
			cs, err := a.Clinics(t.Context())
			if err != nil || len(cs) != 1 {
				t.Fatalf("clinics %v: %v", cs, err)
			}
			loc := cs[0].Location()
			n := a.Clock.Now().In(loc).AddDate(0, 0, 1)
			clash := time.Date(n.Year(), n.Month(), n.Day(), 10, 20, 0, 0, loc)
			do(t, ctx, loads(chromedp.Navigate(srv.URL+"/integration")), chromedp.WaitVisible(chromedp.ID("integration-live")),
				loads(chromedp.Click(chromedp.Search(`//section[@id="at-risk"]//a[contains(., "Sofia Rossi")]`))),
				chromedp.WaitVisible(chromedp.ID("starts_at")),
				chromedp.SendKeys(chromedp.ID("starts_at"), clash.Format("2006-01-02 15:04")),
				loads(chromedp.Submit(chromedp.ID("starts_at"))),
				chromedp.WaitVisible(chromedp.ID("starts_at-error")))
			if e := text(t, ctx, "#starts_at-error"); !strings.Contains(e, "another integration session") || !strings.Contains(e, "nearest free times") {
				t.Errorf("clash: %q", e)
			}
			shot(t, ctx, "97-integration-clash")
			free := a.Clock.Now().In(loc).Add(2 * time.Hour).Truncate(15 * time.Minute)
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { document.getElementById("starts_at").value = ""; return true })()`)); err != nil {
				t.Fatal(err)
			}
			do(t, ctx, chromedp.SendKeys(chromedp.ID("starts_at"), free.Format("2006-01-02 15:04")),
				chromedp.Click(chromedp.Search(`//input[@name="mode" and @value="video"]`)),
				loads(chromedp.Submit(chromedp.ID("starts_at"))), notice("Integration session booked"))
			if b := text(t, ctx, "#booking-now"); !strings.Contains(b, "By video") || !strings.Contains(b, free.Format("15:04")) {
				t.Errorf("booking: %q", b)
			}
		})
	}
}
