package discharge

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

func completeForm() REMSForm {
	return REMSForm{
		PatientName: "Zoë Müller", PatientREMSID: "PT-1234567", BirthDate: ketaflow.Date{Year: 1980, Month: time.May, Day: 2},
		Sex: patients.Female, PrescriberName: "Dr Ana Rivera", SettingName: "Riverside Ketamine Clinic", SettingREMSID: "HCS-7654321",
		TreatmentDate: ketaflow.DateOf(first), DoseMg: 84, LotNumbers: []string{"S2611B"},
		Medications: Medications{Benzodiazepines: No, NonBenzodiazepineSedativeHypnotics: No, Psychostimulants: Yes, MAOIs: No, Opioids: No},
		BPBefore:    BP{132, 84, at(-10)}, BPAt40: BP{148, 92, at(41)}, BPBeforeDischarge: BP{130, 82, at(118)},
		FirstDeviceAt: first, MonitoringEndedAt: at(125), MonitoringMinutes: 125,
		Sedation: Yes, Dissociation: Yes, RespiratoryDepression: No,
		ReadyToLeaveAt: at(75), DueBy: DueBy(at(125), protocol.Default()), GeneratedAt: at(130),
	}
}

func TestREMSFormValidate(t *testing.T) {
	t.Parallel()
	if err := completeForm().Validate(); err != nil {
		t.Fatalf("complete form: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*REMSForm)
		field string
	}{
		{"patient_name_missing_refused", func(f *REMSForm) { f.PatientName = " " }, "patient_name"},
		{"patient_rems_id_missing_refused", func(f *REMSForm) { f.PatientREMSID = "" }, "patient_rems_id"},
		{"birth_date_missing_refused", func(f *REMSForm) { f.BirthDate = ketaflow.Date{} }, "birth_date"},
		{"sex_missing_refused", func(f *REMSForm) { f.Sex = "" }, "sex"},
		{"sex_unknown_value_refused", func(f *REMSForm) { f.Sex = "x" }, "sex"},
		{"prescriber_missing_refused", func(f *REMSForm) { f.PrescriberName = "" }, "prescriber_name"},
		{"setting_rems_id_missing_refused", func(f *REMSForm) { f.SettingREMSID = "" }, "setting_rems_id"},
		{"dose_missing_refused", func(f *REMSForm) { f.DoseMg = 0 }, "dose_mg"},
		{"lot_number_missing_refused", func(f *REMSForm) { f.LotNumbers = nil }, "lot_numbers"},
		{"blank_lot_number_refused", func(f *REMSForm) { f.LotNumbers = []string{"S1", ""} }, "lot_numbers"},
		{"medication_unanswered_refused", func(f *REMSForm) { f.Medications.Opioids = "" }, "medications.opioids"},
		{"bp_before_missing_refused", func(f *REMSForm) { f.BPBefore = BP{} }, "bp_before"},
		{"bp_40_missing_refused", func(f *REMSForm) { f.BPAt40 = BP{} }, "bp_40_min"},
		{"bp_before_discharge_missing_refused", func(f *REMSForm) { f.BPBeforeDischarge = BP{} }, "bp_before_discharge"},
		{"bp_implausible_refused", func(f *REMSForm) { f.BPAt40.Diastolic = 160 }, "bp_40_min"},
		{"bp_before_taken_after_first_device_refused", func(f *REMSForm) { f.BPBefore.TakenAt = at(1) }, "bp_before"},
		{"monitoring_minutes_must_match_times", func(f *REMSForm) { f.MonitoringMinutes = 120 }, "monitoring_minutes"},
		{"monitoring_end_missing_refused", func(f *REMSForm) { f.MonitoringEndedAt = time.Time{} }, "monitoring_ended_at"},
		{"sedation_unanswered_refused", func(f *REMSForm) { f.Sedation = "" }, "sedation"},
		{"respiratory_depression_unanswered_refused", func(f *REMSForm) { f.RespiratoryDepression = "maybe" }, "respiratory_depression"},
		{"ready_time_missing_refused", func(f *REMSForm) { f.ReadyToLeaveAt = time.Time{} }, "ready_to_leave_at"},
		{"ready_time_after_end_refused", func(f *REMSForm) { f.ReadyToLeaveAt = at(126) }, "ready_to_leave_at"},
		{"treatment_date_other_than_first_device_refused", func(f *REMSForm) { f.TreatmentDate.Day++ }, "treatment_date"},
		{"control_characters_refused", func(f *REMSForm) { f.PatientName = "Ann\nBrown" }, "patient_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := completeForm()
			tt.edit(&f)
			e := ketaflow.AsError(f.Validate())
			if e.Code != ketaflow.EInvalid || !slices.ContainsFunc(e.Fields, func(fe ketaflow.FieldError) bool { return fe.Field == tt.field }) {
				t.Fatalf("got %v (%+v), want EInvalid on %q", e, e.Fields, tt.field)
			}
		})
	}
}

