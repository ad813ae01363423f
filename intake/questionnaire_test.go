package intake

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// mustInstrument returns the instrument with id or stops the test.
func mustInstrument(t testing.TB, id string) Instrument {
	t.Helper()
	in, err := InstrumentByID(id)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// answersTotalling returns answers for in that add up to total, filling
// items from the first with the highest option, leaving the safety item at
// item9 (0 for "not at all").
func answersTotalling(t testing.TB, in Instrument, total, item9 int) []int {
	t.Helper()
	answers := make([]int, len(in.Items))
	left := total
	if in.SafetyItem > 0 {
		answers[in.SafetyItem-1] = item9
		left -= item9
	}
	for i := range answers {
		if i == in.SafetyItem-1 {
			continue
		}
		v := min(left, 3)
		answers[i] = v
		left -= v
	}
	if left != 0 {
		t.Fatalf("cannot make a %s total of %d", in.Title, total)
	}
	return answers
}

// invalidOn checks that err is an EInvalid *ketaflow.Error on field and
// returns its message.
func invalidOn(t *testing.T, err error, field string) string {
	t.Helper()
	var e *ketaflow.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want EInvalid on %q", err, field)
	}
	if e.Code != ketaflow.EInvalid || e.Field != field {
		t.Fatalf("got %s on %q (%v), want %s on %q", e.Code, e.Field, err, ketaflow.EInvalid, field)
	}
	return e.Message
}

func TestInstruments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id                string
		items, maxTotal   int
		safetyItem        int
		loincTotal, panel string
		bands             []Band
	}{
		{PHQ9ID, 9, 27, 9, "44261-6", "44249-1", []Band{
			{0, 4, "minimal"}, {5, 9, "mild"}, {10, 14, "moderate"}, {15, 19, "moderately severe"}, {20, 27, "severe"}}},
		{GAD7ID, 7, 21, 0, "70274-6", "69737-5", []Band{
			{0, 4, "minimal"}, {5, 9, "mild"}, {10, 14, "moderate"}, {15, 21, "severe"}}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			in := mustInstrument(t, tt.id)
			if len(in.Items) != tt.items || in.MaxTotal() != tt.maxTotal || in.SafetyItem != tt.safetyItem {
				t.Errorf("got %d items, max %d, safety item %d; want %d, %d, %d",
					len(in.Items), in.MaxTotal(), in.SafetyItem, tt.items, tt.maxTotal, tt.safetyItem)
			}
			if in.LOINCTotal != tt.loincTotal || in.LOINCPanel != tt.panel {
				t.Errorf("got LOINC %s/%s, want %s/%s", in.LOINCTotal, in.LOINCPanel, tt.loincTotal, tt.panel)
			}
			if diff := cmp.Diff(tt.bands, in.Bands); diff != "" {
				t.Errorf("bands mismatch (-want +got):\n%s", diff)
			}
			wantOptions := []Option{{0, "Not at all"}, {1, "Several days"}, {2, "More than half the days"}, {3, "Nearly every day"}}
			if diff := cmp.Diff(wantOptions, in.Options); diff != "" {
				t.Errorf("options mismatch (-want +got):\n%s", diff)
			}
			for i, item := range in.Items {
				if item.Number != i+1 || strings.TrimSpace(item.Text) == "" {
					t.Errorf("item %d is %+v, want number %d with text", i, item, i+1)
				}
			}
			// Every total from 0 to the maximum falls in exactly one band.
			for total := 0; total <= in.MaxTotal(); total++ {
				n := 0
				for _, b := range in.Bands {
					if total >= b.Min && total <= b.Max {
						n++
					}
				}
				if n != 1 {
					t.Errorf("total %d falls in %d bands, want 1", total, n)
				}
			}
		})
	}
	if got := len(Instruments()); got != 2 {
		t.Errorf("Instruments() has %d, want 2", got)
	}
	if _, err := InstrumentByID("bdi"); err == nil {
		t.Error("InstrumentByID(bdi) succeeded, want EInvalid")
	} else {
		invalidOn(t, err, "instrument")
	}
}

func TestInstrumentsAreCopies(t *testing.T) {
	t.Parallel()
	in := mustInstrument(t, PHQ9ID)
	in.Items[0].Text = "changed"
	in.Bands[0].Label = "changed"
	again := mustInstrument(t, PHQ9ID)
	if again.Items[0].Text == "changed" || again.Bands[0].Label == "changed" {
		t.Error("changing a returned instrument changed the next one")
	}
}

