package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/demo"
	"github.com/ketaflow/ketaflow/devices"
	"github.com/ketaflow/ketaflow/store"
)

// TestMonitorDesaturationReachesTheBoardAndANurseChartsAReading: the demo's
// first chair in session desaturates on its monitor for 30 s; the board
// shows the low SpO2 in words and the alert; the nurse opens the visit,
// validates the monitor's blood pressure into the chart, and the vital
// signs table has it. The admin's Monitors page lists the monitors.
func TestMonitorDesaturationReachesTheBoardAndANurseChartsAReading(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, a := demoServer(t, store.SQLite)
	bg := context.Background()
	beds, err := demo.ActiveBeds(bg, a)
	if err != nil || len(beds) == 0 {
		t.Fatalf("active beds %v, %v", beds, err)
	}
	cs, err := a.Clinics(bg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var rs []devices.Reading
	for s := 60; s >= 0; s -= 5 {
		v := map[devices.Vital]int{devices.SpO2: 97, devices.PulseRate: 76}
		if s <= 30 {
			v = map[devices.Vital]int{devices.SpO2: 88, devices.PulseRate: 94}
		}
		if s == 45 {
			v[devices.Systolic], v[devices.Diastolic], v[devices.MeanPressure] = 126, 80, 95
		}
		rs = append(rs, devices.Reading{Monitor: beds[0].Key, TakenAt: now.Add(-time.Duration(s) * time.Second), Values: v})
	}
	got, err := a.IngestMessage(bg, app.MonitorActor(cs[0].ID, "127.0.0.1:1"), app.Batch{Source: "hl7", Sender: "SIM^E2E", MessageID: "E2E1", Readings: rs})
	if err != nil || got.Assigned != len(rs) || got.Alerts != 1 {
		t.Fatalf("ingest %+v, %v; want every reading with the visit and the alert raised", got, err)
	}

	ctx := browser(t, 1280, 900)
	as := staffSwitcher(t, ctx, srv.URL)
	sizes := atThreeSizes(t, ctx, srv.URL)
	as("nurse")
	do(t, ctx, chromedp.Navigate(srv.URL+"/board"), chromedp.WaitVisible(chromedp.CSS(".monitor-low")))
	tile := text(t, ctx, ".tile:has(.monitor-low)")
	for _, want := range []string{"SpO2 88%", "below 92%", "Oxygen saturation low on the monitor"} {
		if !strings.Contains(tile, want) {
			t.Errorf("the desaturating chair's tile does not say %q:\n%s", want, tile)
		}
	}
	sizes("40-board-monitor", "/board", ".monitor-low")

	do(t, ctx, loads(chromedp.Click(chromedp.CSS(".tile:has(.monitor-low) a.tile-patient"))), chromedp.WaitVisible(chromedp.ID("monitor")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	sizes("41-visit-monitor", strings.TrimPrefix(loc, srv.URL), "#monitor")
	do(t, ctx, loads(chromedp.Click(chromedp.Search(`//tr[td[contains(., "126/80")]]//button`))), chromedp.WaitVisible(chromedp.ID("monitor")))
	if row := text(t, ctx, "#monitor-list"); !strings.Contains(row, "charted") {
		t.Errorf("the validated reading is not marked charted:\n%s", row)
	}
	if vs := text(t, ctx, "#vitals-list"); !strings.Contains(vs, "126/80") {
		t.Errorf("the chart's vital signs do not have the monitor's 126/80:\n%s", vs)
	}
	view(t, ctx, "42-visit-validated", "#vitals")

	as("admin")
	do(t, ctx, chromedp.Navigate(srv.URL+"/admin/monitors"), chromedp.WaitVisible(chromedp.ID("monitor-list")))
	if ms := text(t, ctx, "#monitor-list"); !strings.Contains(ms, "INFUSION^^BED1") {
		t.Errorf("the Monitors page does not list the demo's monitors:\n%s", ms)
	}
	sizes("43-admin-monitors", "/admin/monitors", "")
}
