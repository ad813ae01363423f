// Package devices is what bedside monitors send and what ketaflow makes of
// it: a reading is one moment's values (SpO2, pulse rate, blood pressure,
// respiratory rate) from one monitor, named by the monitor's own key (its
// bed id, or its sending application and facility). A monitor is assigned
// to a chair by the clinic; a reading then belongs to the chair's active
// visit. Device readings stream onto the board and drive the in-session
// alerts at once, and enter the chart only when a nurse validates one
// [product brief, Interfaces: bedside monitors].
//
// The package is plain rules: which observation code means which vital,
// which units are allowed, what a reading may hold, and when a run of low
// SpO2 is sustained. It keeps no clock, no SQL and no HTTP.
package devices

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/vitals"
)

// Vital is one measurement a monitor sends.
type Vital string

const (
	SpO2            Vital = "spo2"             // oxygen saturation, %
	PulseRate       Vital = "pulse_rate"       // beats per minute
	Systolic        Vital = "systolic"         // mmHg
	Diastolic       Vital = "diastolic"        // mmHg
	MeanPressure    Vital = "mean_pressure"    // mmHg
	RespiratoryRate Vital = "respiratory_rate" // breaths per minute
)

// Vitals lists the vitals in display order.
var Vitals = []Vital{SpO2, PulseRate, Systolic, Diastolic, MeanPressure, RespiratoryRate}

// ParseVital reads a vital's name, naming the allowed ones on error.
func ParseVital(field, s string) (Vital, error) {
	v := Vital(strings.TrimSpace(s))
	if slices.Contains(Vitals, v) {
		return v, nil
	}
	return "", ketaflow.Invalid(field, "vital must be one of spo2, pulse_rate, systolic, diastolic, mean_pressure, respiratory_rate")
}

// Label is the vital in words.
func (v Vital) Label() string {
	switch v {
	case SpO2:
		return "Oxygen saturation"
	case PulseRate:
		return "Pulse rate"
	case Systolic:
		return "Systolic pressure"
	case Diastolic:
		return "Diastolic pressure"
	case MeanPressure:
		return "Mean arterial pressure"
	case RespiratoryRate:
		return "Respiratory rate"
	}
	return string(v)
}

// MinMean and MaxMean bound a mean arterial pressure (mmHg), as the vitals
// package bounds the others: a slip, not a reading, outside them.
const MinMean, MaxMean = 30, 250

// limits are each vital's plausibility limits (package vitals).
func (v Vital) limits() (lo, hi int) {
	switch v {
	case SpO2:
		return vitals.MinSpO2, vitals.MaxSpO2
	case PulseRate:
		return vitals.MinHeartRate, vitals.MaxHeartRate
	case Systolic:
		return vitals.MinSystolic, vitals.MaxSystolic
	case Diastolic:
		return vitals.MinDiastolic, vitals.MaxDiastolic
	case MeanPressure:
		return MinMean, MaxMean
	case RespiratoryRate:
		return vitals.MinResp, vitals.MaxResp
	}
	return 0, 0
}

// units are the units a vital may come in: the UCUM code first (what HL7 v2
// monitors send in OBX-6), then the spellings gateways use. Every one means
// the same scale: no conversion is ever made.
var units = map[Vital][]string{
	SpO2:            {"%", "percent", "%{SpO2}"},
	PulseRate:       {"/min", "{beats}/min", "{beat}/min", "bpm", "1/min"},
	Systolic:        {"mm[Hg]", "mmHg", "mm Hg"},
	Diastolic:       {"mm[Hg]", "mmHg", "mm Hg"},
	MeanPressure:    {"mm[Hg]", "mmHg", "mm Hg"},
	RespiratoryRate: {"/min", "{breaths}/min", "{breath}/min", "1/min", "rpm"},
}

// Unit is the vital's UCUM unit.
func (v Vital) Unit() string { return units[v][0] }

// CheckUnit refuses a unit the vital is not measured in (a pressure in kPa,
// a saturation as a fraction): ketaflow never guesses a conversion. An
// empty unit is allowed only when the clinic's code table names the unit
// the device sends (want), which is then what the value is in.
func (v Vital) CheckUnit(unit, want string) error {
	u := strings.TrimSpace(unit)
	if u == "" {
		u = want
	}
	for _, ok := range units[v] {
		if strings.EqualFold(u, ok) {
			return nil
		}
	}
	if u == "" {
		return fmt.Errorf("%s has no unit: send %s", v.Label(), v.Unit())
	}
	return fmt.Errorf("%s is in %q, which ketaflow does not take: send %s", v.Label(), unit, strings.Join(units[v], " or "))
}

