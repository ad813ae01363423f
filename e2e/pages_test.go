package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/store"
)

// layoutProblems finds, on the page in the window, what the walk-through of
// issue 9 found: a nav link out of reach, a table cell cut off by the edge
// of its table's box (a hidden column), and a phase name cut short.
const layoutProblems = `(() => {
	const out = [];
	const W = document.documentElement.clientWidth;
	const visible = el => el.checkVisibility({contentVisibilityAuto: true}) && el.getBoundingClientRect().width > 0;
	document.querySelectorAll('nav[aria-label=Main] .nav a').forEach(a => {
		const r = a.getBoundingClientRect();
		if (!visible(a)) out.push('nav link not shown: ' + a.textContent.trim());
		else if (r.left < 0 || r.right > W + 1) out.push('nav link off the screen: ' + a.textContent.trim());
	});
	document.querySelectorAll('main table').forEach(t => {
		const box = (t.closest('.table-wrap') || t.parentElement).getBoundingClientRect();
		t.querySelectorAll('tbody td').forEach(td => {
			if (!visible(td) || !td.textContent.trim()) return;
			const r = td.getBoundingClientRect();
			if (r.right > box.right + 1 || r.left < box.left - 1 || r.right > W + 1)
				out.push('cell cut off in #' + t.id + ': ' + td.textContent.trim().slice(0, 30));
		});
	});
	document.querySelectorAll('.phase-bar li').forEach(li => {
		if (li.scrollWidth > li.clientWidth + 1) out.push('phase name cut: ' + li.textContent.trim());
	});
	if (document.documentElement.scrollWidth > W + 1) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + W);
	return out;
})()`

// TestPagesOnAPhoneAndATablet opens the pages the walk-through found wrong
// at the three sizes staff use (a tablet on its side and upright, a
// phone), checks that every destination of the nav is in reach, that no
// table hides a column, that no phase name is cut, and keeps a screenshot
// of each page at each size to look at.
func TestPagesOnAPhoneAndATablet(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, _ := demoServerClock(t, store.SQLite, ketaflow.NewFakeClock(time.Now()))
	pages := map[string][]string{
		"nurse": {"/visits", "/ledger", "lot", "visit:Yuki Tanaka", "visit:Kwame Mensah", "visit:Patricia Nowak", "/admin/protocol",
			"/reports", "patient:Yuki Tanaka"},
		"admin": {"/admin/users", "/admin/audit", "/reports"},
	}
	for _, size := range [][2]int{{1280, 800}, {800, 1280}, {390, 844}} {
		for _, role := range []string{"nurse", "admin"} {
			ctx := browser(t, size[0], size[1])
			do(t, ctx, login(srv.URL, role, role+"-ketaflow"), chromedp.WaitVisible(chromedp.CSS("h1")))
			for _, p := range pages[role] {
				name := p
				switch {
				case strings.HasPrefix(p, "visit:"):
					name = "visit-" + strings.ReplaceAll(strings.ToLower(p[6:]), " ", "-")
					do(t, ctx, chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
						loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "`+p[6:]+`")]`))), chromedp.WaitVisible(chromedp.ID("visit-state")))
				case strings.HasPrefix(p, "patient:"):
					name = "patient-" + strings.ReplaceAll(strings.ToLower(p[8:]), " ", "-")
					do(t, ctx, chromedp.Navigate(srv.URL+"/patients"), chromedp.WaitVisible(chromedp.ID("patient-list")),
						loads(chromedp.Click(chromedp.Search(`//a[contains(., "`+p[8:]+`")]`))), chromedp.WaitVisible(chromedp.ID("outcomes")))
				case p == "lot":
					do(t, ctx, chromedp.Navigate(srv.URL+"/ledger"), chromedp.WaitVisible(chromedp.ID("lot-list")),
						loads(chromedp.Click(chromedp.CSS(`#lot-list a[href^="/ledger/lots/"]`))), chromedp.WaitVisible(chromedp.ID("entries")))
				default:
					name = strings.ReplaceAll(strings.Trim(p, "/"), "/", "-")
					do(t, ctx, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("h1")))
				}
				if size[0] < 641 {
					// On a phone the nav is a Menu button; opened, every
					// page is in reach.
					do(t, ctx, chromedp.Click(chromedp.CSS(".nav-menu > summary")), chromedp.WaitVisible(chromedp.CSS(".nav-menu .nav")))
				}
				problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutProblems))
				if err != nil {
					t.Fatal(err)
				}
				if len(problems) > 0 {
					t.Errorf("%s %s at %dx%d: %s", role, p, size[0], size[1], strings.Join(problems, "; "))
				}
				shot(t, ctx, fmt.Sprintf("40-%s-%s-%dx%d", role, name, size[0], size[1]))
			}
		}
	}
}

// TestPhoneNavigationMenu: on a phone the main navigation is one Menu
// button that opens, by tap or keyboard, on every page the role may open,
// and says whether it is open; on a tablet every link shows without it.
func TestPhoneNavigationMenu(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, _ := demoServer(t, store.SQLite)
	want := []string{"Board", "Today", "My", "Patients", "Integration", "Alerts", "Reports", "Ledger", "REMS", "Protocol", "Account"} // "My work"
	phone := browser(t, 390, 844)
	do(t, phone, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)))
	shown := `[...document.querySelectorAll('nav[aria-label=Main] .nav a')].filter(a => a.checkVisibility() && a.getBoundingClientRect().width > 0).map(a => a.textContent.trim().split(/\s/)[0])`
	closed, err := chromedp.Run(phone, chromedp.Evaluate[[]string](shown))
	if err != nil {
		t.Fatal(err)
	}
	if len(closed) != 0 {
		t.Errorf("the closed menu shows %v", closed)
	}
	view(t, phone, "41-phone-menu-closed", "")
	// The keyboard: Tab to the Menu button (after the skip link and the
	// brand), Enter opens it.
	do(t, phone, chromedp.Focus(chromedp.CSS(".nav-menu > summary")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(".nav-menu .nav")))
	open, err := chromedp.Run(phone, chromedp.Evaluate[[]string](shown))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(open, ",") != strings.Join(want, ",") {
		t.Errorf("the open menu shows %v, want %v", open, want)
	}
	expanded, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.querySelector('.nav-menu').open`))
	if err != nil || !expanded {
		t.Errorf("the menu does not say it is open (%v)", err)
	}
	view(t, phone, "42-phone-menu-open", "")
	do(t, phone, loads(chromedp.Click(chromedp.CSS(`.nav a[href="/ledger"]`))), chromedp.WaitVisible(chromedp.ID("lot-list")))

	tablet := browser(t, 800, 1280)
	do(t, tablet, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)))
	all, err := chromedp.Run(tablet, chromedp.Evaluate[[]string](shown))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(all, ",") != strings.Join(want, ",") {
		t.Errorf("the tablet's nav shows %v, want every link %v", all, want)
	}
	if vis, _ := chromedp.Run(tablet, chromedp.Evaluate[bool](`document.querySelector('.nav-menu > summary').checkVisibility()`)); vis {
		t.Error("the tablet shows a Menu button")
	}
}