func TestScore(t *testing.T) {
	t.Parallel()
	phq, gad := mustInstrument(t, PHQ9ID), mustInstrument(t, GAD7ID)
	tests := []struct {
		name      string
		in        Instrument
		answers   []int
		wantTotal int
		wantBand  string
		wantItem9 int
	}{
		{"phq9_all_zero_is_minimal", phq, make([]int, 9), 0, "minimal", 0},
		{"phq9_4_is_minimal", phq, answersTotalling(t, phq, 4, 0), 4, "minimal", 0},
		{"phq9_5_is_mild", phq, answersTotalling(t, phq, 5, 0), 5, "mild", 0},
		{"phq9_9_is_mild", phq, answersTotalling(t, phq, 9, 0), 9, "mild", 0},
		{"phq9_10_is_moderate", phq, answersTotalling(t, phq, 10, 0), 10, "moderate", 0},
		{"phq9_14_is_moderate", phq, answersTotalling(t, phq, 14, 0), 14, "moderate", 0},
		{"phq9_15_is_moderately_severe", phq, answersTotalling(t, phq, 15, 0), 15, "moderately severe", 0},
		{"phq9_19_is_moderately_severe", phq, answersTotalling(t, phq, 19, 0), 19, "moderately severe", 0},
		{"phq9_20_is_severe", phq, answersTotalling(t, phq, 20, 0), 20, "severe", 0},
		{"phq9_27_is_severe", phq, answersTotalling(t, phq, 27, 3), 27, "severe", 3},
		{"phq9_item9_is_reported", phq, []int{0, 0, 0, 0, 0, 0, 0, 0, 2}, 2, "minimal", 2},
		{"gad7_4_is_minimal", gad, answersTotalling(t, gad, 4, 0), 4, "minimal", 0},
		{"gad7_5_is_mild", gad, answersTotalling(t, gad, 5, 0), 5, "mild", 0},
		{"gad7_10_is_moderate", gad, answersTotalling(t, gad, 10, 0), 10, "moderate", 0},
		{"gad7_14_is_moderate", gad, answersTotalling(t, gad, 14, 0), 14, "moderate", 0},
		{"gad7_15_is_severe", gad, answersTotalling(t, gad, 15, 0), 15, "severe", 0},
		{"gad7_21_is_severe", gad, answersTotalling(t, gad, 21, 0), 21, "severe", 0},
		{"gad7_has_no_item9", gad, []int{0, 0, 0, 0, 0, 0, 3}, 3, "minimal", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Score(tt.in, tt.answers)
			if err != nil {
				t.Fatal(err)
			}
			want := Result{Instrument: tt.in.ID, Answers: tt.answers, Total: tt.wantTotal, Band: tt.wantBand, Item9: tt.wantItem9}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreRefuses(t *testing.T) {
	t.Parallel()
	phq, gad := mustInstrument(t, PHQ9ID), mustInstrument(t, GAD7ID)
	tests := []struct {
		name    string
		in      Instrument
		answers []int
		field   string
		says    []string // in the message
	}{
		{"incomplete_phq9_refused", phq, []int{1, 1, -1, 1, 1, 1, 1, 1, 0}, "item_3", []string{"PHQ-9", "1 of 9", "item 3", "not be scored"}},
		{"two_unanswered_named_and_counted", phq, []int{1, 1, -1, 1, 1, 1, -1, 1, 0}, "item_3", []string{"2 of 9", "items 3, 7"}},
		{"short_answer_list_is_incomplete", phq, []int{1, 1, 1, 1, 1, 1, 1}, "item_8", []string{"2 of 9", "items 8, 9"}},
		{"no_answers_is_incomplete", gad, nil, "item_1", []string{"GAD-7", "7 of 7"}},
		{"unanswered_item9_refused", phq, []int{0, 0, 0, 0, 0, 0, 0, 0, -1}, "item_9", []string{"1 of 9"}},
		{"answer_above_options_refused", phq, []int{0, 0, 0, 4, 0, 0, 0, 0, 0}, "item_4", []string{"answer 4", "3 (Nearly every day)"}},
		{"negative_answer_other_than_unanswered_refused", gad, []int{0, -2, 0, 0, 0, 0, 0}, "item_2", []string{"answer -2"}},
		{"first_problem_in_item_order_is_named", phq, []int{0, 7, 0, -1, 0, 0, 0, 0, 0}, "item_2", []string{"answer 7"}},
		{"too_many_answers_refused", gad, []int{0, 0, 0, 0, 0, 0, 0, 0}, "answers", []string{"7 items", "8 answers"}},
		{"instrument_without_items_refused", Instrument{ID: "x"}, []int{0}, "instrument", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Score(tt.in, tt.answers)
			msg := invalidOn(t, err, tt.field)
			for _, s := range tt.says {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not say %q", msg, s)
				}
			}
		})
	}
}

func TestScoreListsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Score(mustInstrument(t, PHQ9ID), []int{0, 7, 0, -1, 0, 0, 0, 0})
	var fields []string
	for _, f := range ketaflow.AsError(err).Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"item_2", "item_4", "item_9"}, fields); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
}

