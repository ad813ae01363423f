package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// Finding 2 of issue 13: the admin could give themselves clinical powers
// (make a prescriber account, or reset a prescriber's password and sign in
// as them, and the prescriber's token survived the reset).

type accountRequestJSON struct {
	ID         string `json:"id"`
	UserID     string `json:"user_id"`
	Kind       string `json:"kind"`
	Role       string `json:"role"`
	Decision   string `json:"decision"`
	CanApprove bool   `json:"can_approve"`
	Why        string `json:"why"`
}

func TestOneAdminCannotGrantClinicalPowers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("admin2", access.Admin)
		ctx := context.Background()

		// A prescriber account made by one admin starts as front desk.
		var u struct {
			ID   string `json:"id"`
			Role string `json:"role"`
		}
		f.must(http.StatusCreated, "admin", "POST", "/api/v1/users", map[string]any{"username": "doc2", "name": "Dr Two",
			"role": "prescriber", "password": "a long enough passphrase"}, &u)
		if u.Role != "frontdesk" {
			t.Fatalf("new prescriber account has role %s before approval, want frontdesk", u.Role)
		}
		// Nor can a role or another person's password be changed directly.
		f.refused(http.StatusConflict, "conflict", "admin", "PATCH", "/api/v1/users/"+f.Users["frontdesk"].ID, map[string]any{"role": "prescriber"}, "second admin")
		f.refused(http.StatusConflict, "conflict", "admin", "PATCH", "/api/v1/users/"+f.Users["prescriber"].ID,
			map[string]any{"password": "the admin knows this one"}, "second admin")
		if _, err := f.App.Login(ctx, "prescriber", "the admin knows this one", "attacker"); err == nil {
			t.Fatal("the admin signed in with a password they set alone")
		}

		// The admin asks to reset the prescriber's password: it waits.
		var req accountRequestJSON
		f.must(http.StatusCreated, "admin", "POST", "/api/v1/account-requests", map[string]any{"user_id": f.Users["prescriber"].ID,
			"kind": "password_reset", "password": "the admin knows this one"}, &req)
		if req.CanApprove || !strings.Contains(req.Why, "second admin") {
			t.Errorf("the requester may approve their own request: %+v", req)
		}
		f.refused(http.StatusForbidden, "forbidden", "admin", "POST", "/api/v1/account-requests/"+req.ID+"/approval", nil, "second admin")
		f.must(http.StatusOK, "prescriber", "GET", "/api/v1/me", nil, nil) // nothing applied yet
		prescriberLogin := f.loginSecret("prescriber")

		// The other admins see it waiting: in the API, on the Users page
		// with Approve, and as a count in the navigation.
		var list struct{ Requests []accountRequestJSON }
		f.must(http.StatusOK, "admin2", "GET", "/api/v1/account-requests", nil, &list)
		pending := 0
		for _, r := range list.Requests {
			if r.Decision == "" && r.CanApprove {
				pending++
			}
		}
		if pending != 2 { // the prescriber role of doc2, the reset
			t.Errorf("admin2 may approve %d requests, want 2: %+v", pending, list.Requests)
		}
		_, doc := f.Login("admin2").Get("/admin/users")
		if n := doc.Find("#account-requests tr.pending button[value=approve]").Length(); n != 2 {
			t.Errorf("admin2's users page offers %d approvals, want 2", n)
		}
		if got := strings.TrimSpace(doc.Find("#request-count").Text()); got != "2" {
			t.Errorf("admin2's navigation count: %q, want 2", got)
		}
		_, doc = f.Login("admin").Get("/admin/users")
		if n := doc.Find("#account-requests tr.pending button[value=approve]").Length(); n != 0 || doc.Find("#request-count").Length() != 0 {
			t.Errorf("the requesting admin is offered %d approvals of their own requests", n)
		}

		// A second admin approves: the reset applies, the prescriber's
		// token and login end, and whoever signs in with the new password
		// must change it before anything else.
		f.must(http.StatusOK, "admin2", "POST", "/api/v1/account-requests/"+req.ID+"/approval", nil, &req)
		if req.Decision != "approved" {
			t.Fatalf("decision %q", req.Decision)
		}
		f.refused(http.StatusConflict, "conflict", "admin2", "POST", "/api/v1/account-requests/"+req.ID+"/refusal", nil, "approved already")
		f.refused(http.StatusUnauthorized, "unauthorized", "prescriber", "GET", "/api/v1/me", nil)
		if _, err := f.App.Authenticate(ctx, prescriberLogin, "test"); err == nil {
			t.Error("the prescriber's login survived the reset")
		}
		f.Tokens["reset-login"] = f.loginSecret2("prescriber", "the admin knows this one")
		f.refused(http.StatusForbidden, "forbidden", "reset-login", "GET", "/api/v1/patients", nil, "change it")
		f.refused(http.StatusForbidden, "forbidden", "reset-login", "POST", "/api/v1/tokens", map[string]any{"name": "keep"}, "change it")
		actor, err := f.App.Authenticate(ctx, f.Tokens["reset-login"], "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.App.ChangeOwnPassword(ctx, actor, "the admin knows this one", "the prescriber's own phrase"); err != nil {
			t.Fatal(err)
		}
		f.Tokens["own-login"] = f.loginSecret2("prescriber", "the prescriber's own phrase")
		f.must(http.StatusOK, "own-login", "GET", "/api/v1/patients", nil, nil)

		// The clinical role of doc2, approved by the second admin.
		f.must(http.StatusOK, "admin2", "GET", "/api/v1/account-requests", nil, &list)
		for _, r := range list.Requests {
			if r.Kind == "role" && r.UserID == u.ID {
				f.must(http.StatusOK, "admin2", "POST", "/api/v1/account-requests/"+r.ID+"/approval", nil, nil)
			}
		}
		var users struct {
			Users []struct {
				ID                 string `json:"id"`
				Role               string `json:"role"`
				MustChangePassword bool   `json:"must_change_password"`
			} `json:"users"`
		}
		f.must(http.StatusOK, "admin", "GET", "/api/v1/users", nil, &users)
		for _, x := range users.Users {
			if x.ID == u.ID && (x.Role != "prescriber" || !x.MustChangePassword) {
				t.Errorf("doc2 after approval: %+v", x)
			}
		}

		// A reset the person themself confirms.
		f.must(http.StatusCreated, "admin", "POST", "/api/v1/account-requests", map[string]any{"user_id": f.Users["therapist"].ID,
			"kind": "password_reset", "password": "a reset the therapist asked for"}, &req)
		f.refused(http.StatusForbidden, "forbidden", "nurse", "POST", "/api/v1/account-requests/"+req.ID+"/approval", nil)
		f.must(http.StatusOK, "therapist", "POST", "/api/v1/account-requests/"+req.ID+"/approval", nil, &req)
		if _, err := f.App.Login(ctx, "therapist", "a reset the therapist asked for", "test"); err != nil {
			t.Errorf("the confirmed reset did not apply: %v", err)
		}
	})
}

// loginSecret2 signs in with a password other than the fixture's.
func (f *fixture) loginSecret2(username, password string) string {
	f.T.Helper()
	secretIn, err := f.App.Login(context.Background(), username, password, "test")
	secret := secretIn.LoginSecret
	if err != nil {
		f.T.Fatal(err)
	}
	return secret
}
