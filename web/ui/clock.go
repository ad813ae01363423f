package ui

import (
	"net/http"
	"net/url"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/web"
)

// clockSteps are the moves the layout's training clock control offers, as
// ISO 8601 durations with their words.
var clockSteps = []struct{ Value, Label string }{
	{"PT5M", "5 min"}, {"PT15M", "15 min"}, {"PT30M", "30 min"}, {"PT1H", "1 hour"}, {"PT2H", "2 hours"},
}

// trainingClockEndpoints exist only on a server on the training clock.
func (h *UI) trainingClockEndpoints() []web.Endpoint {
	if h.app.Training() == nil {
		return nil
	}
	return []web.Endpoint{{Method: "POST", Pattern: "/training-clock", Auth: web.Login, Handle: h.advanceClockSubmit, MovesClock: true}}
}

// advanceClockSubmit moves the training clock from the layout's control
// and goes back to the page it was on.
func (h *UI) advanceClockSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.ClockAdvance, access.CatClinic); err != nil {
		return err
	}
	d, err := ketaflow.ParseISODuration(r.PostFormValue("advance"))
	if err != nil {
		return ketaflow.Invalid("advance", "advance %s", err.Error())
	}
	if _, err := h.app.AdvanceClock(r.Context(), actor, d); err != nil {
		return err
	}
	next, err := url.Parse(safeNext(r.PostFormValue("next")))
	if err != nil {
		next = &url.URL{Path: "/patients"}
	}
	q := next.Query()
	q.Set("done", "clock")
	next.RawQuery = q.Encode()
	return redirect(w, r, next.String())
}
