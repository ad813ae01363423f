package web

import (
	"encoding/json"
	"net/http"
)

// WriteJSON answers with v as indented JSON, never cached: the health
// check here and every answer of the API.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
