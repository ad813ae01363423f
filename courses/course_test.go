package courses

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
)

var zone = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func date(s string) ketaflow.Date {
	d, err := ketaflow.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
	if err != nil {
		panic(err)
	}
	return t
}

// dayOffsets is each planned session's day counted from session 1 (day 0).
func dayOffsets(c Course, sessions int, p protocol.Protocol) []int {
	out := []int{0}
	for n := 1; n < sessions; n++ {
		out = append(out, out[n-1]+c.GapDays(n, p))
	}
	return out
}

func TestScheduleRules(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	spravato := Course{Route: protocol.Spravato, TargetSessions: p.Integration.CourseSessions.Get(protocol.Spravato)}
	iv := Course{Route: protocol.IV, TargetSessions: p.Integration.CourseSessions.Get(protocol.IV)}
	im := Course{Route: protocol.IM, TargetSessions: p.Integration.CourseSessions.Get(protocol.IM)}
	weekly := p
	weekly.Course.SpravatoMaintenanceDays = 7
	thrice := p
	thrice.Course.SpravatoInductionPerWeek = 3
	for _, tc := range []struct {
		name     string
		course   Course
		p        protocol.Protocol
		sessions int
		want     []int
	}{
		// Label: weeks 1-4 twice weekly (8 sessions, two in each of days
		// 0-6, 7-13, 14-20, 21-27), weeks 5-8 once weekly (days 28-55),
		// week 9 on every 2 weeks by default.
		{"spravato_label_weeks_1_to_4_twice_weekly", spravato, p, 8, []int{0, 3, 7, 10, 14, 17, 21, 24}},
		{"spravato_label_weeks_5_to_8_weekly", spravato, p, 12, []int{0, 3, 7, 10, 14, 17, 21, 24, 28, 35, 42, 49}},
		{"spravato_label_week_9_on_every_two_weeks", spravato, p, 14, []int{0, 3, 7, 10, 14, 17, 21, 24, 28, 35, 42, 49, 63, 77}},
		{"spravato_maintenance_weekly_when_the_clinic_sets_7_days", spravato, weekly, 14, []int{0, 3, 7, 10, 14, 17, 21, 24, 28, 35, 42, 49, 56, 63}},
		{"spravato_three_a_week_splits_the_week_2_2_3", Course{Route: protocol.Spravato, TargetSessions: 6}, thrice, 6, []int{0, 2, 4, 7, 9, 11}},
		// Guide: 6 sessions over 2-3 weeks; every 3 days puts the sixth on day 15.
		{"iv_course_6_sessions_over_2_to_3_weeks", iv, p, 6, []int{0, 3, 6, 9, 12, 15}},
		{"iv_maintenance_every_28_days_after_the_course", iv, p, 8, []int{0, 3, 6, 9, 12, 15, 43, 71}},
		{"im_course_as_iv", im, p, 6, []int{0, 3, 6, 9, 12, 15}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, dayOffsets(tc.course, tc.sessions, tc.p)); diff != "" {
				t.Errorf("session days mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpravatoCourseWeeks(t *testing.T) {
	t.Parallel()
	// Label: two sessions in each of weeks 1-4 and one in each of weeks 5-8.
	p := protocol.Default()
	c := Course{Route: protocol.Spravato, TargetSessions: 8}
	perWeek := map[int]int{}
	for _, d := range dayOffsets(c, 12, p) {
		perWeek[d/7+1]++
	}
	want := map[int]int{1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1}
	if diff := cmp.Diff(want, perWeek); diff != "" {
		t.Errorf("sessions per week mismatch (-want +got):\n%s", diff)
	}
}

func TestNumberAndProgress(t *testing.T) {
	t.Parallel()
	c := Course{Route: protocol.Spravato, TargetSessions: 2}
	vs := []Session{
		{VisitID: "c", ScheduledAt: at("2026-12-08 10:00"), State: visits.Booked},
		{VisitID: "a", ScheduledAt: at("2026-12-01 10:00"), State: visits.Discharged},
		{VisitID: "x", ScheduledAt: at("2026-12-03 10:00"), State: visits.Cancelled},
		{VisitID: "b", ScheduledAt: at("2026-12-04 10:00"), State: visits.Discharged},
		{VisitID: "n", ScheduledAt: at("2026-12-05 10:00"), State: visits.NotCleared},
	}
	got := c.Number(vs)
	want := []Session{
		{VisitID: "a", ScheduledAt: at("2026-12-01 10:00"), State: visits.Discharged, Number: 1, Phase: Induction},
		{VisitID: "x", ScheduledAt: at("2026-12-03 10:00"), State: visits.Cancelled},
		{VisitID: "b", ScheduledAt: at("2026-12-04 10:00"), State: visits.Discharged, Number: 2, Phase: Induction},
		{VisitID: "n", ScheduledAt: at("2026-12-05 10:00"), State: visits.NotCleared},
		{VisitID: "c", ScheduledAt: at("2026-12-08 10:00"), State: visits.Booked, Number: 3, Phase: Maintenance},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("numbers mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Progress{Done: 2, Booked: 1, Planned: 0, Phase: Maintenance}, c.Progress(vs)); diff != "" {
		t.Errorf("progress mismatch (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name  string
		n     int
		label string
	}{
		{"in_the_course_says_of_target", 2, "session 2 of 2"},
		{"after_the_course_is_maintenance", 3, "maintenance session 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Label(tc.n); got != tc.label {
				t.Errorf("Label(%d) = %q, want %q", tc.n, got, tc.label)
			}
		})
	}
}

func TestDosedBefore(t *testing.T) {
	t.Parallel()
	c := Course{Route: protocol.Spravato, TargetSessions: 8}
	first := Session{VisitID: "first", ScheduledAt: at("2026-12-01 10:00"), State: visits.Dosing}
	for _, tc := range []struct {
		name   string
		others []Session
		want   int
	}{
		{"first_visit_of_the_course_is_the_first_treatment", nil, 0},
		// The course's order is the bookings' order: a later visit dosed
		// (or charted with an early time) does not make this one a repeat.
		{"a_later_visit_dosed_does_not_count", []Session{{VisitID: "later", ScheduledAt: at("2026-12-04 10:00"), State: visits.Discharged}}, 0},
		{"an_earlier_dosed_visit_counts", []Session{{VisitID: "early", ScheduledAt: at("2026-11-27 10:00"), State: visits.Discharged}}, 1},
		{"an_earlier_cancelled_visit_does_not_count", []Session{{VisitID: "early", ScheduledAt: at("2026-11-27 10:00"), State: visits.Cancelled}}, 0},
		{"an_earlier_visit_stopped_after_dosing_counts", []Session{{VisitID: "early", ScheduledAt: at("2026-11-27 10:00"), State: visits.StoppedEarly}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.DosedBefore(append([]Session{first}, tc.others...), "first"); got != tc.want {
				t.Errorf("DosedBefore = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestNextDates(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	iv := Course{Route: protocol.IV, TargetSessions: 6}
	spravato := Course{Route: protocol.Spravato, TargetSessions: 8}
	for _, tc := range []struct {
		name   string
		course Course
		vs     []Session
		today  string
		want   []string
	}{
		{"a_new_course_starts_today", iv, nil, "2026-12-01", []string{"2026-12-01", "2026-12-04", "2026-12-07"}},
		{"iv_follows_the_last_booked_session", iv, []Session{
			{VisitID: "1", ScheduledAt: at("2026-12-01 09:00"), State: visits.Discharged},
			{VisitID: "2", ScheduledAt: at("2026-12-04 09:00"), State: visits.Booked},
		}, "2026-12-02", []string{"2026-12-07", "2026-12-10", "2026-12-13"}},
		{"a_cancelled_visit_is_not_followed", iv, []Session{
			{VisitID: "1", ScheduledAt: at("2026-12-01 09:00"), State: visits.Discharged},
			{VisitID: "2", ScheduledAt: at("2026-12-04 09:00"), State: visits.Cancelled},
		}, "2026-12-02", []string{"2026-12-04", "2026-12-07", "2026-12-10"}},
		{"an_overdue_plan_moves_to_today", iv, []Session{
			{VisitID: "1", ScheduledAt: at("2026-12-01 09:00"), State: visits.Discharged},
		}, "2026-12-10", []string{"2026-12-10", "2026-12-13", "2026-12-16"}},
		{"spravato_twice_weekly_alternates_3_and_4_days", spravato, []Session{
			{VisitID: "1", ScheduledAt: at("2026-11-30 09:00"), State: visits.Discharged},
		}, "2026-12-01", []string{"2026-12-03", "2026-12-07", "2026-12-10"}},
		// 2026-11-01 is the end of daylight saving time in New York: a
		// day is a calendar day, not 24 hours.
		{"days_are_calendar_days_across_daylight_saving", iv, []Session{
			{VisitID: "1", ScheduledAt: at("2026-10-30 09:00"), State: visits.Discharged},
		}, "2026-10-30", []string{"2026-11-02", "2026-11-05", "2026-11-08"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range tc.course.NextDates(tc.vs, date(tc.today), 3, p, zone) {
				got = append(got, d.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("next dates mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	pid := ketaflow.NewID()
	for _, tc := range []struct {
		name   string
		route  string
		target int
		want   int
		field  string
	}{
		{"iv_defaults_to_the_protocol_6", "iv", 0, 6, ""},
		{"spravato_defaults_to_the_protocol_8", "spravato", 0, 8, ""},
		{"a_prescriber_may_plan_4", "im", 4, 4, ""},
		{"53_sessions_refused", "iv", 53, 0, "target_sessions"},
		{"oral_ketamine_refused", "oral", 6, 0, "route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New("clinic", pid, tc.route, tc.target, p, "user", at("2026-12-01 09:00"))
			if tc.field != "" {
				e := ketaflow.AsError(err)
				if err == nil || e.Code != ketaflow.EInvalid || !hasField(e, tc.field) {
					t.Fatalf("err = %v, want EInvalid on %s", err, tc.field)
				}
				return
			}
			if err != nil || c.TargetSessions != tc.want {
				t.Fatalf("New = %d, %v; want %d", c.TargetSessions, err, tc.want)
			}
		})
	}
}

func hasField(e *ketaflow.Error, field string) bool {
	if e.Field == field {
		return true
	}
	for _, p := range e.Fields {
		if p.Field == field {
			return true
		}
	}
	return false
}
