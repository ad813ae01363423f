package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// One request is one transaction, one audit entry, one view (issue 7):
// every write endpoint of the API is driven once, successfully, and must
// commit exactly one write transaction and one audit entry, and answer with
// what a fresh read shows at the same instant of the fake clock.

// writeWorld is what the cases build on, in order: the fixture and the ids
// the earlier cases made.
type writeWorld struct {
	t  *testing.T
	f  *fixture
	db *store.DB

	chair, user, token, patient, lot, iv, alert, spravato, waste, incomplete, request, checkIn string
	monitor                                                                                    string
	sessionAlerts                                                                              string    // an IV visit whose readings raise alerts
	sentences                                                                                  []string  // the free text the cases sent (reasons, plans, notes)
	first                                                                                      time.Time // the IV's first dose
	sprayFirst                                                                                 time.Time // the Spravato visit's first device
}

// writeRequest is what a case sends.
type writeRequest struct {
	path string
	body any
}

// writeCase drives one write endpoint. prepare brings the world to where
// the write can be made (its own requests are not counted) and names the
// request; check compares the answer with a fresh read.
type writeCase struct {
	endpoint string // method and pattern, as the endpoint table names it
	user     string
	status   int
	compares string // what the check compares, in words
	prepare  func(w *writeWorld) writeRequest
	check    func(w *writeWorld, answer any)
}

func TestEveryWriteIsOneTransactionOneAuditEntryAndAnswersWhatAReadShows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		f.addStaff("admin2", access.Admin)
		// A monitoring gateway's token: device ingest (and read, for the
		// check of its last use), not write.
		f.addStaff("gateway", access.Nurse)
		var err error
		if f.Tokens["gateway"], err = f.App.CreateAPITokenFromCommandLine(context.Background(), "gateway", "monitor gateway", "read", "device"); err != nil {
			t.Fatal(err)
		}
		w := &writeWorld{t: t, f: f, db: db}
		// The endpoints of a server on the training clock (serve --demo
		// --clock manual) are taken on one, over a database of its own.
		tdb := storetest.Open(t, db.Dialect)
		tw := &writeWorld{t: t, f: newFixture(t, tdb, webtest.Training()), db: tdb}
		cases := writeCases()

		// Every write endpoint of the API's table has a case, and every
		// case names one: a new endpoint must get one.
		writesOf := func(f *fixture) []string {
			var out []string
			for _, e := range api.New(f.App, slog.New(slog.NewTextHandler(io.Discard, nil))).Endpoints() {
				if e.Method != http.MethodGet && !slices.Contains(out, e.Method+" "+e.Pattern) {
					out = append(out, e.Method+" "+e.Pattern)
				}
			}
			return out
		}
		writes, realTime := writesOf(tw.f), writesOf(f)
		for _, e := range realTime {
			if !slices.Contains(writes, e) {
				t.Errorf("%s is served on real time only", e)
			}
		}
		var covered []string
		for _, c := range cases {
			if !slices.Contains(writes, c.endpoint) {
				t.Errorf("case %s names no write endpoint of the API", c.endpoint)
			}
			if slices.Contains(covered, c.endpoint) {
				t.Errorf("two cases for %s", c.endpoint)
			}
			covered = append(covered, c.endpoint)
		}
		for _, e := range writes {
			if !slices.Contains(covered, e) {
				t.Errorf("write endpoint %s has no case here: add one", e)
			}
		}

		for _, c := range cases {
			world := w
			if !slices.Contains(realTime, c.endpoint) {
				world = tw
			}
			if !world.run(c) {
				return
			}
		}
		w.auditHoldsNoClinicalValues()
	})
}

// run takes one case: it prepares, sends the write and counts what it
// committed, then checks the answer against a fresh read.
func (w *writeWorld) run(c writeCase) bool {
	t := w.t
	req := c.prepare(w)
	method, _, _ := strings.Cut(c.endpoint, " ")
	// An API token's last use is recorded at most once a minute, in a
	// transaction of its own (app.Authenticate): a request at this instant
	// records it now, so that the write below does not.
	if c.user != "" {
		w.f.must(http.StatusOK, c.user, "GET", "/api/v1/me", nil, nil)
	}
	writes, entries := w.db.Stats().Writes, w.auditRows()
	w.sentences = append(w.sentences, freeText(req.body)...)
	status, raw := w.f.call(c.user, method, req.path, req.body)
	if status != c.status {
		t.Errorf("%s as %s: got %d %s, want %d", c.endpoint, c.user, status, raw, c.status)
		return false
	}
	if n := w.db.Stats().Writes - writes; n != 1 {
		t.Errorf("%s: %d write transactions committed, want 1", c.endpoint, n)
	}
	if n := w.auditRows() - entries; n != 1 {
		t.Errorf("%s: %d audit entries written, want 1", c.endpoint, n)
	}
	var answer any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &answer); err != nil {
			t.Fatalf("%s: answer %q: %v", c.endpoint, raw, err)
		}
	}
	c.check(w, answer)
	return !t.Failed()
}

