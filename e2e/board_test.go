package e2e

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/ui"
)

// restartable is a ketaflow server on a fixed address that can be stopped
// and started again, as a server restarts, on the same database.
type restartable struct {
	t    *testing.T
	addr string
	hs   *http.Server
	a    *app.App
}

// URL is the server's address.
func (s *restartable) URL() string { return "http://" + s.addr }

// start serves a over HTTP at the server's address (a new one the first
// time).
func (s *restartable) start(a *app.App) {
	s.t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pages, err := ui.New(a, log)
	if err != nil {
		s.t.Fatal(err)
	}
	srv, err := web.New(a, log, web.Config{PublicURL: &url.URL{Scheme: "http", Host: "localhost"}}, api.New(a, log), pages)
	if err != nil {
		s.t.Fatal(err)
	}
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	for i := 0; ; i++ {
		// The port of the server before may take a moment to be free.
		if ln, err = net.Listen("tcp", addr); err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.addr, s.a = ln.Addr().String(), a
	s.hs = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.hs.RegisterOnShutdown(a.Events.Close)
	go func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.t.Error(err)
		}
	}()
}

// stop stops the server as SIGTERM does: the live streams end, the
// requests in flight finish.
func (s *restartable) stop() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		s.t.Fatal(err)
	}
}

