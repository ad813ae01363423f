package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
	"github.com/ketaflow/ketaflow/web"
)

type scheduleData struct {
	Day      ketaflow.Date
	Prev     ketaflow.Date
	Next     ketaflow.Date
	Today    bool
	Visits   []app.VisitSummary
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
		d.ByState[x.Visit.State]++
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
	if err := h.app.Authorize(r.Context(), actor, access.VisitBook, access.CatVisit); err != nil {
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
		Default: next.Format(timeInputLayout)}
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
	loc := h.clinicZone(r, actor)
	b := visits.Booking{PatientID: patientID, Route: f.Get("route"), ChairID: f.Get("chair_id"), Comfort: comfortFrom(f)}
	var probs ketaflow.Problems
	if at := strings.TrimSpace(f.Get("scheduled_at")); at != "" {
		t, err := parseLocalTime(at, loc, time.Time{})
		if err != nil {
			probs.Add("scheduled_at", "the date and time of the visit must be a date and 24-hour time, like 2026-11-25 09:30")
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
	var visit app.VisitView
	if err == nil {
		visit, err = h.app.BookVisit(r.Context(), actor, b)
	}
	if err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderBook(w, r, actor, patientID, status, err, f) })
	}
	return redirect(w, r, "/visits/"+visit.Visit.ID+"?done=booked")
}

type visitData struct {
	V app.VisitView
	// Live: the visit is past the gate, so the page leads with the dose
	// and the session, and the gate is history below them.
	Live       bool
	Moves      []moveStep
	Link       *app.Link
	LinkURL    string
	Form       url.Values
	Musics     []visits.Music
	NowInput   string
	PHQ9, GAD7 *app.Questionnaire // the current answers
	// History is every version of the answers, when one was amended.
	History []app.Questionnaire
	// Amendable are the answers the reader may amend, with their forms.
	Amendable []amendable

	AldreteItems []discharge.AldreteItem
	Meds         []medRow
	AEKinds      []session.AEKind
	Severities   []session.Severity

	// Witnesses are who may witness the reader's waste of what is left of
	// the drug drawn for the visit; read only when that step is offered.
	Witnesses []access.User
	// LateMinutes is the protocol's late-entry limit: a time stated more
	// than this before it is entered needs a reason.
	LateMinutes int
	// VolumePlaces is the decimals of the protocol's volume rounding, for
	// the drug account (2: to the 0.01 mL).
	VolumePlaces int
	// errors are the refused form's field errors.
	errors map[string]string
}

// Mine reports whether the refused form being shown again is the form
// named (its hidden "form" field): forms that share field names (at,
// late_reason, reason) show the error and the typed value only beside the
// form that sent them.
func (d visitData) Mine(form string) bool { return d.Form != nil && d.Form.Get("form") == form }

// FieldErr is the error of a field of the named form, when that form was
// the one refused.
func (d visitData) FieldErr(form, field string) string {
	if !d.Mine(form) {
		return ""
	}
	return d.errors[field]
}

// Posted is what the named form sent for a field, when that form was the
// one refused ("" otherwise).
func (d visitData) Posted(form, field string) string {
	if !d.Mine(form) {
		return ""
	}
	return d.Form.Get(field)
}

// FirstDoseEvent is the recorded first administration, nil before it.
func (d visitData) FirstDoseEvent() *session.Event {
	if d.V.Session == nil {
		return nil
	}
	for i, e := range d.V.Session.Events {
		if e.Kind == session.EventFirstDose {
			return &d.V.Session.Events[i]
		}
	}
	return nil
}

// DeviceEvent is the recorded Spravato device n, nil until it is used.
func (d visitData) DeviceEvent(n int) *session.Event {
	if d.V.Session == nil {
		return nil
	}
	for i, e := range d.V.Session.Events {
		if e.Kind == session.EventDevice && e.N == n {
			return &d.V.Session.Events[i]
		}
	}
	return nil
}

// Leftover are the lots with drug drawn for the visit and not yet given or
// wasted, for the words beside the waste form.
func (d visitData) Leftover() []app.DrugAccount {
	if d.V.Session == nil {
		return nil
	}
	var out []app.DrugAccount
	for _, a := range d.V.Session.Drug {
		if a.Remaining > 0 {
			out = append(out, a)
		}
	}
	return out
}

