package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
	"github.com/ketaflow/ketaflow/web"
)

type scheduleData struct {
	Day      ketaflow.Date
	Prev     ketaflow.Date
	Next     ketaflow.Date
	Today    bool
	Visits   []store.VisitRow
	ByState  map[visits.State]int
	Alerting int
}

func (h *UI) schedulePage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v := h.newView(r, actor, "Today", "visits")
	today := ketaflow.DateOf(v.Now.In(v.Loc))
	day := today
	if q := r.URL.Query().Get("day"); q != "" {
		d, err := ketaflow.ParseDate(q)
		if err != nil {
			return ketaflow.Invalid("day", "day must be a date (YYYY-MM-DD)")
		}
		day = d
	}
	list, err := h.app.Schedule(r.Context(), actor, day)
	if err != nil {
		return err
	}
	d := scheduleData{Day: day, Today: day == today, Visits: list, ByState: map[visits.State]int{}}
	d.Prev = ketaflow.DateOf(day.Time(time.UTC).AddDate(0, 0, -1))
	d.Next = ketaflow.DateOf(day.Time(time.UTC).AddDate(0, 0, 1))
	for _, x := range list {
		d.ByState[x.State]++
	}
	if !d.Today {
		v.Title = "Schedule " + day.String()
	}
	v.Data = d
	return h.render(w, http.StatusOK, "schedule", v)
}

type bookData struct {
	Patient patients.Patient
	Chairs  []ketaflow.Chair
	Routes  []protocol.Route
	Musics  []visits.Music
	Form    url.Values
	Default string // the date and time the form starts at
}

func (h *UI) bookPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := actor.Check(access.VisitBook); err != nil {
		return err
	}
	return h.renderBook(w, r, actor, r.PathValue("id"), http.StatusOK, nil, nil)
}

func (h *UI) renderBook(w http.ResponseWriter, r *http.Request, actor access.Actor, patientID string, status int, formErr error, form url.Values) error {
	p, err := h.app.Patient(r.Context(), actor, patientID)
	if err != nil {
		return err
	}
	chairs, err := h.app.Chairs(r.Context(), actor)
	if err != nil {
		return err
	}
	var active []ketaflow.Chair
	for _, c := range chairs {
		if c.Active {
			active = append(active, c)
		}
	}
	v := h.newView(r, actor, "Book a visit for "+p.DisplayName(), "visits")
	if formErr != nil {
		v.withError(formErr)
	}
	next := v.Now.In(v.Loc).Truncate(15 * time.Minute).Add(30 * time.Minute)
	v.Data = bookData{Patient: p, Chairs: active, Routes: protocol.Routes, Musics: visits.Musics, Form: form,
		Default: next.Format("2006-01-02T15:04")}
	return h.render(w, status, "book", v)
}

// comfortFrom reads the comfort preferences of a form.
func comfortFrom(f url.Values) visits.Comfort {
	return visits.Comfort{EyeMask: f.Get("comfort.eye_mask") == "yes", Blanket: f.Get("comfort.blanket") == "yes",
		Music: visits.Music(f.Get("comfort.music")), LightsDimmed: f.Get("comfort.lights_dimmed") == "yes",
		Notes: f.Get("comfort.notes")}
}

func (h *UI) bookSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	patientID := r.PathValue("id")
	v := h.newView(r, actor, "", "visits")
	b := visits.Booking{PatientID: patientID, Route: f.Get("route"), ChairID: f.Get("chair_id"), Comfort: comfortFrom(f)}
	var probs ketaflow.Problems
	if at := strings.TrimSpace(f.Get("scheduled_at")); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, v.Loc)
		if err != nil {
			probs.Add("scheduled_at", "the date and time of the visit must look like 2026-11-25 09:30")
		}
		b.ScheduledAt = t
	}
	if m := strings.TrimSpace(f.Get("minutes")); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil {
			probs.Add("minutes", "minutes must be a whole number")
		}
		b.Minutes = n
	}
	err := probs.Err()
	var visit visits.Visit
	if err == nil {
		visit, err = h.app.BookVisit(r.Context(), actor, b)
	}
	if err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderBook(w, r, actor, patientID, status, err, f) })
	}
	return redirect(w, r, "/visits/"+visit.ID+"?done=booked")
}

