package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

type usersData struct {
	Users    []access.User
	Roles    []access.Role
	Form     url.Values
	Requests []app.AccountRequestView
	// Glass is the break-glass accesses no admin has reviewed yet.
	Glass []app.BreakGlassReview
}

func (h *UI) usersPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderUsers(w, r, actor, http.StatusOK, nil, nil)
}

func (h *UI) renderUsers(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, form url.Values) error {
	users, err := h.app.Users(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Users", "users")
	if formErr != nil {
		v.withError(formErr)
	}
	requests, err := h.app.AccountRequests(r.Context(), actor)
	if err != nil {
		return err
	}
	glass, err := h.app.BreakGlassToReview(r.Context(), actor)
	if err != nil {
		return err
	}
	v.Data = usersData{Users: users, Roles: access.StaffRoles, Form: form, Requests: requests, Glass: glass}
	return h.render(w, status, "users", v)
}

func (h *UI) createUserSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	_, err := h.app.CreateUser(r.Context(), actor, app.NewUser{Username: f.Get("username"), Name: f.Get("name"),
		Role: access.Role(f.Get("role")), Password: f.Get("password")})
	if err != nil {
		if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.EForbidden) {
			return err
		}
		f.Del("password")
		return h.renderUsers(w, r, actor, web.Status(err), err, f)
	}
	return redirect(w, r, "/admin/users?done=user")
}

func (h *UI) decideRequestSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	approve := r.PostFormValue("decision") == "approve"
	if _, err := h.app.DecideAccountRequest(r.Context(), actor, r.PathValue("id"), approve); err != nil {
		if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.ENotFound) {
			return err
		}
		if actor.Role != access.Admin {
			return err
		}
		return h.renderUsers(w, r, actor, web.Status(err), err, nil)
	}
	if approve {
		return redirect(w, r, "/admin/users?done=approved")
	}
	return redirect(w, r, "/admin/users?done=refused")
}

func (h *UI) updateUserSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	var ch app.UserChange
	if f.Has("role") {
		role := access.Role(f.Get("role"))
		ch.Role = &role
	}
	if f.Has("active") {
		active := f.Get("active") == "true"
		ch.Active = &active
	}
	if pw := f.Get("password"); pw != "" {
		ch.Password = &pw
	}
	// A clinical role or another person's password is a request for a
	// second admin; the rest is changed at once.
	id := r.PathValue("id")
	if ch.Role != nil && access.ClinicalRole(*ch.Role) || ch.Password != nil && id != actor.UserID {
		in := app.AccountChange{UserID: id, Kind: app.RequestPasswordReset}
		if ch.Role != nil {
			in = app.AccountChange{UserID: id, Kind: app.RequestRole, Role: *ch.Role}
		} else {
			in.Password = *ch.Password
		}
		if _, err := h.app.RequestAccountChange(r.Context(), actor, in); err != nil {
			if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.EForbidden) {
				return err
			}
			return h.renderUsers(w, r, actor, web.Status(err), err, nil)
		}
		return redirect(w, r, "/admin/users?done=requested")
	}
	if _, err := h.app.UpdateUser(r.Context(), actor, id, ch); err != nil {
		if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.EForbidden) {
			return err
		}
		return h.renderUsers(w, r, actor, web.Status(err), err, nil)
	}
	return redirect(w, r, "/admin/users?done=user")
}

type auditData struct {
	Filter   url.Values
	Page     app.AuditPage
	Users    []access.User
	Searched bool   // the patient field searched names or MRNs
	Older    string // the next page's address ("" on the last)
	Newest   string // the first page's address ("" on the first)
}

// auditQuery reads the audit filters of a request: patient (a name, an MRN
// or a patient id), patient_id (from a row's link), user (id or username),
// action prefix, from and to (a date, or a date and 24-hour time, in the
// clinic's zone; a date alone as "to" takes in its whole day), and before
// (the page: entries older than this sequence number).
func auditQuery(q url.Values, loc *time.Location, users []access.User) (app.AuditQuery, error) {
	var aq app.AuditQuery
	var p ketaflow.Problems
	if t := strings.TrimSpace(q.Get("patient")); ketaflow.ValidID(t) {
		aq.PatientID = t
	} else {
		aq.Patient = t
	}
	if id := strings.TrimSpace(q.Get("patient_id")); id != "" {
		if !ketaflow.ValidID(id) {
			p.Add("patient_id", "patient_id must be a patient id")
		}
		aq.PatientID = id
	}
	if u := strings.TrimSpace(q.Get("user")); u != "" {
		aq.UserID = u
		for _, x := range users {
			if x.Username == access.NormalizeUsername(u) {
				aq.UserID = x.ID
			}
		}
	}
	aq.Action = strings.TrimSpace(q.Get("action"))
	for _, f := range []struct {
		name, what string
		dst        *time.Time
		wholeDay   bool
	}{{"from", "from", &aq.From, false}, {"to", "to", &aq.To, true}} {
		v := strings.TrimSpace(q.Get(f.name))
		if v == "" {
			continue
		}
		if d, err := ketaflow.ParseDate(v); err == nil {
			*f.dst = d.Time(loc)
			if f.wholeDay {
				*f.dst = f.dst.AddDate(0, 0, 1)
			}
			continue
		}
		t, err := parseLocalTime(v, loc, time.Time{})
		if err != nil {
			p.Add(f.name, "%s must be a date (2026-11-25) or a date and 24-hour time (2026-11-25 14:30)", f.what)
			continue
		}
		*f.dst = t
		if f.wholeDay {
			*f.dst = t.Add(time.Minute) // to 14:30 takes in the minute 14:30
		}
	}
	if v := strings.TrimSpace(q.Get("before")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			p.Add("before", "before must be a positive whole number (the page of the log)")
		}
		aq.BeforeSeq = n
	}
	if !aq.From.IsZero() && !aq.To.IsZero() && !aq.From.Before(aq.To) {
		p.Add("to", "to must be after from")
	}
	return aq, p.Err()
}

func (h *UI) auditPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	users, err := h.app.Users(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Audit log", "audit")
	aq, qerr := auditQuery(r.URL.Query(), v.Loc, users)
	var page app.AuditPage
	status := http.StatusOK
	if qerr != nil {
		v.withError(qerr)
		status = http.StatusBadRequest
	} else if page, err = h.app.AuditLog(r.Context(), actor, aq); err != nil {
		return err
	}
	filter := r.URL.Query()
	d := auditData{Filter: filter, Page: page, Users: users, Searched: aq.Patient != ""}
	if page.NextBeforeSeq > 0 {
		next := url.Values{}
		for k, vs := range filter {
			next[k] = vs
		}
		next.Set("before", strconv.FormatInt(page.NextBeforeSeq, 10))
		d.Older = "/admin/audit?" + next.Encode()
	}
	if aq.BeforeSeq > 0 {
		first := url.Values{}
		for k, vs := range filter {
			first[k] = vs
		}
		first.Del("before")
		d.Newest = "/admin/audit?" + first.Encode()
	}
	v.Data = d
	return h.render(w, status, "audit", v)
}
