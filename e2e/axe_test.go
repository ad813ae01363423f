package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// EnvAxe names axe-core's script (node_modules/axe-core/axe.min.js after
// `npm ci` at the repository's root; a relative path is from the root); CI sets it, so that the check runs
// there and fails rather than skips when the script is missing.
const EnvAxe = "KETAFLOW_TEST_AXE"

// axeSource is axe-core's script, or the reason the test skips.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv(EnvAxe)
	required := path != ""
	if path == "" {
		path = filepath.Join("node_modules", "axe-core", "axe.min.js")
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join("..", path) // from the repository's root; the test runs in e2e/
	}
	b, err := os.ReadFile(path)
	switch {
	case err != nil && required:
		t.Fatalf("%s=%s: %v", EnvAxe, path, err)
	case err != nil:
		t.Skip("axe-core not installed: run npm ci at the repository's root (package.json)")
	}
	return string(b)
}

// axeCheck runs axe-core on the page in the window (injected by the test,
// never served) and returns its serious and critical violations, each with
// the elements it found them on.
const axeCheck = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
	.filter(v => v.impact === 'serious' || v.impact === 'critical')
	.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' [' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ') + ']'))`

// axeLinks are the pages reached from a page that the check opens too, a
// two of each kind: a patient's chart, a visit, a lot, a protocol version.
var axeLinks = regexp.MustCompile(`^/(patients/[^/]+(/history|/amend|/book|/routes)?|visits/[^/]+(/summary|/aftercare)?|ledger/lots/[^/]+|admin/protocol/versions/\d+)$`)

