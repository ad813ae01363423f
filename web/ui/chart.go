package ui

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web/ui/plot"
)

// The patient chart's pictures: each chart drawn from the app's view (the
// scores with their bands, baseline and lines; a session's vitals with its
// protocol's alert limits), beside a table of the same numbers.

// scoreChart is one questionnaire over time, drawn.
type scoreChart struct {
	app.ScoreSeries
	// SVG is drawn for a wide screen, Narrow for a phone's: the page
	// shows one of them (app.css), so that the text of neither is too
	// small to read.
	SVG, Narrow template.HTML
}

// vitalsChart is one session's readings, drawn as two charts: blood
// pressure and heart rate on one scale, oxygen saturation on its own.
type vitalsChart struct {
	app.SessionVitals
	BP, BPNarrow     template.HTML
	SpO2, SpO2Narrow template.HTML
}

// chartWidth and chartHeight are the charts' SVG units; the page scales
// them to its width.
const (
	chartWidth  = 720
	chartHeight = 260
	phoneWidth  = 360
)

// narrowed is the chart drawn for a phone: narrower, with ids of its own.
func narrowed(c plot.Chart) plot.Chart {
	c.ID += "-narrow"
	c.Width = phoneWidth
	return c
}

func scoreCharts(series []app.ScoreSeries, loc *time.Location) []scoreChart {
	out := make([]scoreChart, 0, len(series))
	for _, s := range series {
		c := scorePlot(s, loc)
		// plot escapes every text it writes.
		out = append(out, scoreChart{ScoreSeries: s, SVG: template.HTML(c.SVG()), Narrow: template.HTML(narrowed(c).SVG())})
	}
	return out
}

// scorePlot is the chart of one questionnaire: its severity bands behind
// the line, the baseline, and for PHQ-9 the response and remission lines.
func scorePlot(s app.ScoreSeries, loc *time.Location) plot.Chart {
	c := plot.Chart{ID: "chart-" + s.Instrument, Title: s.Title + " over time", Width: chartWidth, Height: chartHeight,
		Min: 0, Max: float64(s.MaxTotal), TimeLabel: func(t time.Time) string { return t.In(loc).Format("2 Jan") }}
	var mins, maxes []int
	var labels []string
	for _, b := range s.Bands {
		mins, maxes, labels = append(mins, b.Min), append(maxes, b.Max), append(labels, b.Label)
	}
	c.Bands = plot.Bands(mins, maxes, labels)
	line := plot.Series{Name: s.Title, Marker: plot.Circle, Class: "series-0"}
	for _, p := range s.Points {
		line.Points = append(line.Points, plot.Point{At: p.At, Value: float64(p.Total)})
	}
	if n := len(s.Points); n > 0 {
		c.From, c.To = s.Points[0].At, s.Points[n-1].At
	}
	c.Series = []plot.Series{line}
	desc := []string{fmt.Sprintf("%d scores", len(s.Points))}
	if b := s.Baseline; b != nil {
		c.Rules = append(c.Rules, plot.Rule{Value: float64(b.Total), Label: fmt.Sprintf("baseline %d", b.Total), Class: "rule-baseline"})
		desc = append(desc, fmt.Sprintf("baseline %d on %s (the first score)", b.Total, b.At.In(loc).Format("2 Jan 2006")))
		if s.ResponseDropPercent > 0 {
			c.Rules = append(c.Rules, plot.Rule{Value: s.ResponseLine, Label: "response ≤ " + trimNum(s.ResponseLine), Class: "rule-response"})
			desc = append(desc, fmt.Sprintf("response at %s or below (%d%% below the baseline)", trimNum(s.ResponseLine), s.ResponseDropPercent))
		}
	}
	if s.RemissionBelow > 0 {
		c.Rules = append(c.Rules, plot.Rule{Value: float64(s.RemissionBelow), Label: fmt.Sprintf("remission < %d", s.RemissionBelow),
			Class: "rule-remission"})
		desc = append(desc, fmt.Sprintf("remission below %d", s.RemissionBelow))
	}
	if l := s.Latest(); l != nil {
		desc = append(desc, fmt.Sprintf("latest %d (%s) on %s", l.Total, l.Band, l.At.In(loc).Format("2 Jan 2006")))
	}
	c.Desc = s.Title + ": " + strings.Join(desc, "; ") + ". The table below lists every score."
	return c
}

func vitalsCharts(sessions []app.SessionVitals, loc *time.Location) []vitalsChart {
	out := make([]vitalsChart, 0, len(sessions))
	for _, s := range sessions {
		bp, spo2 := vitalsPlots(s, loc)
		out = append(out, vitalsChart{SessionVitals: s, BP: template.HTML(bp.SVG()), BPNarrow: template.HTML(narrowed(bp).SVG()),
			SpO2: template.HTML(spo2.SVG()), SpO2Narrow: template.HTML(narrowed(spo2).SVG())})
	}
	return out
}

