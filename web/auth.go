package web

import (
	"net/http"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

// The cookie that holds a staff login: SecureLoginCookie over HTTPS,
// LoginCookie on plain http (see LoginCookieName).
const (
	LoginCookie       = "ketaflow_login"
	SecureLoginCookie = "__Host-ketaflow_login"
)

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
	secret := LoginSecret(r)
	if secret == "" {
		return access.Actor{}, ketaflow.Errorf(ketaflow.EUnauthorized, "please log in")
	}
	return a.Authenticate(r.Context(), secret, source)
}
