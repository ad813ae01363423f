package store

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
)

// InsertClinic adds a clinic. It starts with the board's default names
// (initials); UpdateClinic changes them.
func (tx *Tx) InsertClinic(c ketaflow.Clinic) error {
	_, err := tx.exec("insert clinic", `INSERT INTO clinics (id, name, time_zone, phone, on_call_phone, crisis_line, demo, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.Name, c.TimeZone, c.Phone, c.OnCallPhone, c.CrisisLine, c.Demo, c.CreatedAt)
	return err
}

const clinicColumns = `id, name, time_zone, rems_setting_id, phone, on_call_phone, crisis_line, demo, board_names, created_at`

func clinicDest(c *ketaflow.Clinic) []any {
	return []any{&c.ID, &c.Name, &c.TimeZone, &c.REMSSettingID, &c.Phone, &c.OnCallPhone, &c.CrisisLine, &c.Demo, &c.BoardNames, &c.CreatedAt}
}

// Clinic returns one clinic.
func (tx *Tx) Clinic(id string) (ketaflow.Clinic, error) {
	var c ketaflow.Clinic
	err := tx.queryRow("get clinic", "clinic", `SELECT `+clinicColumns+` FROM clinics WHERE id = $1`, []any{id}, clinicDest(&c)...)
	return c, err
}

// Clinics lists every clinic, oldest first.
func (tx *Tx) Clinics() ([]ketaflow.Clinic, error) {
	rows, err := tx.query("list clinics", `SELECT `+clinicColumns+` FROM clinics ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ketaflow.Clinic
	for rows.Next() {
		var c ketaflow.Clinic
		if err := rows.Scan(clinicDest(&c)...); err != nil {
			return nil, tx.db.mapErr("scan clinic", err)
		}
		out = append(out, c)
	}
	return out, tx.db.mapErr("list clinics", rows.Err())
}

// UpdateClinic saves a clinic's settings: name, time zone, REMS setting id,
// contacts and how the board names patients.
func (tx *Tx) UpdateClinic(c ketaflow.Clinic) error {
	res, err := tx.exec("update clinic", `UPDATE clinics SET name = $1, time_zone = $2, rems_setting_id = $3,
		phone = $4, on_call_phone = $5, crisis_line = $6, board_names = $7 WHERE id = $8`,
		c.Name, c.TimeZone, c.REMSSettingID, c.Phone, c.OnCallPhone, c.CrisisLine, c.Boards(), c.ID)
	return tx.one(res, err, "clinic")
}

// InsertChair adds a chair.
func (tx *Tx) InsertChair(c ketaflow.Chair) error {
	_, err := tx.exec("insert chair", `INSERT INTO chairs (id, clinic_id, name, active, created_at) VALUES ($1, $2, $3, $4, $5)`,
		c.ID, c.ClinicID, c.Name, c.Active, c.CreatedAt)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "name", Message: "a chair named " + c.Name + " exists already", Err: err}
	}
	return err
}

// UpdateChair saves a chair's name and active flag.
func (tx *Tx) UpdateChair(c ketaflow.Chair) error {
	res, err := tx.exec("update chair", `UPDATE chairs SET name = $1, active = $2 WHERE clinic_id = $3 AND id = $4`,
		c.Name, c.Active, c.ClinicID, c.ID)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "name", Message: "a chair named " + c.Name + " exists already", Err: err}
	}
	return tx.one(res, err, "chair")
}

