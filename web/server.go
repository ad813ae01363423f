// Package web serves ketaflow over HTTP: the staff pages (server-rendered
// html/template) and the JSON API under /api/v1/, both thin layers over the
// services in package app. Everything it serves is embedded in the binary.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

// Server is the HTTP face of an App.
type Server struct {
	app    *app.App
	log    *slog.Logger
	pages  *pages
	static *staticFiles
	routes []route
}

// New builds the server, parsing every template now so that a broken one
// stops start-up rather than a page view.
func New(a *app.App, log *slog.Logger) (*Server, error) {
	s := &Server{app: a, log: log}
	var err error
	if s.static, err = loadStatic(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(s.static); err != nil {
		return nil, err
	}
	s.routes = s.routeTable()
	return s, nil
}

// kind says how a route authenticates and how it reports errors.
type kind int

const (
	public kind = iota // anyone; errors as pages
	page               // staff logged in with the cookie; errors as pages, 401 redirects to login
	api                // cookie or bearer token; errors as JSON
)

// handler serves one route for an authenticated actor (empty for public
// routes). A returned error is rendered by the route's kind.
type handler func(w http.ResponseWriter, r *http.Request, actor access.Actor) error

type route struct {
	Method  string
	Pattern string
	Kind    kind
	Handle  handler
}

// Routes lists "METHOD /pattern" for every route, for the OpenAPI check.
func (s *Server) Routes() []string {
	out := make([]string, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.Method + " " + rt.Pattern
	}
	return out
}

// APIRoutes lists the routes of the JSON API.
func (s *Server) APIRoutes() []string {
	var out []string
	for _, rt := range s.routes {
		if rt.Kind == api || strings.HasPrefix(rt.Pattern, "/api/") {
			out = append(out, rt.Method+" "+rt.Pattern)
		}
	}
	return out
}

// Handler returns the root handler with the middleware every request
// passes: panic recovery, the access log, security headers, and protection
// against cross-site form posts.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	mux.Handle("GET /static/", s.static)
	// Non-safe requests from another site are refused (Sec-Fetch-Site and
	// Origin checks), which protects every cookie-authenticated form post.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := ketaflow.Errorf(ketaflow.EForbidden, "cross-site request refused")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.writeAPIError(w, r, err)
			return
		}
		s.renderError(w, r, access.Actor{}, err)
	}))
	return s.recoverPanics(s.accessLog(securityHeaders(cop.Handler(mux))))
}

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var actor access.Actor
		if rt.Kind != public {
			var err error
			actor, err = s.authenticate(r, rt.Kind == api)
			if err != nil {
				if rt.Kind == api {
					s.writeAPIError(w, r, err)
				} else {
					s.toLogin(w, r)
				}
				return
			}
		}
		if err := rt.Handle(w, r, actor); err != nil {
			if rt.Kind == api {
				s.writeAPIError(w, r, err)
				return
			}
			if ketaflow.IsCode(err, ketaflow.EUnauthorized) && rt.Kind == page {
				s.toLogin(w, r)
				return
			}
			s.renderError(w, r, actor, err)
		}
	})
}

const loginCookie = "ketaflow_login"

// authenticate finds the actor of a request: a bearer token (API only) or
// the login cookie.
func (s *Server) authenticate(r *http.Request, allowBearer bool) (access.Actor, error) {
	source := clientAddr(r)
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !allowBearer {
			return access.Actor{}, ketaflow.Errorf(ketaflow.EUnauthorized, "use Authorization: Bearer <API token>")
		}
		return s.app.Authenticate(r.Context(), strings.TrimSpace(token), source)
	}
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return access.Actor{}, ketaflow.Errorf(ketaflow.EUnauthorized, "please log in")
	}
	return s.app.Authenticate(r.Context(), c.Value, source)
}

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/"
	}
	http.Redirect(w, r, "/login?next="+urlQueryEscape(next), http.StatusSeeOther)
}

// clientAddr is the address the request came from, for the audit log.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"ms", time.Since(start).Milliseconds(), "remote", clientAddr(r))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// healthz answers 200 when the database answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.app.DB.Ping(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "not answering"})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(s.app.DB.Dialect)})
	return nil
}

var errNotFound = errors.New("not found")
