package ui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/integration"
	"github.com/ketaflow/ketaflow/web"
)

// The integration pages: the worklist of sessions at risk, due, missed and
// recently held (a therapist's landing), and one session with its booking,
// hold, signed notes and the patient's journal.

type worklistData struct {
	List app.IntegrationList
}

func (h *UI) integrationPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	wl, err := h.app.IntegrationWorklist(r.Context(), actor, r.URL.Query().Get("scope"))
	if err != nil {
		return err
	}
	v := h.clinicView(r, actor, wl.Clinic, "Integration", "integration")
	v.Data = worklistData{List: wl}
	return h.render(w, http.StatusOK, "integration", v)
}

type integrationData struct {
	S     app.IntegrationView
	Form  url.Values
	Modes []integration.Mode
	// FormFor names the form that was refused ("booking", "held", "note",
	// or a note's id for its amendment).
	FormFor string
}

// Posted is what the refused form sent for key, else def.
func (d integrationData) Posted(form, key, def string) string {
	if d.FormFor == form && d.Form != nil {
		return d.Form.Get(key)
	}
	return def
}

func (h *UI) integrationSessionPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.showIntegration(w, r, actor, http.StatusOK, nil, nil, "")
}

func (h *UI) showIntegration(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, form url.Values, formFor string) error {
	s, err := h.app.Integration(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Integration: "+s.Patient, "integration")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = integrationData{S: s, Form: form, Modes: integration.Modes, FormFor: formFor}
	return h.render(w, status, "integration_session", v)
}

// integrationForm runs a write from a form: on success back to the session
// with a notice, else the session again with the error beside its field.
func (h *UI) integrationForm(w http.ResponseWriter, r *http.Request, actor access.Actor, formFor, done string,
	call func(f url.Values, loc *time.Location) (app.IntegrationView, error)) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	_, err := call(r.PostForm, h.clinicZone(r, actor))
	if err != nil {
		return h.formErr(err, func(status int, err error) error {
			return h.showIntegration(w, r, actor, status, err, r.PostForm, formFor)
		})
	}
	return redirect(w, r, "/visits/"+url.PathEscape(r.PathValue("id"))+"/integration?done="+done+"#"+formFor)
}

// localTime reads a required local date and time of a form.
func (h *UI) localTime(f url.Values, key, what string, loc *time.Location) (time.Time, error) {
	var p ketaflow.Problems
	t := timeField(&p, f, key, what, loc, h.app.Clock.Now())
	if err := p.Err(); err != nil {
		return time.Time{}, err
	}
	if t == nil {
		return time.Time{}, ketaflow.Invalid(key, "say the %s, like 2026-11-25 14:30", what)
	}
	return *t, nil
}

func (h *UI) bookIntegrationSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.integrationForm(w, r, actor, "booking", "integration_booked", func(f url.Values, loc *time.Location) (app.IntegrationView, error) {
		start, err := h.localTime(f, "starts_at", "start", loc)
		if err != nil {
			return app.IntegrationView{}, err
		}
		return h.app.BookIntegration(r.Context(), actor, r.PathValue("id"), app.BookInput{StartsAt: start, Mode: f.Get("mode")})
	})
}

func (h *UI) holdIntegrationSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.integrationForm(w, r, actor, "held", "integration_held", func(f url.Values, loc *time.Location) (app.IntegrationView, error) {
		at, err := h.localTime(f, "held_at", "time it was held", loc)
		if err != nil {
			return app.IntegrationView{}, err
		}
		return h.app.HoldIntegration(r.Context(), actor, r.PathValue("id"), at)
	})
}

func (h *UI) integrationNoteSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.integrationForm(w, r, actor, "note", "integration_note", func(f url.Values, _ *time.Location) (app.IntegrationView, error) {
		return h.app.WriteIntegrationNote(r.Context(), actor, r.PathValue("id"), f.Get("text"))
	})
}

func (h *UI) integrationAmendSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	note := r.PathValue("note")
	return h.integrationForm(w, r, actor, "note-"+note, "integration_amended", func(f url.Values, _ *time.Location) (app.IntegrationView, error) {
		return h.app.AmendIntegrationNote(r.Context(), actor, r.PathValue("id"), note, f.Get("text"), f.Get("reason"))
	})
}

// journalHandOffSubmit hands the browser to the patient for their journal,
// as for the questionnaires: the staff login ends, the tablet cookie opens
// the journal only.
func (h *UI) journalHandOffSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	secret, err := h.app.HandTabletForJournal(r.Context(), actor, web.LoginSecret(r), r.PathValue("id"))
	if err != nil {
		return h.formErr(err, func(status int, err error) error {
			return h.showIntegration(w, r, actor, status, err, nil, "journal")
		})
	}
	http.SetCookie(w, &http.Cookie{Name: tabletCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: web.SecureCookies(r)})
	web.ClearLoginCookie(w, r)
	return redirect(w, r, "/tablet")
}

// tabletJournalSubmit keeps what the patient wrote on the tablet.
func (h *UI) tabletJournalSubmit(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	texts := map[integration.Kind]string{}
	for _, k := range integration.Kinds {
		texts[k] = strings.TrimSpace(r.PostForm.Get(string(k)))
	}
	err := h.app.SubmitTabletJournal(r.Context(), tabletSecret(r), web.ClientAddr(r), texts)
	switch {
	case ketaflow.IsCode(err, ketaflow.ENotFound):
		clearTablet(w, r)
		return redirect(w, r, "/login")
	case ketaflow.IsCode(err, ketaflow.EInvalid), ketaflow.IsCode(err, ketaflow.EConflict):
		page, perr := h.app.Tablet(r.Context(), tabletSecret(r), web.ClientAddr(r))
		if perr != nil {
			return perr
		}
		v := h.newView(r, access.Actor{}, "Your journal", "")
		v.Kiosk = true
		v.withError(err)
		v.Data = tabletData{answerForm: answerForm{Form: r.PostForm}, Page: page, Answering: page.Stage == access.HandOffAnswering,
			Username: page.StaffUsername}
		return h.render(w, web.Status(err), "tablet", v)
	case err != nil:
		return err
	}
	page, err := h.app.Tablet(r.Context(), tabletSecret(r), web.ClientAddr(r))
	if err != nil {
		return err
	}
	v := h.newView(r, access.Actor{}, "Thank you", "")
	v.Kiosk = true
	v.Data = tabletData{Page: page, Sent: true, Username: page.StaffUsername}
	return h.render(w, http.StatusOK, "tablet", v)
}
