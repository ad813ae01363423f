package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/web"
)

// A staff form posted after its login ended (idle too long) is not lost:
// it is kept sealed (app.KeepDraft) under a key the browser holds in
// draftCookie, the browser goes to the login page, which says so, and after
// the same person signs in they are back on the page with the form filled
// in and "Not saved yet: check and save". Nothing is posted again by
// itself; a different person signing in on the browser never sees it.

// draftCookie names the kept form and holds the key that opens it.
const draftCookie = "ketaflow_draft"

// keepDraft keeps the form of a refused post and sets the draft cookie;
// it reports whether the form was kept. Only a browser whose login cookie
// names a login that has ended can keep one: the form belongs to that
// login's user.
func (h *UI) keepDraft(w http.ResponseWriter, r *http.Request, page string) bool {
	secret := web.LoginSecret(r)
	if secret == "" || r.URL.Path == "/logout" {
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2*access.MaxDraftBytes)
	if err := r.ParseForm(); err != nil {
		return false
	}
	value, _, err := h.app.KeepDraft(r.Context(), secret, page, r.URL.Path, r.PostForm, web.ClientAddr(r))
	if err != nil {
		web.LogError(h.log, r, err)
		return false
	}
	if value == "" {
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: draftCookie, Value: value, Path: "/", MaxAge: int(access.DraftLifetime.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: web.SecureCookies(r)})
	return true
}

// returnPage is the page a form was posted from, to come back to after
// signing in: the Referer when it is a page of this site, else the nearest
// page above the form's address (/visits/{id}/vitals is on /visits/{id}).
func (h *UI) returnPage(r *http.Request) string {
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" && safeNext(ref.Path) == ref.Path &&
		h.isPage(ref.Path) {
		return ref.Path
	}
	for p := path.Clean(r.URL.Path); p != "/" && p != "."; p = path.Dir(p) {
		if h.isPage(p) {
			return p
		}
	}
	return "/patients"
}

// isPage reports whether a path is a staff page (a GET endpoint with the
// login).
func (h *UI) isPage(p string) bool {
	_, pattern := h.staffPages.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}})
	return pattern != "" && pattern != "GET /{$}"
}

// draftView is a kept form as a page shows it.
type draftView struct {
	Form    access.DraftForm
	Fields  []draftField // what was typed, for the notice
	Dropped bool         // a password was left out: type it again
	JSON    string       // the form, for app.js to fill it in
}

type draftField struct{ Name, Value string }

func newDraftView(f access.DraftForm) *draftView {
	d := &draftView{Form: f, Dropped: len(f.Dropped) > 0}
	names := make([]string, 0, len(f.Fields))
	for k := range f.Fields {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v := strings.Join(f.Fields[k], ", ")
		if strings.HasSuffix(k, ".shown") || v == "" {
			continue
		}
		d.Fields = append(d.Fields, draftField{Name: strings.NewReplacer("_", " ", ".", " ").Replace(k), Value: v})
	}
	b, _ := json.Marshal(f)
	d.JSON = string(b)
	return d
}

// restoreDraft gives the page being shown the form kept for its reader,
// when the browser has one for this page.
func (h *UI) restoreDraft(r *http.Request, actor access.Actor, v *view) {
	c, err := r.Cookie(draftCookie)
	if err != nil || actor.UserID == "" || r.Method != http.MethodGet {
		return
	}
	f, keep, err := h.app.RestoreDraft(r.Context(), actor, c.Value, r.URL.Path)
	if err != nil {
		web.LogError(h.log, r, err)
	}
	if f != nil {
		v.Draft = newDraftView(*f)
	}
	v.clearDraft = !keep
}
