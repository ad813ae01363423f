package app

import (
	"context"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// touchEvery limits how often a login's idle clock is written: at most
// once a minute per login, not on every request. (Wrong passwords are
// slowed down by the throttle, limiter.go.)
const touchEvery = time.Minute

const (
	loginPrefix = "kfs_"
	tokenPrefix = "kft_"
)

var errBadLogin = &ketaflow.Error{Code: ketaflow.EUnauthorized, Message: "wrong username or password"}

// Login checks a username and password. When the user has an
// authenticator, or the clinic requires one of their role, the password
// opens a challenge for the second factor (twofactor.go), not a login;
// otherwise it opens the login. Every attempt, ok or failed, is audited.
func (a *App) Login(ctx context.Context, username, password, source string) (SignIn, error) {
	o := op{Action: "auth.login", Category: access.CatAuth}
	u, err := a.checkCredentials(ctx, username, password, source, o)
	if err != nil {
		return SignIn{}, err
	}
	var in SignIn
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		var err error
		in, err = a.afterPassword(tx, u, source, "", &o)
		if err != nil {
			return err
		}
		return a.appendAudit(tx, u.Actor(source), o, audit.OK)
	})
	if err != nil {
		return SignIn{}, err
	}
	return in, nil
}

// checkCredentials checks a username and password under the throttle of
// every password check (limiter.go): while the username or the address
// must wait, nothing is checked and the answer says how long, the same
// whether the username exists or not. A failure is audited as o.
func (a *App) checkCredentials(ctx context.Context, username, password, source string, o op) (access.User, error) {
	now := a.Clock.Now()
	username = access.NormalizeUsername(username)
	anon := access.Actor{Username: username, Source: source}
	fail := func(actor access.Actor, detail string, err error) (access.User, error) {
		o.Detail = detail
		a.auditAlone(ctx, actor, o, audit.Failed)
		return access.User{}, err
	}
	if w := a.logins.wait(username, source, now); w > 0 {
		return fail(anon, "throttled after wrong passwords: wait "+w.Round(time.Second).String(), errThrottled(w))
	}
	// A form sent without a name or a password guesses nothing: it is
	// refused without counting, the same for every name.
	if username == "" || password == "" {
		return fail(anon, "no username or no password", ketaflow.Invalid("", "enter your username and your password"))
	}
	var l store.UserLogin
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		l, err = tx.UserByUsername(username)
		return err
	})
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		a.passwords.Burn(password)
		a.logins.fail(username, source, now)
		return fail(anon, "unknown username", errBadLogin)
	}
	if err != nil {
		return access.User{}, err
	}
	u := l.User
	actor := u.Actor(source)
	if !access.VerifyPassword(l.PasswordHash, password) {
		a.logins.fail(username, source, now)
		return fail(actor, "wrong password", errBadLogin)
	}
	a.logins.succeed(username)
	if !u.Active {
		return fail(actor, "account deactivated", errBadLogin)
	}
	// A training server signs in only the demo clinics' staff: here, so
	// that taking the tablet back is held to it as a login is.
	if err := a.trainingAllows(ctx, u.ClinicID); err != nil {
		return fail(actor, "a real clinic's login on a training server", err)
	}
	return u, nil
}

// openLogin opens a login for a user whose password (and second factor,
// when twoFactor) was checked, in tx, under their clinic's security
// settings, and returns its secret for the cookie: always a new one, so
// that no secret known before the sign-in is a login after it.
func (a *App) openLogin(tx *store.Tx, u access.User, source string, sec protocol.Security, twoFactor bool) (string, error) {
	now := a.Clock.Now()
	secret, hash := access.NewToken(loginPrefix)
	s := access.Login{TokenHash: hash, UserID: u.ID, ClinicID: u.ClinicID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(sec.LoginMax()), Source: source, TwoFactor: twoFactor}
	if err := tx.SetLoginFailures(u.ID, 0, nil); err != nil {
		return "", err
	}
	return secret, tx.InsertLogin(s)
}

var errLoggedOut = &ketaflow.Error{Code: ketaflow.EUnauthorized, Message: "your login has ended; please log in again"}

