// Package vitals is one set of vital signs taken at a chair: blood pressure,
// heart rate, oxygen saturation, respiratory rate and, during a session, the
// sedation and dissociation seen. Readings are kept, never changed: a repeat
// is a new reading, and a correction is an amendment that names the reading
// it corrects and why. The gate and the session read the latest effective
// reading of each kind.
package vitals

import (
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
)

// Plausibility limits catch slips of the keyboard (a systolic of 20 or
// 400): a value outside them is an input error, not a reading. They are
// physiology, not clinical rules; the rules are in the protocol.
const (
	MinSystolic, MaxSystolic   = 50, 300 // mmHg
	MinDiastolic, MaxDiastolic = 20, 200 // mmHg
	MinHeartRate, MaxHeartRate = 20, 250 // beats per minute
	MinSpO2, MaxSpO2           = 50, 100 // %
	MinResp, MaxResp           = 4, 60   // breaths per minute
	MinMOAAS, MaxMOAAS         = 0, 5    // Modified Observer's Assessment of Alertness/Sedation
)

// Reading is one set of vital signs. A zero value means "not measured" for
// each number; Sedation and Dissociation are nil when not assessed.
type Reading struct {
	ID          string    `json:"id"`
	VisitID     string    `json:"visit_id"`
	PatientID   string    `json:"patient_id"`
	TakenAt     time.Time `json:"taken_at"`
	TakenBy     string    `json:"taken_by"`      // user id
	TakenByName string    `json:"taken_by_name"` // as staff saw it when read
	RecordedAt  time.Time `json:"recorded_at"`

	Systolic        int `json:"systolic,omitempty"`         // mmHg
	Diastolic       int `json:"diastolic,omitempty"`        // mmHg
	HeartRate       int `json:"heart_rate,omitempty"`       // beats per minute
	SpO2            int `json:"spo2,omitempty"`             // %
	RespiratoryRate int `json:"respiratory_rate,omitempty"` // breaths per minute

	// Sedation is the MOAA/S score (5 = responds readily to name in a normal
	// tone; 0 = no response to painful stimulus).
	Sedation *int `json:"sedation,omitempty"`
	// Dissociation is whether dissociation is present.
	Dissociation *bool  `json:"dissociation,omitempty"`
	Note         string `json:"note,omitempty"`

	// Amends is the id of the reading this one corrects; the original stays
	// on record. EnteredInError with Amends withdraws the original without a
	// replacement.
	Amends         string `json:"amends,omitempty"`
	AmendReason    string `json:"amend_reason,omitempty"`
	EnteredInError bool   `json:"entered_in_error,omitempty"`
	// LateReason says why the reading was entered well after it was taken
	// (charting.Rule); "" when it was charted on time.
	LateReason string `json:"late_reason,omitempty"`
}

// HasBP reports whether the reading has a blood pressure.
func (r Reading) HasBP() bool { return r.Systolic > 0 && r.Diastolic > 0 }

// BP formats the blood pressure as "162/95", or "" when not measured.
func (r Reading) BP() string {
	if !r.HasBP() {
		return ""
	}
	return itoa(r.Systolic) + "/" + itoa(r.Diastolic)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [12]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Validate checks a reading as entered: every value within plausible
// limits, blood pressure as a pair with diastolic below systolic, at least
// one measurement, and not taken in the future. now is the server's time.
func (r Reading) Validate(now time.Time) error {
	var p ketaflow.Problems
	if r.EnteredInError {
		if r.Amends == "" {
			p.Add("entered_in_error", "only an amendment can mark a reading entered in error")
		}
		if strings.TrimSpace(r.AmendReason) == "" {
			p.Add("amend_reason", "say why the reading is withdrawn")
		}
		return p.Err()
	}
	rangeCheck := func(field, what string, v, lo, hi int, unit string) {
		if v != 0 && (v < lo || v > hi) {
			p.Add(field, "%s %d %s is outside the plausible %d to %d %s; check the reading", what, v, unit, lo, hi, unit)
		}
	}
	rangeCheck("systolic", "systolic", r.Systolic, MinSystolic, MaxSystolic, "mmHg")
	rangeCheck("diastolic", "diastolic", r.Diastolic, MinDiastolic, MaxDiastolic, "mmHg")
	rangeCheck("heart_rate", "heart rate", r.HeartRate, MinHeartRate, MaxHeartRate, "bpm")
	rangeCheck("spo2", "SpO2", r.SpO2, MinSpO2, MaxSpO2, "%")
	rangeCheck("respiratory_rate", "respiratory rate", r.RespiratoryRate, MinResp, MaxResp, "breaths/min")
	switch {
	case r.Systolic < 0 || r.Diastolic < 0 || r.HeartRate < 0 || r.SpO2 < 0 || r.RespiratoryRate < 0:
		p.Add("", "readings cannot be negative")
	case (r.Systolic > 0) != (r.Diastolic > 0):
		field := "diastolic"
		if r.Systolic == 0 {
			field = "systolic"
		}
		p.Add(field, "blood pressure needs both systolic and diastolic")
	case r.HasBP() && r.Diastolic >= r.Systolic:
		p.Add("diastolic", "diastolic %d must be below systolic %d", r.Diastolic, r.Systolic)
	}
	if r.Sedation != nil && (*r.Sedation < MinMOAAS || *r.Sedation > MaxMOAAS) {
		p.Add("sedation", "sedation (MOAA/S) must be a whole number from %d to %d", MinMOAAS, MaxMOAAS)
	}
	if r.Systolic == 0 && r.HeartRate == 0 && r.SpO2 == 0 && r.RespiratoryRate == 0 && r.Sedation == nil && r.Dissociation == nil {
		p.Add("systolic", "enter at least one measurement")
	}
	switch {
	case r.TakenAt.IsZero():
		p.Add("taken_at", "the time the reading was taken is required")
	case r.TakenAt.After(now.Add(2 * time.Minute)):
		p.Add("taken_at", "a reading cannot be taken in the future")
	}
	if len(r.Note) > 1000 {
		p.Add("note", "note must be at most 1000 characters")
	}
	if r.Amends != "" && strings.TrimSpace(r.AmendReason) == "" {
		p.Add("amend_reason", "say why the reading is corrected")
	}
	return p.Err()
}

// Effective returns the readings that count, oldest first: an amended
// reading is replaced by its amendment, and one entered in error is left out.
// The originals stay on record; this is only the view the rules use.
func Effective(all []Reading) []Reading {
	amended := map[string]bool{}
	for _, r := range all {
		if r.Amends != "" {
			amended[r.Amends] = true
		}
	}
	var out []Reading
	for _, r := range all {
		if amended[r.ID] || r.EnteredInError {
			continue
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Reading) int { return a.TakenAt.Compare(b.TakenAt) })
	return out
}

// Latest returns the most recently taken effective reading for which has
// returns true, and whether there is one.
func Latest(all []Reading, has func(Reading) bool) (Reading, bool) {
	eff := Effective(all)
	for i := len(eff) - 1; i >= 0; i-- {
		if has(eff[i]) {
			return eff[i], true
		}
	}
	return Reading{}, false
}

// Selectors for Latest.
var (
	WithBP        = func(r Reading) bool { return r.HasBP() }
	WithHeartRate = func(r Reading) bool { return r.HeartRate > 0 }
	WithSpO2      = func(r Reading) bool { return r.SpO2 > 0 }
	WithSedation  = func(r Reading) bool { return r.Sedation != nil }
	WithDissoc    = func(r Reading) bool { return r.Dissociation != nil }
)
