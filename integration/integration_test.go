package integration

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The window is the patient guide's 48 hours after discharge
// (integration.window_hours), at risk with less than 12 h left
// (integration.at_risk_hours).
func TestJudge(t *testing.T) {
	p := protocol.Default().Integration
	utc := time.UTC
	out := at(t, utc, "2026-03-02 10:00")
	held := func(d time.Duration) *time.Time { v := out.Add(d); return &v }
	cases := []struct {
		name     string
		heldAt   *time.Time
		now      time.Duration // after discharge
		want     Status
		inWindow bool
	}{
		{"just_discharged_is_due", nil, 0, Due, false},
		{"exactly_12h_left_is_still_due", nil, 36 * time.Hour, Due, false},
		{"under_12h_left_is_at_risk", nil, 36*time.Hour + time.Minute, AtRisk, false},
		{"exactly_48h_is_at_risk_not_missed", nil, 48 * time.Hour, AtRisk, false},
		{"a_nanosecond_after_48h_is_missed", nil, 48*time.Hour + time.Nanosecond, Missed, false},
		{"49h_is_missed", nil, 49 * time.Hour, Missed, false},
		{"held_at_47h_is_in_window", held(47 * time.Hour), 49 * time.Hour, Held, true},
		{"held_at_exactly_48h_is_in_window", held(48 * time.Hour), 50 * time.Hour, Held, true},
		{"held_a_minute_after_48h_is_late", held(48*time.Hour + time.Minute), 50 * time.Hour, Held, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Judge(out, c.heldAt, out.Add(c.now), p)
			if got.Status != c.want || got.InWindow != c.inWindow {
				t.Errorf("Judge at +%s = %s (in window %v), want %s (in window %v)", c.now, got.Status, got.InWindow, c.want, c.inWindow)
			}
			if want := out.Add(48 * time.Hour); !got.DueBy.Equal(want) {
				t.Errorf("DueBy = %s, want %s", got.DueBy, want)
			}
		})
	}
}

// The window counts elapsed hours: across a daylight-saving change in the
// clinic's zone the end of the window moves on the wall clock by the hour
// the change takes or gives, and 48 real hours are still 48.
func TestDueByAcrossDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	p := protocol.Default().Integration
	cases := []struct {
		name       string
		discharged string
		wantLocal  string
	}{
		// 2026-03-08 02:00 EST becomes 03:00 EDT: the wall clock shows 49 h.
		{"spring_forward_ends_an_hour_later_on_the_wall", "2026-03-07 10:00", "2026-03-09 11:00"},
		// 2026-11-01 02:00 EDT becomes 01:00 EST: the wall clock shows 47 h.
		{"fall_back_ends_an_hour_earlier_on_the_wall", "2026-10-31 10:00", "2026-11-02 09:00"},
		{"no_change_two_days_later_same_hour", "2026-06-10 10:00", "2026-06-12 10:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := at(t, ny, c.discharged)
			due := DueBy(out, p)
			if got := due.In(ny).Format("2006-01-02 15:04"); got != c.wantLocal {
				t.Errorf("due by %s local, want %s", got, c.wantLocal)
			}
			if d := due.Sub(out); d != 48*time.Hour {
				t.Errorf("window %s, want 48h elapsed", d)
			}
			// Exactly at the end it is not missed; just after, it is.
			if s := Judge(out, nil, due, p).Status; s != AtRisk {
				t.Errorf("at the end of the window: %s, want at_risk", s)
			}
			if s := Judge(out, nil, due.Add(time.Second), p).Status; s != Missed {
				t.Errorf("a second after the window: %s, want missed", s)
			}
			held := due
			if s := Judge(out, &held, due.Add(time.Hour), p); !s.InWindow {
				t.Errorf("held at exactly the end: not in window")
			}
		})
	}
}

func TestWindowFollowsTheProtocol(t *testing.T) {
	p := protocol.Default().Integration
	p.WindowHours, p.AtRiskHours = 72, 24
	out := at(t, time.UTC, "2026-03-02 10:00")
	if s := Judge(out, nil, out.Add(49*time.Hour), p).Status; s != AtRisk {
		t.Errorf("72h window at 49h: %s, want at_risk (23 h left < 24 h)", s)
	}
	if s := Judge(out, nil, out.Add(47*time.Hour), p).Status; s != Due {
		t.Errorf("72h window at 47h: %s, want due", s)
	}
}

