package app

import (
	"context"
	"fmt"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// Two-factor sign-in. A right password opens a login only for a person
// with no authenticator whose role the clinic does not require one of. For
// everyone else it opens a challenge (access.Challenge): a secret of its
// own, for a cookie of its own, that can do nothing but take the code (or
// set up the authenticator the clinic requires). The code opens the login
// under a new secret. Codes are taken once (the last step used is kept per
// user), recovery codes once each, and wrong codes count in the sign-in
// throttle with wrong passwords.

const challengePrefix = "kfc_"

// SignIn is where a right password (or code) leads: a login, whose secret
// is for the login cookie, or a challenge still to answer, whose secret is
// for the sign-in cookie.
type SignIn struct {
	User        access.User
	LoginSecret string
	// Challenge is what is still to come when there is no login yet.
	Challenge       access.ChallengeKind
	ChallengeSecret string
	// VisitID is the visit to go back to (the sign-in took a tablet back);
	// Journal says the tablet was handed over for the patient's journal of
	// its integration session rather than for the questionnaires.
	VisitID string
	Journal bool
	// RecoveryCodes are shown once, when the sign-in set up the
	// authenticator.
	RecoveryCodes []string
}

var (
	errChallengeOver = &ketaflow.Error{Code: ketaflow.EUnauthorized,
		Message: "this sign-in has ended (it lasts 10 minutes, or it was used): enter your username and password again"}
	errWrongCode       = ketaflow.Invalid("code", "the code is wrong: enter the 6 digits your authenticator app shows now, or a recovery code")
	errCodeUsed        = ketaflow.Invalid("code", "this code was used already: wait for the next one your app shows")
	errSecondFactorNow = &ketaflow.Error{Code: ketaflow.EUnauthorized,
		Message: "the clinic now asks your role for a code from an authenticator app: please log in again"}
)

func twoFactorRule(sec protocol.Security) access.TwoFactorRule {
	return access.TwoFactorRule{Admins: sec.TwoFactorAdmins, Prescribers: sec.TwoFactorPrescribers, OtherStaff: sec.TwoFactorOtherStaff}
}

// afterPassword is the step after a right password, in tx: a challenge
// when the user has an authenticator or must set one up, the login
// otherwise. It says which in o's action and detail.
func (a *App) afterPassword(tx *store.Tx, u access.User, source, visitID string, o *op) (SignIn, error) {
	sec, err := a.protocolRules(tx, u.ClinicID)
	if err != nil {
		return SignIn{}, err
	}
	f, err := tx.SecondFactor(u.ID)
	if err != nil && !ketaflow.IsCode(err, ketaflow.ENotFound) {
		return SignIn{}, err
	}
	in := SignIn{User: u, VisitID: visitID}
	switch {
	case f.Enrolled():
		in.Challenge = access.ChallengeCode
		o.Action, o.Detail = "auth.password", "the password was right; the authenticator code is still to come"
	case access.SecondFactorRequired(u.Role, twoFactorRule(sec)):
		in.Challenge = access.ChallengeEnrol
		o.Action, o.Detail = "auth.password", "the password was right; the clinic requires the role to set up an authenticator app, still to come"
	default:
		in.LoginSecret, err = a.openLogin(tx, u, source, sec, false)
		return in, err
	}
	now := a.Clock.Now()
	secret, hash := access.NewToken(challengePrefix)
	in.ChallengeSecret = secret
	return in, tx.InsertChallenge(access.Challenge{TokenHash: hash, UserID: u.ID, ClinicID: u.ClinicID, Kind: in.Challenge,
		CreatedAt: now, ExpiresAt: now.Add(access.ChallengeLifetime), Source: source, VisitID: visitID})
}

// protocolRules is the clinic's current security settings, read in tx.
func (a *App) protocolRules(tx *store.Tx, clinicID string) (protocol.Security, error) {
	v, err := tx.CurrentProtocol(clinicID)
	if err != nil {
		return protocol.Security{}, err
	}
	return v.Rules.Security, nil
}

// PendingSignIn is what the page of a challenge shows.
type PendingSignIn struct {
	Kind     access.ChallengeKind
	Username string
	// Enrolment is the authenticator to set up, for ChallengeEnrol.
	Enrolment *Enrolment
}

// Enrolment is an authenticator being set up: its secret, in text, and
// the otpauth:// URL its QR code holds.
type Enrolment struct {
	Secret string
	URL    string
}

// challenge finds a live challenge and its user.
func (a *App) challenge(tx *store.Tx, secret string) (access.Challenge, access.User, error) {
	if secret == "" {
		return access.Challenge{}, access.User{}, errChallengeOver
	}
	c, u, err := tx.Challenge(access.HashToken(secret))
	if ketaflow.IsCode(err, ketaflow.ENotFound) || err == nil && (!c.Live(a.Clock.Now()) || !u.Active) {
		return c, u, errChallengeOver
	}
	return c, u, err
}

// SignInChallenge is the page of a challenge. For an enrolment it sets up
// the authenticator's secret the first time (and shows the same one
// after), so that a page opened again still matches what was scanned.
func (a *App) SignInChallenge(ctx context.Context, secret string) (PendingSignIn, error) {
	var p PendingSignIn
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		c, u, err := a.challenge(tx, secret)
		if err != nil {
			return err
		}
		p = PendingSignIn{Kind: c.Kind, Username: u.Username}
		if c.Kind != access.ChallengeEnrol {
			return nil
		}
		e, made, err := a.pendingEnrolment(tx, u, false)
		if err != nil {
			return err
		}
		p.Enrolment = &e
		if made {
			return a.appendAudit(tx, u.Actor(c.Source), op{Action: access.TwoFactorManage, Category: access.CatAuth,
				Detail: "a new authenticator secret, to be confirmed by its first code (required at sign-in)"}, audit.OK)
		}
		return nil
	})
	return p, err
}

