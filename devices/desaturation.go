package devices

import (
	"time"

	"github.com/ketaflow/ketaflow/protocol"
)

// Sample is one SpO2 value of a monitor's reading.
type Sample struct {
	ID   string
	At   time.Time
	SpO2 int
}

// Episode is where a visit's monitored SpO2 stands at a moment.
type Episode struct {
	// Low: the latest sample is below the protocol's limit.
	Low bool
	// Since is the first sample of the low run: the run's samples are all
	// below the limit and none is more than the protocol's gap after the
	// one before.
	Since Sample
	// Sustained: the run has lasted the protocol's time, so the alert is
	// raised [product brief: SpO2 below 92% for a protocol number of
	// seconds, to avoid alarms on a moved finger probe].
	Sustained bool
	// Latest is the sample judged.
	Latest Sample
}

// Lookback is how far before a sample Desaturate needs the visit's samples
// to judge it: the run's time and one gap. Reading more would not change
// the answer, so the cost of judging a sample does not grow with the
// visit's history.
func Lookback(s protocol.Session) time.Duration { return s.DeviceSpO2Sustained() + s.DeviceGap() }

// Desaturate judges the latest of samples (oldest first, those within
// Lookback of the latest): a sample at or above the limit ends a run, and
// so does a silence longer than the gap (a monitor that stopped sending is
// not monitoring); a run that has lasted the protocol's time is sustained.
func Desaturate(samples []Sample, s protocol.Session) Episode {
	if len(samples) == 0 {
		return Episode{}
	}
	last := samples[len(samples)-1]
	ep := Episode{Latest: last}
	if !s.SpO2Alert(last.SpO2) {
		return ep
	}
	ep.Low, ep.Since = true, last
	for i := len(samples) - 2; i >= 0; i-- {
		x := samples[i]
		if !s.SpO2Alert(x.SpO2) || ep.Since.At.Sub(x.At) > s.DeviceGap() {
			break
		}
		ep.Since = x
	}
	ep.Sustained = last.At.Sub(ep.Since.At) >= s.DeviceSpO2Sustained()
	return ep
}
