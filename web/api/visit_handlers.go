package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/web"
)

// renameErrField makes an error name the field as this endpoint's body names it.
func renameErrField(err error, from, to string) error {
	e, ok := err.(*ketaflow.Error)
	if !ok {
		return err
	}
	if e.Field == from {
		e.Field = to
	}
	for i := range e.Fields {
		if e.Fields[i].Field == from {
			e.Fields[i].Field = to
		}
	}
	return err
}

func (h *API) schedule(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var day ketaflow.Date
	if q := r.URL.Query().Get("date"); q != "" {
		d, err := ketaflow.ParseDate(q)
		if err != nil {
			return ketaflow.Invalid("date", "date must be a day of the clinic, like 2026-11-25")
		}
		day = d
	} else {
		c, err := h.app.Clinic(r.Context(), actor.ClinicID)
		if err != nil {
			return err
		}
		day = c.Today(h.app.Clock.Now())
	}
	list, err := h.app.Schedule(r.Context(), actor, day)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, apiSchedule{Date: day, Visits: toAPIRows(list)})
	return nil
}

func (h *API) bookVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.VisitBook, access.CatVisit); err != nil {
		return err
	}
	var b apiBooking
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	v, err := h.app.BookVisit(r.Context(), actor, b.booking())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/visits/"+v.Visit.ID)
	web.WriteJSON(w, http.StatusCreated, visitOf(v))
	return nil
}

func (h *API) getVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, err := h.app.Visit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIScreen(v))
	return nil
}

func (h *API) moveVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in apiMove
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	to, err := visits.ParseState(string(in.To))
	if err != nil {
		return renameErrField(err, "state", "to")
	}
	v, err := h.app.MoveVisit(r.Context(), actor, r.PathValue("id"), to, in.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, visitOf(v))
	return nil
}

func (h *API) clearVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, err := h.app.ClearVisit(r.Context(), actor, r.PathValue("id"))
	if ketaflow.IsCode(err, ketaflow.EBlocked) && len(v.Gate.Checks) > 0 {
		// The refusal comes with the visit as it stood: its gate names
		// what blocks.
		web.LogError(h.log, r, err)
		e := ketaflow.AsError(err)
		body := apiBlocked{Error: apiErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}, Blocking: []intake.CheckID{},
			Checks: []apiGateCheck{}}
		body.Blocking = append(body.Blocking, v.Gate.Blocking...)
		for _, c := range v.Gate.Checks {
			if slices.Contains(v.Gate.Blocking, c.ID) {
				body.Checks = append(body.Checks, toAPICheck(c))
			}
		}
		web.WriteJSON(w, http.StatusUnprocessableEntity, body)
		return nil
	}
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, apiCleared{Visit: visitOf(v), Gate: toAPIGate(v.Gate)})
	return nil
}

func (h *API) recordVitals(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[vitalsInput](h, r, actor, access.VitalsRecord, access.CatVitals)
	if err != nil {
		return err
	}
	rd := in.reading()
	saved, v, err := h.app.RecordVitals(r.Context(), actor, r.PathValue("id"), app.VitalsInput{Reading: &rd})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, apiVitalsAnswer{Reading: toAPIReading(saved), Gate: toAPIGate(v.Gate)})
	return nil
}

func (h *API) recordVisitWeight(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiNewWeight](h, r, actor, access.WeightRecord, access.CatClinical)
	if err != nil {
		return err
	}
	v, err := h.app.RecordVisitWeight(r.Context(), actor, r.PathValue("id"), in.newWeight())
	if err != nil {
		return renameErrField(err, "weight_kg", "kg")
	}
	// The weight as recorded: measured now (the moment the visit was
	// judged) when the body leaves the time out.
	at := in.MeasuredAt
	if at.IsZero() {
		at = v.At
	}
	web.WriteJSON(w, http.StatusCreated, apiVisitWeight{KG: in.KG, MeasuredAt: utcTime(at)})
	return nil
}

func (h *API) recordFasting(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiFastingAnswers](h, r, actor, access.FastingRecord, access.CatClinical)
	if err != nil {
		return err
	}
	v, err := h.app.RecordFasting(r.Context(), actor, r.PathValue("id"), in.answers())
	if err != nil {
		return err
	}
	out := apiFastingAnswer{Fasting: in, Gate: toAPIGate(v.Gate)}
	if v.Fasting != nil {
		out.Fasting = toAPIFasting(v.Fasting.Value)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) recordRide(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiRide](h, r, actor, access.RideRecord, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := h.app.RecordRide(r.Context(), actor, r.PathValue("id"), in.ride())
	if err != nil {
		return err
	}
	out := apiRideAnswer{Ride: in, Gate: toAPIGate(v.Gate)}
	if v.Ride != nil {
		out.Ride = toAPIRide(v.Ride.Value)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) recordComfort(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiComfort](h, r, actor, access.ComfortRecord, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := h.app.RecordComfort(r.Context(), actor, r.PathValue("id"), in.comfort())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, visitOf(v))
	return nil
}

