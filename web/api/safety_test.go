package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// The ways around the clinical rules (issue 8), each tried through the API
// on both databases: the old path is refused with a message naming the
// rule, and the refused request leaves the visit and the ledger as they
// were.

// dosingStarted takes a new IV visit through the order, its preparation and
// check, clearance and the start of dosing, and returns it with dosing
// started now.
func (f *fixture) dosingStarted(name string) *ivVisit {
	f.T.Helper()
	j := f.newIVVisit(name)
	f.must(http.StatusCreated, "prescriber", "POST", j.path("/order"), map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40}, nil)
	f.must(http.StatusCreated, "nurse", "POST", j.path("/preparation"), map[string]any{"lot_id": j.lot}, nil)
	f.must(http.StatusOK, "nurse2", "POST", j.path("/preparation/verify"), nil, nil)
	f.must(http.StatusOK, "nurse", "POST", j.path("/clear"), nil, nil)
	f.must(http.StatusOK, "nurse", "POST", j.path("/dosing"), nil, nil)
	return j
}

func TestBackdatedTimesCannotDefeatTheTimeRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.addStaff("nurse2", "nurse")

		t.Run("first_dose_before_the_start_of_dosing_is_refused", func(t *testing.T) {
			j := f.dosingStarted("Backdated First Dose")
			started := f.Clock.Now()
			before := j.snapshot()
			// Entered as given 95 minutes ago, with a reason: still before
			// dosing started, so refused, and nothing changes.
			e := f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", j.path("/administrations"),
				map[string]any{"at": started.Add(-95 * time.Minute).Format(time.RFC3339), "late_reason": "forgot to press start"},
				"cannot be before the start of dosing")
			if e.Error.Field != "at" {
				t.Errorf("the refusal names %q, want at", e.Error.Field)
			}
			if after := j.snapshot(); after != before {
				t.Errorf("the refused first dose changed the visit or the ledger")
			}
			// Without it the patient could be discharged at once: the
			// minimum time counts from the later of the two anyway.
			if s := f.sessionOf("nurse", j.id); s.Visit.State != "dosing" {
				t.Errorf("state after the refusal: %s", s.Visit.State)
			}
		})

		t.Run("a_late_first_dose_needs_a_reason_and_is_marked", func(t *testing.T) {
			j := f.dosingStarted("Late First Dose")
			given := f.Clock.Now().Add(time.Minute)
			f.Clock.Advance(25 * time.Minute) // charted 24 minutes after it was given
			f.refused(http.StatusBadRequest, "invalid", "nurse", "POST", j.path("/administrations"),
				map[string]any{"at": given.Format(time.RFC3339)}, "say why it is entered late")
			f.must(http.StatusCreated, "nurse", "POST", j.path("/administrations"),
				map[string]any{"at": given.Format(time.RFC3339), "late_reason": "charted after an emergency at chair 3"}, nil)
			var screen struct {
				Session struct {
					Events []struct {
						Kind       string    `json:"kind"`
						At         time.Time `json:"at"`
						RecordedAt time.Time `json:"recorded_at"`
						LateReason string    `json:"late_reason"`
					} `json:"events"`
				} `json:"session"`
			}
			f.must(http.StatusOK, "nurse", "GET", j.path(""), nil, &screen)
			if len(screen.Session.Events) == 0 || screen.Session.Events[0].LateReason == "" ||
				!screen.Session.Events[0].At.Equal(given) || !screen.Session.Events[0].RecordedAt.Equal(f.Clock.Now()) {
				t.Errorf("the late first dose is not marked with both times: %+v", screen.Session.Events)
			}
			var page struct {
				Entries *[]struct {
					Action string `json:"action"`
					Detail string `json:"detail"`
				} `json:"entries"`
			}
			f.must(http.StatusOK, "admin", "GET", "/api/v1/audit?patient_id="+j.patient.ID, nil, &page)
			found := false
			for _, e := range *page.Entries {
				found = found || strings.Contains(e.Detail, "entered late at")
			}
			if !found {
				t.Errorf("the audit log does not say the first dose was entered late: %+v", *page.Entries)
			}
		})

		t.Run("a_gate_vital_before_check_in_is_refused", func(t *testing.T) {
			j := f.newIVVisit("Vitals Before Check In")
			f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", j.path("/vitals"), map[string]any{
				"systolic": 120, "diastolic": 80, "taken_at": j.t0.Add(-time.Hour).Format(time.RFC3339),
				"late_reason": "taken in the waiting room"}, "cannot be before check-in")
		})

		t.Run("vitals_on_a_booked_visit_are_refused", func(t *testing.T) {
			p := f.SessionPatient("Booked Vitals", "")
			id := f.BookVisit(p.ID)
			f.refused(http.StatusConflict, "conflict", "nurse", "POST", "/api/v1/visits/"+id+"/vitals",
				map[string]any{"systolic": 120, "diastolic": 80}, "check the patient in first")
		})

		t.Run("a_device_before_the_first_dose_is_refused", func(t *testing.T) {
			id, _, first := f.spravatoVisit("Backdated Device")
			f.Clock.Advance(6 * time.Minute)
			f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", "/api/v1/visits/"+id+"/devices",
				map[string]any{"n": 2, "at": first.Add(-time.Minute).Format(time.RFC3339)}, "cannot be before the first dose")
		})
	})
}

