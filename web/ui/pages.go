package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/web"
)

//go:embed templates
var templateFS embed.FS

// pages holds every page template, each parsed with the shared layout.
type pages struct {
	byName map[string]*template.Template
}

func parsePages() (*pages, error) {
	funcs := template.FuncMap{
		"static": web.StaticURL,
		"when": func(loc *time.Location, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("Mon 2 Jan 2006, 15:04")
		},
		"day": func(loc *time.Location, t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006") },
		"clock": func(loc *time.Location, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("15:04")
		},
		"timePattern": func() string { return timePattern },
		"localInput": func(loc *time.Location, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format(timeInputLayout)
		},
		"can":         func(a access.Actor, action string) bool { return access.Can(a.Role, access.Action(action)) },
		"hasWorklist": func(a access.Actor) bool { return app.HasWorklist(a.Role) },
		"join":        strings.Join,
		"age": func(d ketaflow.Date, now time.Time, loc *time.Location) int {
			return d.AgeOn(ketaflow.DateOf(now.In(loc)))
		},
		"num": func(f float64) string {
			if f == 0 {
				return ""
			}
			return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", f), "0"), ".")
		},
		"query": url.QueryEscape,
		"num0":  func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
		"add":   func(a, b int) int { return a + b },
		"minus": func(a, b int) int { return a - b },
		// pct is count of of as a whole percentage; pct1 a share (0 to 1).
		"pct": func(count, of int) string {
			return strconv.FormatFloat(100*float64(count)/float64(of), 'f', 0, 64) + "%"
		},
		"pct1":  func(v float64) string { return strconv.FormatFloat(100*v, 'f', 0, 64) + "%" },
		"list2": func(a, b any) []any { return []any{a, b} },
		// signed is a change with its sign: "-7", "+2", "0".
		"signed": func(n int) string {
			if n > 0 {
				return "+" + strconv.Itoa(n)
			}
			return strconv.Itoa(n)
		},
		"localInputPtr": func(loc *time.Location, t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.In(loc).Format(timeInputLayout)
		},
		"clockPtr": func(loc *time.Location, t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.In(loc).Format("15:04")
		},
		"statusClass": func(s string) string {
			switch s {
			case "pass":
				return "ok"
			case "warn":
				return "warn"
			case "block":
				return "block"
			}
			return ""
		},
		"stateClass": func(s string) string {
			switch s {
			case "cleared", "discharged", "ready_for_discharge":
				return "ok"
			case "not_cleared", "cancelled", "stopped_early":
				return "off"
			case "checked_in":
				return "warn"
			}
			return ""
		},
		"spark":     spark,
		"sparkY":    sparkY,
		"chartable": chartable,
		"lower":     strings.ToLower,
		"sentence":  sentence,
		"list":      func(xs ...string) []string { return xs },
		"fixed":     func(places int, v float64) string { return strconv.FormatFloat(v, 'f', places, 64) },
		// posted is what a refused form sent for key, or, when that form did
		// not carry the key (another form on the page was refused), the
		// stored value: no form's saved or typed content is lost.
		"posted": func(form url.Values, key string, stored any) string {
			if form != nil && form.Has(key) {
				return form.Get(key)
			}
			if stored == nil {
				return ""
			}
			return fmt.Sprint(stored)
		},
		"deref2": func(p *bool) bool { return p != nil && *p },
		"derefTime": func(p *time.Time) time.Time {
			if p == nil {
				return time.Time{}
			}
			return *p
		},
		"rfc3339": func(p *time.Time) string {
			if p == nil {
				return ""
			}
			return p.UTC().Format(time.RFC3339)
		},
		"rfc3339t": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// seq counts from 0 to n.
		"seq": func(n int) []int {
			out := make([]int, n+1)
			for i := range out {
				out[i] = i
			}
			return out
		},
		// mins shows a duration as a clock reading: "12:05" or "1:02:03".
		"mins": func(d time.Duration) string {
			d = d.Round(time.Second)
			if d < 0 {
				d = 0
			}
			h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
			if h > 0 {
				return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
			}
			return fmt.Sprintf("%d:%02d", m, sec)
		},
		"spanMinutes": func(sp session.Span) int { return max(int(sp.End.Sub(sp.Start).Minutes()), 1) },
		// dict builds the argument of a shared template from name, value pairs.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict needs pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict keys must be strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"derefBool": func(p *bool) bool { return p != nil && *p },
		"deref": func(p *int) int {
			if p == nil {
				return 0
			}
			return *p
		},
		"contains": func(list any, item any) bool {
			return strings.Contains(fmt.Sprint(list), fmt.Sprint(item))
		},
		"qty": qtyText,
		// stamp is a clock time, with the day when it is not ref's day: a
		// late entry written the next day says both days.
		"stamp": func(loc *time.Location, t, ref time.Time) string {
			if t.IsZero() {
				return ""
			}
			t, ref = t.In(loc), ref.In(loc)
			if t.YearDay() != ref.YearDay() || t.Year() != ref.Year() {
				return t.Format("Mon 2 Jan, 15:04")
			}
			return t.Format("15:04")
		},
		"sub": func(a, b time.Time) time.Duration { return a.Sub(b) },
		// spoken says a duration as a nurse would: "95 min", "2 h 5 min".
		// Whole minutes, counted down as the discharge rules count them: 94
		// min 40 s is 94 min, not 95.
		"spoken": func(d time.Duration) string {
			m := int(d.Truncate(time.Minute) / time.Minute)
			switch {
			case m < 120:
				return fmt.Sprintf("%d min", m)
			case m%60 == 0:
				return fmt.Sprintf("%d h", m/60)
			}
			return fmt.Sprintf("%d h %d min", m/60, m%60)
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		p.byName[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// qtyText shows an amount of controlled drug with its unit: millilitres
// to the places of the protocol's volume rounding ("0.54 mL" for 0.01 mL),
// devices whole ("1 device", "2 devices").
func qtyText(places int, v float64, unit string) string {
	if unit == "devices" {
		if v == 1 {
			return "1 device"
		}
		return strconv.FormatFloat(v, 'f', -1, 64) + " devices"
	}
	return strconv.FormatFloat(v, 'f', places, 64) + " " + unit
}

// view is what every page template receives.
type view struct {
	Title  string
	Nav    string // which tab is current
	Actor  access.Actor
	Clinic ketaflow.Clinic
	Loc    *time.Location
	Now    time.Time
	Notice string            // a calm confirmation ("Patient saved")
	Error  string            // what went wrong with the whole form
	Errors map[string]string // field -> message, shown beside the field
	Data   any
	// Kiosk hides the staff navigation: the page is in the patient's hands
	// (the clinic tablet).
	Kiosk bool
	// OpenAlerts counts the open alerts addressed to the reader's role,
	// for the navigation; AlertsUnknown says the count could not be read,
	// so that the badge says so rather than a reassuring 0.
	OpenAlerts    int
	AlertsUnknown bool
	// PendingRequests counts the account requests (a clinical role, a
	// password reset) that the reader, an admin, may approve: the notice
	// to the other admins (finding 2 of issue 13).
	PendingRequests int
	// BreakGlassAlerts counts the break-glass accesses of others the
	// reader, an admin, has still to review: the alert to the other admins.
	BreakGlassAlerts int
	// Draft is the reader's form kept when their login ended before it
	// was saved, given back to this page: not saved yet.
	Draft *draftView
	// clearDraft: the browser's draft cookie names no form any more.
	clearDraft bool
	// Training is the training clock's reading on a demo server (serve
	// --demo --clock manual), shown on every page; nil on real time.
	Training *app.TrainingClockView
	// ClockSteps are the moves the admin's clock control offers, and Here
	// the page it comes back to.
	ClockSteps []struct{ Value, Label string }
	Here       string
	// Setup lists the clinic settings the admin has still to enter, on
	// the pages that show them: the home page (Patients) and Clinic.
	Setup []ketaflow.SetupTask
	// err is why the page cannot be shown as it should (its clinic could
	// not be read): render fails the request with it rather than show the
	// page in another zone with no clinic.
	err error
}

// withSetup shows the clinic's setup tasks for the actor on the page.
func (v *view) withSetup() { v.Setup = app.SetupTasks(v.Actor, v.Clinic) }

// FieldError returns the message for one field, for the templates.
func (v view) FieldError(field string) string { return v.Errors[field] }

// withError fills in the page's error and field errors from err.
func (v *view) withError(err error) {
	e := ketaflow.AsError(err)
	v.Error = e.Message
	if e.Code == ketaflow.EInternal {
		v.Error = "Something went wrong on our side; nothing was saved. Please try again."
	}
	v.Errors = map[string]string{}
	for _, f := range e.Fields {
		if _, seen := v.Errors[f.Field]; !seen {
			v.Errors[f.Field] = sentence(f.Message)
		}
	}
	if e.Field != "" && v.Errors[e.Field] == "" {
		v.Errors[e.Field] = sentence(e.Message)
	}
	switch n := len(v.Errors); {
	case n > 1:
		v.Error = fmt.Sprintf("Please correct the %d fields marked below; nothing was saved.", n)
	default:
		v.Error = sentence(v.Error)
	}
}

// sentence capitalises a message for display on its own.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// newView starts the view of a page for an actor. A staff member's page
// is shown in their clinic's zone: when the clinic cannot be read, render
// fails the request (times in another zone would mislead).
func (h *UI) newView(r *http.Request, actor access.Actor, title, nav string) view {
	var c ketaflow.Clinic
	var err error
	if actor.ClinicID != "" {
		c, err = h.app.Clinic(r.Context(), actor.ClinicID)
	}
	v := h.clinicView(r, actor, c, title, nav)
	if err != nil {
		v.err = ketaflow.Internal("read the clinic of the page", err)
	}
	return v
}

// clinicView starts the view of a page for an actor of a clinic already
// read (a visit view carries its clinic). A staff member's page without
// its clinic fails at render.
func (h *UI) clinicView(r *http.Request, actor access.Actor, c ketaflow.Clinic, title, nav string) view {
	v := view{Title: title, Nav: nav, Actor: actor, Loc: time.UTC, Now: h.app.Clock.Now()}
	switch {
	case c.ID != "":
		v.Clinic, v.Loc = c, c.Location()
	case actor.ClinicID != "":
		v.err = ketaflow.Internal("page view", fmt.Errorf("the page of a user of clinic %s has no clinic", actor.ClinicID))
	}
	if tc, ok := h.app.TrainingClockNow(); ok {
		v.Training, v.ClockSteps, v.Here = &tc, clockSteps, "/patients"
		if r.Method == http.MethodGet {
			q := r.URL.Query()
			q.Del("done")
			v.Here = (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
		}
	}
	v.Notice = notices[r.URL.Query().Get("done")]
	h.restoreDraft(r, actor, &v)
	if actor.UserID != "" {
		n, err := h.app.OpenAlertCount(r.Context(), actor)
		if err != nil {
			// The page is still of use; its badge says the count is unknown.
			h.log.Error("count the open alerts for the navigation", "path", r.URL.Path, "err", err)
		}
		v.OpenAlerts, v.AlertsUnknown = n, err != nil
		if v.PendingRequests, err = h.app.PendingAccountRequests(r.Context(), actor); err != nil {
			h.log.Error("count the account requests for the navigation", "path", r.URL.Path, "err", err)
		}
		if v.BreakGlassAlerts, err = h.app.BreakGlassAlerts(r.Context(), actor); err != nil {
			h.log.Error("count the break-glass accesses for the navigation", "path", r.URL.Path, "err", err)
		}
	}
	return v
}

// clinicZone is the actor's clinic's time zone, in which a form's local
// times are read (UTC when the clinic cannot be read: the service then
// refuses the request itself).
func (h *UI) clinicZone(r *http.Request, actor access.Actor) *time.Location {
	if c, err := h.app.Clinic(r.Context(), actor.ClinicID); err == nil {
		return c.Location()
	}
	return time.UTC
}

// notices are the confirmations a redirect after a save may show.
var notices = map[string]string{
	"created":              "Patient registered.",
	"amended":              "Amendment saved; the previous version is kept in the history.",
	"weight":               "Weight recorded.",
	"user":                 "User saved.",
	"password":             "Password changed.",
	"must_change_password": "An admin set your password: choose your own below before anything else opens.",
	"requested":            "Request saved: a second admin must approve it (or, for a password reset, the person may confirm it).",
	"approved":             "Request approved and applied: the account must change its password at its next sign-in; its logins and tokens ended.",
	"refused":              "Request refused.",
	"revoked":              "Token revoked.",
	"break_glass":          "Break-glass access open: you read this record outside your role until the time in the band above. The other admins see your reason.",
	"break_glass_ended":    "Break-glass access ended.",
	"break_glass_reviewed": "Break-glass access marked as reviewed.",
	"protocol":             "Protocol saved as a new version. Visits from now on are judged by it; earlier visits keep theirs.",
	"clinic":               "Clinic settings saved.",
	"chair":                "Chair saved.",
	"monitor":              "Saved.",
	"code":                 "Device code table saved.",
	"clock":                "Training clock moved forward: every time from now on is the new training time.",
	"booked":               "Visit booked.",
	"checked_in":           "Checked in. The gate shows what is still needed before dosing.",
	"cancelled":            "Visit cancelled.",
	"not_cleared":          "Visit ended at the gate: not cleared for dosing.",
	"stopped_early":        "Visit stopped early.",
	"recovering":           "Back in monitored rest: discharge waits for every criterion again.",
	"cleared":              "Cleared for dosing.",
	"vitals":               "Vital signs recorded.",
	"fasting":              "Fasting answers recorded; the gate was checked again.",
	"ride":                 "Ride home recorded.",
	"comfort":              "Comfort preferences saved.",
	"gate":                 "Override recorded; the gate was checked again.",
	"assessed":             "Risk assessment recorded.",
	"acknowledged":         "Alert acknowledged, with the action taken.",
	"noted":                "What you did is kept on the alert. It stays open for the prescriber, and escalates until a prescriber acknowledges it.",
	"resolved":             "Alert resolved.",
	"amended_answers":      "Answers amended. The gate reads the amended answers; the earlier ones are kept in the history with who entered them and why.",
	"amended_alert":        "Answers amended. PHQ-9 item 9 is now above the limit, so a safety alert went to the prescriber: stay with the patient and show the crisis resources.",
	"amended_alert_open":   "Answers amended. The safety alert raised on the earlier answers stays open until the prescriber records a risk assessment.",
	"tablet_back":          "The tablet is back with you. What the patient answered is on the visit.",
	"journal_back":         "The tablet is back with you. What the patient wrote is in the journal below.",
	"integration_booked":   "Integration session booked in your calendar.",
	"integration_held":     "Integration session marked held.",
	"integration_note":     "Note signed. It cannot be changed; amend it with a reason if it needs correcting.",
	"integration_amended":  "Amendment signed; the original note and earlier amendments are kept.",
	"ordered":              "Order signed.",
	"prepared":             "Preparation recorded and drawn from the ledger. A second nurse or prescriber must verify it.",
	"verified":             "Dose verified by a second user.",
	"dosing":               "Dosing started.",
	"first_dose":           "First dose recorded: the session clock has started.",
	"device":               "Device recorded.",
	"infusion":             "Infusion updated.",
	"events":               "Adverse event recorded.",
	"rest":                 "Dosing over: monitored rest.",
	"aldrete":              "Aldrete score recorded.",
	"discharge":            "Going-home details saved.",
	"medications":          "Medications saved.",
	"ready_for_discharge":  "Ready for discharge.",
	"discharged":           "Discharged.",
	"rems":                 "REMS form saved.",
	"rems_incomplete":      "Reason recorded: the patient may be discharged, and the REMS form is listed as due with what is missing until it is completed and submitted.",
	"wasted":               "Witnessed waste recorded in the ledger.",
	// The controlled-substance ledger.
	"ledger_received":      "Lot received into the ledger.",
	"ledger_received_more": "Receipt recorded on this lot.",
	"ledger_counted":       "Count recorded; it matches the books.",
	"ledger_count_differs": "Count recorded. It differs from the books, so a discrepancy is open for the clinic admin; on-hand stays as the books say until a witnessed adjustment.",
	"ledger_wasted":        "Witnessed waste recorded.",
	"ledger_adjusted":      "Adjustment recorded with its witness.",
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (h *UI) render(w http.ResponseWriter, status int, name string, v view) error {
	if v.err != nil {
		return v.err
	}
	t, ok := h.pages.byName[name]
	if !ok {
		return ketaflow.Internal("render", fmt.Errorf("no page template %q", name))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return ketaflow.Internal("render "+name, err)
	}
	if v.clearDraft {
		http.SetCookie(w, &http.Cookie{Name: draftCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// renderError shows an error page with the error's status.
func (h *UI) renderError(w http.ResponseWriter, r *http.Request, actor access.Actor, err error) {
	web.LogError(h.log, r, err)
	v := h.newView(r, actor, "Something is not right", "")
	v.withError(err)
	status := web.Status(err)
	v.Title = http.StatusText(status)
	if rerr := h.render(w, status, "error", v); rerr != nil {
		h.log.Error("render error page", "err", rerr)
		http.Error(w, v.Error, status)
	}
}

// redirect answers a form post with a redirect to a page (post, redirect,
// get), so that reloading the page does not post again.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
