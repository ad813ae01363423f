package ui

import (
	"net/http"
	"net/url"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/web"
)

type alertsData struct {
	Alerts   []app.SafetyAlert
	OpenOnly bool
	Form     url.Values
	FormFor  string
}

func (h *UI) alertsPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderAlerts(w, r, actor, http.StatusOK, nil, nil, "")
}

func (h *UI) renderAlerts(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, form url.Values, formFor string) error {
	openOnly := r.URL.Query().Get("all") == ""
	list, err := h.app.Alerts(r.Context(), actor, openOnly)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Safety alerts", "alerts")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = alertsData{Alerts: list, OpenOnly: openOnly, Form: form, FormFor: formFor}
	return h.render(w, status, "alerts", v)
}

func (h *UI) assessSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	id := r.PathValue("id")
	al, view, err := h.app.AssessAlert(r.Context(), actor, id, app.Assessment{Risk: f.Get("risk"), Plan: f.Get("plan"),
		Proceed: f.Get("proceed") == "yes"})
	if err != nil {
		if f.Get("back") == "visit" && f.Get("visit") != "" {
			// Refused on the visit screen: show it again there, with what
			// was typed, rather than on a list of other patients' alerts,
			// from the visit as the service saw it (read afresh only when
			// the service could not read it).
			return h.formErr(err, func(status int, err error) error {
				return h.showVisit(w, r, actor, f.Get("visit"), view, status, err, f, nil)
			})
		}
		return h.formErr(err, func(status int, err error) error { return h.renderAlerts(w, r, actor, status, err, f, id) })
	}
	if next := f.Get("back"); next == "visit" {
		return redirect(w, r, "/visits/"+al.VisitID+"?done=assessed")
	}
	return redirect(w, r, "/alerts?done=assessed")
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
