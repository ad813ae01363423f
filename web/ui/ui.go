// Package ui is ketaflow's staff interface: every page, rendered on the
// server from the embedded templates, with its forms and error pages, and
// the login and logout pages. Handlers call the services of package app and
// render the views it answers with. It mounts on the core in package web.
package ui

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

// UI is the group of the staff pages.
type UI struct {
	app   *app.App
	log   *slog.Logger
	pages *pages
	// staffPages matches the staff pages (GET with the login), to find
	// the page a form belongs to.
	staffPages *http.ServeMux
}

// New returns the pages of an App, parsing every template now so that a
// broken one stops start-up rather than a page view.
func New(a *app.App, log *slog.Logger) (*UI, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	h := &UI{app: a, log: log, pages: p, staffPages: http.NewServeMux()}
	for _, e := range h.Endpoints() {
		if e.Method == http.MethodGet && e.Auth == web.Login {
			h.staffPages.Handle(e.Method+" "+e.Pattern, http.NotFoundHandler())
		}
	}
	return h, nil
}

// ReadsForms marks the pages as taking forms (web.FormReader).
func (h *UI) ReadsForms() {}

// Prefix is where the pages live: everywhere the API does not.
func (h *UI) Prefix() string { return "/" }

// Unauthenticated sends the browser to the login page, to come back here.
// A form posted after the login ended is kept, not saved, for the same
// person after they sign in again (keepDraft), and the login page says so.
func (h *UI) Unauthenticated(w http.ResponseWriter, r *http.Request, _ error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		h.toLogin(w, r)
		return
	}
	q := url.Values{"next": {h.returnPage(r)}}
	if web.LoginSecret(r) != "" && r.URL.Path != "/logout" {
		if h.keepDraft(w, r, q.Get("next")) {
			q.Set("kept", "1")
		} else {
			q.Set("unsaved", "1")
		}
	}
	http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
}

// Fail shows an error page, or the login page when a logged-in actor's
// login ended during the request.
func (h *UI) Fail(w http.ResponseWriter, r *http.Request, actor access.Actor, err error) {
	if ketaflow.IsCode(err, ketaflow.EUnauthorized) && actor.UserID != "" {
		h.toLogin(w, r)
		return
	}
	h.renderError(w, r, actor, err)
}

func (h *UI) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = h.returnPage(r)
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}
