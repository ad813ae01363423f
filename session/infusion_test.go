package session

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func TestInfusionStatus(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	in, err := NewInfusion(start, 40, p)
	if err != nil {
		t.Fatal(err)
	}
	paused, err := in.Pause(at(10), "BP 185/112")
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := paused.Resume(at(15))
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := resumed.Stop(at(25), "emergence reaction")
	if err != nil {
		t.Fatal(err)
	}
	stoppedWhilePaused, err := paused.Stop(at(12), "patient asked to stop")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   Infusion
		now  time.Time
		want InfusionStatus
	}{
		{"not_started", in, at(-1), InfusionStatus{State: NotStarted, Remaining: mins(40), ExpectedEnd: at(40)}},
		{"running", in, at(10), InfusionStatus{State: Running, Delivered: mins(10), Remaining: mins(30), DeliveredFraction: 0.25, ExpectedEnd: at(40)}},
		{"finished_exactly_at_its_minutes", in, at(40), InfusionStatus{State: Finished, Delivered: mins(40), DeliveredFraction: 1, ExpectedEnd: at(40)}},
		{"paused_stops_the_dose_clock_and_shifts_the_end", paused, at(13),
			InfusionStatus{State: Paused, Delivered: mins(10), Remaining: mins(30), PausedFor: mins(3), DeliveredFraction: 0.25, ExpectedEnd: at(43)}},
		{"resumed_end_shifted_by_the_pause", resumed, at(20),
			InfusionStatus{State: Running, Delivered: mins(15), Remaining: mins(25), PausedFor: mins(5), DeliveredFraction: 0.375, ExpectedEnd: at(45)}},
		{"resumed_finishes_five_minutes_late", resumed, at(50),
			InfusionStatus{State: Finished, Delivered: mins(40), PausedFor: mins(5), DeliveredFraction: 1, ExpectedEnd: at(45)}},
		{"stopped_keeps_what_was_delivered", stopped, at(60),
			InfusionStatus{State: Stopped, Delivered: mins(20), PausedFor: mins(5), DeliveredFraction: 0.5, ExpectedEnd: at(25)}},
		{"stopped_while_paused", stoppedWhilePaused, at(30),
			InfusionStatus{State: Stopped, Delivered: mins(10), PausedFor: mins(2), DeliveredFraction: 0.25, ExpectedEnd: at(12)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.in.Status(tt.now)); diff != "" {
				t.Errorf("status mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if len(in.Pauses) != 0 || paused.Pauses[0].ResumedAt != nil {
		t.Error("Pause, Resume and Stop must return new values and leave the old ones alone")
	}
}

func TestInfusionPauseResumeRules(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	in, _ := NewInfusion(start, 40, p)
	paused, _ := in.Pause(at(10), "BP high")
	resumed, _ := paused.Resume(at(12))
	stopped, _ := in.Stop(at(5), "stopped")
	tests := []struct {
		name string
		do   func() (Infusion, error)
		code ketaflow.Code
	}{
		{"cannot_pause_twice", func() (Infusion, error) { return paused.Pause(at(11), "again") }, ketaflow.EConflict},
		{"cannot_resume_when_running", func() (Infusion, error) { return in.Resume(at(11)) }, ketaflow.EConflict},
		{"cannot_resume_twice", func() (Infusion, error) { return resumed.Resume(at(13)) }, ketaflow.EConflict},
		{"cannot_pause_twice_at_the_same_instant", func() (Infusion, error) { return paused.Pause(at(10), "again") }, ketaflow.EConflict},
		{"cannot_resume_twice_at_the_same_instant", func() (Infusion, error) { return resumed.Resume(at(12)) }, ketaflow.EConflict},
		{"cannot_pause_before_start", func() (Infusion, error) { return in.Pause(at(-1), "x") }, ketaflow.EConflict},
		{"cannot_pause_after_finish", func() (Infusion, error) { return in.Pause(at(40), "x") }, ketaflow.EConflict},
		{"cannot_pause_a_stopped_infusion", func() (Infusion, error) { return stopped.Pause(at(6), "x") }, ketaflow.EConflict},
		{"cannot_stop_twice", func() (Infusion, error) { return stopped.Stop(at(7), "x") }, ketaflow.EConflict},
		{"pause_needs_a_reason", func() (Infusion, error) { return in.Pause(at(10), " ") }, ketaflow.EInvalid},
		{"stop_needs_a_reason", func() (Infusion, error) { return in.Stop(at(10), "") }, ketaflow.EInvalid},
		{"resume_before_the_pause_refused", func() (Infusion, error) { return paused.Resume(at(9)) }, ketaflow.EInvalid},
		{"pause_dated_before_last_change_refused", func() (Infusion, error) { return resumed.Pause(at(11), "x") }, ketaflow.EInvalid},
		{"pause_again_after_resume_allowed", func() (Infusion, error) { return resumed.Pause(at(20), "nausea") }, ""},
		{"pause_at_the_start_allowed", func() (Infusion, error) { return in.Pause(at(0), "line check") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.do()
			if got := ketaflow.ErrorCode(err); got != tt.code {
				t.Fatalf("got %v, want code %q", err, tt.code)
			}
		})
	}
}

func TestNewInfusionMinutesWithinProtocol(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	for _, m := range []int{p.Dose.IV.MinutesMin - 1, p.Dose.IV.MinutesMax + 1} {
		if _, err := NewInfusion(start, m, p); !ketaflow.IsCode(err, ketaflow.EInvalid) {
			t.Errorf("%d minutes: got %v, want EInvalid", m, err)
		}
	}
	for _, m := range []int{p.Dose.IV.MinutesMin, p.Dose.IV.MinutesMax} {
		if _, err := NewInfusion(start, m, p); err != nil {
			t.Errorf("%d minutes: %v", m, err)
		}
	}
}
