package session

import (
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

// AlertKind is what an in-session alert is about.
type AlertKind string

const (
	BPHigh      AlertKind = "bp_high"      // one reading above the sustained limits: a flag
	BPSustained AlertKind = "bp_sustained" // above the sustained limits on consecutive readings
	BPSevere    AlertKind = "bp_severe"    // above the single-reading limits
	HeartRate   AlertKind = "heart_rate"   // above the limit for the sustained time
	LowSpO2     AlertKind = "spo2"         // below the limit on one reading
)

// Alert is one in-session alert condition, raised at the reading that set
// it off. It holds until a reading ends it: EndedAt is then that reading's
// time and EndedBy says what it showed. What is done about an alert (who is
// told, who acknowledges it) is package alerts'.
type Alert struct {
	Kind       AlertKind `json:"kind"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	ReadingIDs []string  `json:"reading_ids"`
	// EndedAt is the time of the reading that ended the condition; zero
	// while it still holds at the latest reading.
	EndedAt time.Time `json:"ended_at,omitzero"`
	// EndedBy is that reading, in words: "blood pressure 150/90 at 10:10".
	EndedBy string `json:"ended_by,omitempty"`
}

// Ongoing reports whether the condition still holds at the latest reading.
func (a Alert) Ongoing() bool { return a.EndedAt.IsZero() }

// Alerts reads a session's readings, oldest first after amendments, and
// returns its alerts in time order [protocol Session]:
//
//   - bp_high: systolic or diastolic above the sustained limits (180/110) on
//     the first reading of a run, unless that reading is above the single
//     limits (bp_severe). A flag: the next reading 5 minutes on tells.
//   - bp_sustained: systolic or diastolic above the sustained limits (180/110)
//     on consecutive blood pressure readings whose first and last are at
//     least SustainedApart (5 min) apart. Two readings in a row 5 minutes
//     apart raise it; so does a run of three taken 2 and 3 minutes apart,
//     since the pressure stayed high for 5 minutes. A lower reading ends
//     the run, and with it bp_high and bp_sustained.
//   - bp_severe: systolic or diastolic above the single limits (200/120) on
//     one reading; a reading not above them ends it.
//   - heart_rate: above HRAbove (120) on consecutive heart rate readings at
//     least HRSustained (5 min) apart, as for bp_sustained.
//   - spo2: below SpO2Below (92%) on one reading; a reading at or above the
//     limit ends it.
//
// Each alert is raised once per episode: a condition that goes on over more
// readings does not raise it again until a reading ends it.
func Alerts(readings []vitals.Reading, p protocol.Protocol) []Alert {
	s := p.Session
	var out []Alert
	// open holds the index in out of each kind's alert that still holds.
	open := map[AlertKind]int{}
	raise := func(kind AlertKind, at time.Time, reason string, ids ...string) {
		open[kind] = len(out)
		out = append(out, Alert{Kind: kind, At: at, Reason: reason, ReadingIDs: ids})
	}
	end := func(r vitals.Reading, what string, kinds ...AlertKind) {
		for _, k := range kinds {
			if i, ok := open[k]; ok {
				out[i].EndedAt, out[i].EndedBy = r.TakenAt, what+" at "+r.TakenAt.Format("15:04")
				delete(open, k)
			}
		}
	}
	var bpRun, hrRun []vitals.Reading
	var bpRaised, severeOn, hrRaised, spo2On bool
	for _, r := range vitals.Effective(readings) {
		if r.HasBP() {
			severe := s.SingleBPAlert(r.Systolic, r.Diastolic)
			if severe {
				if !severeOn {
					raise(BPSevere, r.TakenAt, fmt.Sprintf("blood pressure %s is above %d/%d", r.BP(), s.SingleSystolicAbove, s.SingleDiastolicAbove), r.ID)
				}
				severeOn = true
			} else {
				end(r, "blood pressure "+r.BP(), BPSevere)
				severeOn = false
			}
			if s.SustainedBPHigh(r.Systolic, r.Diastolic) {
				bpRun = append(bpRun, r)
				if len(bpRun) == 1 && !severe {
					raise(BPHigh, r.TakenAt, fmt.Sprintf("blood pressure %s is above %d/%d", r.BP(), s.SustainedSystolicAbove, s.SustainedDiastolicAbove), r.ID)
				}
				if first := bpRun[0]; !bpRaised && len(bpRun) > 1 && r.TakenAt.Sub(first.TakenAt) >= s.SustainedApart() {
					raise(BPSustained, r.TakenAt, fmt.Sprintf("blood pressure above %d/%d for %s: %s", s.SustainedSystolicAbove, s.SustainedDiastolicAbove,
						spoken(r.TakenAt.Sub(first.TakenAt).Round(time.Second)), runText(bpRun, vitals.Reading.BP)), ids(bpRun)...)
					bpRaised = true
				}
			} else {
				end(r, "blood pressure "+r.BP(), BPHigh, BPSustained)
				bpRun, bpRaised = nil, false
			}
		}
		if r.HeartRate > 0 {
			if s.HRHigh(r.HeartRate) {
				hrRun = append(hrRun, r)
				if first := hrRun[0]; !hrRaised && len(hrRun) > 1 && r.TakenAt.Sub(first.TakenAt) >= s.HRSustained() {
					raise(HeartRate, r.TakenAt, fmt.Sprintf("heart rate above %d bpm for %s: %s", s.HRAbove,
						spoken(r.TakenAt.Sub(first.TakenAt).Round(time.Second)), runText(hrRun, func(r vitals.Reading) string { return fmt.Sprint(r.HeartRate) })), ids(hrRun)...)
					hrRaised = true
				}
			} else {
				end(r, fmt.Sprintf("heart rate %d", r.HeartRate), HeartRate)
				hrRun, hrRaised = nil, false
			}
		}
		if r.SpO2 > 0 {
			if s.SpO2Alert(r.SpO2) {
				if !spo2On {
					raise(LowSpO2, r.TakenAt, fmt.Sprintf("oxygen saturation %d%% is below %d%%", r.SpO2, s.SpO2Below), r.ID)
				}
				spo2On = true
			} else {
				end(r, fmt.Sprintf("oxygen saturation %d%%", r.SpO2), LowSpO2)
				spo2On = false
			}
		}
	}
	return out
}

func ids(rs []vitals.Reading) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// runText lists a run of readings as "185/112 at 10:15, 188/114 at 10:20".
func runText(rs []vitals.Reading, value func(vitals.Reading) string) string {
	var s string
	for i, r := range rs {
		if i > 0 {
			s += ", "
		}
		s += value(r) + " at " + r.TakenAt.Format("15:04")
	}
	return s
}