// pendingEnrolment is the user's authenticator being set up: the one kept,
// unless fresh or there is none, when a new secret is made (made).
func (a *App) pendingEnrolment(tx *store.Tx, u access.User, fresh bool) (Enrolment, bool, error) {
	c, err := tx.Clinic(u.ClinicID)
	if err != nil {
		return Enrolment{}, false, err
	}
	f, err := tx.SecondFactor(u.ID)
	if err != nil && !ketaflow.IsCode(err, ketaflow.ENotFound) {
		return Enrolment{}, false, err
	}
	if f.PendingSecret != "" && !fresh {
		k, err := access.TOTPKeyFromSecret("ketaflow "+c.Name, u.Username, f.PendingSecret)
		if err != nil {
			return Enrolment{}, false, fmt.Errorf("authenticator of %s: %w", u.ID, err)
		}
		return Enrolment{Secret: k.Secret(), URL: k.URL()}, false, nil
	}
	k, err := access.NewTOTPKey("ketaflow "+c.Name, u.Username)
	if err != nil {
		return Enrolment{}, false, fmt.Errorf("new authenticator: %w", err)
	}
	if err := tx.SetPendingSecondFactor(u.ClinicID, u.ID, k.Secret(), a.Clock.Now()); err != nil {
		return Enrolment{}, false, err
	}
	return Enrolment{Secret: k.Secret(), URL: k.URL()}, true, nil
}

