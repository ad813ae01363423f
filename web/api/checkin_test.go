package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestAWorryingCheckInAlertsThePrescriberAndTheTherapist: the morning
// after a discharge the patient is emailed the check-in link at the
// protocol's hour; answering it with a low mood raises an alert that the
// prescriber and the therapist see, the answers are on the visit for
// clinicians and not for front desk, and a second submission is refused
// without touching the first.
func TestAWorryingCheckInAlertsThePrescriberAndTheTherapist(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		box := &webtest.Mailbox{}
		f.App.UseMail(app.Mail{Sender: box, LinkBase: webtest.LinkBase})
		id, discharged := f.DischargedIV("Check In Patient")
		var screen struct {
			Patient struct {
				ID string `json:"id"`
			} `json:"patient"`
		}
		f.API("nurse", "GET", "/api/v1/visits/"+id, nil, &screen)
		p, err := f.App.Patient(ctx, f.Actor("frontdesk"), screen.Patient.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.AmendPatient(ctx, f.Actor("frontdesk"), p.ID, p.Version, "email given at discharge",
			func(r *patients.Record) error { r.Email = "check.in@example.org"; return nil }); err != nil {
			t.Fatal(err)
		}

		// At discharge the integration reminder goes; the check-in waits
		// for 09:00 the next morning in the clinic's zone.
		if _, err := f.App.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		if len(box.Sent()) != 1 || box.Sent()[0].Subject[:len("Book your integration session")] != "Book your integration session" {
			t.Fatalf("at discharge the outbox sent %+v; want the integration reminder only", box.Sent())
		}
		loc := f.ClinicA.Location()
		y, m, d := discharged.In(loc).Date()
		morning := time.Date(y, m, d+1, 9, 0, 0, 0, loc)
		f.Clock.Set(morning.Add(-time.Minute))
		f.App.SendDue(ctx)
		if len(box.Sent()) != 1 {
			t.Fatalf("the check-in went before 09:00: %+v", box.Sent()[1:])
		}
		f.Clock.Set(morning)
		f.App.SendDue(ctx)
		if len(box.Sent()) != 2 {
			t.Fatalf("at 09:00 the check-in did not go: %d sent", len(box.Sent()))
		}
		token := box.CheckInToken("check.in@example.org")
		if token == "" {
			t.Fatalf("the check-in email has no link or the wrong address: %+v", box.Sent()[1])
		}

		f.Clock.Advance(20 * time.Minute)
		var saved struct {
			Alerted         bool   `json:"alerted"`
			CrisisResources string `json:"crisis_resources"`
		}
		resp := f.API("", "POST", "/api/v1/check-ins/"+token, map[string]any{"mood": 2, "sleep": "poorly",
			"effects": []string{"emotional_hangover"}, "safety": false, "note": "very low this morning"}, &saved)
		if resp.StatusCode != http.StatusCreated || !saved.Alerted || saved.CrisisResources == "" {
			t.Fatalf("a mood of 2: %d, %+v; want 201, alerted, with crisis resources", resp.StatusCode, saved)
		}
		var errBody webtest.APIErr
		resp = f.API("", "POST", "/api/v1/check-ins/"+token, map[string]any{"mood": 9, "sleep": "well", "safety": false}, &errBody)
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("a second submission: %d %+v, want 409", resp.StatusCode, errBody)
		}

		type alertJSON struct {
			ID          string   `json:"id"`
			Kind        string   `json:"kind"`
			VisitID     string   `json:"visit_id"`
			Message     string   `json:"message"`
			AddressedTo []string `json:"addressed_to"`
			ForCaller   bool     `json:"for_caller"`
			State       string   `json:"state"`
		}
		var alertID string
		for _, who := range []string{"prescriber", "therapist"} {
			var list struct {
				Alerts []alertJSON `json:"alerts"`
			}
			if resp := f.API(who, "GET", "/api/v1/alerts", nil, &list); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s lists alerts: %d", who, resp.StatusCode)
			}
			i := slices.IndexFunc(list.Alerts, func(a alertJSON) bool { return a.Kind == "check_in_worrying" && a.VisitID == id })
			if i < 0 {
				t.Fatalf("%s does not see the check-in alert: %+v", who, list.Alerts)
			}
			a := list.Alerts[i]
			alertID = a.ID
			if !a.ForCaller || a.State != "open" || !slices.Contains(a.AddressedTo, "prescriber") || !slices.Contains(a.AddressedTo, "therapist") ||
				a.Message != "Morning-after check-in: mood 2 of 10" {
				t.Errorf("%s sees the alert as %+v; want it open, for them, to the prescriber and the therapist", who, a)
			}
		}

		type visitJSON struct {
			CheckIn *struct {
				Mood    int      `json:"mood"`
				Sleep   string   `json:"sleep"`
				Effects []string `json:"effects"`
				Safety  bool     `json:"safety"`
				Note    string   `json:"note"`
				Worries []string `json:"worries"`
				AlertID string   `json:"alert_id"`
			} `json:"check_in"`
		}
		var v visitJSON
		f.API("therapist", "GET", "/api/v1/visits/"+id, nil, &v)
		if c := v.CheckIn; c == nil || c.Mood != 2 || c.Sleep != "poorly" || c.Note != "very low this morning" ||
			!slices.Equal(c.Worries, []string{"low_mood"}) || c.AlertID != alertID || !slices.Equal(c.Effects, []string{"emotional_hangover"}) {
			t.Errorf("the therapist sees the check-in as %+v; want the first answers with the alert", v.CheckIn)
		}
		var desk visitJSON
		f.API("frontdesk", "GET", "/api/v1/visits/"+id, nil, &desk)
		if desk.CheckIn != nil {
			t.Errorf("front desk sees the check-in answers: %+v", desk.CheckIn)
		}

		// The prescriber takes it.
		if resp := f.API("prescriber", "POST", "/api/v1/alerts/"+alertID+"/acknowledgement", map[string]any{"action": "called the patient; safe, seeing the therapist today"}, nil); resp.StatusCode != http.StatusCreated {
			t.Errorf("the prescriber acknowledges: %d", resp.StatusCode)
		}

		var out struct {
			Configured bool `json:"configured"`
			Messages   []struct {
				Kind  string `json:"kind"`
				State string `json:"state"`
			} `json:"messages"`
		}
		if resp := f.API("admin", "GET", "/api/v1/outbox", nil, &out); resp.StatusCode != http.StatusOK || !out.Configured {
			t.Fatalf("the admin's outbox: %d %+v", resp.StatusCode, out)
		}
		sent := 0
		for _, m := range out.Messages {
			if m.State == "sent" {
				sent++
			}
		}
		if sent != 2 {
			t.Errorf("the outbox lists %d sent, want the integration reminder and the check-in: %+v", sent, out.Messages)
		}
		if resp := f.API("nurse", "GET", "/api/v1/outbox", nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a nurse reads the outbox: %d", resp.StatusCode)
		}
	})
}
