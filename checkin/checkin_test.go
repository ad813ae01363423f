package checkin

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func mood(n int) *int     { return &n }
func answer(b bool) *bool { return &b }

// TestWorries is the check-in alert rule: the safety question answered
// yes, or a mood at or below the protocol's value (default 3 of 10),
// reaches the care team [product brief, section 6].
func TestWorries(t *testing.T) {
	def := protocol.Default().Integration
	strict := def
	strict.CheckInLowMood = 5
	tests := []struct {
		name string
		a    Answers
		p    protocol.Integration
		want []Worry
	}{
		{"good_mood_no_safety_concern_is_quiet", Answers{Mood: mood(7), Safety: answer(false)}, def, nil},
		{"mood_just_above_the_limit_is_quiet", Answers{Mood: mood(4), Safety: answer(false)}, def, nil},
		{"mood_at_the_limit_alerts", Answers{Mood: mood(3), Safety: answer(false)}, def, []Worry{WorryLowMood}},
		{"mood_zero_alerts", Answers{Mood: mood(0), Safety: answer(false)}, def, []Worry{WorryLowMood}},
		{"safety_yes_alerts_whatever_the_mood", Answers{Mood: mood(9), Safety: answer(true)}, def, []Worry{WorrySafety}},
		{"safety_yes_and_low_mood_give_both", Answers{Mood: mood(2), Safety: answer(true)}, def, []Worry{WorrySafety, WorryLowMood}},
		{"a_clinic_limit_of_5_alerts_at_5", Answers{Mood: mood(5), Safety: answer(false)}, strict, []Worry{WorryLowMood}},
		{"a_clinic_limit_of_5_is_quiet_at_6", Answers{Mood: mood(6), Safety: answer(false)}, strict, nil},
		{"lingering_effects_alone_do_not_alert", Answers{Mood: mood(6), Safety: answer(false), Sleep: SleptNot, Effects: Effects}, def, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Worries(tc.a, tc.p)); diff != "" {
				t.Errorf("Worries mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		a      Answers
		fields []string
	}{
		{"complete_answers_pass", Answers{Mood: mood(5), Sleep: SleptWell, Safety: answer(false)}, nil},
		{"mood_is_required", Answers{Sleep: SleptWell, Safety: answer(false)}, []string{"mood"}},
		{"mood_above_10_is_refused", Answers{Mood: mood(11), Sleep: SleptWell, Safety: answer(false)}, []string{"mood"}},
		{"mood_below_0_is_refused", Answers{Mood: mood(-1), Sleep: SleptWell, Safety: answer(false)}, []string{"mood"}},
		{"sleep_is_required", Answers{Mood: mood(5), Safety: answer(false)}, []string{"sleep"}},
		{"safety_is_required", Answers{Mood: mood(5), Sleep: SleptPoorly}, []string{"safety"}},
		{"an_unknown_effect_is_refused", Answers{Mood: mood(5), Sleep: SleptWell, Safety: answer(false), Effects: []Effect{"giddy"}}, []string{"effects"}},
		{"a_long_note_is_refused", Answers{Mood: mood(5), Sleep: SleptWell, Safety: answer(false), Note: string(make([]rune, NoteMax+1))}, []string{"note"}},
		{"nothing_answered_names_each_field", Answers{}, []string{"mood", "sleep", "safety"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Validate(tc.a)
			var got []string
			if e := ketaflow.AsError(err); e != nil {
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields at fault mismatch (-want +got):\n%s (err %v)", diff, err)
			}
		})
	}
}

func TestValidateKeepsTheFormsOrderOfEffects(t *testing.T) {
	a, err := Validate(Answers{Mood: mood(5), Sleep: SleptWell, Safety: answer(false), Effects: []Effect{Nausea, Dissociation, Nausea}, Note: "  tired  "})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Effect{Dissociation, Nausea}, a.Effects); diff != "" {
		t.Errorf("effects mismatch (-want +got):\n%s", diff)
	}
	if a.Note != "tired" {
		t.Errorf("note = %q, want it trimmed", a.Note)
	}
}

func TestCheckLink(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	tests := []struct {
		name         string
		expires      time.Time
		used, voided *time.Time
		want         ketaflow.Code
	}{
		{"an_open_link_works", exp, nil, nil, ""},
		{"a_used_link_is_answered_already", exp, &now, nil, ketaflow.EConflict},
		{"a_replaced_link_is_gone", exp, nil, &now, ketaflow.ENotFound},
		{"a_link_at_its_expiry_is_gone", now, nil, nil, ketaflow.ENotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ketaflow.ErrorCode(CheckLink(tc.expires, tc.used, tc.voided, now)); got != tc.want {
				t.Errorf("CheckLink code = %q, want %q", got, tc.want)
			}
		})
	}
}
