package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/ui"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// unaudited are the routes that read no patient data, only what every
// role of the clinic may read (the caller, the clinic's settings, the
// protocol, the chairs, the caller's own tokens): a success writes no
// audit entry, so it cannot be judged by one. Every other route's successes
// are judged by the audit entries they write.
var unaudited = []string{
	"GET /api/v1/me", "GET /api/v1/questionnaires", "GET /{$}", "POST /logout", "GET /events", "GET /api/v1/board/events",
	"GET /api/v1/protocol", "GET /api/v1/protocol/params", "GET /api/v1/protocol/versions",
	"GET /api/v1/protocol/versions/{number}", "GET /api/v1/clinic", "GET /api/v1/chairs", "GET /api/v1/tokens",
}

// An audit entry's action outside the permission table: written by the
// system or for a step everyone may take on their own account.
func permitted(role access.Role, action string) bool {
	if !slices.Contains(access.Actions(), access.Action(action)) {
		return true // request.replay, login.*, questionnaire.link_submit, ...
	}
	return access.Can(role, access.Action(action))
}

// TestAuthorizationMatrix calls every route of the API's operations and of
// the pages' endpoint table as every role of clinic A, as clinic B's nurse
// on clinic A's records, as a patient (a questionnaire link's token, the
// clinic tablet in their hands), as a person whose password was right and
// whose authenticator code is still to come, as an admin reading a patient
// under break-glass (whose successes must still be the admin role's), and
// signed out. What each may do is not
// written here per route: every answer that succeeds must have written only
// audit entries whose action the permission table (access.Can) allows the
// role, every 403 must have written a denied entry, clinic B's nurse never
// succeeds on clinic A's record, and a patient or a stranger never reaches
// a route that needs a login.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := webtest.New(t, db)
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		pages, err := ui.New(f.App, log)
		if err != nil {
			t.Fatal(err)
		}
		visitID, _ := f.ReadyVisit()
		// A safety alert (PHQ-9 item 9) of clinic A.
		alertVisit := f.BookVisit(f.PatientA.ID)
		f.MoveVisit("frontdesk", alertVisit, "checked_in", "")
		phq9 := slices.Clone(webtest.CalmPHQ9)
		phq9[8] = 2
		f.AnswerTablet("nurse", alertVisit, phq9, webtest.CalmGAD7)
		var alerts struct {
			Alerts []struct {
				ID string `json:"id"`
			} `json:"alerts"`
		}
		f.API("nurse", "GET", "/api/v1/alerts", nil, &alerts)
		if len(alerts.Alerts) == 0 {
			t.Fatal("no alert to try the alert routes on")
		}
		var lot struct {
			ID string `json:"id"`
		}
		f.MustStatus(http.StatusCreated, "nurse", "POST", "/api/v1/lots", map[string]any{"drug": "ketamine",
			"concentration_mg_per_ml": 100, "ml_per_vial": 5, "lot_number": "K-MATRIX", "expiry": "2027-01-31", "packs": 2})
		var lots struct {
			Lots []struct {
				ID string `json:"id"`
			} `json:"lots"`
		}
		f.API("nurse", "GET", "/api/v1/lots", nil, &lots)
		lot.ID = lots.Lots[0].ID
		var chairs struct {
			Chairs []struct {
				ID string `json:"id"`
			} `json:"chairs"`
		}
		f.API("admin", "GET", "/api/v1/chairs", nil, &chairs)
		chairID := "00000000-0000-4000-8000-000000000001"
		if len(chairs.Chairs) > 0 {
			chairID = chairs.Chairs[0].ID
		}
		var link struct {
			URL string `json:"url"`
		}
		linkVisit := f.BookVisit(f.PatientA.ID)
		f.MoveVisit("frontdesk", linkVisit, "checked_in", "")
		f.API("frontdesk", "POST", "/api/v1/visits/"+linkVisit+"/links", nil, &link)
		linkToken := webtest.LinkToken(t, link.URL)
		// A token of the nurse's to revoke, so that no caller's own goes.
		if _, err := f.App.CreateAPITokenFromCommandLine(ctx, "nurse", "spare"); err != nil {
			t.Fatal(err)
		}
		var tokens struct {
			Tokens []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"tokens"`
		}
		f.API("nurse", "GET", "/api/v1/tokens", nil, &tokens)
		tokenID := ""
		for _, tk := range tokens.Tokens {
			if tk.Name == "spare" {
				tokenID = tk.ID
			}
		}
		// A nurse with an authenticator app, for the caller whose password
		// was right and whose code is still to come.
		halfway, err := f.App.AddUserFromCommandLine(ctx, f.ClinicA.ID, app.NewUser{Username: "halfway", Name: "Half Way",
			Role: access.Nurse, Password: webtest.Password})
		if err != nil {
			t.Fatal(err)
		}
		tf, err := f.App.StartTwoFactor(ctx, halfway.Actor("test"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.ConfirmTwoFactor(ctx, halfway.Actor("test"), access.TOTPCode(tf.Enrolment.Secret, f.Clock.Now())); err != nil {
			t.Fatal(err)
		}
		// An admin reading clinic A's patient under break-glass: it opens
		// what they read, never what they may do.
		glassAdmin, err := f.App.AddUserFromCommandLine(ctx, f.ClinicA.ID, app.NewUser{Username: "glass-admin", Name: "Glass Admin",
			Role: access.Admin, Password: webtest.Password})
		if err != nil {
			t.Fatal(err)
		}
		f.Users["glass-admin"] = glassAdmin
		if f.Tokens["glass-admin"], err = f.App.CreateAPITokenFromCommandLine(ctx, "glass-admin", "tests"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.OpenBreakGlass(ctx, glassAdmin.Actor("test"), f.PatientA.ID, "the matrix reads under break-glass"); err != nil {
			t.Fatal(err)
		}
		fill := func(pattern string) string {
			p := strings.TrimSuffix(pattern, "{$}")
			id := visitID
			switch {
			case strings.Contains(p, "/patients/{id}"):
				id = f.PatientA.ID
			case strings.Contains(p, "/alerts/{id}"):
				id = alerts.Alerts[0].ID
			case strings.Contains(p, "/lots/{id}"):
				id = lot.ID
			case strings.Contains(p, "/users/{id}"):
				id = f.Users["frontdesk"].ID
			case strings.Contains(p, "/chairs/{id}"):
				id = chairID
			case strings.Contains(p, "/tokens/{id}"):
				id = tokenID
			}
			r := strings.NewReplacer("{id}", id, "{number}", "1", "{instrument}", "phq9", "{token}", linkToken)
			return r.Replace(p)
		}

		type route struct {
			web.Endpoint
			api bool
		}
		var routes []route
		for _, ep := range api.New(f.App, log).Endpoints() {
			routes = append(routes, route{ep, true})
		}
		for _, ep := range pages.Endpoints() {
			routes = append(routes, route{ep, false})
		}
		// The routes that change who the caller is go last.
		slices.SortStableFunc(routes, func(a, b route) int {
			last := func(r route) bool {
				return strings.HasPrefix(r.Pattern, "/logout") || strings.Contains(r.Pattern, "/tablet") || strings.Contains(r.Pattern, "/tokens")
			}
			switch {
			case last(a) && !last(b):
				return 1
			case !last(a) && last(b):
				return -1
			}
			return 0
		})

		lastSeq := map[string]int64{}
		newEntries := func() []audit.Entry {
			var out []audit.Entry
			err := db.View(ctx, func(tx *store.Tx) error {
				for _, c := range []string{f.ClinicA.ID, f.ClinicB.ID, audit.SystemClinic} {
					es, err := tx.AuditEntries(c, store.AuditQuery{Limit: 100})
					if err != nil {
						return err
					}
					for _, e := range es {
						if e.Seq > lastSeq[c] {
							out = append(out, e)
						}
					}
					if len(es) > 0 && es[0].Seq > lastSeq[c] {
						lastSeq[c] = es[0].Seq
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		newEntries()

		noRedirect := func(jar http.CookieJar) *http.Client {
			return &http.Client{Jar: jar, Transport: f.Client.Transport,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
		type caller struct {
			name     string
			username string // a staff user, or ""
			role     access.Role
			other    bool   // clinic B on clinic A's records
			bearer   string // sent as a bearer token and as the login cookie
			tablet   bool   // a browser whose login was handed to the patient
			halfway  bool   // a browser whose password was right, its code still to come
		}
		callers := []caller{{name: "signed out"}, {name: "patient with the link token", bearer: linkToken}}
		for _, r := range access.StaffRoles {
			callers = append(callers, caller{name: string(r), username: string(r), role: r})
		}
		callers = append(callers, caller{name: "clinic B nurse", username: "nurse-b", role: access.Nurse, other: true})
		callers = append(callers, caller{name: "admin under break-glass", username: "glass-admin", role: access.Admin})
		callers = append(callers, caller{name: "patient holding the tablet", tablet: true})
		callers = append(callers, caller{name: "password right, code to come", halfway: true})

		send := func(c caller, rt route) (*http.Response, string) {
			path := fill(rt.Pattern)
			var body io.Reader
			ctype := ""
			if rt.Method != "GET" {
				if rt.api {
					body, ctype = strings.NewReader("{}"), "application/json"
				} else {
					body, ctype = strings.NewReader(""), "application/x-www-form-urlencoded"
				}
			}
			req, _ := http.NewRequest(rt.Method, f.Server.URL+path, body)
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			jar, _ := cookiejar.New(nil)
			client := noRedirect(jar)
			switch {
			case c.username != "" && rt.api:
				req.Header.Set("Authorization", "Bearer "+f.Tokens[c.username])
			case c.username != "":
				b := f.Login(c.username)
				client = noRedirect(b.Client.Jar)
			case c.bearer != "":
				req.Header.Set("Authorization", "Bearer "+c.bearer)
				req.AddCookie(&http.Cookie{Name: "ketaflow_login", Value: c.bearer})
			case c.tablet:
				b := f.Login("frontdesk")
				if resp := b.Post("/visits/"+linkVisit+"/tablet", nil); resp.Request.URL.Path != "/tablet" {
					t.Fatalf("hand-over ended at %s", resp.Request.URL)
				}
				client = noRedirect(b.Client.Jar)
			case c.halfway:
				b := &webtest.Browser{F: f, Client: &http.Client{Jar: jar, Transport: f.Client.Transport}}
				if resp := b.Post("/login", url.Values{"username": {"halfway"}, "password": {webtest.Password}}); resp.Request.URL.Path != "/login/code" {
					t.Fatalf("password of a user with an authenticator ended at %s", resp.Request.URL)
				}
				// Its sign-in secret as a bearer and as the login cookie, too.
				for _, ck := range jar.Cookies(req.URL) {
					if ck.Name == "ketaflow_signin" && rt.api {
						req.Header.Set("Authorization", "Bearer "+ck.Value)
					}
				}
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel() // the event stream ends here
			resp, err := client.Do(req.WithContext(ctx))
			if err != nil {
				t.Fatalf("%s %s: %v", rt.Method, path, err)
			}
			if !strings.HasSuffix(rt.Pattern, "/events") {
				io.Copy(io.Discard, resp.Body)
			}
			resp.Body.Close()
			return resp, path
		}

		successes, denials := 0, 0
		for _, rt := range routes {
			key := rt.Method + " " + rt.Pattern
			for _, c := range callers {
				if c.tablet || c.halfway {
					newEntries() // the hand-over's or the password's own entries
				}
				resp, path := send(c, rt)
				entries := newEntries()
				loc := resp.Header.Get("Location")
				ok := resp.StatusCode < 300 || (resp.StatusCode < 400 && !strings.HasPrefix(loc, "/login") && !strings.HasPrefix(loc, "/tablet"))
				what := fmt.Sprintf("%s %s as %s: %d", rt.Method, path, c.name, resp.StatusCode)
				if ok {
					successes++
				}
				if rt.Auth == web.Public {
					continue // the login form, the link, the tablet: anyone
				}
				if ok && c.username == "" {
					t.Errorf("%s: a route that needs a login answered without one", what)
					continue
				}
				if ok && c.other && strings.Contains(rt.Pattern, "{") && !strings.Contains(rt.Pattern, "{$}") && !strings.Contains(rt.Pattern, "{number}") &&
					!strings.Contains(rt.Pattern, "{instrument}") && !strings.Contains(rt.Pattern, "/tokens/") {
					t.Errorf("%s: clinic B's nurse succeeded on clinic A's record", what)
				}
				if ok {
					audited := false
					for _, e := range entries {
						if e.Outcome == audit.OK && e.UserID == f.Users[c.username].ID {
							audited = true
							if !permitted(c.role, e.Action) {
								t.Errorf("%s: succeeded with %s, which the %s role may not do", what, e.Action, c.role)
							}
						}
					}
					if !audited && !slices.Contains(unaudited, key) {
						t.Errorf("%s: succeeded without an audit entry", what)
					}
				}
				if resp.StatusCode == http.StatusForbidden && c.username != "" {
					denials++
					if !slices.ContainsFunc(entries, func(e audit.Entry) bool {
						return e.Outcome == audit.Denied && e.UserID == f.Users[c.username].ID
					}) {
						t.Errorf("%s: refused without a denied audit entry", what)
					}
				}
				// A role without a permission the route's audit names is refused.
				for _, e := range entries {
					if e.Outcome == audit.Denied && ok {
						t.Errorf("%s: succeeded although %s was denied", what, e.Action)
					}
				}
			}
		}
		t.Logf("%d routes x %d callers: %d successes, %d denials by role", len(routes), len(callers), successes, denials)
		if denials == 0 {
			t.Error("no route was refused to any role: the matrix is not being exercised")
		}
	})
}
