package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

type boardJSON struct {
	ClinicID       string `json:"clinic_id"`
	At             string `json:"at"`
	Names          string `json:"names"`
	Cursor         string `json:"cursor"`
	ClinicalHidden bool   `json:"clinical_hidden"`
	Tiles          []struct {
		ChairID   *string          `json:"chair_id"`
		ChairName string           `json:"chair_name"`
		Visits    []boardVisitJSON `json:"visits"`
		Next      *struct {
			VisitID string `json:"visit_id"`
			Patient string `json:"patient"`
		} `json:"next"`
	} `json:"tiles"`
}

type boardVisitJSON struct {
	VisitID string `json:"visit_id"`
	Patient string `json:"patient"`
	Route   string `json:"route"`
	State   string `json:"state"`
	Phase   *struct {
		Name        string `json:"name"`
		MinutesLeft int    `json:"minutes_left"`
	} `json:"phase"`
	Infusion *struct {
		State string `json:"state"`
	} `json:"infusion"`
	NextVitals *struct {
		Label string `json:"label"`
		State string `json:"state"`
	} `json:"next_vitals"`
	Overdue []struct {
		Label string `json:"label"`
	} `json:"vitals_overdue"`
	Alerts      []alertJSON `json:"alerts"`
	AlertCounts []struct {
		Severity string `json:"severity"`
		Count    int    `json:"count"`
	} `json:"alert_counts"`
	Notices   []alertJSON `json:"notices"`
	Discharge *struct {
		MinutesLeft int      `json:"minutes_left"`
		Ready       bool     `json:"ready"`
		Unmet       []string `json:"unmet"`
	} `json:"discharge"`
	ClinicalHidden bool `json:"clinical_hidden"`
}

// board reads GET /api/v1/board as the user.
func (f *fixture) board(username string) boardJSON {
	f.T.Helper()
	var b boardJSON
	f.must(http.StatusOK, username, "GET", "/api/v1/board", nil, &b)
	return b
}

// TestBoardAPI: GET /api/v1/board is every chair with the visit in it, for
// every staff role, the clinical parts only for the clinical roles; a
// user of another clinic sees none of it.
func TestBoardAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var chair struct {
			ID string `json:"id"`
		}
		f.must(http.StatusCreated, "admin", "POST", "/api/v1/chairs", map[string]any{"name": "Chair 1"}, &chair)
		var booked struct {
			ID string `json:"id"`
		}
		f.must(http.StatusCreated, "frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": f.PatientA.ID, "route": "iv",
			"chair_id": chair.ID, "scheduled_at": f.Clock.Now().Add(3 * time.Hour).Format(time.RFC3339)}, &booked)
		id, _ := f.InSessionIV("Board Patient")
		f.Clock.Advance(21 * time.Minute)

		b := f.board("nurse")
		if b.ClinicalHidden || b.Names != "initials" || b.Cursor == "" || len(b.Tiles) != 2 {
			t.Fatalf("the nurse's board: %+v", b)
		}
		if c := b.Tiles[0]; c.ChairName != "Chair 1" || len(c.Visits) != 0 || c.Next == nil || c.Next.VisitID != booked.ID || c.Next.Patient != "M. A." {
			t.Errorf("chair 1: %+v, want empty with Maria Alvarez next", c)
		}
		nc := b.Tiles[1]
		if nc.ChairID != nil || nc.ChairName != "No chair" || len(nc.Visits) != 1 {
			t.Fatalf("the visits with no chair: %+v", nc)
		}
		v := nc.Visits[0]
		if v.VisitID != id || v.Patient != "B. P." || v.Route != "iv" || v.State != "in_session" || v.Phase == nil ||
			v.Infusion == nil || v.Infusion.State != "running" || v.Discharge == nil || v.Discharge.MinutesLeft != 69 ||
			v.NextVitals == nil || len(v.Overdue) != 1 || v.Overdue[0].Label != "15 min" || len(v.Notices) == 0 {
			t.Errorf("the IV visit 21 min after its first dose: %+v", v)
		}

		// A reading above 180/110 is a flag on the tile.
		f.recordBP(id, 186, 112)
		v = f.board("nurse").Tiles[1].Visits[0]
		if len(v.Alerts) != 1 || v.Alerts[0].Kind != "bp_high" || len(v.AlertCounts) != 1 || v.AlertCounts[0].Severity != "flag" ||
			len(v.Overdue) != 0 {
			t.Errorf("after a high reading: alerts %+v, counts %+v, overdue %+v", v.Alerts, v.AlertCounts, v.Overdue)
		}

		for _, u := range []string{"frontdesk", "admin"} {
			b := f.board(u)
			v := b.Tiles[1].Visits[0]
			if !b.ClinicalHidden || !v.ClinicalHidden || v.Phase != nil || v.Infusion != nil || v.Discharge != nil ||
				v.NextVitals != nil || len(v.Alerts) != 0 || len(v.Notices) != 0 || len(v.Overdue) != 0 || len(v.AlertCounts) != 0 {
				t.Errorf("%s sees clinical content on the board: %+v", u, v)
			}
			if v.Patient != "B. P." || v.State != "in_session" {
				t.Errorf("%s: who and where are for everyone: %+v", u, v)
			}
		}
		if b := f.board("nurse-b"); len(b.Tiles) != 0 {
			t.Errorf("clinic B's nurse sees clinic A's board: %+v", b.Tiles)
		}
		f.must(http.StatusUnauthorized, "", "GET", "/api/v1/board", nil, nil)

		// The downtime sheet prints the floor for the roles that dose.
		resp, err := f.Client.Do(authed(t, f, "nurse", "/api/v1/board/downtime.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" ||
			!strings.Contains(string(pdf), "No chair: Board Patient") || !strings.Contains(string(pdf), "ALERT \\(Flag\\) Blood pressure high") {
			t.Errorf("downtime sheet: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(pdf))
		}
		for _, u := range []string{"frontdesk", "admin", "therapist"} {
			resp, err := f.Client.Do(authed(t, f, u, "/api/v1/board/downtime.pdf"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s asked for the downtime sheet: %d, want 403", u, resp.StatusCode)
			}
		}
	})
}

// sseEvent is one server-sent event.
type sseEvent struct{ id, event, data string }

// stream opens GET /api/v1/board/events on server url as the user and
// returns its events as they come; it ends when the test does.
func stream(t *testing.T, url, token, last string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/board/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("board events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.event != "" {
					out <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				e.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				e.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

// next waits for the stream's next event.
func next(t *testing.T, events <-chan sseEvent, what string) sseEvent {
	t.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			t.Fatalf("%s: the stream ended", what)
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no event within 5 s", what)
	}
	return sseEvent{}
}

// TestBoardEventsResumeFromTheLastEvent: the stream says where it starts,
// then each change with an id; a client that comes back with the id of
// its last event gets what it missed, in order, and then the new ones; one
// whose id the server cannot place is told to read the board again.
func TestBoardEventsResumeFromTheLastEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.InSessionIV("Stream Patient")
		s := stream(t, f.Server.URL, f.Tokens["frontdesk"], "")
		ready := next(t, s, "the first event")
		if ready.event != "ready" || ready.id == "" {
			t.Fatalf("first event %+v, want ready with an id", ready)
		}
		f.recordBP(id, 128, 80)
		got := next(t, s, "the reading")
		if got.event != "visit" || !strings.Contains(got.data, id) || got.id == ready.id {
			t.Fatalf("after a reading: %+v", got)
		}
		if strings.Contains(got.data, "128") || strings.Contains(got.data, "Stream") {
			t.Errorf("the event carries patient data: %s", got.data)
		}

		// Away: two changes, then back from the last event heard.
		f.recordBP(id, 130, 82)
		f.must(http.StatusCreated, "admin", "POST", "/api/v1/chairs", map[string]any{"name": "Chair 9"}, nil)
		back := stream(t, f.Server.URL, f.Tokens["nurse"], got.id)
		var topics []string
		for range 2 {
			topics = append(topics, next(t, back, "a missed event").event)
		}
		if strings.Join(topics, ",") != "visit,floor" {
			t.Errorf("missed events %v, want visit,floor", topics)
		}
		f.recordBP(id, 126, 80)
		if e := next(t, back, "a new event"); e.event != "visit" {
			t.Errorf("after the missed ones: %+v", e)
		}
		if e := next(t, stream(t, f.Server.URL, f.Tokens["nurse"], "0badcafe-3"), "a stranger's id"); e.event != "resync" || e.id == "" {
			t.Errorf("from an id of another server: %+v, want resync", e)
		}
	})
}