func (h *API) overrideCheck(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Only a prescriber overrides: refused callers hear so whatever they sent.
	if err := h.app.Authorize(r.Context(), actor, access.GateOverride, access.CatClinical); err != nil {
		return err
	}
	var in apiOverrideInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Check == "" {
		return ketaflow.Invalid("check", "name the check to override, one of: %s", checkIDList())
	}
	v, err := h.app.OverrideCheck(r.Context(), actor, r.PathValue("id"), in.Check, in.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, apiGateAnswer{Gate: toAPIGate(v.Gate)})
	return nil
}

func checkIDList() string {
	ids := make([]string, len(intake.CheckIDs))
	for i, id := range intake.CheckIDs {
		ids[i] = string(id)
	}
	return strings.Join(ids, ", ")
}

// apiQuestionnaireAnswers is the body of POST .../questionnaires:
// instrument id (phq9, gad7) -> one answer per item, in order, null for an
// item left unanswered.
type apiQuestionnaireAnswers map[string][]*int

// answersInput reads questionnaire answers: instrument id -> one answer per
// item, null for an item left unanswered. A null must never decode as 0
// ("not at all"): that would score an unanswered item 9 as no risk.
func answersInput(r *http.Request) (map[string][]int, error) {
	var raw apiQuestionnaireAnswers
	if err := decodeJSON(r, &raw); err != nil {
		return nil, err
	}
	out := make(map[string][]int, len(raw))
	for id, list := range raw {
		ans := make([]int, len(list))
		for i, a := range list {
			ans[i] = intake.Unanswered
			if a != nil {
				ans[i] = *a
			}
		}
		out[id] = ans
	}
	return out, nil
}

func (h *API) submitQuestionnaires(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.QuestionnaireEnter, access.CatQuestionnaire); err != nil {
		return err
	}
	answers, err := answersInput(r)
	if err != nil {
		return err
	}
	sub, _, err := h.app.SubmitQuestionnaires(r.Context(), actor, r.PathValue("id"), answers)
	if err != nil {
		return err
	}
	// The app leaves the scores out for a role that may not see them; the
	// answer says so.
	out := apiSubmitted{Alert: sub.Alert, CrisisResources: sub.CrisisResources, Results: []apiScoredResult{},
		ResultsHidden: sub.ResultsHidden}
	for _, res := range sub.Results {
		out.Results = append(out.Results, toAPIResult(res))
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *API) amendQuestionnaire(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.QuestionnaireAmend, access.CatQuestionnaire); err != nil {
		return err
	}
	var in apiQuestionnaireAmendment
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	am := intake.Amendment{Amends: in.Amends, Reason: in.Reason, Answers: make([]int, len(in.Answers))}
	for i, a := range in.Answers {
		am.Answers[i] = intake.Unanswered
		if a != nil {
			am.Answers[i] = *a
		}
	}
	instrument := r.PathValue("instrument")
	sub, view, err := h.app.AmendQuestionnaire(r.Context(), actor, r.PathValue("id"), instrument, am)
	if err != nil {
		return err
	}
	out := apiAmended{Alert: sub.Alert, AlertStaysOpen: sub.AlertStaysOpen, CrisisResources: sub.CrisisResources}
	for _, q := range view.Questionnaires {
		if q.Current && q.Result.Instrument == instrument {
			out.Questionnaire = toAPIQuestionnaire(q)
		}
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *API) createLink(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	l, _, err := h.app.CreateQuestionnaireLink(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	// The token is shown once, here: only its hash is stored.
	web.WriteJSON(w, http.StatusCreated, apiQuestionnaireLink{URL: web.PublicURL(r, "/q/"+l.Token), ExpiresAt: utcTime(l.ExpiresAt)})
	return nil
}

// queryBool reads an optional true/false query parameter.
func queryBool(p *ketaflow.Problems, q url.Values, name string) bool {
	v := strings.TrimSpace(q.Get(name))
	switch strings.ToLower(v) {
	case "":
		return false
	case "yes":
		return true
	case "no":
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.Add(name, "%s must be true or false", name)
	}
	return b
}

func (h *API) questionnaires(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	out := apiInstruments{Instruments: []apiInstrument{}}
	for _, in := range intake.Instruments() {
		out.Instruments = append(out.Instruments, toAPIInstrument(in))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// submitCheckIn saves a patient's morning-after check-in from the token
// of their link: no login, as the questionnaire link page.
func (h *API) submitCheckIn(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	var in apiCheckInAnswers
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	saved, err := h.app.SubmitCheckIn(r.Context(), r.PathValue("token"), web.ClientAddr(r), in.answers())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, apiCheckInSaved{Alerted: saved.Alerted, CrisisResources: saved.CrisisResources})
	return nil
}

func (h *API) outbox(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	out, err := h.app.Outbox(r.Context(), actor)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIOutbox(out))
	return nil
}
