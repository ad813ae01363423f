package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

// IdempotencyKeyHeader is the request header of
// draft-ietf-httpapi-idempotency-key-header: a client that may retry a
// write sends one unique value with the write and every retry of it.
const IdempotencyKeyHeader = "Idempotency-Key"

// ReplayedHeader marks an answer given again from the stored answer of the
// key's first request.
const ReplayedHeader = "Idempotent-Replayed"

// MaxIdempotencyKey is the longest key taken, in bytes.
const MaxIdempotencyKey = 255

// idempotencyKey returns the request's Idempotency-Key, if it sent one. The
// draft makes the value a Structured Field string ("..."); a bare value of
// the same characters (what most clients send) is taken as well. A key that
// is empty, too long, not printable ASCII, or sent twice is refused naming
// the header.
func idempotencyKey(r *http.Request) (string, bool, error) {
	vals := r.Header.Values(IdempotencyKeyHeader)
	if len(vals) == 0 {
		return "", false, nil
	}
	bad := func(why string) error {
		return ketaflow.Invalid(IdempotencyKeyHeader, "the Idempotency-Key header %s: send one value of 1 to %d printable ASCII characters, as a quoted string (\"...\") or bare, unique to this request and repeated on its retries", why, MaxIdempotencyKey)
	}
	if len(vals) > 1 {
		return "", false, bad("is sent more than once")
	}
	v := strings.TrimSpace(vals[0])
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		u, err := strconv.Unquote(v)
		if err != nil {
			return "", false, bad("is not a valid quoted string")
		}
		v = u
	}
	if v == "" {
		return "", false, bad("is empty")
	}
	if len(v) > MaxIdempotencyKey {
		return "", false, bad("is longer than " + strconv.Itoa(MaxIdempotencyKey) + " characters")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "", false, bad("holds a character that is not printable ASCII (or a quote or backslash)")
		}
	}
	return v, true, nil
}

// answerHeaders are the headers of an answer that describe its result and
// are given again with a replay; the others (Set-Cookie, the security
// headers) belong to each answer.
var answerHeaders = []string{"Content-Type", "Location", "ETag", "Last-Modified", "Content-Disposition"}

// idempotent answers a write sent with an Idempotency-Key through
// app.Idempotent: the handler runs at most once per key, and a retry gets
// the first answer back.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, g Group, actor access.Actor, key string, body []byte,
	run func(http.ResponseWriter, *http.Request)) {
	sum := sha256.New()
	for _, part := range []string{string(actor.Role), r.Method, r.URL.RequestURI()} {
		sum.Write([]byte(part))
		sum.Write([]byte{0})
	}
	sum.Write(body)
	req := app.IdempotentRequest{Key: key, Method: r.Method, Path: r.URL.Path, Fingerprint: hex.EncodeToString(sum.Sum(nil))}
	var rec *recorder
	ans, err := s.app.Idempotent(r.Context(), actor, req, func(ctx context.Context) app.IdempotentAnswer {
		rec = &recorder{header: http.Header{}}
		r2 := r.WithContext(ctx)
		r2.Body = io.NopCloser(bytes.NewReader(body))
		run(rec, r2)
		return rec.answer()
	})
	if err != nil {
		s.fail(w, r, g, actor, err)
		return
	}
	if rec != nil && !ans.Replayed {
		for k, v := range rec.header {
			w.Header()[k] = v
		}
	} else {
		for k, v := range ans.Headers {
			w.Header().Set(k, v)
		}
		w.Header().Set(ReplayedHeader, "true")
	}
	w.WriteHeader(ans.Status)
	w.Write(ans.Body)
}

// recorder keeps a handler's answer in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *recorder) Header() http.Header { return c.header }

func (c *recorder) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *recorder) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

func (c *recorder) answer() app.IdempotentAnswer {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	h := map[string]string{}
	for _, k := range answerHeaders {
		if v := c.header.Get(k); v != "" {
			h[k] = v
		}
	}
	return app.IdempotentAnswer{Status: c.status, Headers: h, Body: c.body.Bytes()}
}
