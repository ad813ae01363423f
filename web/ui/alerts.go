package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/web"
)

type alertsData struct {
	Alerts  []app.AlertView
	Notices []app.AlertView
	// State is the list's filter: "" for every alert not resolved.
	State string
	// Total, Page and More say where a paged list (the resolved alerts)
	// stands: how many in all, this page, how many after it; From and To
	// count the alerts of this page among them, from 1.
	Total, Page, More, From, To int
	Form                        url.Values
	FormFor                     string
}

func (h *UI) alertsPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderAlerts(w, r, actor, http.StatusOK, nil, nil, "")
}

func (h *UI) renderAlerts(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, form url.Values, formFor string) error {
	state := alerts.State(r.URL.Query().Get("state"))
	page := 0
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return ketaflow.Invalid("page", "page is a whole number from 1")
		}
		page = n
	}
	// One audited read: the alerts, and what is due now.
	b, err := h.app.AlertsAndNotices(r.Context(), actor, app.AlertFilter{State: state, Page: page})
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Alerts", "alerts")
	if formErr != nil {
		v.withError(formErr)
	}
	d := alertsData{Alerts: b.Alerts, Notices: b.Notices, State: string(state), Total: b.Total, Page: b.Page, More: b.More,
		Form: form, FormFor: formFor}
	if state == alerts.ResolvedSt {
		d.From = (b.Page-1)*app.AlertPageSize + 1
		d.To = d.From + len(b.Alerts) - 1
	}
	v.Data = d
	return h.render(w, status, "alerts", v)
}

// alertFormDone answers a form on an alert: back to the visit it came
// from, or to the Alerts page; a refusal shows the form again where it
// was, with what was typed, from the visit as the service saw it.
func (h *UI) alertFormDone(w http.ResponseWriter, r *http.Request, actor access.Actor, al app.AlertView, view app.VisitView,
	err error, done string) error {
	f := r.PostForm
	id := r.PathValue("id")
	if err != nil {
		if f.Get("back") == "visit" && f.Get("visit") != "" {
			return h.formErr(err, func(status int, err error) error {
				return h.showVisit(w, r, actor, f.Get("visit"), view, status, err, f, nil)
			})
		}
		return h.formErr(err, func(status int, err error) error { return h.renderAlerts(w, r, actor, status, err, f, id) })
	}
	if f.Get("back") == "visit" {
		return redirect(w, r, "/visits/"+url.PathEscape(al.VisitID)+"?done="+done+"#alert-"+al.ID)
	}
	return redirect(w, r, "/alerts?done="+done+"#alert-"+al.ID)
}

func (h *UI) assessSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	al, view, err := h.app.AssessAlert(r.Context(), actor, r.PathValue("id"), app.Assessment{Risk: f.Get("risk"), Plan: f.Get("plan"),
		Proceed: f.Get("proceed") == "yes"})
	return h.alertFormDone(w, r, actor, al, view, err, "assessed")
}

func (h *UI) acknowledgeSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	al, view, err := h.app.AcknowledgeAlert(r.Context(), actor, r.PathValue("id"), r.PostForm.Get("action"))
	return h.alertFormDone(w, r, actor, al, view, err, "acknowledged")
}

func (h *UI) noteSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	al, view, err := h.app.NoteAlert(r.Context(), actor, r.PathValue("id"), r.PostForm.Get("action"))
	return h.alertFormDone(w, r, actor, al, view, err, "noted")
}

func (h *UI) resolveSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	al, view, err := h.app.ResolveAlert(r.Context(), actor, r.PathValue("id"), r.PostForm.Get("reason"))
	return h.alertFormDone(w, r, actor, al, view, err, "resolved")
}

type routesData struct {
	Patient patients.Patient
	Advice  []intake.Advice
	Factors intake.Factors
	Routes  []protocol.Route
	Resp    []intake.Response
}

// Prior returns the prior response recorded for a route in the factors.
func (d routesData) Prior(r protocol.Route) intake.Response { return d.Factors.PriorResponse[r] }

