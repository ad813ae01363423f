package web

import (
	"net"
	"net/http"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

// LoginCookie is the cookie that holds a staff login.
const LoginCookie = "ketaflow_login"

// Authenticate finds the actor of a request: a bearer token (when auth is
// LoginOrToken) or the login cookie.
func Authenticate(a *app.App, r *http.Request, auth Auth) (access.Actor, error) {
	source := ClientAddr(r)
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || auth != LoginOrToken {
			return access.Actor{}, ketaflow.Errorf(ketaflow.EUnauthorized, "use Authorization: Bearer <API token>")
		}
		return a.Authenticate(r.Context(), strings.TrimSpace(token), source)
	}
	c, err := r.Cookie(LoginCookie)
	if err != nil {
		return access.Actor{}, ketaflow.Errorf(ketaflow.EUnauthorized, "please log in")
	}
	return a.Authenticate(r.Context(), c.Value, source)
}

// ClientAddr is the address the request came from, for the audit log.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// BaseURL is the scheme and host the request came to, for links to send.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
