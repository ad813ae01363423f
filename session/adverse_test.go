package session

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
)

func TestAdverseEventValidate(t *testing.T) {
	t.Parallel()
	now := at(30)
	ok := AdverseEvent{Kind: Nausea, At: at(20), Severity: Mild, Action: "ondansetron 4 mg IV"}
	tests := []struct {
		name  string
		edit  func(*AdverseEvent)
		field string
	}{
		{"nausea_with_action_ok", func(*AdverseEvent) {}, ""},
		{"action_required", func(e *AdverseEvent) { e.Action = "  " }, "action"},
		{"other_needs_a_note", func(e *AdverseEvent) { e.Kind = OtherEvent }, "note"},
		{"other_with_note_ok", func(e *AdverseEvent) { e.Kind, e.Note = OtherEvent, "headache" }, ""},
		{"unknown_kind_refused", func(e *AdverseEvent) { e.Kind = "seizure" }, "kind"},
		{"unknown_severity_refused", func(e *AdverseEvent) { e.Severity = "bad" }, "severity"},
		{"time_required", func(e *AdverseEvent) { e.At = time.Time{} }, "at"},
		{"future_event_refused", func(e *AdverseEvent) { e.At = now.Add(10 * time.Minute) }, "at"},
		{"amendment_needs_reason", func(e *AdverseEvent) { e.Amends = "ae1" }, "amend_reason"},
		{"amendment_with_reason_ok", func(e *AdverseEvent) { e.Amends, e.AmendReason = "ae1", "severity was moderate" }, ""},
		{"huge_action_refused", func(e *AdverseEvent) { e.Action = strings.Repeat("x", maxAction+1) }, "action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := ok
			tt.edit(&e)
			err := e.Validate(now)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if ae := ketaflow.AsError(err); err == nil || ae.Code != ketaflow.EInvalid || ae.Field != tt.field {
				t.Fatalf("got %v, want EInvalid on %q", err, tt.field)
			}
		})
	}
}

func TestEffectiveEventsAndHadEvent(t *testing.T) {
	t.Parallel()
	all := []AdverseEvent{
		{ID: "1", Kind: RespiratoryDepression, At: at(20), Severity: Mild, Action: "stimulated"},
		{ID: "2", Kind: Nausea, At: at(10), Severity: Mild, Action: "observed"},
	}
	if !HadEvent(all, RespiratoryDepression) {
		t.Fatal("respiratory depression not found")
	}
	all = append(all, AdverseEvent{ID: "3", Kind: AnxietyAgitation, At: at(20), Severity: Mild, Action: "reassured", Amends: "1", AmendReason: "was anxiety, SpO2 normal"})
	if HadEvent(all, RespiratoryDepression) {
		t.Fatal("amended event still counts")
	}
	var ids []string
	for _, e := range EffectiveEvents(all) {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(ids, []string{"2", "3"}) {
		t.Fatalf("effective %v, want [2 3] in time order", ids)
	}
}

func TestParseAEKind(t *testing.T) {
	t.Parallel()
	tests := map[string]AEKind{
		"nausea": Nausea, " Vomiting ": Vomiting, "anxiety_agitation": AnxietyAgitation, "Anxiety or agitation": AnxietyAgitation,
		"respiratory-depression": RespiratoryDepression, "Emergence reaction": EmergenceReaction, "OTHER": OtherEvent, "hypertension": Hypertension,
	}
	for in, want := range tests {
		if got, err := ParseAEKind(in); err != nil || got != want {
			t.Errorf("ParseAEKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseAEKind("seizure"); !ketaflow.IsCode(err, ketaflow.EInvalid) {
		t.Errorf("seizure: got %v", err)
	}
}

func FuzzParseAdverseEvent(f *testing.F) {
	for _, s := range []string{"nausea", "Anxiety or agitation", "respiratory_depression", "", "\x00", "other", "MILD", "severe ", "emergence-reaction"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseAEKind(s)
		if err != nil {
			if e := ketaflow.AsError(err); e.Code != ketaflow.EInvalid || e.Field != "kind" {
				t.Fatalf("ParseAEKind(%q): %v", s, err)
			}
		} else {
			if !slices.Contains(AEKinds, k) {
				t.Fatalf("ParseAEKind(%q) = %q, not a kind", s, k)
			}
			if again, err := ParseAEKind(string(k)); err != nil || again != k {
				t.Fatalf("kind %q does not read back: %q, %v", k, again, err)
			}
		}
		sv, err := ParseSeverity(s)
		if err != nil {
			if e := ketaflow.AsError(err); e.Code != ketaflow.EInvalid || e.Field != "severity" {
				t.Fatalf("ParseSeverity(%q): %v", s, err)
			}
		} else if !slices.Contains(Severities, sv) {
			t.Fatalf("ParseSeverity(%q) = %q", s, sv)
		}
		// Any text as a note or action validates without panicking.
		e := AdverseEvent{Kind: OtherEvent, Severity: Mild, At: at(0), Action: s, Note: s}
		_ = e.Validate(at(1))
	})
}