type visitData struct {
	S          app.VisitScreen
	Instr      []intake.Instrument
	Link       *app.Link
	LinkURL    string
	Submitted  *app.Submitted
	Form       url.Values
	CanClear   bool
	Musics     []visits.Music
	WeightAt   string
	NowInput   string
	Latest     map[string]string
	PHQ9, GAD7 *store.Response

	// For the dose, session and discharge cards.
	SpravatoDoses []int
	MgPerDevice   int
	DoseRange     string
	MinutesRange  string
	Sites         []protocol.IMSite
	Lots          []lotOption
	CanStart      bool
	CanEndSession bool // every device given, the infusion ended
	DeviceReady   bool // the next Spravato device is due now
	DosePlaces    int  // decimals of the dose rounding, e.g. 1 for 32.0 mg
	AldreteItems  []discharge.AldreteItem
	Meds          []medRow
	AEKinds       []session.AEKind
	Severities    []session.Severity
}

// lotOption is a lot the dose may be drawn from.
type lotOption struct {
	ID, Label string
}

// medRow is one concomitant medication question of the REMS form.
type medRow struct {
	Field, Label, Answer string
}

// Allowed reports whether the actor may make a move now.
func (d visitData) Allowed(to string) bool {
	for _, s := range d.S.Next {
		if string(s) == to {
			return true
		}
	}
	return false
}

func (h *UI) visitPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderVisit(w, r, actor, r.PathValue("id"), http.StatusOK, nil, nil, nil)
}

// renderVisit shows the check-in screen, with a form's error and what it
// posted when a submission was refused, and a fresh link when one was made.
func (h *UI) renderVisit(w http.ResponseWriter, r *http.Request, actor access.Actor, id string, status int, formErr error, form url.Values, extra func(*visitData)) error {
	screen, err := h.app.Visit(r.Context(), actor, id)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, screen.Patient.DisplayName(), "visits")
	if formErr != nil {
		v.withError(formErr)
	}
	d := visitData{S: screen, Instr: intake.Instruments(), Form: form, Musics: visits.Musics,
		NowInput: v.Now.In(v.Loc).Format("2006-01-02T15:04")}
	d.CanClear = screen.Gate.Cleared && d.Allowed(string(visits.Cleared))
	for i := range screen.Responses {
		resp := &screen.Responses[i]
		switch resp.Result.Instrument {
		case intake.PHQ9ID:
			d.PHQ9 = resp
		case intake.GAD7ID:
			d.GAD7 = resp
		}
	}
	if x := screen.Session; x != nil {
		if err := h.sessionData(r, actor, screen, &d); err != nil {
			return err
		}
	}
	if extra != nil {
		extra(&d)
	}
	v.Data = d
	return h.render(w, status, "visit", v)
}

