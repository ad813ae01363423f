package plot

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLinear(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		s     Linear
		v     float64
		want  float64
		clamp float64
	}{
		{"zero_at_the_bottom_of_an_svg_y_axis", Linear{0, 27, 200, 10}, 0, 200, 0},
		{"top_of_the_scale_at_the_top", Linear{0, 27, 200, 10}, 27, 10, 27},
		{"a_threshold_between", Linear{0, 20, 100, 0}, 5, 75, 5},
		{"above_the_domain_clamps_to_it", Linear{0, 20, 200, 0}, 30, -100, 20},
		{"below_the_domain_clamps_to_it", Linear{60, 220, 0, 160}, 40, -20, 60},
		{"a_domain_of_one_point_is_the_middle", Linear{5, 5, 0, 100}, 5, 50, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.At(tt.v); got != tt.want {
				t.Errorf("At(%g) = %g, want %g", tt.v, got, tt.want)
			}
			if got := tt.s.Clamp(tt.v); got != tt.clamp {
				t.Errorf("Clamp(%g) = %g, want %g", tt.v, got, tt.clamp)
			}
		})
	}
}

func TestTimes(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	s := Times{From: from, To: from.Add(2 * time.Hour), R0: 40, R1: 240}
	for _, tt := range []struct {
		at   time.Duration
		want float64
	}{{0, 40}, {time.Hour, 140}, {2 * time.Hour, 240}, {30 * time.Minute, 90}} {
		if got := s.At(from.Add(tt.at)); got != tt.want {
			t.Errorf("At(+%s) = %g, want %g", tt.at, got, tt.want)
		}
	}
}

func TestTicks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		lo, hi float64
		n      int
		want   []float64
	}{
		{"phq9_0_to_27_by_5", 0, 27, 5, []float64{0, 5, 10, 15, 20, 25}},
		{"gad7_0_to_21_by_5", 0, 21, 5, []float64{0, 5, 10, 15, 20}},
		{"blood_pressure_40_to_220_by_50", 40, 220, 5, []float64{50, 100, 150, 200}},
		{"spo2_80_to_100_by_5", 80, 100, 5, []float64{80, 85, 90, 95, 100}},
		{"small_range_by_2", 0, 9, 5, []float64{0, 2, 4, 6, 8}},
		{"one_value", 3, 3, 5, []float64{3}},
		{"backwards_is_nothing", 5, 1, 5, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, Ticks(tt.lo, tt.hi, tt.n)); d != "" {
				t.Errorf("Ticks(%g, %g, %d) mismatch (-want +got):\n%s", tt.lo, tt.hi, tt.n, d)
			}
		})
	}
}

// The PHQ-9 bands (0–4 minimal ... 20–27 severe) meet at the thresholds
// 5, 10, 15 and 20, and the last ends at the maximum total.
func TestBandsMeetAtTheThresholds(t *testing.T) {
	t.Parallel()
	got := Bands([]int{0, 5, 10, 15, 20}, []int{4, 9, 14, 19, 27},
		[]string{"minimal", "mild", "moderate", "moderately severe", "severe"})
	want := []Band{{0, 5, "minimal", "band-0"}, {5, 10, "mild", "band-1"}, {10, 15, "moderate", "band-2"},
		{15, 20, "moderately severe", "band-3"}, {20, 27, "severe", "band-4"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("bands mismatch (-want +got):\n%s", d)
	}
}

func TestSVGIsWellFormedAccessibleAndEscaped(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	c := Chart{ID: "phq9", Title: `PHQ-9 of "Ana" <script>`, Desc: "scores & bands", Width: 640, Height: 260, Min: 0, Max: 27,
		From: from, To: from.AddDate(0, 0, 14),
		Bands:  Bands([]int{0, 5}, []int{4, 27}, []string{"minimal", "<b>rest</b>"}),
		Rules:  []Rule{{Value: 9, Label: "response ≤ 9 & below", Class: "rule-response"}, {Value: 40, Label: "off the scale"}},
		Marks:  []Mark{{At: from.AddDate(0, 0, 7), Label: "first <dose>"}, {At: from.AddDate(0, 0, 30), Label: "after the end"}},
		Series: []Series{{Name: "PHQ-9", Marker: Square, Class: "series-0", Points: []Point{{from, 18}, {from.AddDate(0, 0, 7), 12}, {from.AddDate(0, 0, 14), 30}}}}}
	svg := c.SVG()
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
	}
	for _, want := range []string{`role="img"`, `aria-labelledby="phq9-title phq9-desc"`, `<title id="phq9-title">PHQ-9 of &#34;Ana&#34; &lt;script&gt;</title>`,
		`<desc id="phq9-desc">scores &amp; bands</desc>`, `&lt;b&gt;rest&lt;/b&gt;`, `first &lt;dose&gt;`, `response ≤ 9 &amp; below`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %s:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, "off the scale") || strings.Contains(svg, "after the end") {
		t.Errorf("the SVG holds unescaped text, or a rule or mark off its scale:\n%s", svg)
	}
	// Three points, squares; a value above the scale is drawn at its top.
	if n := strings.Count(svg, `<rect class="marker series-0"`); n != 3 {
		t.Errorf("%d square markers, want 3", n)
	}
	_, y := c.Area()
	if !strings.Contains(svg, `y="`+num(y.At(27)-4)+`"`) {
		t.Errorf("the value 30 is not drawn at the top of the 0–27 scale")
	}
}
