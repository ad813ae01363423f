package ui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/web"
)

type usersData struct {
	Users    []access.User
	Roles    []access.Role
	Form     url.Values
	Requests []app.AccountRequestView
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
	v.Data = usersData{Users: users, Roles: access.StaffRoles, Form: form, Requests: requests}
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
	Filter  url.Values
	Entries []audit.Entry
	Users   map[string]string
}

// auditQuery reads the audit filters of a request: patient (id), user (id
// or username), action prefix, from and to (dates in the clinic's zone,
// to inclusive).
func auditQuery(q url.Values, loc *time.Location, users []access.User) (app.AuditQuery, error) {
	var aq app.AuditQuery
	var p ketaflow.Problems
	aq.PatientID = strings.TrimSpace(q.Get("patient"))
	if aq.PatientID != "" && !ketaflow.ValidID(aq.PatientID) {
		p.Add("patient", "patient must be a patient id (copy it from the patient's page)")
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
		name string
		dst  *time.Time
		add  int
	}{{"from", &aq.From, 0}, {"to", &aq.To, 1}} {
		if v := strings.TrimSpace(q.Get(f.name)); v != "" {
			d, err := ketaflow.ParseDate(v)
			if err != nil {
				p.Add(f.name, "%s must be a date (YYYY-MM-DD)", f.name)
				continue
			}
			*f.dst = d.Time(loc).AddDate(0, 0, f.add)
		}
	}
	return aq, p.Err()
}

func (h *UI) auditPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	users, err := h.app.Users(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Audit log", "audit")
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	aq, qerr := auditQuery(r.URL.Query(), v.Loc, users)
	var entries []audit.Entry
	status := http.StatusOK
	if qerr != nil {
		v.withError(qerr)
		status = http.StatusBadRequest
	} else {
		aq.Limit = 300
		if entries, err = h.app.SearchAudit(r.Context(), actor, aq); err != nil {
			return err
		}
	}
	v.Data = auditData{Filter: r.URL.Query(), Entries: entries, Users: names}
	return h.render(w, status, "audit", v)
}
