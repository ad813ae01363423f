package api

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
)

// The wire types of the clinic's administration: the caller, staff
// accounts and API tokens, the clinic and its chairs, the audit log.

// apiClinic is a clinic as the API shows it.
type apiClinic struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	// Spravato REMS healthcare-setting certification; empty when not certified
	REMSSettingID string `json:"rems_setting_id"`
	// the clinic's own phone number, given to patients (after-care sheet, a
	// positive PHQ-9 item 9); empty until the admin enters it
	Phone string `json:"phone"`
	// the on-call prescriber's phone number, given to staff beside a safety
	// alert; empty until the admin enters it
	OnCallPhone string `json:"on_call_phone"`
	// the crisis line given to staff and patients: 988 (US Suicide & Crisis
	// Lifeline) unless the clinic entered its local one
	CrisisLine string `json:"crisis_line"`
	// SetupTasks are the contacts still to enter (ketaflow.Contacts.Missing).
	SetupTasks []apiSetupTask `json:"setup_tasks"`
	CreatedAt  time.Time      `json:"created_at"`
}

// apiSetupTask is a setting the admin has still to enter.
type apiSetupTask struct {
	// the clinic setting to enter: phone, on_call_phone or crisis_line
	Field string `json:"field"`
	// what to enter and why, in words
	Task string `json:"task"`
}

func toAPIClinic(c ketaflow.Clinic) apiClinic {
	out := apiClinic{ID: c.ID, Name: c.Name, TimeZone: c.TimeZone, REMSSettingID: c.REMSSettingID, Phone: c.Phone,
		OnCallPhone: c.OnCallPhone, CrisisLine: c.CrisisLine, SetupTasks: []apiSetupTask{}, CreatedAt: utcTime(c.CreatedAt)}
	for _, m := range c.Missing() {
		out.SetupTasks = append(out.SetupTasks, apiSetupTask{Field: m.Field, Task: m.Task})
	}
	return out
}

// apiClinicChange is the body of PATCH /api/v1/clinic: the settings to
// change.
type apiClinicChange struct {
	Name          *string `json:"name,omitempty"`
	TimeZone      *string `json:"time_zone,omitempty"`
	REMSSettingID *string `json:"rems_setting_id,omitempty"`
	Phone         *string `json:"phone,omitempty"`
	OnCallPhone   *string `json:"on_call_phone,omitempty"`
	CrisisLine    *string `json:"crisis_line,omitempty"`
}

func (c apiClinicChange) change() app.ClinicChange {
	return app.ClinicChange{Name: c.Name, TimeZone: c.TimeZone, REMSSettingID: c.REMSSettingID,
		Phone: c.Phone, OnCallPhone: c.OnCallPhone, CrisisLine: c.CrisisLine}
}

// apiChair is a treatment chair.
type apiChair struct {
	ID        string    `json:"id"`
	ClinicID  string    `json:"clinic_id"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

func toAPIChair(c ketaflow.Chair) apiChair {
	return apiChair{ID: c.ID, ClinicID: c.ClinicID, Name: c.Name, Active: c.Active, CreatedAt: utcTime(c.CreatedAt)}
}

// apiNewChair is the body of POST /api/v1/chairs.
type apiNewChair struct {
	Name string `json:"name" jsonschema:"required"`
}

// apiChairChange is the body of PATCH /api/v1/chairs/{id}.
type apiChairChange struct {
	Name   *string `json:"name,omitempty"`
	Active *bool   `json:"active,omitempty"`
}

func (c apiChairChange) change() app.ChairChange {
	return app.ChairChange{Name: c.Name, Active: c.Active}
}

// apiChairs is the clinic's chairs.
type apiChairs struct {
	Chairs []apiChair `json:"chairs"`
}

// apiMe is who the caller is.
type apiMe struct {
	UserID   string      `json:"user_id"`
	Username string      `json:"username"`
	Name     string      `json:"name"`
	Role     access.Role `json:"role"`
	Clinic   apiClinic   `json:"clinic"`
}

// apiUser is a staff account.
type apiUser struct {
	ID          string      `json:"id"`
	ClinicID    string      `json:"clinic_id"`
	Username    string      `json:"username"`
	Name        string      `json:"name"`
	Role        access.Role `json:"role"`
	Active      bool        `json:"active"`
	LockedUntil *time.Time  `json:"locked_until,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	// MustChangePassword: an admin set the password (an approved reset or
	// role grant); the person must change it before anything else.
	MustChangePassword bool `json:"must_change_password"`
}

func toAPIUser(u access.User) apiUser {
	return apiUser{ID: u.ID, ClinicID: u.ClinicID, Username: u.Username, Name: u.Name, Role: u.Role, Active: u.Active,
		LockedUntil: utcTimePtr(u.LockedUntil), CreatedAt: utcTime(u.CreatedAt), UpdatedAt: utcTime(u.UpdatedAt),
		MustChangePassword: u.MustChangePassword}
}

// apiNewAccountRequest is the body of POST /api/v1/account-requests.
type apiNewAccountRequest struct {
	UserID string `json:"user_id" jsonschema:"required"`
	// Kind: role (grant a clinical role) or password_reset.
	Kind string `json:"kind" jsonschema:"required,enum=role,enum=password_reset"`
	// Role: the clinical role to grant (nurse, prescriber, therapist), for kind role.
	Role access.Role `json:"role,omitempty"`
	// Password: the new password, for kind password_reset; the person must change it at their next sign-in.
	Password string `json:"password,omitempty"`
}

