package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// The second half of a visit through the API: dose, live session,
// discharge and the Spravato REMS form. Every time is the fixture's fake
// clock; nothing sleeps.

// addStaff adds a user of clinic A with an API token: a second nurse
// verifies what the first prepared.
func (f *fixture) addStaff(username string, role access.Role) {
	f.T.Helper()
	ctx := context.Background()
	u, err := f.App.AddUserFromCommandLine(ctx, f.ClinicA.ID, app.NewUser{Username: username, Name: "Test " + username,
		Role: role, Password: webtest.Password})
	if err != nil {
		f.T.Fatal(err)
	}
	f.Users[username] = u
	if f.Tokens[username], err = f.App.CreateAPITokenFromCommandLine(ctx, username, "tests"); err != nil {
		f.T.Fatal(err)
	}
}

// loginSecret signs the user in and returns the login's secret, which a
// request may carry as a bearer to act as that browser login.
func (f *fixture) loginSecret(username string) string {
	f.T.Helper()
	secretIn, err := f.App.Login(context.Background(), username, webtest.Password, "test")
	secret := secretIn.LoginSecret
	if err != nil {
		f.T.Fatal(err)
	}
	return secret
}

// call sends a request (no body when body is nil) and returns the status
// and the raw answer.
func (f *fixture) call(username, method, path string, body any) (int, []byte) {
	f.T.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.T.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.Server.URL+path, r)
	if err != nil {
		f.T.Fatal(err)
	}
	if username != "" {
		req.Header.Set("Authorization", "Bearer "+f.Tokens[username])
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		f.T.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		f.T.Fatal(err)
	}
	return resp.StatusCode, out
}

