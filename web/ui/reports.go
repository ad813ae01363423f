package ui

import (
	"fmt"
	"net/http"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/outcomes"
)

// The bar chart's geometry, in SVG user units: each group's name on a line
// of its own, then its two bars, each after its series' name, from 0 to
// 100%, with the figure after it. Narrow enough to stay readable on a
// phone.
const (
	chartLabelW = 78
	chartBarW   = 240
	chartValueW = 112
	chartBarH   = 14
	chartRowGap = 4
	chartNameH  = 18
	chartGroupH = chartNameH + 2*chartBarH + chartRowGap + 14
	chartTop    = 22
	chartBottom = 22
)

// chartBar is one bar: a rate with its interval, as drawn.
type chartBar struct {
	Series  string // "Response", "Remission": written beside the bar, so colour is not the only signal
	Class   string
	Y       int
	W       float64 // bar width
	Low     float64 // whisker from
	High    float64 // whisker to
	Defined bool
	Text    string // "40% (2 of 5)"
}

type chartGroup struct {
	Label  string
	Y      int // of the label's baseline
	Bars   []chartBar
	Groups app.OutcomeGroup
}

type chartTick struct {
	X     float64
	Label string
}

// chart is one grouping drawn as horizontal bars with their 95% intervals.
type chart struct {
	ID, Title string
	W, H      int
	LabelW    int
	BarX0     int
	Groups    []chartGroup
	Ticks     []chartTick
	// Guide, when set, marks the patient guide's remission claim.
	Guide          bool
	GuideX, GuideW float64
	AxisY          int
	ValueX         int
}

func barX(v float64) float64 { return chartLabelW + v*chartBarW }

func rateText(r app.Rate) string {
	if !r.Defined {
		return "none assessed"
	}
	return fmt.Sprintf("%.0f%% (%d of %d)", 100*float64(r.Count)/float64(r.Of), r.Count, r.Of)
}

func bar(series, class string, y int, r app.Rate) chartBar {
	b := chartBar{Series: series, Class: class, Y: y, Defined: r.Defined, Text: rateText(r)}
	if r.Defined {
		b.W = float64(r.Count) / float64(r.Of) * chartBarW
		b.Low, b.High = barX(r.Interval.Low), barX(r.Interval.High)
	}
	return b
}

func newChart(id, title string, groups []app.OutcomeGroup, guide bool) chart {
	c := chart{ID: id, Title: title, W: chartLabelW + chartBarW + chartValueW, LabelW: chartLabelW, BarX0: chartLabelW, Guide: guide}
	y := chartTop
	for _, g := range groups {
		cg := chartGroup{Label: g.Label, Y: y + 12, Groups: g}
		top := y + chartNameH
		cg.Bars = []chartBar{bar("Response", "bar-response", top, g.Response), bar("Remission", "bar-remission", top+chartBarH+chartRowGap, g.Remission)}
		c.Groups = append(c.Groups, cg)
		y += chartGroupH
	}
	c.AxisY = y
	c.H = y + chartBottom
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		c.Ticks = append(c.Ticks, chartTick{X: barX(v), Label: fmt.Sprintf("%.0f%%", v*100)})
	}
	c.ValueX = chartLabelW + chartBarW + 6
	c.GuideX = barX(outcomes.GuideRemission.Low)
	c.GuideW = (outcomes.GuideRemission.High - outcomes.GuideRemission.Low) * chartBarW
	return c
}

type reportsData struct {
	Report  app.OutcomesReport
	All     chart
	Charts  []chart
	Clinic  bool // the reader may download the per-course rows
	GuideLo string
	GuideHi string
}

func (h *UI) reportsPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	rep, err := h.app.ClinicOutcomes(r.Context(), actor)
	if err != nil {
		return err
	}
	d := reportsData{Report: rep, All: newChart("all", "All courses", []app.OutcomeGroup{rep.All}, true),
		Clinic:  access.Can(actor.Role, access.QuestionnaireRead),
		GuideLo: fmt.Sprintf("%.0f%%", outcomes.GuideRemission.Low*100), GuideHi: fmt.Sprintf("%.0f%%", outcomes.GuideRemission.High*100)}
	for _, g := range rep.Groupings {
		d.Charts = append(d.Charts, newChart(g.ID, g.Title, g.Groups, false))
	}
	v := h.newView(r, actor, "Outcomes report", "reports")
	v.Data = d
	return h.render(w, http.StatusOK, "reports", v)
}
