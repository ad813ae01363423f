// Package plot draws the small charts of the staff pages as SVG on the
// server: a line of values over time, with bands behind it and limits
// across it. It is ketaflow's own code (no chart library): scales, ticks
// and the markup. Every text it writes is escaped; every chart has a title
// and a description for screen readers, and the page shows the same
// numbers in a table beside it, so that neither colour nor shape is the
// only signal.
package plot

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"
)

// Linear maps a value of the domain [D0, D1] onto the range [R0, R1]. A
// range may run backwards (R0 > R1): the y axis of an SVG grows downwards.
type Linear struct {
	D0, D1, R0, R1 float64
}

// At is where v falls on the range; a domain of one point maps to the
// middle of the range.
func (s Linear) At(v float64) float64 {
	if s.D1 == s.D0 {
		return (s.R0 + s.R1) / 2
	}
	return s.R0 + (v-s.D0)/(s.D1-s.D0)*(s.R1-s.R0)
}

// Clamp keeps v within the domain.
func (s Linear) Clamp(v float64) float64 {
	lo, hi := min(s.D0, s.D1), max(s.D0, s.D1)
	return max(lo, min(hi, v))
}

// Times maps moments onto a range, as Linear maps numbers.
type Times struct {
	From, To time.Time
	R0, R1   float64
}

// At is where t falls on the range.
func (s Times) At(t time.Time) float64 {
	return Linear{D0: 0, D1: float64(s.To.Sub(s.From)), R0: s.R0, R1: s.R1}.At(float64(t.Sub(s.From)))
}