// TestBoardFollowsAnotherServer: two ketaflow servers on one PostgreSQL
// database; a vital recorded through one reaches the board stream of the
// other (LISTEN/NOTIFY), and its board shows it. SQLite is one process:
// there is no other server to follow.
func TestBoardFollowsAnotherServer(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t, store.Postgres)
	ctx := context.Background()
	open := func() *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA := open()
	if _, err := dbA.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, dbA)
	b := app.New(open(), f.Clock, slog.New(slog.NewTextHandler(io.Discard, nil)), app.PasswordCost(access.CheapArgon2()))
	srvB := webtest.NewServer(t, b)
	relay := func(a *app.App) {
		rctx, cancel := context.WithCancel(ctx)
		t.Cleanup(cancel)
		listening := make(chan struct{}, 1)
		go a.Relay(rctx, func() { listening <- struct{}{} })
		select {
		case <-listening:
		case <-time.After(10 * time.Second):
			t.Fatal("the relay is not listening within 10 s")
		}
	}
	relay(f.App)
	relay(b)

	id, _ := f.InSessionIV("Two Servers")
	f.Clock.Advance(16 * time.Minute)
	onB := stream(t, srvB.URL, f.Tokens["nurse"], "")
	if e := next(t, onB, "server B's first event"); e.event != "ready" {
		t.Fatalf("server B: %+v", e)
	}
	start := time.Now()
	f.recordBP(id, 124, 78) // through server A
	e := next(t, onB, "server A's reading on server B")
	if e.event != "visit" || !strings.Contains(e.data, id) {
		t.Fatalf("server B heard %+v", e)
	}
	t.Logf("server A's reading reached server B's stream after %s", time.Since(start).Round(time.Millisecond))
	var board boardJSON
	req, _ := http.NewRequest("GET", srvB.URL+"/api/v1/board", nil)
	req.Header.Set("Authorization", "Bearer "+f.Tokens["nurse"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&board); err != nil {
		t.Fatal(err)
	}
	v := board.Tiles[0].Visits[0]
	if v.NextVitals == nil || v.NextVitals.Label == "15 min" || len(v.Overdue) != 0 {
		t.Errorf("server B's board after the 16 min reading: next %+v, overdue %+v", v.NextVitals, v.Overdue)
	}
	// Server A does not hear its own event twice.
	onA := stream(t, f.Server.URL, f.Tokens["nurse"], "")
	next(t, onA, "server A's first event")
	f.recordBP(id, 122, 76)
	next(t, onA, "server A's own reading")
	f.must(http.StatusCreated, "admin", "POST", "/api/v1/chairs", map[string]any{"name": "Chair 4"}, nil)
	if e := next(t, onA, "server A's next event"); e.event != "floor" {
		t.Errorf("server A heard %+v after its own reading, want the chair: a reading heard twice?", e)
	}
}
