package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ketaflow/ketaflow/access"
)

// eventsPing is how often a quiet stream says it is alive, so that proxies
// and the browser keep it open.
const eventsPing = 25 * time.Second

// liveEvent is what a page hears: what changed, and the reader's count for
// the navigation (null when it could not be read: the badge then says so,
// never 0). It names no patient; the page reads what it shows again.
type liveEvent struct {
	Topic   string `json:"topic"`
	VisitID string `json:"visit_id,omitempty"`
	Count   *int   `json:"count"`
}

// events streams the clinic's changes to a page as server-sent events
// (text/event-stream): an "alerts" event when an alert is raised,
// acknowledged, resolved or escalated, a "visit" event when a visit is
// written. The stream ends when the page goes, or the server stops.
func (h *UI) events(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	ch, cancel, err := h.app.Watch(r.Context(), actor)
	if err != nil {
		return err
	}
	defer cancel()
	rc := http.NewResponseController(w)
	// The server's write timeout is for ordinary answers; this one lasts.
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// A dropped stream is retried after a second (EventSource does it).
	fmt.Fprint(w, "retry: 1000\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	ping := time.NewTicker(eventsPing)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case e, ok := <-ch:
			if !ok {
				return nil
			}
			count, err := h.app.OpenAlertCount(r.Context(), actor)
			n := &count
			if err != nil {
				h.log.Error("alert count for a live page", "err", err)
				n = nil
			}
			data, _ := json.Marshal(liveEvent{Topic: e.Topic, VisitID: e.VisitID, Count: n})
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Topic, data)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