// CompleteSignIn answers a challenge with a code: for ChallengeCode, a
// code of the user's authenticator or one of their recovery codes; for
// ChallengeEnrol, the first code of the authenticator being set up, which
// confirms it and makes the recovery codes (shown once). A right code ends
// the challenge and opens the login, under a new secret. A wrong one
// counts in the sign-in throttle; while the throttle asks to wait, no code
// is checked.
func (a *App) CompleteSignIn(ctx context.Context, secret, code, source string) (SignIn, error) {
	now := a.Clock.Now()
	var c access.Challenge
	var u access.User
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		c, u, err = a.challenge(tx, secret)
		return err
	})
	if err != nil {
		return SignIn{}, err
	}
	actor := u.Actor(source)
	o := op{Action: "auth.login", Category: access.CatAuth}
	fail := func(detail string, err error) (SignIn, error) {
		o.Detail = detail
		a.auditAlone(ctx, actor, o, audit.Failed)
		return SignIn{}, err
	}
	if w := a.logins.wait(u.Username, source, now); w > 0 {
		return fail("throttled after wrong passwords or codes: wait "+w.Round(1e9).String(), errThrottled(w))
	}
	code = access.NormalizeCode(code)
	recovery := c.Kind == access.ChallengeCode && access.LooksLikeRecoveryCode(code)
	if !recovery && len(code) != 6 {
		return fail("a code that is neither 6 digits nor a recovery code", access.ErrCodeFormat)
	}
	in := SignIn{User: u, VisitID: c.VisitID}
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		f, err := tx.SecondFactor(u.ID)
		if err != nil && !ketaflow.IsCode(err, ketaflow.ENotFound) {
			return err
		}
		switch {
		case recovery:
			left, err := tx.UseRecoveryCode(u.ID, code, now)
			if ketaflow.IsCode(err, ketaflow.ENotFound) {
				return errWrongCode
			} else if err != nil {
				return err
			}
			o.Detail = fmt.Sprintf("signed in with a recovery code (%d left)", left)
		case c.Kind == access.ChallengeEnrol:
			step, res := access.CheckTOTP(f.PendingSecret, code, now, 0)
			if res != access.CodeOK {
				return errWrongCode
			}
			if err := tx.ConfirmSecondFactor(u.ID, f.PendingSecret, step, now); err != nil {
				return err
			}
			codes, stored := access.NewRecoveryCodes()
			if err := tx.ReplaceRecoveryCodes(u.ID, stored, now); err != nil {
				return err
			}
			in.RecoveryCodes = codes
			o.Detail = fmt.Sprintf("set up an authenticator app at sign-in (required for the role) and signed in with its first code; %d recovery codes made", len(codes))
		default:
			step, res := access.CheckTOTP(f.Secret, code, now, f.LastStep)
			switch res {
			case access.CodeUsed:
				return errCodeUsed
			case access.CodeWrong:
				return errWrongCode
			}
			if err := tx.UseTOTPStep(u.ID, step, now); err != nil {
				if ketaflow.IsCode(err, ketaflow.EInvalid) {
					return errCodeUsed
				}
				return err
			}
			o.Detail = "signed in with the authenticator code"
		}
		if err := tx.EndChallenge(c.TokenHash, now); ketaflow.IsCode(err, ketaflow.ENotFound) {
			return errChallengeOver
		} else if err != nil {
			return err
		}
		sec, err := a.protocolRules(tx, u.ClinicID)
		if err != nil {
			return err
		}
		if in.LoginSecret, err = a.openLogin(tx, u, source, sec, true); err != nil {
			return err
		}
		if c.VisitID != "" {
			o.Detail += "; took the clinic tablet back (visit " + c.VisitID + ")"
		}
		return a.appendAudit(tx, actor, o, audit.OK)
	})
	switch {
	case err == nil:
		a.logins.succeed(u.Username)
		return in, nil
	case err == errWrongCode:
		a.logins.fail(u.Username, source, now)
		return fail("wrong authenticator or recovery code", err)
	case err == errCodeUsed:
		a.logins.fail(u.Username, source, now)
		return fail("an authenticator code used already (a replay)", err)
	case err == errChallengeOver:
		return fail("the sign-in had ended", err)
	}
	return SignIn{}, err
}

// TwoFactorView is the second factor as the account page shows it.
type TwoFactorView struct {
	Enrolled      bool
	Required      bool
	RecoveryLeft  int
	Enrolment     *Enrolment // being set up: scan it and confirm with a code
	RecoveryCodes []string   // made by this request: shown once
}

// TwoFactor is the actor's own second factor.
func (a *App) TwoFactor(ctx context.Context, actor access.Actor) (TwoFactorView, error) {
	if actor.MustChangePassword {
		// Nothing but the password until it is changed; the page says so.
		return TwoFactorView{}, nil
	}
	if err := a.allow(ctx, actor, op{Action: access.TwoFactorManage, Category: access.CatAccount}); err != nil {
		return TwoFactorView{}, err
	}
	var v TwoFactorView
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		v, err = a.twoFactorView(tx, actor)
		return err
	})
	return v, err
}

