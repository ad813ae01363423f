package courses

import (
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func TestConsentForms(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	now := at("2026-12-01 09:00")
	for _, r := range protocol.Routes {
		title, body := Draft(r, p)
		f, err := NewForm(string(r), title, body, 2, "admin", now)
		if err != nil || f.Version != 3 || f.Route != r {
			t.Errorf("%s draft: got version %d, %v; want a valid version 3", r, f.Version, err)
		}
	}
	for _, tc := range []struct {
		name, route, title, body, field string
	}{
		{"a_line_is_not_a_consent", "iv", "Consent", "I agree.", "body"},
		{"a_title_is_needed", "iv", " ", strings.Repeat("risks and benefits ", 20), "title"},
		{"oral_ketamine_has_no_consent", "oral", "Consent", strings.Repeat("risks and benefits ", 20), "route"},
		{"control_characters_refused", "im", "Consent", strings.Repeat("risks and benefits ", 20) + "\x00", "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewForm(tc.route, tc.title, tc.body, 0, "admin", now)
			if e := ketaflow.AsError(err); err == nil || e.Code != ketaflow.EInvalid || !hasField(e, tc.field) {
				t.Errorf("got %v, want EInvalid on %s", err, tc.field)
			}
		})
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	now := at("2026-12-01 09:00")
	form := Form{ID: "form", Route: protocol.IV, Version: 3, Title: "Consent", Body: "The text as shown."}
	names := []string{"Maria José Alvarez", "Mia"}
	for _, tc := range []struct {
		name   string
		shown  int
		typed  string
		code   ketaflow.Code
		signed string
	}{
		{"legal_name_signs", 3, "Maria José Alvarez", "", "Maria José Alvarez"},
		{"case_and_spacing_forgiven", 3, "  maria  josé ALVAREZ ", "", "maria  josé ALVAREZ"},
		{"preferred_name_signs", 3, "Mia", "", "Mia"},
		{"another_name_refused", 3, "Someone Else", ketaflow.EInvalid, ""},
		{"empty_name_refused", 3, "   ", ketaflow.EInvalid, ""},
		{"a_form_changed_since_shown_is_refused", 2, "Mia", ketaflow.EConflict, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Sign(form, tc.shown, "patient", names, tc.typed, "desk", "visit", now)
			if tc.code != "" {
				if !ketaflow.IsCode(err, tc.code) {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.TypedName != tc.signed || c.Body != form.Body || c.FormVersion != 3 || c.Route != protocol.IV || !c.SignedAt.Equal(now) {
				t.Errorf("consent = %+v", c)
			}
		})
	}
	// Renewed yearly [product brief]: valid until a year after signing.
	c := Consent{SignedAt: now}
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"valid_when_signed", now, true},
		{"valid_a_minute_before_a_year", now.Add(365*24*time.Hour - time.Minute), true},
		{"expired_at_a_year", now.Add(365 * 24 * time.Hour), false},
		{"not_valid_before_it_was_signed", now.Add(-time.Minute), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Valid(p, tc.at); got != tc.want {
				t.Errorf("Valid at %v = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestNewEnrolment(t *testing.T) {
	t.Parallel()
	today := date("2026-12-01")
	for _, tc := range []struct {
		name, rems, on, field string
	}{
		{"enrolled_today_is_recorded", "REMS-1", "2026-12-01", ""},
		{"no_rems_id_on_the_record_refused", "", "2026-11-01", "rems_patient_id"},
		{"a_date_after_today_refused", "REMS-1", "2026-12-02", "enrolled_on"},
		{"a_date_before_the_rems_refused", "REMS-1", "2019-01-01", "enrolled_on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewEnrolment("patient", tc.rems, date(tc.on), today, "desk", at("2026-12-01 09:00"))
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := ketaflow.AsError(err); err == nil || !hasField(e, tc.field) {
				t.Errorf("got %v, want EInvalid on %s", err, tc.field)
			}
		})
	}
}
