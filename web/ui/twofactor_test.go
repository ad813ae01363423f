package ui_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// browser is a fresh browser of the fixture, signed in to nothing.
func (f *fixture) browser() *webtest.Browser {
	jar, _ := cookiejar.New(nil)
	return &webtest.Browser{F: f.Fixture, Client: &http.Client{Jar: jar, Transport: f.Client.Transport}}
}

// cookie is the value of a browser's cookie (or "").
func cookie(f *fixture, b *webtest.Browser, name string) string {
	u, _ := url.Parse(f.Server.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// enrolSecret reads the authenticator's key from the enrolment page and
// checks that its QR code is a PNG in a data: URL (what the CSP allows).
func enrolSecret(t *testing.T, doc *goquery.Document) string {
	t.Helper()
	src, _ := doc.Find("img#totp-qr").Attr("src")
	data, ok := strings.CutPrefix(src, "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR code src %.40q: want a PNG data: URL", src)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatalf("QR code: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() < 200 {
		t.Fatalf("QR code is not a PNG of at least 200 px: %v", err)
	}
	if alt, _ := doc.Find("img#totp-qr").Attr("alt"); alt == "" {
		t.Error("QR code has no text alternative")
	}
	secret := strings.ReplaceAll(doc.Find("#totp-secret").Text(), " ", "")
	if len(secret) != 32 {
		t.Fatalf("key in text %q: want 32 characters", secret)
	}
	return secret
}

func loginAuditDetails(t *testing.T, f *fixture, user string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for _, action := range []string{"auth.login", "auth.password"} {
		es, err := f.App.SearchAudit(context.Background(), f.Actor("admin"), app.AuditQuery{Action: action})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Username == user {
				out = append(out, e)
			}
		}
	}
	return out
}

func hasEntry(es []audit.Entry, outcome, detail string) bool {
	for _, e := range es {
		if e.Outcome == outcome && strings.Contains(e.Detail, detail) {
			return true
		}
	}
	return false
}

// TestTwoFactorEnrolmentSignInReplayAndRecoveryCodes follows a prescriber
// through the clinic's default: enrolment forced after the password, the
// first code, the recovery codes shown once, a replayed code refused, the
// next step's code accepted, each recovery code taken once, and wrong
// codes slowed down with wrong passwords.
func TestTwoFactorEnrolmentSignInReplayAndRecoveryCodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db, webtest.TwoFactor())
		b := f.browser()
		resp, doc := b.PostDoc("/login", url.Values{"username": {"prescriber"}, "password": {webtest.Password}, "next": {"/ledger"}})
		if resp.Request.URL.Path != "/login/enrol" || resp.StatusCode != http.StatusOK {
			t.Fatalf("password of a prescriber with no authenticator: ended at %s (%d), want /login/enrol", resp.Request.URL, resp.StatusCode)
		}
		secret := enrolSecret(t, doc)
		challenge := cookie(f, b, "ketaflow_signin")
		if challenge == "" || cookie(f, b, "ketaflow_login") != "" {
			t.Fatalf("after the password: sign-in cookie %q, login cookie %q; want only the sign-in's", challenge, cookie(f, b, "ketaflow_login"))
		}

		// Nothing else opens before enrolment: no page, no API, not the
		// code page, and the challenge is no bearer token.
		for _, p := range []string{"/board", "/patients", "/account", "/ledger"} {
			if resp, _ := b.Get(p); resp.Request.URL.Path != "/login" {
				t.Errorf("GET %s before enrolment: ended at %s, want /login", p, resp.Request.URL.Path)
			}
		}
		if resp, _ := b.Get("/login/code"); resp.Request.URL.Path != "/login/enrol" {
			t.Errorf("GET /login/code of an enrolment: ended at %s", resp.Request.URL.Path)
		}
		req, _ := http.NewRequest("GET", f.Server.URL+"/api/v1/patients", nil)
		req.Header.Set("Authorization", "Bearer "+challenge)
		if resp, err := f.Client.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the sign-in's secret as a bearer token: %v %v, want 401", resp.Status, err)
		}
		// The page shows the same key when opened again.
		if _, again := b.Get("/login/enrol?next=/ledger"); enrolSecret(t, again) != secret {
			t.Error("the enrolment page made a new key when opened again")
		}

		resp, doc = b.PostDoc("/login/enrol", url.Values{"code": {"000000"}, "next": {"/ledger"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(doc.Find(".problem").Text(), "code is wrong") {
			t.Errorf("wrong first code: %d %q", resp.StatusCode, doc.Find(".problem").Text())
		}
		code := access.TOTPCode(secret, f.Clock.Now())
		resp, doc = b.PostDoc("/login/enrol", url.Values{"code": {code}, "next": {"/ledger"}})
		codes := doc.Find("#recovery-codes code").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
		if resp.StatusCode != http.StatusOK || len(codes) != access.RecoveryCodeCount {
			t.Fatalf("first code: %d, %d recovery codes shown, want 200 and %d", resp.StatusCode, len(codes), access.RecoveryCodeCount)
		}
		login := cookie(f, b, "ketaflow_login")
		if login == "" || login == challenge || cookie(f, b, "ketaflow_signin") != "" {
			t.Fatalf("after the first code: login %q, sign-in %q: want a new login secret and the sign-in gone", login, cookie(f, b, "ketaflow_signin"))
		}
		if href, _ := doc.Find("#recovery-continue").Attr("href"); href != "/ledger" {
			t.Errorf("continue goes to %q, want the page asked for, /ledger", href)
		}
		if resp, _ := b.Get("/ledger"); resp.Request.URL.Path != "/ledger" {
			t.Fatalf("signed in after enrolment: /ledger ended at %s", resp.Request.URL.Path)
		}
		if _, acct := b.Get("/account"); !strings.Contains(acct.Find("#two-factor-status").Text(), "10 recovery codes left") {
			t.Errorf("account says %q", acct.Find("#two-factor-status").Text())
		}
		// The challenge, once answered, opens nothing again.
		if resp := b.Post("/login/enrol", url.Values{"code": {code}}); resp.Request.URL.Path == "/board" {
			t.Error("the answered sign-in took a code again")
		}

		signIn := func(b *webtest.Browser) {
			t.Helper()
			b.Post("/logout", nil)
			if resp := b.Post("/login", url.Values{"username": {"prescriber"}, "password": {webtest.Password}}); resp.Request.URL.Path != "/login/code" {
				t.Fatalf("password of an enrolled prescriber: ended at %s, want /login/code", resp.Request.URL.Path)
			}
		}
		// The same code again, in the same 30 seconds: refused.
		signIn(b)
		resp, doc = b.PostDoc("/login/code", url.Values{"code": {code}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(doc.Find(".problem").Text(), "used already") {
			t.Errorf("replayed code: %d %q, want 400 used already", resp.StatusCode, doc.Find(".problem").Text())
		}
		f.Clock.Advance(access.TOTPPeriod)
		next := access.TOTPCode(secret, f.Clock.Now())
		if resp := b.Post("/login/code", url.Values{"code": {next}}); resp.Request.URL.Path != "/board" {
			t.Fatalf("next step's code: ended at %s, want /board", resp.Request.URL.Path)
		}
		if again := cookie(f, b, "ketaflow_login"); again == login {
			t.Error("the second sign-in kept the first login's secret")
		}

		// Each recovery code once.
		signIn(b)
		if resp := b.Post("/login/code", url.Values{"code": {strings.ToUpper(codes[0])}}); resp.Request.URL.Path != "/board" {
			t.Fatalf("recovery code: ended at %s", resp.Request.URL.Path)
		}
		signIn(b)
		if resp := b.Post("/login/code", url.Values{"code": {codes[0]}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a recovery code used twice: %d, want 400", resp.StatusCode)
		}
		if resp := b.Post("/login/code", url.Values{"code": {codes[1]}}); resp.Request.URL.Path != "/board" {
			t.Errorf("another recovery code: ended at %s", resp.Request.URL.Path)
		}

		// Wrong codes count with wrong passwords: the sixth waits, right
		// or not, and the wait passes.
		signIn(b)
		for i := range 5 {
			if resp := b.Post("/login/code", url.Values{"code": {"111111"}}); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("wrong code %d: %d, want 400", i+1, resp.StatusCode)
			}
		}
		f.Clock.Advance(access.TOTPPeriod)
		right := access.TOTPCode(secret, f.Clock.Now())
		b.Post("/login/code", url.Values{"code": {"222222"}})
		if resp := b.Post("/login/code", url.Values{"code": {right}}); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("right code after 6 wrong ones: %d, want 429", resp.StatusCode)
		}
		f.Clock.Advance(2 * time.Second)
		if resp := b.Post("/login/code", url.Values{"code": {right}}); resp.Request.URL.Path != "/board" {
			t.Errorf("right code once the wait passed: ended at %s", resp.Request.URL.Path)
		}

		es := loginAuditDetails(t, f, "prescriber")
		for _, want := range []struct{ outcome, detail string }{
			{audit.OK, "required for the role"}, {audit.OK, "set up an authenticator app at sign-in"},
			{audit.Failed, "a replay"}, {audit.OK, "signed in with the authenticator code"},
			{audit.OK, "recovery code (9 left)"}, {audit.Failed, "wrong authenticator or recovery code"}, {audit.Failed, "throttled"},
		} {
			if !hasEntry(es, want.outcome, want.detail) {
				t.Errorf("no %s audit entry saying %q", want.outcome, want.detail)
			}
		}
		for _, e := range es {
			for _, secretText := range append([]string{secret, code, next}, codes...) {
				if strings.Contains(e.Detail, secretText) {
					t.Errorf("audit entry %q holds a secret or code", e.Detail)
				}
			}
		}
	})
}

// TestTwoFactorRequiredByTheClinic: turning the setting on for a role ends
// the logins opened by a password alone and sends the next sign-in to
// enrolment; an enrolment from the account page, and a sign-in that takes
// a tablet back, go through the code too. Turning it off lets an enrolled
// person keep their code.
func TestTwoFactorRequiredByTheClinic(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		nurse := f.Login("nurse")
		therapist := f.Login("therapist")

		// The therapist sets up an app on their own, from the account page.
		resp, doc := therapist.PostDoc("/account/two-factor", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("set up from the account page: %d", resp.StatusCode)
		}
		tSecret := enrolSecret(t, doc)
		resp, doc = therapist.PostDoc("/account/two-factor/confirm", url.Values{"code": {"123"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(doc.Find(".problem").Text(), "6 digits") {
			t.Errorf("a 3-digit code: %d %q, want 400 asking for 6 digits", resp.StatusCode, doc.Find(".problem").Text())
		}
		resp, doc = therapist.PostDoc("/account/two-factor/confirm", url.Values{"code": {access.TOTPCode(tSecret, f.Clock.Now())}})
		if n := doc.Find("#recovery-codes code").Length(); resp.StatusCode != http.StatusOK || n != access.RecoveryCodeCount {
			t.Fatalf("confirm from the account page: %d with %d codes", resp.StatusCode, n)
		}

		cur, err := f.App.Protocol(ctx, f.Actor("admin"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.App.SaveProtocol(ctx, f.Actor("admin"), cur.Number, map[string]string{"security.two_factor_other_staff": "yes"},
			"every member of staff signs in with a code"); err != nil {
			t.Fatal(err)
		}
		if resp, _ := nurse.Get("/patients"); resp.Request.URL.Path != "/login" {
			t.Errorf("the nurse's password-only login after the clinic required a code: ended at %s, want /login", resp.Request.URL.Path)
		}
		resp = nurse.Post("/login", url.Values{"username": {"nurse"}, "password": {webtest.Password}})
		if resp.Request.URL.Path != "/login/enrol" {
			t.Errorf("the nurse's next sign-in: ended at %s, want /login/enrol", resp.Request.URL.Path)
		}
		// The therapist's login was opened before they enrolled, by a
		// password alone: it ends too; their code signs in.
		if resp, _ := therapist.Get("/patients"); resp.Request.URL.Path != "/login" {
			t.Errorf("the therapist's password-only login: ended at %s", resp.Request.URL.Path)
		}
		f.Clock.Advance(access.TOTPPeriod)
		therapist.Post("/login", url.Values{"username": {"therapist"}, "password": {webtest.Password}})
		if resp := therapist.Post("/login/code", url.Values{"code": {access.TOTPCode(tSecret, f.Clock.Now())}}); resp.Request.URL.Path != "/integration" {
			t.Errorf("the therapist's code: ended at %s", resp.Request.URL.Path)
		}
		// API tokens are made by a signed-in person and are not asked for
		// a code.
		if resp := f.API("nurse", "GET", "/api/v1/patients", nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("the nurse's API token after the clinic required a code: %d, want 200", resp.StatusCode)
		}
	})
}

// TestDisablingAUserEndsEveryLoginTokenAndSignIn: an admin deactivating an
// account ends its browser logins, its API tokens and a sign-in waiting
// for its code.
func TestDisablingAUserEndsEveryLoginTokenAndSignIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db, webtest.TwoFactor())
		ctx := context.Background()
		// The nurse is signed in on one browser and half-way through a
		// sign-in (enrolled, at the code) on another.
		nurse := f.Login("nurse")
		tf, err := f.App.StartTwoFactor(ctx, f.Actor("nurse"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.ConfirmTwoFactor(ctx, f.Actor("nurse"), access.TOTPCode(tf.Enrolment.Secret, f.Clock.Now())); err != nil {
			t.Fatal(err)
		}
		pending := f.browser()
		if resp := pending.Post("/login", url.Values{"username": {"nurse"}, "password": {webtest.Password}}); resp.Request.URL.Path != "/login/code" {
			t.Fatalf("enrolled nurse's password: ended at %s", resp.Request.URL.Path)
		}
		off := false
		if _, err := f.App.UpdateUser(ctx, f.Actor("admin"), f.Users["nurse"].ID, app.UserChange{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if resp, _ := nurse.Get("/patients"); resp.Request.URL.Path != "/login" {
			t.Errorf("the disabled nurse's login: ended at %s, want /login", resp.Request.URL.Path)
		}
		if resp := f.API("nurse", "GET", "/api/v1/patients", nil, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the disabled nurse's API token: %d, want 401", resp.StatusCode)
		}
		f.Clock.Advance(access.TOTPPeriod)
		if resp := pending.Post("/login/code", url.Values{"code": {access.TOTPCode(tf.Enrolment.Secret, f.Clock.Now())}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the disabled nurse's sign-in at the code: %d at %s, want 401", resp.StatusCode, resp.Request.URL.Path)
		}
	})
}

// TestTakingTheTabletBackAsksForTheCode: a sign-in that takes the clinic
// tablet back from a patient goes through the code like any other, then
// returns to the visit.
func TestTakingTheTabletBackAsksForTheCode(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db, webtest.TwoFactor())
		ctx := context.Background()
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires, webtest.FactRide)
		visit := "/visits/" + id
		b := f.Login("frontdesk")
		if resp := b.Post(visit+"/tablet", nil); resp.Request.URL.Path != "/tablet" {
			t.Fatalf("hand-over ended at %s", resp.Request.URL)
		}
		// Front desk has an authenticator of their own.
		tf, err := f.App.StartTwoFactor(ctx, f.Actor("frontdesk"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.ConfirmTwoFactor(ctx, f.Actor("frontdesk"), access.TOTPCode(tf.Enrolment.Secret, f.Clock.Now())); err != nil {
			t.Fatal(err)
		}
		resp := b.Post("/tablet/return", url.Values{"username": {"frontdesk"}, "password": {webtest.Password}})
		if resp.Request.URL.Path != "/login/code" || cookie(f, b, "ketaflow_tablet") != "" {
			t.Fatalf("taking the tablet back: ended at %s, tablet cookie %q; want the code page and the tablet back",
				resp.Request.URL.Path, cookie(f, b, "ketaflow_tablet"))
		}
		f.Clock.Advance(access.TOTPPeriod)
		resp = b.Post("/login/code", url.Values{"code": {access.TOTPCode(tf.Enrolment.Secret, f.Clock.Now())},
			"next": {resp.Request.URL.Query().Get("next")}})
		if resp.Request.URL.Path != visit {
			t.Errorf("after the code: ended at %s, want the visit %s", resp.Request.URL, visit)
		}
	})
}
