package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/checkin"
	"github.com/ketaflow/ketaflow/web"
)

// checkInData is the patient's morning-after check-in page.
type checkInData struct {
	Page      app.CheckInPage
	Token     string
	Form      url.Values
	Saved     *app.CheckInSaved
	Sleeps    []checkin.Sleep
	Effects   []checkin.Effect
	Safety    string // the safety question
	MoodScale []int
}

func newCheckInData(p app.CheckInPage, token string, form url.Values) checkInData {
	return checkInData{Page: p, Token: token, Form: form, Sleeps: checkin.Sleeps, Effects: checkin.Effects,
		Safety: checkin.SafetyQuestion, MoodScale: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
}

// checkInAnswers reads the form: a field left out stays unanswered, so
// that the refusal names it.
func checkInAnswers(f url.Values) checkin.Answers {
	var a checkin.Answers
	if s := strings.TrimSpace(f.Get("mood")); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			a.Mood = &n
		} else {
			bad := -1
			a.Mood = &bad
		}
	}
	a.Sleep = checkin.Sleep(f.Get("sleep"))
	for _, e := range f["effects"] {
		a.Effects = append(a.Effects, checkin.Effect(e))
	}
	switch f.Get("safety") {
	case "yes":
		yes := true
		a.Safety = &yes
	case "no":
		no := false
		a.Safety = &no
	}
	a.Note = f.Get("note")
	return a
}

func (h *UI) checkInPage(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	token := r.PathValue("token")
	page, err := h.app.CheckInLink(r.Context(), token, web.ClientAddr(r))
	if err != nil {
		return h.checkInGone(w, r, err)
	}
	v := h.newView(r, access.Actor{}, "How are you this morning?", "")
	v.Data = newCheckInData(page, token, nil)
	return h.render(w, http.StatusOK, "checkin", v)
}

// checkInGone answers a link that no longer opens: used, replaced,
// expired, or its check-in saved already.
func (h *UI) checkInGone(w http.ResponseWriter, r *http.Request, err error) error {
	if !ketaflow.IsCode(err, ketaflow.ENotFound) && !ketaflow.IsCode(err, ketaflow.EConflict) {
		return err
	}
	v := h.newView(r, access.Actor{}, "Link not available", "")
	v.withError(err)
	return h.render(w, web.Status(err), "checkin", v)
}

func (h *UI) checkInSubmit(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	token := r.PathValue("token")
	saved, err := h.app.SubmitCheckIn(r.Context(), token, web.ClientAddr(r), checkInAnswers(r.PostForm))
	if err != nil {
		if !ketaflow.IsCode(err, ketaflow.EInvalid) {
			return h.checkInGone(w, r, err)
		}
		page, perr := h.app.CheckInLink(r.Context(), token, web.ClientAddr(r))
		if perr != nil {
			return h.checkInGone(w, r, perr)
		}
		v := h.newView(r, access.Actor{}, "How are you this morning?", "")
		v.withError(err)
		v.Data = newCheckInData(page, token, r.PostForm)
		return h.render(w, http.StatusBadRequest, "checkin", v)
	}
	v := h.newView(r, access.Actor{}, "Thank you", "")
	d := newCheckInData(app.CheckInPage{}, "", nil)
	d.Saved = &saved
	v.Data = d
	return h.render(w, http.StatusOK, "checkin", v)
}

// outboxPage is the admin's list of the emails to patients.
func (h *UI) outboxPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	out, err := h.app.Outbox(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Outbox", "outbox")
	v.Data = out
	return h.render(w, http.StatusOK, "outbox", v)
}

// Checked reports whether the form sent value for field, so that a
// refused form keeps the patient's answers.
func (d checkInData) Checked(field, value string) bool { return slices.Contains(d.Form[field], value) }
