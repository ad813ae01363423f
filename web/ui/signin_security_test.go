package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// noFollow is the browser's client that stops at a redirect, to read it.
func noFollow(b *webtest.Browser) *http.Client {
	c := *b.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// TestLoginRedirectStaysOnThisServer (issue 13, finding 4): the page a
// login goes back to is a path of this server, whatever next says.
// Browsers drop tabs and newlines from a URL and read \ as /, so
// "/<tab>/evil.example" is "//evil.example": another site.
func TestLoginRedirectStaysOnThisServer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		tests := []struct{ name, next, want string }{
			{"tab_before_a_host", "/\t/evil.example/x", "/"},
			{"newline_before_a_host", "/\n/evil.example/x", "/"},
			{"carriage_return_before_a_host", "/\r/evil.example", "/"},
			{"two_slashes", "//evil.example", "/"},
			{"backslash", "/\\evil.example", "/"},
			{"backslash_later", "/a/..\\\\evil.example", "/"},
			{"absolute_url", "https://evil.example/", "/"},
			{"scheme_relative_with_tab", "\t//evil.example", "/"},
			{"javascript", "javascript:alert(1)", "/"},
			{"escaped_slash_makes_two", "/%2F/evil.example", "/"},
			{"space_before_a_host", "/ /evil.example", "/"},
			{"login_page_again", "/login?next=/patients", "/"},
			{"login_page_by_dots", "/./login", "/"},
			{"relative", "patients", "/"},
			{"a_page_with_its_query", "/visits/abc?done=saved", "/visits/abc?done=saved"},
			{"an_escaped_query_kept", "/patients?q=maria%20alvarez", "/patients?q=maria%20alvarez"},
		}
		b := f.Login("nurse")
		c := noFollow(b)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				// A login that is open goes straight on to next...
				resp, err := c.Get(f.Server.URL + "/login?next=" + url.QueryEscape(tt.next))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.Header.Get("Location"); got != tt.want {
					t.Errorf("GET /login?next=%q: Location %q, want %q", tt.next, got, tt.want)
				}
				// ...and so does the sign-in form.
				fresh := webtest.Browser{F: f.Fixture, Client: &http.Client{}}
				req, _ := http.NewRequest("POST", f.Server.URL+"/login", strings.NewReader(url.Values{
					"username": {"nurse"}, "password": {webtest.Password}, "next": {tt.next}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				resp, err = noFollow(&fresh).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.Header.Get("Location"); got != tt.want {
					t.Errorf("POST /login next=%q: Location %q, want %q", tt.next, got, tt.want)
				}
			})
		}
	})
}

// TestWrongPasswordsSlowDownWithoutLockingOut (issue 13, finding 5): wrong
// passwords make the next try wait, growing from a second to a minute
// (protocol.DefaultLoginThrottle); they never lock the account, so the
// right password signs in once the wait has passed, however many a
// stranger typed before.
func TestWrongPasswordsSlowDownWithoutLockingOut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		wrong := func(i int) {
			t.Helper()
			// Each guess from its own address, as from a botnet: the
			// account's count is what slows them.
			source := fmt.Sprintf("10.0.%d.9", i)
			if _, err := f.App.Login(ctx, "nurse", "not the password", source); !ketaflow.IsCode(err, ketaflow.EUnauthorized) {
				t.Fatalf("guess %d: got %v, want a wrong password", i, err)
			}
		}
		for i := range 6 {
			wrong(i)
		}
		// The right password waits a second after the sixth failure...
		_, err := f.App.Login(ctx, "nurse", webtest.Password, "10.1.0.1")
		if !ketaflow.IsCode(err, ketaflow.ERateLimited) || !strings.Contains(ketaflow.ErrorMessage(err), "try again in 1 second") {
			t.Fatalf("right password during the wait: got %v, want a wait of 1 second", err)
		}
		// ...and signs in after it.
		f.Clock.Advance(time.Second)
		if _, err := f.App.Login(ctx, "nurse", webtest.Password, "10.1.0.1"); err != nil {
			t.Fatalf("right password after the wait: %v", err)
		}
		// A stranger who keeps guessing (waiting each time) delays the
		// account by at most the throttle's longest wait, a minute.
		for i := range 30 {
			f.Clock.Advance(time.Minute)
			wrong(i)
		}
		f.Clock.Advance(time.Minute)
		if _, err := f.App.Login(ctx, "nurse", webtest.Password, "10.1.0.1"); err != nil {
			t.Fatalf("right password a minute after the 30th guess: %v, want signed in (no lock)", err)
		}
	})
}

