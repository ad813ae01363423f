package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// keyed sends a JSON body as the user with an Idempotency-Key and returns
// the status, the raw answer and its headers.
func (f *fixture) keyed(username, path, key string, body any) (int, []byte, http.Header) {
	f.T.Helper()
	return f.keyedTo(f.Server.URL, username, path, key, body)
}

func (f *fixture) keyedTo(base, username, path, key string, body any) (int, []byte, http.Header) {
	f.T.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		f.T.Fatal(err)
	}
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+f.Tokens[username])
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		f.T.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

func errCode(t *testing.T, b []byte) (code, field string) {
	t.Helper()
	var e webtest.APIErr
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("not an error body: %q", b)
	}
	return e.Error.Code, e.Error.Field
}

var goodVitals = map[string]any{"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98}

// Finding 13: ten concurrent identical POSTs with one key created ten
// vitals. Now exactly one is created, and every answer is the first
// answer (status and body) or a 409 while it is still in flight.
func TestConcurrentRetriesWithOneKeyCreateOneRecord(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		visitID, _ := f.ReadyVisit(webtest.FactVitals)
		path := "/api/v1/visits/" + visitID + "/vitals"
		type result struct {
			status int
			body   []byte
			hdr    http.Header
		}
		results := make([]result, 10)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() {
				st, b, h := f.keyed("nurse", path, "vitals-retry-1", goodVitals)
				results[i] = result{st, b, h}
			})
		}
		wg.Wait()
		var first []byte
		created := 0
		for _, r := range results {
			switch r.status {
			case http.StatusCreated:
				if first == nil {
					first = r.body
				} else if !bytes.Equal(first, r.body) {
					t.Errorf("two 201 answers differ:\n%s\n%s", first, r.body)
				}
				if r.hdr.Get("Idempotent-Replayed") != "true" {
					created++
				}
			case http.StatusConflict:
				if code, _ := errCode(t, r.body); code != "idempotency_key_in_flight" {
					t.Errorf("409 code %q, want idempotency_key_in_flight", code)
				}
			default:
				t.Errorf("got %d %s", r.status, r.body)
			}
		}
		if created != 1 {
			t.Errorf("answers that did the work: got %d, want 1", created)
		}
		if n := len(f.VisitScreen("nurse", visitID).Vitals); n != 1 {
			t.Errorf("vitals recorded: got %d, want 1", n)
		}
		// After they all finished, a retry is always the stored answer.
		st, b, h := f.keyed("nurse", path, "vitals-retry-1", goodVitals)
		if st != http.StatusCreated || !bytes.Equal(b, first) || h.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: got %d %s (replayed %q), want the first answer", st, b, h.Get("Idempotent-Replayed"))
		}
	})
}

// A retry returns the original answer with its Location; the same key with
// another body is 422 and creates nothing; another key is a new request;
// a repeated lot receipt is counted once.
func TestIdempotencyKeyRetryReuseAndLotReceipt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		lot := map[string]any{"drug": "ketamine", "concentration_mg_per_ml": 100, "ml_per_vial": 5, "lot_number": "K100-7",
			"expiry": "2027-01-31", "packs": 2}
		st, first, h := f.keyed("nurse", "/api/v1/lots", `"lot-k100-7"`, lot)
		if st != http.StatusCreated || h.Get("Location") == "" || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("receive: %d %s %v", st, first, h)
		}
		var made struct {
			ID string `json:"id"`
		}
		json.Unmarshal(first, &made)
		// The key in its bare form is the same key.
		st, again, h2 := f.keyed("nurse", "/api/v1/lots", "lot-k100-7", lot)
		if st != http.StatusCreated || !bytes.Equal(first, again) || h2.Get("Location") != h.Get("Location") ||
			h2.Get("Content-Type") != h.Get("Content-Type") || h2.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: %d %s %v, want the first answer replayed", st, again, h2)
		}
		other := map[string]any{"drug": "ketamine", "concentration_mg_per_ml": 100, "ml_per_vial": 5, "lot_number": "K100-8",
			"expiry": "2027-01-31", "packs": 2}
		st, b, _ := f.keyed("nurse", "/api/v1/lots", "lot-k100-7", other)
		if code, field := errCode(t, b); st != http.StatusUnprocessableEntity || code != "idempotency_key_reused" || field != "Idempotency-Key" {
			t.Errorf("same key, other body: %d %s, want 422 idempotency_key_reused on Idempotency-Key", st, b)
		}
		// The key is the nurse's: the prescriber's same key is their own.
		st, b, _ = f.keyed("prescriber", "/api/v1/lots", "lot-k100-7", other)
		if st != http.StatusCreated {
			t.Errorf("another user's same key: %d %s, want 201", st, b)
		}
		// A receipt on the lot, sent twice, is counted once.
		entries := "/api/v1/lots/" + made.ID + "/entries"
		receipt := map[string]any{"kind": "receive", "quantity": 5, "reason": "second delivery"}
		st1, r1, _ := f.keyed("nurse", entries, "receipt-2", receipt)
		st2, r2, _ := f.keyed("nurse", entries, "receipt-2", receipt)
		if st1 != http.StatusCreated || st2 != st1 || !bytes.Equal(r1, r2) {
			t.Errorf("receipt and its retry: %d %s / %d %s", st1, r1, st2, r2)
		}
		var book struct {
			Lot struct {
				OnHand float64 `json:"on_hand"`
			} `json:"lot"`
		}
		f.API("nurse", "GET", "/api/v1/lots/"+made.ID, nil, &book)
		if book.Lot.OnHand != 15 {
			t.Errorf("on hand after a receipt sent twice: got %v, want 15", book.Lot.OnHand)
		}
		// The replays are audited as such.
		entriesOf, err := f.App.SearchAudit(context.Background(), f.Actor("admin"), app.AuditQuery{Action: app.ActionReplay})
		if err != nil {
			t.Fatal(err)
		}
		if len(entriesOf) != 2 {
			t.Errorf("replay audit entries: got %d, want 2", len(entriesOf))
		}
	})
}