// loinc maps the LOINC codes monitors send to vitals [LOINC; the product
// brief's FHIR list: SpO2 59408-5 and 2708-6, heart rate 8867-4, systolic
// 8480-6, diastolic 8462-4].
var loinc = map[string]Vital{
	"59408-5": SpO2, // oxygen saturation in arterial blood by pulse oximetry
	"2708-6":  SpO2, // oxygen saturation in arterial blood
	"20564-1": SpO2, // oxygen saturation in blood
	"8889-8":  PulseRate,
	"8867-4":  PulseRate, // heart rate: what a monitor's pulse channel often sends
	"8480-6":  Systolic,
	"8462-4":  Diastolic,
	"8478-0":  MeanPressure,
	"9279-1":  RespiratoryRate,
}

// LOINC returns the vital a LOINC code stands for.
func LOINC(code string) (Vital, bool) {
	v, ok := loinc[strings.TrimSpace(code)]
	return v, ok
}

// Code is a row of the clinic's table of the devices' own codes: a monitor
// that does not send LOINC names its observations in a coding system of its
// own (OBX-3's third component, e.g. "MDC" or a vendor's), and the clinic
// says what each code is. Unit is what the device sends when it leaves
// OBX-6 empty; "" when it always says.
type Code struct {
	System string `json:"system"`
	Code   string `json:"code"`
	Vital  Vital  `json:"vital"`
	Unit   string `json:"unit"`
}

// Validate checks a code table row, naming its field.
func (c Code) Validate() error {
	var probs ketaflow.Problems
	if strings.TrimSpace(c.Code) == "" || len(c.Code) > 64 {
		probs.Add("code", "code must be 1 to 64 characters, as the device sends it in OBX-3")
	}
	if len(c.System) > 64 {
		probs.Add("system", "system must be at most 64 characters (the coding system the device names in OBX-3, or empty)")
	}
	if !slices.Contains(Vitals, c.Vital) {
		probs.Add("vital", "vital must be one of spo2, pulse_rate, systolic, diastolic, mean_pressure, respiratory_rate")
	} else if c.Unit != "" {
		if err := c.Vital.CheckUnit(c.Unit, ""); err != nil {
			probs.Add("unit", "%s", err.Error())
		}
	}
	return probs.Err()
}

// Lookup finds the vital of an observation code: LOINC first (when the
// system says LN, or says nothing), then the clinic's table. It returns the
// table's unit as well.
func Lookup(table []Code, system, code string) (Vital, string, bool) {
	system, code = strings.TrimSpace(system), strings.TrimSpace(code)
	if system == "" || strings.EqualFold(system, "LN") || strings.EqualFold(system, "LOINC") {
		if v, ok := LOINC(code); ok {
			return v, "", true
		}
	}
	for _, c := range table {
		if c.Code == code && (c.System == "" || strings.EqualFold(c.System, system)) {
			return c.Vital, c.Unit, true
		}
	}
	return "", "", false
}

// Reading is one moment's values from one monitor. A zero value is "not
// sent".
type Reading struct {
	// Monitor is the monitor's key as it names itself: its bed id, or
	// "application^facility".
	Monitor string
	TakenAt time.Time
	Values  map[Vital]int
}

// MaxAhead is how far in the future a monitor's time may be: a clock a
// little ahead of the server's is a monitor's, a reading from the future is
// not.
const MaxAhead = 2 * time.Minute

// MaxKey is the longest monitor key taken.
const MaxKey = 120

// Validate checks a reading at now, naming the field at fault.
func (r Reading) Validate(now time.Time) error {
	var probs ketaflow.Problems
	if k := strings.TrimSpace(r.Monitor); k == "" || len(k) > MaxKey {
		probs.Add("monitor", "monitor must be the monitor's id, 1 to %d characters", MaxKey)
	}
	if r.TakenAt.IsZero() {
		probs.Add("taken_at", "taken_at is needed: when the monitor measured")
	} else if r.TakenAt.After(now.Add(MaxAhead)) {
		probs.Add("taken_at", "taken_at is in the future: the monitor's clock is more than %s ahead", ketaflow.HumanDuration(MaxAhead))
	}
	if len(r.Values) == 0 {
		probs.Add("values", "a reading needs at least one value: spo2, pulse_rate, systolic, diastolic, mean_pressure or respiratory_rate")
	}
	for _, v := range Vitals {
		n, ok := r.Values[v]
		if !ok {
			continue
		}
		if lo, hi := v.limits(); n < lo || n > hi {
			probs.Add(string(v), "%s must be %d to %d %s", v, lo, hi, v.Unit())
		}
	}
	if s, d := r.Values[Systolic], r.Values[Diastolic]; s > 0 && d > 0 && d >= s {
		probs.Add(string(Diastolic), "diastolic must be below systolic")
	}
	return probs.Err()
}
