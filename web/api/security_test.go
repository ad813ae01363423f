package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// raw sends body as is, with the content type given ("" for none), as the
// user's API token.
func (f *fixture) raw(username, method, path, contentType, body string) (int, webtest.APIErr) {
	f.T.Helper()
	req, err := http.NewRequest(method, f.Server.URL+path, strings.NewReader(body))
	if err != nil {
		f.T.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.Tokens[username])
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		f.T.Fatal(err)
	}
	defer resp.Body.Close()
	var e webtest.APIErr
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &e)
	return resp.StatusCode, e
}

// TestAPIRefusesABodyNotSentAsJSON (issue 13, finding 12): JSON sent as
// text/plain (what a form of another site can send without asking) or
// with no type was processed; it is a 415 in the API's error shape naming
// the type allowed, and nothing is written.
func TestAPIRefusesABodyNotSentAsJSON(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		patient := `{"legal_name": "Ana Ruiz", "birth_date": "1990-02-03", "sex": "female", "phone": "+1 555 010 0199"}`
		var before struct {
			Patients []struct{} `json:"patients"`
		}
		f.API("nurse", "GET", "/api/v1/patients", nil, &before)
		for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
			status, e := f.raw("nurse", "POST", "/api/v1/patients", ct, patient)
			if status != http.StatusUnsupportedMediaType || e.Error.Code != "unsupported_media_type" ||
				!strings.Contains(e.Error.Message, "application/json") {
				t.Errorf("POST as %q: got %d %+v, want 415 unsupported_media_type naming application/json", ct, status, e.Error)
			}
		}
		var after struct {
			Patients []struct{} `json:"patients"`
		}
		f.API("nurse", "GET", "/api/v1/patients", nil, &after)
		if len(after.Patients) != len(before.Patients) {
			t.Errorf("%d patients after the refused posts, want %d", len(after.Patients), len(before.Patients))
		}
		// JSON with its charset, or a +json type, is read.
		if status, e := f.raw("nurse", "POST", "/api/v1/patients", "application/json; charset=utf-8", patient); status != http.StatusCreated {
			t.Errorf("POST as application/json; charset=utf-8: got %d %+v, want 201", status, e)
		}
	})
}

// TestAPIBodyLimitIsTheFormsLimit (issue 13, finding 12): one limit of
// 1 MiB for every body, said in the refusal.
func TestAPIBodyLimitIsTheFormsLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		big := `{"legal_name": "` + strings.Repeat("x", 2<<20) + `"}`
		status, e := f.raw("nurse", "POST", "/api/v1/patients", "application/json", big)
		if status != http.StatusBadRequest || !strings.Contains(e.Error.Message, "at most 1 MiB") {
			t.Errorf("a 2 MiB body: got %d %+v, want 400 naming the limit", status, e.Error)
		}
	})
}

// TestAPIPatientSearchIsBounded (issue 13, finding 9): 999 words answered
// 500 (SQLite: "Expression tree is too large"); it is a 400 naming q.
func TestAPIPatientSearchIsBounded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		for _, q := range []string{strings.TrimSpace(strings.Repeat("a ", 999)), strings.Repeat("x", 101), "a b c d e f g h i"} {
			var e webtest.APIErr
			resp := f.API("frontdesk", "GET", "/api/v1/patients?q="+url.QueryEscape(q), nil, &e)
			if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "q" || !strings.Contains(e.Error.Message, "at most 8 words and 100 characters") {
				t.Errorf("q of %d characters: got %d %+v, want 400 on q", len(q), resp.StatusCode, e.Error)
			}
		}
		var ok struct {
			Patients []struct{} `json:"patients"`
		}
		if resp := f.API("frontdesk", "GET", "/api/v1/patients?q="+url.QueryEscape("a b c d e f g maria"), nil, &ok); resp.StatusCode != http.StatusOK {
			t.Errorf("8 words: got %d, want 200", resp.StatusCode)
		}
		var e webtest.APIErr
		if resp := f.API("frontdesk", "GET", "/api/v1/patients?q=%ff", nil, &e); resp.StatusCode != http.StatusBadRequest || e.Error.Field != "q" {
			t.Errorf("invalid UTF-8 in q: got %d %+v, want 400 on q", resp.StatusCode, e.Error)
		}
	})
}

