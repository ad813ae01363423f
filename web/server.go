// Package web is the HTTP core of ketaflow: it assembles the server from
// groups of endpoints (the JSON API in web/api, the staff pages in web/ui),
// authenticates each request, and adds what every request passes through:
// panic recovery, the access log, security headers and protection against
// cross-site form posts. It also serves the checksummed static files and
// /healthz. Everything it serves is embedded in the binary.
package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

// Auth says how an endpoint authenticates its requests.
type Auth int

const (
	Public       Auth = iota // anyone; the handler gets an empty actor
	Login                    // staff logged in with the login cookie
	LoginOrToken             // the login cookie or an API bearer token
)

// Handler serves one endpoint for an authenticated actor (empty for public
// endpoints). A returned error is answered by the endpoint's group.
type Handler func(w http.ResponseWriter, r *http.Request, actor access.Actor) error

// Endpoint is one HTTP endpoint: a method and a ServeMux pattern, how it
// authenticates, and its handler.
type Endpoint struct {
	Method  string
	Pattern string
	Auth    Auth
	Handle  Handler
	// MovesClock marks the endpoints that move the training clock: they
	// wait for the writes in flight (ketaflow.TrainingClock.Advance), so
	// they do not hold the clock as every other write does.
	MovesClock bool
	// Idempotent endpoints honour an Idempotency-Key header
	// (idempotency.go): a retry with the same key is answered with the
	// first answer instead of being done again.
	Idempotent bool
	// Scope is the API token scope the endpoint needs instead of read (a
	// GET) or write: device ingest needs device.
	Scope access.Scope
}

// Group is the endpoints of one audience (the JSON API, the staff pages)
// with its way of answering a request that fails.
type Group interface {
	// Prefix is the path every endpoint of the group starts with. A
	// request refused before it reaches an endpoint (sent from another
	// site) is answered by the group with the longest prefix of its path.
	Prefix() string
	Endpoints() []Endpoint
	// Unauthenticated answers a request to an endpoint that needs a login
	// or token when it brought none that is valid; err says why.
	Unauthenticated(w http.ResponseWriter, r *http.Request, err error)
	// Fail answers a request whose handler returned err, or that was
	// refused before reaching one (then actor is empty).
	Fail(w http.ResponseWriter, r *http.Request, actor access.Actor, err error)
}

// FormReader marks a Group whose endpoints take HTML forms (the pages):
// the server reads a posted form whole, within MaxBodyBytes, and refuses
// one that is not text before the handler runs. Other groups read their
// bodies themselves (the API: JSON only).
type FormReader interface {
	Group
	ReadsForms()
}

// Server is the HTTP face of an App.
type Server struct {
	app       *app.App
	cfg       Config
	log       *slog.Logger
	groups    []Group
	endpoints []Endpoint
	mux       *http.ServeMux
	metrics   *metrics
}

// New builds the server from its groups of endpoints, refusing an endpoint
// outside its group's prefix, and a config without a public URL.
func New(a *app.App, log *slog.Logger, cfg Config, groups ...Group) (*Server, error) {
	if cfg.PublicURL == nil {
		return nil, fmt.Errorf("the server needs its public URL (--public-url), the base of the links it sends")
	}
	s := &Server{app: a, log: log, cfg: cfg, groups: groups, mux: http.NewServeMux(), metrics: newMetrics(a)}
	for _, ep := range []Endpoint{{Method: "GET", Pattern: "/healthz", Auth: Public, Handle: s.healthz}, s.metricsEndpoint()} {
		s.endpoints = append(s.endpoints, ep)
		s.mux.Handle(ep.Method+" "+ep.Pattern, s.serve(ep, nil))
	}
	for _, g := range groups {
		for _, ep := range g.Endpoints() {
			if !strings.HasPrefix(ep.Pattern, g.Prefix()) {
				return nil, fmt.Errorf("endpoint %s %s is outside its group's prefix %s", ep.Method, ep.Pattern, g.Prefix())
			}
			s.endpoints = append(s.endpoints, ep)
			s.mux.Handle(ep.Method+" "+ep.Pattern, s.serve(ep, g))
		}
	}
	s.mux.Handle("GET /static/", static)
	return s, nil
}