// must sends a request, fails the test unless the status is want, and
// decodes the answer into out (when not nil).
func (f *fixture) must(want int, username, method, path string, body, out any) {
	f.T.Helper()
	status, raw := f.call(username, method, path, body)
	if status != want {
		f.T.Fatalf("%s %s as %s: got %d %s, want %d", method, path, username, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			f.T.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// refused sends a request that must be refused with status and error
// code, its message naming every one of words.
func (f *fixture) refused(status int, code, username, method, path string, body any, words ...string) webtest.APIErr {
	f.T.Helper()
	got, raw := f.call(username, method, path, body)
	var e webtest.APIErr
	json.Unmarshal(raw, &e)
	if got != status || e.Error.Code != code {
		f.T.Fatalf("%s %s as %s: got %d %s, want %d %s", method, path, username, got, raw, status, code)
	}
	for _, w := range words {
		if !strings.Contains(e.Error.Message, w) {
			f.T.Errorf("%s %s: message %q does not say %q", method, path, e.Error.Message, w)
		}
	}
	return e
}

type orderJSON struct {
	ID               string     `json:"id"`
	Route            string     `json:"route"`
	MgPerKg          float64    `json:"mg_per_kg"`
	WeightKG         float64    `json:"weight_kg"`
	WeightMeasuredAt *time.Time `json:"weight_measured_at"`
	DoseMg           float64    `json:"dose_mg"`
	InfusionMinutes  int        `json:"infusion_minutes"`
	SpravatoMg       int        `json:"spravato_mg"`
	OrderedBy        string     `json:"ordered_by"`
	OrderedByName    string     `json:"ordered_by_name"`
	SignedAt         time.Time  `json:"signed_at"`
}

type lineJSON struct {
	Label    string  `json:"label"`
	Formula  string  `json:"formula"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Rounding string  `json:"rounding"`
}

type prepJSON struct {
	ID             string     `json:"id"`
	OrderID        string     `json:"order_id"`
	LotID          string     `json:"lot_id"`
	VialMgPerML    float64    `json:"vial_mg_per_ml"`
	Lines          []lineJSON `json:"lines"`
	DoseMg         float64    `json:"dose_mg"`
	DrawML         float64    `json:"draw_ml"`
	BagTotalML     float64    `json:"bag_total_ml"`
	RateMLPerHour  float64    `json:"rate_ml_per_hour"`
	Devices        int        `json:"devices"`
	Warnings       []string   `json:"warnings"`
	PreparedBy     string     `json:"prepared_by"`
	Verified       bool       `json:"verified"`
	VerifiedBy     string     `json:"verified_by"`
	VerifiedByName string     `json:"verified_by_name"`
	VerifiedAt     *time.Time `json:"verified_at"`
}

type criterionJSON struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Met    bool   `json:"met"`
	Detail string `json:"detail"`
}

type checkJSON struct {
	Kind         string `json:"kind"`
	AfterMinutes int    `json:"after_minutes"`
	State        string `json:"state"`
	ReadingID    string `json:"reading_id"`
}

type adverseJSON struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Severity    string    `json:"severity"`
	At          time.Time `json:"at"`
	Action      string    `json:"action"`
	Amends      string    `json:"amends"`
	AmendReason string    `json:"amend_reason"`
}

// sessionJSON is the part of the visit's session view the tests read.
type sessionJSON struct {
	Order       *orderJSON  `json:"order"`
	Orders      []orderJSON `json:"orders"`
	Preparation *prepJSON   `json:"preparation"`
	FirstDoseAt *time.Time  `json:"first_dose_at"`
	Events      []struct {
		Kind   string    `json:"kind"`
		N      int       `json:"n"`
		At     time.Time `json:"at"`
		Reason string    `json:"reason"`
	} `json:"events"`
	Timeline []struct {
		Name string `json:"name"`
	} `json:"timeline"`
	Phase *struct {
		Name         string `json:"name"`
		TotalSeconds int64  `json:"total_seconds"`
	} `json:"phase"`
	Infusion *struct {
		State  string `json:"state"`
		Pauses []struct {
			At        time.Time  `json:"at"`
			ResumedAt *time.Time `json:"resumed_at"`
			Reason    string     `json:"reason"`
		} `json:"pauses"`
		DeliveredSeconds int64     `json:"delivered_seconds"`
		PausedForSeconds int64     `json:"paused_for_seconds"`
		ExpectedEnd      time.Time `json:"expected_end"`
	} `json:"infusion"`
	Devices *struct {
		Mg      int `json:"mg"`
		Devices []struct {
			N       int        `json:"n"`
			DueAt   time.Time  `json:"due_at"`
			GivenAt *time.Time `json:"given_at"`
		} `json:"devices"`
	} `json:"devices"`
	NextDevice *struct {
		N           int   `json:"n"`
		WaitSeconds int64 `json:"wait_seconds"`
		Ready       bool  `json:"ready"`
	} `json:"next_device"`
	VitalsSchedule []checkJSON `json:"vitals_schedule"`
	NextCheck      *checkJSON  `json:"next_check"`
	Alerts         []struct {
		Kind string `json:"kind"`
	} `json:"alerts"`
	AdverseEvents []adverseJSON `json:"adverse_events"`
	Aldrete       *struct {
		Total int `json:"total"`
	} `json:"aldrete"`
	DischargeFacts map[string]any `json:"discharge_facts"`
	Medications    map[string]any `json:"medications"`
	Discharge      struct {
		Ready      bool            `json:"ready"`
		Criteria   []criterionJSON `json:"criteria"`
		EarliestAt *time.Time      `json:"earliest_at"`
	} `json:"discharge"`
	REMSForm *struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"rems_form"`
}

// checkAt returns the scheduled vitals check at minute m.
func (s sessionJSON) checkAt(kind string, m int) checkJSON {
	for _, c := range s.VitalsSchedule {
		if c.AfterMinutes == m && (kind == "" || c.Kind == kind) {
			return c
		}
	}
	return checkJSON{}
}

type visitSessionJSON struct {
	Visit struct {
		State string `json:"state"`
	} `json:"visit"`
	Vitals []struct {
		ID           string `json:"id"`
		Systolic     int    `json:"systolic"`
		Sedation     *int   `json:"sedation"`
		Dissociation *bool  `json:"dissociation"`
		Amends       string `json:"amends"`
		AmendReason  string `json:"amend_reason"`
	} `json:"vitals"`
	ClinicalHidden bool         `json:"clinical_hidden"`
	Session        *sessionJSON `json:"session"`
}

func (f *fixture) sessionOf(username, visitID string) visitSessionJSON {
	f.T.Helper()
	var out visitSessionJSON
	f.must(http.StatusOK, username, "GET", "/api/v1/visits/"+visitID, nil, &out)
	return out
}

// lotJSON is the part of GET /api/v1/lots/{id} the tests read.
type lotJSON struct {
	Lot struct {
		ID        string  `json:"id"`
		LotNumber string  `json:"lot_number"`
		OnHand    float64 `json:"on_hand"`
	} `json:"lot"`
	Entries []struct {
		Kind     string  `json:"kind"`
		Quantity float64 `json:"quantity"`
		VisitID  string  `json:"visit_id"`
	} `json:"entries"`
	OpenDraws map[string]float64 `json:"open_draws"`
}

// receiveKetamine receives five 10 mL vials of ketamine 50 mg/mL as the
// nurse, through the ledger API.
func (f *fixture) receiveKetamine(lotNumber string) string {
	f.T.Helper()
	var lot struct {
		ID     string  `json:"id"`
		OnHand float64 `json:"on_hand"`
	}
	f.must(http.StatusCreated, "nurse", "POST", "/api/v1/lots", map[string]any{"drug": "ketamine", "concentration_mg_per_ml": 50,
		"ml_per_vial": 10, "lot_number": lotNumber, "expiry": "2027-03-31", "packs": 5}, &lot)
	if lot.OnHand != 50 {
		f.T.Fatalf("received %g mL, want 50", lot.OnHand)
	}
	return lot.ID
}

// receiveSpravato receives two 84 mg Spravato kits (3 devices each).
func (f *fixture) receiveSpravato(lotNumber string) string {
	f.T.Helper()
	var lot struct {
		ID     string  `json:"id"`
		OnHand float64 `json:"on_hand"`
	}
	f.must(http.StatusCreated, "nurse", "POST", "/api/v1/lots", map[string]any{"drug": "esketamine", "devices_per_kit": 3,
		"lot_number": lotNumber, "expiry": "2027-06-30", "packs": 2}, &lot)
	if lot.OnHand != 6 {
		f.T.Fatalf("received %g devices, want 6", lot.OnHand)
	}
	return lot.ID
}

func (f *fixture) lot(id string) lotJSON {
	f.T.Helper()
	var l lotJSON
	f.must(http.StatusOK, "nurse", "GET", "/api/v1/lots/"+id, nil, &l)
	return l
}

// checkedInVisit books a visit of route for the patient, checks it in and
// records every fact the gate needs: questionnaires, vitals, fasting, ride
// and (IV) a weight of kg taken now.
func (f *fixture) checkedInVisit(patientID, route string, kg float64) string {
	f.T.Helper()
	var v struct {
		ID string `json:"id"`
	}
	f.must(http.StatusCreated, "frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": patientID, "route": route,
		"scheduled_at": f.Clock.Now().Add(15 * time.Minute).Format(time.RFC3339)}, &v)
	f.MoveVisit("frontdesk", v.ID, "checked_in", "")
	f.AnswerTablet("nurse", v.ID, webtest.CalmPHQ9, webtest.CalmGAD7)
	f.RecordGoodVitals(v.ID)
	f.RecordFasting(v.ID, 8*time.Hour, 3*time.Hour, true)
	f.RecordRide("frontdesk", v.ID)
	if kg > 0 {
		f.must(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+v.ID+"/weights",
			map[string]any{"kg": kg, "measured_at": f.Clock.Now().Format(time.RFC3339)}, nil)
	}
	return v.ID
}

// sessionVitals records a reading taken now with MOAA/S and dissociation.
func (f *fixture) sessionVitals(visitID string, systolic, sedation int, dissociation bool) string {
	f.T.Helper()
	var out struct {
		Reading struct {
			ID string `json:"id"`
		} `json:"reading"`
	}
	f.must(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+visitID+"/vitals", map[string]any{"systolic": systolic,
		"diastolic": 82, "heart_rate": 76, "spo2": 97, "respiratory_rate": 14, "sedation": sedation,
		"dissociation": dissociation}, &out)
	return out.Reading.ID
}

// ivVisit is an IV visit driven step by step: the steps are the journey
// from the order to discharge, each one a request that must succeed.
// Times are fixed from the planned first dose, so that a case that skips a
// step keeps every other step at its time.
type ivVisit struct {
	f       *fixture
	id      string
	lot     string
	first   time.Time // when the infusion starts
	t0      time.Time
	patient patients.Patient
}

// newIVVisit registers a patient, checks in an IV visit with a 64 kg weight,
// and receives a lot of ketamine 50 mg/mL.
func (f *fixture) newIVVisit(name string) *ivVisit {
	f.T.Helper()
	p := f.SessionPatient(name, "")
	j := &ivVisit{f: f, patient: p, t0: f.Clock.Now()}
	j.id = f.checkedInVisit(p.ID, "iv", 64)
	id := ketaflow.NewID()
	j.lot = f.receiveKetamine("K-" + id[len(id)-8:])
	j.first = j.t0.Add(10 * time.Minute)
	return j
}

func (j *ivVisit) path(suffix string) string { return "/api/v1/visits/" + j.id + suffix }

// at moves the clock to m minutes after the planned first dose.
func (j *ivVisit) at(m int) { j.f.Clock.Set(j.first.Add(time.Duration(m) * time.Minute)) }

// ivStep is one step of the journey: at minute at of the planned first
// dose (none when -1, or when run moves the clock itself), run must
// answer want.
type ivStep struct {
	name string
	at   int
	want int
	run  func(j *ivVisit) (int, []byte)
}

// clock moves the clock to the step's time.
func (j *ivVisit) clock(st ivStep) {
	if st.at >= 0 {
		j.at(st.at)
	}
}

// do takes the step at its time.
func (j *ivVisit) do(st ivStep) (int, []byte) {
	j.clock(st)
	return st.run(j)
}

func post(username, suffix string, body any) func(j *ivVisit) (int, []byte) {
	return func(j *ivVisit) (int, []byte) { return j.f.call(username, "POST", j.path(suffix), body) }
}

// vitalsAt records readings at each minute given, the last one's status
// answering for the step.
func vitalsAt(sedation int, dissociation bool, minutes ...int) func(j *ivVisit) (int, []byte) {
	return func(j *ivVisit) (int, []byte) {
		var status int
		var raw []byte
		for _, m := range minutes {
			j.at(m)
			status, raw = j.f.call("nurse", "POST", j.path("/vitals"), map[string]any{"systolic": 134, "diastolic": 84,
				"heart_rate": 80, "spo2": 97, "sedation": sedation, "dissociation": dissociation})
			if status != http.StatusCreated {
				return status, raw
			}
		}
		return status, raw
	}
}

func dischargeFacts(driver bool, alternative string, aftercare bool) func(j *ivVisit) (int, []byte) {
	return func(j *ivVisit) (int, []byte) {
		return j.f.call("nurse", "PUT", j.path("/discharge-facts"), map[string]any{"driver_present": driver,
			"alternative": alternative, "aftercare_given": aftercare})
	}
}

// ivJourney is the IV visit from the order to discharge.
func ivJourney() []ivStep {
	return []ivStep{
		{"order", -1, http.StatusCreated, post("prescriber", "/order", map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40})},
		{"prepare", -1, http.StatusCreated, func(j *ivVisit) (int, []byte) {
			return j.f.call("nurse", "POST", j.path("/preparation"), map[string]any{"vial_mg_per_ml": 50, "lot_id": j.lot})
		}},
		{"verify", -1, http.StatusOK, post("nurse2", "/preparation/verify", nil)},
		{"clear", -1, http.StatusOK, post("nurse", "/clear", nil)},
		{"start_dosing", -1, http.StatusOK, post("nurse", "/dosing", nil)},
		{"administer", 0, http.StatusCreated, post("nurse", "/administrations", nil)},
		{"vitals_15", -1, http.StatusCreated, vitalsAt(4, true, 15)},
		{"pause", 20, http.StatusCreated, post("nurse", "/infusion", map[string]any{"action": "pause", "reason": "nausea; ondansetron given"})},
		{"resume", 22, http.StatusCreated, post("nurse", "/infusion", map[string]any{"action": "resume"})},
		{"vitals_30_40", -1, http.StatusCreated, vitalsAt(5, true, 30, 40)},
		{"end_session", 45, http.StatusOK, post("nurse", "/session-end", nil)},
		{"vitals_45_to_75", -1, http.StatusCreated, vitalsAt(5, false, 45, 60, 75)},
		{"wait_90", -1, http.StatusCreated, vitalsAt(5, false, 90)},
		{"aldrete", -1, http.StatusCreated, post("nurse", "/aldrete", map[string]any{"activity": 2, "respiration": 2,
			"circulation": 2, "consciousness": 2, "oxygen_saturation": 2})},
		{"discharge_facts", -1, http.StatusOK, dischargeFacts(true, "", true)},
		{"ready", -1, http.StatusOK, post("nurse", "/discharge", map[string]any{"to": "ready_for_discharge"})},
		{"discharged", -1, http.StatusOK, post("nurse", "/discharge", map[string]any{"to": "discharged"})},
	}
}

// ivStepActions names, for each step of the IV journey, who takes it and
// the action of the visit screen that offers it.
var ivStepActions = map[string]struct{ user, action string }{
	"order": {"prescriber", "order_dose"}, "prepare": {"nurse", "prepare_dose"}, "verify": {"nurse2", "verify_dose"},
	// Dosing starts with the first dose: a cleared visit offers the first
	// dose (which starts dosing too), not a second start; programs may
	// still start dosing alone (POST .../start), as this journey does.
	"clear": {"nurse", "clear"}, "start_dosing": {"nurse", "administer"}, "administer": {"nurse", "administer"},
	"vitals_15": {"nurse", "record_vitals"}, "pause": {"nurse", "pause_infusion"}, "resume": {"nurse", "resume_infusion"},
	"vitals_30_40": {"nurse", "record_vitals"}, "end_session": {"nurse", "end_session"},
	"vitals_45_to_75": {"nurse", "record_vitals"}, "wait_90": {"nurse", "record_vitals"}, "aldrete": {"nurse", "record_aldrete"},
	"discharge_facts": {"nurse", "record_discharge_checklist"}, "ready": {"nurse", "ready_for_discharge"},
	"discharged": {"nurse", "discharge"},
}

func TestIVVisitFromOrderToDischargeThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		j := f.newIVVisit("Iva Infusion")
		before := f.lot(j.lot)

		for _, st := range ivJourney() {
			if st.name == "verify" {
				// The nurse who prepared the dose cannot check it.
				f.refused(http.StatusForbidden, "forbidden", "nurse", "POST", j.path("/preparation/verify"), nil, "you prepared this dose")
			}
			// A client follows the visit screen's actions: the step is
			// offered to whoever takes it, and allowed, before it is taken.
			j.clock(st)
			sa, ok := ivStepActions[st.name]
			if !ok {
				t.Fatalf("step %s has no action", st.name)
			}
			screen := f.VisitScreen(sa.user, j.id)
			if a, ok := screen.Action(sa.action); !ok || !a.Allowed || a.Reason != "" || a.Label == "" {
				t.Fatalf("before %s: action %s is %+v (offered %t), want it offered and allowed; actions %+v", st.name, sa.action, a, ok, screen.Actions)
			}
			switch st.name {
			case "pause", "resume", "vitals_30_40":
				// While the infusion runs (or is paused) the session
				// cannot end, and the screen says why.
				if a, ok := screen.Action("end_session"); !ok || a.Allowed || !strings.Contains(a.Reason, "infusion") {
					t.Errorf("before %s: end_session is %+v (offered %t), want it offered, not allowed, naming the infusion", st.name, a, ok)
				}
			case "clear":
				if !screen.CanClear || !slices.Contains(screen.Next, "cleared") {
					t.Errorf("before clear: can_clear %t, next %v", screen.CanClear, screen.Next)
				}
			}
			status, raw := j.do(st)
			if status != st.want {
				t.Fatalf("step %s: got %d %s, want %d", st.name, status, raw, st.want)
			}
			switch st.name {
			case "order":
				var o orderJSON
				json.Unmarshal(raw, &o)
				if o.DoseMg != 32 || o.WeightKG != 64 || o.MgPerKg != 0.5 || o.InfusionMinutes != 40 ||
					o.OrderedBy != f.Users["prescriber"].ID || o.SignedAt.IsZero() || o.SignedAt.Location() != time.UTC {
					t.Errorf("order: %+v, want 32 mg from 0.5 mg/kg × 64 kg, signed by the prescriber, in UTC", o)
				}
			case "prepare":
				// The worked example of the product brief, for this
				// patient's 64 kg.
				var p prepJSON
				json.Unmarshal(raw, &p)
				if p.DoseMg != 32 || p.DrawML != 0.64 || p.BagTotalML != 100.64 || p.RateMLPerHour != 151 || p.LotID != j.lot ||
					p.Verified || p.VerifiedAt != nil || p.Warnings == nil {
					t.Errorf("preparation: %+v", p)
				}
				want := []struct {
					label, unit string
					value       float64
					formula     string
				}{
					{"Dose", "mg", 32, "0.5 mg/kg × 64.0 kg = 32.0 mg"},
					{"Volume to draw", "mL", 0.64, "32.0 mg ÷ 50 mg/mL = 0.64 mL"},
					{"Bag total", "mL", 100.64, "= 100.64 mL"},
					{"Pump rate", "mL/h", 151, "100.64 mL ÷ 40 min × 60 min/h = 151.0 mL/h"},
				}
				if len(p.Lines) != len(want) {
					t.Fatalf("lines: %+v", p.Lines)
				}
				for i, w := range want {
					l := p.Lines[i]
					if l.Label != w.label || l.Unit != w.unit || l.Value != w.value || !strings.Contains(l.Formula, w.formula) || l.Rounding == "" {
						t.Errorf("line %d: %+v, want %s %g %s (%q) with its rounding", i, l, w.label, w.value, w.unit, w.formula)
					}
				}
			case "verify":
				var p prepJSON
				json.Unmarshal(raw, &p)
				if !p.Verified || p.VerifiedBy != f.Users["nurse2"].ID || p.VerifiedAt == nil || p.LotID != j.lot {
					t.Errorf("verified preparation: %+v", p)
				}
			case "start_dosing":
				if s := f.sessionOf("nurse", j.id); s.Visit.State != "dosing" {
					t.Errorf("after start: %s", s.Visit.State)
				}
			case "administer":
				s := f.sessionOf("nurse", j.id)
				ss := s.Session
				if s.Visit.State != "in_session" || ss.FirstDoseAt == nil || !ss.FirstDoseAt.Equal(j.first) ||
					ss.Infusion == nil || ss.Infusion.State != "running" || ss.Phase == nil || len(ss.Timeline) == 0 {
					t.Fatalf("after the first dose: %s %+v", s.Visit.State, ss)
				}
			case "vitals_15":
				ss := f.sessionOf("nurse", j.id).Session
				if c := ss.checkAt("regular", 15); c.State != "done" || c.ReadingID == "" {
					t.Errorf("15-min check: %+v", c)
				}
				if ss.NextCheck == nil || ss.NextCheck.AfterMinutes != 30 {
					t.Errorf("next check: %+v, want the 30-min check", ss.NextCheck)
				}
			case "pause":
				var ans struct {
					Infusion struct {
						State string `json:"state"`
					} `json:"infusion"`
				}
				json.Unmarshal(raw, &ans)
				if ans.Infusion.State != "paused" {
					t.Errorf("pause answered %s", raw)
				}
				ss := f.sessionOf("nurse", j.id).Session
				if ss.Infusion.State != "paused" || len(ss.Infusion.Pauses) != 1 || ss.Infusion.Pauses[0].Reason != "nausea; ondansetron given" ||
					ss.Infusion.DeliveredSeconds != 20*60 {
					t.Errorf("paused infusion: %+v", ss.Infusion)
				}
			case "resume":
				ss := f.sessionOf("nurse", j.id).Session
				if ss.Infusion.State != "running" || ss.Infusion.PausedForSeconds != 2*60 || !ss.Infusion.ExpectedEnd.Equal(j.first.Add(42*time.Minute)) {
					t.Errorf("resumed infusion: %+v", ss.Infusion)
				}
			case "vitals_30_40":
				ss := f.sessionOf("nurse", j.id).Session
				for _, m := range []int{15, 30, 40} {
					if c := ss.checkAt("", m); c.State != "done" {
						t.Errorf("check at %d min: %+v", m, c)
					}
				}
			case "end_session":
				s := f.sessionOf("nurse", j.id)
				if s.Visit.State != "recovering" || s.Session.Infusion.State != "finished" {
					t.Errorf("after the session: %s, infusion %+v", s.Visit.State, s.Session.Infusion)
				}
			case "aldrete":
				var a struct {
					Total      int       `json:"total"`
					AssessedAt time.Time `json:"assessed_at"`
					AssessedBy string    `json:"assessed_by"`
				}
				json.Unmarshal(raw, &a)
				if a.Total != 10 || !a.AssessedAt.Equal(j.first.Add(90*time.Minute)) || a.AssessedBy != "Test nurse" {
					t.Errorf("aldrete answered %s", raw)
				}
			case "discharge_facts":
				ss := f.sessionOf("nurse", j.id).Session
				if !ss.Discharge.Ready || len(ss.Discharge.Criteria) != 7 {
					t.Errorf("discharge before the move: %+v", ss.Discharge)
				}
				if ss.Aldrete == nil || ss.Aldrete.Total != 10 {
					t.Errorf("aldrete: %+v", ss.Aldrete)
				}
			}
		}
		s := f.sessionOf("nurse", j.id)
		if s.Visit.State != "discharged" {
			t.Fatalf("state %s, want discharged", s.Visit.State)
		}
		for _, c := range s.Session.Discharge.Criteria {
			if !c.Met {
				t.Errorf("criterion %s not met at discharge: %s", c.ID, c.Detail)
			}
		}
		// The ledger: the lot went down by exactly the volume drawn, all of
		// it given to this visit.
		after := f.lot(j.lot)
		if got := before.Lot.OnHand - after.Lot.OnHand; got < 0.6399 || got > 0.6401 || after.Lot.OnHand != 49.36 {
			t.Errorf("on hand %g -> %g, want down by 0.64 mL", before.Lot.OnHand, after.Lot.OnHand)
		}
		var kinds []string
		for _, e := range after.Entries[len(before.Entries):] {
			if e.VisitID != j.id || e.Quantity != 0.64 {
				t.Errorf("entry %+v, want 0.64 mL for the visit", e)
			}
			kinds = append(kinds, e.Kind)
		}
		if !slices.Equal(kinds, []string{"draw", "give"}) {
			t.Errorf("entries for the visit: %v, want draw then give", kinds)
		}
		if q, open := after.OpenDraws[j.id]; open && q != 0 {
			t.Errorf("the visit still has %g mL drawn and not given", q)
		}
	})
}