func TestEmptyREMSFormNamesEveryMissingField(t *testing.T) {
	t.Parallel()
	e := ketaflow.AsError(REMSForm{}.Validate())
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	want := []string{"patient_name", "patient_rems_id", "birth_date", "sex", "prescriber_name", "setting_name", "setting_rems_id",
		"treatment_date", "dose_mg", "lot_numbers", "medications.benzodiazepines", "medications.non_benzodiazepine_sedative_hypnotics",
		"medications.psychostimulants", "medications.maois", "medications.opioids", "bp_before", "bp_40_min", "bp_before_discharge",
		"first_device_at", "sedation", "dissociation", "respiratory_depression", "ready_to_leave_at", "generated_at"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
}

func TestObserve(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	readings := []vitals.Reading{
		{ID: "pre1", TakenAt: at(-30), Systolic: 150, Diastolic: 95},
		{ID: "pre2", TakenAt: at(-10), Systolic: 132, Diastolic: 84}, // repeated after rest: this one counts
		check("c15", 15, 150, 92, 97, 4, true),
		check("c38", 38, 152, 93, 97, 5, true),
		check("c43", 43, 149, 90, 97, 5, false),
		check("c118", 118, 130, 82, 98, 5, false),
		{ID: "late", TakenAt: at(140), Systolic: 128, Diastolic: 80}, // after the end of monitoring
	}
	got := Observe(readings, first, at(125), p)
	want := Observations{
		BPBefore: BP{132, 84, at(-10)}, BPAt40: BP{152, 93, at(38)}, BPBeforeDischarge: BP{130, 82, at(118)},
		Sedation: Yes, Dissociation: Yes,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("observations mismatch (-want +got):\n%s", diff)
	}

	calm := []vitals.Reading{check("c15", 15, 130, 80, 98, 5, false), check("c90", 90, 128, 80, 98, 5, false)}
	got = Observe(calm, first, at(125), p)
	want = Observations{BPBeforeDischarge: BP{128, 80, at(90)}, Sedation: No, Dissociation: No}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("no 40-min reading within one interval, none before dosing (-want +got):\n%s", diff)
	}
	if got := Observe([]vitals.Reading{{ID: "x", TakenAt: at(20), Systolic: 130, Diastolic: 80}}, first, at(125), p); got.Sedation != "" || got.Dissociation != "" {
		t.Errorf("unassessed sedation or dissociation answered: %+v", got)
	}
}

func TestDueByAndFormStatus(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	discharged := at(125)
	due := DueBy(discharged, p)
	if want := discharged.AddDate(0, 0, 7); !due.Equal(want) {
		t.Fatalf("DueBy = %v, want %v", due, want)
	}
	tests := []struct {
		name      string
		submitted time.Time
		now       time.Time
		want      FormState
	}{
		{"due_before_deadline", time.Time{}, due.Add(-time.Hour), FormDue},
		{"due_exactly_at_deadline", time.Time{}, due, FormDue},
		{"overdue_after_deadline", time.Time{}, due.Add(time.Second), FormOverdue},
		{"submitted_on_time", due.Add(-time.Hour), due.Add(time.Hour), FormSubmitted},
		{"submitted_late_is_submitted", due.Add(time.Hour), due.Add(2 * time.Hour), FormSubmitted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := FormStatus(due, tt.submitted, tt.now); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseYesNo(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]YesNo{"yes": Yes, " Y ": Yes, "true": Yes, "no": No, "N": No, "0": No} {
		if got, err := ParseYesNo("sedation", in); err != nil || got != want {
			t.Errorf("ParseYesNo(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseYesNo("sedation", "maybe"); ketaflow.AsError(err).Field != "sedation" {
		t.Errorf("maybe: %v", err)
	}
}
