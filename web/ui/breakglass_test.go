package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestBreakGlassOpensOneRecordForAWhileAndTellsTheOtherAdmins: the admin
// reads a patient's clinical record only after breaking glass with a
// reason; while it lasts a banner is on every page, the record and its
// visit show clinical content, every read is audited naming the access,
// and the other admin is told and reviews it; it ends by itself at the
// protocol's time (fake clock), and the record is hidden again.
func TestBreakGlassOpensOneRecordForAWhileAndTellsTheOtherAdmins(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		admin2User, err := f.App.AddUserFromCommandLine(ctx, f.ClinicA.ID, app.NewUser{Username: "admin2", Name: "Second Admin",
			Role: access.Admin, Password: webtest.Password})
		if err != nil {
			t.Fatal(err)
		}
		f.Users["admin2"] = admin2User
		visitID, patientID := f.ReadyVisit()
		patient := "/patients/" + patientID
		admin := f.Login("admin")

		_, doc := admin.Get(patient)
		if doc.Find("#clinical .hidden-note").Length() != 1 || doc.Find("form[action='"+patient+"/break-glass']").Length() != 1 {
			t.Fatalf("the admin's patient page: want the clinical record hidden and the break-glass form")
		}
		if doc.Find("#break-glass-banner").Length() != 0 {
			t.Error("a banner before any break-glass")
		}
		// A reason is required, and the refusal names it.
		resp, doc := admin.PostDoc(patient+"/break-glass", url.Values{"reason": {"urgent"}})
		if resp.StatusCode != http.StatusBadRequest || doc.Find("#glass-reason-error").Length() != 1 {
			t.Errorf("break-glass with a one-word reason: %d, field error %q", resp.StatusCode, doc.Find("#glass-reason-error").Text())
		}
		// Front desk may not; a nurse reads the record already.
		fd := f.Login("frontdesk")
		if resp := fd.Post(patient+"/break-glass", url.Values{"reason": {"I want to see the scores please"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk breaking glass: %d, want 403", resp.StatusCode)
		}
		if resp := f.Login("nurse").Post(patient+"/break-glass", url.Values{"reason": {"Reading what I read anyway"}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("a nurse breaking glass: %d, want 409 (reads the whole record already)", resp.StatusCode)
		}

		reason := "Night call: patient reports chest pain after the session and no prescriber answers"
		resp, doc = admin.PostDoc(patient+"/break-glass", url.Values{"reason": {reason}})
		if resp.Request.URL.Path != patient || resp.StatusCode != http.StatusOK {
			t.Fatalf("break-glass: ended at %s (%d)", resp.Request.URL, resp.StatusCode)
		}
		if doc.Find("#clinical .hidden-note").Length() != 0 || !strings.Contains(doc.Find("#clinical").Text(), "Weight history") {
			t.Errorf("under break-glass the clinical record is still hidden: %q", doc.Find("#clinical").Text())
		}
		// The banner on every page, with the patient, the end and the reason.
		for _, p := range []string{patient, "/patients", "/account", "/visits/" + visitID, "/admin/users"} {
			_, d := admin.Get(p)
			b := d.Find("#break-glass-banner")
			if b.Length() != 1 || !strings.Contains(b.Text(), "Ready Patient") || !strings.Contains(b.Text(), reason) {
				t.Errorf("GET %s: banner %q", p, b.Text())
			}
		}
		// The visit shows its readings to the admin now.
		_, d := admin.Get("/visits/" + visitID)
		if !strings.Contains(d.Find("body").Text(), "mmHg") {
			t.Error("the visit under break-glass shows no vital signs")
		}
		// Another patient's record stays hidden.
		if _, d := admin.Get("/patients/" + f.PatientA.ID); f.PatientA.ID != patientID && d.Find("#clinical .hidden-note").Length() != 1 {
			t.Error("break-glass to one patient opened another's record")
		}

		// The other admin is told: a count in the navigation, the access
		// with its reason on Users. The holder is not asked to review it.
		if _, d := admin.Get("/admin/users"); d.Find("#break-glass-count").Length() != 0 || d.Find("#break-glass-review form").Length() != 0 {
			t.Error("the holder is asked to review their own access")
		}
		admin2 := f.Login("admin2")
		_, d = admin2.Get("/patients")
		if got := strings.TrimSpace(d.Find("#break-glass-count").Text()); !strings.Contains(got, "1") {
			t.Errorf("the other admin's navigation count: %q, want 1", got)
		}
		_, d = admin2.Get("/admin/users")
		if !strings.Contains(d.Find("#break-glass-review .glass-reason").Text(), reason) {
			t.Errorf("the other admin's Users page: %q", d.Find("#break-glass-review").Text())
		}
		if d.Find("#break-glass-banner").Length() != 0 {
			t.Error("the other admin sees a banner of an access not theirs")
		}

		// Audited: the opening names the access and not the reason; every
		// read of the patient since names the access.
		es, err := f.App.SearchAudit(ctx, f.Actor("admin2"), app.AuditQuery{PatientID: patientID})
		if err != nil {
			t.Fatal(err)
		}
		glassID, reads := "", 0
		for _, e := range es {
			if strings.Contains(e.Detail, "Night call") {
				t.Errorf("audit entry %s holds the reason: %q", e.Action, e.Detail)
			}
			if e.Action == string(access.BreakGlassOpen) && e.Outcome == audit.OK && e.Username == "admin" {
				glassID = strings.Fields(strings.TrimPrefix(e.Detail, "break-glass "))[0]
				glassID = strings.TrimSuffix(glassID, ":")
			}
		}
		if glassID == "" {
			t.Fatal("no audit entry of the break-glass")
		}
		for _, e := range es {
			if e.Username == "admin" && e.Action == string(access.PatientRead) && strings.Contains(e.Detail, "under break-glass "+glassID) {
				reads++
			}
		}
		if reads < 2 {
			t.Errorf("%d reads of the patient audited under the break-glass, want every one since (at least 2)", reads)
		}

		// It ends by itself at the protocol's time (60 minutes).
		f.Clock.Advance(59 * time.Minute)
		admin = f.Login("admin")
		if _, d := admin.Get(patient); d.Find("#break-glass-banner").Length() != 1 {
			t.Error("no banner a minute before the end")
		}
		f.Clock.Advance(time.Minute)
		_, d = admin.Get(patient)
		if d.Find("#break-glass-banner").Length() != 0 || d.Find("#clinical .hidden-note").Length() != 1 {
			t.Error("at the protocol's time the access has not ended")
		}
		// Reviewed by the other admin, the alert ends; the holder cannot
		// review their own.
		if resp := admin.Post("/admin/break-glass/"+glassID+"/review", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the holder reviewing their own access: %d, want 404", resp.StatusCode)
		}
		admin2 = f.Login("admin2")
		if resp := admin2.Post("/admin/break-glass/"+glassID+"/review", nil); resp.Request.URL.Path != "/admin/users" {
			t.Errorf("review: ended at %s", resp.Request.URL)
		}
		if _, d := admin2.Get("/admin/users"); d.Find("#break-glass-count").Length() != 0 || d.Find("#break-glass-review").Length() != 0 {
			t.Error("the alert stays after review")
		}
	})
}

// TestBreakGlassEndsWhenItsHolderEndsIt: End it now closes the record at
// once.
func TestBreakGlassEndsWhenItsHolderEndsIt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		patient := "/patients/" + f.PatientA.ID
		admin := f.Login("admin")
		admin.Post(patient+"/break-glass", url.Values{"reason": {"Checking an allergy for the ambulance crew on the phone"}})
		if _, d := admin.Get(patient); d.Find("#break-glass-banner").Length() != 1 {
			t.Fatal("no banner after break-glass")
		}
		if resp := admin.Post("/break-glass/end", nil); resp.Request.URL.Path != "/patients" {
			t.Errorf("end: ended at %s", resp.Request.URL)
		}
		if _, d := admin.Get(patient); d.Find("#break-glass-banner").Length() != 0 || d.Find("#clinical .hidden-note").Length() != 1 {
			t.Error("the record is still open after End it now")
		}
		if resp := admin.Post("/break-glass/end", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("ending no access: %d, want 409", resp.StatusCode)
		}
	})
}