// Late lists every entry of the visit charted late, in the order of the
// times they state.
func (d visitData) Late() []lateEntry { return lateEntries(d.V) }

// amendable is a questionnaire's current answers with the form that
// amends them.
type amendable struct {
	Instr   intake.Instrument
	Current app.Questionnaire
	Form    answerForm
	Open    bool // the form was posted and refused: show it open
}

// AnsweredBy says who gave a version of the answers, for people.
func (d visitData) AnsweredBy(q app.Questionnaire) string {
	switch {
	case q.Version > 1:
		return "amended by " + q.EnteredByName
	case q.Source == app.SourceTablet:
		return "the patient, on the clinic tablet"
	case q.Source == app.SourceLink:
		return "the patient, from a link"
	}
	return "entered by " + q.EnteredByName
}

// moveStep is a plain move of the visit the reader may make, with the
// state it leads to (the form's "to") and whether it asks why.
type moveStep struct {
	app.Action
	To          visits.State
	NeedsReason bool
}

// medRow is one concomitant medication question of the REMS form.
type medRow struct {
	Field, Label, Answer string
}

// Act returns the reader's step of that name, or nil when the view does
// not offer it: the page draws a step's button or form only from here.
func (d visitData) Act(name string) *app.Action {
	if a, ok := d.V.Action(app.ActionName(name)); ok {
		return &a
	}
	return nil
}

// Fasting is the latest fasting statement (zero when none is recorded or
// the reader may not see it).
func (d visitData) Fasting() intake.FastingAnswers {
	if f := d.V.Fasting; f != nil {
		return f.Value
	}
	return intake.FastingAnswers{}
}

// Ride is the latest ride home (zero when none is recorded).
func (d visitData) Ride() intake.Ride {
	if r := d.V.Ride; r != nil {
		return r.Value
	}
	return intake.Ride{}
}

// pastGate are the states in which the page leads with the dose and the
// session: dosing has started, whatever became of it.
var pastGate = []visits.State{visits.Dosing, visits.InSession, visits.Recovering, visits.ReadyForDischarge,
	visits.Discharged, visits.StoppedEarly}

func (h *UI) visitPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.showVisit(w, r, actor, r.PathValue("id"), app.VisitView{}, http.StatusOK, nil, nil, nil)
}

// showVisit shows the visit screen from a view: the one a refused step
// returned, so the request reads the visit once (one transaction, one audit
// entry), or, when that view is zero (the form was refused before the
// service read the visit), a fresh read. A refusal's error and what the
// form posted are shown beside the form; extra adds what only this
// response carries (a new link).
func (h *UI) showVisit(w http.ResponseWriter, r *http.Request, actor access.Actor, id string, view app.VisitView, status int,
	formErr error, form url.Values, extra func(*visitData)) error {
	if view.Visit.ID == "" {
		var err error
		if view, err = h.app.Visit(r.Context(), actor, id); err != nil {
			return err
		}
	}
	v := h.clinicView(r, actor, view.Clinic, view.Patient.DisplayName(), "visits")
	if formErr != nil {
		v.withError(formErr)
	}
	if form == nil && v.Draft != nil && strings.HasPrefix(v.Draft.Form.Action, "/visits/"+id+"/") {
		// A form kept when the login ended: filled in again, not saved.
		form = url.Values(v.Draft.Form.Fields)
	}
	d := visitData{V: view, Form: form, Musics: visits.Musics, NowInput: v.Now.In(v.Loc).Format(timeInputLayout),
		Live:         view.Session != nil && slices.Contains(pastGate, view.Visit.State),
		AldreteItems: discharge.AldreteItems, AEKinds: session.AEKinds, Severities: session.Severities,
		LateMinutes: view.Protocol.Rules.Session.LateEntryMinutes, VolumePlaces: volumePlaces(view), errors: v.Errors}
	if _, ok := view.Action(app.ActWasteRemainder); ok {
		var err error
		if d.Witnesses, err = h.app.Witnesses(r.Context(), actor); err != nil {
			return err
		}
	}
	if form != nil {
		form.Del("witness_password") // a password is never sent back
	}
	for _, to := range visits.Next(view.Visit.State) {
		a, ok := view.Action(app.MoveAction(view.Visit.State, to))
		if !ok {
			continue
		}
		m, _ := visits.LookupMove(view.Visit.State, to)
		d.Moves = append(d.Moves, moveStep{Action: a, To: to, NeedsReason: m.NeedsReason})
	}
	_, amend := view.Action(app.ActAmendQuestionnaire)
	for i := range view.Questionnaires {
		q := &view.Questionnaires[i]
		if q.Version > 1 {
			d.History = view.Questionnaires
		}
		if !q.Current {
			continue
		}
		switch q.Result.Instrument {
		case intake.PHQ9ID:
			d.PHQ9 = q
		case intake.GAD7ID:
			d.GAD7 = q
		}
		if in, err := intake.InstrumentByID(q.Result.Instrument); err == nil && amend {
			a := amendable{Instr: in, Current: *q, Form: answerForm{Prefill: map[string][]int{in.ID: q.Result.Answers}}}
			if form.Get("amend") == in.ID {
				a.Open, a.Form = true, answerForm{Form: form}
			}
			d.Amendable = append(d.Amendable, a)
		}
	}
	if x := view.Session; x != nil {
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
	}
	if extra != nil {
		extra(&d)
	}
	v.Data = d
	return h.render(w, status, "visit", v)
}

