package ui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
	"github.com/pquerna/otp"
)

// The step between the password and the code holds a secret of its own,
// in a cookie of its own: it is no login, and the pages of the staff do
// not take it. Over HTTPS it has the __Host- prefix, as the login cookie.
const (
	signInCookie       = "ketaflow_signin"
	secureSignInCookie = "__Host-ketaflow_signin"
)

func signInCookieName(r *http.Request) string {
	if web.SecureCookies(r) {
		return secureSignInCookie
	}
	return signInCookie
}

func signInSecret(r *http.Request) string {
	if c, err := r.Cookie(signInCookieName(r)); err == nil {
		return c.Value
	}
	return ""
}

func setSignIn(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: signInCookieName(r), Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: web.SecureCookies(r), MaxAge: int(access.ChallengeLifetime.Seconds())})
}

func clearSignIn(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: signInCookieName(r), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: web.SecureCookies(r)})
}

// afterPassword sends a right password on: to the code (or the
// enrolment) when the sign-in has a second step, otherwise signed in.
func (h *UI) afterPassword(w http.ResponseWriter, r *http.Request, in app.SignIn, next string) error {
	if in.ChallengeSecret == "" {
		return h.finishSignIn(w, r, in, next)
	}
	setSignIn(w, r, in.ChallengeSecret)
	if tabletSecret(r) != "" {
		clearTablet(w, r) // the hand-over ended with the password
	}
	page := "/login/code"
	if in.Challenge == access.ChallengeEnrol {
		page = "/login/enrol"
	}
	return redirect(w, r, page+"?"+url.Values{"next": {nextAfter(in, next)}}.Encode())
}

// nextAfter is the page a sign-in goes on to.
func nextAfter(in app.SignIn, next string) string {
	switch {
	case in.User.MustChangePassword:
		// An admin set this password (an approved reset or role grant):
		// nothing else opens until the person sets their own.
		return "/account?done=must_change_password"
	case in.VisitID != "" && in.Journal:
		return "/visits/" + url.PathEscape(in.VisitID) + "/integration?done=journal_back#journal"
	case in.VisitID != "":
		return "/visits/" + url.PathEscape(in.VisitID) + "?done=tablet_back#questionnaires"
	}
	return next
}

// finishSignIn sets the new login's cookie and goes on.
func (h *UI) finishSignIn(w http.ResponseWriter, r *http.Request, in app.SignIn, next string) error {
	return h.signedIn(w, r, in.LoginSecret, nextAfter(in, next))
}

type codeData struct {
	Next     string
	Username string
	// Enrol: the clinic requires the role's second factor and there is
	// none yet: the page sets one up.
	Enrol *enrolData
}

// enrolData is an authenticator being set up, as a page shows it: the QR
// code as a data: URL (the CSP allows images from data:), and the secret
// in groups of four, for typing into an app by hand.
type enrolData struct {
	QR     template.URL
	Secret string
	Groups []string
}

func newEnrolData(e *app.Enrolment) (*enrolData, error) {
	if e == nil {
		return nil, nil
	}
	k, err := otp.NewKeyFromURL(e.URL)
	if err != nil {
		return nil, ketaflow.Internal("read the authenticator's URL", err)
	}
	img, err := k.Image(240, 240)
	if err != nil {
		return nil, ketaflow.Internal("draw the QR code", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, ketaflow.Internal("encode the QR code", err)
	}
	d := &enrolData{QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), Secret: e.Secret}
	for s := e.Secret; s != ""; {
		n := min(4, len(s))
		d.Groups, s = append(d.Groups, s[:n]), s[n:]
	}
	return d, nil
}

// codePage asks for the code of the sign-in in progress, or sets up the
// authenticator it requires (enrol).
func (h *UI) codePage(enrol bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
		return h.showCode(w, r, enrol, http.StatusOK, nil)
	}
}

func (h *UI) showCode(w http.ResponseWriter, r *http.Request, enrol bool, status int, formErr error) error {
	next := safeNext(r.URL.Query().Get("next"))
	if r.Method == http.MethodPost {
		next = safeNext(r.PostFormValue("next"))
	}
	p, err := h.app.SignInChallenge(r.Context(), signInSecret(r))
	if err != nil {
		if web.Status(err) >= 500 {
			return err
		}
		clearSignIn(w, r)
		return redirect(w, r, "/login?"+url.Values{"next": {next}}.Encode())
	}
	if (p.Kind == access.ChallengeEnrol) != enrol {
		page := "/login/code"
		if p.Kind == access.ChallengeEnrol {
			page = "/login/enrol"
		}
		return redirect(w, r, page+"?"+url.Values{"next": {next}}.Encode())
	}
	d := codeData{Next: next, Username: p.Username}
	title := "Enter your code"
	if enrol {
		title = "Set up two-factor sign-in"
		if d.Enrol, err = newEnrolData(p.Enrolment); err != nil {
			return err
		}
	}
	v := h.newView(r, access.Actor{}, title, "")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = d
	return h.render(w, status, "login_code", v)
}