// Chairs lists a clinic's chairs by name.
func (tx *Tx) Chairs(clinicID string) ([]ketaflow.Chair, error) {
	rows, err := tx.query("list chairs", `SELECT id, clinic_id, name, active, created_at FROM chairs WHERE clinic_id = $1 ORDER BY name`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ketaflow.Chair
	for rows.Next() {
		var c ketaflow.Chair
		if err := rows.Scan(&c.ID, &c.ClinicID, &c.Name, &c.Active, &c.CreatedAt); err != nil {
			return nil, tx.db.mapErr("scan chair", err)
		}
		out = append(out, c)
	}
	return out, tx.db.mapErr("list chairs", rows.Err())
}

// Chair returns one chair of a clinic.
func (tx *Tx) Chair(clinicID, id string) (ketaflow.Chair, error) {
	var c ketaflow.Chair
	if !ketaflow.ValidID(id) {
		return c, ketaflow.NotFound("chair")
	}
	err := tx.queryRow("get chair", "chair", `SELECT id, clinic_id, name, active, created_at FROM chairs WHERE clinic_id = $1 AND id = $2`,
		[]any{clinicID, id}, &c.ID, &c.ClinicID, &c.Name, &c.Active, &c.CreatedAt)
	return c, err
}

// NextMRN takes the clinic's next medical record number. The UPDATE locks
// the clinic row, so two registrations never get the same number.
func (tx *Tx) NextMRN(clinicID string) (int64, error) {
	var n int64
	err := tx.queryRow("next mrn", "clinic", `UPDATE clinics SET mrn_seq = mrn_seq + 1 WHERE id = $1 RETURNING mrn_seq`,
		[]any{clinicID}, &n)
	return n, err
}

const userColumns = `id, clinic_id, username, display_name, role, active, locked_until, created_at, updated_at, must_change_password`

func scanUser(sc interface{ Scan(...any) error }, u *access.User, extra ...any) error {
	return sc.Scan(append([]any{&u.ID, &u.ClinicID, &u.Username, &u.Name, &u.Role, &u.Active,
		nullTime{&u.LockedUntil}, &u.CreatedAt, &u.UpdatedAt, &u.MustChangePassword}, extra...)...)
}

// InsertUser adds a staff account with its password hash. A username taken
// in any clinic is an EConflict: usernames are how people log in.
func (tx *Tx) InsertUser(u access.User, passwordHash string) error {
	_, err := tx.exec("insert user", `INSERT INTO users (id, clinic_id, username, display_name, role, password_hash, active,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.ClinicID, u.Username, u.Name, string(u.Role), passwordHash, u.Active, u.CreatedAt, u.UpdatedAt)
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "username", Message: "the username " + u.Username + " is taken", Err: err}
	}
	return err
}

// UserLogin is what a login needs to know about an account.
type UserLogin struct {
	User         access.User
	PasswordHash string
	FailedLogins int
}

// UserByUsername finds an account by its username, in any clinic.
func (tx *Tx) UserByUsername(username string) (UserLogin, error) {
	var l UserLogin
	row := tx.row(`SELECT `+userColumns+`, password_hash, failed_logins FROM users WHERE username = $1`, username)
	err := scanUser(row, &l.User, &l.PasswordHash, &l.FailedLogins)
	if err != nil {
		return l, tx.notFound(err, "user", "get user by username")
	}
	return l, nil
}

// User returns one account of a clinic.
func (tx *Tx) User(clinicID, id string) (access.User, error) {
	var u access.User
	if !ketaflow.ValidID(id) {
		return u, ketaflow.NotFound("user")
	}
	row := tx.row(`SELECT `+userColumns+` FROM users WHERE clinic_id = $1 AND id = $2`, clinicID, id)
	if err := scanUser(row, &u); err != nil {
		return u, tx.notFound(err, "user", "get user")
	}
	return u, nil
}

// Users lists the accounts of a clinic by name.
func (tx *Tx) Users(clinicID string) ([]access.User, error) {
	rows, err := tx.query("list users", `SELECT `+userColumns+` FROM users WHERE clinic_id = $1 ORDER BY display_name, username`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []access.User
	for rows.Next() {
		var u access.User
		if err := scanUser(rows, &u); err != nil {
			return nil, tx.db.mapErr("scan user", err)
		}
		out = append(out, u)
	}
	return out, tx.db.mapErr("list users", rows.Err())
}

// UpdateUser saves an account's name, role and active flag.
func (tx *Tx) UpdateUser(u access.User) error {
	res, err := tx.exec("update user", `UPDATE users SET display_name = $1, role = $2, active = $3, updated_at = $4
		WHERE clinic_id = $5 AND id = $6`, u.Name, string(u.Role), u.Active, u.UpdatedAt, u.ClinicID, u.ID)
	return tx.one(res, err, "user")
}

// SetPassword replaces an account's password hash and clears its lockout.
// mustChange says whether the person must change it at the next sign-in
// (someone else set it).
func (tx *Tx) SetPassword(clinicID, userID, hash string, now time.Time, mustChange bool) error {
	res, err := tx.exec("set password", `UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2,
		must_change_password = $3 WHERE clinic_id = $4 AND id = $5`, hash, now, mustChange, clinicID, userID)
	return tx.one(res, err, "user")
}

// MustChangePassword makes the person change their password at the next
// sign-in.
func (tx *Tx) MustChangePassword(clinicID, userID string) error {
	res, err := tx.exec("force password change", `UPDATE users SET must_change_password = $1 WHERE clinic_id = $2 AND id = $3`,
		true, clinicID, userID)
	return tx.one(res, err, "user")
}

// AccountRequest is a change to an account that waits for a second
// person: a clinical role to grant, or a password reset.
type AccountRequest struct {
	ID, ClinicID, UserID string
	Kind                 string // role, password_reset
	Role                 access.Role
	PasswordHash         string
	RequestedBy          string
	RequestedAt          time.Time
	Decision             string // "", approved, refused
	DecidedBy            string
	DecidedAt            *time.Time
}

// InsertAccountRequest records a request.
func (tx *Tx) InsertAccountRequest(r AccountRequest) error {
	_, err := tx.exec("insert account request", `INSERT INTO account_requests (id, clinic_id, user_id, kind, role, password_hash,
		requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.ClinicID, r.UserID, r.Kind, string(r.Role),
		r.PasswordHash, r.RequestedBy, r.RequestedAt)
	return err
}

const accountRequestColumns = `id, clinic_id, user_id, kind, role, password_hash, requested_by, requested_at, decision, decided_by, decided_at`

func scanAccountRequest(sc interface{ Scan(...any) error }, r *AccountRequest) error {
	return sc.Scan(&r.ID, &r.ClinicID, &r.UserID, &r.Kind, &r.Role, &r.PasswordHash, &r.RequestedBy, &r.RequestedAt,
		&r.Decision, &r.DecidedBy, nullTime{&r.DecidedAt})
}

// AccountRequest returns a request of a clinic. (DecideAccountRequest
// decides only a pending one, so two deciders cannot both win.)
func (tx *Tx) AccountRequest(clinicID, id string) (AccountRequest, error) {
	var r AccountRequest
	if !ketaflow.ValidID(id) {
		return r, ketaflow.NotFound("account request")
	}
	row := tx.row(`SELECT `+accountRequestColumns+` FROM account_requests WHERE clinic_id = $1 AND id = $2`, clinicID, id)
	if err := scanAccountRequest(row, &r); err != nil {
		return r, tx.notFound(err, "account request", "get account request")
	}
	return r, nil
}

// AccountRequests lists a clinic's requests made since, newest first.
func (tx *Tx) AccountRequests(clinicID string, since time.Time) ([]AccountRequest, error) {
	rows, err := tx.query("list account requests", `SELECT `+accountRequestColumns+` FROM account_requests
		WHERE clinic_id = $1 AND (decision = '' OR requested_at >= $2) ORDER BY requested_at DESC`, clinicID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccountRequest
	for rows.Next() {
		var r AccountRequest
		if err := scanAccountRequest(rows, &r); err != nil {
			return nil, tx.db.mapErr("scan account request", err)
		}
		out = append(out, r)
	}
	return out, tx.db.mapErr("list account requests", rows.Err())
}

// DecideAccountRequest records the decision on a pending request.
func (tx *Tx) DecideAccountRequest(r AccountRequest) error {
	res, err := tx.exec("decide account request", `UPDATE account_requests SET decision = $1, decided_by = $2, decided_at = $3,
		password_hash = '' WHERE clinic_id = $4 AND id = $5 AND decision = ''`, r.Decision, r.DecidedBy, r.DecidedAt, r.ClinicID, r.ID)
	return tx.one(res, err, "account request")
}

// SetLoginFailures records the count of failed logins in a row and, when the
// account is locked, until when.
func (tx *Tx) SetLoginFailures(userID string, failed int, lockedUntil *time.Time) error {
	_, err := tx.exec("set login failures", `UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3`,
		failed, timePtr(lockedUntil), userID)
	return err
}