// Authenticate turns a login secret (from the cookie) or an API token
// (from an Authorization: Bearer header) into the actor it belongs to.
func (a *App) Authenticate(ctx context.Context, secret, source string) (access.Actor, error) {
	now := a.Clock.Now()
	hash := access.HashToken(secret)
	if strings.HasPrefix(secret, tokenPrefix) {
		var t access.APIToken
		var u access.User
		err := a.DB.View(ctx, func(tx *store.Tx) error {
			var err error
			t, u, err = tx.APITokenUser(hash)
			return err
		})
		if err != nil && !ketaflow.IsCode(err, ketaflow.ENotFound) {
			// The database failed to answer: the token may well be
			// good, and a client told 401 would throw it away.
			return access.Actor{}, err
		}
		if err != nil || t.RevokedAt != nil || !u.Active {
			return access.Actor{}, &ketaflow.Error{Code: ketaflow.EUnauthorized, Message: "the API token is not valid"}
		}
		if !t.Live(now) {
			return access.Actor{}, &ketaflow.Error{Code: ketaflow.EUnauthorized,
				Message: "the API token expired on " + t.ExpiresAt.UTC().Format(time.RFC3339) + "; make a new one under Account"}
		}
		if err := a.trainingAllows(ctx, u.ClinicID); err != nil {
			return access.Actor{}, err
		}
		if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
			if err := a.DB.Transact(ctx, func(tx *store.Tx) error { return tx.TouchAPIToken(t.ID, now) }); err != nil {
				return access.Actor{}, err
			}
		}
		actor := u.Actor(source)
		actor.Token, actor.Scopes = true, t.Scopes
		return actor, nil
	}
	if !strings.HasPrefix(secret, loginPrefix) {
		return access.Actor{}, errLoggedOut
	}
	var s access.Login
	var u access.User
	var glass *access.BreakGlass
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if s, u, err = tx.LoginUser(hash); err != nil {
			return err
		}
		g, err := tx.LiveBreakGlass(u.ID, now)
		if err == nil {
			glass = &g
		} else if !ketaflow.IsCode(err, ketaflow.ENotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return access.Actor{}, errLoggedOut
		}
		return access.Actor{}, err
	}
	sec, err := a.security(ctx, u.ClinicID)
	if err != nil {
		return access.Actor{}, err
	}
	if !s.Live(now, sec.IdleTimeout()) || !u.Active {
		return access.Actor{}, errLoggedOut
	}
	// A login opened by a password alone ends once the clinic requires a
	// second factor of the role.
	if !s.TwoFactor && access.SecondFactorRequired(u.Role, twoFactorRule(sec)) {
		return access.Actor{}, errSecondFactorNow
	}
	if err := a.trainingAllows(ctx, u.ClinicID); err != nil {
		return access.Actor{}, err
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := a.DB.Transact(ctx, func(tx *store.Tx) error { return tx.TouchLogin(hash, now) }); err != nil {
			return access.Actor{}, err
		}
	}
	actor := u.Actor(source)
	actor.Glass = glass
	return actor, nil
}

// Logout ends the login with the given secret.
func (a *App) Logout(ctx context.Context, actor access.Actor, secret string) error {
	return a.DB.Transact(ctx, func(tx *store.Tx) error {
		if err := tx.EndLogin(access.HashToken(secret), a.Clock.Now()); err != nil {
			return err
		}
		return a.appendAudit(tx, actor, op{Action: "auth.logout", Category: access.CatAuth}, audit.OK)
	})
}

// NewAPIToken is what a user asks for in a new token.
type NewAPIToken struct {
	Name   string
	Scopes []string // read, write, device; none means read and write
	Days   int      // 0: the clinic's setting (protocol.Security.APITokenDays)
}

var errTokenByToken = &ketaflow.Error{Code: ketaflow.EForbidden,
	Message: "an API token cannot make tokens: sign in on the Account page, or run ketaflow token add on the server"}