// Endpoints lists every endpoint the server serves, for the OpenAPI check.
func (s *Server) Endpoints() []Endpoint { return s.endpoints }

// Handler returns the root handler with the middleware every request
// passes: panic recovery, the access log, security headers, and protection
// against cross-site form posts.
func (s *Server) Handler() http.Handler {
	// Non-safe requests from another site are refused (Sec-Fetch-Site and
	// Origin checks), which protects every cookie-authenticated form post.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := ketaflow.Errorf(ketaflow.EForbidden, "cross-site request refused")
		if g := s.groupOf(r.URL.Path); g != nil {
			g.Fail(w, r, access.Actor{}, err)
			return
		}
		LogError(s.log, r, err)
		http.Error(w, "cross-site request refused", Status(err))
	}))
	return s.withInfo(s.recoverPanics(s.accessLog(s.securityHeaders(cop.Handler(s.routed(s.mux))))))
}

// routed answers a request that no endpoint takes as its group answers
// errors: under /api/, the JSON error of a 404 (no such path) or a 405
// (the path takes other methods, listed in Allow), not the ServeMux's
// plain text.
func (s *Server) routed(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			mux.ServeHTTP(w, r)
			return
		}
		// Looked up only to know whether it is found: ServeHTTP routes
		// again, as it alone sets the path's values on r.
		h, pattern := mux.Handler(r)
		g := s.groupOf(r.URL.Path)
		if pattern != "" || g == nil {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own answer says which: 404, or 405 with Allow.
		probe := httptest.NewRecorder()
		h.ServeHTTP(probe, r)
		err := ketaflow.Errorf(ketaflow.ENotFound, "no such path in the API: %s (the paths are in /api/openapi.json)", r.URL.Path)
		if probe.Code == http.StatusMethodNotAllowed {
			allow := probe.Header().Get("Allow")
			w.Header().Set("Allow", allow)
			err = ketaflow.Errorf(ketaflow.EMethod, "%s does not take %s; it takes %s", r.URL.Path, r.Method, allow)
		}
		g.Fail(w, r, access.Actor{}, err)
	})
}

// groupOf is the group whose prefix is the longest that path starts with.
func (s *Server) groupOf(path string) Group {
	var best Group
	for _, g := range s.groups {
		if strings.HasPrefix(path, g.Prefix()) && (best == nil || len(g.Prefix()) > len(best.Prefix())) {
			best = g
		}
	}
	return best
}

// serve authenticates a request to an endpoint, runs its handler, and has
// the group (nil for the core's own endpoints) answer what fails.
func (s *Server) serve(ep Endpoint, g Group) http.Handler {
	return s.metrics.instrument(ep.Method, ep.Pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One limit for every body, forms and JSON alike.
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		var actor access.Actor
		if ep.Auth != Public {
			var err error
			if actor, err = Authenticate(s.app, r, ep.Auth); err != nil {
				if g == nil {
					s.fail(w, r, nil, actor, err)
					return
				}
				g.Unauthenticated(w, r, err)
				return
			}
			if err := tokenScopeAllows(actor, r.Method, ep.Scope); err != nil {
				s.app.RefuseScope(r.Context(), actor, err)
				s.fail(w, r, g, actor, err)
				return
			}
		}
		// On a training server a write holds the clock still while it runs,
		// so that it judges and records at one time; reads (which may
		// stream) do not hold it. The hold lasts only while the handler
		// runs on what the request sent, read in full first, and its answer
		// is kept until the clock is released: a client slow to send or to
		// read does not keep the clock held, and so does not keep a move of
		// it (Advance), and every write waiting behind the move, waiting.
		_, forms := g.(FormReader)
		if err := readInput(r, forms); err != nil {
			s.fail(w, r, g, actor, err)
			return
		}
		run := func(w http.ResponseWriter, r *http.Request) {
			if err := ep.Handle(w, r, actor); err != nil {
				s.fail(w, r, g, actor, err)
			}
		}
		// A write sent with an Idempotency-Key runs at most once per key.
		var key string
		var keyed bool
		if ep.Idempotent {
			var err error
			if key, keyed, err = idempotencyKey(r); err != nil {
				s.fail(w, r, g, actor, err)
				return
			}
		}
		tc := s.app.Training()
		holds := tc != nil && !ep.MovesClock && r.Method != http.MethodGet && r.Method != http.MethodHead
		if !holds && !keyed {
			run(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.fail(w, r, g, actor, tooLarge())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if keyed {
			plain := run
			run = func(w http.ResponseWriter, r *http.Request) { s.idempotent(w, r, g, actor, key, body, plain) }
		}
		if !holds {
			run(w, r)
			return
		}
		held := newHeldResponse(w)
		release := tc.Hold()
		func() {
			defer release()
			run(held, r)
		}()
		held.send()
	}))
}

