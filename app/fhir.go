package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/fhir"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// PatientFHIR is one patient's whole record as a FHIR R4 Bundle of type
// collection (JSON), read in one transaction with one audit entry. Only the
// clinical roles may export a record: it holds every score, reading and
// dose.
//
// Errors: EForbidden for another role; ENotFound for a patient of another
// clinic or none.
func (a *App) PatientFHIR(ctx context.Context, actor access.Actor, patientID string) ([]byte, error) {
	var out []byte
	err := a.view(ctx, actor, op{Action: access.RecordExport, Category: access.CatClinical, PatientID: patientID},
		func(tx *store.Tx, o *op) error {
			rec, err := a.fhirRecord(tx, actor.ClinicID, patientID)
			if err != nil {
				if !ketaflow.ValidID(patientID) {
					o.PatientID = ""
				}
				return err
			}
			rs, err := fhir.Resources(rec, fhir.BundleRefs)
			if err != nil {
				return ketaflow.Internal("write FHIR resources", err)
			}
			qs, err := fhir.Questionnaires()
			if err != nil {
				return ketaflow.Internal("write FHIR questionnaires", err)
			}
			out, err = fhir.Bundle(ketaflow.NewID(), a.Clock.Now(), append(rs, qs...))
			if err != nil {
				return ketaflow.Internal("write FHIR bundle", err)
			}
			return nil
		})
	return out, err
}

// BulkProgress is told how far a clinic's export has come.
type BulkProgress func(done, total int)

