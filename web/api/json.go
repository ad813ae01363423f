package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/web"
)

// decodeJSON reads a JSON request body into v, refusing a body that is not
// sent as JSON, unknown fields, and naming the field of a type mismatch.
func decodeJSON(r *http.Request, v any) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	// An empty body is refused as such by decodeStrict, whatever its label.
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := jsonContentType(r); err != nil {
			return err
		}
	}
	return decodeStrict(raw, v, "")
}

// readBody reads the body whole; the server limits it (web.MaxBodyBytes).
func readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, ketaflow.Invalid("", "the request body is too large or could not be read: at most %d MiB", web.MaxBodyBytes>>20)
	}
	return raw, nil
}

// jsonContentType refuses a body not labelled as JSON: a form or text/plain
// body is what a page of another site can send without asking, and the API
// reads only what a program meant as JSON.
func jsonContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return nil
	}
	if ct == "" {
		ct = "none"
	}
	return ketaflow.Errorf(ketaflow.EMediaType, "send the body as JSON with Content-Type: application/json (got %s)", clip(ct))
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// decodeStrict decodes a JSON object onto v (fields absent stay as they
// are), naming fields with prefix in errors.
func decodeStrict(raw json.RawMessage, v any, prefix string) error {
	err := decodeFrom(json.NewDecoder(bytes.NewReader(raw)), v, prefix)
	if e, ok := err.(*ketaflow.Error); ok && e.Field == prefix {
		// A value's own parser failed (a date or time); find which field.
		if f, msg := locateField(raw, reflect.TypeOf(v)); f != "" {
			return ketaflow.Invalid(prefix+f, "%s %s", prefix+f, msg)
		}
	}
	return err
}

// locateField finds the field of a JSON object that does not decode into
// type t, by decoding each member alone, and says what it must look like.
func locateField(raw json.RawMessage, t reflect.Type) (string, string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var members map[string]json.RawMessage
	if t.Kind() != reflect.Struct || json.Unmarshal(raw, &members) != nil {
		return "", ""
	}
	for name, val := range members {
		ft, ok := jsonFieldType(t, name)
		if !ok {
			continue
		}
		err := json.Unmarshal(val, reflect.New(ft).Interface())
		if err == nil {
			continue
		}
		if sub, msg := locateField(val, ft); sub != "" {
			return name + "." + sub, msg
		}
		switch ft {
		case reflect.TypeFor[time.Time]():
			return name, "must be an RFC 3339 time, like 2026-11-25T09:30:00Z"
		case reflect.TypeFor[ketaflow.Date]():
			return name, "must be a date, like 1980-04-30"
		}
		return name, "is not valid: " + err.Error()
	}
	return "", ""
}

// jsonFieldType returns the type of the struct field (or embedded struct's
// field) that a JSON member name decodes into.
func jsonFieldType(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			if ft, ok := jsonFieldType(f.Type, name); ok {
				return ft, true
			}
			continue
		}
		if tag == name || (tag == "" && strings.EqualFold(f.Name, name)) {
			return f.Type, true
		}
	}
	return nil, false
}

func decodeFrom(dec *json.Decoder, v any, prefix string) error {
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			f := prefix + jsonPath(te.Field)
			return ketaflow.Invalid(f, "%s must be a %s, not a JSON %s", f, jsonKind(te.Type.Kind().String()), te.Value)
		case errors.As(err, &se):
			return ketaflow.Invalid("", "the body is not valid JSON (at byte %d)", se.Offset)
		case errors.Is(err, io.EOF):
			return ketaflow.Invalid("", "the request body is empty; send a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			// Found by FuzzAPIBodies: a body cut short was "could not be read".
			return ketaflow.Invalid("", "the body is not valid JSON: it ends before the object is complete")
		default:
			if f, ok := unknownField(err); ok {
				return ketaflow.Invalid(prefix+f, "unknown field %s", prefix+f)
			}
			return ketaflow.Invalid(prefix, "the body could not be read: %s", err.Error())
		}
	}
	if dec.More() {
		return ketaflow.Invalid("", "the body must hold one JSON object")
	}
	return nil
}

// jsonPath drops the names of embedded Go structs ("apiPatientRecord.height_cm")
// from a field path, leaving the JSON names a client sent: those are
// snake_case, a Go type's name has a capital letter.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	kept := parts[:0]
	for _, p := range parts {
		if p != "" && strings.ToLower(p) == p {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ".")
}

func jsonKind(k string) string {
	switch k {
	case "float64", "float32", "int", "int64", "int32":
		return "number"
	case "bool":
		return "true or false"
	case "slice":
		return "list"
	case "struct", "map":
		return "object"
	}
	return k
}

func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		f := msg[len(prefix):]
		if len(f) >= 2 && f[0] == '"' {
			f = f[1 : len(f)-1]
		}
		return f, true
	}
	return "", false
}

// authorizedBody checks that the actor may perform action (a refusal is
// audited) before it reads the request body, so that a refused caller gets
// 403 whatever it sent, and then decodes the JSON body into a T.
func authorizedBody[T any](h *API, r *http.Request, actor access.Actor, action access.Action, category string) (T, error) {
	var in T
	if err := h.app.Authorize(r.Context(), actor, action, category); err != nil {
		return in, err
	}
	return in, decodeJSON(r, &in)
}

// authorizedOptionalBody is authorizedBody for a body that may be empty.
func authorizedOptionalBody[T any](h *API, r *http.Request, actor access.Actor, action access.Action, category string) (T, error) {
	var in T
	if err := h.app.Authorize(r.Context(), actor, action, category); err != nil {
		return in, err
	}
	return in, decodeOptionalJSON(r, &in)
}

// decodeOptionalJSON reads a body that may be left out: an empty body
// leaves v as it is; anything else must decode as decodeJSON asks.
func decodeOptionalJSON(r *http.Request, v any) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := jsonContentType(r); err != nil {
		return err
	}
	return decodeStrict(raw, v, "")
}
