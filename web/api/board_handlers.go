package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) board(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := h.app.Board(r.Context(), actor)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIBoard(b))
	return nil
}

// boardEventsPing is how often a quiet stream says it is alive, so that
// proxies and the browser keep it open.
const boardEventsPing = 25 * time.Second

// apiBoardEvent is what the board's stream says of a change: its topic
// and visit, never what it is; the client reads the board again.
type apiBoardEvent struct {
	Topic   string `json:"topic"`
	VisitID string `json:"visit_id,omitempty"`
}

// boardEvents streams what changes the board, as server-sent events
// (text/event-stream), each with an id: "ready" first (its id is where
// the stream starts), then "visit", "alerts" and "floor" as writes
// commit, on this server or, with PostgreSQL, another of the database.
// A client that reconnects with Last-Event-ID (or ?last_event_id=, for a
// new EventSource) gets every event it missed; when they cannot be told
// (the server restarted, or the client was away too long) it gets
// "resync" and reads the whole board again.
func (h *API) boardEvents(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	bw, err := h.app.WatchBoard(r.Context(), actor, last)
	if err != nil {
		return err
	}
	defer bw.Cancel()
	rc := http.NewResponseController(w)
	// The server's write timeout is for ordinary answers; this one lasts.
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A dropped stream is retried after a second (EventSource does it).
	fmt.Fprint(w, "retry: 1000\n\n")
	send := func(id, topic string, e app.Event) {
		data, _ := json.Marshal(apiBoardEvent{Topic: topic, VisitID: e.VisitID})
		fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", id, topic, data)
	}
	switch {
	case bw.Resync:
		send(bw.At, app.TopicResync, app.Event{})
	default:
		for _, e := range bw.Missed {
			send(bw.Cursor(e), e.Topic, e)
		}
		if len(bw.Missed) == 0 {
			send(bw.At, "ready", app.Event{})
		}
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	ping := time.NewTicker(boardEventsPing)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case e, ok := <-bw.Events:
			if !ok {
				return nil
			}
			send(bw.Cursor(e), e.Topic, e)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

func (h *API) downtimeSheet(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return web.WriteDowntimeSheet(w, r, h.app, actor)
}
