package api

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
)

// seconds is a duration in whole seconds, rounded up so that a countdown
// never reads 0 while time remains.
func seconds(d time.Duration) int64 {
	return int64(math.Ceil(d.Seconds()))
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := utcTime(t)
	return &u
}

// apiOrder is a signed dose order. Route-specific fields are 0 (or null)
// on the other routes.
type apiOrder struct {
	ID      string         `json:"id"`
	VisitID string         `json:"visit_id"`
	Route   protocol.Route `json:"route"`
	// 0 for Spravato
	MgPerKg float64 `json:"mg_per_kg"`
	// The weight the dose rests on; 0 for Spravato
	WeightKG float64 `json:"weight_kg"`
	// null for Spravato
	WeightMeasuredAt *time.Time `json:"weight_measured_at"`
	// Computed: mg/kg × weight rounded by the protocol, or the Spravato mg
	DoseMg float64 `json:"dose_mg"`
	// IV only; 0 otherwise
	InfusionMinutes int `json:"infusion_minutes"`
	// IM only; "" on the other routes
	Site protocol.IMSite `json:"site" jsonschema:"enum="`
	// Spravato only; 0 otherwise
	SpravatoMg    int       `json:"spravato_mg"`
	OrderedBy     string    `json:"ordered_by"`
	OrderedByName string    `json:"ordered_by_name"`
	SignedAt      time.Time `json:"signed_at"`
	// Overridden are the course rules the prescriber departed from, with
	// OverrideReason; empty for an order within them.
	Overridden []string `json:"overridden"`
	// The prescriber's written reason for departing from the course rules in
	// overridden; empty otherwise.
	OverrideReason string `json:"override_reason"`
}

func toAPIOrder(o dosing.Order) apiOrder {
	out := apiOrder{ID: o.ID, VisitID: o.VisitID, Route: o.Route, MgPerKg: o.MgPerKg, WeightKG: o.WeightKG,
		WeightMeasuredAt: timePtr(o.WeightMeasuredAt), DoseMg: o.DoseMg, InfusionMinutes: o.InfusionMinutes, Site: o.Site,
		SpravatoMg: o.SpravatoMg, OrderedBy: o.OrderedBy, OrderedByName: o.OrderedByName, SignedAt: utcTime(o.SignedAt),
		Overridden: []string{}, OverrideReason: o.OverrideReason}
	for _, r := range o.Overridden {
		out.Overridden = append(out.Overridden, string(r))
	}
	return out
}

// apiOrderRow is an order on record, with the order it replaced and why.
type apiOrderRow struct {
	apiOrder
	Replaces string `json:"replaces"`
	Reason   string `json:"reason"`
}

// apiOrderDefaults is what a new order starts from: the protocol's default
// dose for the route and the patient's latest weight.
type apiOrderDefaults struct {
	Route           protocol.Route `json:"route"`
	MgPerKg         float64        `json:"mg_per_kg"`
	InfusionMinutes int            `json:"infusion_minutes"`
	SpravatoMg      int            `json:"spravato_mg"`
	// The patient's latest weight; 0 when none
	WeightKG         float64    `json:"weight_kg"`
	WeightMeasuredAt *time.Time `json:"weight_measured_at"`
}

// apiDischargeFacts is the discharge checklist: the ride home and the
// after-care, as recorded (all false until recorded); also the body of PUT
// /api/v1/visits/{id}/discharge-facts. The integration session is not on
// it: the discharge makes it due (GET /api/v1/visits/{id}/integration).
type apiDischargeFacts struct {
	// The driver recorded at check-in has come
	DriverPresent bool   `json:"driver_present"`
	Alternative   string `json:"alternative" jsonschema:"maxLength=200"` // taxi, companion, ...: another way home
	// No driving until the next day after restful sleep
	AftercareGiven bool `json:"aftercare_given"`
}

func toAPIDischargeFacts(c discharge.Checklist) apiDischargeFacts {
	return apiDischargeFacts{DriverPresent: c.DriverPresent, Alternative: strings.TrimSpace(c.Alternative),
		AftercareGiven: c.AftercareGiven}
}

func (f apiDischargeFacts) checklist() discharge.Checklist {
	return discharge.Checklist{DriverPresent: f.DriverPresent, Alternative: f.Alternative, AftercareGiven: f.AftercareGiven}
}

// apiMedications are the concomitant medications the REMS form asks about,
// each answered yes or no.
type apiMedications struct {
	// "" while not answered
	Benzodiazepines discharge.YesNo `json:"benzodiazepines" jsonschema:"enum="`
	// "" while not answered
	NonBenzodiazepineSedativeHypnotics discharge.YesNo `json:"non_benzodiazepine_sedative_hypnotics" jsonschema:"enum="`
	// "" while not answered
	Psychostimulants discharge.YesNo `json:"psychostimulants" jsonschema:"enum="`
	// "" while not answered
	MAOIs discharge.YesNo `json:"maois" jsonschema:"enum="`
	// "" while not answered
	Opioids discharge.YesNo `json:"opioids" jsonschema:"enum="`
}