// visitForm handles the common shape of a visit form post: parse, call one
// service, and on a refusal show the screen again from the view the service
// returned, with the error beside the form.
func (h *UI) visitForm(w http.ResponseWriter, r *http.Request, actor access.Actor, done string, call func(f url.Values) (app.VisitView, error)) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	id := r.PathValue("id")
	view, err := call(r.PostForm)
	if err != nil {
		return h.formErr(err, func(status int, err error) error {
			return h.showVisit(w, r, actor, id, view, status, err, r.PostForm, nil)
		})
	}
	return redirect(w, r, "/visits/"+id+"?done="+done+"#"+done)
}

func (h *UI) moveVisitSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	r.ParseForm()
	return h.visitForm(w, r, actor, r.PostForm.Get("to"), func(f url.Values) (app.VisitView, error) {
		return h.app.MoveVisit(r.Context(), actor, r.PathValue("id"), visits.State(f.Get("to")), f.Get("reason"))
	})
}

func (h *UI) clearVisitSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "cleared", func(f url.Values) (app.VisitView, error) {
		return h.app.ClearVisit(r.Context(), actor, r.PathValue("id"))
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
// A time typed alone ("14:30") is today, by the app's clock, in the clinic's zone.
func timeField(p *ketaflow.Problems, f url.Values, name, what string, loc *time.Location, now time.Time) *time.Time {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return nil
	}
	t, err := parseLocalTime(v, loc, now)
	if err != nil {
		p.Add(name, "%s must be a date and 24-hour time, like 2026-11-25 14:30 (or 14:30 for today)", what)
		return nil
	}
	return &t
}

// vitalsSubmit records a reading, a weight, or both, in one call: the
// service checks both before it saves either.
func (h *UI) vitalsSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	loc := h.clinicZone(r, actor)
	return h.visitForm(w, r, actor, "vitals", func(f url.Values) (app.VisitView, error) {
		var p ketaflow.Problems
		var in app.VitalsInput
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
			LateReason:      f.Get("late_reason"),
		}
		if t := timeField(&p, f, "taken_at", "the time taken", loc, h.app.Clock.Now()); t != nil {
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
		if kg := strings.TrimSpace(f.Get("weight_kg")); kg != "" {
			x, err := strconv.ParseFloat(kg, 64)
			if err != nil {
				p.Add("weight_kg", "weight must be a number of kilograms")
			}
			in.Weight = &app.NewWeight{KG: x}
		}
		if err := p.Err(); err != nil {
			return app.VisitView{}, err
		}
		// A form with only the weight filled in records no reading.
		if in.Weight == nil || rd.Systolic != 0 || rd.Diastolic != 0 || rd.HeartRate != 0 || rd.SpO2 != 0 ||
			rd.RespiratoryRate != 0 || rd.Sedation != nil || rd.Dissociation != nil || rd.Amends != "" {
			in.Reading = &rd
		}
		_, view, err := h.app.RecordVitals(r.Context(), actor, r.PathValue("id"), in)
		return view, err
	})
}

