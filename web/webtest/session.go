package webtest

import (
	"net/http"
	"time"

	"github.com/ketaflow/ketaflow"
)

// InSessionIV takes a new patient's IV visit to its first dose through the
// API (the prescriber verifies the nurse's preparation), and returns the
// visit and the moment of the first dose: the infusion is running.
func (f *Fixture) InSessionIV(name string) (visitID string, first time.Time) {
	f.T.Helper()
	p := f.SessionPatient(name, "")
	var v struct {
		ID string `json:"id"`
	}
	if resp := f.API("frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": p.ID, "route": "iv",
		"scheduled_at": f.Clock.Now().Add(15 * time.Minute).Format(time.RFC3339)}, &v); resp.StatusCode != http.StatusCreated {
		f.T.Fatalf("book: got %d", resp.StatusCode)
	}
	path := "/api/v1/visits/" + v.ID
	f.MoveVisit("frontdesk", v.ID, "checked_in", "")
	f.AnswerTablet("nurse", v.ID, CalmPHQ9, CalmGAD7)
	f.RecordGoodVitals(v.ID)
	f.RecordFasting(v.ID, 8*time.Hour, 3*time.Hour, true)
	f.RecordRide("frontdesk", v.ID)
	f.MustStatus(http.StatusCreated, "nurse", "POST", path+"/weights", map[string]any{"kg": 64, "measured_at": f.Clock.Now().Format(time.RFC3339)})
	var lot struct {
		ID string `json:"id"`
	}
	id := ketaflow.NewID()
	if resp := f.API("nurse", "POST", "/api/v1/lots", map[string]any{"drug": "ketamine", "concentration_mg_per_ml": 50,
		"ml_per_vial": 10, "lot_number": "K-" + id[len(id)-8:], "expiry": "2099-03-31", "packs": 5}, &lot); resp.StatusCode != http.StatusCreated {
		f.T.Fatalf("receive a lot: got %d", resp.StatusCode)
	}
	f.MustStatus(http.StatusCreated, "prescriber", "POST", path+"/order", map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40})
	f.MustStatus(http.StatusCreated, "nurse", "POST", path+"/preparation", map[string]any{"vial_mg_per_ml": 50, "lot_id": lot.ID})
	f.MustStatus(http.StatusOK, "prescriber", "POST", path+"/preparation/verify", nil)
	f.MustStatus(http.StatusOK, "nurse", "POST", path+"/clear", nil)
	f.MustStatus(http.StatusOK, "nurse", "POST", path+"/dosing", nil)
	f.Clock.Advance(5 * time.Minute)
	first = f.Clock.Now()
	f.MustStatus(http.StatusCreated, "nurse", "POST", path+"/administrations", nil)
	return v.ID, first
}

// DischargedIV takes a new patient's IV visit through its session to
// discharge and returns it with the moment of its discharge: its
// integration session is due from then.
func (f *Fixture) DischargedIV(name string) (visitID string, out time.Time) {
	f.T.Helper()
	id, first := f.InSessionIV(name)
	path := "/api/v1/visits/" + id
	at := func(m int) { f.Clock.Set(first.Add(time.Duration(m) * time.Minute)) }
	vitals := func(sedation int, dissociation bool) {
		f.MustStatus(http.StatusCreated, "nurse", "POST", path+"/vitals", map[string]any{"systolic": 128, "diastolic": 80,
			"heart_rate": 76, "spo2": 98, "sedation": sedation, "dissociation": dissociation})
	}
	for _, m := range []int{15, 30, 40} {
		at(m)
		vitals(4, true)
	}
	at(45)
	f.MustStatus(http.StatusOK, "nurse", "POST", path+"/session-end", nil)
	for _, m := range []int{45, 60, 75, 90} {
		at(m)
		vitals(5, false)
	}
	f.MustStatus(http.StatusCreated, "nurse", "POST", path+"/aldrete", map[string]any{"activity": 2, "respiration": 2,
		"circulation": 2, "consciousness": 2, "oxygen_saturation": 2})
	f.MustStatus(http.StatusOK, "nurse", "PUT", path+"/discharge-facts", map[string]any{"driver_present": true, "aftercare_given": true})
	f.MustStatus(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "ready_for_discharge"})
	f.MustStatus(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "discharged"})
	return id, f.Clock.Now()
}
