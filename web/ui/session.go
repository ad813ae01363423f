package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/web"
)

// floatField reads an optional decimal number from a form.
func floatField(p *ketaflow.Problems, f url.Values, name, what string) float64 {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.Add(name, "%s must be a number", what)
	}
	return x
}

func (h *UI) orderSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "ordered", func(f url.Values) (app.VisitView, error) {
		var p ketaflow.Problems
		in := app.OrderInput{
			MgPerKg:         floatField(&p, f, "mg_per_kg", "the dose in mg/kg"),
			InfusionMinutes: intField(&p, f, "infusion_minutes", "the infusion time"),
			Site:            protocol.IMSite(f.Get("site")),
			SpravatoMg:      intField(&p, f, "spravato_mg", "the Spravato dose"),
			Reason:          f.Get("reason"),
			OverrideReason:  f.Get("override_reason"),
		}
		if err := p.Err(); err != nil {
			return app.VisitView{}, err
		}
		_, view, err := h.app.OrderDose(r.Context(), actor, r.PathValue("id"), in)
		return view, err
	})
}

func (h *UI) prepareSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "prepared", func(f url.Values) (app.VisitView, error) {
		var p ketaflow.Problems
		in := app.PrepareInput{VialMgPerML: floatField(&p, f, "vial_mg_per_ml", "the vial strength"),
			Site: protocol.IMSite(f.Get("site")), LotID: f.Get("lot_id")}
		if err := p.Err(); err != nil {
			return app.VisitView{}, err
		}
		return h.app.PrepareDose(r.Context(), actor, r.PathValue("id"), in)
	})
}

func (h *UI) verifySubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "verified", func(f url.Values) (app.VisitView, error) {
		return h.app.VerifyDose(r.Context(), actor, r.PathValue("id"))
	})
}

func (h *UI) startDosingSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "dosing", func(f url.Values) (app.VisitView, error) {
		return h.app.StartDosing(r.Context(), actor, r.PathValue("id"))
	})
}

// eventFrom reads the moment a form states: its time ("at", left empty for
// now) and, for a time written down late, the reason.
func eventFrom(p *ketaflow.Problems, f url.Values, what string, loc *time.Location, now time.Time) app.Moment {
	ev := app.Moment{LateReason: f.Get("late_reason")}
	if t := timeField(p, f, "at", what, loc, now); t != nil {
		ev.At = *t
	}
	return ev
}

func (h *UI) administerSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	loc := h.clinicZone(r, actor)
	return h.visitForm(w, r, actor, "first_dose", func(f url.Values) (app.VisitView, error) {
		var p ketaflow.Problems
		ev := eventFrom(&p, f, "the time of the first dose", loc, h.app.Clock.Now())
		if err := p.Err(); err != nil {
			return app.VisitView{}, err
		}
		return h.app.Administer(r.Context(), actor, r.PathValue("id"), ev)
	})
}

func (h *UI) deviceSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	loc := h.clinicZone(r, actor)
	return h.visitForm(w, r, actor, "device", func(f url.Values) (app.VisitView, error) {
		n, err := strconv.Atoi(f.Get("n"))
		if err != nil {
			return app.VisitView{}, ketaflow.Invalid("n", "which device?")
		}
		var p ketaflow.Problems
		ev := eventFrom(&p, f, "the time the device was used", loc, h.app.Clock.Now())
		if err := p.Err(); err != nil {
			return app.VisitView{}, err
		}
		return h.app.GiveDevice(r.Context(), actor, r.PathValue("id"), n, ev)
	})
}

func (h *UI) infusionSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "infusion", func(f url.Values) (app.VisitView, error) {
		var infused *float64
		if v := strings.TrimSpace(f.Get("infused_ml")); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return app.VisitView{}, ketaflow.Invalid("infused_ml", "the volume infused is a number of mL, as the pump shows it")
			}
			infused = &x
		}
		return h.app.InfusionAction(r.Context(), actor, r.PathValue("id"), f.Get("action"), f.Get("reason"), infused)
	})
}

func (h *UI) adverseSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	loc := h.clinicZone(r, actor)
	return h.visitForm(w, r, actor, "events", func(f url.Values) (app.VisitView, error) {
		var p ketaflow.Problems
		e := session.AdverseEvent{Kind: session.AEKind(f.Get("kind")), Severity: session.Severity(f.Get("severity")),
			Action: f.Get("action"), Note: f.Get("note"), Amends: f.Get("amends"), AmendReason: f.Get("amend_reason"),
			LateReason: f.Get("late_reason")}
		if t := timeField(&p, f, "at", "the time of the event", loc, h.app.Clock.Now()); t != nil {
			e.At = *t
		}
		if err := p.Err(); err != nil {
			return app.VisitView{}, err
		}
		_, view, err := h.app.RecordAdverseEvent(r.Context(), actor, r.PathValue("id"), e)
		return view, err
	})
}

func (h *UI) endSessionSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "rest", func(f url.Values) (app.VisitView, error) {
		return h.app.EndSession(r.Context(), actor, r.PathValue("id"))
	})
}