func TestSpravatoLeavesOnlyWithItsREMSFormOrAPrescribersReason(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", "nurse")
		id, lotID, first := f.spravatoVisit("No Forty Minute BP")
		path := "/api/v1/visits/" + id
		at := func(m int) { f.Clock.Set(first.Add(time.Duration(m) * time.Minute)) }
		at(5)
		f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 2}, nil)
		at(10)
		f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 3}, nil)
		at(20)
		f.must(http.StatusOK, "nurse", "POST", path+"/session-end", nil, nil)
		// Every vitals check but the one about 40 minutes after the first
		// device, which the REMS form asks for.
		for _, m := range []int{60, 75, 90, 105, 120} {
			at(m)
			f.sessionVitals(id, 130, 5, false)
		}
		f.must(http.StatusCreated, "nurse", "POST", path+"/aldrete", map[string]any{"activity": 2, "respiration": 2,
			"circulation": 2, "consciousness": 2, "oxygen_saturation": 2}, nil)
		f.must(http.StatusOK, "nurse", "PUT", path+"/discharge-facts", map[string]any{"driver_present": true,
			"aftercare_given": true}, nil)
		f.must(http.StatusOK, "nurse", "PUT", path+"/medications", map[string]any{"benzodiazepines": "no",
			"non_benzodiazepine_sedative_hypnotics": "no", "psychostimulants": "no", "maois": "no", "opioids": "no"}, nil)
		at(121)
		f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "ready_for_discharge"}, nil)
		before, lotBefore := f.sessionOf("nurse", id), f.lot(lotID)
		f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", path+"/discharge", map[string]any{"to": "discharged"},
			"REMS Patient Monitoring Form cannot be assembled", "40")
		if after := f.sessionOf("nurse", id); after.Visit.State != before.Visit.State {
			t.Errorf("the refused discharge moved the visit to %s", after.Visit.State)
		}
		if l := f.lot(lotID); len(l.Entries) != len(lotBefore.Entries) {
			t.Errorf("the refused discharge wrote to the ledger")
		}
		f.must(http.StatusCreated, "prescriber", "POST", path+"/rems-form/incomplete",
			map[string]any{"reason": "the 40-minute blood pressure was not taken: the cuff failed; on the paper chart"}, nil)
		f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "discharged"}, nil)
		var list struct {
			Forms []struct {
				VisitID string   `json:"visit_id"`
				State   string   `json:"state"`
				Missing []string `json:"missing"`
			} `json:"forms"`
		}
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/rems-forms", nil, &list)
		if len(list.Forms) != 1 || list.Forms[0].VisitID != id || list.Forms[0].State != "due" || len(list.Forms[0].Missing) == 0 {
			t.Fatalf("the REMS list after discharge: %+v, want this visit due with what is missing", list.Forms)
		}
		// The closed visit still takes the late entry, with its reason, and
		// the form is completed and submitted.
		f.Clock.Advance(3 * time.Hour)
		f.must(http.StatusCreated, "nurse", "POST", path+"/vitals", map[string]any{"systolic": 138, "diastolic": 86,
			"taken_at": first.Add(41 * time.Minute).Format(time.RFC3339), "late_reason": "copied from the paper chart"}, nil)
		f.must(http.StatusCreated, "nurse", "POST", path+"/rems-form", nil, nil)
		f.must(http.StatusCreated, "nurse", "POST", path+"/rems-form/submission", map[string]any{"confirmation": "REMS-C-1"}, nil)
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/rems-forms", nil, &list)
		if list.Forms[0].State != "submitted" || len(list.Forms[0].Missing) != 0 {
			t.Errorf("after the late entry and the submission: %+v", list.Forms[0])
		}
	})
}

func TestFirstSpravatoTreatmentIsTheLabelsFirstDose(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.must(http.StatusOK, "admin", "PATCH", "/api/v1/clinic", map[string]any{"rems_setting_id": "HCS-20931"}, nil)
		p := f.SessionPatient("First Spravato", "REMS-P-1")
		id := f.checkedInVisit(p.ID, "spravato", 0)
		path := "/api/v1/visits/" + id
		before := f.sessionOf("prescriber", id)
		e := f.refused(http.StatusUnprocessableEntity, "blocked", "prescriber", "POST", path+"/order", map[string]any{"spravato_mg": 84},
			"first Spravato treatment", "56 mg")
		if e.Error.Field != "override_reason" {
			t.Errorf("the refusal names %q, want override_reason", e.Error.Field)
		}
		if after := f.sessionOf("prescriber", id); after.Session.Order != nil || after.Visit.State != before.Visit.State {
			t.Errorf("the refused order left an order or moved the visit")
		}
		f.must(http.StatusCreated, "prescriber", "POST", path+"/order", map[string]any{"spravato_mg": 56}, nil)
		var o struct {
			Overridden     []string `json:"overridden"`
			OverrideReason string   `json:"override_reason"`
		}
		f.must(http.StatusCreated, "prescriber", "POST", path+"/order", map[string]any{"spravato_mg": 84,
			"reason": "tolerated 56 mg at the other clinic", "override_reason": "continuing 84 mg from the other clinic's induction"}, &o)
		if len(o.Overridden) != 1 || o.Overridden[0] != "spravato_first_dose" || o.OverrideReason == "" {
			t.Errorf("the overridden order: %+v", o)
		}
	})
}

