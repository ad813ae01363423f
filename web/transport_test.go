package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// signIn posts the login form without a cookie jar and returns the answer.
func signIn(t *testing.T, f *webtest.Fixture) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", f.Server.URL+"/login", strings.NewReader(url.Values{
		"username": {"nurse"}, "password": {webtest.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func loginCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "ketaflow_login") {
			return c
		}
	}
	return nil
}

// TestHTTPSPublicURLMakesCookiesSecureAndTurnsOnHSTS (issue 13, finding
// 11): behind a proxy that ends TLS (the binary serves plain http), an
// https public URL gives the login cookie the __Host- prefix and Secure,
// and every answer HSTS; only the prefixed cookie signs in, so a cookie a
// sibling host or plain http set cannot stand in for it.
func TestHTTPSPublicURLMakesCookiesSecureAndTurnsOnHSTS(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := webtest.New(t, db, webtest.Configure(func(c *web.Config) { c.PublicURL, _ = web.ParsePublicURL("https://clinic.example") }))
		resp := signIn(t, f)
		c := loginCookie(resp)
		if c == nil {
			t.Fatalf("sign-in set no login cookie: %v", resp.Header["Set-Cookie"])
		}
		if c.Name != web.SecureLoginCookie || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("login cookie %+v, want __Host-ketaflow_login, Secure, HttpOnly, Path=/, no Domain, SameSite=Lax", c)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("Strict-Transport-Security %q, want max-age", got)
		}
		use := func(name string) int {
			req, _ := http.NewRequest("GET", f.Server.URL+"/patients", nil)
			req.AddCookie(&http.Cookie{Name: name, Value: c.Value})
			r, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			return r.StatusCode
		}
		if got := use(web.SecureLoginCookie); got != http.StatusOK {
			t.Errorf("GET /patients with the __Host- cookie: %d, want 200", got)
		}
		if got := use(web.LoginCookie); got != http.StatusSeeOther {
			t.Errorf("GET /patients with the unprefixed cookie over https: %d, want 303 to the login page", got)
		}
	})
}

// TestPlainHTTPKeepsAWorkingCookieWithoutHSTS: the demo on
// http://localhost has no TLS, where browsers refuse Secure and __Host-;
// its cookie keeps the plain name and works, and no HSTS is sent.
func TestPlainHTTPKeepsAWorkingCookieWithoutHSTS(t *testing.T) {
	t.Parallel()
	f := webtest.New(t, storetest.Open(t, store.SQLite))
	resp := signIn(t, f)
	c := loginCookie(resp)
	if c == nil || c.Name != web.LoginCookie || c.Secure || !c.HttpOnly {
		t.Fatalf("login cookie %+v, want ketaflow_login, HttpOnly, not Secure", c)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("Strict-Transport-Security %q over plain http, want none", got)
	}
	f.Login("nurse") // the cookie-jar browser signs in and reaches the list
}

// TestCSPForbidsBaseAndForeignForms (issue 13, finding 11): an injected
// <base> cannot redirect the page's relative links and forms.
func TestCSPForbidsBaseAndForeignForms(t *testing.T) {
	t.Parallel()
	f := webtest.New(t, storetest.Open(t, store.SQLite))
	csp := get(t, f.Server.URL+"/login").Header.Get("Content-Security-Policy")
	for _, want := range []string{"base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
		}
	}
}
