package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/runsheet"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/vitals"
)

// DowntimeSheet is the floor's run sheet for carrying on by hand (issue 9):
// each patient on the floor, in the board's order (from the board's own
// read of each visit's view), with the route, the
// dose, the first dose, the latest vitals, the open alerts and what is due
// within the hour. It is a clinical printout, for the roles that give
// doses (access.FloorSheet), and one audited read naming the visits it
// printed.
func (a *App) DowntimeSheet(ctx context.Context, actor access.Actor) (runsheet.Sheet, error) {
	var out runsheet.Sheet
	err := a.view(ctx, actor, op{Action: access.FloorSheet, Category: access.CatClinical, Detail: "downtime sheet"},
		func(tx *store.Tx, o *op) error {
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			b, _, views, err := a.board(tx, actor, c)
			if err != nil {
				return err
			}
			loc := c.Location()
			out = runsheet.Sheet{Clinic: c.Name, At: b.At, By: actor.Name, Marking: a.PrintMarking(loc)}
			var ids []string
			for _, t := range b.Tiles {
				for _, bv := range t.Visits {
					out.Rows = append(out.Rows, sheetRow(t.ChairID, t.ChairName, views[bv.VisitID], b.At))
					ids = append(ids, bv.VisitID)
				}
			}
			if len(ids) > 0 {
				o.Detail += " of visits " + strings.Join(ids, ", ")
			}
			return nil
		})
	return out, err
}

// sheetRow is a visit's row of the run sheet, from its view as the reader
// sees it.
func sheetRow(chairID, chair string, v VisitView, now time.Time) runsheet.Row {
	loc := v.Clinic.Location()
	r := runsheet.Row{Patient: v.Patient.LegalName, MRN: v.Patient.MRN, BirthDate: v.Patient.BirthDate.String(),
		Allergies: v.Patient.Allergies, Route: v.Visit.Route.Label(), State: v.Visit.State.Label()}
	if chairID != "" {
		r.Chair = chair
	}
	if latest, ok := vitals.Latest(v.Vitals, func(vitals.Reading) bool { return true }); ok {
		r.Latest = &runsheet.Vitals{At: latest.TakenAt.In(loc), Systolic: latest.Systolic, Diastolic: latest.Diastolic,
			HeartRate: latest.HeartRate, SpO2: latest.SpO2, RespRate: latest.RespiratoryRate}
	}
	for _, al := range v.Alerts {
		if al.ID != "" && al.State != alerts.ResolvedSt {
			r.Alerts = append(r.Alerts, runsheet.Alert{Severity: al.Severity.Label(), Title: al.Title, Since: al.Since.In(loc)})
		}
	}
	s := v.Session
	if s == nil {
		return r
	}
	if s.Order != nil {
		r.Dose = doseWords(s.Order.Order, s.Options.DosePlaces, s.Preparation)
	}
	if s.FirstDoseAt != nil {
		at := s.FirstDoseAt.In(loc)
		r.FirstDoseAt = &at
	}
	for _, d := range s.Schedule {
		switch d.State {
		case session.Overdue:
			r.Due = append(r.Due, runsheet.Due{What: "vitals (" + d.Label + ")", At: d.At.In(loc), Overdue: true})
		case session.DueNow, session.Upcoming:
			r.Due = append(r.Due, runsheet.Due{What: "vitals (" + d.Label + ")", At: d.At.In(loc)})
		}
	}
	if nd := s.NextDevice; nd != nil {
		r.Due = append(r.Due, runsheet.Due{What: fmt.Sprintf("Spravato device %d", nd.N), At: nd.DueAt.In(loc)})
	}
	if s.FirstDoseAt != nil && !s.Discharge.EarliestAt.IsZero() {
		r.Due = append(r.Due, runsheet.Due{What: "earliest discharge (if every criterion is met)", At: s.Discharge.EarliestAt.In(loc)})
	}
	r.Due = runsheet.Coming(r.Due, now)
	return r
}

// doseWords is an order in words, with the prepared volume when there is
// one: "35.0 mg ketamine (0.5 mg/kg × 70 kg) over 40 min · 0.7 mL drawn
// from Ketamine 50 mg/mL, 10 mL vial, lot K-1, expires 2027-03-31".
func doseWords(o dosing.Order, places int, prep *PreparationView) string {
	var w string
	if o.Route == protocol.Spravato {
		w = fmt.Sprintf("%d mg Spravato nasal spray", o.SpravatoMg)
	} else {
		w = strconv.FormatFloat(o.DoseMg, 'f', places, 64) + " mg ketamine (" + strconv.FormatFloat(o.MgPerKg, 'f', -1, 64) +
			" mg/kg × " + strconv.FormatFloat(o.WeightKG, 'f', -1, 64) + " kg)"
		if o.InfusionMinutes > 0 {
			w += fmt.Sprintf(" over %d min", o.InfusionMinutes)
		}
		if o.Site != "" {
			w += " · " + o.Site.Label()
		}
	}
	if !o.Signed() {
		w += " · NOT SIGNED"
	}
	if prep != nil {
		switch {
		case prep.DrawML > 0:
			w += " · " + strconv.FormatFloat(prep.DrawML, 'f', -1, 64) + " mL drawn from " + prep.Lot
		case prep.Devices > 0:
			w += fmt.Sprintf(" · %d devices from %s", prep.Devices, prep.Lot)
		}
	}
	return w
}
