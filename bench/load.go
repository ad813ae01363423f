package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// History is the synthetic past of a clinic the benchmark loads: patients,
// their discharged visits (a course of VisitsPerPatient each, a few days
// apart, going back from today), and the readings of those visits.
type History struct {
	Patients         int
	VisitsPerPatient int
	Readings         int // in all, spread evenly over the visits
}

// batchRows is how many rows one loading transaction writes.
const batchRows = 5000

// loadHistory writes h into the clinic straight through the store, in
// batches, printing its progress (rows, rate, time left) to out. The rows
// are what the services would have written for discharged visits: the
// benchmark's reads must find a realistic history, not replay it.
// histVisit is a visit of the history.
type histVisit struct{ ID, PatientID string }

func loadHistory(ctx context.Context, db *store.DB, clinicID, nurseID string, h History, now time.Time, out io.Writer) (loaded int, visitIDs []histVisit, err error) {
	rng := rand.New(rand.NewPCG(1, 2))
	total := h.Patients + h.Patients*h.VisitsPerPatient + h.Readings
	visitsAll := max(h.Patients*h.VisitsPerPatient, 1)
	perVisit := h.Readings / visitsAll
	extra := h.Readings % visitsAll
	prog := newProgress(out, "history", total)
	type visit struct {
		v        visits.Visit
		readings int
	}
	var pending []visit
	var pendingPatients []patients.Patient
	rows := 0
	flush := func() error {
		err := db.Transact(ctx, func(tx *store.Tx) error {
			for _, p := range pendingPatients {
				if err := tx.InsertPatient(p, nurseID, "benchmark history"); err != nil {
					return err
				}
			}
			for _, pv := range pending {
				if err := tx.InsertVisit(pv.v); err != nil {
					return err
				}
				first := pv.v.ScheduledAt.Add(15 * time.Minute)
				for i := range pv.readings {
					at := first.Add(time.Duration(i) * time.Minute)
					sed, dis := 5, false
					if err := tx.InsertVital(clinicID, vitals.Reading{ID: ketaflow.NewID(), VisitID: pv.v.ID, PatientID: pv.v.PatientID,
						TakenAt: at, TakenBy: nurseID, RecordedAt: at, Systolic: 115 + rng.IntN(30), Diastolic: 70 + rng.IntN(20),
						HeartRate: 60 + rng.IntN(30), SpO2: 95 + rng.IntN(5), RespiratoryRate: 12 + rng.IntN(6), Sedation: &sed,
						Dissociation: &dis}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		prog.add(rows)
		loaded += rows
		pending, pendingPatients, rows = pending[:0], pendingPatients[:0], 0
		return nil
	}
	n := 0
	for i := range h.Patients {
		p := patients.Patient{ID: ketaflow.NewID(), ClinicID: clinicID, Version: 1, CreatedAt: now, UpdatedAt: now,
			Record: patients.Record{MRN: fmt.Sprintf("B%07d", i+1), LegalName: fmt.Sprintf("History Patient %d", i+1),
				BirthDate: ketaflow.DateOf(time.Date(1950+i%50, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)),
				Sex:       patients.Female, Phone: "+1 555 010 0000"}}
		pendingPatients = append(pendingPatients, p)
		rows++
		for k := range h.VisitsPerPatient {
			// A course: the last visit a week or more ago, three days apart.
			at := now.AddDate(0, 0, -7-3*(h.VisitsPerPatient-k)-(i%365)).Truncate(time.Hour)
			r := perVisit
			if n < extra {
				r++
			}
			n++
			v := visits.Visit{ID: ketaflow.NewID(), ClinicID: clinicID, PatientID: p.ID, Route: protocol.IV, ScheduledAt: at,
				Minutes: 120, ProtocolVersion: 1, State: visits.Discharged, CreatedAt: at.Add(-72 * time.Hour),
				UpdatedAt: at.Add(2 * time.Hour), Version: 1}
			pending = append(pending, visit{v: v, readings: r})
			visitIDs = append(visitIDs, histVisit{ID: v.ID, PatientID: p.ID})
			rows += 1 + r
			if rows >= batchRows {
				if err := flush(); err != nil {
					return loaded, visitIDs, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return loaded, visitIDs, err
	}
	prog.done()
	return loaded, visitIDs, nil
}

// progress prints a line that rewrites itself: rows done, the rate, and
// the time left at that rate.
type progress struct {
	out         io.Writer
	what        string
	total, n    int
	start, last time.Time
}

func newProgress(out io.Writer, what string, total int) *progress {
	return &progress{out: out, what: what, total: total, start: time.Now()}
}

func (p *progress) add(n int) {
	p.n += n
	if time.Since(p.last) < 250*time.Millisecond && p.n < p.total {
		return
	}
	p.last = time.Now()
	el := time.Since(p.start).Seconds()
	rate := float64(p.n) / max(el, 1e-9)
	left := time.Duration(float64(p.total-p.n) / max(rate, 1e-9) * float64(time.Second))
	fmt.Fprintf(p.out, "\r%s: %d of %d rows (%.0f%%) · %.0f rows/s · %s left   ", p.what, p.n, p.total,
		100*float64(p.n)/float64(max(p.total, 1)), rate, left.Round(time.Second))
}

func (p *progress) done() {
	fmt.Fprintf(p.out, "\r%s: %d rows in %s (%.0f rows/s)%30s\n", p.what, p.n, time.Since(p.start).Round(time.Millisecond),
		float64(p.n)/max(time.Since(p.start).Seconds(), 1e-9), "")
}