// ExportClinicFHIR writes every patient of a clinic as FHIR Bulk Data:
// each resource is handed to write as one NDJSON line of its type, with
// references as Type/id. It is the server operator's command (ketaflow
// export fhir), not a staff request: it reads in one transaction and writes
// one audit entry naming the clinic, the command and how many patients it
// exported. progress, if not nil, is told after each patient.
func (a *App) ExportClinicFHIR(ctx context.Context, clinicID string, write func(r fhir.Resource) error, progress BulkProgress) (int, error) {
	actor := access.Actor{ClinicID: clinicID, Username: "ketaflow export fhir", Source: "cli"}
	o := op{Action: access.RecordExport, Category: access.CatClinical}
	n := 0
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		if _, err := tx.Clinic(clinicID); err != nil {
			return err
		}
		qs, err := fhir.Questionnaires()
		if err != nil {
			return ketaflow.Internal("write FHIR questionnaires", err)
		}
		for _, q := range qs {
			if err := write(q); err != nil {
				return err
			}
		}
		ps, err := tx.Patients(clinicID, store.PatientQuery{})
		if err != nil {
			return err
		}
		seenStaff := map[string]bool{}
		for i, p := range ps {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec, err := a.fhirRecord(tx, clinicID, p.ID)
			if err != nil {
				return err
			}
			rs, err := fhir.Resources(rec, fhir.RelativeRefs)
			if err != nil {
				return ketaflow.Internal("write FHIR resources", err)
			}
			for _, r := range rs {
				// A member of staff is one Practitioner in the files, however
				// many patients they saw.
				if r.Type == "Practitioner" {
					if seenStaff[r.ID] {
						continue
					}
					seenStaff[r.ID] = true
				}
				if err := write(r); err != nil {
					return err
				}
			}
			n = i + 1
			if progress != nil {
				progress(n, len(ps))
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	o.Detail = fmt.Sprintf("FHIR bulk export of %d patients", n)
	return n, a.DB.Transact(ctx, func(tx *store.Tx) error { return a.appendAudit(tx, actor, o, audit.OK) })
}

// fhirRecord reads what a patient's export holds.
func (a *App) fhirRecord(tx *store.Tx, clinicID, patientID string) (fhir.Record, error) {
	rec := fhir.Record{ClinicID: clinicID}
	var err error
	if rec.Patient, err = tx.Patient(clinicID, patientID); err != nil {
		return rec, err
	}
	if rec.Weights, err = tx.Weights(clinicID, patientID, 0); err != nil {
		return rec, err
	}
	names, err := staffNames(tx, clinicID)
	if err != nil {
		return rec, err
	}
	named := map[string]bool{}
	name := func(id string) {
		if _, ok := names[id]; ok && id != "" {
			named[id] = true
		}
	}
	name(rec.Patient.PrescriberID)
	name(rec.Patient.TherapistID)
	for _, w := range rec.Weights {
		name(w.RecordedBy)
	}
	rows, err := tx.Visits(clinicID, store.VisitQuery{PatientID: patientID})
	if err != nil {
		return rec, err
	}
	rules := map[int]protocol.Protocol{}
	for _, row := range rows {
		v := row.Visit
		ts, err := tx.Transitions(v.ID)
		if err != nil {
			return rec, err
		}
		rec.Visits = append(rec.Visits, encounterOf(v, ts))
		readings, err := tx.Vitals(v.ID)
		if err != nil {
			return rec, err
		}
		for _, r := range vitals.Effective(readings) {
			name(r.TakenBy)
			rec.Readings = append(rec.Readings, r)
		}
		p, ok := rules[v.ProtocolVersion]
		if !ok {
			pv, err := tx.ProtocolVersion(clinicID, v.ProtocolVersion)
			if err != nil {
				return rec, err
			}
			p, rules[v.ProtocolVersion] = pv.Rules, pv.Rules
		}
		doses, err := visitDoses(tx, v, p, a.Clock.Now())
		if err != nil {
			return rec, err
		}
		for _, d := range doses {
			name(d.By)
		}
		rec.Doses = append(rec.Doses, doses...)
	}
	rs, err := tx.PatientResponses(clinicID, patientID)
	if err != nil {
		return rec, err
	}
	for _, r := range currentResponses(rs) {
		name(r.EnteredBy)
		rec.Responses = append(rec.Responses, fhir.Response{ID: r.ID, VisitID: r.VisitID, Result: r.Result,
			SubmittedAt: r.SubmittedAt, Version: r.Version, EnteredBy: r.EnteredBy})
	}
	for id := range named {
		rec.Staff = append(rec.Staff, fhir.Staff{ID: id, Name: names[id]})
	}
	slices.SortFunc(rec.Staff, func(x, y fhir.Staff) int { return compareStrings(x.ID, y.ID) })
	return rec, nil
}

func compareStrings(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// currentResponses keeps the newest version of each visit's answers to
// each instrument, oldest answers first.
func currentResponses(rs []store.Response) []store.Response {
	latest := map[[2]string]int{}
	for i, r := range rs {
		k := [2]string{r.VisitID, r.Result.Instrument}
		if j, ok := latest[k]; !ok || rs[j].Version < r.Version {
			latest[k] = i
		}
	}
	var out []store.Response
	for i, r := range rs {
		if latest[[2]string{r.VisitID, r.Result.Instrument}] == i {
			out = append(out, r)
		}
	}
	return out
}

// encounterOf is a visit with when it actually began (check-in) and ended
// (the move into a final state).
func encounterOf(v visits.Visit, ts []visits.Transition) fhir.Visit {
	e := fhir.Visit{Visit: v}
	for _, t := range ts {
		if e.Start.IsZero() && t.To == visits.CheckedIn {
			e.Start = t.At
		}
		if t.To.Final() {
			e.End = t.At
		}
	}
	if !e.End.IsZero() && e.Start.IsZero() {
		// Cancelled before check-in: it never began.
		e.End = time.Time{}
	}
	return e
}

// visitDoses are the administrations a visit's session recorded: the IV
// infusion with its end, the IM injection, each Spravato device.
func visitDoses(tx *store.Tx, v visits.Visit, p protocol.Protocol, now time.Time) ([]fhir.Dose, error) {
	events, err := tx.SessionEvents(v.ID)
	if err != nil {
		return nil, err
	}
	first, ok := session.FirstDose(events)
	if !ok {
		return nil, nil
	}
	orders, err := tx.Orders(v.ID)
	if err != nil {
		return nil, err
	}
	if len(orders) == 0 {
		return nil, ketaflow.Internal("read doses", fmt.Errorf("visit %s has a first dose and no order", v.ID))
	}
	o := orders[len(orders)-1].Order
	var out []fhir.Dose
	for _, e := range events {
		d := fhir.Dose{ID: e.ID, VisitID: v.ID, Route: v.Route, Start: e.At, Status: "completed", By: e.By}
		switch {
		case v.Route == protocol.Spravato && e.Kind == session.EventDevice:
			d.Mg, d.Device = float64(p.Dose.Spravato.MgPerDevice), e.N
		case v.Route == protocol.IM && e.Kind == session.EventFirstDose:
			d.Mg, d.Site = o.DoseMg, o.Site
		case v.Route == protocol.IV && e.Kind == session.EventFirstDose:
			d.Mg = o.DoseMg
			in, err := session.ReplayInfusion(first, o.InfusionMinutes, events, p)
			if err != nil {
				return nil, ketaflow.Internal("replay infusion", err)
			}
			st := in.Status(now)
			switch st.State {
			case session.Finished:
				d.End = st.ExpectedEnd
			case session.Stopped:
				d.End, d.Status = st.ExpectedEnd, "stopped"
				d.Note = fmt.Sprintf("stopped early: %s; about %.0f%% of the ordered dose given", in.StopReason, st.DeliveredFraction*100)
			default:
				d.Status = "in-progress"
			}
		default:
			continue
		}
		out = append(out, d)
	}
	return out, nil
}