// TestFloorBoardFollowsEveryChange is issue 9's journey: the floor board
// open on a wall screen while a nurse, in another browser, records a
// vital, then one that raises an alert, then a Spravato device; the board
// shows each within a second without a reload. Then the server restarts:
// the board says it cannot reach it, with the time of its last update,
// and once the server is back it shows what changed meanwhile, again
// without a reload. Screenshots at 1920×1080, 1280×800 and 390×844.
func TestFloorBoardFollowsEveryChange(t *testing.T) {
	needChromium(t)
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			clock := ketaflow.NewFakeClock(time.Now())
			_, a := demoServerClock(t, d, clock)
			srv := &restartable{t: t}
			srv.start(a)
			t.Cleanup(func() { srv.hs.Close() })

			wall := browser(t, 1920, 1080)
			do(t, wall, login(srv.URL(), "nurse2", "nurse2-ketaflow"), chromedp.WaitVisible(chromedp.ID("board")))
			if h := text(t, wall, "h1"); h != "Floor board" {
				t.Fatalf("a nurse lands on %q, want the floor board", h)
			}
			chair2 := `//section[@data-chair="Chair 2"]`
			if tile := text(t, wall, `section[data-chair="Chair 2"]`); !strings.Contains(tile, "K. M.") || !strings.Contains(tile, "Spravato") ||
				!strings.Contains(tile, "Devices 1 of 3") || strings.Contains(tile, "Kwame") {
				t.Errorf("chair 2 before: %q", tile)
			}
			view(t, wall, "90-board-1920", "")
			mark(t, wall)

			nurse := browser(t, 1280, 800)
			do(t, nurse, login(srv.URL(), "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.ID("board")))
			view(t, nurse, "91-board-1280", "")
			do(t, nurse, loads(chromedp.Click(chromedp.Search(`//section[@data-chair="Chair 2"]//a[@class="tile-patient"]`))),
				chromedp.WaitVisible(chromedp.ID("visit-state")))
			reading := func(sys, dia string, spo2 ...string) {
				t.Helper()
				sat := "97"
				if len(spo2) > 0 {
					sat = spo2[0]
				}
				do(t, nurse, chromedp.SendKeys(chromedp.ID("systolic"), sys), chromedp.SendKeys(chromedp.ID("diastolic"), dia),
					chromedp.SendKeys(chromedp.ID("heart_rate"), "88"), chromedp.SendKeys(chromedp.ID("spo2"), sat),
					loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
			}

			// Ten minutes on, the 15 min check is due and so is device 2.
			// A vital does the check.
			before := text(t, wall, `section[data-chair="Chair 2"] .tile-visit`)
			if !strings.Contains(before, "(15 min)") {
				t.Errorf("chair 2's vitals before the reading: %q", before)
			}
			clock.Advance(10 * time.Minute)
			reading("128", "80")
			within(t, wall, time.Second, "the reading on the board",
				chromedp.WaitVisible(chromedp.Search(chair2+`//p[@class="tile-vitals" and contains(., "30 min")]`)))

			// An alert: one reading above 180/110 is a flag, in words and a sign.
			reading("186", "112")
			within(t, wall, time.Second, "the alert on the board, in words and a sign",
				chromedp.WaitVisible(chromedp.Search(chair2+`//ul[@class="tile-alerts"]/li[contains(., "Blood pressure high on one reading") and contains(., "⚑ Flag") and contains(., "open")]`)))

			// The wall screen asks for sound: an urgent alert (SpO2 below
			// 92%) sounds once; the flag before it did not.
			do(t, wall, chromedp.Click(chromedp.ID("board-sound")))
			reading("126", "78", "90")
			within(t, wall, time.Second, "the urgent alert on the board",
				chromedp.WaitVisible(chromedp.Search(chair2+`//ul[@class="tile-alerts"]/li[contains(., "▲ Urgent")]`)))
			sounded, err := chromedp.Run(wall, chromedp.Evaluate[[]string](`[document.getElementById("board").getAttribute("data-sounded"),
				document.querySelector('section[data-chair="Chair 2"] li[data-severity="urgent"]').getAttribute("data-alert"),
				document.querySelector('section[data-chair="Chair 2"] li[data-severity="flag"]') ? "flag shown" : "",
				localStorage.getItem("ketaflow.board.sound")]`))
			if err != nil || len(sounded) != 4 || !strings.Contains(sounded[0], sounded[1]+"/urgent") || strings.Contains(sounded[0], "/flag") ||
				sounded[3] != "on" {
				t.Errorf("sound: %q (%v), want the urgent alert sounded, not the flag, and the choice kept", sounded, err)
			}

			// A device: device 2, due for a few minutes.
			do(t, nurse, loads(chromedp.Click(chromedp.ID("give-device"))), notice("Device recorded"))
			within(t, wall, time.Second, "the device on the board",
				chromedp.WaitVisible(chromedp.Search(chair2+`//p[@class="tile-device" and contains(., "Devices 2 of 3")]`)))
			if reloaded(t, wall) {
				t.Error("the board was reloaded")
			}
			view(t, wall, "92-board-1920-after", "")

			// The server restarts. While it is down the board says so, with
			// the time of its last update; a change made meanwhile (through
			// the app the new server serves) shows once it is back.
			updated := text(t, wall, "#board-updated")
			srv.stop()
			within(t, wall, 5*time.Second, "the board saying it cannot reach the server",
				chromedp.WaitVisible(chromedp.Search(`//p[@id="board-status" and @data-state="down" and contains(., "Not connected")]`)))
			if s := text(t, wall, "#board-status"); !strings.Contains(s, "last updated "+updated) {
				t.Errorf("the board while the server is down: %q, want its last update %s", s, updated)
			}
			view(t, wall, "93-board-down", "")
			b := app.New(a.DB, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), app.PasswordCost(access.CheapArgon2()))
			nurseActor := demoActor(t, b, "nurse")
			var kwame string
			bd, err := b.Board(context.Background(), nurseActor)
			if err != nil {
				t.Fatal(err)
			}
			for _, tl := range bd.Tiles {
				if tl.ChairName == "Chair 2" {
					kwame = tl.Visits[0].VisitID
				}
			}
			clock.Advance(5 * time.Minute)
			if _, err := b.GiveDevice(context.Background(), nurseActor, kwame, 3, app.Moment{}); err != nil {
				t.Fatal(err)
			}
			srv.start(b)
			within(t, wall, 10*time.Second, "the board back, with the device given while it was down",
				chromedp.WaitVisible(chromedp.Search(chair2+`//p[@class="tile-device" and contains(., "Devices 3 of 3")]`)))
			within(t, wall, 5*time.Second, "the board saying it is live again",
				chromedp.WaitVisible(chromedp.Search(`//p[@id="board-status" and @data-state="live"]`)))
			if reloaded(t, wall) {
				t.Error("the board was reloaded to recover")
			}
			view(t, wall, "94-board-back", "")

			// Front desk's board: who and where, nothing clinical.
			desk := browser(t, 1280, 800)
			do(t, desk, login(srv.URL(), "frontdesk", "frontdesk-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
				chromedp.Navigate(srv.URL()+"/board"), chromedp.WaitVisible(chromedp.ID("board")))
			if tile := text(t, desk, `section[data-chair="Chair 2"]`); strings.Contains(tile, "Devices") || strings.Contains(tile, "Blood pressure") ||
				!strings.Contains(tile, "K. M.") {
				t.Errorf("front desk's chair 2: %q", tile)
			}
			view(t, desk, "95-board-frontdesk-1280", "")

			phone := browser(t, 390, 844)
			do(t, phone, login(srv.URL(), "prescriber", "prescriber-ketaflow"), chromedp.WaitVisible(chromedp.ID("board")))
			view(t, phone, "96-board-phone", "")
			shot(t, phone, "97-board-phone-full")
		})
	}
}
