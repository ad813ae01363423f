package ui

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/visits"
)

// The record of a visit once it is over: the late entries of a visit as
// the screens mark them, and the printable discharge summary.

// lateEntry is one entry of a visit charted late: what it was, the time it
// states, when it was entered, and the reason given. The app marks an entry
// late by keeping its reason (charting.Rule); the page only gathers them.
type lateEntry struct {
	What       string
	Verb       string // "taken", "given", "used", "happened"
	At         time.Time
	RecordedAt time.Time
	Reason     string
}

// lateEntries gathers the entries of a visit that carry a late reason:
// readings, the first dose and the Spravato devices, adverse events.
func lateEntries(v app.VisitView) []lateEntry {
	var out []lateEntry
	for _, r := range v.Vitals {
		if r.LateReason == "" {
			continue
		}
		what := "Vital signs"
		if bp := r.BP(); bp != "" {
			what += ", BP " + bp
		}
		if r.Amends != "" {
			what = "Correction of a reading (" + what + ")"
		}
		out = append(out, lateEntry{What: what, Verb: "taken", At: r.TakenAt, RecordedAt: r.RecordedAt, Reason: r.LateReason})
	}
	if s := v.Session; s != nil {
		for _, e := range s.Events {
			if e.LateReason == "" {
				continue
			}
			switch {
			case e.Kind == session.EventFirstDose:
				what := "First dose"
				switch v.Visit.Route {
				case protocol.IV:
					what = "First dose: the infusion started"
				case protocol.Spravato:
					what = "First dose: Spravato device 1"
				}
				out = append(out, lateEntry{What: what, Verb: "given", At: e.At, RecordedAt: e.RecordedAt, Reason: e.LateReason})
			case e.Kind == session.EventDevice && e.N > 1: // device 1 is the first dose
				out = append(out, lateEntry{What: fmt.Sprintf("Spravato device %d", e.N), Verb: "used", At: e.At,
					RecordedAt: e.RecordedAt, Reason: e.LateReason})
			}
		}
		for _, e := range s.Adverse {
			if e.LateReason == "" {
				continue
			}
			what := "Adverse event: " + e.Kind.Label()
			if e.Amends != "" {
				what = "Correction of an adverse event: " + e.Kind.Label()
			}
			out = append(out, lateEntry{What: what, Verb: "happened", At: e.At, RecordedAt: e.RecordedAt, Reason: e.LateReason})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// volumePlaces is the decimals the visit's protocol rounds volumes to.
func volumePlaces(v app.VisitView) int {
	if step := v.Protocol.Rules.Dose.Rounding.VolumeML; step > 0 {
		return protocol.Places(step)
	}
	return 2
}

// summaryData is the printable record of a visit.
type summaryData struct {
	visitData
	// Discharged: the summary is the discharge summary; otherwise it is
	// the record of a visit that ended another way, or is still open.
	Discharged bool
}

// summaryPage is the printable discharge summary of a visit: one audited
// read of the visit, shown as it was when it closed.
func (h *UI) summaryPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	view, err := h.app.Visit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := summaryData{visitData: visitData{V: view, LateMinutes: view.Protocol.Rules.Session.LateEntryMinutes,
		VolumePlaces: volumePlaces(view)}, Discharged: view.Visit.State == visits.Discharged}
	title := "Visit summary"
	if d.Discharged {
		title = "Discharge summary"
	}
	v := h.clinicView(r, actor, view.Clinic, title+" · "+view.Patient.DisplayName(), "visits")
	v.Data = d
	return h.render(w, http.StatusOK, "summary", v)
}
