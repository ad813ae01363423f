package runsheet

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

var at = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// Coming keeps what is overdue and what falls due within the hour of the
// sheet (issue 9: "what is due in the next hour"), overdue first.
func TestComing(t *testing.T) {
	due := func(what string, min int, overdue bool) Due {
		return Due{What: what, At: at.Add(time.Duration(min) * time.Minute), Overdue: overdue}
	}
	for _, tc := range []struct {
		name string
		in   []Due
		want string
	}{
		{"nothing", nil, ""},
		{"within the hour, in time order", []Due{due("b", 30, false), due("a", 5, false)}, "a b"},
		{"the hour's edge is outside", []Due{due("edge", 60, false), due("inside", 59, false)}, "inside"},
		{"overdue first, however old", []Due{due("next", 10, false), due("late", -50, true)}, "late next"},
		{"already due, not overdue", []Due{due("now", -2, false)}, "now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range Coming(tc.in, at) {
				got = append(got, d.What)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("Coming = %q, want %q", g, tc.want)
			}
		})
	}
}

func TestRenderPDF(t *testing.T) {
	first := at.Add(-25 * time.Minute)
	s := Sheet{Clinic: "Harbour Clinic", At: at, By: "Nia Nurse", Rows: []Row{{
		Chair: "Chair 1", Patient: "Zoë Ångström", MRN: "MRN-1", BirthDate: "1980-02-03", Allergies: "penicillin",
		Route: "IV infusion", State: "In session", Dose: "35.0 mg ketamine (0.5 mg/kg × 70 kg) over 40 min",
		FirstDoseAt: &first, Latest: &Vitals{At: at.Add(-10 * time.Minute), Systolic: 150, Diastolic: 92, HeartRate: 88, SpO2: 97},
		Alerts: []Alert{{Severity: "High", Title: "Blood pressure high", Since: at.Add(-10 * time.Minute)}},
		Due:    []Due{{What: "vitals (30 min)", At: at.Add(5 * time.Minute)}, {What: "vitals (15 min)", At: at.Add(-10 * time.Minute), Overdue: true}},
	}}}
	// Enough patients to need a second page.
	for range 5 {
		s.Rows = append(s.Rows, Row{Chair: "Chair 2", Patient: "Kwame Mensah", MRN: "MRN-2", Route: "Spravato", State: "Checked in"})
	}
	pdf, err := RenderPDF(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Chair 1: Zo\xeb \xc5ngstr\xf6m", "MRN MRN-1", "Allergies: penicillin", "First dose at 09:35",
		"BP 150/92", "ALERT \\(High\\) Blood pressure high, since 09:50", "OVERDUE vitals \\(15 min\\), due 09:50",
		"Due 10:05: vitals \\(30 min\\)", "Dose: no order yet", "Page 2 of", "printed by Nia Nurse"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	again, err := RenderPDF(s)
	if err != nil || !bytes.Equal(pdf, again) {
		t.Errorf("the same sheet printed differently (err %v)", err)
	}
	empty, err := RenderPDF(Sheet{Clinic: "Harbour Clinic", At: at, By: "Nia Nurse", Marking: "TRAINING CLOCK"})
	if err != nil || !bytes.Contains(empty, []byte("No patient is on the floor.")) || !bytes.Contains(empty, []byte("TRAINING CLOCK")) {
		t.Errorf("an empty floor's sheet: err %v", err)
	}
}
