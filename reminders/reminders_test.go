package reminders

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow/protocol"
)

func TestBackoffDoublesFromAMinuteToFourHours(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want time.Duration
	}{
		{"first_failure_waits_a_minute", 1, time.Minute},
		{"second_waits_two", 2, 2 * time.Minute},
		{"fifth_waits_sixteen", 5, 16 * time.Minute},
		{"eighth_waits_128_minutes", 8, 128 * time.Minute},
		{"ninth_is_held_at_four_hours", 9, 4 * time.Hour},
		{"a_hundredth_stays_at_four_hours", 100, 4 * time.Hour},
		{"zero_is_read_as_the_first", 0, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Backoff(tc.n); got != tc.want {
				t.Errorf("Backoff(%d) = %v, want %v", tc.n, got, tc.want)
			}
		})
	}
	var total time.Duration
	for n := 1; n < MaxAttempts; n++ {
		total += Backoff(n)
	}
	if total < 12*time.Hour || total > 36*time.Hour {
		t.Errorf("the tries span %v; the doc promises some 16 hours", total)
	}
}

func TestVisitReminderAt(t *testing.T) {
	p := protocol.Default().Integration
	visit := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		now, want time.Time
	}{
		{"booked_days_ahead_goes_24_hours_before", visit.Add(-72 * time.Hour), visit.Add(-24 * time.Hour)},
		{"booked_exactly_24_hours_ahead_goes_now", visit.Add(-24 * time.Hour), visit.Add(-24 * time.Hour)},
		{"booked_for_this_afternoon_goes_now", visit.Add(-3 * time.Hour), visit.Add(-3 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := VisitReminderAt(visit, tc.now, p); !got.Equal(tc.want) {
				t.Errorf("VisitReminderAt = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestBeforeVisitGivesClockTimes: the fasting rules of the protocol become
// the times on the patient's clock [patient guide; Spravato label].
func TestBeforeVisitGivesClockTimes(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	p := protocol.Default()
	tests := []struct {
		name  string
		route protocol.Route
		at    time.Time
		want  []string
	}{
		{"iv_afternoon_visit", protocol.IV, time.Date(2026, 12, 3, 14, 0, 0, 0, ny), []string{
			"No solid food after 08:00 (6 hours before your visit), and no milk, juice or drinks with pulp or fat after then either.",
			"Clear liquids (water, black coffee, tea) are fine until 12:00 (120 minutes before), then nothing more to drink.",
			"Arrange for someone to drive you home: you must not drive until the next day, after a night's sleep.",
		}},
		{"iv_early_visit_fasts_from_the_evening_before", protocol.IV, time.Date(2026, 12, 3, 5, 30, 0, 0, ny), []string{
			"No solid food after 23:30 on Wednesday 2 December (6 hours before your visit), and no milk, juice or drinks with pulp or fat after then either.",
			"Clear liquids (water, black coffee, tea) are fine until 03:30 (120 minutes before), then nothing more to drink.",
			"Arrange for someone to drive you home: you must not drive until the next day, after a night's sleep.",
		}},
		{"spravato_has_the_nasal_spray_time", protocol.Spravato, time.Date(2026, 12, 3, 10, 0, 0, 0, ny), []string{
			"No solid food after 08:00 (2 hours before your visit), and no milk, juice or drinks with pulp or fat after then either.",
			"Clear liquids (water, black coffee, tea) are fine until 09:30 (30 minutes before), then nothing more to drink.",
			"If you use a nasal corticosteroid or decongestant spray, use it by 09:00 (at least 60 minutes before).",
			"Arrange for someone to drive you home: you must not drive until the next day, after a night's sleep.",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, BeforeVisit(p.Fasting.Get(tc.route), tc.at)); diff != "" {
				t.Errorf("BeforeVisit mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessagesSayWhatThePatientNeeds(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	v := Visit{ClinicName: "Harbour Clinic", ClinicPhone: "555 010 0100", PatientName: "Ana", At: time.Date(2026, 12, 3, 14, 0, 0, 0, ny), Route: protocol.IV}
	m := VisitReminderMessage("ana@example.org", v, protocol.Default().Fasting.Get(protocol.IV), "https://clinic.example/q/abc", v.At)
	for _, want := range []string{"Dear Ana", "14:00 on Thursday 3 December", "No solid food after 08:00", "https://clinic.example/q/abc", "555 010 0100"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("visit reminder lacks %q:\n%s", want, m.Text)
		}
	}
	deadline := time.Date(2026, 12, 5, 16, 30, 0, 0, ny)
	m = IntegrationReminderMessage("ana@example.org", v, deadline)
	if !strings.Contains(m.Text, "before 16:30 on Saturday 5 December") {
		t.Errorf("integration reminder lacks the deadline:\n%s", m.Text)
	}
	m = CheckInMessage("ana@example.org", v, "https://clinic.example/c/xyz", deadline, "Call 988.")
	for _, want := range []string{"https://clinic.example/c/xyz", "Call 988."} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("check-in message lacks %q:\n%s", want, m.Text)
		}
	}
}