// snapshot is what a refused step must leave as it was: the visit as the
// nurse sees it and the lot's books (the clock does not move between).
func (j *ivVisit) snapshot() string {
	j.f.T.Helper()
	_, visit := j.f.call("nurse", "GET", j.path(""), nil)
	_, lot := j.f.call("nurse", "GET", "/api/v1/lots/"+j.lot, nil)
	return string(visit) + string(lot)
}

func TestVisitFailsIfAnyStepCanBeSkipped(t *testing.T) {
	t.Parallel()
	type dischargeBlocked struct {
		webtest.APIErr
		Unmet []criterionJSON `json:"unmet"`
	}
	tests := []struct {
		name    string
		skip    []string                     // steps left out
		replace map[string]ivStep            // steps done differently (and accepted)
		at      string                       // the step that must be refused
		attempt func(*ivVisit) (int, []byte) // instead of the step itself
		early   bool                         // the attempt is at 40 min, the infusion still running
		status  int
		code    string
		words   string   // in the message
		unmet   []string // discharge criteria named, for a refused discharge
	}{
		{name: "no_order_no_preparation", skip: []string{"order"}, at: "prepare",
			status: 422, code: "blocked", words: "no signed dose order"},
		{name: "no_preparation_no_verification", skip: []string{"prepare"}, at: "verify",
			status: 422, code: "blocked", words: "not been prepared"},
		{name: "no_verification_no_dosing", skip: []string{"verify"}, at: "start_dosing",
			status: 422, code: "blocked", words: "verified by a second user"},
		{name: "preparer_cannot_verify_own_preparation", at: "verify", attempt: post("nurse", "/preparation/verify", nil),
			status: 403, code: "forbidden", words: "you prepared this dose"},
		{name: "prescriber_who_prepared_cannot_verify", skip: []string{"prepare"},
			replace: map[string]ivStep{"order": {"order", -1, 201, func(j *ivVisit) (int, []byte) {
				j.f.must(201, "prescriber", "POST", j.path("/order"), map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40}, nil)
				return j.f.call("prescriber", "POST", j.path("/preparation"), map[string]any{"vial_mg_per_ml": 50, "lot_id": j.lot})
			}}},
			at: "verify", attempt: post("prescriber", "/preparation/verify", nil), status: 403, code: "forbidden", words: "you prepared this dose"},
		{name: "nurse_cannot_order", at: "order", attempt: post("nurse", "/order", map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40}),
			status: 403, code: "forbidden"},
		{name: "not_cleared_no_dosing", skip: []string{"clear"}, at: "start_dosing",
			status: 409, code: "conflict", words: "Checked in"},
		// The first dose on a cleared visit starts dosing too, and asks
		// everything starting dosing asks.
		{name: "no_verification_no_first_dose", skip: []string{"verify", "start_dosing"}, at: "administer",
			status: 422, code: "blocked", words: "verified by a second user"},
		{name: "not_cleared_no_first_dose", skip: []string{"clear", "start_dosing"}, at: "administer",
			status: 409, code: "conflict", words: "after dosing starts"},
		{name: "first_dose_not_skipped_through_transitions", at: "administer",
			attempt: post("nurse", "/transitions", map[string]any{"to": "in_session"}), status: 409, code: "conflict", words: "first dose"},
		{name: "no_first_dose_no_end_of_session",
			skip: []string{"administer", "vitals_15", "pause", "resume", "vitals_30_40"}, at: "end_session",
			status: 409, code: "conflict"},
		{name: "infusion_running_no_end_of_session", at: "end_session", early: true,
			attempt: post("nurse", "/session-end", nil), status: 422, code: "blocked", words: "still running"},
		{name: "session_not_ended_through_transitions_while_infusion_runs", at: "end_session", early: true,
			attempt: post("nurse", "/transitions", map[string]any{"to": "recovering"}), status: 409, code: "conflict", words: "end the session"},
		{name: "discharge_before_minimum_time", skip: []string{"wait_90"}, at: "ready",
			status: 422, code: "blocked", words: "90 min", unmet: []string{"min_time"}},
		{name: "discharge_without_aldrete", skip: []string{"aldrete"}, at: "ready",
			status: 422, code: "blocked", words: "Aldrete", unmet: []string{"aldrete"}},
		{name: "discharge_without_driver_or_alternative",
			replace: map[string]ivStep{"discharge_facts": {"discharge_facts", -1, 200, dischargeFacts(false, "", true)}}, at: "ready",
			status: 422, code: "blocked", words: "Ride home", unmet: []string{"ride_home"}},
		{name: "discharge_without_aftercare",
			replace: map[string]ivStep{"discharge_facts": {"discharge_facts", -1, 200, dischargeFacts(true, "", false)}}, at: "ready",
			status: 422, code: "blocked", words: "After-care", unmet: []string{"aftercare"}},
		{name: "discharge_while_sedated_and_dissociated",
			replace: map[string]ivStep{"wait_90": {"wait_90", -1, 201, vitalsAt(4, true, 90)}}, at: "ready",
			status: 422, code: "blocked", words: "MOAA/S", unmet: []string{"sedation", "dissociation"}},
		{name: "discharged_without_ready_for_discharge", skip: []string{"ready"}, at: "discharged",
			status: 409, code: "conflict"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f0 := newFixture(t, db)
		f0.addStaff("nurse2", access.Nurse)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := *f0
				f.T = t
				// A day of its own for each case, so that nothing of
				// another case's visit is current.
				f.Clock.Set(webtest.Start.AddDate(0, 0, i))
				j := f.newIVVisit("Skip " + tt.name)
				for _, st := range ivJourney() {
					if r, ok := tt.replace[st.name]; ok {
						st = r
					}
					if st.name == tt.at {
						run := st.run
						if tt.attempt != nil {
							run = tt.attempt
						}
						j.clock(st)
						if tt.early {
							j.at(40) // the infusion (40 min, paused 2) runs to 42
						}
						was := j.snapshot()
						status, raw := run(j)
						var e dischargeBlocked
						json.Unmarshal(raw, &e)
						if status != tt.status || e.Error.Code != tt.code || !strings.Contains(e.Error.Message, tt.words) {
							t.Fatalf("%s: got %d %s, want %d %s naming %q", st.name, status, raw, tt.status, tt.code, tt.words)
						}
						if tt.unmet != nil {
							var ids []string
							for _, c := range e.Unmet {
								ids = append(ids, c.ID)
								if c.Met || c.Detail == "" {
									t.Errorf("unmet criterion %+v", c)
								}
							}
							if !slices.Equal(ids, tt.unmet) {
								t.Errorf("unmet criteria %v, want %v", ids, tt.unmet)
							}
						}
						if now := j.snapshot(); now != was {
							t.Errorf("the refused %s changed the visit or the ledger:\nbefore %s\nafter  %s", st.name, was, now)
						}
						return
					}
					if slices.Contains(tt.skip, st.name) {
						continue
					}
					if status, raw := j.do(st); status != st.want {
						t.Fatalf("step %s: got %d %s, want %d", st.name, status, raw, st.want)
					}
				}
				t.Fatalf("the journey has no step %s", tt.at)
			})
		}
	})
}

