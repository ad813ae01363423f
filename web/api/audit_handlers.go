package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) audit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	aq := app.AuditQuery{PatientID: q.Get("patient_id"), UserID: q.Get("user_id"), Action: q.Get("action")}
	var p ketaflow.Problems
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &aq.From}, {"to", &aq.To}} {
		if v := q.Get(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				p.Add(f.name, "%s must be an RFC 3339 time, like 2026-11-25T09:00:00Z", f.name)
			}
			*f.dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			p.Add("limit", "limit must be a whole number from 1 to 1000")
		}
		aq.Limit = n
	}
	if v := q.Get("before_seq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			p.Add("before_seq", "before_seq must be a positive whole number")
		}
		aq.BeforeSeq = n
	}
	if err := p.Err(); err != nil {
		return err
	}
	entries, err := h.app.SearchAudit(r.Context(), actor, aq)
	if err != nil {
		return err
	}
	out := apiAuditEntries{Entries: make([]apiAuditEntry, len(entries))}
	for i, e := range entries {
		out.Entries[i] = toAPIAuditEntry(e)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
