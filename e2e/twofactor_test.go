package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
)

// TestTwoFactorEnrolmentAndBreakGlassBanner: the demo clinic's admin
// requires prescribers' second factor; the prescriber's next sign-in sets
// up the authenticator from the page (the key read off it, as a person
// types it into their app) and lands on the board after the recovery
// codes; the admin breaks glass on a patient and the banner follows them.
// Screenshots at desktop, tablet and phone sizes.
func TestTwoFactorEnrolmentAndBreakGlassBanner(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, a := demoServer(t, store.SQLite)
	ctx := context.Background()
	var admin access.User
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		l, err := tx.UserByUsername("admin")
		admin = l.User
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	actor := admin.Actor("e2e")
	cur, err := a.Protocol(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.SaveProtocol(ctx, actor, cur.Number, map[string]string{"security.two_factor_prescribers": "yes"},
		"prescribers sign in with a code"); err != nil {
		t.Fatal(err)
	}

	b := browser(t, 1280, 800)
	sizes := atThreeSizes(t, b, srv.URL)
	do(t, b, login(srv.URL, "prescriber", "prescriber-ketaflow"), chromedp.WaitVisible(chromedp.ID("totp-qr")))
	sizes("20-two-factor-enrol", "/login/enrol", "")
	secret := strings.ReplaceAll(text(t, b, "#totp-secret"), " ", "")
	do(t, b, chromedp.SendKeys(chromedp.ID("code"), access.TOTPCode(secret, time.Now())),
		loads(chromedp.Submit(chromedp.ID("code"))), chromedp.WaitVisible(chromedp.ID("recovery-codes")))
	shot(t, b, "21-recovery-codes")
	if codes := text(t, b, "#recovery-codes"); len(strings.Fields(codes)) != access.RecoveryCodeCount {
		t.Errorf("recovery codes shown: %q", codes)
	}
	do(t, b, loads(chromedp.Click(chromedp.ID("recovery-continue"))), chromedp.WaitVisible(chromedp.ID("board")))

	// The admin breaks glass on a patient of the demo.
	g := browser(t, 1280, 800)
	sizes = atThreeSizes(t, g, srv.URL)
	do(t, g, login(srv.URL, "admin", "admin-ketaflow"), chromedp.WaitVisible(chromedp.ID("patient-list")),
		loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "James Whitfield")]`))),
		chromedp.WaitVisible(chromedp.CSS(".break-glass-open summary")),
		chromedp.Click(chromedp.CSS(".break-glass-open summary")),
		chromedp.SendKeys(chromedp.ID("glass-reason"), "Ambulance crew on the phone asks for his allergies"),
		loads(chromedp.Submit(chromedp.ID("glass-reason"))), chromedp.WaitVisible(chromedp.ID("break-glass-banner")))
	loc, err := chromedp.Run(g, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(loc, srv.URL)
	sizes("22-break-glass-banner", path, "")
	if banner := text(t, g, "#break-glass-banner"); !strings.Contains(banner, "James Whitfield") || !strings.Contains(banner, "Ambulance crew") {
		t.Errorf("banner: %q", banner)
	}
	if c := text(t, g, "#clinical"); !strings.Contains(c, "92.5 kg") {
		t.Errorf("clinical record under break-glass: %q", c)
	}
}
