package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/devices"
)

// spark is the points of an SVG polyline of a vital over a monitor trend's
// readings: time runs left to right over the readings' span (at least a
// minute), the value bottom (lo) to top (hi), in a w×h box.
func spark(rs []app.MonitorReading, vital string, lo, hi, w, h int) string {
	v := devices.Vital(vital)
	var pts []app.MonitorReading
	for _, r := range rs {
		if r.Value(v) > 0 {
			pts = append(pts, r)
		}
	}
	if len(pts) == 0 {
		return ""
	}
	first, last := pts[0].TakenAt, pts[len(pts)-1].TakenAt
	span := max(last.Sub(first), time.Minute)
	start := last.Add(-span)
	var b strings.Builder
	for i, r := range pts {
		x := float64(w) * float64(r.TakenAt.Sub(start)) / float64(span)
		y := sparkY(r.Value(v), lo, hi, h)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64))
	}
	return b.String()
}

// sparkY is where a value sits in a box of height h, lo at the bottom.
func sparkY(value, lo, hi, h int) float64 {
	value = min(max(value, lo), hi)
	return float64(h) - float64(h)*float64(value-lo)/float64(hi-lo)
}

// chartable are the readings a nurse is offered to validate into the
// chart, newest first: every one with a blood pressure (what the vitals
// schedule counts) and the latest one.
func chartable(t *app.MonitorTrend) []app.MonitorReading {
	if t == nil {
		return nil
	}
	var out []app.MonitorReading
	for i, r := range t.Readings {
		if r.Value(devices.Systolic) > 0 || i == len(t.Readings)-1 {
			out = append(out, r)
		}
	}
	slices.Reverse(out)
	return out
}