// CreateAPIToken makes a bearer token for the actor's own use, with its
// scopes and its end (the clinic's setting, or fewer days; never more than
// access.TokenMaxLifetime). The secret is returned once and never stored.
// Only a signed-in login or the command line may make one: a token that
// could make tokens would outlive its own revocation.
func (a *App) CreateAPIToken(ctx context.Context, actor access.Actor, in NewAPIToken) (access.APIToken, string, error) {
	if actor.Token {
		o := op{Action: access.TokenCreate, Category: access.CatAuth, Detail: "refused: made with an API token"}
		a.auditAlone(ctx, actor, o, audit.Denied)
		return access.APIToken{}, "", errTokenByToken
	}
	name := strings.TrimSpace(in.Name)
	var p ketaflow.Problems
	if name == "" || len(name) > 80 {
		p.Add("name", "give the token a name of 1 to 80 characters, e.g. the program that will use it")
	}
	scopes, err := access.ParseScopes("scopes", in.Scopes)
	if err != nil {
		p.Add("scopes", "%s", ketaflow.ErrorMessage(err))
	}
	if in.Days < 0 || in.Days > 365 {
		p.Add("expires_in_days", "a token lasts 1 to 365 days (0 or none: the clinic's setting)")
	}
	if err := p.Err(); err != nil {
		return access.APIToken{}, "", err
	}
	sec, err := a.security(ctx, actor.ClinicID)
	if err != nil {
		return access.APIToken{}, "", err
	}
	life := sec.APITokenLifetime()
	if in.Days > 0 {
		life = time.Duration(in.Days) * 24 * time.Hour
	}
	life = min(life, access.TokenMaxLifetime)
	now := a.Clock.Now()
	secret, hash := access.NewToken(tokenPrefix)
	t := access.APIToken{ID: ketaflow.NewID(), UserID: actor.UserID, ClinicID: actor.ClinicID, Name: name,
		TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(life).UTC().Truncate(time.Microsecond), Scopes: scopes}
	err = a.do(ctx, actor, op{Action: access.TokenCreate, Category: access.CatAuth, Detail: "token " + t.ID}, func(tx *store.Tx, o *op) error {
		return tx.InsertAPIToken(t)
	})
	return t, secret, err
}

// APITokens lists the actor's own tokens.
func (a *App) APITokens(ctx context.Context, actor access.Actor) ([]access.APIToken, error) {
	if err := a.allow(ctx, actor, op{Action: access.TokenList, Category: access.CatAccount}); err != nil {
		return nil, err
	}
	var out []access.APIToken
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.APITokens(actor.UserID)
		return err
	})
	return out, err
}

// RevokeAPIToken revokes one of the actor's own tokens.
func (a *App) RevokeAPIToken(ctx context.Context, actor access.Actor, id string) error {
	return a.do(ctx, actor, op{Action: access.TokenRevoke, Category: access.CatAuth, Detail: id}, func(tx *store.Tx, o *op) error {
		return tx.RevokeAPIToken(actor.UserID, id, a.Clock.Now())
	})
}

// ChangeOwnPassword lets a user replace their password, given the current one.
// Every login and API token of the user ends: a token made by whoever knew
// the old password must not outlive it.
func (a *App) ChangeOwnPassword(ctx context.Context, actor access.Actor, current, next string) error {
	if err := access.CheckPassword("new_password", next); err != nil {
		return err
	}
	return a.do(ctx, actor, op{Action: access.PasswordChange, Category: access.CatAuth}, func(tx *store.Tx, o *op) error {
		now := a.Clock.Now()
		if w := a.logins.wait(actor.Username, actor.Source, now); w > 0 {
			return errThrottled(w)
		}
		l, err := tx.UserByUsername(actor.Username)
		if err != nil {
			return err
		}
		if !access.VerifyPassword(l.PasswordHash, current) {
			a.logins.fail(actor.Username, actor.Source, now)
			return ketaflow.Invalid("current_password", "the current password is wrong")
		}
		a.logins.succeed(actor.Username)
		if err := tx.SetPassword(actor.ClinicID, actor.UserID, a.passwords.Hash(next), now, false); err != nil {
			return err
		}
		if err := tx.RevokeUserAPITokens(actor.UserID, now); err != nil {
			return err
		}
		return tx.EndUserLogins(actor.UserID, now)
	})
}
