package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// fuzzServer is one server for a fuzz run: the fixture over SQLite with
// a visit checked in, and the paths of its routes with their ids filled.
type fuzzServer struct {
	*webtest.Fixture
	writes, reads []string // "METHOD path"
}

func newFuzzServer(f *testing.F) *fuzzServer {
	fx := webtest.New(f, storetest.Open(f, store.SQLite))
	visit := fx.BookVisit(fx.PatientA.ID)
	fx.MoveVisit("frontdesk", visit, "checked_in", "")
	s := &fuzzServer{Fixture: fx}
	for _, ep := range api.New(fx.App, slog.New(slog.NewTextHandler(io.Discard, nil))).Endpoints() {
		id := visit
		if strings.HasPrefix(ep.Pattern, "/api/v1/patients/") {
			id = fx.PatientA.ID
		}
		path := strings.NewReplacer("{id}", id, "{number}", "1").Replace(ep.Pattern)
		switch ep.Method {
		case "POST", "PUT", "PATCH":
			if !strings.Contains(path, "/tokens") && !strings.Contains(path, "/users") {
				s.writes = append(s.writes, ep.Method+" "+path)
			}
		case "GET":
			s.reads = append(s.reads, "GET "+path)
		}
	}
	return s
}

// send is one request as the user, on a plain client (a fuzz input may be
// anything, so the answer is not checked against the document here).
func (s *fuzzServer) send(t *testing.T, user, route string, body []byte) (int, []byte) {
	method, path, _ := strings.Cut(route, " ")
	req, err := http.NewRequest(method, s.Server.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil // a query no client could send
	}
	req.Header.Set("Authorization", "Bearer "+s.Tokens[user])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// checkRefusal: never a 5xx, and a refusal is the API's error naming what.
func checkRefusal(t *testing.T, route string, status int, b []byte) {
	t.Helper()
	if status >= 500 || status == 0 {
		t.Fatalf("%s: answered %d %s", route, status, b)
	}
	if status < 400 {
		return
	}
	var e webtest.APIErr
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("%s: refusal %d is not a clear error: %s", route, status, b)
	}
}

// FuzzAPIBodies sends any bytes as the JSON body of every write of the API
// (decodeJSON, decodeStrict and the wire types, the questionnaire answers,
// the ledger entries, the times and durations in them) as a nurse and as
// a prescriber: never a 5xx, every refusal a clear 4xx.
func FuzzAPIBodies(f *testing.F) {
	s := newFuzzServer(f)
	for i := range s.writes {
		for _, b := range []string{`{}`, `[]`, `null`, `{"a":`, `{"systolic":"x"}`, `{"to":"checked_in","reason":"` + strings.Repeat("é", 3) + `"}`,
			`{"phq9":[0,0,0,0,0,0,0,0,9],"gad7":[1]}`, `{"taken_at":"2026-13-45T25:61:00Z"}`, `{"minutes":"PT99999999H"}`,
			`{"kind":"receive","quantity":1e308}`, `{"record":{"birth_date":"0000-00-00"},"reason":"why not","version":1}`} {
			f.Add(uint8(i), []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := s.writes[int(route)%len(s.writes)]
		user := "nurse"
		if route%2 == 1 {
			user = "prescriber"
		}
		st, b := s.send(t, user, r, body)
		checkRefusal(t, r, st, b)
		if st == http.StatusBadRequest && !json.Valid(body) {
			var e webtest.APIErr
			json.Unmarshal(b, &e)
			if !strings.Contains(e.Error.Message, "JSON") && !strings.Contains(e.Error.Message, "json") && e.Error.Field == "" {
				t.Errorf("%s: a body that is not JSON refused as %q", r, e.Error.Message)
			}
		}
	})
}

// FuzzAPIQueries sends any query to every read of the API (the patient
// search, route advice, alerts, audit, the day's visits, lots): never a
// 5xx, and a refusal names the parameter at fault.
func FuzzAPIQueries(f *testing.F) {
	s := newFuzzServer(f)
	for i := range s.reads {
		for _, q := range []string{"", "q=maria", "q=" + strings.Repeat("a+", 500), "limit=-1", "limit=99999999999999999999",
			"date=2026-02-30", "from=yesterday&to=2026-01-01T00:00:00Z", "before_seq=0", "prior.oral=good", "needle_fear=maybe",
			"minutes_available=1441", "all=2", "patient_id=%00", "action=%ff"} {
			f.Add(uint8(i), q)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		r := s.reads[int(route)%len(s.reads)]
		if strings.HasSuffix(r, "/rems-form.pdf") || strings.HasSuffix(r, "/openapi.json") || strings.HasSuffix(r, "/events") {
			return // not JSON; the board's stream does not end
		}
		if _, err := url.ParseQuery(query); err != nil {
			// The server reads what it can of a query that does not parse.
		}
		user := "admin"
		if route%2 == 1 {
			user = "nurse"
		}
		st, b := s.send(t, user, r+"?"+query, nil)
		if st == 0 {
			return
		}
		checkRefusal(t, r, st, b)
		if st == http.StatusBadRequest {
			var e webtest.APIErr
			json.Unmarshal(b, &e)
			names := slices.ContainsFunc(strings.Split(query, "&"), func(kv string) bool {
				k, _, _ := strings.Cut(kv, "=")
				k, _ = url.QueryUnescape(k)
				return k != "" && (e.Error.Field == k || strings.Contains(e.Error.Message, k))
			})
			if !names && e.Error.Field == "" {
				t.Errorf("%s?%s: refused without naming the parameter: %s", r, query, b)
			}
		}
	})
}
