package discharge

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

// YesNo is an answer of the REMS form. The empty value means "not
// answered", which the form refuses: "no" must be said, not assumed.
type YesNo string

const (
	Yes YesNo = "yes"
	No  YesNo = "no"
)

// YesNoOf turns a fact into an answer.
func YesNoOf(b bool) YesNo {
	if b {
		return Yes
	}
	return No
}

// Label is the answer as the form prints it.
func (y YesNo) Label() string {
	switch y {
	case Yes:
		return "Yes"
	case No:
		return "No"
	}
	return "(not answered)"
}

// ParseYesNo reads an answer as a form posts it: yes/no, y/n, true/false,
// 1/0, in any case.
//
// Errors: EInvalid on field (the caller's name for it).
func ParseYesNo(field, s string) (YesNo, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y", "true", "1", "on":
		return Yes, nil
	case "no", "n", "false", "0", "off":
		return No, nil
	}
	return "", ketaflow.Invalid(field, "answer yes or no")
}

// BP is a blood pressure on the REMS form, with when it was taken.
type BP struct {
	Systolic  int       `json:"systolic"`
	Diastolic int       `json:"diastolic"`
	TakenAt   time.Time `json:"taken_at"`
}

func (b BP) missing() bool { return b.Systolic == 0 && b.Diastolic == 0 && b.TakenAt.IsZero() }

// String is "128/82".
func (b BP) String() string {
	return vitals.Reading{Systolic: b.Systolic, Diastolic: b.Diastolic}.BP()
}

// Medications are the concomitant medications the REMS form asks about,
// each answered yes or no [REMS].
type Medications struct {
	Benzodiazepines                    YesNo `json:"benzodiazepines"`
	NonBenzodiazepineSedativeHypnotics YesNo `json:"non_benzodiazepine_sedative_hypnotics"`
	Psychostimulants                   YesNo `json:"psychostimulants"`
	MAOIs                              YesNo `json:"maois"`
	Opioids                            YesNo `json:"opioids"`
}

// medicationRows lists the medications in the form's order.
func (m Medications) rows() []struct {
	field, label string
	answer       YesNo
} {
	return []struct {
		field, label string
		answer       YesNo
	}{
		{"medications.benzodiazepines", "Benzodiazepines", m.Benzodiazepines},
		{"medications.non_benzodiazepine_sedative_hypnotics", "Non-benzodiazepine sedative hypnotics", m.NonBenzodiazepineSedativeHypnotics},
		{"medications.psychostimulants", "Psychostimulants", m.Psychostimulants},
		{"medications.maois", "Monoamine oxidase inhibitors (MAOIs)", m.MAOIs},
		{"medications.opioids", "Opioids", m.Opioids},
	}
}

// REMSForm is the data of the Spravato REMS Patient Monitoring Form for one
// session [REMS; product brief §5]. Times are printed in their own
// location: build the form with times in the clinic's zone.
type REMSForm struct {
	PatientName    string        `json:"patient_name"`
	PatientREMSID  string        `json:"patient_rems_id"`
	BirthDate      ketaflow.Date `json:"birth_date"`
	Sex            patients.Sex  `json:"sex"`
	PrescriberName string        `json:"prescriber_name"`
	// SettingName is the certified healthcare setting: the clinic. It heads
	// the PDF.
	SettingName   string        `json:"setting_name"`
	SettingREMSID string        `json:"setting_rems_id"`
	TreatmentDate ketaflow.Date `json:"treatment_date"`
	DoseMg        int           `json:"dose_mg"`
	LotNumbers    []string      `json:"lot_numbers"`
	Medications   Medications   `json:"medications"`

	BPBefore          BP `json:"bp_before"`           // before dosing
	BPAt40            BP `json:"bp_40_min"`           // about 40 min after the first device
	BPBeforeDischarge BP `json:"bp_before_discharge"` // before discharge

	FirstDeviceAt     time.Time `json:"first_device_at"`
	MonitoringEndedAt time.Time `json:"monitoring_ended_at"`
	// MonitoringMinutes is whole minutes from the first device to the end
	// of monitoring (MonitoringMinutes func).
	MonitoringMinutes int `json:"monitoring_minutes"`

	Sedation              YesNo `json:"sedation"`
	Dissociation          YesNo `json:"dissociation"`
	RespiratoryDepression YesNo `json:"respiratory_depression"`
	// ReadyToLeaveAt is when the patient would have been ready to leave
	// without the 2-hour minimum (ReadyWithoutMinimum).
	ReadyToLeaveAt time.Time `json:"ready_to_leave_at"`

	DueBy       time.Time `json:"due_by,omitzero"` // printed when set (DueBy func)
	GeneratedAt time.Time `json:"generated_at"`
}