// apiAccountRequest is a change to an account that waits for a second
// person, or was decided.
type apiAccountRequest struct {
	ID       string      `json:"id"`
	UserID   string      `json:"user_id"`
	Username string      `json:"username"`
	Kind     string      `json:"kind"`
	Role     access.Role `json:"role,omitempty"`
	// RequestedBy is the username of the admin who asked.
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	// Decision: "" while it waits, approved or refused.
	Decision  string     `json:"decision"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	// CanApprove: the caller may approve it now; Why says why not.
	CanApprove bool   `json:"can_approve"`
	Why        string `json:"why,omitempty"`
}

func toAPIAccountRequest(v app.AccountRequestView) apiAccountRequest {
	return apiAccountRequest{ID: v.ID, UserID: v.UserID, Username: v.Username, Kind: v.Kind, Role: v.Role, RequestedBy: v.RequestedBy,
		RequestedAt: utcTime(v.RequestedAt), Decision: v.Decision, DecidedBy: v.DecidedBy, DecidedAt: utcTimePtr(v.DecidedAt),
		CanApprove: v.CanDecide, Why: v.Why}
}

// apiAccountRequests is the clinic's account requests, newest first.
type apiAccountRequests struct {
	Requests []apiAccountRequest `json:"requests"`
}

// apiUsers is the clinic's staff.
type apiUsers struct {
	Users []apiUser `json:"users"`
}

// apiNewUser is the body of POST /api/v1/users.
type apiNewUser struct {
	Username string      `json:"username" jsonschema:"pattern=^[a-z0-9][a-z0-9._-]{2\\,39}$,required"`
	Name     string      `json:"name" jsonschema:"maxLength=100,required"`
	Role     access.Role `json:"role" jsonschema:"required"`
	Password string      `json:"password" jsonschema:"maxLength=128,minLength=12,required"`
}

func (in apiNewUser) newUser() app.NewUser {
	return app.NewUser{Username: in.Username, Name: in.Name, Role: in.Role, Password: in.Password}
}

// apiUserChange is the body of PATCH /api/v1/users/{id}: what to change.
type apiUserChange struct {
	Name     *string      `json:"name,omitempty"`
	Role     *access.Role `json:"role,omitempty"`
	Active   *bool        `json:"active,omitempty"`
	Password *string      `json:"password,omitempty" jsonschema:"maxLength=128,minLength=12"` // a reset by the admin
}

func (c apiUserChange) change() app.UserChange {
	return app.UserChange{Name: c.Name, Role: c.Role, Active: c.Active, Password: c.Password}
}

// apiAPIToken is an API token; its secret is never shown again after it is
// made.
type apiAPIToken struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// ExpiresAt is when the token stops working.
	ExpiresAt time.Time `json:"expires_at"`
	// Scopes is what the token may be used for: read (GET), write (every
	// other request), device (device ingest).
	Scopes []string `json:"scopes"`
}

func toAPIToken(t access.APIToken) apiAPIToken {
	scopes := []string{}
	for _, s := range t.Scopes {
		scopes = append(scopes, string(s))
	}
	return apiAPIToken{ID: t.ID, UserID: t.UserID, Name: t.Name, CreatedAt: utcTime(t.CreatedAt), LastUsedAt: utcTimePtr(t.LastUsedAt),
		RevokedAt: utcTimePtr(t.RevokedAt), ExpiresAt: utcTime(t.ExpiresAt), Scopes: scopes}
}

// apiTokens is the caller's tokens.
type apiTokens struct {
	Tokens []apiAPIToken `json:"tokens"`
}

// apiNewToken is the body of POST /api/v1/tokens.
type apiNewToken struct {
	Name string `json:"name" jsonschema:"required"`
	// Scopes: read, write, device; none means read and write.
	Scopes []string `json:"scopes,omitempty"`
	// ExpiresInDays: 1 to 365; none means the clinic's setting
	// (security.api_token_days, 90 by default).
	ExpiresInDays int `json:"expires_in_days,omitempty"`
}

// apiTokenMade is a new token with its secret, shown this once.
type apiTokenMade struct {
	Token  apiAPIToken `json:"token"`
	Secret string      `json:"secret"`
}

// apiAuditEntry is one entry of the hash-chained audit log.
type apiAuditEntry struct {
	ClinicID  string    `json:"clinic_id"`
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	UserID    string    `json:"user_id"`
	Username  string    `json:"username"`
	Role      string    `json:"role"`
	Action    string    `json:"action"`
	PatientID string    `json:"patient_id"`
	Category  string    `json:"category"`
	Source    string    `json:"source"`
	Outcome   string    `json:"outcome"`
	Detail    string    `json:"detail"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

func toAPIAuditEntry(e audit.Entry) apiAuditEntry {
	return apiAuditEntry{ClinicID: e.ClinicID, Seq: e.Seq, At: utcTime(e.At), UserID: e.UserID, Username: e.Username, Role: e.Role,
		Action: e.Action, PatientID: e.PatientID, Category: e.Category, Source: e.Source, Outcome: e.Outcome, Detail: e.Detail,
		PrevHash: e.PrevHash, Hash: e.Hash}
}

// apiAuditEntries is a page of the audit log, newest first.
type apiAuditEntries struct {
	Entries []apiAuditEntry `json:"entries"`
}
