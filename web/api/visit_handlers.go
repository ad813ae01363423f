package api

import (
	"context"
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
	"github.com/ketaflow/ketaflow/vitals"
	"github.com/ketaflow/ketaflow/web"
)

// visitOut is a visit as a write answers with it, its chair named.
func (h *API) visitOut(ctx context.Context, actor access.Actor, v visits.Visit) apiVisit {
	name := ""
	if v.ChairID != "" {
		if cs, err := h.app.Chairs(ctx, actor); err == nil {
			for _, c := range cs {
				if c.ID == v.ChairID {
					name = c.Name
				}
			}
		}
	}
	return toAPIVisit(v, name)
}

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
	web.WriteJSON(w, http.StatusOK, map[string]any{"date": day, "visits": toAPIRows(list)})
	return nil
}

func (h *API) bookVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.VisitBook, access.CatVisit); err != nil {
		return err
	}
	var b visits.Booking
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	v, err := h.app.BookVisit(r.Context(), actor, b)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/visits/"+v.ID)
	web.WriteJSON(w, http.StatusCreated, h.visitOut(r.Context(), actor, v))
	return nil
}

func (h *API) getVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	screen, err := h.app.Visit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := toAPIScreen(screen)
	if screen.Session != nil {
		ss := toAPISession(*screen.Session, h.app.Clock.Now())
		out.Session = &ss
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) moveVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in struct {
		To     string `json:"to"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	to, err := visits.ParseState(in.To)
	if err != nil {
		return renameErrField(err, "state", "to")
	}
	v, err := h.app.MoveVisit(r.Context(), actor, r.PathValue("id"), to, in.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, h.visitOut(r.Context(), actor, v))
	return nil
}

func (h *API) clearVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, g, err := h.app.ClearVisit(r.Context(), actor, r.PathValue("id"))
	if ketaflow.IsCode(err, ketaflow.EBlocked) && len(g.Checks) > 0 {
		web.LogError(h.log, r, err)
		e := ketaflow.AsError(err)
		gate := gateFor(actor, g)
		body := apiBlocked{Error: apiErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}, Blocking: gate.Blocking,
			Checks: []intake.Check{}}
		for _, c := range gate.Checks {
			if slices.Contains(gate.Blocking, c.ID) {
				body.Checks = append(body.Checks, c)
			}
		}
		web.WriteJSON(w, http.StatusUnprocessableEntity, body)
		return nil
	}
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"visit": h.visitOut(r.Context(), actor, v), "gate": gateFor(actor, g)})
	return nil
}

func (h *API) recordVitals(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[vitalsInput](h, r, actor, access.VitalsRecord, access.CatVitals)
	if err != nil {
		return err
	}
	rd, g, err := h.app.RecordVitals(r.Context(), actor, r.PathValue("id"), vitals.Reading{TakenAt: in.TakenAt,
		Systolic: in.Systolic, Diastolic: in.Diastolic, HeartRate: in.HeartRate, SpO2: in.SpO2,
		RespiratoryRate: in.RespiratoryRate, Sedation: in.Sedation, Dissociation: in.Dissociation, Note: in.Note,
		Amends: in.Amends, AmendReason: in.AmendReason, EnteredInError: in.EnteredInError})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"reading": utcReading(rd), "gate": gateFor(actor, g)})
	return nil
}

func (h *API) recordVisitWeight(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.NewWeight](h, r, actor, access.WeightRecord, access.CatClinical)
	if err != nil {
		return err
	}
	if err := h.app.RecordVisitWeight(r.Context(), actor, r.PathValue("id"), in); err != nil {
		return renameErrField(err, "weight_kg", "kg")
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"kg": in.KG, "measured_at": utcTime(in.MeasuredAt)})
	return nil
}

func (h *API) recordFasting(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[intake.FastingAnswers](h, r, actor, access.FastingRecord, access.CatClinical)
	if err != nil {
		return err
	}
	g, err := h.app.RecordFasting(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"fasting": utcFasting(in), "gate": gateFor(actor, g)})
	return nil
}

func (h *API) recordRide(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[intake.Ride](h, r, actor, access.RideRecord, access.CatVisit)
	if err != nil {
		return err
	}
	g, err := h.app.RecordRide(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	in.DriverName, in.DriverPhone = strings.TrimSpace(in.DriverName), strings.TrimSpace(in.DriverPhone)
	web.WriteJSON(w, http.StatusOK, map[string]any{"ride": in, "gate": gateFor(actor, g)})
	return nil
}

func (h *API) recordComfort(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[visits.Comfort](h, r, actor, access.ComfortRecord, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := h.app.RecordComfort(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, h.visitOut(r.Context(), actor, v))
	return nil
}

func (h *API) overrideCheck(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Only a prescriber overrides: refused callers hear so whatever they sent.
	if err := h.app.Authorize(r.Context(), actor, access.GateOverride, access.CatClinical); err != nil {
		return err
	}
	var in struct {
		Check  intake.CheckID `json:"check"`
		Reason string         `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Check == "" {
		return ketaflow.Invalid("check", "name the check to override, one of: %s", checkIDList())
	}
	g, err := h.app.OverrideCheck(r.Context(), actor, r.PathValue("id"), in.Check, in.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"gate": gateFor(actor, g)})
	return nil
}

func checkIDList() string {
	ids := make([]string, len(intake.CheckIDs))
	for i, id := range intake.CheckIDs {
		ids[i] = string(id)
	}
	return strings.Join(ids, ", ")
}

// answersInput reads questionnaire answers: instrument id -> one answer per
// item, null for an item left unanswered. A null must never decode as 0
// ("not at all"): that would score an unanswered item 9 as no risk.
func answersInput(r *http.Request) (map[string][]int, error) {
	var raw map[string][]*int
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
	sub, err := h.app.SubmitQuestionnaires(r.Context(), actor, r.PathValue("id"), answers)
	if err != nil {
		return err
	}
	results := []intake.Result{}
	results = append(results, sub.Results...)
	web.WriteJSON(w, http.StatusCreated, map[string]any{
		"alert":            sub.Alert,
		"crisis_resources": sub.CrisisResources,
		"results":          results,
		"results_hidden":   !access.Can(actor.Role, access.QuestionnaireRead),
	})
	return nil
}

func (h *API) createLink(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	l, err := h.app.CreateQuestionnaireLink(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	// The token is shown once, here: only its hash is stored.
	web.WriteJSON(w, http.StatusCreated, map[string]any{"url": web.BaseURL(r) + "/q/" + l.Token, "expires_at": utcTime(l.ExpiresAt)})
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
	web.WriteJSON(w, http.StatusOK, map[string]any{"instruments": intake.Instruments()})
	return nil
}
