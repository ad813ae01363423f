package patients

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Record)
		want   []Change
	}{
		{"same_record_no_changes", func(r *Record) {}, nil},
		{"phone_change_is_demographic", func(r *Record) { r.Phone = "555 010 0100" }, []Change{
			{Field: "phone", Label: "Phone", Clinical: false, From: "+1 (555) 010-0199", To: "555 010 0100"},
		}},
		{"birth_date_shown_as_iso_date", func(r *Record) { r.BirthDate = ketaflow.Date{Year: 1981, Month: time.March, Day: 4} }, []Change{
			{Field: "birth_date", Label: "Date of birth", From: "1980-03-14", To: "1981-03-04"},
		}},
		{"emergency_phone_named_by_path", func(r *Record) { r.Emergency.Phone = "" }, []Change{
			{Field: "emergency_contact.phone", Label: "Emergency contact phone", From: "555 010 0142", To: ""},
		}},
		{"prescriber_change_is_demographic", func(r *Record) { r.PrescriberID = "" }, []Change{
			{Field: "prescriber_id", Label: "Prescriber", From: prescriberID, To: ""},
		}},
		{"height_change_is_clinical", func(r *Record) { r.HeightCM = 170 }, []Change{
			{Field: "height_cm", Label: "Height (cm)", Clinical: true, From: "168.5", To: "170"},
		}},
		{"height_cleared_shows_blank_not_zero", func(r *Record) { r.HeightCM = 0 }, []Change{
			{Field: "height_cm", Label: "Height (cm)", Clinical: true, From: "168.5", To: ""},
		}},
		{"allergies_change_is_clinical", func(r *Record) { r.Allergies = "none known" }, []Change{
			{Field: "allergies", Label: "Allergies", Clinical: true, From: "penicillin", To: "none known"},
		}},
		{"contraindications_shown_by_label", func(r *Record) { r.Contraindications = []Contraindication{Hypersensitivity, Pregnancy} }, []Change{
			{Field: "contraindications", Label: "Contraindications", Clinical: true,
				From: "Hypersensitivity to ketamine or esketamine", To: "Hypersensitivity to ketamine or esketamine; Pregnancy"},
		}},
		{"contraindications_cleared_shows_blank", func(r *Record) { r.Contraindications = []Contraindication{} }, []Change{
			{Field: "contraindications", Label: "Contraindications", Clinical: true,
				From: "Hypersensitivity to ketamine or esketamine", To: ""},
		}},
		{"several_changes_in_form_order", func(r *Record) {
			r.Allergies = ""
			r.LegalName = "Augusta Ada King"
			r.MRN = "K000124"
		}, []Change{
			{Field: "mrn", Label: "MRN", From: "K000123", To: "K000124"},
			{Field: "legal_name", Label: "Legal name", From: "Ada Lovelace", To: "Augusta Ada King"},
			{Field: "allergies", Label: "Allergies", Clinical: true, From: "penicillin", To: ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := validRecord()
			r := validRecord()
			tt.change(&r)
			if diff := cmp.Diff(tt.want, Diff(old, r)); diff != "" {
				t.Errorf("Diff mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffFromEmptyListsEveryFilledField(t *testing.T) {
	t.Parallel()
	got := Diff(Record{}, validRecord())
	var names []string
	for _, c := range got {
		names = append(names, c.Field)
	}
	want := []string{"mrn", "legal_name", "preferred_name", "birth_date", "sex", "phone", "email",
		"emergency_contact.name", "emergency_contact.relation", "emergency_contact.phone", "rems_patient_id",
		"prescriber_id", "therapist_id", "height_cm", "allergies", "contraindications"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Diff fields mismatch (-want +got):\n%s", diff)
	}
}

func TestDiffIgnoresOrderAfterNormalize(t *testing.T) {
	t.Parallel()
	a := validRecord()
	a.Contraindications = []Contraindication{Pregnancy, Hypersensitivity}
	b := validRecord()
	b.Contraindications = []Contraindication{Hypersensitivity, Pregnancy, Pregnancy}
	if got := Diff(a.Normalize(), b.Normalize()); got != nil {
		t.Errorf("got changes %+v, want none", got)
	}
}

func TestClinicalFields(t *testing.T) {
	t.Parallel()
	want := []string{"height_cm", "allergies", "contraindications"}
	if diff := cmp.Diff(want, ClinicalFields()); diff != "" {
		t.Errorf("ClinicalFields mismatch (-want +got):\n%s", diff)
	}
}

func TestRedacted(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	p := Patient{
		ID: "p1", ClinicID: "c1", Record: validRecord(), Version: 3, CreatedAt: at, UpdatedAt: at,
		Weight: &Weight{ID: "w1", PatientID: "p1", KG: 72.5, MeasuredAt: at, RecordedBy: "Nurse", RecordedAt: at},
	}
	want := p
	want.HeightCM = 0
	want.Allergies = ""
	want.Contraindications = nil
	want.Weight = nil
	want.ClinicalHidden = true

	got := p.Redacted()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Redacted mismatch (-want +got):\n%s", diff)
	}
	for _, f := range ClinicalFields() {
		for _, c := range Diff(Record{}, got.Record) {
			if c.Field == f {
				t.Errorf("clinical field %s still set after Redacted: %q", f, c.To)
			}
		}
	}
	if p.ClinicalHidden || p.Weight == nil || p.Allergies == "" {
		t.Errorf("Redacted changed the original patient: %+v", p)
	}
}

func TestDisplayName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		legal, prefers string
		want           string
	}{
		{"no_preferred_name_shows_legal", "Ada Lovelace", "", "Ada Lovelace"},
		{"same_preferred_name_shown_once", "Ada Lovelace", "Ada Lovelace", "Ada Lovelace"},
		{"preferred_name_first_with_legal_name", "Ada Lovelace", "Ada", "Ada (Ada Lovelace)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := Patient{Record: Record{LegalName: tt.legal, PreferredName: tt.prefers}}
			if got := p.DisplayName(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