func (h *UI) fastingSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	loc := h.clinicZone(r, actor)
	return h.visitForm(w, r, actor, "fasting", func(f url.Values) (app.VisitView, error) {
		var p ketaflow.Problems
		fa := intake.FastingAnswers{
			LastSolidFood:     timeField(&p, f, "last_solid_food", "the last solid food", loc, h.app.Clock.Now()),
			LastLiquid:        timeField(&p, f, "last_liquid", "the last drink", loc, h.app.Clock.Now()),
			NasalMedicationAt: timeField(&p, f, "nasal_medication_at", "the nasal medication", loc, h.app.Clock.Now()),
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
			return app.VisitView{}, err
		}
		return h.app.RecordFasting(r.Context(), actor, r.PathValue("id"), fa)
	})
}

func (h *UI) rideSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "ride", func(f url.Values) (app.VisitView, error) {
		return h.app.RecordRide(r.Context(), actor, r.PathValue("id"), intake.Ride{DriverName: f.Get("driver_name"), DriverPhone: f.Get("driver_phone")})
	})
}

func (h *UI) comfortSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "comfort", func(f url.Values) (app.VisitView, error) {
		return h.app.RecordComfort(r.Context(), actor, r.PathValue("id"), comfortFrom(f))
	})
}

func (h *UI) overrideSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "gate", func(f url.Values) (app.VisitView, error) {
		return h.app.OverrideCheck(r.Context(), actor, r.PathValue("id"), intake.CheckID(f.Get("check")), f.Get("reason"))
	})
}

func (h *UI) linkSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	id := r.PathValue("id")
	l, view, err := h.app.CreateQuestionnaireLink(r.Context(), actor, id)
	if err != nil {
		return h.formErr(err, func(status int, err error) error {
			return h.showVisit(w, r, actor, id, view, status, err, nil, nil)
		})
	}
	// The link is shown once, on this response: only its hash is stored.
	return h.showVisit(w, r, actor, id, view, http.StatusOK, nil, nil, func(d *visitData) {
		d.Link = &l
		d.LinkURL = web.PublicURL(r, "/q/"+l.Token)
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

// answerForm is the state of a questionnaire form: what was posted, or,
// before a post, the answers an amendment starts from.
type answerForm struct {
	Form    url.Values
	Prefill map[string][]int // instrument -> answers
}

// Checked reports whether an answer is ticked.
func (d answerForm) Checked(instrument string, item, value int) bool {
	if d.Form != nil {
		return d.Form.Get(instrument+"."+strconv.Itoa(item)) == strconv.Itoa(value)
	}
	a := d.Prefill[instrument]
	return item >= 1 && item <= len(a) && a[item-1] == value
}

// Missing reports whether a posted form left an item unanswered.
func (d answerForm) Missing(instrument string, item int) bool {
	return d.Form != nil && d.Form.Get(instrument+"."+strconv.Itoa(item)) == ""
}

// handOffSubmit hands this browser to the patient: the staff login on it
// ends, its cookie is cleared, and it shows only the patient's
// questionnaires until a staff member signs in again on it. An ended
// login's cookie left on the tablet would let a form posted from it be kept
// as that staff member's draft (keepDraft) and shown back to them.
func (h *UI) handOffSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	id := r.PathValue("id")
	secret, err := h.app.HandTabletToPatient(r.Context(), actor, web.LoginSecret(r), id)
	if err != nil {
		return h.formErr(err, func(status int, err error) error {
			return h.showVisit(w, r, actor, id, app.VisitView{}, status, err, nil, nil)
		})
	}
	http.SetCookie(w, &http.Cookie{Name: tabletCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: web.SecureCookies(r)})
	web.ClearLoginCookie(w, r)
	return redirect(w, r, "/tablet")
}

// amendSubmit corrects a visit's answers to one questionnaire, with a
// reason; the earlier answers stay.
func (h *UI) amendSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	id, instrument := r.PathValue("id"), r.PathValue("instrument")
	f := r.PostForm
	am := intake.Amendment{Amends: f.Get("amends"), Reason: f.Get("reason"), Answers: answersFrom(f, instrument)[instrument]}
	sub, view, err := h.app.AmendQuestionnaire(r.Context(), actor, id, instrument, am)
	if err != nil {
		return h.formErr(err, func(status int, err error) error {
			f.Set("amend", instrument)
			return h.showVisit(w, r, actor, id, view, status, err, f, nil)
		})
	}
	done := "amended_answers"
	switch {
	case sub.Alert:
		done = "amended_alert"
	case sub.AlertStaysOpen:
		done = "amended_alert_open"
	}
	return redirect(w, r, "/visits/"+id+"?done="+done+"#questionnaires")
}
