package alerts

import (
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow/session"
)

// Note is a notice: something due at a visit, computed from its vitals
// schedule and its Spravato devices at a moment, never stored and never
// acknowledged (the reading or the device that is due ends it). It has the
// shape of an alert, so that one board can show both.
type Note struct {
	Kind     Kind
	Severity Severity
	Title    string
	Message  string
	// At is when it became due.
	At time.Time
}

// Notices lists what is due at a visit at a moment: each vitals check due
// now or overdue (session.ScheduleStatus), and the next Spravato device
// once it is due (session.Plan.NextDevice). Times are shown in the zone
// they are given in.
func Notices(schedule []session.DueStatus, next *session.NextDevice) []Note {
	var out []Note
	for _, d := range schedule {
		check := fmt.Sprintf("the %d min vitals check", int(d.After.Minutes()))
		switch d.Kind {
		case session.Extra:
			check += " (blood pressure peak; REMS form)"
		case session.BeforeDischarge:
			check = fmt.Sprintf("the vitals check before discharge (%d min)", int(d.After.Minutes()))
		}
		switch d.State {
		case session.DueNow:
			out = append(out, Note{Kind: VitalsDue, Severity: Notice, Title: VitalsDue.Title(), At: d.Opens,
				Message: fmt.Sprintf("%s is due at %s", check, d.At.Format("15:04"))})
		case session.Overdue:
			out = append(out, Note{Kind: VitalsOverdue, Severity: Notice, Title: VitalsOverdue.Title(), At: d.OverdueAt,
				Message: fmt.Sprintf("%s was due at %s", check, d.At.Format("15:04"))})
		}
	}
	if next != nil && next.Ready {
		out = append(out, Note{Kind: DeviceDue, Severity: Notice, Title: DeviceDue.Title(), At: next.DueAt,
			Message: fmt.Sprintf("device %d has been due since %s", next.N, next.DueAt.Format("15:04"))})
	}
	return out
}