// TestAccessibilityOfEveryPage opens every page each role may open (the
// navigation's, and a few of each kind linked from them), injects
// axe-core and fails on any serious or critical violation. The login page
// is checked before logging in.
func TestAccessibilityOfEveryPage(t *testing.T) {
	needChromium(t)
	src := axeSource(t)
	t.Parallel()
	clock := ketaflow.NewFakeClock(time.Now())
	srv, _ := demoServerClock(t, store.SQLite, clock)
	clock.Advance(20 * time.Minute) // the sessions have something due
	check := func(ctx context.Context, who, path string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+";true")); err != nil {
			t.Fatalf("inject axe-core on %s: %v", path, err)
		}
		found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeCheck, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("axe on %s: %v", path, err)
		}
		for _, v := range found {
			t.Errorf("%s %s: %s", who, path, v)
		}
	}
	ctx := browser(t, 1280, 800)
	do(t, ctx, chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible(chromedp.ID("username")))
	check(ctx, "anyone", "/login")
	// The check sees what it is for: an image with no text alternative
	// put on the page is a critical violation.
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const i = document.createElement('img');
		i.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; i.id = 'no-alt'; document.querySelector('main').append(i); })(); `+axeCheck,
		chromedp.EvalAwaitPromise))
	if err != nil || len(found) != 1 || !strings.Contains(found[0], "critical image-alt") {
		t.Fatalf("axe-core on an image without alt found %q (%v), want one critical image-alt", found, err)
	}
	for _, role := range []string{"nurse", "prescriber", "therapist", "frontdesk", "admin"} {
		t.Run(role, func(t *testing.T) {
			ctx := browser(t, 1280, 800)
			do(t, ctx, login(srv.URL, role, role+"-ketaflow"), chromedp.WaitVisible(chromedp.CSS("h1")))
			nav, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('nav[aria-label=Main] .nav a')].map(a => a.getAttribute('href'))`))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			queue := slices.Clone(nav)
			kinds := map[string]int{}
			for len(queue) > 0 {
				path := queue[0]
				queue = queue[1:]
				if seen[path] {
					continue
				}
				seen[path] = true
				do(t, ctx, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("h1")))
				check(ctx, role, path)
				links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main a[href^="/"]')].map(a => a.getAttribute('href'))`))
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range links {
					u, err := url.Parse(l)
					if err != nil || !axeLinks.MatchString(u.Path) || seen[u.Path] || strings.HasSuffix(u.Path, ".pdf") {
						continue
					}
					// Two of each kind of page are enough.
					kind := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f-]{27}|\d+$`).ReplaceAllString(u.Path, "ID")
					if kinds[kind] >= 2 {
						continue
					}
					kinds[kind]++
					queue = append(queue, u.Path)
				}
			}
			t.Logf("%s: %d pages checked", role, len(seen))
		})
	}
}

// history gives a demo patient four earlier weekly visits, each with its
// scores and two readings, closed at the gate ("not cleared"), so that the
// chart has a course to draw: PHQ-9 from 20 down to 4.
func history(t *testing.T, a *app.App, clock *ketaflow.FakeClock, patientID string) {
	t.Helper()
	ctx := context.Background()
	now := clock.Now()
	defer clock.Set(now)
	nurse, desk := demoActor(t, a, "nurse"), demoActor(t, a, "frontdesk")
	phq := [][]int{{3, 3, 2, 2, 2, 3, 2, 2, 1}, {2, 2, 2, 2, 2, 2, 2, 1, 0}, {2, 2, 1, 1, 1, 2, 1, 1, 0}, {1, 1, 1, 1, 1, 1, 1, 1, 0}, {1, 1, 0, 0, 1, 0, 1, 0, 0}}
	gad := [][]int{{2, 2, 2, 2, 1, 2, 2}, {2, 2, 2, 1, 1, 1, 2}, {1, 2, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 1, 1}, {1, 1, 0, 1, 0, 0, 1}}
	for i := range phq {
		clock.Set(now.AddDate(0, 0, -7*(len(phq)-i)))
		v, err := a.BookVisit(ctx, desk, visits.Booking{PatientID: patientID, Route: "iv", ScheduledAt: clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		id := v.Visit.ID
		if _, err := a.MoveVisit(ctx, desk, id, visits.CheckedIn, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.SubmitQuestionnaires(ctx, nurse, id, map[string][]int{intake.PHQ9ID: phq[i], intake.GAD7ID: gad[i]}); err != nil {
			t.Fatal(err)
		}
		for j, r := range []vitals.Reading{{Systolic: 132 + 3*i, Diastolic: 84, HeartRate: 78, SpO2: 97}, {Systolic: 186, Diastolic: 104 + i, HeartRate: 96, SpO2: 95}} {
			clock.Advance(time.Duration(j*10) * time.Minute)
			if _, _, err := a.RecordVitals(ctx, nurse, id, app.VitalsInput{Reading: &r}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.MoveVisit(ctx, nurse, id, visits.NotCleared, "blood pressure stayed high after rest"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestChartAndWorklistScreens keeps screenshots of a patient's chart
// (with a course of scores) and of the nurse's and prescriber's worklists
// at the wall screen's, the desktop's and the phone's sizes, and checks
// them for what the walk-through looked for: nothing cut off, nothing
// wider than the screen.
func TestChartAndWorklistScreens(t *testing.T) {
	needChromium(t)
	t.Parallel()
	clock := ketaflow.NewFakeClock(time.Now())
	srv, a := demoServerClock(t, store.SQLite, clock)
	var pid string
	list, err := a.SearchPatients(context.Background(), demoActor(t, a, "nurse"), "Yuki Tanaka", 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("Yuki Tanaka: %v %v", list, err)
	}
	pid = list[0].ID
	history(t, a, clock, pid)
	clock.Advance(21 * time.Minute)
	// One window per role, its viewport set to each size in turn: a login
	// and a demo clinic cost more than a screenshot.
	for _, role := range []string{"nurse", "prescriber"} {
		ctx := browser(t, 1920, 1080)
		do(t, ctx, login(srv.URL, role, role+"-ketaflow"), chromedp.WaitVisible(chromedp.CSS("h1")))
		for _, size := range [][2]int64{{1920, 1080}, {1280, 800}, {390, 844}} {
			do(t, ctx, chromedp.EmulateViewport(size[0], size[1]))
			for _, p := range []string{"/patients/" + pid, "/worklist"} {
				do(t, ctx, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("h1")))
				if size[0] < 641 {
					do(t, ctx, chromedp.Click(chromedp.CSS(".nav-menu > summary")), chromedp.WaitVisible(chromedp.CSS(".nav-menu .nav")))
				}
				problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutProblems))
				if err != nil {
					t.Fatal(err)
				}
				if len(problems) > 0 {
					t.Errorf("%s %s at %dx%d: %s", role, p, size[0], size[1], strings.Join(problems, "; "))
				}
				name := "chart"
				if p == "/worklist" {
					name = "worklist"
				}
				shot(t, ctx, fmt.Sprintf("50-%s-%s-%dx%d", name, role, size[0], size[1]))
			}
		}
	}
}