// fail answers a request whose handler returned err, through its group
// (nil for the core's own endpoints).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, g Group, actor access.Actor, err error) {
	if g == nil {
		LogError(s.log, r, err)
		http.Error(w, http.StatusText(Status(err)), Status(err))
		return
	}
	g.Fail(w, r, actor, err)
}

// heldResponse keeps a write's answer in memory while the training clock
// is held, and sends it once the clock is released. Its headers are the
// real response's, sent with the status.
type heldResponse struct {
	w      http.ResponseWriter
	status int
	body   bytes.Buffer
}

func newHeldResponse(w http.ResponseWriter) *heldResponse { return &heldResponse{w: w} }

func (h *heldResponse) Header() http.Header { return h.w.Header() }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}

// send writes the kept answer to the client.
func (h *heldResponse) send() {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.w.WriteHeader(h.status)
	h.w.Write(h.body.Bytes())
}

// MaxBodyBytes is the most any request may send, a form or a JSON body:
// 1 MiB, far more than the longest note or questionnaire, and small enough
// that a client cannot make the server hold much. (Go's own form limit
// would be 10 MB.)
const MaxBodyBytes = 1 << 20

func tooLarge() error {
	return ketaflow.Invalid("", "the request body is too large or could not be read: at most %d MiB", MaxBodyBytes>>20)
}

// readInput reads a posted form whole, within MaxBodyBytes, and refuses
// any query or form value that is not valid UTF-8, naming its field: text
// is stored as it was typed, and a byte sequence that is no text would be
// stored as such.
func readInput(r *http.Request, forms bool) error {
	if err := checkUTF8(r.URL.Query()); err != nil {
		return err
	}
	if !forms {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data" {
		return nil
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	var err error
	if mt == "multipart/form-data" {
		err = r.ParseMultipartForm(MaxBodyBytes)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return tooLarge()
		}
		return ketaflow.Invalid("", "the form could not be read: %s", err.Error())
	}
	return checkUTF8(r.PostForm)
}

func checkUTF8(v url.Values) error {
	for name, vals := range v {
		if !utf8.ValidString(name) {
			return ketaflow.Invalid("", "a field name is not valid text (UTF-8)")
		}
		for _, val := range vals {
			if !utf8.ValidString(val) {
				return ketaflow.Invalid(name, "the field %q is not valid text: it must be UTF-8 (send what was typed, as a browser does)", name)
			}
		}
	}
	return nil
}

// tokenScopeAllows checks an API token's scope against the request: a read
// (GET, HEAD) needs read, anything else write, and an endpoint that names
// its scope (device ingest) that one. A device-ingest token is refused
// everything but the device endpoints. Logins and the command line have
// no scopes to limit them.
func tokenScopeAllows(actor access.Actor, method string, scope access.Scope) error {
	need := access.ScopeWrite
	if method == http.MethodGet || method == http.MethodHead {
		need = access.ScopeRead
	}
	if scope != "" {
		need = scope
	}
	if actor.Allows(need) {
		return nil
	}
	return &ketaflow.Error{Code: ketaflow.EForbidden,
		Message: fmt.Sprintf("this API token's scopes (%s) do not include %s, which this request needs", scopeList(actor.Scopes), need)}
}

func scopeList(ss []access.Scope) string {
	var out []string
	for _, s := range ss {
		out = append(out, string(s))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
