package ui

import (
	"net/http"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/web"
)

// boardPage is the floor board page: the board as the reader may see it,
// with the words the tiles need.
type boardPage struct {
	Board app.Board
}

// Minutes is the whole minutes from the board's moment to t, counted up as
// the discharge rules count them.
func (p boardPage) Minutes(t time.Time) int { return app.MinutesLeft(p.Board.At, t) }

// Comfort says how the chair should be ready, item by item; empty when
// nothing was asked for.
func (boardPage) Comfort(c visits.Comfort) []string {
	var out []string
	if c.EyeMask {
		out = append(out, "eye mask")
	}
	if c.Blanket {
		out = append(out, "blanket")
	}
	if c.Music != visits.NoPreference && c.Music != "" {
		out = append(out, c.Music.Label())
	}
	if c.LightsDimmed {
		out = append(out, "lights dimmed")
	}
	return out
}

// Infusion says what the pump is doing.
func (boardPage) Infusion(s session.InfusionState) string {
	switch s {
	case session.NotStarted:
		return "not started"
	case session.Stopped:
		return "stopped early"
	}
	return string(s)
}

// Loud reports whether an alert's severity sounds on a screen that asked
// for it: urgent and severe.
func (boardPage) Loud(s alerts.Severity) bool { return s.Rank() >= alerts.Urgent.Rank() }

// boardPage shows the floor board; board.js keeps it live from
// /api/v1/board/events, reading this page again on each change.
func (h *UI) boardPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := h.app.Board(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.clinicView(r, actor, b.Clinic, "Floor board", "board")
	v.Now = b.At
	v.Data = boardPage{Board: b}
	return h.render(w, http.StatusOK, "board", v)
}

// downtimePDF prints the floor's downtime run sheet.
func (h *UI) downtimePDF(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return web.WriteDowntimeSheet(w, r, h.app, actor)
}