// A refusal is not kept (nothing was created): the retry runs again and
// may succeed. A key that is no key is a 400 naming the header.
func TestIdempotencyKeyRefusalsAreNotKeptAndBadKeysNamed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		visitID, _ := f.ReadyVisit(webtest.FactVitals)
		path := "/api/v1/visits/" + visitID + "/vitals"
		st, b, _ := f.keyed("nurse", path, "v-1", map[string]any{"systolic": 122})
		if st != http.StatusBadRequest {
			t.Fatalf("incomplete vitals: %d %s", st, b)
		}
		if st, b, _ = f.keyed("nurse", path, "v-1", goodVitals); st != http.StatusCreated {
			t.Errorf("the corrected retry: %d %s, want 201", st, b)
		}
		for _, key := range []string{"\"\"", strings.Repeat("k", 256), "caf\u00e9", "a\"b", "\"unterminated"} {
			st, b, _ := f.keyed("nurse", path, key, goodVitals)
			if code, field := errCode(t, b); st != http.StatusBadRequest || code != "invalid" || field != "Idempotency-Key" {
				t.Errorf("key %q: %d %s, want 400 on Idempotency-Key", key, st, b)
			}
		}
		if n := len(f.VisitScreen("nurse", visitID).Vitals); n != 1 {
			t.Errorf("vitals: got %d, want 1", n)
		}
	})
}

// A duplicate while the first request is still being processed is
// EKeyInFlight (409), decided before the database is asked, so it holds
// while the first has the write lock.
func TestIdempotencyKeyInFlightIsConflict(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		req := app.IdempotentRequest{Key: "slow-1", Method: "POST", Path: "/api/v1/patients", Fingerprint: "f"}
		started, release := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			_, err := f.App.Idempotent(ctx, f.Actor("nurse"), req, func(context.Context) app.IdempotentAnswer {
				close(started)
				<-release
				return app.IdempotentAnswer{Status: 201, Body: []byte(`{}`)}
			})
			done <- err
		}()
		<-started
		_, err := f.App.Idempotent(ctx, f.Actor("nurse"), req, func(context.Context) app.IdempotentAnswer {
			t.Error("a duplicate in flight ran")
			return app.IdempotentAnswer{}
		})
		if !ketaflow.IsCode(err, ketaflow.EKeyInFlight) {
			t.Errorf("duplicate in flight: got %v, want EKeyInFlight", err)
		}
		// Another user's same key is not the nurse's; it waits for the lock
		// and runs once the first is done.
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		ans, err := f.App.Idempotent(ctx, f.Actor("nurse"), req, func(context.Context) app.IdempotentAnswer {
			t.Error("a finished key ran again")
			return app.IdempotentAnswer{}
		})
		if err != nil || !ans.Replayed || ans.Status != 201 || string(ans.Body) != `{}` {
			t.Errorf("after the first finished: %+v %v, want its answer replayed", ans, err)
		}
	})
}

// The key and its answer are in the database, written with the record: a
// new server over the same database (after a kill) answers a retry from
// it, and the record is not made twice. The key expires after the clinic's
// security.idempotency_key_hours.
func TestIdempotencyKeySurvivesARestartAndExpires(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		patient := map[string]any{"legal_name": "Idem Potent", "birth_date": "1980-01-02", "sex": "female", "phone": "+1 555 010 0199"}
		st, first, _ := f.keyed("frontdesk", "/api/v1/patients", "register-idem", patient)
		if st != http.StatusCreated {
			t.Fatalf("register: %d %s", st, first)
		}
		// A second App and server over the same database: nothing of the
		// first process (its in-flight keys, its caches) is shared.
		a2 := app.New(db, f.Clock, slog.New(slog.NewTextHandler(io.Discard, nil)), app.PasswordCost(access.CheapArgon2()))
		srv2 := webtest.NewServer(t, a2)
		st, again, h := f.keyedTo(srv2.URL, "frontdesk", "/api/v1/patients", "register-idem", patient)
		if st != http.StatusCreated || !bytes.Equal(first, again) || h.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry on the restarted server: %d %s, want the first answer", st, again)
		}
		var list struct {
			Patients []struct {
				ID string `json:"id"`
			} `json:"patients"`
		}
		f.API("frontdesk", "GET", "/api/v1/patients?q=Potent", nil, &list)
		if len(list.Patients) != 1 {
			t.Errorf("patients named Potent: got %d, want 1", len(list.Patients))
		}
		// Past the expiry (24 hours by default) the key is forgotten: the
		// same key is a new request.
		f.Clock.Advance(24*time.Hour + time.Minute)
		patient["legal_name"] = "Idem Later"
		if st, b, h := f.keyed("frontdesk", "/api/v1/patients", "register-idem", patient); st != http.StatusCreated || h.Get("Idempotent-Replayed") != "" {
			t.Errorf("after the expiry: %d %s, want a new 201", st, b)
		}
	})
}