// vitalsPlots are a session's charts: systolic, diastolic and heart rate
// with the in-session alert limits of its protocol, and SpO2 with its
// limit. Each series has its own marker shape.
func vitalsPlots(s app.SessionVitals, loc *time.Location) (bp, spo2 plot.Chart) {
	day := s.Day.In(loc).Format("2 Jan 2006")
	clock := func(t time.Time) string { return t.In(loc).Format("15:04") }
	var from, to time.Time
	if n := len(s.Readings); n > 0 {
		from, to = s.Readings[0].TakenAt, s.Readings[n-1].TakenAt
	}
	var marks []plot.Mark
	if f := s.FirstDoseAt; f != nil {
		// The first dose is marked where it falls among the readings.
		if from.IsZero() || f.Before(from) {
			from = *f
		}
		if f.After(to) {
			to = *f
		}
		marks = []plot.Mark{{At: *f, Label: "first dose " + clock(*f), Class: "mark-dose"}}
	}
	sys := plot.Series{Name: "systolic", Marker: plot.Triangle, Class: "series-0"}
	dia := plot.Series{Name: "diastolic", Marker: plot.Square, Class: "series-1"}
	hr := plot.Series{Name: "heart rate", Marker: plot.Circle, Class: "series-2"}
	ox := plot.Series{Name: "SpO2", Marker: plot.Diamond, Class: "series-3"}
	hi, lo, oxLo := 0, 1000, 100
	for _, r := range s.Readings {
		if r.HasBP() {
			sys.Points = append(sys.Points, plot.Point{At: r.TakenAt, Value: float64(r.Systolic)})
			dia.Points = append(dia.Points, plot.Point{At: r.TakenAt, Value: float64(r.Diastolic)})
			hi, lo = max(hi, r.Systolic), min(lo, r.Diastolic)
		}
		if r.HeartRate > 0 {
			hr.Points = append(hr.Points, plot.Point{At: r.TakenAt, Value: float64(r.HeartRate)})
			hi, lo = max(hi, r.HeartRate), min(lo, r.HeartRate)
		}
		if r.SpO2 > 0 {
			ox.Points = append(ox.Points, plot.Point{At: r.TakenAt, Value: float64(r.SpO2)})
			oxLo = min(oxLo, r.SpO2)
		}
	}
	l := s.Limits
	top := max(float64(hi), float64(l.SingleSystolicAbove)) + 10
	bottom := min(float64(lo), 60) - 10
	bp = plot.Chart{ID: "bp-" + s.VisitID, Title: "Blood pressure and heart rate, " + day, Width: chartWidth, Height: chartHeight,
		Min: max(bottom, 0), Max: top, From: from, To: to, Unit: "mmHg · bpm", TimeLabel: clock,
		Rules: []plot.Rule{
			{Value: float64(l.SingleSystolicAbove), Label: fmt.Sprintf("systolic > %d", l.SingleSystolicAbove), Class: "rule-limit"},
			{Value: float64(l.SustainedSystolicAbove), Label: fmt.Sprintf("systolic > %d ×2", l.SustainedSystolicAbove), Class: "rule-limit"},
			{Value: float64(l.HRAbove), Label: fmt.Sprintf("heart rate > %d", l.HRAbove), Class: "rule-limit-hr"},
			{Value: float64(l.SustainedDiastolicAbove), Label: fmt.Sprintf("diastolic > %d ×2", l.SustainedDiastolicAbove), Class: "rule-limit"},
		},
		Marks: marks, Series: []plot.Series{sys, dia, hr}}
	bp.Desc = fmt.Sprintf("%d readings from %s to %s. Alert limits: systolic above %d on one reading or above %d on two; diastolic above %d on one or above %d on two; heart rate above %d. "+
		"Triangles are systolic, squares diastolic, circles heart rate. The table below lists every reading.",
		len(s.Readings), clock(from), clock(to), l.SingleSystolicAbove, l.SustainedSystolicAbove, l.SingleDiastolicAbove,
		l.SustainedDiastolicAbove, l.HRAbove)
	if f := s.FirstDoseAt; f != nil {
		bp.Desc += " The first dose, at " + clock(*f) + ", is marked by a vertical line."
	}
	spo2 = plot.Chart{ID: "spo2-" + s.VisitID, Title: "Oxygen saturation, " + day, Width: chartWidth, Height: 180,
		Min: float64(min(oxLo, l.SpO2Below) - 4), Max: 100, From: from, To: to, Unit: "%", TimeLabel: clock,
		Rules: []plot.Rule{{Value: float64(l.SpO2Below), Label: fmt.Sprintf("SpO2 < %d%%", l.SpO2Below), Class: "rule-limit"}},
		Marks: marks, Series: []plot.Series{ox}}
	spo2.Desc = fmt.Sprintf("%d readings. Alert limit: below %d%%. Diamonds are SpO2. The table below lists every reading.", len(ox.Points), l.SpO2Below)
	return bp, spo2
}

// trimNum writes 7.5 as "7.5" and 10 as "10".
func trimNum(v float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", v), "0"), ".")
}
