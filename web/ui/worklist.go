package ui

import (
	"fmt"
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

// Since says when an item began to wait and for how long: "10:12 (19
// min)" today, "Tue 27 Oct, 11:10 (35 days)" before.
func (p worklistPage) Since(t time.Time) string {
	loc := p.List.Clinic.Location()
	at, now := t.In(loc), p.List.At.In(loc)
	when := at.Format("15:04")
	if at.YearDay() != now.YearDay() || at.Year() != now.Year() {
		when = at.Format("Mon 2 Jan, 15:04")
	}
	d := now.Sub(at)
	switch m := int(d / time.Minute); {
	case d <= 0:
		return when
	case m < 120:
		return fmt.Sprintf("%s (%d min)", when, m)
	case m < 48*60:
		return fmt.Sprintf("%s (%d h)", when, m/60)
	default:
		return fmt.Sprintf("%s (%d days)", when, m/(24*60))
	}
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
