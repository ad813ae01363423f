package ui_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// The paths issue 8's review found around alerts, on the pages.

// TestAlertCardsAreDrawnFromTheirActions: a card offers the steps its
// alert's actions allow the reader, and says why for the ones refused. The
// nurse's card of a severe alert for the prescriber (which before the
// review offered her the acknowledgement and the resolution) offers a note
// and says the prescriber acknowledges it; the prescriber's offers the
// acknowledgement.
func TestAlertCardsAreDrawnFromTheirActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, first := f.InSessionIV("Card Actions")
		nurse, rx := f.Login("nurse"), f.Login("prescriber")
		f.at(first, 1)
		vitalsForm(t, nurse, id, "systolic", "210", "diastolic", "125", "spo2", "89")

		_, doc := nurse.Get("/alerts")
		var severe, spo2 string
		doc.Find("#alert-list article.alert-card").Each(func(_ int, c *goquery.Selection) {
			switch h := c.Find("h3").Text(); {
			case strings.Contains(h, "Blood pressure very high"):
				severe = strings.TrimPrefix(c.AttrOr("id", ""), "alert-")
			case strings.Contains(h, "Oxygen saturation low"):
				spo2 = strings.TrimPrefix(c.AttrOr("id", ""), "alert-")
			}
		})
		if severe == "" || spo2 == "" {
			t.Fatalf("the nurse's Alerts page: %q", doc.Find("#alert-list").Text())
		}
		card := doc.Find("#alert-" + severe)
		if card.Find("form#acknowledge-"+severe).Length() != 0 || card.Find("form#resolve-"+severe).Length() != 0 {
			t.Errorf("the nurse's card of the severe alert offers to acknowledge or resolve it: %q", card.Text())
		}
		if !strings.Contains(card.Find("#acknowledge-reason-"+severe).Text(), "only a prescriber acknowledges it") ||
			!strings.Contains(card.Find("#resolve-reason-"+severe).Text(), "acknowledge this alert first") {
			t.Errorf("the nurse's card does not say why: %q", card.Text())
		}
		if card.Find("form#note-"+severe+"[action='/alerts/"+severe+"/note']").Length() != 1 {
			t.Errorf("the nurse's card offers no note: %q", card.Text())
		}
		if c := doc.Find("#alert-" + spo2); c.Find("form#acknowledge-"+spo2).Length() != 1 || c.Find("form#note-"+spo2).Length() != 0 {
			t.Errorf("the nurse's card of her own alert: %q", c.Text())
		}

		// Her note is kept on the card; the alert stays open for the
		// prescriber.
		resp, doc := nurse.PostDoc("/alerts/"+severe+"/note", url.Values{"action": {"repeated: 208/122; infusion paused"}, "alert": {severe}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(doc.Find("#alert-"+severe+" .alert-notes").Text(), "Noted by Test nurse") ||
			doc.Find("#alert-"+severe+" .alert-state").Text() != "open" {
			t.Errorf("after the note: %d %q", resp.StatusCode, doc.Find("#alert-"+severe).Text())
		}
		if resp, _ := nurse.PostDoc("/alerts/"+severe+"/acknowledge", url.Values{"action": {"seen"}, "alert": {severe}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the nurse's acknowledgement of the severe alert: %d, want 403", resp.StatusCode)
		}

		_, doc = rx.Get("/alerts")
		card = doc.Find("#alert-" + severe)
		if card.Find("form#acknowledge-"+severe).Length() != 1 || card.Find("form#note-"+severe).Length() != 0 ||
			!strings.Contains(card.Find(".alert-notes").Text(), "repeated: 208/122; infusion paused") {
			t.Errorf("the prescriber's card: %q", card.Text())
		}
		if doc.Find("#alert-count").Text() != "1" {
			t.Errorf("the prescriber's count %q, want 1", doc.Find("#alert-count").Text())
		}
	})
}

