package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

type loginData struct {
	Username string
	Next     string
	// Kept: the form posted after the login ended is kept, not saved, for
	// the same person to check and save after signing in. Unsaved: it
	// could not be kept and must be entered again.
	Kept, Unsaved bool
}

// KeptFor says how long a kept form waits, for people.
func (loginData) KeptFor() string {
	return fmt.Sprintf("%d minutes", int(access.DraftLifetime.Minutes()))
}

func (h *UI) loginPage(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	// A browser handed to a patient goes back to the patient's page: it
	// is signed in again only from there, by a staff member.
	if h.app.TabletHandedOver(r.Context(), tabletSecret(r)) {
		return redirect(w, r, "/tablet")
	}
	if actor, err := web.Authenticate(h.app, r, web.Login); err == nil && actor.UserID != "" {
		return redirect(w, r, safeNext(r.URL.Query().Get("next")))
	}
	q := r.URL.Query()
	v := h.newView(r, access.Actor{}, "Log in", "")
	v.Data = loginData{Next: safeNext(q.Get("next")), Kept: q.Get("kept") == "1", Unsaved: q.Get("unsaved") == "1"}
	return h.render(w, http.StatusOK, "login", v)
}

func (h *UI) loginSubmit(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	// Signing in on a browser handed to a patient takes the tablet back.
	in, err := h.app.TakeTabletBack(r.Context(), tabletSecret(r), username, password, web.ClientAddr(r))
	if err != nil {
		if ketaflow.ErrorCode(err) == ketaflow.EInternal || ketaflow.ErrorCode(err) == ketaflow.EUnavailable {
			return err
		}
		v := h.newView(r, access.Actor{}, "Log in", "")
		v.withError(err)
		v.Data = loginData{Username: username, Next: next, Kept: r.PostFormValue("kept") == "1"}
		return h.render(w, web.Status(err), "login", v)
	}
	return h.afterPassword(w, r, in, next)
}

// safeNext keeps a post-login redirect on this site: it accepts only a
// path of this server, parsed, with nothing a browser would read as
// another host. Browsers drop tabs and newlines from a URL and read a
// backslash as a slash, so "/\t/evil.example" or "/\\evil.example" would
// become "//evil.example"; any such byte refuses the whole value, and what
// is returned is rebuilt from the parsed path and query only. Without a
// next page, or with one refused, the person lands on their home page
// ("/", which sends each role to its own).
func safeNext(next string) string {
	const home = "/"
	if next == "" || strings.ContainsFunc(next, func(c rune) bool { return c < 0x20 || c == 0x7f || c == '\\' || unicode.IsSpace(c) }) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.HasPrefix(u.EscapedPath(), "//") {
		return home
	}
	// The path as the mux will read it: "/./login" is the login page too.
	if clean := path.Clean(u.Path); clean == "/login" || strings.HasPrefix(clean, "/login/") || strings.HasPrefix(clean, "//") {
		return home
	}
	out := &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}
	s := out.String()
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return home
	}
	return s
}

func (h *UI) logout(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if secret := web.LoginSecret(r); secret != "" {
		if err := h.app.Logout(r.Context(), actor, secret); err != nil {
			return err
		}
	}
	web.ClearLoginCookie(w, r)
	return redirect(w, r, "/login")
}

// home is where a person lands after logging in: the clinical roles, who
// run the chairs, on the floor board; front desk, who works the day's
// visits, on Today; the clinic admin, who has no visits to run, on
// Patients.
func (h *UI) home(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return redirect(w, r, Landing(actor.Role))
}

// Landing is the page a role lands on after logging in.
func Landing(role access.Role) string {
	switch {
	case role == access.Therapist:
		// The therapist's work is the integration sessions [issue 10].
		return "/integration"
	case app.Sees(role, app.PartSession):
		return "/board"
	case role == access.Admin:
		return "/patients"
	}
	return "/visits"
}

type accountData struct {
	Tokens   []accountToken
	NewToken string
	Scopes   []access.Scope
	// TwoFactor is the reader's second factor; Enrol, an authenticator
	// being set up.
	TwoFactor     app.TwoFactorView
	TwoFactorNote string
	Enrol         *enrolData
}

// accountToken is a token as the account page lists it.
type accountToken struct {
	access.APIToken
	Expired bool
}

func (h *UI) accountPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderAccount(w, r, actor, http.StatusOK, nil, "")
}

func (h *UI) renderAccount(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, newToken string) error {
	return h.renderAccountWith(w, r, actor, status, formErr, newToken, nil)
}

// renderAccountWith is the account page; tf, when given, is the second
// factor as the request left it.
func (h *UI) renderAccountWith(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, newToken string, tf *app.TwoFactorView) error {
	tokens, err := h.app.APITokens(r.Context(), actor)
	if err != nil {
		return err
	}
	if tf == nil {
		t, err := h.app.TwoFactor(r.Context(), actor)
		if err != nil && !ketaflow.IsCode(err, ketaflow.EForbidden) {
			return err
		}
		tf = &t
	}
	v := h.newView(r, actor, "Your account", "account")
	if formErr != nil {
		v.withError(formErr)
	}
	now := h.app.Clock.Now()
	list := make([]accountToken, len(tokens))
	for i, t := range tokens {
		list[i] = accountToken{APIToken: t, Expired: t.RevokedAt == nil && !t.Live(now)}
	}
	d := accountData{Tokens: list, NewToken: newToken, Scopes: access.Scopes, TwoFactor: *tf, TwoFactorNote: twoFactorNote(*tf)}
	if d.Enrol, err = newEnrolData(tf.Enrolment); err != nil {
		return err
	}
	v.Data = d
	return h.render(w, status, "account", v)
}

func (h *UI) passwordSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	cur, next, again := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("new_password_again")
	if next != again {
		return h.renderAccount(w, r, actor, http.StatusBadRequest, ketaflow.Invalid("new_password_again", "the two new passwords differ"), "")
	}
	if err := h.app.ChangeOwnPassword(r.Context(), actor, cur, next); err != nil {
		if web.Status(err) >= 500 {
			return err
		}
		return h.renderAccount(w, r, actor, web.Status(err), err, "")
	}
	// Every login of the user ended with the change: log in again.
	web.ClearLoginCookie(w, r)
	return redirect(w, r, "/login")
}

func (h *UI) createTokenSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	days := 0
	if d := strings.TrimSpace(r.PostFormValue("expires_in_days")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return h.renderAccount(w, r, actor, http.StatusBadRequest, ketaflow.Invalid("expires_in_days", "a token lasts 1 to 365 days"), "")
		}
		days = n
	}
	_, secret, err := h.app.CreateAPIToken(r.Context(), actor, app.NewAPIToken{Name: r.PostFormValue("name"),
		Scopes: r.PostForm["scopes"], Days: days})
	if err != nil {
		if web.Status(err) >= 500 {
			return err
		}
		return h.renderAccount(w, r, actor, web.Status(err), err, "")
	}
	// The secret is shown once, on this response, and never stored.
	return h.renderAccount(w, r, actor, http.StatusOK, nil, secret)
}

func (h *UI) revokeTokenSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.RevokeAPIToken(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/account?done=revoked")
}