// auditRows counts the audit log's rows of clinic A, in the store: reading
// it through the app would be audited itself.
func (w *writeWorld) auditRows() int {
	w.t.Helper()
	n := 0
	err := w.db.View(context.Background(), func(tx *store.Tx) error {
		return tx.EachAuditEntry(w.f.ClinicA.ID, func(audit.Entry) bool { n++; return true })
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// get reads a resource as the user, at the instant of the write.
func (w *writeWorld) get(user, path string) any {
	w.t.Helper()
	var v any
	w.f.must(http.StatusOK, user, "GET", path, nil, &v)
	return v
}

// same fails the case unless the answer's part equals the fresh read's.
func (w *writeWorld) same(what string, answer, read any) {
	w.t.Helper()
	if answer == nil {
		w.t.Errorf("%s: the answer has none", what)
	}
	if diff := cmp.Diff(read, answer); diff != "" {
		w.t.Errorf("%s: the answer differs from a fresh read (-read +answer):\n%s", what, diff)
	}
}

// at follows object members.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// byID is the element of a list with the id.
func byID(list any, id string) any {
	l, _ := list.([]any)
	for _, e := range l {
		if at(e, "id") == id {
			return e
		}
	}
	return nil
}

func str(v any) string { s, _ := v.(string); return s }

// without is an object less some members.
func without(v any, keys ...string) any {
	m, _ := v.(map[string]any)
	out := map[string]any{}
	for k, x := range m {
		if !slices.Contains(keys, k) {
			out[k] = x
		}
	}
	return out
}

// visitPath is a path of the IV visit.
func (w *writeWorld) visitPath(suffix string) string { return "/api/v1/visits/" + w.iv + suffix }

// sprayPath is a path of the Spravato visit.
func (w *writeWorld) sprayPath(suffix string) string { return "/api/v1/visits/" + w.spravato + suffix }

// ivAt moves the clock to m minutes after the IV's first dose.
func (w *writeWorld) ivAt(m int) { w.f.Clock.Set(w.first.Add(time.Duration(m) * time.Minute)) }

func (w *writeWorld) sprayAt(m int) { w.f.Clock.Set(w.sprayFirst.Add(time.Duration(m) * time.Minute)) }

// sessionVitals records an in-session reading of the IV visit (not
// counted).
func (w *writeWorld) sessionVitals(sedation int, dissociation bool, minutes ...int) {
	for _, m := range minutes {
		w.ivAt(m)
		w.f.must(http.StatusCreated, "nurse", "POST", w.visitPath("/vitals"), map[string]any{"systolic": 134, "diastolic": 84,
			"heart_rate": 80, "spo2": 97, "sedation": sedation, "dissociation": dissociation}, nil)
	}
}

// sameVisit compares the answer's visit with the visit screen's.
func sameVisit(user string, answer func(any) any) func(w *writeWorld, a any) {
	return func(w *writeWorld, a any) {
		id := str(at(answer(a), "id"))
		w.same("visit", answer(a), at(w.get(user, "/api/v1/visits/"+id), "visit"))
	}
}

// sameSession compares a part of the IV visit's session with the answer
// (all of it when member is "").
func sameSession(user string, path func(*writeWorld) string, member string, answer func(any) any) func(w *writeWorld, a any) {
	return func(w *writeWorld, a any) {
		w.same("session."+member, answer(a), at(w.get(user, path(w)), "session", member))
	}
}

func whole(a any) any { return a }

func member(k string) func(any) any { return func(a any) any { return at(a, k) } }

func writeCases() []writeCase {
	now := func(w *writeWorld) string { return w.f.Clock.Now().Format(time.RFC3339) }
	ivPath := func(w *writeWorld) string { return w.visitPath("") }
	sprayPath := func(w *writeWorld) string { return w.sprayPath("") }
	return []writeCase{
		// The clinic and its staff.
		{"PATCH /api/v1/clinic", "admin", http.StatusOK, "the clinic = GET /clinic",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/clinic", map[string]any{"rems_setting_id": "HCS-77001"}}
			},
			func(w *writeWorld, a any) { w.same("clinic", a, w.get("admin", "/api/v1/clinic")) }},
		// Only on a server on the training clock (the case runs on one).
		{"POST /api/v1/clock", "admin", http.StatusOK, "the clock = GET /clock",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/clock", map[string]any{"advance": "PT30M"}}
			},
			func(w *writeWorld, a any) {
				if at(a, "ahead") != "PT30M" {
					w.t.Errorf("the clock is %v ahead, want PT30M", at(a, "ahead"))
				}
				w.same("clock", a, w.get("nurse", "/api/v1/clock"))
			}},
		{"POST /api/v1/chairs", "admin", http.StatusCreated, "the chair = its entry in GET /chairs",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/chairs", map[string]any{"name": "Chair W"}}
			},
			func(w *writeWorld, a any) {
				w.chair = str(at(a, "id"))
				w.same("chair", a, byID(at(w.get("admin", "/api/v1/chairs"), "chairs"), w.chair))
			}},
		{"PATCH /api/v1/chairs/{id}", "admin", http.StatusOK, "the chair = its entry in GET /chairs",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/chairs/" + w.chair, map[string]any{"name": "Chair by the window"}}
			},
			func(w *writeWorld, a any) {
				w.same("chair", a, byID(at(w.get("admin", "/api/v1/chairs"), "chairs"), w.chair))
			}},
		{"POST /api/v1/users", "admin", http.StatusCreated, "the user = its entry in GET /users",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/users", map[string]any{"username": "writer", "name": "Wren Writer", "role": "nurse",
					"password": "a long enough passphrase"}}
			},
			func(w *writeWorld, a any) {
				w.user = str(at(a, "id"))
				w.same("user", a, byID(at(w.get("admin", "/api/v1/users"), "users"), w.user))
			}},
		{"PATCH /api/v1/users/{id}", "admin", http.StatusOK, "the user = its entry in GET /users",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/users/" + w.user, map[string]any{"name": "Wren W. Writer"}}
			},
			func(w *writeWorld, a any) {
				w.same("user", a, byID(at(w.get("admin", "/api/v1/users"), "users"), w.user))
			}},
		// A clinical role or a reset waits for a second admin (finding 2
		// of issue 13): the user above was made as front desk with a
		// request for the nurse role.
		{"POST /api/v1/account-requests", "admin", http.StatusCreated, "the request = its entry in GET /account-requests",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/account-requests", map[string]any{"user_id": w.user, "kind": "password_reset",
					"password": "another long passphrase"}}
			},
			func(w *writeWorld, a any) {
				w.request = str(at(a, "id"))
				w.same("request", a, byID(at(w.get("admin", "/api/v1/account-requests"), "requests"), w.request))
			}},
		{"POST /api/v1/account-requests/{id}/approval", "admin2", http.StatusOK, "the request = its entry in GET /account-requests",
			func(w *writeWorld) writeRequest {
				var id string
				for _, r := range at(w.get("admin2", "/api/v1/account-requests"), "requests").([]any) {
					if str(at(r, "kind")) == "role" && str(at(r, "user_id")) == w.user {
						id = str(at(r, "id"))
					}
				}
				return writeRequest{"/api/v1/account-requests/" + id + "/approval", nil}
			},
			func(w *writeWorld, a any) {
				w.same("request", a, byID(at(w.get("admin2", "/api/v1/account-requests"), "requests"), str(at(a, "id"))))
			}},
		{"POST /api/v1/account-requests/{id}/refusal", "admin", http.StatusOK, "the request = its entry in GET /account-requests",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/account-requests/" + w.request + "/refusal", nil}
			},
			func(w *writeWorld, a any) {
				w.same("request", a, byID(at(w.get("admin", "/api/v1/account-requests"), "requests"), w.request))
			}},
		// Only a signed-in login makes tokens (a token may not): the
		// nurse's login secret stands for the browser.
		{"POST /api/v1/tokens", "nurse-login", http.StatusCreated, "the token = its entry in GET /tokens",
			func(w *writeWorld) writeRequest {
				w.f.Tokens["nurse-login"] = w.f.loginSecret("nurse")
				return writeRequest{"/api/v1/tokens", map[string]any{"name": "pump gateway", "scopes": []string{"read", "write"}}}
			},
			func(w *writeWorld, a any) {
				w.token = str(at(a, "token", "id"))
				if !strings.HasPrefix(str(at(a, "secret")), "kft_") {
					w.t.Errorf("token secret %q", at(a, "secret"))
				}
				w.same("token", at(a, "token"), byID(at(w.get("nurse", "/api/v1/tokens"), "tokens"), w.token))
			}},
		{"DELETE /api/v1/tokens/{id}", "nurse", http.StatusNoContent, "no answer; GET /tokens lists the token revoked at this instant",
			func(w *writeWorld) writeRequest { return writeRequest{"/api/v1/tokens/" + w.token, nil} },
			func(w *writeWorld, a any) {
				got := byID(at(w.get("nurse", "/api/v1/tokens"), "tokens"), w.token)
				if a != nil || str(at(got, "revoked_at")) != w.f.Clock.Now().UTC().Format(time.RFC3339) {
					w.t.Errorf("revoked token: answer %v, listed %v", a, got)
				}
			}},

		// The patient record.
		{"POST /api/v1/patients", "nurse", http.StatusCreated, "the patient = GET /patients/{id}",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/patients", map[string]any{"legal_name": "Wynn Writes", "preferred_name": "Wynn",
					"birth_date": "1979-06-02", "sex": "female", "phone": "+1 555 010 0190", "allergies": "latex",
					"emergency_contact": map[string]any{"name": "Sam Writes", "relation": "partner", "phone": "+1 555 010 0191"},
					"weight":            map[string]any{"kg": 70, "measured_at": w.f.Clock.Now().Add(-time.Hour).Format(time.RFC3339)}}}
			},
			func(w *writeWorld, a any) {
				w.patient = str(at(a, "id"))
				w.same("patient", a, w.get("nurse", "/api/v1/patients/"+w.patient))
			}},
		{"PATCH /api/v1/patients/{id}", "nurse", http.StatusOK, "the patient = GET /patients/{id}",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/patients/" + w.patient, map[string]any{"reason": "new phone given at check-in",
					"version": 1, "record": map[string]any{"phone": "+1 555 010 0192"}}}
			},
			func(w *writeWorld, a any) { w.same("patient", a, w.get("nurse", "/api/v1/patients/"+w.patient)) }},
		{"POST /api/v1/patients/{id}/weights", "nurse", http.StatusCreated, "the weight = its entry in GET /patients/{id}/weights",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/patients/" + w.patient + "/weights", map[string]any{"kg": 65,
					"measured_at": w.f.Clock.Now().Add(-30 * time.Minute).Format(time.RFC3339)}}
			},
			func(w *writeWorld, a any) {
				w.same("weight", a, byID(at(w.get("nurse", "/api/v1/patients/"+w.patient+"/weights"), "weights"), str(at(a, "id"))))
			}},

		// The controlled-substance ledger.
		{"POST /api/v1/lots", "nurse", http.StatusCreated, "the lot = GET /lots/{id}'s lot",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/lots", map[string]any{"drug": "ketamine", "concentration_mg_per_ml": 50,
					"ml_per_vial": 10, "lot_number": "K-WRITE-1", "expiry": "2027-03-31", "packs": 5}}
			},
			func(w *writeWorld, a any) {
				w.lot = str(at(a, "id"))
				w.same("lot", a, at(w.get("nurse", "/api/v1/lots/"+w.lot), "lot"))
			}},
		// The witness's password is checked on a read transaction before
		// the entry's write transaction (a password hash takes time; the
		// lot's lock does not wait for it): one write, as counted.
		{"POST /api/v1/lots/{id}/entries", "nurse", http.StatusCreated,
			"the entry = its entry in GET /lots/{id}; on_hand and unit = the lot's",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/lots/" + w.lot + "/entries", map[string]any{"kind": "waste", "quantity": 1,
					"reason": "vial cracked on opening", "witness_username": "nurse2", "witness_password": webtest.Password}}
			},
			func(w *writeWorld, a any) {
				book := w.get("nurse", "/api/v1/lots/"+w.lot)
				w.same("entry", at(a, "entry"), byID(at(book, "entries"), str(at(a, "entry", "id"))))
				w.same("on_hand", at(a, "on_hand"), at(book, "lot", "on_hand"))
				w.same("unit", at(a, "unit"), at(book, "lot", "unit"))
			}},

		// An IV visit from booking to ready for discharge.
		{"POST /api/v1/visits", "frontdesk", http.StatusCreated, "the visit = GET /visits/{id}'s visit",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/visits", map[string]any{"patient_id": w.patient, "route": "iv", "chair_id": w.chair,
					"scheduled_at": w.f.Clock.Now().Add(30 * time.Minute).Format(time.RFC3339)}}
			},
			func(w *writeWorld, a any) {
				w.iv = str(at(a, "id"))
				sameVisit("frontdesk", whole)(w, a)
			}},
		{"PUT /api/v1/visits/{id}/comfort", "frontdesk", http.StatusOK, "the visit = GET /visits/{id}'s visit",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/comfort"), map[string]any{"eye_mask": true, "music": "silence", "notes": "quiet please"}}
			},
			sameVisit("frontdesk", whole)},
		{"POST /api/v1/visits/{id}/transitions", "frontdesk", http.StatusOK, "the visit = GET /visits/{id}'s visit",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/transitions"), map[string]any{"to": "checked_in"}}
			},
			sameVisit("frontdesk", whole)},
		{"POST /api/v1/visits/{id}/links", "frontdesk", http.StatusCreated,
			"expires_at = now + the protocol's link hours (GET /protocol); the link's page opens",
			func(w *writeWorld) writeRequest { return writeRequest{w.visitPath("/links"), nil} },
			func(w *writeWorld, a any) {
				hours, _ := at(w.get("nurse", "/api/v1/protocol"), "rules", "gate", "questionnaire_link_hours").(float64)
				if want := w.f.Clock.Now().Add(time.Duration(hours) * time.Hour).UTC().Format(time.RFC3339); str(at(a, "expires_at")) != want {
					w.t.Errorf("link expires %v, want %s", at(a, "expires_at"), want)
				}
				resp, err := http.Get(w.f.Server.URL + "/q/" + webtest.LinkToken(w.t, str(at(a, "url"))))
				if err != nil || resp.StatusCode != http.StatusOK {
					w.t.Errorf("the link's page: %v %v", resp, err)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}},
		{"POST /api/v1/visits/{id}/questionnaires", "nurse", http.StatusCreated,
			"each result = the questionnaire of GET /visits/{id} (instrument, answers, total, band); no alert = safety_alert none",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/questionnaires"), map[string]any{"phq9": webtest.CalmPHQ9, "gad7": webtest.CalmGAD7}}
			},
			func(w *writeWorld, a any) {
				screen := w.get("nurse", ivPath(w))
				var read []any
				for _, q := range at(screen, "questionnaires").([]any) {
					read = append(read, map[string]any{"instrument": at(q, "instrument"), "answers": at(q, "answers"),
						"total": at(q, "total"), "band": at(q, "band")})
				}
				var got []any
				for _, r := range at(a, "results").([]any) {
					got = append(got, without(r, "item9"))
				}
				w.same("results", got, read)
				if at(a, "alert") != false || at(screen, "facts", "safety_alert") != "none" {
					w.t.Errorf("alert %v, safety alert %v", at(a, "alert"), at(screen, "facts", "safety_alert"))
				}
			}},
		{"POST /api/v1/visits/{id}/questionnaires/{instrument}/amendments", "nurse", http.StatusCreated,
			"the questionnaire = the current PHQ-9 of GET /visits/{id}, version 2 with its reason; version 1 stays",
			func(w *writeWorld) writeRequest {
				var current string
				for _, q := range at(w.get("nurse", ivPath(w)), "questionnaires").([]any) {
					if at(q, "instrument") == "phq9" && at(q, "current") == true {
						current = str(at(q, "id"))
					}
				}
				return writeRequest{w.visitPath("/questionnaires/phq9/amendments"), map[string]any{"amends": current,
					"reason": "Patient meant 'several days' for item 1, told the nurse", "answers": []int{1, 0, 0, 0, 0, 0, 0, 0, 0}}}
			},
			func(w *writeWorld, a any) {
				list := at(w.get("nurse", ivPath(w)), "questionnaires")
				w.same("questionnaire", at(a, "questionnaire"), byID(list, str(at(a, "questionnaire", "id"))))
				if at(a, "questionnaire", "version") != 2.0 || at(a, "questionnaire", "current") != true || at(a, "alert") != false {
					w.t.Errorf("amended: %v", a)
				}
				if n := len(list.([]any)); n != 3 {
					w.t.Errorf("%d versions on the visit, want the 2 first answers and the amendment", n)
				}
			}},
		{"POST /api/v1/visits/{id}/vitals", "nurse", http.StatusCreated,
			"the reading = its entry in GET /visits/{id}'s vitals; the gate = its gate",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/vitals"), map[string]any{"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98}}
			},
			func(w *writeWorld, a any) {
				screen := w.get("nurse", ivPath(w))
				w.same("reading", at(a, "reading"), byID(at(screen, "vitals"), str(at(a, "reading", "id"))))
				w.same("gate", at(a, "gate"), at(screen, "gate"))
			}},
		// Bedside monitors (issues 12 and 14): the chair's monitor, its
		// readings, and one validated into the chart.
		{"POST /api/v1/monitors", "admin", http.StatusCreated, "the monitor = its entry in GET /monitors",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/monitors", map[string]any{"key": "INFUSION^^BEDW", "chair_id": w.chair}}
			},
			func(w *writeWorld, a any) {
				w.monitor = str(at(a, "id"))
				w.same("monitor", a, byID(at(w.get("admin", "/api/v1/monitors"), "monitors"), w.monitor))
			}},
		{"PATCH /api/v1/monitors/{id}", "admin", http.StatusOK, "the monitor = its entry in GET /monitors",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/monitors/" + w.monitor, map[string]any{"name": "Monitor W"}}
			},
			func(w *writeWorld, a any) {
				w.same("monitor", a, byID(at(w.get("admin", "/api/v1/monitors"), "monitors"), w.monitor))
			}},
		{"POST /api/v1/monitors/codes", "admin", http.StatusCreated, "the code = the entry of GET /monitors' codes",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/monitors/codes", map[string]any{"system": "MDC", "code": "150456", "vital": "spo2", "unit": "%"}}
			},
			func(w *writeWorld, a any) {
				codes, _ := at(w.get("admin", "/api/v1/monitors"), "codes").([]any)
				if len(codes) != 1 {
					w.t.Fatalf("codes %v, want the one added", codes)
				}
				w.same("code", a, codes[0])
			}},
		{"POST /api/v1/devices/readings", "gateway", http.StatusOK, "one reading stored with the visit = GET /visits/{id}/monitor",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/devices/readings", map[string]any{"readings": []map[string]any{
					{"monitor": "INFUSION^^BEDW", "taken_at": now(w), "spo2": 97, "pulse_rate": 71, "systolic": 124, "diastolic": 79}}}}
			},
			func(w *writeWorld, a any) {
				rs, _ := at(w.get("nurse", w.visitPath("/monitor")), "readings").([]any)
				if at(a, "stored") != 1.0 || at(a, "assigned") != 1.0 || len(rs) != 1 || at(rs[0], "spo2") != 97.0 {
					w.t.Errorf("ingest answered %v; the visit's monitor has %v", a, rs)
				}
			}},
		{"POST /api/v1/visits/{id}/monitor-readings/{reading}/validate", "nurse", http.StatusCreated,
			"the charted reading = its entry in GET /visits/{id}'s vitals; the gate = its gate",
			func(w *writeWorld) writeRequest {
				rs, _ := at(w.get("nurse", w.visitPath("/monitor")), "readings").([]any)
				return writeRequest{w.visitPath("/monitor-readings/" + str(at(rs[0], "id")) + "/validate"), nil}
			},
			func(w *writeWorld, a any) {
				screen := w.get("nurse", ivPath(w))
				w.same("reading", at(a, "reading"), byID(at(screen, "vitals"), str(at(a, "reading", "id"))))
				w.same("gate", at(a, "gate"), at(screen, "gate"))
			}},
		{"POST /api/v1/visits/{id}/weights", "nurse", http.StatusCreated,
			"kg and measured_at = GET /visits/{id}'s patient weight",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/weights"), map[string]any{"kg": 64, "measured_at": now(w)}}
			},
			func(w *writeWorld, a any) {
				wt := at(w.get("nurse", ivPath(w)), "patient", "weight")
				w.same("weight", a, map[string]any{"kg": at(wt, "kg"), "measured_at": at(wt, "measured_at")})
			}},
		{"PUT /api/v1/visits/{id}/fasting", "nurse", http.StatusOK, "the fasting = GET /visits/{id}'s facts.fasting; the gate = its gate",
			func(w *writeWorld) writeRequest {
				n := w.f.Clock.Now()
				return writeRequest{w.visitPath("/fasting"), map[string]any{"last_solid_food": n.Add(-8 * time.Hour).Format(time.RFC3339),
					"last_liquid": n.Add(-3 * time.Hour).Format(time.RFC3339), "last_liquid_clear": true}}
			},
			func(w *writeWorld, a any) {
				screen := w.get("nurse", ivPath(w))
				w.same("fasting", at(a, "fasting"), at(screen, "facts", "fasting"))
				w.same("gate", at(a, "gate"), at(screen, "gate"))
			}},
		{"PUT /api/v1/visits/{id}/ride", "frontdesk", http.StatusOK,
			"the ride = front desk's GET /visits/{id} facts.ride; the gate = its gate, with no clinical check",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/ride"), map[string]any{"driver_name": " Luis Alvarez ", "driver_phone": "+1 555 010 0142"}}
			},
			func(w *writeWorld, a any) {
				screen := w.get("frontdesk", ivPath(w))
				w.same("ride", at(a, "ride"), at(screen, "facts", "ride"))
				w.same("gate", at(a, "gate"), at(screen, "gate"))
				var g webtest.GateJSON
				b, _ := json.Marshal(at(a, "gate"))
				json.Unmarshal(b, &g)
				noClinicalChecks(w.t, "front desk's ride answer", g)
			}},
		{"POST /api/v1/visits/{id}/overrides", "prescriber", http.StatusCreated, "the gate = GET /visits/{id}'s gate",
			func(w *writeWorld) writeRequest {
				w.f.recordBP(w.iv, 165, 95)
				return writeRequest{w.visitPath("/overrides"), map[string]any{"check": "blood_pressure",
					"reason": "repeated twice after rest; stable hypertension known to the prescriber"}}
			},
			func(w *writeWorld, a any) { w.same("gate", at(a, "gate"), at(w.get("prescriber", ivPath(w)), "gate")) }},
		{"POST /api/v1/visits/{id}/order", "prescriber", http.StatusCreated, "the order = GET /visits/{id}'s session.order",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/order"), map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40}}
			},
			sameSession("prescriber", ivPath, "order", whole)},
		{"POST /api/v1/visits/{id}/preparation", "nurse", http.StatusCreated,
			"the preparation = GET /visits/{id}'s session.preparation",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/preparation"), map[string]any{"vial_mg_per_ml": 50, "lot_id": w.lot}}
			},
			sameSession("nurse", ivPath, "preparation", whole)},
		{"POST /api/v1/visits/{id}/preparation/verify", "nurse2", http.StatusOK,
			"the preparation = GET /visits/{id}'s session.preparation",
			func(w *writeWorld) writeRequest { return writeRequest{w.visitPath("/preparation/verify"), nil} },
			sameSession("nurse2", ivPath, "preparation", whole)},
		{"POST /api/v1/visits/{id}/clear", "nurse", http.StatusOK, "the visit and the gate = GET /visits/{id}'s",
			func(w *writeWorld) writeRequest { return writeRequest{w.visitPath("/clear"), nil} },
			func(w *writeWorld, a any) {
				screen := w.get("nurse", ivPath(w))
				w.same("visit", at(a, "visit"), at(screen, "visit"))
				w.same("gate", at(a, "gate"), at(screen, "gate"))
			}},
		{"POST /api/v1/visits/{id}/dosing", "nurse", http.StatusOK, "the visit = GET /visits/{id}'s visit",
			func(w *writeWorld) writeRequest { return writeRequest{w.visitPath("/dosing"), nil} },
			sameVisit("nurse", member("visit"))},
		{"POST /api/v1/visits/{id}/administrations", "nurse", http.StatusCreated,
			"first_dose_at = GET /visits/{id}'s session.first_dose_at",
			func(w *writeWorld) writeRequest {
				w.f.Clock.Advance(10 * time.Minute)
				w.first = w.f.Clock.Now()
				return writeRequest{w.visitPath("/administrations"), nil}
			},
			sameSession("nurse", ivPath, "first_dose_at", member("first_dose_at"))},
		{"POST /api/v1/visits/{id}/infusion", "nurse", http.StatusCreated, "the infusion = GET /visits/{id}'s session.infusion",
			func(w *writeWorld) writeRequest {
				w.sessionVitals(4, true, 15)
				w.ivAt(20)
				return writeRequest{w.visitPath("/infusion"), map[string]any{"action": "pause", "reason": "nausea; ondansetron given"}}
			},
			sameSession("nurse", ivPath, "infusion", member("infusion"))},
		{"POST /api/v1/visits/{id}/adverse-events", "nurse", http.StatusCreated,
			"the event = its entry in GET /visits/{id}'s session.adverse_events",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/adverse-events"), map[string]any{"kind": "nausea", "severity": "mild",
					"action": "ondansetron 4 mg IV; infusion paused"}}
			},
			func(w *writeWorld, a any) {
				w.same("adverse event", a, byID(at(w.get("nurse", ivPath(w)), "session", "adverse_events"), str(at(a, "id"))))
			}},
		{"POST /api/v1/visits/{id}/session-end", "nurse", http.StatusOK, "the visit = GET /visits/{id}'s visit",
			func(w *writeWorld) writeRequest {
				w.ivAt(22)
				w.f.must(http.StatusCreated, "nurse", "POST", w.visitPath("/infusion"), map[string]any{"action": "resume"}, nil)
				w.sessionVitals(5, true, 30, 40)
				w.ivAt(45)
				return writeRequest{w.visitPath("/session-end"), nil}
			},
			sameVisit("nurse", member("visit"))},
		{"POST /api/v1/visits/{id}/aldrete", "nurse", http.StatusCreated, "the score = GET /visits/{id}'s session.aldrete",
			func(w *writeWorld) writeRequest {
				w.sessionVitals(5, false, 45, 60, 75, 90)
				return writeRequest{w.visitPath("/aldrete"), map[string]any{"activity": 2, "respiration": 2, "circulation": 2,
					"consciousness": 2, "oxygen_saturation": 2}}
			},
			sameSession("nurse", ivPath, "aldrete", whole)},
		{"PUT /api/v1/visits/{id}/discharge-facts", "nurse", http.StatusOK,
			"the checklist = GET /visits/{id}'s session.discharge_facts",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/discharge-facts"), map[string]any{"driver_present": true, "aftercare_given": true}}
			},
			sameSession("nurse", ivPath, "discharge_facts", whole)},
		{"POST /api/v1/visits/{id}/discharge", "nurse", http.StatusOK, "the visit = GET /visits/{id}'s visit",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.visitPath("/discharge"), map[string]any{"to": "ready_for_discharge"}}
			},
			sameVisit("nurse", member("visit"))},

		// A PHQ-9 item 9 alert and its risk assessment.
		{"POST /api/v1/alerts/{id}/assessments", "prescriber", http.StatusCreated, "the alert = its entry in GET /alerts?state=resolved",
			func(w *writeWorld) writeRequest {
				p := w.f.GatePatient("Alert Writes", true)
				id := w.f.BookVisit(p.ID)
				w.f.MoveVisit("frontdesk", id, "checked_in", "")
				w.f.AnswerTablet("nurse", id, []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, webtest.CalmGAD7)
				for _, al := range at(w.get("prescriber", "/api/v1/alerts?open=true"), "alerts").([]any) {
					if at(al, "visit_id") == id {
						w.alert = str(at(al, "id"))
					}
				}
				return writeRequest{"/api/v1/alerts/" + w.alert + "/assessments", map[string]any{"risk": "low",
					"plan": "Passive thoughts only, no plan or intent; safety plan reviewed", "proceed": true}}
			},
			func(w *writeWorld, a any) {
				w.same("alert", a, byID(at(w.get("prescriber", "/api/v1/alerts?state=resolved"), "alerts"), w.alert))
			}},

		// In-session alerts: a sustained blood pressure, severe and for the
		// prescriber, on which the nurse records what they did and which the
		// prescriber acknowledges; a low oxygen saturation the nurse
		// acknowledges and then resolves with a reason.
		{"POST /api/v1/alerts/{id}/notes", "nurse", http.StatusCreated,
			"the alert = its entry in GET /alerts?visit_id, still open with the nurse's note",
			func(w *writeWorld) writeRequest {
				j := w.f.ivInSession("Alert Writes")
				w.sessionAlerts = j.id
				for _, m := range []int{1, 6} {
					j.at(m)
					w.f.recordBP(j.id, 188, 112)
				}
				w.alert = ""
				for _, al := range at(w.get("nurse", "/api/v1/alerts?state=open&visit_id="+w.sessionAlerts), "alerts").([]any) {
					if at(al, "kind") == "bp_sustained" {
						w.alert = str(at(al, "id"))
					}
				}
				return writeRequest{"/api/v1/alerts/" + w.alert + "/notes", map[string]any{
					"action": "repeated after 5 minutes' rest; infusion paused; prescriber told"}}
			},
			func(w *writeWorld, a any) {
				w.same("alert", a, byID(at(w.get("nurse", "/api/v1/alerts?visit_id="+w.sessionAlerts), "alerts"), w.alert))
				if at(a, "state") != "open" || at(a, "acknowledged") != nil || len(at(a, "notes").([]any)) != 1 {
					w.t.Errorf("noted alert %v", a)
				}
			}},
		{"POST /api/v1/alerts/{id}/acknowledgement", "prescriber", http.StatusCreated,
			"the alert = its entry in GET /alerts?visit_id, acknowledged by the prescriber",
			func(w *writeWorld) writeRequest {
				return writeRequest{"/api/v1/alerts/" + w.alert + "/acknowledgement", map[string]any{
					"action": "at the chair; infusion stays paused, repeat in 5 min"}}
			},
			func(w *writeWorld, a any) {
				w.same("alert", a, byID(at(w.get("prescriber", "/api/v1/alerts?visit_id="+w.sessionAlerts), "alerts"), w.alert))
				if at(a, "state") != "acknowledged" || at(a, "acknowledged", "by_name") != "Test prescriber" {
					w.t.Errorf("acknowledged alert %v", a)
				}
			}},
		{"POST /api/v1/alerts/{id}/resolution", "nurse", http.StatusCreated, "the alert = its entry in GET /alerts?state=resolved",
			func(w *writeWorld) writeRequest {
				w.f.Clock.Advance(time.Minute)
				w.f.must(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+w.sessionAlerts+"/vitals", map[string]any{"spo2": 89}, nil)
				for _, al := range at(w.get("nurse", "/api/v1/alerts?state=open&visit_id="+w.sessionAlerts), "alerts").([]any) {
					if at(al, "kind") == "spo2" {
						w.alert = str(at(al, "id"))
					}
				}
				w.f.must(http.StatusCreated, "nurse", "POST", "/api/v1/alerts/"+w.alert+"/acknowledgement",
					map[string]any{"action": "probe refitted; 98%"}, nil)
				return writeRequest{"/api/v1/alerts/" + w.alert + "/resolution", map[string]any{
					"reason": "the probe had slipped; 98% with it refitted"}}
			},
			func(w *writeWorld, a any) {
				w.same("alert", a, byID(at(w.get("nurse", "/api/v1/alerts?state=resolved"), "alerts"), w.alert))
			}},

		// A Spravato visit from its second device to the REMS submission.
		{"POST /api/v1/visits/{id}/devices", "nurse", http.StatusCreated,
			"n and at = GET /visits/{id}'s session.devices, device n's given_at",
			func(w *writeWorld) writeRequest {
				w.spravato, _, w.sprayFirst = w.f.spravatoVisit("Spray Writes")
				w.sprayAt(5)
				return writeRequest{w.sprayPath("/devices"), map[string]any{"n": 2}}
			},
			func(w *writeWorld, a any) {
				d := at(w.get("nurse", sprayPath(w)), "session", "devices", "devices").([]any)[1]
				w.same("device", map[string]any{"visit_id": at(a, "visit_id"), "n": at(a, "n"), "at": at(a, "at")},
					map[string]any{"visit_id": w.spravato, "n": at(d, "n"), "at": at(d, "given_at")})
			}},
		{"PUT /api/v1/visits/{id}/medications", "nurse", http.StatusOK, "the medications = GET /visits/{id}'s session.medications",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.sprayPath("/medications"), map[string]any{"benzodiazepines": "no",
					"non_benzodiazepine_sedative_hypnotics": "no", "psychostimulants": "yes", "maois": "no", "opioids": false}}
			},
			sameSession("nurse", sprayPath, "medications", whole)},
		{"POST /api/v1/visits/{id}/rems-form", "nurse", http.StatusCreated, "the form = GET /visits/{id}/rems-form",
			func(w *writeWorld) writeRequest {
				f, path := w.f, w.sprayPath("")
				w.sprayAt(10)
				f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 3}, nil)
				w.sprayAt(15)
				f.sessionVitals(w.spravato, 140, 4, true)
				w.sprayAt(20)
				f.must(http.StatusOK, "nurse", "POST", path+"/session-end", nil, nil)
				for _, m := range []int{30, 40, 45, 60, 75, 90, 105, 120} {
					w.sprayAt(m)
					f.sessionVitals(w.spravato, 130, 5, m < 45)
				}
				f.must(http.StatusCreated, "nurse", "POST", path+"/aldrete", map[string]any{"activity": 2, "respiration": 2,
					"circulation": 2, "consciousness": 1, "oxygen_saturation": 2}, nil)
				f.must(http.StatusOK, "nurse", "PUT", path+"/discharge-facts", map[string]any{"driver_present": true,
					"aftercare_given": true}, nil)
				f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "ready_for_discharge"}, nil)
				f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "discharged"}, nil)
				f.Clock.Advance(10 * time.Minute)
				return writeRequest{path + "/rems-form", nil}
			},
			func(w *writeWorld, a any) { w.same("REMS form", a, w.get("nurse", w.sprayPath("/rems-form"))) }},
		{"POST /api/v1/visits/{id}/rems-form/submission", "nurse", http.StatusCreated, "the form = GET /visits/{id}/rems-form",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.sprayPath("/rems-form/submission"), map[string]any{"confirmation": "C-7"}}
			},
			func(w *writeWorld, a any) { w.same("REMS form", a, w.get("nurse", w.sprayPath("/rems-form"))) }},

		// The discharged Spravato visit's integration session: booked,
		// held and written up by the therapist.
		{"PUT /api/v1/visits/{id}/integration/booking", "therapist", http.StatusOK, "the session = GET /visits/{id}/integration",
			func(w *writeWorld) writeRequest {
				w.f.Clock.Advance(time.Hour)
				start := w.f.Clock.Now().Add(20 * time.Hour).Truncate(time.Minute)
				return writeRequest{w.sprayPath("/integration/booking"), map[string]any{"starts_at": start.Format(time.RFC3339), "mode": "video"}}
			},
			func(w *writeWorld, a any) { w.same("integration", a, w.get("therapist", w.sprayPath("/integration"))) }},
		{"PUT /api/v1/visits/{id}/integration/held", "therapist", http.StatusOK, "the session = GET /visits/{id}/integration",
			func(w *writeWorld) writeRequest {
				w.f.Clock.Advance(21 * time.Hour)
				return writeRequest{w.sprayPath("/integration/held"), map[string]any{
					"held_at": w.f.Clock.Now().Add(-10 * time.Minute).Format(time.RFC3339)}}
			},
			func(w *writeWorld, a any) { w.same("integration", a, w.get("therapist", w.sprayPath("/integration"))) }},
		{"POST /api/v1/visits/{id}/integration/notes", "therapist", http.StatusCreated, "the session = GET /visits/{id}/integration",
			func(w *writeWorld) writeRequest {
				return writeRequest{w.sprayPath("/integration/notes"), map[string]any{"text": "She spoke of the light she saw and of her father."}}
			},
			func(w *writeWorld, a any) { w.same("integration", a, w.get("therapist", w.sprayPath("/integration"))) }},
		{"POST /api/v1/visits/{id}/integration/notes/{note}/amendments", "therapist", http.StatusCreated,
			"the session = GET /visits/{id}/integration",
			func(w *writeWorld) writeRequest {
				note := str(at(at(w.get("therapist", w.sprayPath("/integration")), "notes").([]any)[0], "id"))
				return writeRequest{w.sprayPath("/integration/notes/" + note + "/amendments"), map[string]any{
					"text": "She spoke of the light she saw, of her father and of relief.", "reason": "left out the relief she described"}}
			},
			func(w *writeWorld, a any) { w.same("integration", a, w.get("therapist", w.sprayPath("/integration"))) }},

		// An IV infusion stopped early: the rest is wasted with a witness.
		{"POST /api/v1/visits/{id}/waste", "nurse", http.StatusCreated, "the drug = GET /visits/{id}'s session.drug",
			func(w *writeWorld) writeRequest {
				j := w.f.dosingStarted("Waste Writes")
				w.waste = j.id
				w.f.Clock.Advance(time.Minute)
				w.f.must(http.StatusCreated, "nurse", "POST", j.path("/administrations"), nil, nil)
				w.f.Clock.Advance(6 * time.Minute)
				w.f.must(http.StatusCreated, "nurse", "POST", j.path("/infusion"), map[string]any{"action": "stop",
					"reason": "patient distressed; prescriber asked to stop"}, nil)
				return writeRequest{j.path("/waste"), map[string]any{"witness_username": "nurse2", "witness_password": webtest.Password,
					"reason": "rest of the bag after the stop"}}
			},
			func(w *writeWorld, a any) {
				w.same("drug", at(a, "drug"), at(w.get("nurse", "/api/v1/visits/"+w.waste), "session", "drug"))
			}},
		// A Spravato visit whose REMS form cannot be completed before the
		// patient leaves: the prescriber records why.
		{"POST /api/v1/visits/{id}/rems-form/incomplete", "prescriber", http.StatusCreated, "the visit = GET /visits/{id}",
			func(w *writeWorld) writeRequest {
				id, _, first := w.f.spravatoVisit("Incomplete Writes")
				w.incomplete = id
				path := "/api/v1/visits/" + id
				for _, n := range []int{2, 3} {
					w.f.Clock.Set(first.Add(time.Duration(n-1) * 5 * time.Minute))
					w.f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": n}, nil)
				}
				w.f.Clock.Set(first.Add(20 * time.Minute))
				w.f.must(http.StatusOK, "nurse", "POST", path+"/session-end", nil, nil)
				return writeRequest{path + "/rems-form/incomplete", map[string]any{
					"reason": "the 40-minute blood pressure was not taken: the cuff failed"}}
			},
			func(w *writeWorld, a any) { w.same("visit", a, w.get("prescriber", "/api/v1/visits/"+w.incomplete)) }},

		// The patient's morning-after check-in, from the link the queue
		// emailed at 09:00 the morning after the discharge; no login.
		{"POST /api/v1/check-ins/{token}", "", http.StatusCreated, "alerted = whether GET /visits/{id}'s check_in names an alert",
			func(w *writeWorld) writeRequest {
				id, token := w.f.MorningCheckIn("Check-in Writes", "writes@example.org", &webtest.Mailbox{})
				w.checkIn = id
				return writeRequest{"/api/v1/check-ins/" + token, map[string]any{"mood": 3, "sleep": "hardly", "safety": false,
					"note": "the writes case: a hard night"}}
			},
			func(w *writeWorld, a any) {
				c := at(w.get("nurse", "/api/v1/visits/"+w.checkIn), "check_in")
				if alerted := at(a, "alerted") == true; alerted != (str(at(c, "alert_id")) != "") || !alerted {
					w.t.Errorf("answered %v, the visit's check-in %v", a, c)
				}
			}},

		// Last, as it changes the rules of the visits checked in after it.
		{"POST /api/v1/protocol/versions", "admin", http.StatusCreated,
			"the version, less its changes = GET /protocol/versions/{number}",
			func(w *writeWorld) writeRequest {
				n := at(w.get("admin", "/api/v1/protocol"), "number")
				return writeRequest{"/api/v1/protocol/versions", map[string]any{"based_on": n,
					"reason": "medical director: stricter blood pressure", "values": map[string]string{"gate.bp_block_systolic": "150"}}}
			},
			func(w *writeWorld, a any) {
				n, _ := at(a, "number").(float64)
				if len(at(a, "changes").([]any)) != 1 {
					w.t.Errorf("changes %v", at(a, "changes"))
				}
				w.same("version", without(a, "changes"), w.get("admin", "/api/v1/protocol/versions/"+strconv.Itoa(int(n))))
			}},
	}
}
