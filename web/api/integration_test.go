package api_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// dischargedIV runs a new patient's IV visit from the order to discharge
// (ivJourney) and returns it with the moment of its discharge.
func (f *fixture) dischargedIV(name string) (string, time.Time) {
	f.T.Helper()
	j := f.newIVVisit(name)
	for _, st := range ivJourney() {
		if status, raw := j.do(st); status != st.want {
			f.T.Fatalf("%s: %s: got %d %s, want %d", name, st.name, status, raw, st.want)
		}
	}
	return j.id, f.Clock.Now()
}

type integrationJSON struct {
	VisitID       string    `json:"visit_id"`
	Status        string    `json:"status"`
	DueBy         time.Time `json:"due_by"`
	InWindow      bool      `json:"in_window"`
	TherapistID   *string   `json:"therapist_id"`
	ContentHidden bool      `json:"content_hidden"`
	Booking       *struct {
		StartsAt time.Time `json:"starts_at"`
		EndsAt   time.Time `json:"ends_at"`
		Mode     string    `json:"mode"`
	} `json:"booking"`
	Held *struct {
		HeldAt time.Time `json:"held_at"`
	} `json:"held"`
	Notes []struct {
		ID         string `json:"id"`
		Text       string `json:"text"`
		Amendments []struct {
			Text   string `json:"text"`
			Reason string `json:"reason"`
		} `json:"amendments"`
	} `json:"notes"`
	Journal []struct {
		Text string `json:"text"`
	} `json:"journal"`
}

type integrationListJSON struct {
	AtRisk []integrationJSON `json:"at_risk"`
	Due    []integrationJSON `json:"due"`
	Missed []integrationJSON `json:"missed"`
	Held   []integrationJSON `json:"held"`
}

// lists says which list of the worklist holds each visit.
func (w integrationListJSON) lists() map[string]string {
	out := map[string]string{}
	for name, l := range map[string][]integrationJSON{"at_risk": w.AtRisk, "due": w.Due, "missed": w.Missed, "held": w.Held} {
		for _, s := range l {
			out[s.VisitID] = name
		}
	}
	return out
}