func (h *UI) routesPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	f := intake.Factors{NeedleFear: q.Get("needle_fear") == "yes", WantsInsurance: q.Get("wants_insurance") == "yes",
		PriorResponse: map[protocol.Route]intake.Response{}}
	var p ketaflow.Problems
	f.MinutesAvailable = intField(&p, q, "minutes_available", "time available")
	if err := p.Err(); err != nil {
		return err
	}
	for _, rt := range protocol.Routes {
		if v := q.Get("prior." + string(rt)); v != "" {
			f.PriorResponse[rt] = intake.Response(v)
		}
	}
	if requested := q.Get("route"); requested != "" {
		// Asked for a route by name: oral ketamine is refused here with the
		// reasons, as everywhere a route is given.
		if _, err := intake.CheckRoute(requested); err != nil {
			return err
		}
	}
	advice, patient, err := h.app.AdviseRoutes(r.Context(), actor, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Route advice for "+patient.DisplayName(), "patients")
	v.Data = routesData{Patient: patient, Advice: advice, Factors: f, Routes: protocol.Routes,
		Resp: []intake.Response{intake.ResponseUnknown, intake.ResponseGood, intake.ResponsePartial, intake.ResponseNone}}
	return h.render(w, http.StatusOK, "routes", v)
}

type linkData struct {
	Page      app.LinkPage
	Token     string
	Form      url.Values
	Submitted *app.Submitted
}

// Checked reports whether an answer was ticked on the posted form.
func (d linkData) Checked(instrument string, item, value int) bool {
	return answerForm{Form: d.Form}.Checked(instrument, item, value)
}

// Missing reports whether a posted form left an item unanswered.
func (d linkData) Missing(instrument string, item int) bool {
	return answerForm{Form: d.Form}.Missing(instrument, item)
}

// linkPage is the patient's questionnaire page, reached from a one-time
// link without logging in, sized for a phone.
func (h *UI) linkPage(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	token := r.PathValue("token")
	page, err := h.app.QuestionnaireLink(r.Context(), token, web.ClientAddr(r))
	if err != nil {
		return h.linkGone(w, r, err)
	}
	v := h.newView(r, access.Actor{}, "Before your visit", "")
	v.Data = linkData{Page: page, Token: token}
	return h.render(w, http.StatusOK, "link", v)
}

// linkGone answers a link that no longer opens: used, replaced by a newer
// one, expired, or its visit answered already.
func (h *UI) linkGone(w http.ResponseWriter, r *http.Request, err error) error {
	if !ketaflow.IsCode(err, ketaflow.ENotFound) && !ketaflow.IsCode(err, ketaflow.EConflict) {
		return err
	}
	v := h.newView(r, access.Actor{}, "Link not available", "")
	v.withError(err)
	return h.render(w, web.Status(err), "link", v)
}

func (h *UI) linkSubmitAnswers(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	token := r.PathValue("token")
	sub, err := h.app.SubmitQuestionnaireLink(r.Context(), token, web.ClientAddr(r), answersFrom(r.PostForm))
	if err != nil {
		if !ketaflow.IsCode(err, ketaflow.EInvalid) {
			return h.linkGone(w, r, err)
		}
		page, perr := h.app.QuestionnaireLink(r.Context(), token, web.ClientAddr(r))
		if perr != nil {
			return h.linkGone(w, r, perr)
		}
		v := h.newView(r, access.Actor{}, "Before your visit", "")
		v.withError(err)
		if msg := unansweredMessage(r.PostForm); msg != "" {
			v.Error = msg
		}
		v.Data = linkData{Page: page, Token: token, Form: r.PostForm}
		return h.render(w, http.StatusBadRequest, "link", v)
	}
	v := h.newView(r, access.Actor{}, "Thank you", "")
	v.Data = linkData{Submitted: &sub}
	return h.render(w, http.StatusOK, "link", v)
}
