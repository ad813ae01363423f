package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow/store"
)

// TestCourseAndBookingPages: a demo patient part way through an IV course
// (three sessions done, today's fourth in monitored rest), as the front desk sees the
// course page and the booking form with the plan's next dates and free
// chairs; and the admin's consent forms. Screenshots at 1280×800 and
// 390×844.
func TestCourseAndBookingPages(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, a := demoServer(t, store.SQLite)
	found, err := a.SearchPatients(context.Background(), demoActor(t, a, "frontdesk"), "Nowak", 1)
	if err != nil || len(found) != 1 {
		t.Fatalf("find the demo's Patricia Nowak: %v %v", found, err)
	}
	pat := found[0].ID
	ctx := browser(t, 1280, 800)
	as := staffSwitcher(t, ctx, srv.URL)
	as("frontdesk")
	for _, s := range []struct {
		tag  string
		w, h int64
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		do(t, ctx, chromedp.EmulateViewport(s.w, s.h), chromedp.Navigate(srv.URL+"/patients/"+pat+"/courses"),
			chromedp.WaitVisible(chromedp.CSS(".course-next")))
		if got := text(t, ctx, "#progress-iv"); !strings.Contains(got, "4 of 6 sessions done") {
			t.Errorf("the course reads %q, want 4 of 6 done (three earlier, today in recovery)", got)
		}
		shot(t, ctx, "60-course-"+s.tag)
		do(t, ctx, chromedp.Navigate(srv.URL+"/patients/"+pat+"/book"), chromedp.WaitVisible(chromedp.CSS(".course-next")))
		shot(t, ctx, "61-book-"+s.tag)
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 800))
	as("admin")
	do(t, ctx, chromedp.Navigate(srv.URL+"/admin/consent"), chromedp.WaitVisible(chromedp.ID("form-iv")))
	view(t, ctx, "62-consent-forms", "")
}