// wasteSubmit wastes, with a witness, what is left of the drug drawn for
// the visit (the rest of an infusion stopped early, of an opened vial).
func (h *UI) wasteSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "wasted", func(f url.Values) (app.VisitView, error) {
		return h.app.WasteRemainder(r.Context(), actor, r.PathValue("id"),
			app.Witness{Username: f.Get("witness_username"), Password: f.Get("witness_password")}, f.Get("reason"))
	})
}

func (h *UI) aldreteSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "aldrete", func(f url.Values) (app.VisitView, error) {
		var p ketaflow.Problems
		a := discharge.Aldrete{
			Activity:         intField(&p, f, "activity", "activity"),
			Respiration:      intField(&p, f, "respiration", "respiration"),
			Circulation:      intField(&p, f, "circulation", "circulation"),
			Consciousness:    intField(&p, f, "consciousness", "consciousness"),
			OxygenSaturation: intField(&p, f, "oxygen_saturation", "oxygen saturation"),
		}
		for _, it := range discharge.AldreteItems {
			if f.Get(it.Key) == "" {
				p.Add(it.Key, "score %s", strings.ToLower(it.Title))
			}
		}
		if err := p.Err(); err != nil {
			return app.VisitView{}, err
		}
		return h.app.RecordAldrete(r.Context(), actor, r.PathValue("id"), a)
	})
}

func (h *UI) checklistSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "discharge", func(f url.Values) (app.VisitView, error) {
		return h.app.RecordChecklist(r.Context(), actor, r.PathValue("id"), discharge.Checklist{
			DriverPresent: f.Get("driver_present") == "yes", Alternative: f.Get("alternative"),
			AftercareGiven: f.Get("aftercare_given") == "yes"})
	})
}

func (h *UI) medicationsSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "medications", func(f url.Values) (app.VisitView, error) {
		var m discharge.Medications
		var p ketaflow.Problems
		for _, x := range []struct {
			field string
			dst   *discharge.YesNo
		}{{"benzodiazepines", &m.Benzodiazepines}, {"non_benzodiazepine_sedative_hypnotics", &m.NonBenzodiazepineSedativeHypnotics},
			{"psychostimulants", &m.Psychostimulants}, {"maois", &m.MAOIs}, {"opioids", &m.Opioids}} {
			v, err := discharge.ParseYesNo("medications."+x.field, f.Get(x.field))
			if err != nil {
				p.Add(x.field, "%s", ketaflow.ErrorMessage(err))
			}
			*x.dst = v
		}
		if err := p.Err(); err != nil {
			return app.VisitView{}, err
		}
		return h.app.RecordMedications(r.Context(), actor, r.PathValue("id"), m, f.Get("late_reason"))
	})
}

func (h *UI) dischargeSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	r.ParseForm()
	return h.visitForm(w, r, actor, r.PostForm.Get("to"), func(f url.Values) (app.VisitView, error) {
		return h.app.Discharge(r.Context(), actor, r.PathValue("id"), visits.State(f.Get("to")))
	})
}

// aftercarePage is the printable after-care sheet for the patient.
func (h *UI) aftercarePage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	screen, err := h.app.Visit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "After your treatment", "visits")
	v.Data = screen
	return h.render(w, http.StatusOK, "aftercare", v)
}

type remsListData struct {
	Forms []app.REMSListItem
}

func (h *UI) remsListPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	forms, err := h.app.REMSForms(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "REMS forms", "rems")
	v.Data = remsListData{Forms: forms}
	return h.render(w, http.StatusOK, "rems", v)
}

func (h *UI) remsPDF(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	row, err := h.app.REMSForm(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	// A training server marks its PDFs: their times are not real ones.
	pdf, err := discharge.RenderMarkedPDF(row.Form, h.app.PrintMarking(row.Form.GeneratedAt.Location()))
	if err != nil {
		return err
	}
	web.WritePDF(w, "rems-"+row.Form.TreatmentDate.String()+".pdf", pdf)
	return nil
}

// remsAssembleSubmit assembles a discharged Spravato visit's REMS form.
func (h *UI) remsAssembleSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "rems", func(f url.Values) (app.VisitView, error) {
		_, v, err := h.app.AssembleREMSForm(r.Context(), actor, r.PathValue("id"))
		return v, err
	})
}

// remsIncompleteSubmit records a prescriber's reason why the REMS form
// cannot be completed before the patient leaves.
func (h *UI) remsIncompleteSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "rems_incomplete", func(f url.Values) (app.VisitView, error) {
		return h.app.RecordREMSIncomplete(r.Context(), actor, r.PathValue("id"), f.Get("reason"))
	})
}

// remsSubmitSubmit records that a REMS form was submitted, from the REMS
// list or, with back=visit, from the visit screen.
func (h *UI) remsSubmitSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	if r.PostForm.Get("back") == "visit" {
		return h.visitForm(w, r, actor, "rems", func(f url.Values) (app.VisitView, error) {
			_, v, err := h.app.SubmitREMSForm(r.Context(), actor, r.PathValue("id"), f.Get("confirmation"))
			return v, err
		})
	}
	if _, _, err := h.app.SubmitREMSForm(r.Context(), actor, r.PathValue("id"), r.PostForm.Get("confirmation")); err != nil {
		return err
	}
	return redirect(w, r, "/rems?done=rems")
}