func TestOrdersOutsideTheProtocolAreRefusedNamingTheLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		iv := f.checkedInVisit(f.SessionPatient("Dose Limits", "").ID, "iv", 64)
		spravato := f.checkedInVisit(f.SessionPatient("Spravato Limits", "REMS-P-1").ID, "spravato", 0)
		// Weighed 31 days ago, not since.
		dob, _ := ketaflow.ParseDate("1979-06-02")
		old, err := f.App.CreatePatient(context.Background(), f.Actor("nurse"), patients.Record{LegalName: "Old Weight",
			BirthDate: dob, Sex: patients.Male, Phone: "+1 555 010 0199"}, &app.NewWeight{KG: 80, MeasuredAt: f.Clock.Now().AddDate(0, 0, -31)})
		if err != nil {
			t.Fatal(err)
		}
		stale := f.checkedInVisit(old.ID, "iv", 0)
		for _, tt := range []struct {
			name    string
			visitID string
			body    map[string]any
			field   string
			words   []string
		}{
			{"iv_0_05_mg_per_kg_is_below_the_minimum", iv, map[string]any{"mg_per_kg": 0.05, "infusion_minutes": 40}, "mg_per_kg",
				[]string{"0.05 mg/kg", "0.1 to 1.0 mg/kg"}},
			{"iv_1_5_mg_per_kg_is_above_the_maximum", iv, map[string]any{"mg_per_kg": 1.5, "infusion_minutes": 40}, "mg_per_kg",
				[]string{"1.5 mg/kg", "0.1 to 1.0 mg/kg"}},
			{"iv_infusion_of_30_minutes_is_too_fast", iv, map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 30}, "infusion_minutes",
				[]string{"40 to 60 minutes"}},
			{"spravato_40_mg_is_not_an_allowed_dose", spravato, map[string]any{"spravato_mg": 40}, "spravato_mg",
				[]string{"40 mg", "56 or 84 mg"}},
			{"weight_older_than_30_days_must_be_re_measured", stale, map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40},
				"weight_measured_at", []string{"30 days", "re-measure"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				f.T = t
				e := f.refused(http.StatusBadRequest, "invalid", "prescriber", "POST", "/api/v1/visits/"+tt.visitID+"/order", tt.body, tt.words...)
				if e.Error.Field != tt.field {
					t.Errorf("field %q, want %q", e.Error.Field, tt.field)
				}
				if s := f.sessionOf("prescriber", tt.visitID).Session; s.Order != nil || len(s.Orders) != 0 {
					t.Errorf("a refused order was recorded: %+v", s.Orders)
				}
			})
		}
	})
}

