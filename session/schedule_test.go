package session

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

func TestSchedule(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	type row struct {
		after int
		kind  DueKind
	}
	tests := []struct {
		name  string
		route protocol.Route
		edit  func(*protocol.Protocol)
		want  []row
	}{
		{"iv_every_15_plus_40_plus_before_discharge_at_90", protocol.IV, nil,
			[]row{{15, Regular}, {30, Regular}, {40, Extra}, {45, Regular}, {60, Regular}, {75, Regular}, {90, BeforeDischarge}}},
		{"spravato_every_15_until_120", protocol.Spravato, nil,
			[]row{{15, Regular}, {30, Regular}, {40, Extra}, {45, Regular}, {60, Regular}, {75, Regular}, {90, Regular}, {105, Regular}, {120, BeforeDischarge}}},
		{"extra_check_on_a_regular_minute_is_merged", protocol.IM, func(p *protocol.Protocol) { p.Session.VitalsEveryMinutes = 10 },
			[]row{{10, Regular}, {20, Regular}, {30, Regular}, {40, Extra}, {50, Regular}, {60, Regular}, {70, Regular}, {80, Regular}, {90, BeforeDischarge}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pp := p.Clone()
			if tt.edit != nil {
				tt.edit(&pp)
			}
			var got []row
			for _, d := range Schedule(start, tt.route, pp) {
				got = append(got, row{int(d.After.Minutes()), d.Kind})
				if !d.At.Equal(start.Add(d.After)) || !d.Opens.Equal(d.At.Add(-mins(5))) || !d.OverdueAt.Equal(d.At.Add(mins(5))) {
					t.Errorf("due %+v: window not 5 min either side", d)
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(row{})); diff != "" {
				t.Errorf("schedule mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func bp(id string, minute int, sys, dia int) vitals.Reading {
	return vitals.Reading{ID: id, TakenAt: at(minute), Systolic: sys, Diastolic: dia}
}

func TestScheduleStatus(t *testing.T) {
	t.Parallel()
	sched := Schedule(start, protocol.IV, protocol.Default()) // 15 30 40 45 60 75 90
	states := func(st []DueStatus) map[int]CheckState {
		out := map[int]CheckState{}
		for _, s := range st {
			out[int(s.After.Minutes())] = s.State
		}
		return out
	}
	tests := []struct {
		name     string
		readings []vitals.Reading
		now      time.Time
		want     map[int]CheckState // only the checks named
	}{
		{"reading_at_due_time_done", []vitals.Reading{bp("a", 15, 120, 80)}, at(16), map[int]CheckState{15: Done, 30: Upcoming}},
		{"reading_when_window_opens_done", []vitals.Reading{bp("a", 10, 120, 80)}, at(16), map[int]CheckState{15: Done}},
		{"reading_before_window_does_not_count", []vitals.Reading{bp("a", 9, 120, 80)}, at(16), map[int]CheckState{15: DueNow}},
		{"check_exactly_at_grace_still_due", nil, at(20), map[int]CheckState{15: DueNow}},
		{"check_past_grace_overdue", nil, at(20).Add(time.Second), map[int]CheckState{15: Overdue}},
		{"reading_after_window_done_late", []vitals.Reading{bp("a", 22, 120, 80)}, at(23), map[int]CheckState{15: DoneLate, 30: Upcoming}},
		{"late_reading_in_next_window_counts_for_next_only", []vitals.Reading{bp("a", 26, 120, 80)}, at(27), map[int]CheckState{15: Overdue, 30: Done}},
		{"one_reading_at_42_does_40_and_45", []vitals.Reading{bp("a", 42, 120, 80)}, at(43), map[int]CheckState{40: Done, 45: Done}},
		{"reading_without_blood_pressure_does_not_count", []vitals.Reading{{ID: "a", TakenAt: at(15), SpO2: 98}}, at(21), map[int]CheckState{15: Overdue}},
		{"reading_entered_in_error_does_not_count", []vitals.Reading{bp("a", 15, 120, 80),
			{ID: "b", TakenAt: at(16), Amends: "a", EnteredInError: true, AmendReason: "wrong chair"}}, at(21), map[int]CheckState{15: Overdue}},
		{"before_discharge_done_by_any_later_reading", []vitals.Reading{bp("a", 100, 120, 80)}, at(101), map[int]CheckState{75: Overdue, 90: Done}},
		{"before_discharge_due_when_window_opens", nil, at(85), map[int]CheckState{90: DueNow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := states(ScheduleStatus(sched, tt.readings, tt.now))
			for after, want := range tt.want {
				if got[after] != want {
					t.Errorf("check at %d min: %s, want %s (all: %v)", after, got[after], want, got)
				}
			}
		})
	}
}

func TestScheduleStatusNamesTheReading(t *testing.T) {
	t.Parallel()
	sched := Schedule(start, protocol.IV, protocol.Default())
	st := ScheduleStatus(sched, []vitals.Reading{bp("r15", 14, 120, 80)}, at(31))
	if st[0].ReadingID != "r15" || !st[0].TakenAt.Equal(at(14)) {
		t.Errorf("first check: %+v", st[0])
	}
	next, ok := Next(st)
	if !ok || next.After != mins(30) || next.State != DueNow {
		t.Errorf("Next = %+v, %v; want the 30 min check due", next, ok)
	}
	st = ScheduleStatus(sched, nil, at(36))
	if next, _ := Next(st); next.After != mins(15) || next.State != Overdue {
		t.Errorf("Next = %+v; want the first overdue check", next)
	}
}