// TestIntegrationWindowOnTheFakeClock: two IV visits are discharged; the
// therapist books and holds the first inside its 48-hour window (at 47 h)
// and writes its note, the second is never held and is missed once the
// window has closed (49 h). Each stands on the right list of the
// therapist's worklist and of the board's footer at every step
// [product brief §6; integration.window_hours 48, at_risk_hours 12].
func TestIntegrationWindowOnTheFakeClock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		f.addStaff("therapist2", access.Therapist)
		one, out1 := f.dischargedIV("Ona Held")
		two, out2 := f.dischargedIV("Tom Missed")
		path := func(id, suffix string) string { return "/api/v1/visits/" + id + "/integration" + suffix }
		worklist := func(user string) map[string]string {
			t.Helper()
			var w integrationListJSON
			f.must(http.StatusOK, user, "GET", "/api/v1/integration", nil, &w)
			return w.lists()
		}
		board := func(user string) map[string]string {
			t.Helper()
			var b struct {
				Integration integrationListJSON `json:"integration"`
			}
			f.must(http.StatusOK, user, "GET", "/api/v1/board", nil, &b)
			return b.Integration.lists()
		}
		want := func(when string, got map[string]string, lists map[string]string) {
			t.Helper()
			for id, l := range lists {
				if got[id] != l {
					t.Errorf("%s: visit %s on %q, want %q (lists %v)", when, id, got[id], l, got)
				}
			}
		}

		// Discharged: both due, 48 elapsed hours from each discharge.
		var s integrationJSON
		f.must(http.StatusOK, "therapist", "GET", path(one, ""), nil, &s)
		if s.Status != "due" || !s.DueBy.Equal(out1.Add(48*time.Hour)) || s.TherapistID != nil {
			t.Errorf("after discharge: %+v, want due by %s with nobody assigned", s, out1.Add(48*time.Hour))
		}
		want("after discharge", worklist("therapist"), map[string]string{one: "due", two: "due"})
		want("after discharge, board", board("frontdesk"), map[string]string{one: "due", two: "due"})

		// Only a therapist books; front desk reads the session without its content.
		f.refused(http.StatusForbidden, "forbidden", "frontdesk", "PUT", path(one, "/booking"),
			map[string]any{"starts_at": out1.Add(46 * time.Hour).Format(time.RFC3339), "mode": "video"})
		f.must(http.StatusOK, "frontdesk", "GET", path(one, ""), nil, &s)
		if !s.ContentHidden {
			t.Errorf("front desk: content not hidden")
		}

		// Two bookings into one calendar at once, 20 minutes apart: one is
		// booked, the other told of the clash, whichever comes first.
		start := out1.Add(46 * time.Hour).Truncate(time.Minute)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, b := range []struct {
			id string
			at time.Time
		}{{one, start}, {two, start.Add(20 * time.Minute)}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _ = f.call("therapist", "PUT", path(b.id, "/booking"), map[string]any{"starts_at": b.at.Format(time.RFC3339),
					"mode": "video"})
			}()
		}
		wg.Wait()
		if slices.Sort(statuses); statuses[0] != http.StatusOK || statuses[1] != http.StatusConflict {
			t.Fatalf("two bookings at once: %v, want one 200 and one 409", statuses)
		}
		// The second patient's booking (if it won) moves two hours later.
		f.must(http.StatusOK, "therapist", "PUT", path(two, "/booking"), map[string]any{"starts_at": start.Add(2 * time.Hour).Format(time.RFC3339),
			"mode": "in_person"}, nil)

		// Booked by video 46 h after the first discharge, in the window.
		f.must(http.StatusOK, "therapist", "PUT", path(one, "/booking"), map[string]any{"starts_at": start.Format(time.RFC3339),
			"mode": "video"}, &s)
		if s.Booking == nil || !s.Booking.StartsAt.Equal(start) || s.Booking.EndsAt.Sub(start) != 50*time.Minute ||
			s.TherapistID == nil || *s.TherapistID != f.Users["therapist"].ID {
			t.Errorf("booked: %+v", s)
		}
		// The same therapist at an overlapping time for the other patient:
		// the clash is named and the nearest free times offered.
		e := f.refused(http.StatusConflict, "conflict", "therapist", "PUT", path(two, "/booking"),
			map[string]any{"starts_at": start.Add(20 * time.Minute).Format(time.RFC3339), "mode": "in_person"},
			"another integration session", "nearest free times")
		if e.Error.Field != "starts_at" {
			t.Errorf("clash field %q, want starts_at", e.Error.Field)
		}
		// Another therapist is free then; in the past nobody is.
		f.refused(http.StatusBadRequest, "invalid", "therapist2", "PUT", path(two, "/booking"),
			map[string]any{"starts_at": out2.Add(-time.Hour).Format(time.RFC3339), "mode": "video"}, "past")

		// 36 h and a minute after the first discharge: less than 12 h left.
		f.Clock.Set(out1.Add(36*time.Hour + time.Minute))
		want("36 h", worklist("therapist"), map[string]string{one: "at_risk", two: "due"})

		// 47 h: held, inside the window. Not in the future, not before the discharge.
		f.Clock.Set(out1.Add(47 * time.Hour))
		f.refused(http.StatusConflict, "conflict", "therapist2", "PUT", path(one, "/held"),
			map[string]any{"held_at": f.Clock.Now().Format(time.RFC3339)}, "another therapist")
		f.refused(http.StatusBadRequest, "invalid", "therapist", "PUT", path(one, "/held"),
			map[string]any{"held_at": f.Clock.Now().Add(time.Minute).Format(time.RFC3339)}, "future")
		f.refused(http.StatusBadRequest, "invalid", "therapist", "PUT", path(one, "/held"),
			map[string]any{"held_at": out1.Add(-time.Minute).Format(time.RFC3339)}, "before the discharge")
		f.refused(http.StatusConflict, "conflict", "therapist", "POST", path(one, "/notes"), map[string]any{"text": "too early"}, "held first")
		f.must(http.StatusOK, "therapist", "PUT", path(one, "/held"), map[string]any{"held_at": f.Clock.Now().Format(time.RFC3339)}, &s)
		if s.Status != "held" || !s.InWindow {
			t.Errorf("held at 47 h: %+v, want held in the window", s)
		}
		f.refused(http.StatusConflict, "conflict", "therapist", "PUT", path(one, "/held"),
			map[string]any{"held_at": f.Clock.Now().Format(time.RFC3339)}, "held already")
		f.refused(http.StatusConflict, "conflict", "therapist", "PUT", path(one, "/booking"),
			map[string]any{"starts_at": f.Clock.Now().Add(time.Hour).Format(time.RFC3339), "mode": "video"}, "held")

		// The signed note, amended with a reason: the original stays.
		f.must(http.StatusCreated, "therapist", "POST", path(one, "/notes"), map[string]any{"text": "Spoke of the light she saw."}, &s)
		note := s.Notes[0].ID
		f.refused(http.StatusBadRequest, "invalid", "therapist", "POST", path(one, "/notes/"+note+"/amendments"),
			map[string]any{"text": "Spoke of the light and of her father.", "reason": "typo"}, "why")
		f.refused(http.StatusConflict, "conflict", "therapist2", "POST", path(one, "/notes/"+note+"/amendments"),
			map[string]any{"text": "Spoke of the light and of her father.", "reason": "not mine to correct"}, "signed")
		f.must(http.StatusCreated, "therapist", "POST", path(one, "/notes/"+note+"/amendments"),
			map[string]any{"text": "Spoke of the light and of her father.", "reason": "left out her father"}, &s)
		if len(s.Notes) != 1 || s.Notes[0].Text != "Spoke of the light she saw." || len(s.Notes[0].Amendments) != 1 ||
			s.Notes[0].Amendments[0].Reason != "left out her father" {
			t.Errorf("amended note: %+v, want the original with its amendment", s.Notes)
		}
		f.must(http.StatusOK, "frontdesk", "GET", path(one, ""), nil, &s)
		if len(s.Notes) != 0 || !s.ContentHidden {
			t.Errorf("front desk sees notes: %+v", s.Notes)
		}
		want("47 h", worklist("therapist"), map[string]string{one: "held", two: "at_risk"})

		// Exactly 48 h after the second discharge the window is still open;
		// an instant later it is missed.
		f.Clock.Set(out2.Add(48 * time.Hour))
		want("48 h", worklist("therapist"), map[string]string{two: "at_risk"})
		f.Clock.Set(out2.Add(49 * time.Hour))
		want("49 h", worklist("therapist"), map[string]string{one: "held", two: "missed"})
		got := board("nurse")
		want("49 h, board", got, map[string]string{two: "missed"})
		if _, ok := got[one]; ok {
			t.Errorf("board footer lists the held session: %v", got)
		}
		// therapist2 holds neither (both are booked with therapist): their
		// own list is empty; every therapist's lists both.
		if mine := worklist("therapist2"); len(mine) != 0 {
			t.Errorf("therapist2's worklist %v, want nothing of another therapist's", mine)
		}
		var all integrationListJSON
		f.must(http.StatusOK, "therapist2", "GET", "/api/v1/integration?scope=all", nil, &all)
		if l := all.lists(); l[one] != "held" || l[two] != "missed" {
			t.Errorf("scope=all: %v", l)
		}
		// Every write was audited once under the therapist.
		var entries []string
		err := db.View(context.Background(), func(tx *store.Tx) error {
			return tx.EachAuditEntry(f.ClinicA.ID, func(e audit.Entry) bool {
				if e.Outcome == audit.OK && e.Username == "therapist" {
					entries = append(entries, e.Action)
				}
				return true
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"integration.book", "integration.hold", "integration.note"} {
			if !slices.Contains(entries, a) {
				t.Errorf("no %s entry in the audit log (%v)", a, entries)
			}
		}
	})
}
