package web

import (
	"net/http"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
)

type loginData struct {
	Username string
	Next     string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	if actor, err := s.authenticate(r, false); err == nil && actor.UserID != "" {
		return redirect(w, r, safeNext(r.URL.Query().Get("next")))
	}
	v := s.newView(r, access.Actor{}, "Log in", "")
	v.Data = loginData{Next: safeNext(r.URL.Query().Get("next"))}
	return s.render(w, http.StatusOK, "login", v)
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	secret, _, err := s.app.Login(r.Context(), username, password, clientAddr(r))
	if err != nil {
		if ketaflow.ErrorCode(err) == ketaflow.EInternal || ketaflow.ErrorCode(err) == ketaflow.EUnavailable {
			return err
		}
		v := s.newView(r, access.Actor{}, "Log in", "")
		v.withError(err)
		v.Data = loginData{Username: username, Next: next}
		return s.render(w, Status(err), "login", v)
	}
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil,
	})
	return redirect(w, r, next)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/patients"
	}
	return next
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if c, err := r.Cookie(loginCookie); err == nil {
		if err := s.app.Logout(r.Context(), actor, c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return redirect(w, r, "/login")
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return redirect(w, r, "/patients")
}

type accountData struct {
	Tokens   any
	NewToken string
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return s.renderAccount(w, r, actor, http.StatusOK, nil, "")
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, newToken string) error {
	tokens, err := s.app.APITokens(r.Context(), actor)
	if err != nil {
		return err
	}
	v := s.newView(r, actor, "Your account", "account")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = accountData{Tokens: tokens, NewToken: newToken}
	return s.render(w, status, "account", v)
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	cur, next, again := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("new_password_again")
	if next != again {
		return s.renderAccount(w, r, actor, http.StatusBadRequest, ketaflow.Invalid("new_password_again", "the two new passwords differ"), "")
	}
	if err := s.app.ChangeOwnPassword(r.Context(), actor, cur, next); err != nil {
		if Status(err) >= 500 {
			return err
		}
		return s.renderAccount(w, r, actor, Status(err), err, "")
	}
	// Every login of the user ended with the change: log in again.
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	return redirect(w, r, "/login")
}

func (s *Server) createTokenSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, secret, err := s.app.CreateAPIToken(r.Context(), actor, r.PostFormValue("name"))
	if err != nil {
		if Status(err) >= 500 {
			return err
		}
		return s.renderAccount(w, r, actor, Status(err), err, "")
	}
	// The secret is shown once, on this response, and never stored.
	return s.renderAccount(w, r, actor, http.StatusOK, nil, secret)
}

func (s *Server) revokeTokenSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.RevokeAPIToken(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/account?done=revoked")
}