// lockedBuffer is a log destination the server and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestQuestionnaireLinkUsesThePublicURLAndIsNeverLogged (issue 13, finding
// 10): the link sent to a patient was built from the request's Host, which
// the client chooses; it is built from --public-url. The token is a
// password to the patient's questionnaire: the request log shows the page,
// never the token.
func TestQuestionnaireLinkUsesThePublicURLAndIsNeverLogged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		var log lockedBuffer
		f := newFixture(t, db, webtest.Log(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))),
			webtest.Configure(func(c *web.Config) { c.PublicURL, _ = web.ParsePublicURL("https://clinic.example") }))
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
		var link struct {
			URL string `json:"url"`
		}
		req, _ := http.NewRequest("POST", f.Server.URL+"/api/v1/visits/"+id+"/links", nil)
		req.Host = "evil.example"
		req.Header.Set("Authorization", "Bearer "+f.Tokens["frontdesk"])
		resp, err := f.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&link)
		resp.Body.Close()
		if !strings.HasPrefix(link.URL, "https://clinic.example/q/") {
			t.Fatalf("link %q sent with Host evil.example, want it on https://clinic.example", link.URL)
		}
		token := webtest.LinkToken(t, link.URL)
		patient := &webtest.Browser{F: f.Fixture, Client: &http.Client{}}
		if resp, _ := patient.Get("/q/" + token); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET the link: %d", resp.StatusCode)
		}
		patient.Get("/q/" + token + "x") // a wrong token is not logged either
		logged := log.String()
		if strings.Contains(logged, token) {
			t.Errorf("the server log holds the link's token:\n%s", logged)
		}
		if !strings.Contains(logged, "path=/q/[redacted]") {
			t.Errorf("the log does not show the link's page as /q/[redacted]:\n%s", logged)
		}
	})
}

// TestWeakPasswordsAreRefusedNamingTheFieldAndTheRule (issue 13, finding
// 7): "aaaaaaaaaa", "1234567890" and "password12" were accepted; a new
// password is at least 12 characters and not on the list of common
// passwords shipped in the binary, and the refusal names the field and the
// rule. Nothing is created.
func TestWeakPasswordsAreRefusedNamingTheFieldAndTheRule(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		tests := []struct{ password, rule string }{
			{"aaaaaaaaaa", "12 to 128 characters"},
			{"1234567890", "12 to 128 characters"},
			{"password12", "12 to 128 characters"},
			{"aaaaaaaaaaaa", "too easy to guess"},
			{"123456789012", "too easy to guess"},
			{"password1234", "too easy to guess"},
			{"Welcome2026!", "too easy to guess"},
			{"qwertyuiop12", "too easy to guess"},
		}
		for i, tt := range tests {
			var e webtest.APIErr
			resp := f.API("admin", "POST", "/api/v1/users", map[string]any{"username": "weak" + string(rune('a'+i)), "name": "Weak",
				"role": "nurse", "password": tt.password}, &e)
			if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "password" || !strings.Contains(e.Error.Message, tt.rule) {
				t.Errorf("password %q: got %d %+v, want 400 on password saying %q", tt.password, resp.StatusCode, e.Error, tt.rule)
			}
		}
		var users struct {
			Users []struct {
				Username string `json:"username"`
			} `json:"users"`
		}
		f.API("admin", "GET", "/api/v1/users", nil, &users)
		for _, u := range users.Users {
			if strings.HasPrefix(u.Username, "weak") {
				t.Errorf("user %s was created with a weak password", u.Username)
			}
		}
		// A passphrase is accepted.
		if resp := f.API("admin", "POST", "/api/v1/users", map[string]any{"username": "strong", "name": "Strong", "role": "nurse",
			"password": "lantern orchard pebble"}, nil); resp.StatusCode != http.StatusCreated {
			t.Errorf("a passphrase: got %d, want 201", resp.StatusCode)
		}
	})
}