// codeSubmit takes the code of the sign-in in progress (for an enrolment,
// the first code of the new authenticator, which shows the recovery codes
// once).
func (h *UI) codeSubmit(enrol bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
		next := safeNext(r.PostFormValue("next"))
		in, err := h.app.CompleteSignIn(r.Context(), signInSecret(r), r.PostFormValue("code"), web.ClientAddr(r))
		if err != nil {
			if web.Status(err) >= 500 {
				return err
			}
			if ketaflow.IsCode(err, ketaflow.EUnauthorized) {
				clearSignIn(w, r)
				v := h.newView(r, access.Actor{}, "Log in", "")
				v.withError(err)
				v.Data = loginData{Next: next}
				return h.render(w, web.Status(err), "login", v)
			}
			return h.showCode(w, r, enrol, web.Status(err), err)
		}
		clearSignIn(w, r)
		if len(in.RecoveryCodes) == 0 {
			return h.finishSignIn(w, r, in, next)
		}
		web.SetLoginCookie(w, r, in.LoginSecret)
		v := h.newView(r, in.User.Actor(web.ClientAddr(r)), "Your recovery codes", "account")
		v.Data = recoveryData{Codes: in.RecoveryCodes, Next: nextAfter(in, next)}
		return h.render(w, http.StatusOK, "recovery_codes", v)
	}
}

// recoveryData is a new set of recovery codes, shown once.
type recoveryData struct {
	Codes []string
	Next  string
}

// Text is the codes as one block, one a line, for copying.
func (d recoveryData) Text() string { return strings.Join(d.Codes, "\n") }

// twoFactorSetupSubmit starts setting up an authenticator from the account
// page.
func (h *UI) twoFactorSetupSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	tf, err := h.app.StartTwoFactor(r.Context(), actor)
	if err != nil {
		return err
	}
	return h.renderAccountWith(w, r, actor, http.StatusOK, nil, "", &tf)
}

// twoFactorConfirmSubmit confirms the authenticator being set up with its
// first code and shows the recovery codes once.
func (h *UI) twoFactorConfirmSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	tf, err := h.app.ConfirmTwoFactor(r.Context(), actor, r.PostFormValue("code"))
	if err != nil {
		if web.Status(err) >= 500 {
			return err
		}
		return h.renderAccount(w, r, actor, web.Status(err), err, "")
	}
	v := h.newView(r, actor, "Your recovery codes", "account")
	v.Data = recoveryData{Codes: tf.RecoveryCodes, Next: "/account"}
	return h.render(w, http.StatusOK, "recovery_codes", v)
}

// twoFactorNote says a person's second factor in words, for the account
// page.
func twoFactorNote(tf app.TwoFactorView) string {
	switch {
	case tf.Enrolled && tf.RecoveryLeft == 0:
		return "On. You have no recovery codes left: make new ones by setting up your app again."
	case tf.Enrolled:
		return fmt.Sprintf("On. %d recovery codes left.", tf.RecoveryLeft)
	case tf.Required:
		return "Required for your role: you will be asked to set it up at your next sign-in."
	}
	return "Off."
}

// breakGlassSubmit opens the patient's record to the reader outside their
// role, with their reason.
func (h *UI) breakGlassSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	id := r.PathValue("id")
	if _, err := h.app.OpenBreakGlass(r.Context(), actor, id, r.PostFormValue("reason")); err != nil {
		if ketaflow.IsCode(err, ketaflow.EInvalid) || ketaflow.IsCode(err, ketaflow.EConflict) {
			return h.renderPatient(w, r, actor, id, web.Status(err), err)
		}
		return err
	}
	return redirect(w, r, "/patients/"+url.PathEscape(id)+"?done=break_glass")
}

// breakGlassEndSubmit ends the reader's break-glass access.
func (h *UI) breakGlassEndSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.EndBreakGlass(r.Context(), actor); err != nil {
		return err
	}
	return redirect(w, r, "/patients?done=break_glass_ended")
}

// breakGlassReviewSubmit marks another person's break-glass access as
// reviewed.
func (h *UI) breakGlassReviewSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.ReviewBreakGlass(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/admin/users?done=break_glass_reviewed")
}
