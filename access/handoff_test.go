package access

import (
	"testing"
	"time"
)

func TestHandOffStage(t *testing.T) {
	start := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	later := start.Add(5 * time.Minute)
	open := HandOff{StartedAt: start, ExpiresAt: start.Add(HandOffLifetime)}
	submitted, ended := open, open
	submitted.SubmittedAt = &later
	ended.SubmittedAt, ended.EndedAt = &later, &later
	for _, tc := range []struct {
		name string
		h    HandOff
		now  time.Time
		want HandOffStage
	}{
		{"handoff_open_lets_the_patient_answer", open, later, HandOffAnswering},
		{"handoff_after_submission_only_asks_to_hand_back", submitted, later, HandOffHandBack},
		{"handoff_left_too_long_only_asks_to_hand_back", open, start.Add(HandOffLifetime), HandOffHandBack},
		{"handoff_taken_back_is_over", ended, later, HandOffOver},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Stage(tc.now); got != tc.want {
				t.Errorf("stage %v, want %v", got, tc.want)
			}
		})
	}
}