// TestAlertsPageListsEveryOpenAlertAndPagesTheResolved: the page listed
// 200 alerts at most without a word (and the badge counted 200 at most).
func TestAlertsPageListsEveryOpenAlertAndPagesTheResolved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.InSessionIV("Busy Page")
		patient := f.VisitScreen("nurse", id).Patient.ID
		insert := func(n int, at time.Time, resolved bool) {
			t.Helper()
			err := db.Transact(context.Background(), func(tx *store.Tx) error {
				for i := range n {
					a := alerts.Alert{ID: ketaflow.NewID(), ClinicID: f.ClinicA.ID, VisitID: id, PatientID: patient, Kind: alerts.HeartRate,
						Severity: alerts.Urgent, To: access.Nurse, RaisedAt: at.Add(time.Duration(i) * time.Millisecond), Since: at,
						Detail: fmt.Sprintf("heart rate above 120 bpm (%d)", i)}
					if err := tx.InsertAlert(a); err != nil {
						return err
					}
					if resolved {
						e := alerts.Event{Kind: alerts.Resolved, At: at.Add(time.Minute), Action: "cleared: heart rate 90"}
						if err := tx.InsertAlertEvent(f.ClinicA.ID, a.ID, e, at.Add(time.Minute)); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		insert(205, f.Clock.Now(), false)
		insert(app.AlertPageSize+10, f.Clock.Now().Add(-time.Hour), true)
		b := f.Login("nurse")
		_, doc := b.Get("/alerts")
		if n := doc.Find("#alert-list article.alert-card").Length(); n != 205 {
			t.Errorf("the Alerts page lists %d cards, want all 205", n)
		}
		if got := doc.Find("#alert-count").Text(); got != "205" {
			t.Errorf("the nurse's count %q, want 205", got)
		}
		_, doc = b.Get("/alerts?state=resolved")
		if n := doc.Find("#alert-list article.alert-card").Length(); n != app.AlertPageSize {
			t.Errorf("the first page of resolved alerts lists %d, want %d", n, app.AlertPageSize)
		}
		more := doc.Find("#alert-more")
		if !strings.Contains(doc.Find("#alert-paging").Text(), "1–50 of 60") || !strings.Contains(more.Text(), "10 more") ||
			more.AttrOr("href", "") != "/alerts?state=resolved&page=2" {
			t.Errorf("the resolved list says %q, link %q", doc.Find("#alert-paging").Text(), more.AttrOr("href", ""))
		}
		_, doc = b.Get("/alerts?state=resolved&page=2")
		if n := doc.Find("#alert-list article.alert-card").Length(); n != 10 || doc.Find("#alert-more").Length() != 0 ||
			!strings.Contains(doc.Find("#alert-paging").Text(), "51–60 of 60") {
			t.Errorf("the second page: %d cards, %q", n, doc.Find("#alert-paging").Text())
		}
	})
}

// breakable is a database of the dialect with the means to break it
// underneath the server: a connection of its own.
func breakable(t *testing.T, d store.Dialect) (*store.DB, func(stmt string)) {
	t.Helper()
	dsn := storetest.DSN(t, d)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	driver := "sqlite"
	if d == store.Postgres {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, func(stmt string) {
		t.Helper()
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// TestPagesNeverShowAFalseZeroOrAnotherZone: when the open alerts cannot
// be counted the badge says "?" (it showed 0); when the clinic cannot be
// read the page fails (it was shown in UTC with no clinic).
func TestPagesNeverShowAFalseZeroOrAnotherZone(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			db, exec := breakable(t, d)
			f := newFixture(t, db)
			b := f.Login("nurse")
			if _, doc := b.Get("/patients"); doc.Find("#alert-count").Text() != "0" {
				t.Fatalf("the count before: %q", doc.Find("#alert-count").Text())
			}
			exec("ALTER TABLE alert_events RENAME TO alert_events_gone")
			resp, doc := b.Get("/patients")
			badge := doc.Find("#alert-count")
			if resp.StatusCode != http.StatusOK || badge.Text() != "?" || badge.AttrOr("hidden", "none") != "none" ||
				!strings.Contains(badge.AttrOr("title", ""), "could not be read") {
				t.Errorf("the count that could not be read: %d, badge %q (hidden %q)", resp.StatusCode, badge.Text(), badge.AttrOr("hidden", "none"))
			}
			// A live page hears that the count is unknown, not 0.
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", f.Server.URL+"/events", nil)
			stream, err := b.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			heard := make(chan string, 16)
			go func() {
				sc := bufio.NewScanner(stream.Body)
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "data: ") {
						heard <- sc.Text()
					}
				}
				close(heard)
			}()
			f.App.Events.Publish(app.Event{ClinicID: f.ClinicA.ID, Topic: app.TopicVisit})
			select {
			case line := <-heard:
				if !strings.Contains(line, `"count":null`) {
					t.Errorf("a live page heard %s, want the count null", line)
				}
			case <-time.After(2 * time.Second):
				t.Error("no event on the stream within 2 s")
			}
			cancel()
			stream.Body.Close()
			exec("ALTER TABLE alert_events_gone RENAME TO alert_events")

			// A server that has not read the clinic yet, and cannot.
			exec("ALTER TABLE clinics RENAME COLUMN crisis_line TO crisis_line_gone")
			fresh := app.New(db, f.Clock, f.App.Log, app.PasswordCost(access.CheapArgon2()))
			srv := webtest.NewServer(t, fresh)
			again := &webtest.Browser{F: &webtest.Fixture{T: t, Server: srv}, Client: b.Client}
			resp, doc = again.Get("/patients/new")
			if resp.StatusCode != http.StatusInternalServerError || doc.Find("form").Length() != 0 {
				t.Errorf("a page whose clinic cannot be read: %d, %q", resp.StatusCode, doc.Find("main").Text())
			}
		})
	}
}
