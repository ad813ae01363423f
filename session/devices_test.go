package session

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func TestDevicePlan(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	pl, err := DevicePlan(84, start, p)
	if err != nil {
		t.Fatal(err)
	}
	want := Plan{Mg: 84, Interval: mins(5), Devices: []Device{
		{N: 1, DueAt: at(0), GivenAt: at(0)},
		{N: 2, DueAt: at(5)},
		{N: 3, DueAt: at(10)},
	}}
	if diff := cmp.Diff(want, pl); diff != "" {
		t.Fatalf("plan mismatch (-want +got):\n%s", diff)
	}
	for _, mg := range []int{0, 30, -28} {
		if _, err := DevicePlan(mg, start, p); !ketaflow.IsCode(err, ketaflow.EInvalid) {
			t.Errorf("%d mg: got %v, want EInvalid", mg, err)
		}
	}
}

func TestRecordDevice(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	pl, _ := DevicePlan(84, start, p)
	second, err := RecordDevice(pl, 2, at(5))
	if err != nil {
		t.Fatal(err)
	}
	late, err := RecordDevice(pl, 2, at(7))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		plan    Plan
		n       int
		at      time.Time
		code    ketaflow.Code
		message string
	}{
		{"device_given_early_refused", pl, 2, at(5).Add(-time.Second), ketaflow.EBlocked, "wait 1 s"},
		{"device_given_at_due_time_allowed", pl, 2, at(5), "", ""},
		{"device_given_late_allowed", pl, 2, at(9), "", ""},
		{"device_out_of_order_refused", pl, 3, at(12), ketaflow.EConflict, "device 2 must be used before device 3"},
		{"device_recorded_twice_refused", second, 2, at(6), ketaflow.EConflict, "already used"},
		{"first_device_is_recorded_by_the_plan", pl, 1, at(1), ketaflow.EConflict, "already used"},
		{"no_such_device_refused", pl, 4, at(20), ketaflow.EInvalid, "1 to 3"},
		{"third_device_on_schedule_allowed", second, 3, at(10), "", ""},
		{"late_device_pushes_next_back_so_5_minutes_between", late, 3, at(10), ketaflow.EBlocked, "due at 10:12:00"},
		{"after_late_device_next_allowed_5_minutes_later", late, 3, at(12), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := RecordDevice(tt.plan, tt.n, tt.at)
			if code := ketaflow.ErrorCode(err); code != tt.code {
				t.Fatalf("got %v, want code %q", err, tt.code)
			}
			if err != nil {
				if !strings.Contains(ketaflow.ErrorMessage(err), tt.message) {
					t.Fatalf("message %q, want %q", ketaflow.ErrorMessage(err), tt.message)
				}
				return
			}
			if !got.Devices[tt.n-1].GivenAt.Equal(tt.at) || tt.plan.Devices[tt.n-1].Given() {
				t.Fatalf("device %d not recorded at %v, or the old plan changed", tt.n, tt.at)
			}
		})
	}
}

func TestNextDevice(t *testing.T) {
	t.Parallel()
	pl, _ := DevicePlan(56, start, protocol.Default())
	tests := []struct {
		name string
		plan Plan
		now  time.Time
		want NextDevice
		text string
		more bool
	}{
		{"counts_down_to_device_2", pl, at(3), NextDevice{N: 2, DueAt: at(5), Wait: mins(2)}, "device 2 in 2 min", true},
		{"device_2_due_now", pl, at(5), NextDevice{N: 2, DueAt: at(5), Ready: true}, "device 2 is due now", true},
		{"overdue_device_is_ready", pl, at(8), NextDevice{N: 2, DueAt: at(5), Ready: true}, "device 2 is due now", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, more := tt.plan.NextDevice(tt.now)
			if diff := cmp.Diff(tt.want, got); diff != "" || more != tt.more {
				t.Errorf("next mismatch (-want +got):\n%s more=%v", diff, more)
			}
			if got.String() != tt.text {
				t.Errorf("String = %q, want %q", got.String(), tt.text)
			}
		})
	}
	done, _ := RecordDevice(pl, 2, at(5))
	if _, more := done.NextDevice(at(6)); more || !done.Done() || pl.Done() {
		t.Errorf("after the last device: more=%v done=%v (original done=%v)", more, done.Done(), pl.Done())
	}
}
