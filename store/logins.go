package store

import (
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
)

// InsertLogin records a new login.
func (tx *Tx) InsertLogin(s access.Login) error {
	_, err := tx.exec("insert login", `INSERT INTO logins (token_hash, user_id, clinic_id, created_at, last_seen_at,
		expires_at, source, two_factor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.TokenHash, s.UserID, s.ClinicID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Source, s.TwoFactor)
	return err
}

// LoginUser returns a login and its user.
func (tx *Tx) LoginUser(tokenHash string) (access.Login, access.User, error) {
	var s access.Login
	var u access.User
	row := tx.row(`SELECT s.token_hash, s.user_id, s.clinic_id, s.created_at, s.last_seen_at,
		s.expires_at, s.ended_at, s.source, s.two_factor, u.id, u.clinic_id, u.username, u.display_name, u.role, u.active, u.locked_until,
		u.created_at, u.updated_at, u.must_change_password FROM logins s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, tokenHash)
	err := row.Scan(&s.TokenHash, &s.UserID, &s.ClinicID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, nullTime{&s.EndedAt},
		&s.Source, &s.TwoFactor, &u.ID, &u.ClinicID, &u.Username, &u.Name, &u.Role, &u.Active, nullTime{&u.LockedUntil}, &u.CreatedAt, &u.UpdatedAt,
		&u.MustChangePassword)
	if err != nil {
		return s, u, tx.notFound(err, "login", "get login")
	}
	return s, u, nil
}

// TouchLogin moves a login's idle clock forward.
func (tx *Tx) TouchLogin(tokenHash string, now time.Time) error {
	_, err := tx.exec("touch login", `UPDATE logins SET last_seen_at = $1 WHERE token_hash = $2`, now, tokenHash)
	return err
}

// ShiftOpenLogins moves the idle and end times of every open login forward
// by d, when the training clock moves forward by d: a move of the clock is
// not time a person spent away, so it neither ends nor lengthens a login.
// (Times are shifted here rather than in SQL, whose date arithmetic differs
// between SQLite and PostgreSQL.)
func (tx *Tx) ShiftOpenLogins(d time.Duration) error {
	rows, err := tx.query("list open logins", `SELECT token_hash, last_seen_at, expires_at FROM logins WHERE ended_at IS NULL`)
	if err != nil {
		return err
	}
	type open struct {
		hash          string
		seen, expires time.Time
	}
	var all []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.hash, &o.seen, &o.expires); err != nil {
			rows.Close()
			return tx.db.mapErr("scan login", err)
		}
		all = append(all, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tx.db.mapErr("list open logins", err)
	}
	for _, o := range all {
		if _, err := tx.exec("shift login", `UPDATE logins SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3`,
			o.seen.Add(d), o.expires.Add(d), o.hash); err != nil {
			return err
		}
	}
	return nil
}

// EndLogin ends one login (logout).
func (tx *Tx) EndLogin(tokenHash string, now time.Time) error {
	_, err := tx.exec("end login", `UPDATE logins SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL`, now, tokenHash)
	return err
}

// EndUserLogins ends every open login of a user (deactivation, role or
// password change).
func (tx *Tx) EndUserLogins(userID string, now time.Time) error {
	_, err := tx.exec("end user logins", `UPDATE logins SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL`, now, userID)
	return err
}

// InsertAPIToken records a new API token.
func (tx *Tx) InsertAPIToken(t access.APIToken) error {
	_, err := tx.exec("insert api token", `INSERT INTO api_tokens (id, user_id, clinic_id, name, token_hash, created_at,
		expires_at, scopes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, t.UserID, t.ClinicID, t.Name, t.TokenHash, t.CreatedAt,
		t.ExpiresAt, scopeText(t.Scopes))
	return err
}

func scopeText(ss []access.Scope) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(s))
	}
	return b.String()
}

const tokenColumns = `t.id, t.user_id, t.clinic_id, t.name, t.token_hash, t.created_at, t.last_used_at, t.revoked_at, t.expires_at, t.scopes`

// tokenRow scans a token; a token made before tokens had an expiry (a
// NULL expires_at) ends access.TokenMaxLifetime after it was made.
type tokenRow struct {
	t       *access.APIToken
	expires *time.Time
	scopes  string
}

func (r *tokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.UserID, &r.t.ClinicID, &r.t.Name, &r.t.TokenHash, &r.t.CreatedAt,
		nullTime{&r.t.LastUsedAt}, nullTime{&r.t.RevokedAt}, nullTime{&r.expires}, &r.scopes}
}

func (r *tokenRow) finish() {
	if r.expires != nil {
		r.t.ExpiresAt = *r.expires
	} else {
		r.t.ExpiresAt = r.t.CreatedAt.Add(access.TokenMaxLifetime)
	}
	r.t.Scopes = nil
	for _, f := range strings.Fields(r.scopes) {
		r.t.Scopes = append(r.t.Scopes, access.Scope(f))
	}
}

func scanToken(sc interface{ Scan(...any) error }, t *access.APIToken, extra ...any) error {
	r := tokenRow{t: t}
	if err := sc.Scan(append(r.dest(), extra...)...); err != nil {
		return err
	}
	r.finish()
	return nil
}

// APITokenUser returns a token by its hash, with its user.
func (tx *Tx) APITokenUser(tokenHash string) (access.APIToken, access.User, error) {
	var t access.APIToken
	var u access.User
	row := tx.row(`SELECT `+tokenColumns+`, u.id, u.clinic_id, u.username, u.display_name, u.role,
		u.active, u.locked_until, u.created_at, u.updated_at FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1`, tokenHash)
	err := scanToken(row, &t, &u.ID, &u.ClinicID, &u.Username, &u.Name, &u.Role, &u.Active, nullTime{&u.LockedUntil},
		&u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return t, u, tx.notFound(err, "API token", "get api token")
	}
	return t, u, nil
}

// TouchAPIToken records when a token was last used.
func (tx *Tx) TouchAPIToken(id string, now time.Time) error {
	_, err := tx.exec("touch api token", `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, id)
	return err
}

// APITokens lists a user's tokens, newest first.
func (tx *Tx) APITokens(userID string) ([]access.APIToken, error) {
	rows, err := tx.query("list api tokens", `SELECT `+tokenColumns+` FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.created_at DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []access.APIToken
	for rows.Next() {
		var t access.APIToken
		if err := scanToken(rows, &t); err != nil {
			return nil, tx.db.mapErr("scan api token", err)
		}
		out = append(out, t)
	}
	return out, tx.db.mapErr("list api tokens", rows.Err())
}

// RevokeUserAPITokens revokes every live token of a user (a password
// change or reset, a role change, a deactivation).
func (tx *Tx) RevokeUserAPITokens(userID string, now time.Time) error {
	_, err := tx.exec("revoke user api tokens", `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, now, userID)
	return err
}

// RevokeAPIToken revokes one of a user's tokens.
func (tx *Tx) RevokeAPIToken(userID, id string, now time.Time) error {
	if !ketaflow.ValidID(id) {
		return ketaflow.NotFound("API token")
	}
	res, err := tx.exec("revoke api token", `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND id = $3 AND revoked_at IS NULL`,
		now, userID, id)
	return tx.one(res, err, "API token")
}