func TestScoreKeepsItsOwnAnswers(t *testing.T) {
	t.Parallel()
	answers := []int{1, 1, 1, 1, 1, 1, 1, 1, 0}
	r, err := Score(mustInstrument(t, PHQ9ID), answers)
	if err != nil {
		t.Fatal(err)
	}
	answers[0] = 3
	if r.Answers[0] != 1 {
		t.Error("changing the caller's slice changed the result")
	}
}

func TestSafetyAlert(t *testing.T) {
	t.Parallel()
	phq, gad := mustInstrument(t, PHQ9ID), mustInstrument(t, GAD7ID)
	strict := protocol.Default()
	lenient := protocol.Default()
	lenient.Gate.Item9AlertAbove = 1
	tests := []struct {
		name    string
		in      Instrument
		answers []int
		p       protocol.Protocol
		want    bool
	}{
		{"item9_above_zero_raises_alert", phq, []int{0, 0, 0, 0, 0, 0, 0, 0, 1}, strict, true},
		{"item9_nearly_every_day_raises_alert", phq, []int{0, 0, 0, 0, 0, 0, 0, 0, 3}, strict, true},
		{"item9_zero_raises_no_alert", phq, []int{3, 3, 3, 3, 3, 3, 3, 3, 0}, strict, false},
		{"item9_at_protocol_limit_raises_no_alert", phq, []int{0, 0, 0, 0, 0, 0, 0, 0, 1}, lenient, false},
		{"item9_above_protocol_limit_raises_alert", phq, []int{0, 0, 0, 0, 0, 0, 0, 0, 2}, lenient, true},
		{"gad7_never_raises_alert", gad, []int{3, 3, 3, 3, 3, 3, 3}, strict, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Score(tt.in, tt.answers)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.SafetyAlert(tt.p); got != tt.want {
				t.Errorf("SafetyAlert = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestResultSummary(t *testing.T) {
	t.Parallel()
	r, err := Score(mustInstrument(t, PHQ9ID), []int{2, 2, 2, 2, 2, 2, 1, 1, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Summary(), "PHQ-9 14 of 27 (moderate)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzScore checks that any answers, however odd, are either scored within
// range or refused with an EInvalid error that names a field.
func FuzzScore(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0, 1, 2, 3, 0}, true)
	f.Add([]byte{255, 0, 0}, false)
	f.Add([]byte{}, true)
	f.Add([]byte{4, 200, 0, 0, 0, 0, 0, 0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, data []byte, phq bool) {
		id := GAD7ID
		if phq {
			id = PHQ9ID
		}
		in := mustInstrument(t, id)
		answers := make([]int, len(data))
		for i, b := range data {
			answers[i] = int(int8(b)) // -128..127, so -1 and the options are common
		}
		r, err := Score(in, answers)
		if err != nil {
			e := ketaflow.AsError(err)
			if e.Code != ketaflow.EInvalid || e.Field == "" || e.Message == "" {
				t.Fatalf("got %v, want EInvalid naming a field", err)
			}
			return
		}
		if r.Total < 0 || r.Total > in.MaxTotal() || r.Band == "" || len(r.Answers) != len(in.Items) {
			t.Fatalf("scored %v as %+v", answers, r)
		}
	})
}