// spravatoVisit takes an 84 mg Spravato visit to its first device: returns
// the visit, the lot and the first device's time.
func (f *fixture) spravatoVisit(name string) (visitID, lotID string, first time.Time) {
	f.T.Helper()
	admin := "admin"
	var clinic struct {
		REMSSettingID string `json:"rems_setting_id"`
	}
	f.must(http.StatusOK, admin, "GET", "/api/v1/clinic", nil, &clinic)
	if clinic.REMSSettingID != "HCS-20931" {
		f.must(http.StatusOK, admin, "PATCH", "/api/v1/clinic", map[string]any{"rems_setting_id": "HCS-20931"}, nil)
	}
	p := f.SessionPatient(name, "REMS-P-84")
	visitID = f.checkedInVisit(p.ID, "spravato", 0)
	lotID = f.receiveSpravato("SPR-" + strings.ReplaceAll(name, " ", ""))
	path := "/api/v1/visits/" + visitID
	var o orderJSON
	// 84 mg on a first Spravato treatment departs from the label's first
	// dose: the prescriber says why.
	f.must(http.StatusCreated, "prescriber", "POST", path+"/order", map[string]any{"spravato_mg": 84,
		"override_reason": "week 3 of induction, transferred from another clinic on 84 mg"}, &o)
	if o.DoseMg != 84 || o.SpravatoMg != 84 || o.WeightMeasuredAt != nil {
		f.T.Errorf("Spravato order: %+v", o)
	}
	var p1 prepJSON
	f.must(http.StatusCreated, "nurse", "POST", path+"/preparation", map[string]any{"lot_id": lotID}, &p1)
	if p1.Devices != 3 || p1.DoseMg != 84 || len(p1.Lines) == 0 {
		f.T.Errorf("Spravato preparation: %+v", p1)
	}
	f.must(http.StatusOK, "nurse2", "POST", path+"/preparation/verify", nil, nil)
	f.must(http.StatusOK, "nurse", "POST", path+"/clear", nil, nil)
	f.must(http.StatusOK, "nurse", "POST", path+"/dosing", nil, nil)
	f.Clock.Advance(2 * time.Minute)
	first = f.Clock.Now()
	var ad struct {
		FirstDoseAt time.Time `json:"first_dose_at"`
	}
	f.must(http.StatusCreated, "nurse", "POST", path+"/administrations", map[string]any{}, &ad)
	if !ad.FirstDoseAt.Equal(first) {
		f.T.Errorf("first dose at %s, want %s", ad.FirstDoseAt, first)
	}
	return visitID, lotID, first
}

