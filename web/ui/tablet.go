package ui

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

// The clinic tablet in the patient's hands. Handing it over (handOffSubmit)
// ends the staff login on the browser and gives it the tablet cookie, which
// opens these pages only: the questionnaires still to answer, one
// submission, then "please hand the tablet back" with the patient's crisis
// help when item 9 raised the alert. Nothing clinical is shown and there is
// no staff navigation; every staff page sends the browser to the login,
// which sends it back here while the tablet is handed over. A staff member
// takes it back by signing in with their own password (throttled as every
// login is) and returns to the visit.

// tabletCookie holds the secret of a hand-over (access.HandOff).
const tabletCookie = "ketaflow_tablet"

// tabletSecret is the browser's tablet cookie, "" when it has none.
func tabletSecret(r *http.Request) string {
	if c, err := r.Cookie(tabletCookie); err == nil {
		return c.Value
	}
	return ""
}

// clearTablet removes the tablet cookie: the tablet is back with the staff.
func clearTablet(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: tabletCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: web.SecureCookies(r)})
}

type tabletData struct {
	answerForm
	Page app.TabletPage
	// Sent: the answers were saved by this request.
	Sent bool
	// Answering: the form is shown; otherwise the tablet asks to be
	// handed back.
	Answering bool
	// SignIn is the staff sign-in that takes the tablet back: the
	// username it starts with, and why the last attempt failed.
	Username    string
	SignInError string
}

// tabletPage is the patient's page of a browser handed over to them.
func (h *UI) tabletPage(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	return h.showTablet(w, r, http.StatusOK, tabletData{})
}

// showTablet reads the tablet's page and renders it with d.
func (h *UI) showTablet(w http.ResponseWriter, r *http.Request, status int, d tabletData) error {
	page, err := h.app.Tablet(r.Context(), tabletSecret(r), web.ClientAddr(r))
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		clearTablet(w, r)
		return redirect(w, r, "/login")
	}
	if err != nil {
		return err
	}
	d.Page, d.Answering = page, page.Stage == access.HandOffAnswering
	if d.Username == "" {
		d.Username = page.StaffUsername
	}
	title := "Questionnaires"
	if page.Journal {
		title = "Your journal"
	}
	if !d.Answering {
		title = "Please hand the tablet back"
	}
	v := h.newView(r, access.Actor{}, title, "")
	v.Kiosk = true
	v.Data = d
	return h.render(w, status, "tablet", v)
}

// tabletSubmit saves the patient's answers from the tablet.
func (h *UI) tabletSubmit(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	sub, err := h.app.SubmitTablet(r.Context(), tabletSecret(r), web.ClientAddr(r), answersFrom(r.PostForm))
	switch {
	case ketaflow.IsCode(err, ketaflow.ENotFound):
		clearTablet(w, r)
		return redirect(w, r, "/login")
	case ketaflow.IsCode(err, ketaflow.EInvalid):
		page, perr := h.app.Tablet(r.Context(), tabletSecret(r), web.ClientAddr(r))
		if perr != nil {
			return perr
		}
		v := h.newView(r, access.Actor{}, "Questionnaires", "")
		v.Kiosk = true
		v.withError(err)
		if msg := unansweredMessage(r.PostForm); msg != "" {
			v.Error = msg
		}
		v.Data = tabletData{answerForm: answerForm{Form: r.PostForm}, Page: page, Answering: page.Stage == access.HandOffAnswering,
			Username: page.StaffUsername}
		return h.render(w, http.StatusBadRequest, "tablet", v)
	case ketaflow.IsCode(err, ketaflow.EConflict):
		// Sent already, or answered meanwhile from a link: the tablet goes
		// back, saying why.
		page, perr := h.app.Tablet(r.Context(), tabletSecret(r), web.ClientAddr(r))
		if perr != nil {
			return perr
		}
		page.Stage = access.HandOffHandBack
		v := h.newView(r, access.Actor{}, "Please hand the tablet back", "")
		v.Kiosk = true
		v.withError(err)
		v.Data = tabletData{Page: page, Username: page.StaffUsername}
		return h.render(w, http.StatusConflict, "tablet", v)
	case err != nil:
		return err
	}
	// The page after the answers is the same for every patient but for
	// their crisis help: the scores are for the nurse and prescriber.
	page, err := h.app.Tablet(r.Context(), tabletSecret(r), web.ClientAddr(r))
	if err != nil {
		return err
	}
	page.Alert = page.Alert || sub.Alert
	if sub.Alert {
		page.PatientCrisisResources = sub.PatientCrisisResources
	}
	v := h.newView(r, access.Actor{}, "Thank you", "")
	v.Kiosk = true
	v.Data = tabletData{Page: page, Sent: true, Username: page.StaffUsername}
	return h.render(w, http.StatusOK, "tablet", v)
}

// tabletReturnSubmit is a staff member taking the tablet back: their own
// sign-in, then the visit.
func (h *UI) tabletReturnSubmit(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	in, err := h.app.TakeTabletBack(r.Context(), tabletSecret(r), username, password, web.ClientAddr(r))
	if err != nil {
		if web.Status(err) >= 500 {
			return err
		}
		return h.showTablet(w, r, web.Status(err), tabletData{Username: username, SignInError: sentence(ketaflow.ErrorMessage(err))})
	}
	return h.afterPassword(w, r, in, "/patients")
}

// signedIn sets the new login's cookie, ends the browser's tablet
// hand-over, and goes on to next (nextAfter: the visit the tablet was
// handed over for, or the page asked for).
func (h *UI) signedIn(w http.ResponseWriter, r *http.Request, secret, next string) error {
	web.SetLoginCookie(w, r, secret)
	if tabletSecret(r) != "" {
		clearTablet(w, r)
	}
	return redirect(w, r, next)
}
