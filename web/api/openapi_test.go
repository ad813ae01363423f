package api_test

import (
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
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/ui"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestOpenAPIMatchesEndpoints checks the served OpenAPI document against
// the endpoints the server registers: no API endpoint is missing from it,
// and it describes none the server lacks. A server on the training clock
// (serve --demo --clock manual) has the clock's endpoints and serves them
// in its document; any other server has neither.
func TestOpenAPIMatchesEndpoints(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		opts     []webtest.Option
		training bool
	}{{"real_time", nil, false}, {"training_clock", []webtest.Option{webtest.Training()}, true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			served := openAPIMatchesEndpoints(t, newFixture(t, storetest.Open(t, store.SQLite), tt.opts...))
			if has := slices.Contains(served, "POST /api/v1/clock"); has != tt.training {
				t.Errorf("POST /api/v1/clock served: %t, want %t", has, tt.training)
			}
		})
	}
}

// openAPIMatchesEndpoints compares the document f serves with the
// endpoints of its server, and returns the API endpoints.
func openAPIMatchesEndpoints(t *testing.T, f *fixture) []string {
	resp, err := f.Client.Get(f.Server.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pages, err := ui.New(f.App, log)
	if err != nil {
		t.Fatal(err)
	}
	s, err := web.New(f.App, log, web.Config{PublicURL: &url.URL{Scheme: "http", Host: "localhost"}}, api.New(f.App, log), pages)
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	for _, e := range s.Endpoints() {
		if strings.HasPrefix(e.Pattern, "/api/") || e.Pattern == "/healthz" {
			served = append(served, e.Method+" "+e.Pattern)
		}
	}
	slices.Sort(documented)
	slices.Sort(served)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("endpoint %s is served but not in openapi.json", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("openapi.json describes %s, which the server does not serve", r)
		}
	}
	return served
}

// TestUnknownPathsAndMethodsAnswerTheErrorShape: under /api/, a path the
// API does not have is a JSON 404 and a method a path does not take a
// JSON 405 naming the methods it takes, as the document says, not the
// ServeMux's plain text.
func TestUnknownPathsAndMethodsAnswerTheErrorShape(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, store.SQLite))
	for _, tt := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/api/v1/no-such-thing", http.StatusNotFound, "not_found", ""},
		{"GET", "/api/v2/patients", http.StatusNotFound, "not_found", ""},
		{"DELETE", "/api/v1/patients", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD, POST"},
		{"PUT", "/api/v1/visits/" + "0193a5b2-7c1e-7d4a-9f00-3c5e2a1b4d6f" + "/vitals", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
	} {
		var e webtest.APIErr
		resp := f.API("nurse", tt.method, tt.path, nil, &e)
		if resp.StatusCode != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
			t.Errorf("%s %s: %d %+v, want %d %s", tt.method, tt.path, resp.StatusCode, e, tt.status, tt.code)
		}
		if got := resp.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: Content-Type %q", tt.method, tt.path, ct)
		}
	}
}

// TestEmptyListsAreArrays: a list with nothing in it is [], never null.
func TestEmptyListsAreArrays(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, store.SQLite))
	for _, path := range []string{"/api/v1/audit?action=nothing.like.this", "/api/v1/alerts", "/api/v1/notices",
		"/api/v1/rems-forms", "/api/v1/lots", "/api/v1/discrepancies", "/api/v1/visits", "/api/v1/tokens",
		"/api/v1/patients/" + f.PatientA.ID + "/visits"} {
		user := "nurse"
		if strings.HasPrefix(path, "/api/v1/audit") {
			user = "admin"
		}
		var raw map[string]json.RawMessage
		if resp := f.API(user, "GET", path, nil, &raw); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		for k, v := range raw {
			if string(v) == "null" {
				t.Errorf("%s: %s is null, want a list", path, k)
			}
		}
	}
}