type remsFormJSON struct {
	Missing          []string   `json:"missing"`
	IncompleteReason string     `json:"incomplete_reason"`
	ID               string     `json:"id"`
	VisitID          string     `json:"visit_id"`
	PatientID        string     `json:"patient_id"`
	State            string     `json:"state"`
	DueBy            time.Time  `json:"due_by"`
	SubmittedAt      *time.Time `json:"submitted_at"`
	SubmittedBy      string     `json:"submitted_by"`
	Confirmation     string     `json:"confirmation"`
	Form             struct {
		PatientName    string            `json:"patient_name"`
		PatientREMSID  string            `json:"patient_rems_id"`
		BirthDate      string            `json:"birth_date"`
		Sex            string            `json:"sex"`
		PrescriberName string            `json:"prescriber_name"`
		SettingName    string            `json:"setting_name"`
		SettingREMSID  string            `json:"setting_rems_id"`
		TreatmentDate  string            `json:"treatment_date"`
		DoseMg         int               `json:"dose_mg"`
		LotNumbers     []string          `json:"lot_numbers"`
		Medications    map[string]string `json:"medications"`
		BPBefore       struct {
			Systolic int        `json:"systolic"`
			TakenAt  *time.Time `json:"taken_at"`
		} `json:"bp_before"`
		BP40 struct {
			Systolic int        `json:"systolic"`
			TakenAt  *time.Time `json:"taken_at"`
		} `json:"bp_40_min"`
		BPBeforeDischarge struct {
			Systolic int        `json:"systolic"`
			TakenAt  *time.Time `json:"taken_at"`
		} `json:"bp_before_discharge"`
		FirstDeviceAt         time.Time  `json:"first_device_at"`
		MonitoringEndedAt     time.Time  `json:"monitoring_ended_at"`
		MonitoringMinutes     int        `json:"monitoring_minutes"`
		Sedation              string     `json:"sedation"`
		Dissociation          string     `json:"dissociation"`
		RespiratoryDepression string     `json:"respiratory_depression"`
		ReadyToLeaveAt        *time.Time `json:"ready_to_leave_at"`
		DueBy                 *time.Time `json:"due_by"`
		GeneratedAt           time.Time  `json:"generated_at"`
	} `json:"form"`
}