// sessionData fills in what the dose, session and discharge cards offer:
// the protocol's choices and the lots the dose may be drawn from.
func (h *UI) sessionData(r *http.Request, actor access.Actor, screen app.VisitScreen, d *visitData) error {
	p := screen.Protocol.Rules
	x := screen.Session
	d.SpravatoDoses, d.MgPerDevice = p.Dose.Spravato.AllowedMg(x.PatientAge), p.Dose.Spravato.MgPerDevice
	d.Sites = protocol.IMSites
	d.AldreteItems = discharge.AldreteItems
	d.AEKinds, d.Severities = session.AEKinds, session.Severities
	switch screen.Visit.Route {
	case protocol.IV:
		d.DoseRange = fmt.Sprintf("%g to %g", p.Dose.IV.MgPerKgMin, p.Dose.IV.MgPerKgMax)
		d.MinutesRange = fmt.Sprintf("%d to %d", p.Dose.IV.MinutesMin, p.Dose.IV.MinutesMax)
	case protocol.IM:
		d.DoseRange = fmt.Sprintf("%g to %g", p.Dose.IM.MgPerKgMin, p.Dose.IM.MgPerKgMax)
	}
	m := x.Medications
	for _, row := range []struct {
		field, label string
		answer       discharge.YesNo
	}{{"benzodiazepines", "Benzodiazepines", m.Benzodiazepines},
		{"non_benzodiazepine_sedative_hypnotics", "Non-benzodiazepine sedative hypnotics", m.NonBenzodiazepineSedativeHypnotics},
		{"psychostimulants", "Psychostimulants", m.Psychostimulants},
		{"maois", "MAOIs", m.MAOIs}, {"opioids", "Opioids", m.Opioids}} {
		d.Meds = append(d.Meds, medRow{Field: row.field, Label: row.label, Answer: string(row.answer)})
	}
	d.DosePlaces = protocol.Places(p.Dose.Rounding.DoseMg)
	d.DeviceReady = x.NextDevice != nil && x.NextDevice.Ready
	d.CanEndSession = (x.Devices == nil || x.Devices.Done()) &&
		(x.Infusion == nil || (x.InfusionNow.State != session.Running && x.InfusionNow.State != session.Paused))
	if x.Order != nil && x.Preparation != nil {
		d.CanStart = dosing.CanGive(x.Order.Order, x.Preparation.Preparation) == nil && screen.Gate.Cleared
	}
	if x.Order != nil && x.Preparation == nil && access.Can(actor.Role, access.DosePrepare) {
		lots, err := h.app.Lots(r.Context(), actor, false)
		if err != nil {
			return err
		}
		// Kits of the ordered dose first (an 84 mg kit for an 84 mg dose);
		// the ledger lists lots earliest expiry first within each.
		sort.SliceStable(lots, func(i, j int) bool {
			match := func(l app.LotStock) bool { return l.DevicesPerKit*p.Dose.Spravato.MgPerDevice == x.Order.SpravatoMg }
			return match(lots[i]) && !match(lots[j])
		})
		for _, l := range lots {
			if !doseFromLot(screen.Visit.Route, l.Lot) || l.Flag == app.LotEmpty || l.Flag == app.LotExpired {
				continue
			}
			d.Lots = append(d.Lots, lotOption{ID: l.ID, Label: fmt.Sprintf("%s · lot %s · expires %s · %s on hand",
				l.Product(), l.LotNumber, l.Expiry, l.OnHandText())})
		}
	}
	return nil
}

// doseFromLot reports whether a lot holds the drug of a route.
func doseFromLot(r protocol.Route, l dosing.Lot) bool {
	if r == protocol.Spravato {
		return l.Drug == dosing.Esketamine
	}
	return l.Drug == dosing.Ketamine
}

// visitForm handles the common shape of a visit form post: parse, call, and
// on a refusal show the screen again with the error beside the form.
func (h *UI) visitForm(w http.ResponseWriter, r *http.Request, actor access.Actor, done string, call func(f url.Values) error) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	id := r.PathValue("id")
	if err := call(r.PostForm); err != nil {
		return h.formErr(err, func(status int, err error) error {
			return h.renderVisit(w, r, actor, id, status, err, r.PostForm, nil)
		})
	}
	return redirect(w, r, "/visits/"+id+"?done="+done+"#"+done)
}

func (h *UI) moveVisitSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	r.ParseForm()
	return h.visitForm(w, r, actor, r.PostForm.Get("to"), func(f url.Values) error {
		_, err := h.app.MoveVisit(r.Context(), actor, r.PathValue("id"), visits.State(f.Get("to")), f.Get("reason"))
		return err
	})
}

func (h *UI) clearVisitSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "cleared", func(f url.Values) error {
		_, _, err := h.app.ClearVisit(r.Context(), actor, r.PathValue("id"))
		return err
	})
}

// intField reads an optional whole number from a form.
func intField(p *ketaflow.Problems, f url.Values, name, what string) int {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.Add(name, "%s must be a whole number", what)
	}
	return n
}

// timeField reads an optional local date and time from a form.
func timeField(p *ketaflow.Problems, f url.Values, name, what string, loc *time.Location) *time.Time {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, loc)
	if err != nil {
		p.Add(name, "%s must be a date and time", what)
		return nil
	}
	return &t
}