// MonitoringMinutes is the whole minutes from the first device to the end of
// monitoring, rounded down.
func MonitoringMinutes(firstDeviceAt, endedAt time.Time) int {
	return int(endedAt.Sub(firstDeviceAt) / time.Minute)
}

// Text limits of the form: enough for names and ids, short enough to print.
const (
	maxFormText = 120
	maxLots     = 6
)

// Validate checks that every required field of the form is filled in and
// consistent. A form with any field missing cannot be submitted or printed.
//
// Errors: EInvalid listing every missing or wrong field by name.
func (f REMSForm) Validate() error {
	var p ketaflow.Problems
	text := func(field, label, v string) {
		switch {
		case strings.TrimSpace(v) == "":
			p.Add(field, "%s is required", label)
		case utf8.RuneCountInString(v) > maxFormText:
			p.Add(field, "%s must be at most %d characters", label, maxFormText)
		case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
			p.Add(field, "%s must be one line of plain text", label)
		}
	}
	text("patient_name", "patient name", f.PatientName)
	text("patient_rems_id", "patient REMS id", f.PatientREMSID)
	switch {
	case f.BirthDate.IsZero():
		p.Add("birth_date", "date of birth is required")
	case !f.TreatmentDate.IsZero() && !f.BirthDate.Before(f.TreatmentDate):
		p.Add("birth_date", "date of birth must be before the treatment date")
	}
	if !slices.Contains(patients.Sexes, f.Sex) {
		p.Add("sex", "sex is required: female, male, other or unknown")
	}
	text("prescriber_name", "prescriber", f.PrescriberName)
	text("setting_name", "healthcare setting", f.SettingName)
	text("setting_rems_id", "healthcare setting REMS id", f.SettingREMSID)
	if f.TreatmentDate.IsZero() {
		p.Add("treatment_date", "treatment date is required")
	}
	if f.DoseMg <= 0 {
		p.Add("dose_mg", "dose in mg is required")
	}
	switch {
	case len(f.LotNumbers) == 0:
		p.Add("lot_numbers", "at least one lot number is required")
	case len(f.LotNumbers) > maxLots:
		p.Add("lot_numbers", "at most %d lot numbers", maxLots)
	default:
		for _, l := range f.LotNumbers {
			text("lot_numbers", "lot number", l)
		}
	}
	for _, m := range f.Medications.rows() {
		if m.answer != Yes && m.answer != No {
			p.Add(m.field, "%s: answer yes or no", m.label)
		}
	}
	bp := func(field, label string, b BP) {
		switch {
		case b.missing() || b.Systolic == 0 || b.Diastolic == 0:
			p.Add(field, "blood pressure %s is required", label)
		case b.Systolic < vitals.MinSystolic || b.Systolic > vitals.MaxSystolic || b.Diastolic < vitals.MinDiastolic ||
			b.Diastolic > vitals.MaxDiastolic || b.Diastolic >= b.Systolic:
			p.Add(field, "blood pressure %s %s is not a plausible reading", label, b)
		case b.TakenAt.IsZero():
			p.Add(field, "the time of the blood pressure %s is required", label)
		}
	}
	bp("bp_before", "before dosing", f.BPBefore)
	bp("bp_40_min", "about 40 minutes after the first device", f.BPAt40)
	bp("bp_before_discharge", "before discharge", f.BPBeforeDischarge)
	if !f.FirstDeviceAt.IsZero() {
		if !f.BPBefore.TakenAt.IsZero() && f.BPBefore.TakenAt.After(f.FirstDeviceAt) {
			p.Add("bp_before", "the blood pressure before dosing must be taken before the first device")
		}
		if !f.TreatmentDate.IsZero() && ketaflow.DateOf(f.FirstDeviceAt) != f.TreatmentDate {
			p.Add("treatment_date", "treatment date %s is not the day of the first device, %s", f.TreatmentDate, ketaflow.DateOf(f.FirstDeviceAt))
		}
	}
	switch {
	case f.FirstDeviceAt.IsZero():
		p.Add("first_device_at", "time of the first device is required")
	case f.MonitoringEndedAt.IsZero():
		p.Add("monitoring_ended_at", "time monitoring ended is required")
	case f.MonitoringEndedAt.Before(f.FirstDeviceAt):
		p.Add("monitoring_ended_at", "monitoring cannot end before the first device")
	case f.MonitoringMinutes != MonitoringMinutes(f.FirstDeviceAt, f.MonitoringEndedAt):
		p.Add("monitoring_minutes", "minutes of monitoring must be %d, from the first device to the end of monitoring",
			MonitoringMinutes(f.FirstDeviceAt, f.MonitoringEndedAt))
	}
	for _, y := range []struct {
		field, label string
		v            YesNo
	}{{"sedation", "sedation", f.Sedation}, {"dissociation", "dissociation", f.Dissociation}, {"respiratory_depression", "respiratory depression", f.RespiratoryDepression}} {
		if y.v != Yes && y.v != No {
			p.Add(y.field, "%s: answer yes or no", y.label)
		}
	}
	switch {
	case f.ReadyToLeaveAt.IsZero():
		p.Add("ready_to_leave_at", "the time the patient was ready to leave (without the 2-hour minimum) is required")
	case !f.FirstDeviceAt.IsZero() && f.ReadyToLeaveAt.Before(f.FirstDeviceAt),
		!f.MonitoringEndedAt.IsZero() && f.ReadyToLeaveAt.After(f.MonitoringEndedAt):
		p.Add("ready_to_leave_at", "the time the patient was ready to leave must be between the first device and the end of monitoring")
	}
	if f.GeneratedAt.IsZero() {
		p.Add("generated_at", "the time the form is generated is required")
	}
	return p.Err()
}

