// Package api is ketaflow's JSON API: every endpoint under /api/v1/ and the
// OpenAPI document that describes them at /api/openapi.json. Handlers call
// the services of package app and answer with the view a service returns,
// assembled in its own transaction and redacted for the caller's role: no
// handler reads again after a write, or hides a field. The answers and the
// request bodies are the API's own wire types (payload*.go), mapped from
// the views in one place, so that a change of a domain type cannot change
// the API unseen; errors are JSON. It mounts on the core in package web.
package api

import (
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPIDocument returns the OpenAPI document the server serves.
func OpenAPIDocument() []byte { return openAPIDoc }

// API is the group of the JSON API's endpoints.
type API struct {
	app *app.App
	log *slog.Logger
	doc []byte // the document as this server serves it (servedDocument)
}

// New returns the JSON API of an App.
func New(a *app.App, log *slog.Logger) *API {
	return &API{app: a, log: log, doc: servedDocument(openAPIDoc, a.Training() != nil)}
}

// trainingOnly marks, in openapi.json, the operations that exist only on a
// server on the training clock (serve --demo --clock manual).
const trainingOnly = "x-ketaflow-training-clock"

// servedDocument is the OpenAPI document as a server serves it: whole on a
// training server; elsewhere without the training clock's operations,
// which that server does not have, so that the document describes exactly
// the endpoints it serves.
func servedDocument(doc []byte, training bool) []byte {
	if training {
		return doc
	}
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return doc // TestOpenAPI* fail on a document that does not parse
	}
	paths, _ := d["paths"].(map[string]any)
	for p, ops := range paths {
		ops, _ := ops.(map[string]any)
		for method, op := range ops {
			if o, ok := op.(map[string]any); ok && o[trainingOnly] == true {
				delete(ops, method)
			}
		}
		if len(ops) == 0 {
			delete(paths, p)
		}
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return doc
	}
	return out
}

// Prefix is where the API lives.
func (h *API) Prefix() string { return "/api/" }

// Unauthenticated answers a request without a valid token or login: 401
// as JSON.
func (h *API) Unauthenticated(w http.ResponseWriter, r *http.Request, err error) {
	h.writeError(w, r, err)
}

// Fail answers every failed request as a JSON error.
func (h *API) Fail(w http.ResponseWriter, r *http.Request, _ access.Actor, err error) {
	h.writeError(w, r, err)
}

func (h *API) openAPI(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	// The media type the document gives itself (the authorization matrix
	// found the two apart).
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(h.doc)
	return nil
}
