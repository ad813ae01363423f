package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ketaflow/ketaflow/web/api"
)

// contract is the OpenAPI document as kin-openapi reads it, with a router
// over its paths; loaded once for every test of the process.
var contract = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument())
	if err != nil {
		return nil, fmt.Errorf("openapi.json does not load: %w", err)
	}
	doc.Servers = nil // match the paths on any host: the test server's
	return legacy.NewRouter(doc)
})

// ContractClient is an HTTP client that checks every request it sends
// under /api/ and every answer it gets against openapi.json with
// kin-openapi's validation, failing t on what the document does not
// allow: an answer of a status or shape it does not list, an answer to an
// unknown path or method that is not the documented JSON error, or a
// request the document says is invalid that the server took (2xx).
func ContractClient(t testing.TB) *http.Client {
	return &http.Client{Transport: &contractTransport{t: t, next: http.DefaultTransport}}
}

type contractTransport struct {
	t    testing.TB
	next http.RoundTripper
}

func (c *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.Path, "/api/") {
		return c.next.RoundTrip(req)
	}
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	router, err := contract()
	if err != nil {
		c.t.Error(err)
		return c.next.RoundTrip(req)
	}
	what := req.Method + " " + req.URL.Path
	route, params, findErr := router.FindRoute(req)
	var reqErr error
	var input *openapi3filter.RequestValidationInput
	if findErr == nil {
		probe := req.Clone(req.Context())
		probe.Body = io.NopCloser(bytes.NewReader(reqBody))
		input = &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		reqErr = openapi3filter.ValidateRequest(context.Background(), input)
		if reqErr == nil {
			reqErr = unknownQuery(route, req)
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if findErr == nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		// A live stream does not end: its status and type are checked,
		// and the test reads the events.
		if route.Operation.Responses.Status(resp.StatusCode) == nil {
			c.t.Errorf("%s answered %d, which openapi.json does not list", what, resp.StatusCode)
		} else if route.Operation.Responses.Status(resp.StatusCode).Value.Content.Get("text/event-stream") == nil {
			c.t.Errorf("%s answered a stream, which openapi.json does not say it does", what)
		}
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))

	if findErr != nil {
		// Not a documented operation: the answer is the API's JSON error.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			c.t.Errorf("%s is not in openapi.json, and answered %d (want 404 or 405)", what, resp.StatusCode)
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(body, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
			c.t.Errorf("%s answered %d without the JSON error shape: %q", what, resp.StatusCode, body)
		}
		return resp, nil
	}
	if reqErr != nil && resp.StatusCode < 300 {
		c.t.Errorf("%s?%s: openapi.json says the request is invalid (%v), but the server took it (%d)", what, req.URL.RawQuery,
			short(reqErr), resp.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: input, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Errorf("%s answered %d, which openapi.json does not allow: %v\nbody: %.600s", what, resp.StatusCode, short(err), body)
	}
	return resp, nil
}

// unknownQuery refuses a query parameter the operation does not list:
// kin-openapi lets those through, and a parameter the document does not
// know is one a client cannot know of either.
func unknownQuery(route *routers.Route, req *http.Request) error {
	known := map[string]bool{}
	for _, p := range route.PathItem.Parameters {
		known[p.Value.In+" "+p.Value.Name] = true
	}
	for _, p := range route.Operation.Parameters {
		known[p.Value.In+" "+p.Value.Name] = true
	}
	for name := range req.URL.Query() {
		if !known["query "+name] {
			return fmt.Errorf("query parameter %q is not in openapi.json", name)
		}
	}
	return nil
}

// short cuts a validation error, which quotes the whole schema, to its
// first lines.
func short(err error) string {
	lines := strings.SplitN(err.Error(), "\n", 4)
	if len(lines) > 3 {
		lines = lines[:3]
	}
	return strings.Join(lines, " ")
}