func (h *UI) vitalsSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v := h.newView(r, actor, "", "")
	return h.visitForm(w, r, actor, "vitals", func(f url.Values) error {
		var p ketaflow.Problems
		rd := vitals.Reading{
			Systolic:        intField(&p, f, "systolic", "systolic"),
			Diastolic:       intField(&p, f, "diastolic", "diastolic"),
			HeartRate:       intField(&p, f, "heart_rate", "heart rate"),
			SpO2:            intField(&p, f, "spo2", "SpO2"),
			RespiratoryRate: intField(&p, f, "respiratory_rate", "respiratory rate"),
			Note:            strings.TrimSpace(f.Get("note")),
			Amends:          f.Get("amends"),
			AmendReason:     f.Get("amend_reason"),
			EnteredInError:  f.Get("entered_in_error") == "yes",
		}
		if t := timeField(&p, f, "taken_at", "the time taken", v.Loc); t != nil {
			rd.TakenAt = *t
		}
		if sed := strings.TrimSpace(f.Get("sedation")); sed != "" {
			n := intField(&p, f, "sedation", "sedation (MOAA/S)")
			rd.Sedation = &n
		}
		switch f.Get("dissociation") {
		case "yes":
			b := true
			rd.Dissociation = &b
		case "no":
			b := false
			rd.Dissociation = &b
		}
		if err := p.Err(); err != nil {
			return err
		}
		var weight *app.NewWeight
		if kg := strings.TrimSpace(f.Get("weight_kg")); kg != "" {
			x, err := strconv.ParseFloat(kg, 64)
			if err != nil {
				return ketaflow.Invalid("weight_kg", "weight must be a number of kilograms")
			}
			weight = &app.NewWeight{KG: x, MeasuredAt: v.Now}
		}
		onlyWeight := weight != nil && rd.Systolic == 0 && rd.Diastolic == 0 && rd.HeartRate == 0 && rd.SpO2 == 0 &&
			rd.RespiratoryRate == 0 && rd.Sedation == nil && rd.Dissociation == nil
		// Both are checked before either is saved, and every problem is
		// named at once: a refused form saves nothing, so sending it again
		// after a correction never records a reading twice.
		if rd.TakenAt.IsZero() {
			rd.TakenAt = v.Now
		}
		var probs ketaflow.Problems
		if !onlyWeight {
			if err := rd.Validate(v.Now); err != nil {
				probs = append(probs, ketaflow.AsError(err).Fields...)
			}
		}
		if weight != nil {
			if err := patients.ValidateWeight(weight.KG, weight.MeasuredAt, v.Now); err != nil {
				probs = append(probs, ketaflow.AsError(err).Fields...)
			}
		}
		if err := probs.Err(); err != nil {
			return err
		}
		if onlyWeight {
			return h.app.RecordVisitWeight(r.Context(), actor, r.PathValue("id"), *weight)
		}
		if _, _, err := h.app.RecordVitals(r.Context(), actor, r.PathValue("id"), rd); err != nil {
			return err
		}
		if weight != nil {
			return h.app.RecordVisitWeight(r.Context(), actor, r.PathValue("id"), *weight)
		}
		return nil
	})
}

func (h *UI) fastingSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v := h.newView(r, actor, "", "")
	return h.visitForm(w, r, actor, "fasting", func(f url.Values) error {
		var p ketaflow.Problems
		fa := intake.FastingAnswers{
			LastSolidFood:     timeField(&p, f, "last_solid_food", "the last solid food", v.Loc),
			LastLiquid:        timeField(&p, f, "last_liquid", "the last drink", v.Loc),
			NasalMedicationAt: timeField(&p, f, "nasal_medication_at", "the nasal medication", v.Loc),
		}
		switch f.Get("last_liquid_clear") {
		case "yes":
			b := true
			fa.LastLiquidClear = &b
		case "no":
			b := false
			fa.LastLiquidClear = &b
		}
		if err := p.Err(); err != nil {
			return err
		}
		_, err := h.app.RecordFasting(r.Context(), actor, r.PathValue("id"), fa)
		return err
	})
}

func (h *UI) rideSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "ride", func(f url.Values) error {
		_, err := h.app.RecordRide(r.Context(), actor, r.PathValue("id"), intake.Ride{DriverName: f.Get("driver_name"), DriverPhone: f.Get("driver_phone")})
		return err
	})
}

