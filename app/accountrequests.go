package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
)

// Finding 2 of issue 13: an admin could give themselves clinical powers,
// by making a prescriber account or by resetting a prescriber's password
// and signing in as them. Granting a clinical role (nurse, prescriber,
// therapist) or resetting another person's password is a request: another
// admin approves it, or, for a reset, the person themself confirms it.
// Approval forces a password change at the next sign-in and ends every
// login and token of the account. Every admin sees the waiting requests
// (the Users page and its count in the navigation, GET
// /api/v1/account-requests); the request and the decision are audited.
// With a single admin, the server's command line (ketaflow user add) is
// the way to add a clinical account.

// Kinds of account request.
const (
	RequestRole          = "role"
	RequestPasswordReset = "password_reset"
)

// Decisions on an account request.
const (
	Approved = "approved"
	Refused  = "refused"
)

// accountRequestsShown is how long a decided request stays listed.
const accountRequestsShown = 30 * 24 * time.Hour

// AccountChange is what an admin asks for.
type AccountChange struct {
	UserID   string
	Kind     string // RequestRole or RequestPasswordReset
	Role     access.Role
	Password string
}

// AccountRequestView is a request as admins see it, with whether the
// reader may decide it.
type AccountRequestView struct {
	ID, UserID, Username, Name string
	Kind                       string
	Role                       access.Role
	RequestedBy                string // the admin's username
	RequestedAt                time.Time
	Decision                   string
	DecidedBy                  string
	DecidedAt                  *time.Time
	// CanDecide: the reader may approve or refuse it now; Why says why not.
	CanDecide bool
	Why       string
}

var errSecondAdmin = func(field, what string) error {
	return &ketaflow.Error{Code: ketaflow.EConflict, Field: field,
		Message: what + " needs a second admin's approval: request it (Users page, or POST /api/v1/account-requests)"}
}

// RequestAccountChange records a request for a clinical role or a password
// reset of another person's account, for a second admin to decide.
func (a *App) RequestAccountChange(ctx context.Context, actor access.Actor, in AccountChange) (AccountRequestView, error) {
	var out AccountRequestView
	err := a.do(ctx, actor, op{Action: access.UserManage, Category: access.CatAccount}, func(tx *store.Tx, o *op) error {
		r, err := a.requestAccountChange(tx, actor, in)
		if err != nil {
			return err
		}
		o.Detail = fmt.Sprintf("account request %s: %s for user %s", r.ID, describeRequest(r), r.UserID)
		out, err = a.accountRequestView(tx, actor, r)
		return err
	})
	return out, err
}

func describeRequest(r store.AccountRequest) string {
	if r.Kind == RequestRole {
		return "role " + string(r.Role)
	}
	return "password reset"
}

func (a *App) requestAccountChange(tx *store.Tx, actor access.Actor, in AccountChange) (store.AccountRequest, error) {
	u, err := tx.User(actor.ClinicID, in.UserID)
	if err != nil {
		return store.AccountRequest{}, err
	}
	r := store.AccountRequest{ID: ketaflow.NewID(), ClinicID: actor.ClinicID, UserID: u.ID, Kind: in.Kind,
		RequestedBy: actor.UserID, RequestedAt: a.Clock.Now()}
	switch in.Kind {
	case RequestRole:
		role, err := access.ParseRole("role", string(in.Role))
		if err != nil {
			return r, err
		}
		if !access.ClinicalRole(role) {
			return r, ketaflow.Invalid("role", "only a clinical role (nurse, prescriber, therapist) needs a request; set the %s role directly", role)
		}
		if role == u.Role {
			return r, ketaflow.Invalid("role", "%s has the %s role already", u.Username, role)
		}
		if u.ID == actor.UserID {
			return r, ketaflow.Invalid("role", "you cannot change your own role; ask another admin")
		}
		r.Role = role
	case RequestPasswordReset:
		if u.ID == actor.UserID {
			return r, ketaflow.Invalid("user_id", "change your own password under Account")
		}
		if err := access.CheckPassword("password", in.Password); err != nil {
			return r, err
		}
		r.PasswordHash = a.passwords.Hash(in.Password)
	default:
		return r, ketaflow.Invalid("kind", "kind must be role or password_reset")
	}
	pending, err := tx.AccountRequests(actor.ClinicID, a.Clock.Now())
	if err != nil {
		return r, err
	}
	for _, p := range pending {
		if p.UserID == u.ID && p.Kind == r.Kind && p.Decision == "" {
			return r, &ketaflow.Error{Code: ketaflow.EConflict, Field: "kind",
				Message: fmt.Sprintf("a %s request for %s is waiting already", describeRequest(p), u.Username)}
		}
	}
	return r, tx.InsertAccountRequest(r)
}

