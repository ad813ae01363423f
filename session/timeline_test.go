package session

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

var start = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func mins(n int) time.Duration { return time.Duration(n) * time.Minute }
func at(n int) time.Time       { return start.Add(mins(n)) }

func TestNewTimeline(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	span := func(name string, from, to int) Span {
		return Span{Name: name, Start: at(from), End: at(to), Rest: name == RestName}
	}
	phases := []Span{span("onset", 0, 5), span("early", 5, 15), span("peak", 15, 30), span("plateau", 30, 40), span("re-entry", 40, 70)}
	tests := []struct {
		name  string
		route protocol.Route
		p     func(*protocol.Protocol)
		want  []Span
	}{
		{"iv_rest_20_min_ends_at_90", protocol.IV, nil, append(phases, span(RestName, 70, 90))},
		{"im_rest_20_min_ends_at_90", protocol.IM, nil, append(phases, span(RestName, 70, 90))},
		{"spravato_rest_until_discharge_minimum_120", protocol.Spravato, nil, append(phases, span(RestName, 70, 120))},
		{"longer_iv_rest_runs_past_minimum", protocol.IV, func(p *protocol.Protocol) { p.Session.RestMinutes.IV = 30 }, append(phases, span(RestName, 70, 100))},
		{"shorter_iv_rest_still_reaches_minimum", protocol.IV, func(p *protocol.Protocol) { p.Session.RestMinutes.IV = 5 }, append(phases, span(RestName, 70, 90))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pp := p.Clone()
			if tt.p != nil {
				tt.p(&pp)
			}
			tl, err := NewTimeline(start, tt.route, pp)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tl.Spans); diff != "" {
				t.Errorf("spans mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := NewTimeline(start, "oral", p); !ketaflow.IsCode(err, ketaflow.EInvalid) {
		t.Errorf("oral route: got %v", err)
	}
	if _, err := NewTimeline(time.Time{}, protocol.IV, p); !ketaflow.IsCode(err, ketaflow.EInvalid) {
		t.Errorf("no first dose: got %v", err)
	}
}

func TestPhaseAt(t *testing.T) {
	t.Parallel()
	tl, err := NewTimeline(start, protocol.Spravato, protocol.Default())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		now  time.Time
		want PhaseStatus
	}{
		{"before_first_dose_counts_down", at(-3), PhaseStatus{Name: "not started", Index: -1, EndsAt: at(0), Remaining: mins(3)}},
		{"first_dose_starts_onset", at(0), PhaseStatus{Name: "onset", Index: 0, StartedAt: at(0), EndsAt: at(5), Remaining: mins(5)}},
		{"phase_boundary_belongs_to_next_phase", at(5), PhaseStatus{Name: "early", Index: 1, StartedAt: at(5), EndsAt: at(15), Remaining: mins(10), Total: mins(5)}},
		{"mid_peak", at(22), PhaseStatus{Name: "peak", Index: 2, StartedAt: at(15), EndsAt: at(30), Elapsed: mins(7), Remaining: mins(8), Total: mins(22)}},
		{"re_entry", at(69), PhaseStatus{Name: "re-entry", Index: 4, StartedAt: at(40), EndsAt: at(70), Elapsed: mins(29), Remaining: mins(1), Total: mins(69)}},
		{"spravato_rest_until_120", at(100), PhaseStatus{Name: RestName, Index: 5, StartedAt: at(70), EndsAt: at(120), Elapsed: mins(30), Remaining: mins(20), Total: mins(100), Rest: true}},
		{"past_the_end_keeps_counting_never_enforced", at(130), PhaseStatus{Name: RestName, Index: 5, StartedAt: at(70), EndsAt: at(120), Elapsed: mins(60), Total: mins(130), Rest: true, Over: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tl.PhaseAt(tt.now)); diff != "" {
				t.Errorf("status mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := tl.End(); !got.Equal(at(120)) {
		t.Errorf("End = %v", got)
	}
}

// TestStoppedTimeline: an infusion stopped at 6 min is in monitored rest from
// the stop, not "early, 8 min left", and the rest lasts to the discharge
// minimum [issue 8: the clock follows the visit].
func TestStoppedTimeline(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	tl, err := NewTimeline(start, protocol.IV, p)
	if err != nil {
		t.Fatal(err)
	}
	stop := start.Add(6*time.Minute + 4*time.Second)
	st := tl.Stopped(stop, p)
	ph := st.PhaseAt(stop.Add(2*time.Minute + 32*time.Second))
	if ph.Name != RestName || !ph.Rest || !ph.StartedAt.Equal(stop) {
		t.Errorf("after the stop the phase is %+v, want monitored rest from %s", ph, stop)
	}
	if got, want := st.End(), start.Add(p.SessionLength(protocol.IV)); !got.Equal(want) {
		t.Errorf("rest ends %s, want the session length %s", got, want)
	}
	if n := len(st.Spans); n != 3 || st.Spans[1].Name != "early" || !st.Spans[1].End.Equal(stop) {
		t.Errorf("spans %+v, want onset, early cut at the stop, rest", st.Spans)
	}
	// Before the stop the clock read as it did.
	if got := st.PhaseAt(start.Add(2 * time.Minute)); got.Name != "onset" {
		t.Errorf("before the stop: %+v", got)
	}
}