func (h *UI) comfortSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "comfort", func(f url.Values) error {
		_, err := h.app.RecordComfort(r.Context(), actor, r.PathValue("id"), comfortFrom(f))
		return err
	})
}

func (h *UI) overrideSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "gate", func(f url.Values) error {
		_, err := h.app.OverrideCheck(r.Context(), actor, r.PathValue("id"), intake.CheckID(f.Get("check")), f.Get("reason"))
		return err
	})
}

func (h *UI) linkSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	id := r.PathValue("id")
	l, err := h.app.CreateQuestionnaireLink(r.Context(), actor, id)
	if err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderVisit(w, r, actor, id, status, err, nil, nil) })
	}
	// The link is shown once, on this response: only its hash is stored.
	return h.renderVisit(w, r, actor, id, http.StatusOK, nil, nil, func(d *visitData) {
		d.Link = &l
		d.LinkURL = web.BaseURL(r) + "/q/" + l.Token
	})
}

// unansweredMessage says how many items a posted questionnaire form left
// out, and in which questionnaires; "" when none.
func unansweredMessage(f url.Values) string {
	n := 0
	var where []string
	for _, in := range intake.Instruments() {
		if f.Get(in.ID+".shown") != "1" {
			continue
		}
		before := n
		for _, item := range in.Items {
			if f.Get(in.ID+"."+strconv.Itoa(item.Number)) == "" {
				n++
			}
		}
		if n > before {
			where = append(where, in.Title)
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("Please answer every question: %d still to answer in the %s, marked below.", n, strings.Join(where, " and the "))
}

// answersFrom reads questionnaire answers posted as "<instrument>.<item>".
func answersFrom(f url.Values, only ...string) map[string][]int {
	out := map[string][]int{}
	for _, in := range intake.Instruments() {
		if len(only) > 0 && !strings.Contains(strings.Join(only, ","), in.ID) {
			continue
		}
		ans := make([]int, len(in.Items))
		any := false
		for i, item := range in.Items {
			ans[i] = intake.Unanswered
			if v := f.Get(in.ID + "." + strconv.Itoa(item.Number)); v != "" {
				if n, err := strconv.Atoi(v); err == nil {
					ans[i] = n
					any = true
				}
			}
		}
		if any || f.Get(in.ID+".shown") == "1" {
			out[in.ID] = ans
		}
	}
	return out
}

type tabletData struct {
	S         app.VisitScreen
	Instr     []intake.Instrument
	Form      url.Values
	Submitted *app.Submitted
}

// Checked reports whether an answer was ticked on the posted form.
func (d tabletData) Checked(instrument string, item, value int) bool {
	return d.Form != nil && d.Form.Get(instrument+"."+strconv.Itoa(item)) == strconv.Itoa(value)
}

// Missing reports whether a posted form left an item unanswered.
func (d tabletData) Missing(instrument string, item int) bool {
	return d.Form != nil && d.Form.Get(instrument+"."+strconv.Itoa(item)) == ""
}

func (h *UI) tabletPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := actor.Check(access.QuestionnaireEnter); err != nil {
		return err
	}
	return h.renderTablet(w, r, actor, http.StatusOK, nil, nil, nil)
}

func (h *UI) renderTablet(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, form url.Values, sub *app.Submitted) error {
	screen, err := h.app.Visit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Questionnaires", "visits")
	v.Kiosk = true
	if formErr != nil {
		v.withError(formErr)
		if msg := unansweredMessage(form); msg != "" {
			v.Error = msg
		}
	}
	v.Data = tabletData{S: screen, Instr: intake.Instruments(), Form: form, Submitted: sub}
	return h.render(w, status, "tablet", v)
}

func (h *UI) tabletSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	sub, err := h.app.SubmitQuestionnaires(r.Context(), actor, r.PathValue("id"), answersFrom(r.PostForm))
	if err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderTablet(w, r, actor, status, err, r.PostForm, nil) })
	}
	return h.renderTablet(w, r, actor, http.StatusOK, nil, nil, &sub)
}