func TestAnInfusionStoppedEarlyCountsWhatItDelivered(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", "nurse")
		j := f.dosingStarted("Stopped Early")
		f.Clock.Advance(time.Minute)
		f.must(http.StatusCreated, "nurse", "POST", j.path("/administrations"), nil, nil)
		f.Clock.Advance(6*time.Minute + 4*time.Second)
		f.must(http.StatusCreated, "nurse", "POST", j.path("/infusion"), map[string]any{"action": "stop",
			"reason": "patient distressed; prescriber asked to stop"}, nil)
		var screen struct {
			Session struct {
				Phase struct {
					Name string `json:"name"`
				} `json:"phase"`
				Drug []struct {
					Drawn     float64 `json:"drawn"`
					Given     float64 `json:"given"`
					Wasted    float64 `json:"wasted"`
					Remaining float64 `json:"remaining"`
				} `json:"drug"`
			} `json:"session"`
		}
		f.Clock.Advance(time.Minute)
		f.must(http.StatusOK, "nurse", "GET", j.path(""), nil, &screen)
		if screen.Session.Phase.Name != "monitored rest" {
			t.Errorf("after the stop the phase is %q, want monitored rest", screen.Session.Phase.Name)
		}
		if d := screen.Session.Drug; len(d) != 1 || d[0].Drawn != 0.64 || d[0].Given != 0.1 || d[0].Remaining != 0.54 {
			t.Fatalf("the drug after the stop: %+v, want 0.64 drawn, 0.1 given, 0.54 to settle", d)
		}
		// The visit cannot close with the rest unaccounted for.
		f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", j.path("/transitions"),
			map[string]any{"to": "stopped_early", "reason": "transferred to the emergency department"}, "0.54 mL", "waste the rest")
		f.refused(http.StatusBadRequest, "invalid", "nurse", "POST", j.path("/waste"),
			map[string]any{"witness_username": "nurse2", "witness_password": "not the password"})
		f.must(http.StatusCreated, "nurse", "POST", j.path("/waste"), map[string]any{"witness_username": "nurse2",
			"witness_password": webtest.Password, "reason": "rest of the bag"}, nil)
		f.must(http.StatusOK, "nurse", "POST", j.path("/transitions"),
			map[string]any{"to": "stopped_early", "reason": "transferred to the emergency department"}, nil)
		l := f.lot(j.lot)
		var given, wasted float64
		for _, e := range l.Entries {
			if e.VisitID != j.id {
				continue
			}
			switch e.Kind {
			case "give":
				given += e.Quantity
			case "waste":
				wasted += e.Quantity
			}
		}
		if given != 0.1 || wasted != 0.54 {
			t.Errorf("the ledger: given %g, wasted %g; want 0.1 and 0.54", given, wasted)
		}
	})
}

func TestAClosedVisitIsNotJudgedAgainstALaterClock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", "nurse")
		id, _, first := f.spravatoVisit("Yesterday's Visit")
		f.dischargeSpravato(id, first)
		left := f.Clock.Now()
		f.Clock.Set(left.Add(20 * time.Hour))
		var screen struct {
			Visit struct {
				State string `json:"state"`
			} `json:"visit"`
			Gate struct {
				Cleared  bool     `json:"cleared"`
				Blocking []string `json:"blocking"`
			} `json:"gate"`
			Actions []struct {
				Name string `json:"name"`
			} `json:"actions"`
			Session struct {
				Phase struct {
					TotalSeconds int64 `json:"total_seconds"`
				} `json:"phase"`
				Discharge struct {
					Ready bool `json:"ready"`
				} `json:"discharge"`
			} `json:"session"`
		}
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/visits/"+id, nil, &screen)
		if !screen.Session.Discharge.Ready {
			t.Errorf("yesterday's discharge criteria are re-judged against today")
		}
		if got, want := screen.Session.Phase.TotalSeconds, int64(left.Sub(first).Seconds()); got != want {
			t.Errorf("the phase clock says %d s since the first dose, want the %d s of the visit", got, want)
		}
		if !screen.Gate.Cleared || len(screen.Gate.Blocking) != 0 {
			t.Errorf("the gate of a closed visit says %v would block", screen.Gate.Blocking)
		}
		for _, a := range screen.Actions {
			if strings.Contains(a.Name, "device") || strings.Contains(a.Name, "infusion") || a.Name == "end_session" {
				t.Errorf("the closed visit offers %s", a.Name)
			}
		}
	})
}