// Ticks are about n round values (the step nearest (hi-lo)/n) from lo to hi inclusive, at a step of 1,
// 2 or 5 times a power of ten: the labels of an axis.
func Ticks(lo, hi float64, n int) []float64 {
	if n < 1 || hi < lo || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(hi-lo, 0) {
		return nil
	}
	if hi == lo {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	var step float64
	switch f := raw / mag; {
	case f < 1.5:
		step = mag
	case f < 3:
		step = 2 * mag
	case f < 7:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// Band is a range of values drawn behind the line, with its label: a
// severity band of a questionnaire.
type Band struct {
	From, To float64
	Label    string
	// Class names the band's fill in the stylesheet ("band-0", ...).
	Class string
}

// Bands turns inclusive ranges of whole scores (0–4, 5–9, ..., 20–27) into
// bands that meet: each runs from its minimum to the next band's minimum,
// the last to its maximum, so that a score of 4.5 is never outside every
// band and the lines between them fall on the thresholds.
func Bands(mins, maxes []int, labels []string) []Band {
	out := make([]Band, 0, len(mins))
	for i := range mins {
		to := float64(maxes[i])
		if i+1 < len(mins) {
			to = float64(mins[i+1])
		}
		out = append(out, Band{From: float64(mins[i]), To: to, Label: labels[i], Class: fmt.Sprintf("band-%d", i)})
	}
	return out
}

// Rule is a line across the chart at a value: a baseline, a threshold, a
// limit.
type Rule struct {
	Value float64
	Label string
	Class string // "rule-baseline", "rule-limit", ...
}

// Mark is a moment marked down the chart: the first dose.
type Mark struct {
	At    time.Time
	Label string
	Class string
}

// Point is one value at one moment.
type Point struct {
	At    time.Time
	Value float64
}

// Series is one line of points, drawn with a marker shape of its own.
type Series struct {
	Name   string
	Marker Marker
	Class  string // the line's stroke in the stylesheet ("series-0", ...)
	Points []Point
}

// Marker is the shape of a series' points.
type Marker string

const (
	Circle   Marker = "circle"
	Square   Marker = "square"
	Triangle Marker = "triangle"
	Diamond  Marker = "diamond"
)

// Chart is one chart to draw.
type Chart struct {
	// ID is unique on the page: the title and description are named by it.
	ID          string
	Title, Desc string
	Width       float64
	Height      float64
	// Min and Max are the value axis; From and To the time axis.
	Min, Max float64
	From, To time.Time
	Unit     string
	// TimeLabel writes a moment on the time axis ("Mar 4", "10:15").
	TimeLabel func(time.Time) string
	Bands     []Band
	Rules     []Rule
	Marks     []Mark
	Series    []Series
}

// margins of the plot area inside the chart, in SVG units.
const (
	marginLeft = 44
	// marginRight holds the rules' labels; a narrow chart (a phone's)
	// keeps less room for them.
	marginRight       = 150
	marginRightNarrow = 112
	narrow            = 500
	marginTop         = 24
	marginBottom      = 30
)

// Area is the plot area: where the value and time scales put things.
func (c Chart) Area() (x, y Linear) {
	right := float64(marginRight)
	if c.Width < narrow {
		right = marginRightNarrow
	}
	x = Linear{D0: 0, D1: 1, R0: marginLeft, R1: c.Width - right}
	y = Linear{D0: c.Min, D1: c.Max, R0: c.Height - marginBottom, R1: marginTop}
	return x, y
}

// times is the time scale of the plot area; a chart of one moment gets an
// hour either side.
func (c Chart) times() Times {
	from, to := c.From, c.To
	if !to.After(from) {
		from, to = from.Add(-time.Hour), from.Add(time.Hour)
	}
	x, _ := c.Area()
	return Times{From: from, To: to, R0: x.R0, R1: x.R1}
}

// SVG is the chart's markup. It is meant to go inside an HTML page as is:
// every text in it is escaped here.
func (c Chart) SVG() string {
	var b strings.Builder
	esc := html.EscapeString
	_, y := c.Area()
	t := c.times()
	x0, x1 := t.R0, t.R1
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title %s-desc">`,
		esc(c.ID), num(c.Width), num(c.Height), esc(c.ID), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
	for _, bd := range c.Bands {
		top, bottom := y.At(y.Clamp(bd.To)), y.At(y.Clamp(bd.From))
		fmt.Fprintf(&b, `<rect class="band %s" x="%s" y="%s" width="%s" height="%s"/>`, esc(bd.Class), num(x0), num(top),
			num(x1-x0), num(bottom-top))
		fmt.Fprintf(&b, `<text class="band-label" x="%s" y="%s">%s</text>`, num(x0+4), num((top+bottom)/2+4), esc(bd.Label))
	}
	for _, v := range Ticks(c.Min, c.Max, 5) {
		fmt.Fprintf(&b, `<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(x0), num(x1), num(y.At(v)), num(y.At(v)))
		fmt.Fprintf(&b, `<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>`, num(x0-6), num(y.At(v)+4), num(v))
	}
	if c.Unit != "" {
		fmt.Fprintf(&b, `<text class="tick unit" x="4" y="12">%s</text>`, esc(c.Unit))
	}
	for _, at := range c.timeTicks(t) {
		fmt.Fprintf(&b, `<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>`, num(t.At(at)), num(c.Height-10),
			esc(c.label(at)))
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(x0), num(x1), num(y.R0), num(y.R0))
	for _, r := range c.Rules {
		if r.Value < min(c.Min, c.Max) || r.Value > max(c.Min, c.Max) {
			continue
		}
		ry := y.At(r.Value)
		fmt.Fprintf(&b, `<line class="rule %s" x1="%s" x2="%s" y1="%s" y2="%s"/>`, esc(r.Class), num(x0), num(x1), num(ry), num(ry))
		fmt.Fprintf(&b, `<text class="rule-label %s" x="%s" y="%s">%s</text>`, esc(r.Class), num(x1+6), num(ry+4), esc(r.Label))
	}
	for _, m := range c.Marks {
		if m.At.Before(t.From) || m.At.After(t.To) {
			continue
		}
		mx := t.At(m.At)
		fmt.Fprintf(&b, `<line class="mark %s" x1="%s" x2="%s" y1="%s" y2="%s"/>`, esc(m.Class), num(mx), num(mx), num(y.R1), num(y.R0))
		fmt.Fprintf(&b, `<text class="mark-label" x="%s" y="%s">%s</text>`, num(mx+4), num(y.R1+10), esc(m.Label))
	}
	for _, s := range c.Series {
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, num(t.At(p.At))+","+num(y.At(y.Clamp(p.Value))))
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline class="line %s" points="%s"/>`, esc(s.Class), strings.Join(pts, " "))
		}
		for _, p := range s.Points {
			b.WriteString(marker(s.Marker, s.Class, t.At(p.At), y.At(y.Clamp(p.Value))))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// timeTicks are up to five moments on the time axis: the first, the last,
// and evenly between.
func (c Chart) timeTicks(t Times) []time.Time {
	if !c.To.After(c.From) {
		return []time.Time{c.From}
	}
	n := 4
	if c.Width < narrow {
		n = 2
	}
	out := make([]time.Time, 0, n+1)
	for i := 0; i <= n; i++ {
		out = append(out, c.From.Add(time.Duration(float64(c.To.Sub(c.From))*float64(i)/float64(n))))
	}
	return out
}

func (c Chart) label(t time.Time) string {
	if c.TimeLabel != nil {
		return c.TimeLabel(t)
	}
	return t.Format("15:04")
}

// marker draws one point's shape, 4 units from its centre.
func marker(m Marker, class string, x, y float64) string {
	c := html.EscapeString(class)
	switch m {
	case Square:
		return fmt.Sprintf(`<rect class="marker %s" x="%s" y="%s" width="8" height="8"/>`, c, num(x-4), num(y-4))
	case Triangle:
		return fmt.Sprintf(`<polygon class="marker %s" points="%s,%s %s,%s %s,%s"/>`, c, num(x), num(y-5), num(x+5), num(y+4), num(x-5), num(y+4))
	case Diamond:
		return fmt.Sprintf(`<polygon class="marker %s" points="%s,%s %s,%s %s,%s %s,%s"/>`, c, num(x), num(y-5), num(x+5), num(y),
			num(x), num(y+5), num(x-5), num(y))
	}
	return fmt.Sprintf(`<circle class="marker %s" cx="%s" cy="%s" r="4"/>`, c, num(x), num(y))
}

// num writes a coordinate or a value with at most one decimal.
func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		return "0"
	}
	return s
}