func TestSpravato84mgVisitFromOrderToREMSSubmission(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		id, lotID, first := f.spravatoVisit("Esme Spray")
		path := "/api/v1/visits/" + id
		at := func(m int) { f.Clock.Set(first.Add(time.Duration(m) * time.Minute)) }

		ss := f.sessionOf("nurse", id).Session
		if ss.Devices == nil || ss.Devices.Mg != 84 || len(ss.Devices.Devices) != 3 || ss.Devices.Devices[0].GivenAt == nil ||
			ss.NextDevice == nil || ss.NextDevice.N != 2 || ss.NextDevice.WaitSeconds != 300 {
			t.Fatalf("device plan after device 1: %+v next %+v", ss.Devices, ss.NextDevice)
		}
		// Device 2 one minute early is refused with the wait; at 5 min it
		// is taken.
		at(4)
		e := f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", path+"/devices", map[string]any{"n": 2}, "device 2 is due", "wait 1 min more")
		if e.Error.Field != "" && e.Error.Field != "n" {
			t.Errorf("field %q", e.Error.Field)
		}
		// Device 3 before device 2 is refused too.
		f.refused(http.StatusConflict, "conflict", "nurse", "POST", path+"/devices", map[string]any{"n": 3})
		// So is ending the session with devices still to give.
		f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", path+"/session-end", nil, "device 2")
		at(5)
		f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 2}, nil)
		at(10)
		f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 3}, nil)
		ss = f.sessionOf("nurse", id).Session
		if ss.NextDevice != nil || !ss.Devices.Devices[2].GivenAt.Equal(first.Add(10*time.Minute)) {
			t.Errorf("after device 3: next %+v, devices %+v", ss.NextDevice, ss.Devices)
		}

		// Vitals every 15 min and at 40, with sedation and dissociation;
		// every device given, the session ends at 20 min.
		var reading40 string
		for _, m := range []int{15, 20, 30, 40, 45, 60, 75, 90, 105} {
			at(m)
			if m == 20 {
				f.must(http.StatusOK, "nurse", "POST", path+"/session-end", nil, nil)
				continue
			}
			sed, dis := 5, false
			switch {
			case m <= 30:
				sed, dis = 4, true
			case m == 40:
				sed, dis = 5, true
			}
			r := f.sessionVitals(id, 130+m/15, sed, dis)
			if m == 40 {
				reading40 = r
			}
		}
		if s := f.sessionOf("nurse", id); s.Visit.State != "recovering" {
			t.Errorf("after the session: %s", s.Visit.State)
		}
		// Nausea at 18 min, corrected: the amendment keeps the original.
		var ae adverseJSON
		f.must(http.StatusCreated, "nurse", "POST", path+"/adverse-events", map[string]any{"kind": "nausea", "severity": "mild",
			"at": first.Add(18 * time.Minute).Format(time.RFC3339), "action": "observed",
			"late_reason": "charted at the end of the session"}, &ae)
		var fixed adverseJSON
		f.must(http.StatusCreated, "nurse", "POST", path+"/adverse-events", map[string]any{"kind": "nausea", "severity": "moderate",
			"at": first.Add(18 * time.Minute).Format(time.RFC3339), "action": "ondansetron 4 mg ODT", "amends": ae.ID,
			"amend_reason": "severity and treatment were entered wrongly"}, &fixed)
		if fixed.Amends != ae.ID || fixed.ID == ae.ID {
			t.Errorf("amendment: %+v", fixed)
		}
		// The 40-min reading is corrected too: the original stays.
		f.must(http.StatusCreated, "nurse", "POST", path+"/vitals", map[string]any{"systolic": 141, "diastolic": 86, "heart_rate": 80,
			"spo2": 97, "sedation": 5, "dissociation": true, "taken_at": first.Add(40 * time.Minute).Format(time.RFC3339),
			"amends": reading40, "amend_reason": "systolic misread"}, nil)
		s := f.sessionOf("nurse", id)
		if len(s.Session.AdverseEvents) != 2 || s.Session.AdverseEvents[0].ID != ae.ID || s.Session.AdverseEvents[0].Severity != "mild" {
			t.Errorf("adverse events: %+v, want the original and its amendment", s.Session.AdverseEvents)
		}
		var amended, original bool
		for _, r := range s.Vitals {
			original = original || r.ID == reading40
			amended = amended || (r.Amends == reading40 && r.Systolic == 141)
		}
		if !original || !amended {
			t.Errorf("vitals: original kept %t, amendment %t", original, amended)
		}

		f.must(http.StatusCreated, "nurse", "POST", path+"/aldrete", map[string]any{"activity": 2, "respiration": 2,
			"circulation": 2, "consciousness": 2, "oxygen_saturation": 2}, nil)
		f.must(http.StatusOK, "nurse", "PUT", path+"/discharge-facts", map[string]any{"driver_present": false,
			"alternative": "taxi with her sister", "aftercare_given": true}, nil)

		// Before 120 minutes the discharge is refused naming the REMS minimum.
		at(118)
		status, raw := f.call("nurse", "POST", path+"/discharge", map[string]any{"to": "ready_for_discharge"})
		var blocked struct {
			webtest.APIErr
			Unmet []criterionJSON `json:"unmet"`
		}
		json.Unmarshal(raw, &blocked)
		if status != http.StatusUnprocessableEntity || blocked.Error.Code != "blocked" || len(blocked.Unmet) != 1 ||
			blocked.Unmet[0].ID != "min_time" || !strings.Contains(blocked.Unmet[0].Title, "120 min") ||
			!strings.Contains(blocked.Error.Message, "120 min") {
			t.Fatalf("discharge at 118 min: %d %s", status, raw)
		}
		at(120)
		f.sessionVitals(id, 128, 5, false)
		f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "ready_for_discharge"}, nil)
		// The medications of the REMS form are not answered yet: the patient
		// leaves only with the form assembled, or a prescriber's reason why
		// it cannot be (issue 8).
		f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", path+"/discharge", map[string]any{"to": "discharged"},
			"REMS Patient Monitoring Form cannot be assembled")
		f.refused(http.StatusForbidden, "forbidden", "nurse", "POST", path+"/rems-form/incomplete",
			map[string]any{"reason": "the patient could not say which medications she takes"})
		f.must(http.StatusCreated, "prescriber", "POST", path+"/rems-form/incomplete",
			map[string]any{"reason": "the patient could not say which medications she takes; her GP will confirm"}, nil)
		f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "discharged"}, nil)
		dischargedAt := f.Clock.Now()
		// Stored incomplete, with what is missing: due, and not submittable.
		var incomplete remsFormJSON
		f.must(http.StatusOK, "nurse", "GET", path+"/rems-form", nil, &incomplete)
		if incomplete.State != "due" || len(incomplete.Missing) == 0 || incomplete.IncompleteReason == "" {
			t.Errorf("the form stored at discharge: state %s, missing %v, reason %q", incomplete.State, incomplete.Missing,
				incomplete.IncompleteReason)
		}
		f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", path+"/rems-form/submission",
			map[string]any{"confirmation": "too early"}, "incomplete")
		// Assembling it before the late entries is blocked, not a bad
		// request: the request is fine, the record is not complete. The
		// refusal names the first field missing (issue 15).
		if e := f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", path+"/rems-form", nil, "incomplete"); e.Error.Field != "medications.benzodiazepines" {
			t.Errorf("assembling the incomplete form names %q, want medications.benzodiazepines", e.Error.Field)
		}

		// Medications are asked for the form; each is answered.
		e = f.refused(http.StatusBadRequest, "invalid", "nurse", "PUT", path+"/medications", map[string]any{"benzodiazepines": "no"})
		meds := map[string]any{"benzodiazepines": "no", "non_benzodiazepine_sedative_hypnotics": "no", "psychostimulants": "yes",
			"maois": false, "opioids": "no"}
		// After the visit closed, they are a late entry: with why.
		if e := f.refused(http.StatusBadRequest, "invalid", "nurse", "PUT", path+"/medications", meds); e.Error.Field != "late_reason" {
			t.Errorf("medications after discharge without a reason: field %q, want late_reason", e.Error.Field)
		}
		meds["late_reason"] = "her GP confirmed them by phone after she left"
		f.must(http.StatusOK, "nurse", "PUT", path+"/medications", meds, nil)

		at(125)
		var form remsFormJSON
		f.must(http.StatusCreated, "nurse", "POST", path+"/rems-form", nil, &form)
		f.must(http.StatusOK, "nurse", "GET", path+"/rems-form", nil, &form)
		ff := form.Form
		wantDue := dischargedAt.AddDate(0, 0, 7)
		if form.VisitID != id || form.State != "due" || form.SubmittedAt != nil || !form.DueBy.Equal(wantDue) ||
			ff.PatientName != "Esme Spray" || ff.PatientREMSID != "REMS-P-84" || ff.BirthDate != "1979-06-02" || ff.Sex != "female" ||
			ff.PrescriberName != "Test prescriber" || ff.SettingName != "Clinic A" || ff.SettingREMSID != "HCS-20931" ||
			ff.TreatmentDate != "2026-11-25" || ff.DoseMg != 84 || !slices.Equal(ff.LotNumbers, []string{"SPR-EsmeSpray"}) ||
			ff.Medications["psychostimulants"] != "yes" || ff.Medications["maois"] != "no" ||
			ff.BPBefore.Systolic != 122 || ff.BP40.Systolic != 141 || ff.BPBeforeDischarge.Systolic != 128 ||
			!ff.FirstDeviceAt.Equal(first) || !ff.MonitoringEndedAt.Equal(dischargedAt) || ff.MonitoringMinutes != 120 ||
			ff.Sedation != "yes" || ff.Dissociation != "yes" || ff.RespiratoryDepression != "no" ||
			ff.ReadyToLeaveAt == nil || !ff.ReadyToLeaveAt.Equal(first.Add(45*time.Minute)) ||
			ff.FirstDeviceAt.Location() != time.UTC || ff.GeneratedAt.IsZero() {
			t.Errorf("REMS form:\n%+v", form)
		}
		resp, err := f.Client.Do(authed(t, f, "nurse", path+"/rems-form.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Errorf("PDF: %d %s, starts %q", resp.StatusCode, resp.Header.Get("Content-Type"), pdf[:min(len(pdf), 8)])
		}

		listed := func(want string) {
			t.Helper()
			var list struct {
				Forms []struct {
					VisitID     string `json:"visit_id"`
					PatientName string `json:"patient_name"`
					State       string `json:"state"`
				} `json:"forms"`
			}
			f.must(http.StatusOK, "nurse", "GET", "/api/v1/rems-forms", nil, &list)
			if len(list.Forms) != 1 || list.Forms[0].VisitID != id || list.Forms[0].State != want || list.Forms[0].PatientName != "Esme Spray" {
				t.Errorf("REMS forms: %+v, want this visit's %s", list.Forms, want)
			}
		}
		listed("due")
		f.Clock.Set(wantDue.Add(time.Minute))
		listed("overdue")
		f.must(http.StatusCreated, "nurse", "POST", path+"/rems-form/submission", map[string]any{"confirmation": "REMS-CONF-20931"}, &form)
		if form.State != "submitted" || form.SubmittedAt == nil || form.Confirmation != "REMS-CONF-20931" || form.SubmittedBy != "Test nurse" {
			t.Errorf("after submission: %+v", form)
		}
		listed("submitted")
		f.refused(http.StatusConflict, "conflict", "nurse", "POST", path+"/rems-form/submission", map[string]any{"confirmation": "again"}, "already")

		// The ledger: three devices drawn for the visit and three given.
		l := f.lot(lotID)
		var drawn, given float64
		for _, e := range l.Entries {
			if e.VisitID != id {
				continue
			}
			switch e.Kind {
			case "draw":
				drawn += e.Quantity
			case "give":
				given += e.Quantity
			}
		}
		if drawn != 3 || given != 3 || l.Lot.OnHand != 3 || l.OpenDraws[id] != 0 {
			t.Errorf("ledger: drawn %g, given %g, on hand %g, open %v; want 3, 3, 3", drawn, given, l.Lot.OnHand, l.OpenDraws)
		}
	})
}