// Observations are the parts of the REMS form read from the session's
// vitals.
type Observations struct {
	BPBefore          BP    `json:"bp_before"`
	BPAt40            BP    `json:"bp_40_min"`
	BPBeforeDischarge BP    `json:"bp_before_discharge"`
	Sedation          YesNo `json:"sedation"`
	Dissociation      YesNo `json:"dissociation"`
}

// Observe reads the form's vitals from a session's readings (amendments
// applied), for a session from firstDoseAt to the end of monitoring at
// endedAt:
//
//   - before dosing: the latest blood pressure at or before the first dose;
//   - about 40 min: the blood pressure closest to VitalsAt after the first
//     dose (the earlier on a tie), within one vitals interval of it;
//   - before discharge: the latest blood pressure up to endedAt;
//   - sedation: yes if any MOAA/S during monitoring was below the scale's
//     top (5, fully alert), no if all were 5, unanswered if none was taken;
//   - dissociation: yes if any assessment found it, no if every one did
//     not, unanswered if none was made.
//
// A reading not found is left empty, for a person to fill in; Validate
// refuses the form until then.
func Observe(readings []vitals.Reading, firstDoseAt, endedAt time.Time, p protocol.Protocol) Observations {
	var o Observations
	target := firstDoseAt.Add(p.Session.VitalsAt())
	window := p.Session.VitalsEvery()
	best := time.Duration(-1)
	abs := func(d time.Duration) time.Duration { return max(d, -d) }
	for _, r := range vitals.Effective(readings) {
		during := r.TakenAt.After(firstDoseAt) && !r.TakenAt.After(endedAt)
		if r.HasBP() {
			b := BP{Systolic: r.Systolic, Diastolic: r.Diastolic, TakenAt: r.TakenAt}
			if !r.TakenAt.After(firstDoseAt) {
				o.BPBefore = b
			}
			if during {
				o.BPBeforeDischarge = b
				if d := abs(r.TakenAt.Sub(target)); d <= window && (best < 0 || d < best) {
					o.BPAt40, best = b, d
				}
			}
		}
		if !during {
			continue
		}
		if r.Sedation != nil && o.Sedation != Yes {
			o.Sedation = YesNoOf(*r.Sedation < vitals.MaxMOAAS)
		}
		if r.Dissociation != nil && o.Dissociation != Yes {
			o.Dissociation = YesNoOf(*r.Dissociation)
		}
	}
	return o
}

// DueBy is when the REMS form of a session discharged at dischargedAt must
// be submitted [protocol Discharge.REMSFormDueBy: 7 days].
func DueBy(dischargedAt time.Time, p protocol.Protocol) time.Time {
	return p.Discharge.REMSFormDueBy(dischargedAt)
}

// FormState is where a REMS form stands.
type FormState string

const (
	FormDue       FormState = "due"
	FormOverdue   FormState = "overdue"
	FormSubmitted FormState = "submitted"
)

// FormStatus is the state of a form due at due, submitted at submittedAt
// (zero: not yet), at now. A form is overdue only after its due time.
func FormStatus(due, submittedAt, now time.Time) FormState {
	switch {
	case !submittedAt.IsZero():
		return FormSubmitted
	case now.After(due):
		return FormOverdue
	}
	return FormDue
}
