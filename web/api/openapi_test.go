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
	resp, err := http.Get(f.Server.URL + "/api/openapi.json")
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

// TestOpenAPIRefsResolve checks that every $ref in the document names a
// schema that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if _, ok := schemas[name]; !ok {
					t.Errorf("$ref %s names no schema", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
}