func (a *App) twoFactorView(tx *store.Tx, actor access.Actor) (TwoFactorView, error) {
	sec, err := a.protocolRules(tx, actor.ClinicID)
	if err != nil {
		return TwoFactorView{}, err
	}
	v := TwoFactorView{Required: access.SecondFactorRequired(actor.Role, twoFactorRule(sec))}
	f, err := tx.SecondFactor(actor.UserID)
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return v, nil
	} else if err != nil {
		return v, err
	}
	v.Enrolled = f.Enrolled()
	if v.RecoveryLeft, err = tx.RecoveryCodesLeft(actor.UserID); err != nil {
		return v, err
	}
	if f.PendingSecret != "" {
		u, err := tx.User(actor.ClinicID, actor.UserID)
		if err != nil {
			return v, err
		}
		e, _, err := a.pendingEnrolment(tx, u, false)
		if err != nil {
			return v, err
		}
		v.Enrolment = &e
	}
	return v, nil
}

// StartTwoFactor sets up a new authenticator for the actor from the
// account page: a new secret, to be confirmed by its first code. An
// authenticator set up before goes on working until the new one is
// confirmed.
func (a *App) StartTwoFactor(ctx context.Context, actor access.Actor) (TwoFactorView, error) {
	var v TwoFactorView
	err := a.do(ctx, actor, op{Action: access.TwoFactorManage, Category: access.CatAuth}, func(tx *store.Tx, o *op) error {
		u, err := tx.User(actor.ClinicID, actor.UserID)
		if err != nil {
			return err
		}
		if _, _, err := a.pendingEnrolment(tx, u, true); err != nil {
			return err
		}
		o.Detail = "a new authenticator secret, to be confirmed by its first code"
		v, err = a.twoFactorView(tx, actor)
		return err
	})
	return v, err
}

// ConfirmTwoFactor confirms the authenticator being set up with its first
// code, and makes a new set of recovery codes, returned once. Wrong codes
// count in the sign-in throttle.
func (a *App) ConfirmTwoFactor(ctx context.Context, actor access.Actor, code string) (TwoFactorView, error) {
	now := a.Clock.Now()
	if w := a.logins.wait(actor.Username, actor.Source, now); w > 0 {
		return TwoFactorView{}, errThrottled(w)
	}
	// Only six digits can be a guess; anything else is a typing slip.
	if len(access.NormalizeCode(code)) != 6 {
		return TwoFactorView{}, ketaflow.Invalid("code", "enter the 6 digits your authenticator app shows")
	}
	var v TwoFactorView
	err := a.do(ctx, actor, op{Action: access.TwoFactorManage, Category: access.CatAuth}, func(tx *store.Tx, o *op) error {
		f, err := tx.SecondFactor(actor.UserID)
		if ketaflow.IsCode(err, ketaflow.ENotFound) || err == nil && f.PendingSecret == "" {
			return ketaflow.Errorf(ketaflow.EConflict, "no authenticator is being set up: choose Set up an authenticator app first")
		} else if err != nil {
			return err
		}
		step, res := access.CheckTOTP(f.PendingSecret, code, now, 0)
		if res != access.CodeOK {
			return errWrongCode
		}
		if err := tx.ConfirmSecondFactor(actor.UserID, f.PendingSecret, max(step, f.LastStep), now); err != nil {
			return err
		}
		codes, stored := access.NewRecoveryCodes()
		if err := tx.ReplaceRecoveryCodes(actor.UserID, stored, now); err != nil {
			return err
		}
		o.Detail = fmt.Sprintf("authenticator app confirmed by its first code; %d recovery codes made, earlier ones ended", len(codes))
		if v, err = a.twoFactorView(tx, actor); err != nil {
			return err
		}
		v.RecoveryCodes = codes
		return nil
	})
	if err == errWrongCode {
		a.logins.fail(actor.Username, actor.Source, now)
	}
	return v, err
}
