package web

import (
	"context"
	"net/http"
	"time"

	"github.com/ketaflow/ketaflow/access"
)

// healthz answers 200 when the database answers, naming it.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	database, err := s.app.Health(ctx)
	if err != nil {
		s.log.Error("health check failed", "err", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "not answering"})
		return nil
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": database})
	return nil
}
