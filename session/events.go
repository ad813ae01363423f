package session

import (
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow/protocol"
)

// EventKind is what happened at a moment of a session.
type EventKind string

const (
	// EventFirstDose is the first administration: the IV infusion started,
	// the IM injection given, or Spravato device 1. The session clock
	// counts from it.
	EventFirstDose      EventKind = "first_dose"
	EventDevice         EventKind = "device"          // a Spravato device (N), device 1 included
	EventInfusionPause  EventKind = "infusion_pause"  // with a reason
	EventInfusionResume EventKind = "infusion_resume" //
	EventInfusionStop   EventKind = "infusion_stop"   // ended early, with a reason
)

// Event is one recorded moment of a session. Events are never changed:
// the session's infusion and device plan are replayed from them.
type Event struct {
	ID      string
	VisitID string
	Kind    EventKind
	N       int // the device number, for EventDevice
	At      time.Time
	Reason  string
	By      string // user id
	ByName  string // as staff saw it when read
	// RecordedAt is when the event was entered, which may be after At.
	RecordedAt time.Time
	// LateReason says why it was entered well after At (charting.Rule); ""
	// when charted on time.
	LateReason string
}

// FirstDose returns the time of the first administration among events, if
// one is recorded.
func FirstDose(events []Event) (time.Time, bool) {
	for _, e := range events {
		if e.Kind == EventFirstDose {
			return e.At, true
		}
	}
	return time.Time{}, false
}

// ReplayInfusion rebuilds an IV infusion of minutes started at start from
// its recorded pauses, resumes and stop.
//
// Errors: those of NewInfusion, Pause, Resume and Stop, naming the event
// that does not fit: the stored events of a visit always replay, so an
// error here means the record is damaged.
func ReplayInfusion(start time.Time, minutes int, events []Event, p protocol.Protocol) (Infusion, error) {
	in, err := NewInfusion(start, minutes, p)
	if err != nil {
		return in, err
	}
	for _, e := range events {
		switch e.Kind {
		case EventInfusionPause:
			in, err = in.Pause(e.At, e.Reason)
		case EventInfusionResume:
			in, err = in.Resume(e.At)
		case EventInfusionStop:
			in, err = in.Stop(e.At, e.Reason)
		}
		if err != nil {
			return in, fmt.Errorf("replay %s event %s: %w", e.Kind, e.ID, err)
		}
	}
	return in, nil
}

// ReplayDevices rebuilds the Spravato device plan of a dose of mg from the
// devices recorded (device 1 is the first dose at first).
//
// Errors: those of DevicePlan and RecordDevice, naming the event that does
// not fit.
func ReplayDevices(first time.Time, mg int, events []Event, p protocol.Protocol) (Plan, error) {
	pl, err := DevicePlan(mg, first, p)
	if err != nil {
		return pl, err
	}
	for _, e := range events {
		if e.Kind == EventDevice && e.N > 1 {
			if pl, err = RecordDevice(pl, e.N, e.At); err != nil {
				return pl, fmt.Errorf("replay device event %s: %w", e.ID, err)
			}
		}
	}
	return pl, nil
}
