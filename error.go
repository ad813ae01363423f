// Package ketaflow holds what every part of the clinic shares: typed errors,
// the injected clock and identifiers. It depends on nothing but the standard
// library (and a UUID generator), so the clinical packages can use it freely.
package ketaflow

import (
	"errors"
	"fmt"
	"strings"
)

// Code is the kind of an error. The HTTP layer maps each code to one status
// (see web/errors.go); everything else only compares codes.
type Code string

const (
	EInvalid      Code = "invalid"                // bad input: names the field and what is allowed
	EMediaType    Code = "unsupported_media_type" // a body of a type the endpoint does not read; names the one it does
	EUnauthorized Code = "unauthorized"           // not logged in, or the login failed
	EForbidden    Code = "forbidden"              // logged in, but the role may not do this
	ENotFound     Code = "not_found"              // no such thing, or not in the caller's clinic
	EConflict     Code = "conflict"               // the thing exists already or changed meanwhile
	EPrecondition Code = "precondition"           // an If-Match version no longer holds
	EBlocked      Code = "blocked"                // a clinical rule forbids the step right now
	ERateLimited  Code = "rate_limited"           // too many attempts; try later
	EUnavailable  Code = "unavailable"            // a dependency (the database) does not answer
	EInternal     Code = "internal"               // our fault; the detail is in the log only
	// EMethod: the path exists but does not take the request's method.
	EMethod Code = "method_not_allowed"
	// EKeyInFlight: a request with the same Idempotency-Key is still being
	// processed; EKeyReused: the key was used for another request.
	EKeyInFlight Code = "idempotency_key_in_flight"
	EKeyReused   Code = "idempotency_key_reused"
)

// FieldError is one problem with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error type of ketaflow. Message is safe to show to users; Err
// holds the cause for the log and is never shown.
type Error struct {
	Code    Code
	Message string
	Field   string       // the first field at fault, if any
	Fields  []FieldError // every field at fault, for forms that show them all
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Field != "" {
		b.WriteString(" (" + e.Field + ")")
	}
	b.WriteString(": " + e.Message)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an error of the given code with a message safe for users.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error about one field.
func Invalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EInvalid, Field: field, Message: msg, Fields: []FieldError{{field, msg}}}
}

// NotFound says that a thing of the named kind does not exist for the caller.
func NotFound(what string) *Error {
	return &Error{Code: ENotFound, Message: what + " not found"}
}

// Internal wraps an unexpected error; users see only "internal error".
func Internal(op string, err error) *Error {
	return &Error{Code: EInternal, Message: "internal error", Err: fmt.Errorf("%s: %w", op, err)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return err != nil && ErrorCode(err) == code }

// ErrorMessage returns the user-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return "internal error"
}

// AsError returns the *Error in err's chain, or an EInternal error wrapping err.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EInternal, Message: "internal error", Err: err}
}

// Problems collects field errors during validation so that a form can show
// every one at once.
type Problems []FieldError

// Add records a problem with a field.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when there are no problems, else an EInvalid *Error naming
// the first field and listing all of them.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	msg := p[0].Message
	if len(p) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(p)-1)
	}
	return &Error{Code: EInvalid, Field: p[0].Field, Message: msg, Fields: append([]FieldError(nil), p...)}
}
