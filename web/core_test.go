package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func get(t *testing.T, url string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestStaticFilesAreCachedByTheirChecksum(t *testing.T) {
	t.Parallel()
	f := webtest.New(t, storetest.Open(t, store.SQLite))
	url := web.StaticURL("app.css")
	if !strings.HasPrefix(url, "/static/app.css?v=") || len(url) == len("/static/app.css?v=") {
		t.Fatalf("StaticURL: got %q, want /static/app.css?v=<checksum>", url)
	}
	resp := get(t, f.Server.URL+url)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s: got %d %q, want 200 text/css", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("versioned URL: Cache-Control %q, want a year, immutable", got)
	}
	etag := resp.Header.Get("ETag")
	// Without the checksum (or with an old one) the browser must ask again.
	if got := get(t, f.Server.URL+"/static/app.css?v=old").Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("stale URL: Cache-Control %q, want no-cache", got)
	}
	if resp := get(t, f.Server.URL+url, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: got %d, want 304", etag, resp.StatusCode)
	}
	if resp := get(t, f.Server.URL+"/static/missing.css"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing file: got %d, want 404", resp.StatusCode)
	}
}

func TestEveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := webtest.New(t, storetest.Open(t, store.SQLite))
	for _, path := range []string{"/login", "/api/v1/patients", "/healthz", web.StaticURL("app.js"), "/no-such-page"} {
		h := get(t, f.Server.URL+path).Header
		for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "same-origin"} {
			if got := h.Get(name); got != want {
				t.Errorf("GET %s: %s %q, want %q", path, name, got, want)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
}

// TestCrossSiteAPIRequestIsRefusedAsJSON: a refusal before any endpoint is
// reached is answered by the group of the path, here the API.
func TestCrossSiteAPIRequestIsRefusedAsJSON(t *testing.T) {
	t.Parallel()
	f := webtest.New(t, storetest.Open(t, store.SQLite))
	req, _ := http.NewRequest("POST", f.Server.URL+"/api/v1/patients", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+f.Tokens["nurse"])
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e webtest.APIErr
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("the refusal is not JSON: %v", err)
	}
	if resp.StatusCode != http.StatusForbidden || e.Error.Code != "forbidden" {
		t.Errorf("cross-site API post: got %d %+v, want 403 forbidden", resp.StatusCode, e)
	}
}

// group is a Group of one endpoint, for the checks New makes.
type group struct {
	prefix   string
	endpoint web.Endpoint
}

func (g group) Prefix() string            { return g.prefix }
func (g group) Endpoints() []web.Endpoint { return []web.Endpoint{g.endpoint} }
func (g group) Unauthenticated(w http.ResponseWriter, r *http.Request, err error) {
	http.Error(w, "log in", web.Status(err))
}
func (g group) Fail(w http.ResponseWriter, r *http.Request, _ access.Actor, err error) {
	http.Error(w, "failed", web.Status(err))
}

func TestNewRefusesAnEndpointOutsideItsGroup(t *testing.T) {
	t.Parallel()
	f := webtest.New(t, storetest.Open(t, store.SQLite))
	ok := func(w http.ResponseWriter, r *http.Request, _ access.Actor) error { return nil }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := web.New(f.App, log, testConfig(t), group{"/api/", web.Endpoint{Method: "GET", Pattern: "/patients", Auth: web.Public, Handle: ok}}); err == nil {
		t.Error("an endpoint outside its group's prefix was accepted")
	}
	s, err := web.New(f.App, log, testConfig(t), group{"/api/", web.Endpoint{Method: "GET", Pattern: "/api/ping", Auth: web.Public, Handle: ok}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range s.Endpoints() {
		got = append(got, e.Method+" "+e.Pattern)
	}
	if want := "GET /healthz,GET /metrics,GET /api/ping"; strings.Join(got, ",") != want {
		t.Errorf("Endpoints: got %v, want %s", got, want)
	}
}

// testConfig is a server config for tests that build a server themselves.
func testConfig(t *testing.T) web.Config {
	t.Helper()
	u, err := web.ParsePublicURL("http://localhost:8080")
	if err != nil {
		t.Fatal(err)
	}
	return web.Config{PublicURL: u}
}
