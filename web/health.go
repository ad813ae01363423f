package web

import (
	"context"
	"net/http"
	"time"

	"github.com/ketaflow/ketaflow/access"
)

// Health is the answer of GET /healthz.
type Health struct {
	// Status is "ok", or "unavailable" when the database does not answer.
	Status string `json:"status"`
	// Database names the database: "sqlite" or "postgres", or "not
	// answering".
	Database string `json:"database"`
}

// healthz answers 200 when the database answers, naming it.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	database, err := s.app.Health(ctx)
	if err != nil {
		s.log.Error("health check failed", "err", err)
		WriteJSON(w, http.StatusServiceUnavailable, Health{Status: "unavailable", Database: "not answering"})
		return nil
	}
	WriteJSON(w, http.StatusOK, Health{Status: "ok", Database: database})
	return nil
}
