// Package runsheet is the downtime run sheet of the floor: a printed page
// per few chairs with what a nurse needs to carry on by hand when the
// network or the server fails: who is in which chair, the route and dose,
// when the first dose was given, the latest vitals, the open alerts and
// what is due in the next hour, with empty rows to chart on.
//
// The sheet is plain data, assembled by the app from what the reader may
// see; this package only decides what is due in the coming hour and prints.
package runsheet

import (
	"slices"
	"time"
)

// Ahead is how far ahead the sheet lists what is due. The issue's "what is
// due in the next hour" (issue 9, downtime sheet); a fixed property of the
// printout, not a clinical threshold.
const Ahead = time.Hour

// Sheet is the floor at one moment.
type Sheet struct {
	Clinic string
	// At is when the sheet was made, in the clinic's zone.
	At time.Time
	// By is who printed it.
	By string
	// Marking is printed across the top and in the footer ("" for none):
	// a training server's notice that its times are not real.
	Marking string
	// Rows are in the order of the floor board: by chair, then the
	// visits with no chair.
	Rows []Row
}

// Row is one patient on the floor.
type Row struct {
	Chair     string
	Patient   string // the legal name: on paper, the name and MRN identify
	MRN       string
	BirthDate string
	Allergies string
	Route     string
	State     string
	// Dose is the order in words ("35 mg (0.5 mg/kg × 70 kg) over 40 min");
	// "" before one is written.
	Dose        string
	FirstDoseAt *time.Time
	Latest      *Vitals
	Alerts      []Alert
	// Due is what the schedule asks for; the sheet keeps what is overdue
	// or due within Ahead.
	Due []Due
}

// Vitals is the latest reading of a visit.
type Vitals struct {
	At                                             time.Time
	Systolic, Diastolic, HeartRate, SpO2, RespRate int
}

// Alert is an open alert, in words.
type Alert struct {
	Severity string
	Title    string
	Since    time.Time
}

// Due is one thing that comes due at a time: a vitals check, a Spravato
// device, the earliest discharge.
type Due struct {
	What string
	At   time.Time
	// Overdue marks a check whose window has closed without it.
	Overdue bool
}

// Coming keeps of due what is overdue or due before now plus Ahead, in
// time order, overdue first.
func Coming(due []Due, now time.Time) []Due {
	var out []Due
	for _, d := range due {
		if d.Overdue || d.At.Before(now.Add(Ahead)) {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b Due) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		return a.At.Compare(b.At)
	})
	return out
}