// TestSignInAnswersAKnownAndAnUnknownNameAlike (issue 13, finding 5): the
// answers of the login page, failure after failure, do not tell whether a
// username exists.
func TestSignInAnswersAKnownAndAnUnknownNameAlike(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		b := &webtest.Browser{F: f.Fixture, Client: &http.Client{}}
		answer := func(username string) string {
			resp, doc := b.PostDoc("/login", url.Values{"username": {username}, "password": {"not the password"}})
			return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(doc.Find(".problem").Text()))
		}
		for i := range 9 {
			known, unknown := answer("nurse"), answer("nobody-here")
			if known != unknown {
				t.Fatalf("attempt %d: known name answered %q, unknown %q", i+1, known, unknown)
			}
			if i == 7 && !strings.HasPrefix(known, "429 ") {
				t.Errorf("attempt %d: got %q, want both slowed down (429)", i+1, known)
			}
		}
	})
}

// TestAddressThrottleCountsTheClientBehindATrustedProxy (issue 13, finding
// 5): behind a trusted proxy, each client is throttled and audited by its
// own address (X-Forwarded-For, read from the right); without the proxy
// trusted, a header a client sends names nobody.
func TestAddressThrottleCountsTheClientBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db, webtest.Configure(func(c *web.Config) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
		}))
		post := func(username, password, forwarded string) int {
			req, _ := http.NewRequest("POST", f.Server.URL+"/login", strings.NewReader(url.Values{
				"username": {username}, "password": {password}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("X-Forwarded-For", forwarded)
			resp, err := noFollow(&webtest.Browser{Client: &http.Client{}}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		// One client guesses across 21 names (a spoofed left part, then
		// the proxy's own hop, as a real chain reads)...
		for i := range 21 {
			// The first is a staff name, whose failure its clinic's admin
			// reads in the audit log.
			name := "nurse"
			if i > 0 {
				name = fmt.Sprintf("guess%d", i)
			}
			if got := post(name, "not the password", "198.51.100.1, 203.0.113.5, 10.0.0.2"); got != http.StatusUnauthorized {
				t.Fatalf("guess %d: got %d, want 401", i+1, got)
			}
		}
		if got := post("nurse", webtest.Password, "203.0.113.5"); got != http.StatusTooManyRequests {
			t.Errorf("the guessing client: got %d, want 429", got)
		}
		// ...another behind the same proxy signs in.
		if got := post("nurse", webtest.Password, "203.0.113.6"); got != http.StatusSeeOther {
			t.Errorf("another client behind the proxy: got %d, want 303 (signed in)", got)
		}
		entries, err := f.App.SearchAudit(context.Background(), f.Actor("admin"), app.AuditQuery{Action: "auth.login"})
		if err != nil {
			t.Fatal(err)
		}
		sources := map[string]bool{}
		for _, e := range entries {
			sources[e.Source] = true
		}
		if !sources["203.0.113.5"] || !sources["203.0.113.6"] || sources["198.51.100.1"] || sources["127.0.0.1"] {
			t.Errorf("audited sources %v, want the two clients only (not the spoofed hop, not the proxy)", sources)
		}
	})
	// Without a trusted proxy the header is ignored: the peer is audited.
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		req, _ := http.NewRequest("POST", f.Server.URL+"/login", strings.NewReader(url.Values{
			"username": {"nurse"}, "password": {"not the password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		entries, err := f.App.SearchAudit(context.Background(), f.Actor("admin"), app.AuditQuery{Action: "auth.login"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Source != "127.0.0.1" {
				t.Errorf("audited source %q from an untrusted peer's header, want 127.0.0.1", e.Source)
			}
		}
	})
}
