package session

import (
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Pause is one stop of the pump. ResumedAt is nil while it lasts.
type Pause struct {
	At        time.Time  `json:"at"`
	ResumedAt *time.Time `json:"resumed_at,omitempty"`
	Reason    string     `json:"reason"`
}

// Infusion is an IV infusion run by pump over Minutes of running time. A
// pause stops the clock of the dose; the infusion ends when it has run its
// minutes, or earlier when stopped [guide: "can be slowed or stopped
// mid-infusion"].
type Infusion struct {
	StartedAt  time.Time  `json:"started_at"`
	Minutes    int        `json:"minutes"`
	Pauses     []Pause    `json:"pauses,omitempty"`
	StoppedAt  *time.Time `json:"stopped_at,omitempty"`
	StopReason string     `json:"stop_reason,omitempty"`
}

// InfusionState is what the pump is doing.
type InfusionState string

const (
	NotStarted InfusionState = "not_started"
	Running    InfusionState = "running"
	Paused     InfusionState = "paused"
	Finished   InfusionState = "finished" // ran its minutes
	Stopped    InfusionState = "stopped"  // ended early by a clinician
)

// InfusionStatus is the infusion at one moment.
type InfusionStatus struct {
	State     InfusionState `json:"state"`
	Delivered time.Duration `json:"delivered"` // running time so far
	Remaining time.Duration `json:"remaining"` // running time still to go; 0 once ended
	PausedFor time.Duration `json:"paused_for"`
	// DeliveredFraction is Delivered over the ordered minutes, 0 to 1: the
	// share of the dose given if the rate was constant.
	DeliveredFraction float64 `json:"delivered_fraction"`
	// ExpectedEnd is when it will have run its minutes: the start plus the
	// minutes plus every pause so far (while paused, as if resumed now).
	// Once ended it is when it ended.
	ExpectedEnd time.Time `json:"expected_end"`
}

// NewInfusion starts an infusion of minutes at startedAt.
//
// Errors: EInvalid when the start is missing or the minutes are outside the
// protocol's limits [protocol Dose.IV].
func NewInfusion(startedAt time.Time, minutes int, p protocol.Protocol) (Infusion, error) {
	if startedAt.IsZero() {
		return Infusion{}, ketaflow.Invalid("started_at", "the time the infusion started is required")
	}
	if minutes < p.Dose.IV.MinutesMin || minutes > p.Dose.IV.MinutesMax {
		return Infusion{}, ketaflow.Invalid("minutes", "infusion over %d minutes is outside the protocol's %d to %d minutes",
			minutes, p.Dose.IV.MinutesMin, p.Dose.IV.MinutesMax)
	}
	return Infusion{StartedAt: startedAt, Minutes: minutes}, nil
}

// Status returns the infusion's state at now.
func (in Infusion) Status(now time.Time) InfusionStatus {
	total := time.Duration(in.Minutes) * time.Minute
	if now.Before(in.StartedAt) {
		return InfusionStatus{State: NotStarted, Remaining: total, ExpectedEnd: in.StartedAt.Add(total)}
	}
	until := now
	stopped := in.StoppedAt != nil && !in.StoppedAt.After(now)
	if stopped {
		until = *in.StoppedAt
	}
	// Add up the running stretches between pauses, up to until; the dose
	// is finished the moment the running time reaches its minutes.
	var delivered, paused time.Duration
	runFrom := in.StartedAt
	run := func(to time.Time) (time.Time, bool) {
		if d := to.Sub(runFrom); delivered+d < total {
			delivered += d
			return time.Time{}, false
		}
		return runFrom.Add(total - delivered), true
	}
	finished := func(at time.Time) InfusionStatus {
		return InfusionStatus{State: Finished, Delivered: total, PausedFor: paused, DeliveredFraction: 1, ExpectedEnd: at}
	}
	pausedNow := false
	for _, p := range in.Pauses {
		// A pause counts from its own instant, and a resume too, so that
		// the same pause or resume cannot be recorded twice at one time.
		if p.At.After(until) {
			break
		}
		if end, done := run(p.At); done {
			return finished(end)
		}
		resumed := until
		if p.ResumedAt != nil && !p.ResumedAt.After(until) {
			resumed = *p.ResumedAt
		} else {
			pausedNow = true
		}
		paused += resumed.Sub(p.At)
		runFrom = resumed
		if pausedNow {
			break
		}
	}
	if !pausedNow {
		if end, done := run(until); done {
			return finished(end)
		}
	}
	st := InfusionStatus{State: Running, Delivered: delivered, Remaining: total - delivered, PausedFor: paused,
		ExpectedEnd: until.Add(total - delivered)}
	if pausedNow {
		st.State = Paused
	}
	if total > 0 {
		st.DeliveredFraction = float64(delivered) / float64(total)
	}
	if stopped {
		st.State, st.Remaining, st.ExpectedEnd = Stopped, 0, *in.StoppedAt
	}
	return st
}

// Pause stops the pump at at for reason.
//
// Errors: EConflict when the infusion is not running then (already paused,
// finished, stopped or not started); EInvalid when the reason is missing or
// at is before the last recorded change.
func (in Infusion) Pause(at time.Time, reason string) (Infusion, error) {
	if err := in.checkAt(at); err != nil {
		return Infusion{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Infusion{}, ketaflow.Invalid("reason", "say why the infusion is paused, e.g. the blood pressure")
	}
	switch st := in.Status(at); st.State {
	case Running:
	case Paused:
		last := in.Pauses[len(in.Pauses)-1]
		return Infusion{}, ketaflow.Errorf(ketaflow.EConflict, "the infusion is already paused since %s", last.At.Format(time.Kitchen))
	default:
		return Infusion{}, ketaflow.Errorf(ketaflow.EConflict, "the infusion is %s; only a running infusion can be paused", strings.ReplaceAll(string(st.State), "_", " "))
	}
	in.Pauses = append(clonePauses(in.Pauses), Pause{At: at, Reason: strings.TrimSpace(reason)})
	return in, nil
}

// Resume restarts the pump at at after a pause.
//
// Errors: EConflict when the infusion is not paused then; EInvalid when at
// is before the pause.
func (in Infusion) Resume(at time.Time) (Infusion, error) {
	if err := in.checkAt(at); err != nil {
		return Infusion{}, err
	}
	if st := in.Status(at); st.State != Paused {
		return Infusion{}, ketaflow.Errorf(ketaflow.EConflict, "the infusion is %s, not paused; only a paused infusion can be resumed", strings.ReplaceAll(string(st.State), "_", " "))
	}
	in.Pauses = clonePauses(in.Pauses)
	r := at
	in.Pauses[len(in.Pauses)-1].ResumedAt = &r
	return in, nil
}

// Stop ends the infusion early at at for reason; what was delivered stays
// in the status.
//
// Errors: EConflict when it has already finished or stopped, or not
// started; EInvalid when the reason is missing.
func (in Infusion) Stop(at time.Time, reason string) (Infusion, error) {
	if err := in.checkAt(at); err != nil {
		return Infusion{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Infusion{}, ketaflow.Invalid("reason", "say why the infusion is stopped")
	}
	if st := in.Status(at); st.State != Running && st.State != Paused {
		return Infusion{}, ketaflow.Errorf(ketaflow.EConflict, "the infusion is %s; it cannot be stopped", strings.ReplaceAll(string(st.State), "_", " "))
	}
	in.Pauses = clonePauses(in.Pauses)
	if n := len(in.Pauses); n > 0 && in.Pauses[n-1].ResumedAt == nil {
		// The pump never restarted: the pause ends with the infusion.
		r := at
		in.Pauses[n-1].ResumedAt = &r
	}
	s := at
	in.StoppedAt, in.StopReason = &s, strings.TrimSpace(reason)
	return in, nil
}

// checkAt refuses a change dated before the start or before the last
// recorded change, so that the record reads in order.
func (in Infusion) checkAt(at time.Time) error {
	if at.IsZero() {
		return ketaflow.Invalid("at", "the time is required")
	}
	if at.Before(in.StartedAt) {
		return ketaflow.Errorf(ketaflow.EConflict, "the infusion has not started at %s", at.Format(time.Kitchen))
	}
	if n := len(in.Pauses); n > 0 {
		last := in.Pauses[n-1].At
		if r := in.Pauses[n-1].ResumedAt; r != nil {
			last = *r
		}
		if at.Before(last) {
			return ketaflow.Invalid("at", "the time must not be before the last change, at %s", last.Format(time.Kitchen))
		}
	}
	return nil
}

func clonePauses(ps []Pause) []Pause {
	out := make([]Pause, len(ps))
	for i, p := range ps {
		out[i] = p
		if p.ResumedAt != nil {
			r := *p.ResumedAt
			out[i].ResumedAt = &r
		}
	}
	return out
}
