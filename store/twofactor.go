package store

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
)

// SecondFactor returns a user's authenticator; ENotFound when they never
// began to set one up.
func (tx *Tx) SecondFactor(userID string) (access.SecondFactor, error) {
	f := access.SecondFactor{UserID: userID}
	err := tx.queryRow("get second factor", "authenticator", `SELECT clinic_id, secret, pending_secret, confirmed_at, last_step
		FROM second_factors WHERE user_id = $1`, []any{userID}, &f.ClinicID, &f.Secret, &f.PendingSecret, nullTime{&f.ConfirmedAt}, &f.LastStep)
	return f, err
}

// SetPendingSecondFactor keeps a secret being set up for a user, beside the
// confirmed one if there is one (which goes on working until the new one
// is confirmed).
func (tx *Tx) SetPendingSecondFactor(clinicID, userID, secret string, now time.Time) error {
	res, err := tx.exec("set pending second factor", `UPDATE second_factors SET pending_secret = $1, updated_at = $2 WHERE user_id = $3`,
		secret, now, userID)
	if err := tx.one(res, err, "authenticator"); !ketaflow.IsCode(err, ketaflow.ENotFound) {
		return err
	}
	_, err = tx.exec("insert second factor", `INSERT INTO second_factors (user_id, clinic_id, pending_secret, updated_at)
		VALUES ($1, $2, $3, $4)`, userID, clinicID, secret, now)
	return err
}

// ConfirmSecondFactor makes the pending secret the user's authenticator,
// with step as the last one used (the code that confirmed it). It fails
// with EConflict when the pending secret is no longer the one confirmed
// (set up again meanwhile).
func (tx *Tx) ConfirmSecondFactor(userID, pending string, step int64, now time.Time) error {
	res, err := tx.exec("confirm second factor", `UPDATE second_factors SET secret = pending_secret, pending_secret = '',
		confirmed_at = $1, last_step = $2, updated_at = $1 WHERE user_id = $3 AND pending_secret = $4 AND pending_secret <> ''`,
		now, step, userID, pending)
	if err := tx.one(res, err, "authenticator"); ketaflow.IsCode(err, ketaflow.ENotFound) {
		return ketaflow.Errorf(ketaflow.EConflict, "the authenticator was set up again meanwhile: scan the new code")
	} else if err != nil {
		return err
	}
	return nil
}

// errCodeUsed is a code whose step was taken already, by this request's
// rival or an earlier one.
var errCodeUsed = ketaflow.Invalid("code", "this code was used already: wait for the next one your app shows")

// UseTOTPStep records that the code of step was accepted for the user. It
// fails (EInvalid on code) when that step or a later one was accepted
// already: of two requests with one code, one alone signs in.
func (tx *Tx) UseTOTPStep(userID string, step int64, now time.Time) error {
	res, err := tx.exec("use totp step", `UPDATE second_factors SET last_step = $1, updated_at = $2 WHERE user_id = $3 AND last_step < $1`,
		step, now, userID)
	if err := tx.one(res, err, "authenticator"); ketaflow.IsCode(err, ketaflow.ENotFound) {
		return errCodeUsed
	} else if err != nil {
		return err
	}
	return nil
}

// DeleteSecondFactor removes a user's authenticator and recovery codes.
func (tx *Tx) DeleteSecondFactor(userID string) error {
	if _, err := tx.exec("delete recovery codes", `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := tx.exec("delete second factor", `DELETE FROM second_factors WHERE user_id = $1`, userID)
	return err
}

// ReplaceRecoveryCodes makes stored (access.StoreRecoveryCode) the user's
// recovery codes, in place of any earlier set.
func (tx *Tx) ReplaceRecoveryCodes(userID string, stored []string, now time.Time) error {
	if _, err := tx.exec("delete recovery codes", `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, s := range stored {
		if _, err := tx.exec("insert recovery code", `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`,
			userID, s, now); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode marks the user's unused recovery code that matches code
// as used, and returns how many are left. ENotFound when none matches.
func (tx *Tx) UseRecoveryCode(userID, code string, now time.Time) (int, error) {
	rows, err := tx.query("list recovery codes", `SELECT code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID)
	if err != nil {
		return 0, err
	}
	var unused []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, tx.db.mapErr("scan recovery code", err)
		}
		unused = append(unused, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, tx.db.mapErr("list recovery codes", err)
	}
	for _, s := range unused {
		if !access.RecoveryCodeMatches(s, code) {
			continue
		}
		res, err := tx.exec("use recovery code", `UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
			now, userID, s)
		if err := tx.one(res, err, "recovery code"); err != nil {
			return 0, err
		}
		return len(unused) - 1, nil
	}
	return 0, ketaflow.NotFound("recovery code")
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (tx *Tx) RecoveryCodesLeft(userID string) (int, error) {
	var n int
	err := tx.queryRow("count recovery codes", "recovery codes", `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
		[]any{userID}, &n)
	return n, err
}

// InsertChallenge records the step between a right password and its code.
func (tx *Tx) InsertChallenge(c access.Challenge) error {
	_, err := tx.exec("insert login challenge", `INSERT INTO login_challenges (token_hash, user_id, clinic_id, kind, created_at,
		expires_at, source, visit_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.TokenHash, c.UserID, c.ClinicID, string(c.Kind), c.CreatedAt, c.ExpiresAt, c.Source, c.VisitID)
	return err
}

// Challenge returns a sign-in challenge and its user.
func (tx *Tx) Challenge(tokenHash string) (access.Challenge, access.User, error) {
	var c access.Challenge
	var kind string
	err := tx.queryRow("get login challenge", "sign-in", `SELECT token_hash, user_id, clinic_id, kind, created_at, expires_at,
		ended_at, source, visit_id FROM login_challenges WHERE token_hash = $1`, []any{tokenHash},
		&c.TokenHash, &c.UserID, &c.ClinicID, &kind, &c.CreatedAt, &c.ExpiresAt, nullTime{&c.EndedAt}, &c.Source, &c.VisitID)
	if err != nil {
		return c, access.User{}, err
	}
	c.Kind = access.ChallengeKind(kind)
	u, err := tx.User(c.ClinicID, c.UserID)
	return c, u, err
}

// EndChallenge ends a challenge: answered, or given up. It fails with
// ENotFound when it had ended already, so that of two answers one alone
// signs in.
func (tx *Tx) EndChallenge(tokenHash string, now time.Time) error {
	res, err := tx.exec("end login challenge", `UPDATE login_challenges SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL`,
		now, tokenHash)
	return tx.one(res, err, "sign-in")
}

// EndUserChallenges ends every open challenge of a user (deactivation).
func (tx *Tx) EndUserChallenges(userID string, now time.Time) error {
	_, err := tx.exec("end user challenges", `UPDATE login_challenges SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL`, now, userID)
	return err
}