// mayDecide says whether actor may approve (or refuse) a request: an admin
// other than the one who asked; for a reset, the person themself too. The
// one who asked may withdraw it (refuse).
func mayDecide(actor access.Actor, r store.AccountRequest, approve bool) error {
	if r.Decision != "" {
		return &ketaflow.Error{Code: ketaflow.EConflict, Message: "the request was " + r.Decision + " already"}
	}
	self := r.Kind == RequestPasswordReset && actor.UserID == r.UserID
	switch {
	case self:
		return nil
	case actor.Role != access.Admin:
		return &ketaflow.Error{Code: ketaflow.EForbidden, Message: "only another admin, or for a password reset the person themself, decides this request"}
	case approve && actor.UserID == r.RequestedBy:
		return &ketaflow.Error{Code: ketaflow.EForbidden, Message: "a second admin must approve your request: you may only withdraw it"}
	}
	return nil
}

// DecideAccountRequest approves or refuses a request. Approval applies it:
// the role or the password, a password change forced at the next sign-in,
// and every login and token of the account ended.
func (a *App) DecideAccountRequest(ctx context.Context, actor access.Actor, id string, approve bool) (AccountRequestView, error) {
	var out AccountRequestView
	err := a.do(ctx, actor, op{Action: access.UserApprove, Category: access.CatAccount}, func(tx *store.Tx, o *op) error {
		r, err := tx.AccountRequest(actor.ClinicID, id)
		if err != nil {
			return err
		}
		if err := mayDecide(actor, r, approve); err != nil {
			return err
		}
		now := a.Clock.Now()
		r.Decision, r.DecidedBy, r.DecidedAt = Refused, actor.UserID, &now
		if approve {
			r.Decision = Approved
			if err := a.applyAccountRequest(tx, r, now); err != nil {
				return err
			}
		}
		if err := tx.DecideAccountRequest(r); err != nil {
			return err
		}
		o.Detail = fmt.Sprintf("account request %s (%s for user %s) %s", r.ID, describeRequest(r), r.UserID, r.Decision)
		out, err = a.accountRequestView(tx, actor, r)
		return err
	})
	return out, err
}

func (a *App) applyAccountRequest(tx *store.Tx, r store.AccountRequest, now time.Time) error {
	u, err := tx.User(r.ClinicID, r.UserID)
	if err != nil {
		return err
	}
	switch r.Kind {
	case RequestRole:
		u.Role, u.UpdatedAt = r.Role, now
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if err := tx.MustChangePassword(r.ClinicID, u.ID); err != nil {
			return err
		}
	case RequestPasswordReset:
		if err := tx.SetPassword(r.ClinicID, u.ID, r.PasswordHash, now, true); err != nil {
			return err
		}
	}
	return endAccess(tx, u.ID, now)
}

// AccountRequests lists the clinic's waiting requests and those decided in
// the last 30 days, newest first.
func (a *App) AccountRequests(ctx context.Context, actor access.Actor) ([]AccountRequestView, error) {
	var out []AccountRequestView
	err := a.view(ctx, actor, op{Action: access.UserList, Category: access.CatAccount, Detail: "account requests"}, func(tx *store.Tx, o *op) error {
		rs, err := tx.AccountRequests(actor.ClinicID, a.Clock.Now().Add(-accountRequestsShown))
		if err != nil {
			return err
		}
		out = make([]AccountRequestView, 0, len(rs))
		for _, r := range rs {
			v, err := a.accountRequestView(tx, actor, r)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// PendingAccountRequests counts the requests the admin may approve, for
// the navigation's notice; 0 for other roles.
func (a *App) PendingAccountRequests(ctx context.Context, actor access.Actor) (int, error) {
	if actor.Role != access.Admin || actor.MustChangePassword {
		return 0, nil
	}
	n := 0
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		rs, err := tx.AccountRequests(actor.ClinicID, a.Clock.Now())
		for _, r := range rs {
			if mayDecide(actor, r, true) == nil {
				n++
			}
		}
		return err
	})
	return n, err
}

func (a *App) accountRequestView(tx *store.Tx, actor access.Actor, r store.AccountRequest) (AccountRequestView, error) {
	u, err := tx.User(r.ClinicID, r.UserID)
	if err != nil {
		return AccountRequestView{}, err
	}
	by, err := tx.User(r.ClinicID, r.RequestedBy)
	if err != nil {
		return AccountRequestView{}, err
	}
	v := AccountRequestView{ID: r.ID, UserID: r.UserID, Username: u.Username, Name: u.Name, Kind: r.Kind, Role: r.Role,
		RequestedBy: by.Username, RequestedAt: r.RequestedAt, Decision: r.Decision, DecidedAt: r.DecidedAt}
	if r.DecidedBy != "" {
		if d, err := tx.User(r.ClinicID, r.DecidedBy); err == nil {
			v.DecidedBy = d.Username
		} else if !ketaflow.IsCode(err, ketaflow.ENotFound) {
			return v, err
		}
	}
	if err := mayDecide(actor, r, true); err != nil {
		v.Why = ketaflow.ErrorMessage(err)
	} else {
		v.CanDecide = true
	}
	return v, nil
}
