package e2e

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/store"
)

// TestSpravatoVisitFromGateToDischarge plays the demo's booked 84 mg
// Spravato visit through every step in the browser, with the server's clock
// moved forward between steps: check-in and the gate, the order, the
// preparation and its second check, the three devices with their countdown
// (an early device is refused), monitoring, the discharge checklist, and
// the REMS form's PDF.
func TestSpravatoVisitFromGateToDischarge(t *testing.T) {
	needChromium(t)
	t.Parallel()
	clock := ketaflow.NewFakeClock(time.Now())
	srv, _ := demoServerClock(t, store.SQLite, clock)
	ctx := browser(t, 1280, 1000)
	// A session idle for longer than the protocol allows (the clock jumps
	// here) has ended anyway; as logs in again.
	as := staffSwitcher(t, ctx, srv.URL)
	var visitURL string
	open := func() {
		t.Helper()
		do(t, ctx, chromedp.Navigate(visitURL), chromedp.WaitVisible(chromedp.ID("visit-state")))
	}
	setJS := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(() => {"+js+"; return true})()")); err != nil {
			t.Fatal(err)
		}
	}

	// The visit is booked for later today: move the clock to it.
	as("frontdesk")
	do(t, ctx, chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
		loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "Daniel O'Brien")]`))), chromedp.WaitVisible(chromedp.ID("check-in")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	visitURL, _, _ = strings.Cut(loc, "?")
	clock.Advance(85 * time.Minute)
	as("frontdesk")
	open()
	do(t, ctx, loads(chromedp.Click(chromedp.ID("check-in"))), notice("Checked in"),
		chromedp.SendKeys(chromedp.ID("driver_name"), "Kate O'Brien"),
		chromedp.SendKeys(chromedp.ID("driver_phone"), "+1 555 010 0152"),
		loads(chromedp.Submit(chromedp.ID("driver_phone"))), notice("Ride home recorded"),
		loads(chromedp.Click(chromedp.ID("tablet"))), chromedp.WaitVisible(chromedp.ID("questionnaire-form")))
	setJS(`document.querySelectorAll('fieldset.questionnaire .item').forEach((item, i) => item.querySelector('input[value="1"]').checked = true);
		document.querySelector('#phq9 .item:nth-of-type(9) input[value="0"]').checked = true`)
	do(t, ctx, loads(chromedp.Click(chromedp.CSS(`#questionnaire-form button[type=submit]`))), chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Thank you")]`)))

	// The nurse takes the tablet back with her own sign-in, to the visit.
	do(t, ctx, chromedp.SetValue(chromedp.ID("username"), "nurse"), chromedp.SendKeys(chromedp.ID("password"), "nurse-ketaflow"),
		loads(chromedp.Click(chromedp.ID("take-back"))), chromedp.WaitVisible(chromedp.ID("visit-state")))
	setJS(`const pad = n => String(n).padStart(2, '0');
		const ago = h => { const d = new Date(` + strconv.FormatInt(clock.Now().UnixMilli(), 10) + ` - h*3600e3);
			return d.getFullYear()+'-'+pad(d.getMonth()+1)+'-'+pad(d.getDate())+'T'+pad(d.getHours())+':'+pad(d.getMinutes()); };
		document.getElementById('last_solid_food').value = ago(4);
		document.getElementById('last_liquid').value = ago(1);
		document.getElementById('last_liquid_clear').value = 'yes'`)
	do(t, ctx, loads(chromedp.Submit(chromedp.ID("last_liquid"))), notice("Fasting answers recorded"),
		chromedp.SendKeys(chromedp.ID("systolic"), "128"), chromedp.SendKeys(chromedp.ID("diastolic"), "82"),
		chromedp.SendKeys(chromedp.ID("heart_rate"), "76"), chromedp.SendKeys(chromedp.ID("spo2"), "98"),
		chromedp.SendKeys(chromedp.ID("respiratory_rate"), "14"),
		loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
	if v := text(t, ctx, "#gate-verdict"); v != "dosing may start" {
		t.Fatalf("gate: %q\n%s", v, text(t, ctx, "#checklist"))
	}
	do(t, ctx, loads(chromedp.Click(chromedp.ID("clear"))), notice("Cleared for dosing"))

	as("prescriber")
	open()
	do(t, ctx, chromedp.SetValue(chromedp.ID("spravato_mg"), "84"),
		loads(chromedp.Submit(chromedp.ID("spravato_mg"))), notice("Order signed"))
	view(t, ctx, "40-spravato-ordered", "#dose")

	as("nurse")
	open()
	do(t, ctx, loads(chromedp.Click(chromedp.ID("prepare"))), notice("Preparation recorded"))
	view(t, ctx, "41-spravato-prepared", "#dose")
	as("nurse2")
	open()
	do(t, ctx, loads(chromedp.Click(chromedp.ID("verify"))), notice("Dose verified"))
	as("nurse")
	open()
	// One step starts dosing and records device 1.
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#start-dosing').length`)); n != 0 {
		t.Errorf("a cleared visit offers Start dosing beside the first dose")
	}
	do(t, ctx, loads(chromedp.Click(chromedp.ID("administer"))), notice("First dose recorded"))
	first := clock.Now()
	at := func(m int) time.Time { return first.Add(time.Duration(m) * time.Minute) }
	if c := text(t, ctx, "#device-countdown"); !strings.Contains(c, "Device 2 in 5:00") {
		t.Errorf("countdown right after device 1: %q", c)
	}
	view(t, ctx, "42-spravato-device-countdown", "")

	// One minute early the button waits with the countdown; a device sent
	// anyway (by a second tab, say) is refused with how long to wait.
	clock.Advance(4 * time.Minute)
	open()
	if disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('give-device').disabled`)); !disabled {
		t.Error("device 2 can be recorded a minute early")
	}
	setJS(`document.getElementById('give-device').disabled = false`)
	do(t, ctx, loads(chromedp.Click(chromedp.ID("give-device"))), chromedp.WaitVisible(chromedp.CSS(".problem")))
	if msg := text(t, ctx, ".problem"); !strings.Contains(strings.ToLower(msg), "device 2") {
		t.Errorf("early device message: %q", msg)
	}
	view(t, ctx, "43-spravato-device-early", "")
	clock.Advance(time.Minute)
	open()
	do(t, ctx, loads(chromedp.Click(chromedp.ID("give-device"))), notice("Device recorded"))
	clock.Advance(5 * time.Minute)
	open()
	do(t, ctx, loads(chromedp.Click(chromedp.ID("give-device"))), notice("Device recorded"))

	// Monitoring: vitals with sedation and dissociation on the schedule.
	for _, m := range []int{15, 30, 40, 45, 60, 75, 90, 105, 118} {
		clock.Set(at(m))
		as("nurse")
		open()
		sed, dis := "5", "no"
		if m <= 40 {
			sed, dis = "4", "yes"
		}
		do(t, ctx, chromedp.SendKeys(chromedp.ID("systolic"), "134"), chromedp.SendKeys(chromedp.ID("diastolic"), "84"),
			chromedp.SendKeys(chromedp.ID("heart_rate"), "80"), chromedp.SendKeys(chromedp.ID("spo2"), "97"),
			chromedp.SetValue(chromedp.ID("sedation"), sed), chromedp.SetValue(chromedp.ID("dissociation"), dis),
			loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
		if m == 40 {
			view(t, ctx, "44-spravato-at-40-min", "")
			do(t, ctx, loads(chromedp.Click(chromedp.ID("end-session"))), notice("monitored rest"))
		}
	}
	view(t, ctx, "45-spravato-before-120", "#discharge")
	if c := text(t, ctx, "#crit-min_time"); !strings.Contains(c, "not met") {
		t.Errorf("at 118 minutes the minimum time is %q", c)
	}
	setJS(`for (const k of ['activity','respiration','circulation','consciousness','oxygen_saturation'])
		document.querySelector('input[name="'+k+'"][value="2"]').checked = true`)
	do(t, ctx, loads(chromedp.Submit(chromedp.CSS(`input[name="activity"]`))), notice("Aldrete score recorded"))
	setJS(`for (const k of ['driver_present','aftercare_given']) document.querySelector('input[name="'+k+'"]').checked = true`)
	do(t, ctx, loads(chromedp.Submit(chromedp.CSS(`input[name="driver_present"]`))), notice("Going-home details saved"))
	setJS(`for (const k of ['benzodiazepines','non_benzodiazepine_sedative_hypnotics','psychostimulants','maois','opioids'])
		document.querySelector('input[name="'+k+'"][value="no"]').checked = true`)
	do(t, ctx, loads(chromedp.Submit(chromedp.CSS(`input[name="opioids"]`))), notice("Medications saved"))
	if disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('ready').disabled`)); !disabled {
		t.Error("Ready for discharge is enabled before 120 minutes")
	}
	clock.Set(at(121))
	as("nurse")
	open()
	view(t, ctx, "46-spravato-discharge-met", "#discharge")
	do(t, ctx, loads(chromedp.Click(chromedp.ID("ready"))), notice("Ready for discharge"),
		loads(chromedp.Click(chromedp.ID("discharge-btn"))),
		chromedp.WaitVisible(chromedp.Search(`//span[@id="visit-state" and contains(., "Discharged")]`)))
	if st := text(t, ctx, "#visit-state"); st != "Discharged" {
		t.Fatalf("after discharge the visit is %q", st)
	}
	view(t, ctx, "47-spravato-discharged", "")

	// The REMS form's PDF, fetched by the page with the nurse's session.
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("rems-pdf"), "href"))
	if err != nil || !href.Exists {
		t.Fatalf("no REMS PDF link: %v", err)
	}
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('`+href.Value+`').then(r => r.arrayBuffer()).then(b => {
		let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("the REMS form is not a PDF: %.40q", pdf)
	}
	if dir := os.Getenv("KETAFLOW_SCREENSHOTS"); dir != "" {
		path := filepath.Join(dir, "48-rems-form.pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("REMS form: %s", path)
	}
}
