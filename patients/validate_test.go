package patients

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
)

// today is the clinic's date in these tests.
var today = ketaflow.Date{Year: 2026, Month: time.November, Day: 25}

const prescriberID = "0193a0c4-7f3e-7b2a-9c1d-2e4f6a8b0c1d"

// validRecord returns a record with every field filled in and valid.
func validRecord() Record {
	return Record{
		MRN:               "K000123",
		LegalName:         "Ada Lovelace",
		PreferredName:     "Ada",
		BirthDate:         ketaflow.Date{Year: 1980, Month: time.March, Day: 14},
		Sex:               Female,
		Phone:             "+1 (555) 010-0199",
		Email:             "ada@example.org",
		Emergency:         EmergencyContact{Name: "Charles Babbage", Relation: "friend", Phone: "555 010 0142"},
		REMSPatientID:     "REMS-123456",
		PrescriberID:      prescriberID,
		TherapistID:       "0193a0c4-7f3e-7b2a-9c1d-2e4f6a8b0c1e",
		HeightCM:          168.5,
		Allergies:         "penicillin",
		Contraindications: []Contraindication{Hypersensitivity},
	}
}

// fieldNames returns the fields an error names, checking that it is an
// EInvalid *ketaflow.Error whose Field is the first of its Fields.
func fieldNames(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *ketaflow.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %T %v, want *ketaflow.Error", err, err)
	}
	if e.Code != ketaflow.EInvalid {
		t.Errorf("got code %q, want %q", e.Code, ketaflow.EInvalid)
	}
	if len(e.Fields) == 0 {
		t.Fatalf("got no Fields in %v, want at least one", err)
	}
	if e.Field != e.Fields[0].Field {
		t.Errorf("got Field %q, want the first of Fields %q", e.Field, e.Fields[0].Field)
	}
	var names []string
	for _, f := range e.Fields {
		if f.Message == "" {
			t.Errorf("field %q has an empty message", f.Field)
		}
		names = append(names, f.Field)
	}
	return names
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Record)
		want   []string // fields at fault, in form order; nil means valid
	}{
		{"full_record_is_valid", func(r *Record) {}, nil},
		{"minimal_record_is_valid", func(r *Record) {
			*r = Record{LegalName: "Ada Lovelace", BirthDate: r.BirthDate, Sex: Unknown}
		}, nil},

		{"mrn_blank_is_assigned_later", func(r *Record) { r.MRN = "" }, nil},
		{"mrn_32_characters_ok", func(r *Record) { r.MRN = strings.Repeat("A", 32) }, nil},
		{"mrn_33_characters_refused", func(r *Record) { r.MRN = strings.Repeat("A", 33) }, []string{"mrn"}},
		{"mrn_with_space_refused", func(r *Record) { r.MRN = "K 123" }, []string{"mrn"}},
		{"mrn_starting_with_hyphen_refused", func(r *Record) { r.MRN = "-123" }, []string{"mrn"}},

		{"legal_name_required", func(r *Record) { r.LegalName = "" }, []string{"legal_name"}},
		{"legal_name_200_characters_ok", func(r *Record) { r.LegalName = strings.Repeat("a", 200) }, nil},
		{"legal_name_201_characters_refused", func(r *Record) { r.LegalName = strings.Repeat("a", 201) }, []string{"legal_name"}},
		{"legal_name_with_control_character_refused", func(r *Record) { r.LegalName = "Ada\x00Lovelace" }, []string{"legal_name"}},
		{"legal_name_with_newline_refused", func(r *Record) { r.LegalName = "Ada\nLovelace" }, []string{"legal_name"}},
		{"legal_name_non_ascii_ok", func(r *Record) { r.LegalName = "Zoë Ñúñez-Øster 李" }, nil},
		{"preferred_name_optional", func(r *Record) { r.PreferredName = "" }, nil},
		{"preferred_name_201_characters_refused", func(r *Record) { r.PreferredName = strings.Repeat("a", 201) }, []string{"preferred_name"}},

		{"birth_date_required", func(r *Record) { r.BirthDate = ketaflow.Date{} }, []string{"birth_date"}},
		{"birth_date_today_ok", func(r *Record) { r.BirthDate = today }, nil},
		{"birth_date_tomorrow_refused", func(r *Record) { r.BirthDate = ketaflow.Date{Year: 2026, Month: time.November, Day: 26} }, []string{"birth_date"}},
		{"birth_date_next_year_refused", func(r *Record) { r.BirthDate = ketaflow.Date{Year: 2027, Month: time.January, Day: 1} }, []string{"birth_date"}},
		{"birth_date_1900_01_01_ok", func(r *Record) { r.BirthDate = ketaflow.Date{Year: 1900, Month: time.January, Day: 1} }, nil},
		{"birth_date_1899_12_31_refused", func(r *Record) { r.BirthDate = ketaflow.Date{Year: 1899, Month: time.December, Day: 31} }, []string{"birth_date"}},

		{"sex_female_ok", func(r *Record) { r.Sex = Female }, nil},
		{"sex_male_ok", func(r *Record) { r.Sex = Male }, nil},
		{"sex_other_ok", func(r *Record) { r.Sex = Other }, nil},
		{"sex_unknown_ok", func(r *Record) { r.Sex = Unknown }, nil},
		{"sex_required", func(r *Record) { r.Sex = "" }, []string{"sex"}},
		{"sex_capitalised_refused_before_normalize", func(r *Record) { r.Sex = "Female" }, []string{"sex"}},
		{"sex_unlisted_value_refused", func(r *Record) { r.Sex = "f" }, []string{"sex"}},

		{"phone_optional", func(r *Record) { r.Phone = "" }, nil},
		{"phone_us_format_with_brackets_ok", func(r *Record) { r.Phone = "+1 (555) 010-0199" }, nil},
		{"phone_dotted_ok", func(r *Record) { r.Phone = "555.010.0199" }, nil},
		{"phone_7_digits_ok", func(r *Record) { r.Phone = "5550199" }, nil},
		{"phone_15_digits_ok", func(r *Record) { r.Phone = "+" + strings.Repeat("1", 15) }, nil},
		{"phone_6_digits_refused", func(r *Record) { r.Phone = "555-019" }, []string{"phone"}},
		{"phone_16_digits_refused", func(r *Record) { r.Phone = "+" + strings.Repeat("1", 16) }, []string{"phone"}},
		{"phone_letters_refused", func(r *Record) { r.Phone = "555-CALL-NOW" }, []string{"phone"}},
		{"phone_plus_inside_refused", func(r *Record) { r.Phone = "555+0100199" }, []string{"phone"}},
		{"phone_only_punctuation_refused", func(r *Record) { r.Phone = "(--) ..." }, []string{"phone"}},

		{"email_optional", func(r *Record) { r.Email = "" }, nil},
		{"email_plain_address_ok", func(r *Record) { r.Email = "ada.lovelace+clinic@example.org" }, nil},
		{"email_without_at_refused", func(r *Record) { r.Email = "ada.example.org" }, []string{"email"}},
		{"email_with_display_name_refused", func(r *Record) { r.Email = "Ada <ada@example.org>" }, []string{"email"}},
		{"email_two_at_signs_refused", func(r *Record) { r.Email = "ada@lovelace@example.org" }, []string{"email"}},
		{"email_with_space_refused", func(r *Record) { r.Email = "ada lovelace@example.org" }, []string{"email"}},

		{"emergency_contact_optional", func(r *Record) { r.Emergency = EmergencyContact{} }, nil},
		{"emergency_phone_6_digits_refused", func(r *Record) { r.Emergency.Phone = "555019" }, []string{"emergency_contact.phone"}},
		{"emergency_phone_letters_refused", func(r *Record) { r.Emergency.Phone = "call my mum" }, []string{"emergency_contact.phone"}},
		{"emergency_name_201_characters_refused", func(r *Record) { r.Emergency.Name = strings.Repeat("a", 201) }, []string{"emergency_contact.name"}},
		{"emergency_relation_control_character_refused", func(r *Record) { r.Emergency.Relation = "sister\t" }, []string{"emergency_contact.relation"}},

		{"rems_id_optional", func(r *Record) { r.REMSPatientID = "" }, nil},
		{"rems_id_40_characters_ok", func(r *Record) { r.REMSPatientID = strings.Repeat("9", 40) }, nil},
		{"rems_id_41_characters_refused", func(r *Record) { r.REMSPatientID = strings.Repeat("9", 41) }, []string{"rems_patient_id"}},
		{"rems_id_with_space_refused", func(r *Record) { r.REMSPatientID = "REMS 1" }, []string{"rems_patient_id"}},
		{"rems_id_with_slash_refused", func(r *Record) { r.REMSPatientID = "REMS/1" }, []string{"rems_patient_id"}},

		{"prescriber_optional", func(r *Record) { r.PrescriberID = "" }, nil},
		{"prescriber_must_be_uuid", func(r *Record) { r.PrescriberID = "dr-smith" }, []string{"prescriber_id"}},
		{"prescriber_uuid_without_hyphens_refused", func(r *Record) { r.PrescriberID = strings.ReplaceAll(prescriberID, "-", "") }, []string{"prescriber_id"}},
		{"prescriber_uuid_in_braces_refused", func(r *Record) { r.PrescriberID = "{" + prescriberID + "}" }, []string{"prescriber_id"}},
		{"prescriber_uuid_urn_refused", func(r *Record) { r.PrescriberID = "urn:uuid:" + prescriberID }, []string{"prescriber_id"}},
		{"therapist_must_be_uuid", func(r *Record) { r.TherapistID = "42" }, []string{"therapist_id"}},

		{"height_not_measured_ok", func(r *Record) { r.HeightCM = 0 }, nil},
		{"height_99_refused", func(r *Record) { r.HeightCM = 99 }, []string{"height_cm"}},
		{"height_100_ok", func(r *Record) { r.HeightCM = 100 }, nil},
		{"height_250_ok", func(r *Record) { r.HeightCM = 250 }, nil},
		{"height_251_refused", func(r *Record) { r.HeightCM = 251 }, []string{"height_cm"}},
		{"height_negative_refused", func(r *Record) { r.HeightCM = -170 }, []string{"height_cm"}},
		{"height_not_a_number_refused", func(r *Record) { r.HeightCM = math.NaN() }, []string{"height_cm"}},
		{"height_infinite_refused", func(r *Record) { r.HeightCM = math.Inf(1) }, []string{"height_cm"}},

		{"allergies_2000_characters_ok", func(r *Record) { r.Allergies = strings.Repeat("a", 2000) }, nil},
		{"allergies_2001_characters_refused", func(r *Record) { r.Allergies = strings.Repeat("a", 2001) }, []string{"allergies"}},

		{"contraindications_every_known_one_ok", func(r *Record) { r.Contraindications = Contraindications }, nil},
		{"contraindication_unknown_refused", func(r *Record) { r.Contraindications = []Contraindication{Pregnancy, "broken_leg"} }, []string{"contraindications"}},
		{"contraindication_unknown_named_once", func(r *Record) { r.Contraindications = []Contraindication{"a", "b"} }, []string{"contraindications"}},

		{"every_fault_listed_in_form_order", func(r *Record) {
			r.LegalName = ""
			r.Sex = "?"
			r.Phone = "12"
			r.PrescriberID = "x"
			r.HeightCM = 20
		}, []string{"legal_name", "sex", "phone", "prescriber_id", "height_cm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := validRecord()
			tt.change(&r)
			got := fieldNames(t, r.Validate(today))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateErrorNamesFirstFieldAndCountsTheRest(t *testing.T) {
	t.Parallel()
	r := validRecord()
	r.LegalName = ""
	r.Email = "nope"
	err := r.Validate(today)
	var e *ketaflow.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *ketaflow.Error", err)
	}
	if e.Field != "legal_name" {
		t.Errorf("got Field %q, want %q", e.Field, "legal_name")
	}
	if !strings.Contains(e.Message, "and 1 more") {
		t.Errorf("got message %q, want it to say %q", e.Message, "and 1 more")
	}
}

func TestValidateWeight(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name       string
		kg         float64
		measuredAt time.Time
		want       []string
	}{
		{"typical_weight_now_ok", 72.4, now, nil},
		{"weight_0_refused", 0, now, []string{"weight_kg"}},
		{"weight_700_refused", 700, now, []string{"weight_kg"}},
		{"weight_20_ok", 20, now, nil},
		{"weight_just_below_20_refused", 19.99, now, []string{"weight_kg"}},
		{"weight_350_ok", 350, now, nil},
		{"weight_just_above_350_refused", 350.01, now, []string{"weight_kg"}},
		{"weight_negative_refused", -70, now, []string{"weight_kg"}},
		{"weight_not_a_number_refused", math.NaN(), now, []string{"weight_kg"}},
		{"weight_infinite_refused", math.Inf(1), now, []string{"weight_kg"}},
		{"measured_time_required", 70, time.Time{}, []string{"measured_at"}},
		{"measured_earlier_today_ok", 70, now.Add(-3 * time.Hour), nil},
		{"measured_minutes_ahead_tolerates_clock_skew", 70, now.Add(5 * time.Minute), nil},
		{"measured_in_future_refused", 70, now.Add(5*time.Minute + time.Second), []string{"measured_at"}},
		{"measured_tomorrow_refused", 70, now.AddDate(0, 0, 1), []string{"measured_at"}},
		{"measured_exactly_one_year_ago_ok", 70, now.AddDate(-1, 0, 0), nil},
		{"measured_over_one_year_ago_refused", 70, now.AddDate(-1, 0, 0).Add(-time.Second), []string{"measured_at"}},
		{"measured_in_other_zone_compared_as_instant", 70, now.In(time.FixedZone("UTC+14", 14*3600)), nil},
		{"both_faults_listed", 0, now.AddDate(0, 0, 1), []string{"weight_kg", "measured_at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := fieldNames(t, ValidateWeight(tt.kg, tt.measuredAt, now))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateWeight fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	in := Record{
		MRN:           " K000123 ",
		LegalName:     "  Ada Lovelace\t",
		PreferredName: " Ada ",
		BirthDate:     ketaflow.Date{Year: 1980, Month: time.March, Day: 14},
		Sex:           " Female ",
		Phone:         " +1 555 010 0199 ",
		Email:         " Ada@Example.ORG ",
		Emergency:     EmergencyContact{Name: " Charles ", Relation: " friend ", Phone: " 555 010 0142\n"},
		REMSPatientID: " REMS-1 ",
		PrescriberID:  " " + prescriberID + " ",
		TherapistID:   " ",
		HeightCM:      168.5,
		Allergies:     "\n penicillin \n",
		Contraindications: []Contraindication{Pregnancy, AneurysmalVascularDisease, Pregnancy,
			UncontrolledHypertension, AneurysmalVascularDisease},
	}
	want := Record{
		MRN:               "K000123",
		LegalName:         "Ada Lovelace",
		PreferredName:     "Ada",
		BirthDate:         ketaflow.Date{Year: 1980, Month: time.March, Day: 14},
		Sex:               Female,
		Phone:             "+1 555 010 0199",
		Email:             "ada@example.org",
		Emergency:         EmergencyContact{Name: "Charles", Relation: "friend", Phone: "555 010 0142"},
		REMSPatientID:     "REMS-1",
		PrescriberID:      prescriberID,
		TherapistID:       "",
		HeightCM:          168.5,
		Allergies:         "penicillin",
		Contraindications: []Contraindication{AneurysmalVascularDisease, Pregnancy, UncontrolledHypertension},
	}
	orig := append([]Contraindication(nil), in.Contraindications...)

	got := in.Normalize()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Normalize mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got.Normalize()); diff != "" {
		t.Errorf("Normalize twice mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(orig, in.Contraindications); diff != "" {
		t.Errorf("Normalize changed the caller's contraindications (-want +got):\n%s", diff)
	}
	if err := got.Validate(today); err != nil {
		t.Errorf("got %v validating the normalized record, want nil", err)
	}
}

func TestNormalizeThenValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Record)
		want   []string
	}{
		{"spaces_only_legal_name_is_missing", func(r *Record) { r.LegalName = "   " }, []string{"legal_name"}},
		{"capitalised_sex_accepted", func(r *Record) { r.Sex = "MALE" }, nil},
		{"capitalised_email_accepted", func(r *Record) { r.Email = "ADA@EXAMPLE.ORG" }, nil},
		{"empty_contraindications_stay_valid", func(r *Record) { r.Contraindications = nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := validRecord()
			tt.change(&r)
			got := fieldNames(t, r.Normalize().Validate(today))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseContraindications(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		codes []string
		want  []Contraindication
	}{
		{"none_is_none", nil, nil},
		{"blank_codes_skipped", []string{"", "  "}, nil},
		{"one_code", []string{"pregnancy"}, []Contraindication{Pregnancy}},
		{"surrounding_space_trimmed", []string{" pregnancy\t"}, []Contraindication{Pregnancy}},
		{"duplicates_dropped", []string{"pregnancy", "pregnancy"}, []Contraindication{Pregnancy}},
		{"display_order_kept", []string{"uncontrolled_hypertension", "hypersensitivity", "aneurysmal_vascular_disease"},
			[]Contraindication{AneurysmalVascularDisease, Hypersensitivity, UncontrolledHypertension}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseContraindications("contraindications", tt.codes)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseContraindications mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseContraindicationsRefusesUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		codes []string
	}{
		{"unknown_code_refused", []string{"broken_leg"}},
		{"unknown_after_known_refused", []string{"pregnancy", "broken_leg"}},
		{"label_is_not_a_code", []string{"Pregnancy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseContraindications("contra", tt.codes)
			if got != nil {
				t.Errorf("got %v, want nil", got)
			}
			if diff := cmp.Diff([]string{"contra"}, fieldNames(t, err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(ketaflow.ErrorMessage(err), "pregnancy") {
				t.Errorf("got message %q, want it to list the allowed codes", ketaflow.ErrorMessage(err))
			}
		})
	}
}

func TestContraindicationLabels(t *testing.T) {
	t.Parallel()
	for _, c := range Contraindications {
		if c.Label() == string(c) || c.Label() == "" {
			t.Errorf("%s: got label %q, want a label for people", c, c.Label())
		}
	}
	if got, want := Contraindication("other_thing").Label(), "other_thing"; got != want {
		t.Errorf("unknown label: got %q, want %q", got, want)
	}
}

// FuzzValidate feeds Validate what a form or the API could send. It must
// never panic, and any error must be an EInvalid *ketaflow.Error naming a
// field, so that the form can show it next to that field.
func FuzzValidate(f *testing.F) {
	f.Add("K000123", "Ada Lovelace", "1980-03-14", "female", "+1 (555) 010-0199", "ada@example.org",
		"555 010 0142", "REMS-1", prescriberID, 168.5, "penicillin", "pregnancy,hypersensitivity")
	f.Add("", "", "", "", "", "", "", "", "", 0.0, "", "")
	f.Add("-", "\x00", "2999-01-01", "MALE", "++1", "a@b@c", "1", " ", "{"+prescriberID+"}", -1.0, "\xff", ",,x")
	f.Add("K1", "Zoë", "1900-01-01", "other", "5550199", "Ada <a@example.org>", "5", "R", "x", math.NaN(), "", "broken_leg")
	f.Fuzz(func(t *testing.T, mrn, name, birth, sex, phone, email, ePhone, rems, prescriber string, height float64,
		allergies, contra string) {
		bd, _ := ketaflow.ParseDate(birth)
		var cs []Contraindication
		for c := range strings.SplitSeq(contra, ",") {
			cs = append(cs, Contraindication(c))
		}
		r := Record{MRN: mrn, LegalName: name, PreferredName: name, BirthDate: bd, Sex: Sex(sex), Phone: phone,
			Email: email, Emergency: EmergencyContact{Name: name, Relation: name, Phone: ePhone}, REMSPatientID: rems,
			PrescriberID: prescriber, TherapistID: prescriber, HeightCM: height, Allergies: allergies,
			Contraindications: cs}
		for _, rec := range []Record{r, r.Normalize()} {
			checkFuzzError(t, rec.Validate(today))
		}
		_, err := ParseContraindications("contraindications", strings.Split(contra, ","))
		checkFuzzError(t, err)
	})
}

func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *ketaflow.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %T %v, want *ketaflow.Error", err, err)
	}
	if e.Code != ketaflow.EInvalid {
		t.Fatalf("got code %q, want %q", e.Code, ketaflow.EInvalid)
	}
	if e.Field == "" {
		t.Fatalf("got error %v with no Field, want the field at fault", err)
	}
	for _, fe := range e.Fields {
		if fe.Field == "" || fe.Message == "" {
			t.Fatalf("got field error %+v, want a field and a message", fe)
		}
	}
}
