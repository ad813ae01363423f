package alerts

import (
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow/devices"
	"github.com/ketaflow/ketaflow/protocol"
)

// FromMonitor decides what a bedside monitor's SpO2, judged as ep
// (devices.Desaturate), does to a visit's alerts at now:
//
//   - a sustained low run with no monitor alert of the visit still open
//     (neither cleared nor resolved) raises one, since the run's first
//     sample: one alert per episode, however many samples follow;
//   - a sample at or above the limit ends the episode: the open alert is
//     resolved when someone acknowledged it, and marked cleared otherwise
//     (it is urgent, so latching: it waits for someone, as a charted one
//     does);
//   - a low run not yet sustained (a moved probe) does nothing.
//
// stored are the visit's alerts, of every kind.
func FromMonitor(stored []Alert, ep devices.Episode, visitID, patientID string, now time.Time, p protocol.Protocol) Decisions {
	var d Decisions
	var open *Alert
	for i := range stored {
		a := &stored[i]
		if a.Kind != MonitorLowSpO2 {
			continue
		}
		st := a.StatusAt(now, p.Alerts)
		if st.State != ResolvedSt && st.Cleared == nil {
			open = a
		}
	}
	switch {
	case ep.Low && ep.Sustained && open == nil:
		sev := MonitorLowSpO2.Severity()
		d.Raise = append(d.Raise, Alert{VisitID: visitID, PatientID: patientID, Kind: MonitorLowSpO2, Severity: sev,
			To: AddressedTo(MonitorLowSpO2, sev), RaisedAt: now, Since: ep.Since.At,
			Detail: fmt.Sprintf("oxygen saturation on the monitor below %d%% for %s: %d%% at %s", p.Session.SpO2Below,
				spokenSeconds(ep.Latest.At.Sub(ep.Since.At)), ep.Latest.SpO2, ep.Latest.At.Format("15:04:05")),
			ReadingIDs: []string{ep.Since.ID, ep.Latest.ID}})
	case !ep.Low && open != nil && ep.Latest.ID != "":
		what := fmt.Sprintf("oxygen saturation %d%% on the monitor at %s", ep.Latest.SpO2, ep.Latest.At.Format("15:04:05"))
		if open.StatusAt(now, p.Alerts).State == AcknowledgedSt {
			d.Changes = append(d.Changes, Change{AlertID: open.ID, Event: Event{Kind: Resolved, At: now, Action: "cleared: " + what}})
		} else {
			d.Changes = append(d.Changes, Change{AlertID: open.ID, Event: Event{Kind: Cleared, At: now, Action: what}})
		}
	}
	return d
}

func spokenSeconds(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 120 {
		return fmt.Sprintf("%d s", s)
	}
	return fmt.Sprintf("%d min %d s", s/60, s%60)
}
