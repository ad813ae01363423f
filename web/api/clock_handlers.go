package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) clock(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	v, ok := h.app.TrainingClockNow()
	if !ok {
		return ketaflow.NotFound("training clock")
	}
	web.WriteJSON(w, http.StatusOK, toAPITrainingClock(v))
	return nil
}

func (h *API) advanceClock(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiClockAdvance](h, r, actor, access.ClockAdvance, access.CatClinic)
	if err != nil {
		return err
	}
	d, err := in.duration()
	if err != nil {
		return err
	}
	v, err := h.app.AdvanceClock(r.Context(), actor, d)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPITrainingClock(v))
	return nil
}
