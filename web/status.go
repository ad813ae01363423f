package web

import (
	"log/slog"
	"net/http"

	"github.com/ketaflow/ketaflow"
)

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[ketaflow.Code]int{
	ketaflow.EInvalid:      http.StatusBadRequest,
	ketaflow.EMediaType:    http.StatusUnsupportedMediaType,
	ketaflow.EUnauthorized: http.StatusUnauthorized,
	ketaflow.EForbidden:    http.StatusForbidden,
	ketaflow.ENotFound:     http.StatusNotFound,
	ketaflow.EConflict:     http.StatusConflict,
	ketaflow.EPrecondition: http.StatusPreconditionFailed,
	ketaflow.EBlocked:      http.StatusUnprocessableEntity,
	ketaflow.ERateLimited:  http.StatusTooManyRequests,
	ketaflow.EUnavailable:  http.StatusServiceUnavailable,
	ketaflow.EInternal:     http.StatusInternalServerError,
	ketaflow.EMethod:       http.StatusMethodNotAllowed,
	ketaflow.EKeyInFlight:  http.StatusConflict,
	ketaflow.EKeyReused:    http.StatusUnprocessableEntity,
}

// Status returns the HTTP status for an error.
func Status(err error) int {
	if s, ok := statusOf[ketaflow.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// LogError logs a failed request with the error's full detail, once, from
// the helper that writes the answer (a JSON error or an error page).
func LogError(log *slog.Logger, r *http.Request, err error) {
	status := Status(err)
	if status >= 500 {
		log.Error("request failed", "method", r.Method, "path", LogPath(r), "status", status, "err", err)
	} else {
		log.Debug("request refused", "method", r.Method, "path", LogPath(r), "status", status, "err", err)
	}
}
