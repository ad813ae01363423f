package api

import (
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/devices"
)

// apiDeviceReading is one moment's values from one monitor. A value left
// out was not measured.
type apiDeviceReading struct {
	// Monitor is the monitor's key as an admin registered it (its bed id,
	// or application^facility).
	Monitor string    `json:"monitor" jsonschema:"required"`
	TakenAt time.Time `json:"taken_at" jsonschema:"required"`
	// SpO2 is the oxygen saturation, %.
	SpO2 *int `json:"spo2,omitempty"`
	// PulseRate is beats per minute.
	PulseRate *int `json:"pulse_rate,omitempty"`
	// Systolic, Diastolic and MeanPressure are mmHg.
	Systolic     *int `json:"systolic,omitempty"`
	Diastolic    *int `json:"diastolic,omitempty"`
	MeanPressure *int `json:"mean_pressure,omitempty"`
	// RespiratoryRate is breaths per minute.
	RespiratoryRate *int `json:"respiratory_rate,omitempty"`
}

func (r apiDeviceReading) reading() devices.Reading {
	out := devices.Reading{Monitor: r.Monitor, TakenAt: r.TakenAt, Values: map[devices.Vital]int{}}
	for v, p := range map[devices.Vital]*int{devices.SpO2: r.SpO2, devices.PulseRate: r.PulseRate, devices.Systolic: r.Systolic,
		devices.Diastolic: r.Diastolic, devices.MeanPressure: r.MeanPressure, devices.RespiratoryRate: r.RespiratoryRate} {
		if p != nil {
			out.Values[v] = *p
		}
	}
	return out
}

// apiDeviceBatch is the body of POST /api/v1/devices/readings: at most
// 1000 readings, stored whole or not at all.
type apiDeviceBatch struct {
	Readings []apiDeviceReading `json:"readings" jsonschema:"required"`
}

// apiUnassigned is a reading kept without a visit, and why.
type apiUnassigned struct {
	// Index is the reading's place in the batch, from 0.
	Index   int    `json:"index"`
	Monitor string `json:"monitor"`
	Reason  string `json:"reason"`
}

// apiIngested says what became of a batch.
type apiIngested struct {
	Stored     int             `json:"stored"`
	Assigned   int             `json:"assigned"`
	Unassigned []apiUnassigned `json:"unassigned"`
	// Alerts counts the monitor alerts the batch raised, cleared or
	// resolved.
	Alerts int `json:"alerts"`
}

func toAPIIngested(in app.Ingested) apiIngested {
	out := apiIngested{Stored: in.Stored, Assigned: in.Assigned, Alerts: in.Alerts, Unassigned: []apiUnassigned{}}
	for _, u := range in.Unassigned {
		out.Unassigned = append(out.Unassigned, apiUnassigned{Index: u.Index, Monitor: u.Monitor, Reason: u.Reason})
	}
	return out
}

// apiMonitor is a bedside monitor and the chair it is assigned to.
type apiMonitor struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
	// ChairID is "" when the monitor is assigned to no chair.
	ChairID   string    `json:"chair_id"`
	ChairName string    `json:"chair_name"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toAPIMonitor(m app.Monitor) apiMonitor {
	return apiMonitor{ID: m.ID, Key: m.Key, Name: m.Name, ChairID: m.ChairID, ChairName: m.ChairName, UpdatedAt: utcTime(m.UpdatedAt)}
}

// apiDeviceCode is a row of the clinic's table of the devices' own codes.
type apiDeviceCode struct {
	// System is the coding system the device names in OBX-3 (e.g. "MDC");
	// "" matches any.
	System string `json:"system"`
	Code   string `json:"code" jsonschema:"required"`
	// Vital is spo2, pulse_rate, systolic, diastolic, mean_pressure or
	// respiratory_rate.
	Vital devices.Vital `json:"vital" jsonschema:"required"`
	// Unit is what the device sends when it leaves OBX-6 empty.
	Unit string `json:"unit"`
}

func (c apiDeviceCode) code() devices.Code {
	return devices.Code{System: c.System, Code: c.Code, Vital: c.Vital, Unit: c.Unit}
}

// apiMonitors is the clinic's monitors and its code table.
type apiMonitors struct {
	Monitors []apiMonitor    `json:"monitors"`
	Codes    []apiDeviceCode `json:"codes"`
}

// apiNewMonitor is the body of POST /api/v1/monitors.
type apiNewMonitor struct {
	Key     string  `json:"key" jsonschema:"required"`
	Name    *string `json:"name,omitempty"`
	ChairID *string `json:"chair_id,omitempty"`
}

// apiMonitorChange is the body of PATCH /api/v1/monitors/{id}.
type apiMonitorChange struct {
	Name *string `json:"name,omitempty"`
	// ChairID assigns the monitor to a chair; "" to none.
	ChairID *string `json:"chair_id,omitempty"`
}

// apiMonitorReading is a monitor's reading of a visit, not charted until
// a nurse validates it.
type apiMonitorReading struct {
	ID              string    `json:"id"`
	Monitor         string    `json:"monitor"`
	TakenAt         time.Time `json:"taken_at"`
	SpO2            int       `json:"spo2,omitempty"`
	PulseRate       int       `json:"pulse_rate,omitempty"`
	Systolic        int       `json:"systolic,omitempty"`
	Diastolic       int       `json:"diastolic,omitempty"`
	MeanPressure    int       `json:"mean_pressure,omitempty"`
	RespiratoryRate int       `json:"respiratory_rate,omitempty"`
	// ChartedAs is the charted reading a nurse made of it; "" until then.
	ChartedAs string `json:"charted_as"`
}

// apiMonitorTrend is a visit's bedside monitor readings of the last 20
// minutes, oldest first.
type apiMonitorTrend struct {
	Readings []apiMonitorReading `json:"readings"`
	// LowSpO2: the latest SpO2 is below the protocol's alert limit.
	LowSpO2   bool `json:"low_spo2"`
	SpO2Below int  `json:"spo2_below"`
}

func toAPIMonitorTrend(t *app.MonitorTrend) apiMonitorTrend {
	out := apiMonitorTrend{Readings: []apiMonitorReading{}}
	if t == nil {
		return out
	}
	out.LowSpO2, out.SpO2Below = t.LowSpO2, t.SpO2Below
	for _, r := range t.Readings {
		out.Readings = append(out.Readings, apiMonitorReading{ID: r.ID, Monitor: r.Monitor, TakenAt: utcTime(r.TakenAt),
			SpO2: r.Value(devices.SpO2), PulseRate: r.Value(devices.PulseRate), Systolic: r.Value(devices.Systolic),
			Diastolic: r.Value(devices.Diastolic), MeanPressure: r.Value(devices.MeanPressure),
			RespiratoryRate: r.Value(devices.RespiratoryRate), ChartedAs: r.ChartedAs})
	}
	return out
}