// A therapist is never booked twice at once [issue 10].
func TestClash(t *testing.T) {
	base := at(t, time.UTC, "2026-03-03 14:00")
	booked := []Slot{{base, base.Add(50 * time.Minute)}}
	cases := []struct {
		name  string
		start time.Duration
		clash bool
	}{
		{"same_start_clashes", 0, true},
		{"starting_inside_clashes", 30 * time.Minute, true},
		{"ending_inside_clashes", -30 * time.Minute, true},
		{"ending_as_the_other_starts_is_free", -50 * time.Minute, false},
		{"starting_as_the_other_ends_is_free", 50 * time.Minute, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base.Add(c.start)
			_, got := Clash(Slot{s, s.Add(50 * time.Minute)}, booked)
			if got != c.clash {
				t.Errorf("clash = %v, want %v", got, c.clash)
			}
		})
	}
}

// The nearest free slots are on the quarter hours, inside the calendar
// hours (integration.calendar_from_hour, calendar_to_hour), never in the
// past, nearest first.
func TestNearestFree(t *testing.T) {
	p := protocol.Default().Integration
	utc := time.UTC
	booked := []Slot{{at(t, utc, "2026-03-03 14:00"), at(t, utc, "2026-03-03 14:50")}}
	cases := []struct {
		name      string
		want      string
		notBefore string
		booked    []Slot
		got       []string
	}{
		{"around_a_clash", "2026-03-03 14:00", "2026-03-03 08:00", booked,
			[]string{"2026-03-03 13:00", "2026-03-03 15:00", "2026-03-03 12:45"}},
		{"not_before_now", "2026-03-03 14:00", "2026-03-03 14:30", booked,
			[]string{"2026-03-03 15:00", "2026-03-03 15:15", "2026-03-03 15:30"}},
		{"late_in_the_day_offers_slots_that_end_by_closing", "2026-03-03 19:30", "2026-03-03 08:00", nil,
			[]string{"2026-03-03 19:00", "2026-03-03 18:45", "2026-03-03 18:30"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, s := range NearestFree(at(t, utc, c.want), c.booked, at(t, utc, c.notBefore), utc, p, 3) {
				got = append(got, s.Start.Format("2006-01-02 15:04"))
			}
			if d := cmp.Diff(c.got, got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestValidateHeld(t *testing.T) {
	out := at(t, time.UTC, "2026-03-02 10:00")
	now := out.Add(47 * time.Hour)
	cases := []struct {
		name   string
		heldAt time.Time
		ok     bool
	}{
		{"now_is_allowed", now, true},
		{"between_discharge_and_now_is_allowed", out.Add(time.Hour), true},
		{"at_discharge_is_allowed", out, true},
		{"in_the_future_is_refused", now.Add(time.Minute), false},
		{"before_discharge_is_refused", out.Add(-time.Minute), false},
		{"no_time_is_refused", time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateHeld(c.heldAt, out, now, time.UTC)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if err != nil && ketaflow.AsError(err).Field != "held_at" {
				t.Errorf("field = %q, want held_at", ketaflow.AsError(err).Field)
			}
		})
	}
}

func TestValidateStart(t *testing.T) {
	now := at(t, time.UTC, "2026-03-02 10:00").Add(20 * time.Second)
	if err := ValidateStart(now.Truncate(time.Minute), now); err != nil {
		t.Errorf("this minute: %v", err)
	}
	if err := ValidateStart(now.Add(-2*time.Minute), now); !ketaflow.IsCode(err, ketaflow.EInvalid) {
		t.Errorf("two minutes ago: %v, want invalid", err)
	}
}

func TestValidateAmendmentNeedsAReason(t *testing.T) {
	cases := []struct {
		name, text, reason, field string
	}{
		{"no_reason_is_refused", "corrected", "", "reason"},
		{"short_reason_is_refused", "corrected", "typo", "reason"},
		{"empty_text_is_refused", "  ", "the dose was misheard", "text"},
		{"text_and_reason_pass", "corrected", "the dose was misheard", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ValidateAmendment(c.text, c.reason)
			got := ""
			if err != nil {
				got = ketaflow.AsError(err).Field
			}
			if got != c.field {
				t.Errorf("field = %q, want %q (err %v)", got, c.field, err)
			}
		})
	}
}

func TestValidateEntry(t *testing.T) {
	if _, _, err := ValidateEntry("dream", "x"); err == nil || ketaflow.AsError(err).Field != "kind" {
		t.Errorf("unknown kind: %v", err)
	}
	if _, _, err := ValidateEntry("vision", " "); err == nil || ketaflow.AsError(err).Field != "text" {
		t.Errorf("empty text: %v", err)
	}
	if k, s, err := ValidateEntry(" feeling ", " lighter "); err != nil || k != Feeling || s != "lighter" {
		t.Errorf("= %q %q %v", k, s, err)
	}
}