func authed(t *testing.T, f *fixture, username, path string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", f.Server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.Tokens[username])
	return req
}

func TestFrontDeskSeesNoDoseVitalsOrScoresOfAVisitInSession(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		j := f.newIVVisit("Private Patient")
		for _, st := range ivJourney() {
			if status, raw := j.do(st); status != st.want {
				t.Fatalf("step %s: %d %s", st.name, status, raw)
			}
			if st.name == "vitals_15" {
				break
			}
		}
		if s := f.sessionOf("nurse", j.id); s.Session == nil || s.Session.Order == nil || len(s.Vitals) == 0 {
			t.Fatalf("the nurse's view lacks the session: %+v", s)
		}
		status, raw := f.call("frontdesk", "GET", j.path(""), nil)
		if status != http.StatusOK {
			t.Fatalf("front desk GET: %d", status)
		}
		var s visitSessionJSON
		json.Unmarshal(raw, &s)
		if s.Session != nil || len(s.Vitals) != 0 || !s.ClinicalHidden || s.Visit.State != "in_session" {
			t.Errorf("front desk view: %+v", s)
		}
		body := string(raw)
		for _, word := range []string{`"session"`, "dose", "mg/kg", "systolic", "sedation", "dissociation", "moaa", `"total"`,
			`"answers"`, "first dose at", `"weight_kg"`} {
			if strings.Contains(strings.ToLower(body), strings.ToLower(word)) {
				t.Errorf("front desk's visit shows %q:\n%s", word, body)
			}
		}
		// Nor can front desk reach the dose another way.
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/rems-forms"}, {"GET", "/api/v1/lots/" + j.lot}, {"POST", j.path("/order")},
			{"POST", j.path("/infusion")}, {"POST", j.path("/adverse-events")}, {"POST", j.path("/aldrete")},
		} {
			if status, raw := f.call("frontdesk", c.method, c.path, map[string]any{}); status != http.StatusForbidden {
				t.Errorf("front desk %s %s: %d %s, want 403", c.method, c.path, status, raw)
			}
		}
	})
}

// dischargeSpravato takes a Spravato visit from its first device to
// discharge at 120 minutes, the concomitant medications recorded first.
func (f *fixture) dischargeSpravato(id string, first time.Time) {
	f.T.Helper()
	path := "/api/v1/visits/" + id
	at := func(m int) { f.Clock.Set(first.Add(time.Duration(m) * time.Minute)) }
	at(5)
	f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 2}, nil)
	at(10)
	f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 3}, nil)
	at(15)
	f.sessionVitals(id, 140, 4, true)
	at(20)
	f.must(http.StatusOK, "nurse", "POST", path+"/session-end", nil, nil)
	for _, m := range []int{30, 40, 45, 60, 75, 90, 105, 120} {
		at(m)
		f.sessionVitals(id, 130, 5, m < 45)
	}
	f.must(http.StatusCreated, "nurse", "POST", path+"/aldrete", map[string]any{"activity": 2, "respiration": 2,
		"circulation": 2, "consciousness": 1, "oxygen_saturation": 2}, nil)
	f.must(http.StatusOK, "nurse", "PUT", path+"/discharge-facts", map[string]any{"driver_present": true,
		"aftercare_given": true}, nil)
	f.must(http.StatusOK, "nurse", "PUT", path+"/medications", map[string]any{"benzodiazepines": "no",
		"non_benzodiazepine_sedative_hypnotics": "no", "psychostimulants": "no", "maois": "no", "opioids": "no"}, nil)
	f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "ready_for_discharge"}, nil)
	f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "discharged"}, nil)
}

func TestREMSFormWithCompleteDataIsAssembledAtDischargeAndListedOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		id, _, first := f.spravatoVisit("Ready Form")
		f.dischargeSpravato(id, first)
		var form remsFormJSON
		f.must(http.StatusOK, "prescriber", "GET", "/api/v1/visits/"+id+"/rems-form", nil, &form)
		if form.State != "due" || form.Form.MonitoringMinutes != 120 || form.Form.Medications["opioids"] != "no" {
			t.Errorf("form made at discharge: %+v", form)
		}
		// Assembled again at once (a correction): the newer form supersedes
		// the first, which stays on record; the list shows the visit once.
		f.must(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+id+"/rems-form", nil, nil)
		var list struct {
			Forms []struct {
				VisitID string `json:"visit_id"`
			} `json:"forms"`
		}
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/rems-forms", nil, &list)
		if len(list.Forms) != 1 || list.Forms[0].VisitID != id {
			t.Errorf("REMS forms: %+v, want the visit once", list.Forms)
		}
		// Front desk and therapists do not handle REMS forms.
		for _, u := range []string{"frontdesk", "therapist"} {
			if status, _ := f.call(u, "GET", "/api/v1/visits/"+id+"/rems-form", nil); status != http.StatusForbidden {
				t.Errorf("%s GET rems-form: %d, want 403", u, status)
			}
		}
		// An IV visit has no REMS form.
		j := f.newIVVisit("No Form")
		f.refused(http.StatusNotFound, "not_found", "nurse", "GET", j.path("/rems-form"), nil)
	})
}
