package session

import (
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Device is one Spravato nasal spray device of a session: 28 mg, one spray
// per nostril [label].
type Device struct {
	N int `json:"n"` // 1 for the first
	// DueAt is the earliest the device may be used: the label schedule
	// (first + (N-1) × interval), or the interval after the device before
	// it if that one was used late.
	DueAt   time.Time `json:"due_at"`
	GivenAt time.Time `json:"given_at,omitzero"` // zero until used
}

// Given reports whether the device has been used.
func (d Device) Given() bool { return !d.GivenAt.IsZero() }

// Plan is the devices of one Spravato dose and when each is due. Device 1
// is used at the first administration, which starts the session clock.
type Plan struct {
	Mg       int           `json:"mg"`
	Interval time.Duration `json:"interval"`
	Devices  []Device      `json:"devices"`
}

// DevicePlan lays out a dose of mg from the first device, used at firstAt:
// device n is due at firstAt + (n-1) × the protocol's interval [label: 5
// minutes between devices].
//
// Errors: EInvalid when mg is not whole devices or firstAt is missing.
func DevicePlan(mg int, firstAt time.Time, p protocol.Protocol) (Plan, error) {
	sp := p.Dose.Spravato
	if sp.MgPerDevice <= 0 || mg <= 0 || mg%sp.MgPerDevice != 0 {
		return Plan{}, ketaflow.Invalid("spravato_mg", "a Spravato dose must be whole %d mg devices; %d mg is not", sp.MgPerDevice, mg)
	}
	if firstAt.IsZero() {
		return Plan{}, ketaflow.Invalid("first_at", "the time of the first device is required")
	}
	pl := Plan{Mg: mg, Interval: sp.DeviceInterval()}
	for i, off := range sp.DeviceOffsets(mg) {
		pl.Devices = append(pl.Devices, Device{N: i + 1, DueAt: firstAt.Add(off)})
	}
	pl.Devices[0].GivenAt = firstAt
	return pl, nil
}

// RecordDevice records that device n was used at at. Devices are used in
// order and never early: the label's interval is a minimum wait, with no
// tolerance, because the screen counts down to the due time and a device
// used early gives the dose faster than the label allows.
//
// Errors: EInvalid when n is not a device of the plan; EConflict when it is
// already recorded or the one before it is not; EBlocked when at is before
// the device is due, naming the wait.
func RecordDevice(pl Plan, n int, at time.Time) (Plan, error) {
	if n < 1 || n > len(pl.Devices) {
		return Plan{}, ketaflow.Invalid("device", "device must be 1 to %d for a %d mg dose", len(pl.Devices), pl.Mg)
	}
	d := pl.Devices[n-1]
	switch {
	case d.Given():
		return Plan{}, ketaflow.Errorf(ketaflow.EConflict, "device %d was already used at %s", n, d.GivenAt.Format(time.Kitchen))
	case n > 1 && !pl.Devices[n-2].Given():
		return Plan{}, ketaflow.Errorf(ketaflow.EConflict, "device %d must be used before device %d", n-1, n)
	case at.IsZero():
		return Plan{}, ketaflow.Invalid("at", "the time the device was used is required")
	case at.Before(d.DueAt):
		return Plan{}, ketaflow.Errorf(ketaflow.EBlocked, "device %d is due at %s; wait %s more (the label asks for %s between devices)",
			n, d.DueAt.Format("15:04:05"), spoken(roundUp(d.DueAt.Sub(at))), spoken(pl.Interval))
	}
	out := pl
	out.Devices = append([]Device(nil), pl.Devices...)
	out.Devices[n-1].GivenAt = at
	// A late device pushes the next one back: the interval is between
	// devices, not only from the first.
	if n < len(out.Devices) {
		if after := at.Add(pl.Interval); after.After(out.Devices[n].DueAt) {
			out.Devices[n].DueAt = after
		}
	}
	return out, nil
}

// NextDevice is the countdown to the next device.
type NextDevice struct {
	N     int           `json:"n"`
	DueAt time.Time     `json:"due_at"`
	Wait  time.Duration `json:"wait"`  // 0 once due
	Ready bool          `json:"ready"` // due now
}

// String is the countdown as the screen shows it.
func (nd NextDevice) String() string {
	if nd.Ready {
		return fmt.Sprintf("device %d is due now", nd.N)
	}
	return fmt.Sprintf("device %d in %s", nd.N, spoken(roundUp(nd.Wait)))
}

// NextDevice returns the next device to use and its countdown at now, and
// false when every device has been used.
func (pl Plan) NextDevice(now time.Time) (NextDevice, bool) {
	for _, d := range pl.Devices {
		if !d.Given() {
			wait := max(d.DueAt.Sub(now), 0)
			return NextDevice{N: d.N, DueAt: d.DueAt, Wait: wait, Ready: wait == 0}, true
		}
	}
	return NextDevice{}, false
}

// Done reports whether every device has been used.
func (pl Plan) Done() bool {
	_, more := pl.NextDevice(time.Time{})
	return !more && len(pl.Devices) > 0
}

// roundUp shows a wait to the next whole second, so that "wait 0s" never
// appears while a wait remains.
// spoken says a short duration as a nurse would: "5 min", "1 min 5 s",
// "45 s".
func spoken(d time.Duration) string {
	m, sec := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return fmt.Sprintf("%d s", sec)
	case sec == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, sec)
}

func roundUp(d time.Duration) time.Duration {
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return d
}
