package ketaflow

import (
	"slices"
	"strings"
	"testing"
)

func TestCrisisTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		c               Contacts
		staff, patient  []string // each must appear
		notStaff, notPt []string // none may appear
	}{
		{"nothing_entered_gives_the_national_line_and_no_number",
			Contacts{},
			[]string{"call 911", "988 Suicide & Crisis Lifeline", "page the prescriber on duty"},
			[]string{"call 911", "call or text 988"},
			[]string{"on-call prescriber on", "Crisis line:"}, []string{"call the clinic"}},
		{"on_call_number_reaches_staff",
			Contacts{OnCallPhone: "+1 555 010 0400", CrisisLine: "988"},
			[]string{"call the on-call prescriber on +1 555 010 0400.", "call or text 988"}, nil,
			[]string{"page the prescriber"}, []string{"+1 555 010 0400"}},
		{"clinic_number_reaches_patient",
			Contacts{Phone: "+1 555 010 0300", CrisisLine: "988"},
			nil, []string{"call the clinic on +1 555 010 0300 and ask for the prescriber on duty"},
			[]string{"+1 555 010 0300"}, nil},
		{"local_crisis_line_replaces_988",
			Contacts{Phone: "020 7946 0000", OnCallPhone: "020 7946 0001", CrisisLine: "116 123"},
			[]string{"Crisis line: 116 123."}, []string{"call the crisis line on 116 123 at any time"},
			[]string{"988"}, []string{"988"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			staff, patient := tt.c.StaffCrisisText(), tt.c.PatientCrisisText()
			for _, text := range []string{staff, patient} {
				if strings.ContainsAny(text, "[]") {
					t.Errorf("a placeholder reaches a person: %q", text)
				}
			}
			check := func(who, text string, want, not []string) {
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s text lacks %q: %q", who, w, text)
					}
				}
				for _, n := range not {
					if strings.Contains(text, n) {
						t.Errorf("%s text has %q: %q", who, n, text)
					}
				}
			}
			check("staff", staff, tt.staff, tt.notStaff)
			check("patient", patient, tt.patient, tt.notPt)
		})
	}
}

func TestMissingContacts(t *testing.T) {
	t.Parallel()
	fields := func(c Contacts) []string {
		var out []string
		for _, m := range c.Missing() {
			out = append(out, m.Field)
		}
		return out
	}
	if got := fields(Contacts{CrisisLine: "988"}); !slices.Equal(got, []string{"phone", "on_call_phone"}) {
		t.Errorf("a new clinic's tasks: %v, want phone and on-call phone", got)
	}
	if got := fields(Contacts{Phone: "555 010 0300", OnCallPhone: " ", CrisisLine: "988"}); !slices.Equal(got, []string{"on_call_phone"}) {
		t.Errorf("blank on-call phone: %v", got)
	}
	if got := fields(Contacts{Phone: "555 010 0300", OnCallPhone: "555 010 0301", CrisisLine: "988"}); got != nil {
		t.Errorf("every contact entered: tasks %v, want none", got)
	}
}

func TestValidateContacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    Contacts
		want []string // fields at fault
	}{
		{"new_clinic_with_988_is_valid", Contacts{CrisisLine: "988"}, nil},
		{"numbers_as_people_write_them", Contacts{Phone: "(555) 010-0300", OnCallPhone: "+44 20 7946 0001", CrisisLine: "116 123"}, nil},
		{"letters_in_clinic_phone_are_refused", Contacts{Phone: "call reception", CrisisLine: "988"}, []string{"phone"}},
		{"short_on_call_phone_is_refused", Contacts{OnCallPhone: "12345", CrisisLine: "988"}, []string{"on_call_phone"}},
		{"sixteen_digits_are_refused", Contacts{Phone: "1234567890123456", CrisisLine: "988"}, []string{"phone"}},
		{"placeholder_is_refused", Contacts{OnCallPhone: "[on-call number]", CrisisLine: "988"}, []string{"on_call_phone"}},
		{"empty_crisis_line_is_refused", Contacts{CrisisLine: "  "}, []string{"crisis_line"}},
		{"two_digit_crisis_line_is_refused", Contacts{CrisisLine: "99"}, []string{"crisis_line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.c.Validate()
			var got []string
			for _, f := range AsError(err).Fields {
				got = append(got, f.Field)
			}
			if err == nil {
				got = nil
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Validate(%+v) fields %v, want %v (%v)", tt.c, got, tt.want, err)
			}
		})
	}
	c := Contacts{Phone: " 555 010 0300 ", CrisisLine: " 988 "}
	if err := c.Validate(); err != nil || c.Phone != "555 010 0300" || c.CrisisLine != "988" {
		t.Errorf("Validate trims: %+v, %v", c, err)
	}
}