// apiMedicationsInput is the body of PUT .../medications: every class
// answered, true or "yes", false or "no" ("no" is said, not assumed). The
// handler reads it member by member (recordMedications) so that each
// missing or unreadable answer is named; this type is what the document
// says of it.
type apiMedicationsInput struct {
	Benzodiazepines                    yesNoInput `json:"benzodiazepines" jsonschema:"required"`
	NonBenzodiazepineSedativeHypnotics yesNoInput `json:"non_benzodiazepine_sedative_hypnotics" jsonschema:"required"`
	Psychostimulants                   yesNoInput `json:"psychostimulants" jsonschema:"required"`
	MAOIs                              yesNoInput `json:"maois" jsonschema:"required"`
	Opioids                            yesNoInput `json:"opioids" jsonschema:"required"`
	// LateReason says why the medications are entered after the visit
	// closed; required then, ignored before.
	LateReason string `json:"late_reason,omitempty" jsonschema:"maxLength=500"`
}

// yesNoInput is an answer sent as true or false, or as "yes" or "no".
type yesNoInput json.RawMessage

func toAPIMedications(m discharge.Medications) apiMedications {
	return apiMedications{Benzodiazepines: m.Benzodiazepines, NonBenzodiazepineSedativeHypnotics: m.NonBenzodiazepineSedativeHypnotics,
		Psychostimulants: m.Psychostimulants, MAOIs: m.MAOIs, Opioids: m.Opioids}
}

// apiOrderInput is the body of POST /api/v1/visits/{id}/order: the fields
// of the route ordered.
type apiOrderInput struct {
	// IV, IM: the dose in mg per kg of the patient's latest weight, within the
	// protocol's limits (default IV 0.1 to 1.0)
	MgPerKg float64 `json:"mg_per_kg,omitempty"`
	// IV: minutes the infusion runs, within the protocol's limits (default 40
	// to 60)
	InfusionMinutes int `json:"infusion_minutes,omitempty"`
	// IM: the injection site
	Site protocol.IMSite `json:"site,omitempty"`
	// Spravato: a dose the protocol allows for the patient's age (default 56
	// or 84)
	SpravatoMg int    `json:"spravato_mg,omitempty"`
	Reason     string `json:"reason,omitempty"` // required when replacing an order
	// OverrideReason is required to depart from a course rule (the first
	// Spravato dose).
	OverrideReason string `json:"override_reason,omitempty" jsonschema:"example=continuing the 84 mg dose of the course begun at another clinic"`
}

func (in apiOrderInput) order() app.OrderInput {
	return app.OrderInput{MgPerKg: in.MgPerKg, InfusionMinutes: in.InfusionMinutes, Site: in.Site, SpravatoMg: in.SpravatoMg,
		Reason: in.Reason, OverrideReason: in.OverrideReason}
}

// apiPrepareInput is the body of POST /api/v1/visits/{id}/preparation.
type apiPrepareInput struct {
	VialMgPerML float64         `json:"vial_mg_per_ml,omitempty"` // IV, IM; the lot's strength when left out
	Site        protocol.IMSite `json:"site,omitempty"`           // IM
	// The ledger lot the drug is drawn from: a ketamine vial lot (IV, IM) or a
	// Spravato kit lot
	LotID string `json:"lot_id" jsonschema:"required"`
}

func (in apiPrepareInput) prepare() app.PrepareInput {
	return app.PrepareInput{VialMgPerML: in.VialMgPerML, Site: in.Site, LotID: in.LotID}
}

