package ui

import (
	"net/http"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

// worklistPage is the reader's worklist, each item linked to the place on
// the visit screen where its step is taken.
type worklistPage struct {
	List app.Worklist
}

// Href is where an item's work is done: the part of the visit screen that
// holds its step.
func (worklistPage) Href(it app.WorkItem) string {
	base := "/visits/" + it.VisitID
	switch it.Step {
	case app.ActOrderDose:
		return base + "#dose"
	case app.ActOverride:
		return base + "#check-" + string(it.Check)
	case app.ActAssessAlert, app.ActAcknowledgeAlert:
		return base + "#alert-" + it.AlertID
	case app.ActRecordVitals:
		return base + "#vitals"
	case app.ActGiveDevice:
		return base + "#session"
	}
	return base
}

// Ago is how long an item has waited, in whole minutes.
func (p worklistPage) Ago(t time.Time) int {
	if t.IsZero() || t.After(p.List.At) {
		return 0
	}
	return int(p.List.At.Sub(t) / time.Minute)
}

func (h *UI) worklistPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	wl, err := h.app.Worklist(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.clinicView(r, actor, wl.Clinic, "My work", "worklist")
	v.Now = wl.At
	v.Data = worklistPage{List: wl}
	return h.render(w, http.StatusOK, "worklist", v)
}