// apiCalculationLine is one worked figure of a preparation, with its formula.
type apiCalculationLine struct {
	Label string `json:"label"`
	// How the figure was reached, e.g. "32.0 mg ÷ 50 mg/mL = 0.64 mL"
	Formula string  `json:"formula"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	// e.g. "rounded to 0.1 mL/h from 150.96 mL/h"; "" when none
	Rounding string `json:"rounding"`
}

// apiPreparation is a prepared dose with every worked figure, who prepared
// it and who checked it.
type apiPreparation struct {
	ID      string         `json:"id"`
	OrderID string         `json:"order_id"`
	LotID   string         `json:"lot_id"`
	Route   protocol.Route `json:"route"`
	// IV, IM; 0 for Spravato
	VialMgPerML float64 `json:"vial_mg_per_ml"`
	// IM only; "" on the other routes
	Site protocol.IMSite `json:"site" jsonschema:"enum="`
	// IV; 0 otherwise
	InfusionMinutes int                  `json:"infusion_minutes"`
	Lines           []apiCalculationLine `json:"lines"`
	DoseMg          float64              `json:"dose_mg"`
	// IV, IM: volume drawn from the vial
	DrawML float64 `json:"draw_ml"`
	// IV
	BagTotalML float64 `json:"bag_total_ml"`
	// IV: the pump rate
	RateMLPerHour float64 `json:"rate_ml_per_hour"`
	// Spravato: devices for the dose
	Devices        int       `json:"devices"`
	Warnings       []string  `json:"warnings"`
	PreparedBy     string    `json:"prepared_by"`
	PreparedByName string    `json:"prepared_by_name"`
	PreparedAt     time.Time `json:"prepared_at"`
	// A second user checked every figure
	Verified bool `json:"verified"`
	// "" until verified
	VerifiedBy     string     `json:"verified_by"`
	VerifiedByName string     `json:"verified_by_name"`
	VerifiedAt     *time.Time `json:"verified_at"`
}

func toAPIPreparation(p dosing.Preparation, lotID string) apiPreparation {
	c := p.Calculation
	out := apiPreparation{ID: p.ID, OrderID: p.OrderID, LotID: lotID, Route: c.Route, VialMgPerML: c.VialMgPerML, Site: c.Site,
		InfusionMinutes: c.InfusionMinutes, Lines: []apiCalculationLine{}, DoseMg: c.DoseMg, DrawML: c.DrawML, BagTotalML: c.BagTotalML,
		RateMLPerHour: c.RateMLPerHour, Devices: c.Devices, Warnings: []string{}, PreparedBy: p.PreparedBy,
		PreparedByName: p.PreparedByName, PreparedAt: utcTime(p.PreparedAt), Verified: p.Verified(), VerifiedBy: p.VerifiedBy,
		VerifiedByName: p.VerifiedByName, VerifiedAt: timePtr(p.VerifiedAt)}
	for _, l := range c.Lines {
		out.Lines = append(out.Lines, apiCalculationLine{Label: l.Label, Formula: l.Formula, Value: l.Value, Unit: l.Unit, Rounding: l.Rounding})
	}
	out.Warnings = append(out.Warnings, c.Warnings...)
	return out
}

// apiSessionEvent is one recorded moment of a session: the first dose, a
// Spravato device, an infusion pause, resume or stop.
type apiSessionEvent struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// The Spravato device (1 for the first); 0 otherwise
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	By         string    `json:"by"`
	ByName     string    `json:"by_name"`
	RecordedAt time.Time `json:"recorded_at"`
	// LateReason is why the moment was written down late; "" when on time.
	LateReason string `json:"late_reason"`
}

type apiTimelineSpan struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// The monitored rest
	Rest bool `json:"rest"`
}

// apiPhase is where the session is on its phase clock now. It is shown,
// never enforced.
type apiPhase struct {
	Name string `json:"name"`
	// Into timeline
	Index     int       `json:"index"`
	StartedAt time.Time `json:"started_at"`
	EndsAt    time.Time `json:"ends_at"`
	// In this phase
	ElapsedSeconds int64 `json:"elapsed_seconds"`
	// Of this phase
	RemainingSeconds int64 `json:"remaining_seconds"`
	// Since the first dose
	TotalSeconds int64 `json:"total_seconds"`
	Rest         bool  `json:"rest"`
	// Past the last phase; nothing is enforced
	Over bool `json:"over"`
}

type apiPause struct {
	At        time.Time  `json:"at"`
	ResumedAt *time.Time `json:"resumed_at"`
	Reason    string     `json:"reason"`
}

// apiInfusion is an IV infusion as recorded and its status now.
type apiInfusion struct {
	StartedAt        time.Time             `json:"started_at"`
	Minutes          int                   `json:"minutes"`
	Pauses           []apiPause            `json:"pauses"`
	StoppedAt        *time.Time            `json:"stopped_at"`
	StopReason       string                `json:"stop_reason"`
	State            session.InfusionState `json:"state"`
	DeliveredSeconds int64                 `json:"delivered_seconds"`
	RemainingSeconds int64                 `json:"remaining_seconds"`
	PausedForSeconds int64                 `json:"paused_for_seconds"`
	// 0 to 1
	DeliveredFraction float64   `json:"delivered_fraction"`
	ExpectedEnd       time.Time `json:"expected_end"`
}

// toAPIInfusion is the session's infusion and its status now; nil when the
// visit has none.
func toAPIInfusion(s app.SessionView) *apiInfusion {
	in := s.Infusion
	if in == nil {
		return nil
	}
	st := s.InfusionNow
	ai := &apiInfusion{StartedAt: utcTime(in.StartedAt), Minutes: in.Minutes, Pauses: []apiPause{},
		StoppedAt: utcTimePtr(in.StoppedAt), StopReason: in.StopReason, State: st.State,
		DeliveredSeconds: seconds(st.Delivered), RemainingSeconds: seconds(st.Remaining),
		PausedForSeconds: seconds(st.PausedFor), DeliveredFraction: st.DeliveredFraction, ExpectedEnd: utcTime(st.ExpectedEnd)}
	for _, p := range in.Pauses {
		ai.Pauses = append(ai.Pauses, apiPause{At: utcTime(p.At), ResumedAt: utcTimePtr(p.ResumedAt), Reason: p.Reason})
	}
	return ai
}

type apiDevice struct {
	N       int        `json:"n"`
	DueAt   time.Time  `json:"due_at"`
	GivenAt *time.Time `json:"given_at"`
}

// apiDevicePlan is the Spravato devices of the dose, each one's due time
// and when it was used.
type apiDevicePlan struct {
	Mg int `json:"mg"`
	// The label's wait between devices
	IntervalSeconds int64       `json:"interval_seconds"`
	Devices         []apiDevice `json:"devices"`
}

// apiNextDevice is the countdown to the next Spravato device.
type apiNextDevice struct {
	N     int       `json:"n"`
	DueAt time.Time `json:"due_at"`
	// 0 once due
	WaitSeconds int64 `json:"wait_seconds"`
	Ready       bool  `json:"ready"`
}

// apiVitalsCheck is one scheduled vitals check and its state now.
type apiVitalsCheck struct {
	Kind  session.DueKind `json:"kind"`
	Label string          `json:"label"`
	At    time.Time       `json:"at"`
	// From the first dose
	AfterMinutes int                `json:"after_minutes"`
	Opens        time.Time          `json:"opens"`
	OverdueAt    time.Time          `json:"overdue_at"`
	State        session.CheckState `json:"state"`
	// The reading that did it; "" when none
	ReadingID string     `json:"reading_id"`
	TakenAt   *time.Time `json:"taken_at"`
}

func toAPIVitalsCheck(d session.DueStatus) apiVitalsCheck {
	return apiVitalsCheck{Kind: d.Kind, Label: d.Label, At: utcTime(d.At), AfterMinutes: int(d.After / time.Minute),
		Opens: utcTime(d.Opens), OverdueAt: utcTime(d.OverdueAt), State: d.State, ReadingID: d.ReadingID, TakenAt: timePtr(d.TakenAt)}
}

// apiAdverseEvent is an adverse event as recorded. recorded_by is the name
// of who recorded it.
type apiAdverseEvent struct {
	ID        string           `json:"id"`
	VisitID   string           `json:"visit_id"`
	Kind      session.AEKind   `json:"kind"`
	KindLabel string           `json:"kind_label"`
	At        time.Time        `json:"at"`
	Severity  session.Severity `json:"severity"`
	Action    string           `json:"action"`
	Note      string           `json:"note"`
	// Who recorded it (name)
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
	// "" unless it corrects another event
	Amends      string `json:"amends"`
	AmendReason string `json:"amend_reason"`
	// Why it was entered late: the stated time is more than the protocol's
	// late-entry minutes (session.late_entry_minutes) before recorded_at.
	// Empty when charted on time.
	LateReason string `json:"late_reason"`
}

func toAPIAdverse(e session.AdverseEvent) apiAdverseEvent {
	return apiAdverseEvent{ID: e.ID, VisitID: e.VisitID, Kind: e.Kind, KindLabel: e.Kind.Label(), At: utcTime(e.At),
		Severity: e.Severity, Action: e.Action, Note: e.Note, RecordedBy: e.RecordedBy, RecordedAt: utcTime(e.RecordedAt),
		Amends: e.Amends, AmendReason: e.AmendReason, LateReason: e.LateReason}
}

// apiAldrete is a modified Aldrete score; assessed_by is the assessor's name.
type apiAldrete struct {
	Activity         int `json:"activity"`
	Respiration      int `json:"respiration"`
	Circulation      int `json:"circulation"`
	Consciousness    int `json:"consciousness"`
	OxygenSaturation int `json:"oxygen_saturation"`
	// 0 to 10
	Total      int       `json:"total"`
	AssessedAt time.Time `json:"assessed_at"`
	// Name of the assessor
	AssessedBy string `json:"assessed_by"`
}

func toAPIAldrete(a discharge.Aldrete) apiAldrete {
	return apiAldrete{Activity: a.Activity, Respiration: a.Respiration, Circulation: a.Circulation, Consciousness: a.Consciousness,
		OxygenSaturation: a.OxygenSaturation, Total: a.Total(), AssessedAt: utcTime(a.AssessedAt), AssessedBy: a.AssessedBy}
}

// apiDischargeCriterion is one discharge criterion, met or not, with what it found.
type apiDischargeCriterion struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Met   bool   `json:"met"`
	// What holds, or what is missing
	Detail string `json:"detail"`
}

func toAPICriteria(cs []discharge.Criterion) []apiDischargeCriterion {
	out := []apiDischargeCriterion{}
	for _, c := range cs {
		out = append(out, apiDischargeCriterion{ID: c.ID, Title: c.Title, Met: c.Met, Detail: c.Detail})
	}
	return out
}

// apiDischarge is every discharge criterion, met or not, now.
type apiDischarge struct {
	// Every criterion holds
	Ready    bool                    `json:"ready"`
	Criteria []apiDischargeCriterion `json:"criteria"`
	// When the minimum time since the first dose is reached
	EarliestAt *time.Time `json:"earliest_at"`
	// When the patient was clinically ready, the minimum time aside (REMS
	// form)
	ReadyWithoutMinimumAt *time.Time `json:"ready_without_minimum_at"`
}

func toAPIDischarge(r discharge.Result) apiDischarge {
	return apiDischarge{Ready: r.Ready, Criteria: toAPICriteria(r.Criteria), EarliestAt: timePtr(r.EarliestAt),
		ReadyWithoutMinimumAt: timePtr(r.ReadyWithoutMinimumAt)}
}

// apiREMSStatus is where a visit's REMS form stands.
type apiREMSStatus struct {
	ID          string              `json:"id"`
	State       discharge.FormState `json:"state"`
	GeneratedAt time.Time           `json:"generated_at"`
	DueBy       time.Time           `json:"due_by"`
	SubmittedAt *time.Time          `json:"submitted_at"`
	// Missing is what a form stored incomplete at discharge lacks, with the
	// prescriber's incomplete_reason; empty for a complete form.
	Missing []string `json:"missing"`
	// The prescriber's reason why the form could not be completed before the
	// patient left; empty otherwise.
	IncompleteReason string `json:"incomplete_reason"`
}

// apiSession is the dose, the live session and discharge of a visit, for
// the roles that may see clinical content. Objects that do not exist yet
// (no order, no first dose, not an IV or Spravato visit) are null.
type apiSession struct {
	// The current order; null before one is signed
	Order         *apiOrder        `json:"order"`
	Orders        []apiOrderRow    `json:"orders"`
	OrderDefaults apiOrderDefaults `json:"order_defaults"`
	// The current order's preparation; null until prepared
	Preparation *apiPreparation `json:"preparation"`
	PatientAge  int             `json:"patient_age"`
	// The start of the infusion, the injection or Spravato device 1; null
	// before
	FirstDoseAt *time.Time        `json:"first_dose_at"`
	Events      []apiSessionEvent `json:"events"`
	Timeline    []apiTimelineSpan `json:"timeline"`
	Phase       *apiPhase         `json:"phase"`
	// IV only
	Infusion *apiInfusion `json:"infusion"`
	// Spravato only
	Devices *apiDevicePlan `json:"devices"`
	// null once every device is used
	NextDevice     *apiNextDevice   `json:"next_device"`
	VitalsSchedule []apiVitalsCheck `json:"vitals_schedule"`
	NextCheck      *apiVitalsCheck  `json:"next_check"`
	// The visit's in-session alerts (blood pressure, heart rate, oxygen
	// saturation), what needs someone first
	Alerts []apiAlert `json:"alerts"`
	// What is due now while the session runs: vitals checks due or overdue,
	// the next Spravato device once due
	Notices       []apiAlert        `json:"notices"`
	AdverseEvents []apiAdverseEvent `json:"adverse_events"`
	// The latest score; null before one
	Aldrete        *apiAldrete       `json:"aldrete"`
	DischargeFacts apiDischargeFacts `json:"discharge_facts"`
	Medications    apiMedications    `json:"medications"`
	Discharge      apiDischarge      `json:"discharge"`
	// Spravato: the stored form, once assembled
	REMSForm *apiREMSStatus `json:"rems_form"`
	// REMSDraftError says why the REMS form could not be assembled now
	// (a Spravato visit after the first device); "" when it could.
	REMSDraftError string `json:"rems_draft_error"`
	// Drug is the controlled drug drawn for the visit, per lot: drawn,
	// given, wasted, and what is left to settle before the visit closes.
	Drug []apiDrugAccount `json:"drug"`
}

func toAPISession(s app.SessionView) apiSession {
	d := s.Draft
	out := apiSession{Orders: []apiOrderRow{}, PatientAge: s.PatientAge,
		OrderDefaults: apiOrderDefaults{Route: d.Route, MgPerKg: d.MgPerKg, InfusionMinutes: d.InfusionMinutes,
			SpravatoMg: d.SpravatoMg, WeightKG: d.WeightKG, WeightMeasuredAt: timePtr(d.WeightMeasuredAt)},
		FirstDoseAt: utcTimePtr(s.FirstDoseAt), Events: []apiSessionEvent{}, Timeline: []apiTimelineSpan{},
		VitalsSchedule: []apiVitalsCheck{}, Alerts: toAPIAlerts(s.Alerts), Notices: toAPIAlerts(s.Notices), AdverseEvents: []apiAdverseEvent{},
		DischargeFacts: toAPIDischargeFacts(s.Checklist), Medications: toAPIMedications(s.Medications), Discharge: toAPIDischarge(s.Discharge), REMSDraftError: s.REMSError,
		Drug: []apiDrugAccount{}}
	for _, d := range s.Drug {
		out.Drug = append(out.Drug, apiDrugAccount{LotID: d.LotID, LotNumber: d.LotNumber, Product: d.Product, Unit: d.Unit,
			Drawn: d.Drawn, Given: d.Given, Wasted: d.Wasted, Remaining: d.Remaining})
	}
	for _, o := range s.Orders {
		out.Orders = append(out.Orders, apiOrderRow{apiOrder: toAPIOrder(o.Order), Replaces: o.Replaces, Reason: o.Reason})
	}
	if s.Order != nil {
		o := toAPIOrder(s.Order.Order)
		out.Order = &o
	}
	if s.Preparation != nil {
		p := toAPIPreparation(s.Preparation.Preparation, s.Preparation.LotID)
		out.Preparation = &p
	}
	for _, e := range s.Events {
		out.Events = append(out.Events, apiSessionEvent{ID: e.ID, Kind: string(e.Kind), N: e.N, At: utcTime(e.At), Reason: e.Reason,
			By: e.By, ByName: e.ByName, RecordedAt: utcTime(e.RecordedAt), LateReason: e.LateReason})
	}
	if s.Timeline != nil {
		for _, sp := range s.Timeline.Spans {
			out.Timeline = append(out.Timeline, apiTimelineSpan{Name: sp.Name, Start: utcTime(sp.Start), End: utcTime(sp.End), Rest: sp.Rest})
		}
		ph := s.Phase
		out.Phase = &apiPhase{Name: ph.Name, Index: ph.Index, StartedAt: utcTime(ph.StartedAt), EndsAt: utcTime(ph.EndsAt),
			ElapsedSeconds: seconds(ph.Elapsed), RemainingSeconds: seconds(ph.Remaining), TotalSeconds: seconds(ph.Total),
			Rest: ph.Rest, Over: ph.Over}
	}
	out.Infusion = toAPIInfusion(s)
	if pl := s.Devices; pl != nil {
		dp := &apiDevicePlan{Mg: pl.Mg, IntervalSeconds: seconds(pl.Interval), Devices: []apiDevice{}}
		for _, d := range pl.Devices {
			dp.Devices = append(dp.Devices, apiDevice{N: d.N, DueAt: utcTime(d.DueAt), GivenAt: timePtr(d.GivenAt)})
		}
		out.Devices = dp
	}
	if nd := s.NextDevice; nd != nil {
		out.NextDevice = &apiNextDevice{N: nd.N, DueAt: utcTime(nd.DueAt), WaitSeconds: seconds(nd.Wait), Ready: nd.Ready}
	}
	for _, d := range s.Schedule {
		out.VitalsSchedule = append(out.VitalsSchedule, toAPIVitalsCheck(d))
	}
	if s.NextCheck != nil {
		c := toAPIVitalsCheck(*s.NextCheck)
		out.NextCheck = &c
	}
	for _, e := range s.Adverse {
		out.AdverseEvents = append(out.AdverseEvents, toAPIAdverse(e))
	}
	if s.Aldrete.Assessed() {
		a := toAPIAldrete(s.Aldrete)
		out.Aldrete = &a
	}
	if r := s.REMS; r != nil {
		out.REMSForm = &apiREMSStatus{ID: r.ID, State: r.State, GeneratedAt: utcTime(r.GeneratedAt),
			DueBy: utcTime(r.DueBy), SubmittedAt: utcTimePtr(r.SubmittedAt), Missing: orEmpty(r.Missing),
			IncompleteReason: r.IncompleteReason}
	}
	return out
}

// atInput is the body of a session moment: when it happened, now when left
// out, and why it is written down late when it is.
type atInput struct {
	At         time.Time `json:"at"`
	LateReason string    `json:"late_reason"`
}

// apiAdverseEventInput is the body of POST /api/v1/visits/{id}/adverse-events.
type apiAdverseEventInput struct {
	Kind     session.AEKind   `json:"kind" jsonschema:"required"`
	Severity session.Severity `json:"severity" jsonschema:"required"`
	At       time.Time        `json:"at"` // defaults to now
	// What was done, even if only to observe
	Action string `json:"action" jsonschema:"required"`
	// Required for "other"
	Note string `json:"note"`
	// The event this one corrects; the original stays on record
	Amends string `json:"amends"`
	// Required with amends
	AmendReason string `json:"amend_reason"`
	// Why this is entered late. Required when the stated time is more than the
	// protocol's late-entry minutes (session.late_entry_minutes) before now;
	// ignored otherwise.
	LateReason string `json:"late_reason" jsonschema:"example=charted after an emergency at chair 3"`
}

// apiDischargeBlocked is the 422 answer to a discharge the criteria refuse:
// the error, and each criterion not met.
type apiDischargeBlocked struct {
	Error apiErrorBody            `json:"error"`
	Unmet []apiDischargeCriterion `json:"unmet"`
}

// apiBP is a blood pressure on the REMS form.
type apiBP struct {
	Systolic  int        `json:"systolic"`
	Diastolic int        `json:"diastolic"`
	TakenAt   *time.Time `json:"taken_at"`
}

func toAPIBP(b discharge.BP) apiBP {
	return apiBP{Systolic: b.Systolic, Diastolic: b.Diastolic, TakenAt: timePtr(b.TakenAt)}
}

// apiREMSFormData is the REMS Patient Monitoring Form's fields.
type apiREMSFormData struct {
	PatientName       string         `json:"patient_name"`
	PatientREMSID     string         `json:"patient_rems_id"`
	BirthDate         ketaflow.Date  `json:"birth_date"`
	Sex               string         `json:"sex"`
	PrescriberName    string         `json:"prescriber_name"`
	SettingName       string         `json:"setting_name"`
	SettingREMSID     string         `json:"setting_rems_id"`
	TreatmentDate     ketaflow.Date  `json:"treatment_date"`
	DoseMg            int            `json:"dose_mg"`
	LotNumbers        []string       `json:"lot_numbers"`
	Medications       apiMedications `json:"medications"`
	BPBefore          apiBP          `json:"bp_before"`
	BP40Min           apiBP          `json:"bp_40_min"`
	BPBeforeDischarge apiBP          `json:"bp_before_discharge"`
	FirstDeviceAt     time.Time      `json:"first_device_at"`
	MonitoringEndedAt time.Time      `json:"monitoring_ended_at"`
	// From the first device to the end of monitoring
	MonitoringMinutes int `json:"monitoring_minutes"`
	// "" while not answered
	Sedation discharge.YesNo `json:"sedation"`
	// "" while not answered
	Dissociation discharge.YesNo `json:"dissociation"`
	// "" while not answered
	RespiratoryDepression discharge.YesNo `json:"respiratory_depression"`
	// When the patient would have been ready to leave without the 2-hour
	// minimum
	ReadyToLeaveAt *time.Time `json:"ready_to_leave_at"`
	DueBy          *time.Time `json:"due_by"`
	GeneratedAt    time.Time  `json:"generated_at"`
}

func toAPIREMSFormData(f discharge.REMSForm) apiREMSFormData {
	out := apiREMSFormData{PatientName: f.PatientName, PatientREMSID: f.PatientREMSID, BirthDate: f.BirthDate, Sex: string(f.Sex),
		PrescriberName: f.PrescriberName, SettingName: f.SettingName, SettingREMSID: f.SettingREMSID,
		TreatmentDate: f.TreatmentDate, DoseMg: f.DoseMg, LotNumbers: []string{}, Medications: toAPIMedications(f.Medications),
		BPBefore: toAPIBP(f.BPBefore), BP40Min: toAPIBP(f.BPAt40), BPBeforeDischarge: toAPIBP(f.BPBeforeDischarge),
		FirstDeviceAt: utcTime(f.FirstDeviceAt), MonitoringEndedAt: utcTime(f.MonitoringEndedAt),
		MonitoringMinutes: f.MonitoringMinutes, Sedation: f.Sedation, Dissociation: f.Dissociation,
		RespiratoryDepression: f.RespiratoryDepression, ReadyToLeaveAt: timePtr(f.ReadyToLeaveAt), DueBy: timePtr(f.DueBy),
		GeneratedAt: utcTime(f.GeneratedAt)}
	out.LotNumbers = append(out.LotNumbers, f.LotNumbers...)
	return out
}

// apiREMSForm is a visit's stored REMS form with its state and submission.
type apiREMSForm struct {
	ID          string              `json:"id"`
	VisitID     string              `json:"visit_id"`
	PatientID   string              `json:"patient_id"`
	State       discharge.FormState `json:"state"`
	GeneratedAt time.Time           `json:"generated_at"`
	// 7 days after discharge by default
	DueBy        time.Time       `json:"due_by"`
	SubmittedAt  *time.Time      `json:"submitted_at"`
	SubmittedBy  string          `json:"submitted_by"` // the name of who submitted it
	Confirmation string          `json:"confirmation"`
	Form         apiREMSFormData `json:"form"`
	// Missing is what a form stored incomplete at discharge lacks; it
	// cannot be submitted until late entries complete it and it is
	// assembled again.
	Missing []string `json:"missing"`
	// The prescriber's reason why the form could not be completed before the
	// patient left; empty otherwise.
	IncompleteReason string `json:"incomplete_reason"`
}

func toAPIREMSForm(r app.REMSFormView) apiREMSForm {
	return apiREMSForm{ID: r.ID, VisitID: r.VisitID, PatientID: r.PatientID, State: r.State,
		GeneratedAt: utcTime(r.GeneratedAt), DueBy: utcTime(r.DueBy), SubmittedAt: utcTimePtr(r.SubmittedAt),
		SubmittedBy: r.SubmittedBy, Confirmation: r.Confirmation, Form: toAPIREMSFormData(r.Form), Missing: orEmpty(r.Missing),
		IncompleteReason: r.IncompleteReason}
}

// orEmpty is a list never null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apiREMSListItem is one form on the list of what is due.
type apiREMSListItem struct {
	ID            string              `json:"id"`
	VisitID       string              `json:"visit_id"`
	PatientID     string              `json:"patient_id"`
	PatientName   string              `json:"patient_name"`
	TreatmentDate ketaflow.Date       `json:"treatment_date"`
	DoseMg        int                 `json:"dose_mg"`
	State         discharge.FormState `json:"state"`
	GeneratedAt   time.Time           `json:"generated_at"`
	DueBy         time.Time           `json:"due_by"`
	SubmittedAt   *time.Time          `json:"submitted_at"`
	SubmittedBy   string              `json:"submitted_by"`
	Confirmation  string              `json:"confirmation"`
	// What a form stored incomplete at discharge lacks (a prescriber recorded
	// why it could not be completed: incomplete_reason); empty for a complete
	// form. An incomplete form stays due and cannot be submitted until late
	// entries complete it and it is assembled again.
	Missing []string `json:"missing"`
}

func toAPIREMSListItem(f app.REMSListItem) apiREMSListItem {
	return apiREMSListItem{ID: f.ID, VisitID: f.VisitID, PatientID: f.PatientID, PatientName: f.PatientName,
		TreatmentDate: f.Form.TreatmentDate, DoseMg: f.Form.DoseMg, State: f.State, GeneratedAt: utcTime(f.GeneratedAt),
		DueBy: utcTime(f.DueBy), SubmittedAt: utcTimePtr(f.SubmittedAt), SubmittedBy: f.SubmittedBy, Confirmation: f.Confirmation,
		Missing: orEmpty(f.Missing)}
}

// apiREMSIncompleteInput is the body of POST
// /api/v1/visits/{id}/rems-form/incomplete.
type apiREMSIncompleteInput struct {
	Reason string `json:"reason" jsonschema:"required"`
}

// apiREMSList is the list of REMS forms.
type apiREMSList struct {
	Forms []apiREMSListItem `json:"forms"`
}

// apiInfusionAnswer is the answer to a pause, resume or stop: the infusion
// as it now stands.
type apiInfusionAnswer struct {
	Infusion *apiInfusion `json:"infusion"`
}

// apiFirstDose is the answer to the first administration.
type apiFirstDose struct {
	VisitID     string     `json:"visit_id"`
	FirstDoseAt *time.Time `json:"first_dose_at"`
}

// apiDeviceGiven is the answer to a Spravato device after the first.
type apiDeviceGiven struct {
	VisitID string    `json:"visit_id"`
	N       int       `json:"n"`
	At      time.Time `json:"at"`
}

// apiDeviceInput is the body of POST /api/v1/visits/{id}/devices.
type apiDeviceInput struct {
	N          *int      `json:"n"`
	At         time.Time `json:"at"`
	LateReason string    `json:"late_reason"`
}

// apiInfusionInput is the body of POST /api/v1/visits/{id}/infusion.
type apiInfusionInput struct {
	Action string `json:"action" jsonschema:"required,enum=pause,enum=resume,enum=stop"`
	Reason string `json:"reason"`
	// InfusedML is the bag volume infused as the pump shows it, on a stop;
	// without it the delivered share is the share of running time.
	InfusedML *float64 `json:"infused_ml"`
}

// apiWasteInput is the body of POST /api/v1/visits/{id}/waste: the
// witness, confirming with their own password, and an optional reason.
type apiWasteInput struct {
	WitnessUsername string `json:"witness_username" jsonschema:"required"`
	WitnessPassword string `json:"witness_password" jsonschema:"required"`
	Reason          string `json:"reason" jsonschema:"required"`
}

// apiDrugAccount is the visit's drug from one lot as the ledger has it.
type apiDrugAccount struct {
	LotID     string  `json:"lot_id"`
	LotNumber string  `json:"lot_number" jsonschema:"example=K2611A"`
	Product   string  `json:"product" jsonschema:"example=Ketamine 50 mg/mL\\, 10 mL vial"`
	Unit      string  `json:"unit"`
	Drawn     float64 `json:"drawn" jsonschema:"example=0.64"`
	Given     float64 `json:"given" jsonschema:"example=0.1"`
	Wasted    float64 `json:"wasted" jsonschema:"example=0.54"`
	// Drawn and neither given nor wasted; the visit cannot close (discharge,
	// stopped early, cancelled) until it is 0
	Remaining float64 `json:"remaining" jsonschema:"example=0"`
}

// apiAldreteInput is the body of POST /api/v1/visits/{id}/aldrete: each
// item said outright, since an item left out must not score 0.
type apiAldreteInput struct {
	Activity         *int `json:"activity" jsonschema:"minimum=0,maximum=2,required"`
	Respiration      *int `json:"respiration" jsonschema:"minimum=0,maximum=2,required"`
	Circulation      *int `json:"circulation" jsonschema:"minimum=0,maximum=2,required"`
	Consciousness    *int `json:"consciousness" jsonschema:"minimum=0,maximum=2,required"`
	OxygenSaturation *int `json:"oxygen_saturation" jsonschema:"minimum=0,maximum=2,required"`
}

// apiDischargeInput is the body of POST /api/v1/visits/{id}/discharge.
type apiDischargeInput struct {
	To string `json:"to" jsonschema:"required,enum=ready_for_discharge,enum=discharged"`
}

// apiSubmissionInput is the body of POST
// /api/v1/visits/{id}/rems-form/submission.
type apiSubmissionInput struct {
	Confirmation string `json:"confirmation" jsonschema:"required"`
}

// apiWasteAnswer is the visit's drug after the rest was wasted.
type apiWasteAnswer struct {
	VisitID string           `json:"visit_id"`
	Drug    []apiDrugAccount `json:"drug"`
}
