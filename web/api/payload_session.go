package api

import (
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
	u := t.UTC()
	return &u
}

// apiOrder is a signed dose order. Route-specific fields are 0 (or null)
// on the other routes.
type apiOrder struct {
	ID               string          `json:"id"`
	VisitID          string          `json:"visit_id"`
	Route            protocol.Route  `json:"route"`
	MgPerKg          float64         `json:"mg_per_kg"`
	WeightKG         float64         `json:"weight_kg"`
	WeightMeasuredAt *time.Time      `json:"weight_measured_at"`
	DoseMg           float64         `json:"dose_mg"`
	InfusionMinutes  int             `json:"infusion_minutes"`
	Site             protocol.IMSite `json:"site"`
	SpravatoMg       int             `json:"spravato_mg"`
	OrderedBy        string          `json:"ordered_by"`
	OrderedByName    string          `json:"ordered_by_name"`
	SignedAt         time.Time       `json:"signed_at"`
	// Overridden are the course rules the prescriber departed from, with
	// OverrideReason; empty for an order within them.
	Overridden     []string `json:"overridden"`
	OverrideReason string   `json:"override_reason"`
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
	Route            protocol.Route `json:"route"`
	MgPerKg          float64        `json:"mg_per_kg"`
	InfusionMinutes  int            `json:"infusion_minutes"`
	SpravatoMg       int            `json:"spravato_mg"`
	WeightKG         float64        `json:"weight_kg"`
	WeightMeasuredAt *time.Time     `json:"weight_measured_at"`
}

// apiDischargeFacts is the discharge checklist: the ride home, after-care
// and integration booking, as recorded (all false until recorded); also
// the body of PUT /api/v1/visits/{id}/discharge-facts.
type apiDischargeFacts struct {
	DriverPresent     bool   `json:"driver_present"`
	Alternative       string `json:"alternative"` // taxi, companion, ...: another way home
	AftercareGiven    bool   `json:"aftercare_given"`
	IntegrationBooked bool   `json:"integration_booked"`
}

func toAPIDischargeFacts(c discharge.Checklist) apiDischargeFacts {
	return apiDischargeFacts{DriverPresent: c.DriverPresent, Alternative: strings.TrimSpace(c.Alternative),
		AftercareGiven: c.AftercareGiven, IntegrationBooked: c.IntegrationBooked}
}

func (f apiDischargeFacts) checklist() discharge.Checklist {
	return discharge.Checklist{DriverPresent: f.DriverPresent, Alternative: f.Alternative, AftercareGiven: f.AftercareGiven,
		IntegrationBooked: f.IntegrationBooked}
}

// apiMedications are the concomitant medications the REMS form asks about,
// each answered yes or no.
type apiMedications struct {
	Benzodiazepines                    discharge.YesNo `json:"benzodiazepines"`
	NonBenzodiazepineSedativeHypnotics discharge.YesNo `json:"non_benzodiazepine_sedative_hypnotics"`
	Psychostimulants                   discharge.YesNo `json:"psychostimulants"`
	MAOIs                              discharge.YesNo `json:"maois"`
	Opioids                            discharge.YesNo `json:"opioids"`
}

func toAPIMedications(m discharge.Medications) apiMedications {
	return apiMedications{Benzodiazepines: m.Benzodiazepines, NonBenzodiazepineSedativeHypnotics: m.NonBenzodiazepineSedativeHypnotics,
		Psychostimulants: m.Psychostimulants, MAOIs: m.MAOIs, Opioids: m.Opioids}
}

// apiOrderInput is the body of POST /api/v1/visits/{id}/order: the fields
// of the route ordered.
type apiOrderInput struct {
	MgPerKg         float64         `json:"mg_per_kg,omitempty"`
	InfusionMinutes int             `json:"infusion_minutes,omitempty"`
	Site            protocol.IMSite `json:"site,omitempty"`
	SpravatoMg      int             `json:"spravato_mg,omitempty"`
	Reason          string          `json:"reason,omitempty"` // required when replacing an order
	// OverrideReason is required to depart from a course rule (the first
	// Spravato dose).
	OverrideReason string `json:"override_reason,omitempty"`
}

func (in apiOrderInput) order() app.OrderInput {
	return app.OrderInput{MgPerKg: in.MgPerKg, InfusionMinutes: in.InfusionMinutes, Site: in.Site, SpravatoMg: in.SpravatoMg,
		Reason: in.Reason, OverrideReason: in.OverrideReason}
}

// apiPrepareInput is the body of POST /api/v1/visits/{id}/preparation.
type apiPrepareInput struct {
	VialMgPerML float64         `json:"vial_mg_per_ml,omitempty"` // IV, IM; the lot's strength when left out
	Site        protocol.IMSite `json:"site,omitempty"`           // IM
	LotID       string          `json:"lot_id"`
}

func (in apiPrepareInput) prepare() app.PrepareInput {
	return app.PrepareInput{VialMgPerML: in.VialMgPerML, Site: in.Site, LotID: in.LotID}
}

// apiDoseLine is one worked figure of a preparation, with its formula.
type apiDoseLine struct {
	Label    string  `json:"label"`
	Formula  string  `json:"formula"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Rounding string  `json:"rounding"`
}

// apiPreparation is a prepared dose with every worked figure, who prepared
// it and who checked it.
type apiPreparation struct {
	ID              string          `json:"id"`
	OrderID         string          `json:"order_id"`
	LotID           string          `json:"lot_id"`
	Route           protocol.Route  `json:"route"`
	VialMgPerML     float64         `json:"vial_mg_per_ml"`
	Site            protocol.IMSite `json:"site"`
	InfusionMinutes int             `json:"infusion_minutes"`
	Lines           []apiDoseLine   `json:"lines"`
	DoseMg          float64         `json:"dose_mg"`
	DrawML          float64         `json:"draw_ml"`
	BagTotalML      float64         `json:"bag_total_ml"`
	RateMLPerHour   float64         `json:"rate_ml_per_hour"`
	Devices         int             `json:"devices"`
	Warnings        []string        `json:"warnings"`
	PreparedBy      string          `json:"prepared_by"`
	PreparedByName  string          `json:"prepared_by_name"`
	PreparedAt      time.Time       `json:"prepared_at"`
	Verified        bool            `json:"verified"`
	VerifiedBy      string          `json:"verified_by"`
	VerifiedByName  string          `json:"verified_by_name"`
	VerifiedAt      *time.Time      `json:"verified_at"`
}

func toAPIPreparation(p dosing.Preparation, lotID string) apiPreparation {
	c := p.Calculation
	out := apiPreparation{ID: p.ID, OrderID: p.OrderID, LotID: lotID, Route: c.Route, VialMgPerML: c.VialMgPerML, Site: c.Site,
		InfusionMinutes: c.InfusionMinutes, Lines: []apiDoseLine{}, DoseMg: c.DoseMg, DrawML: c.DrawML, BagTotalML: c.BagTotalML,
		RateMLPerHour: c.RateMLPerHour, Devices: c.Devices, Warnings: []string{}, PreparedBy: p.PreparedBy,
		PreparedByName: p.PreparedByName, PreparedAt: utcTime(p.PreparedAt), Verified: p.Verified(), VerifiedBy: p.VerifiedBy,
		VerifiedByName: p.VerifiedByName, VerifiedAt: timePtr(p.VerifiedAt)}
	for _, l := range c.Lines {
		out.Lines = append(out.Lines, apiDoseLine{Label: l.Label, Formula: l.Formula, Value: l.Value, Unit: l.Unit, Rounding: l.Rounding})
	}
	out.Warnings = append(out.Warnings, c.Warnings...)
	return out
}

// apiSessionEvent is one recorded moment of a session: the first dose, a
// Spravato device, an infusion pause, resume or stop.
type apiSessionEvent struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	By         string    `json:"by"`
	ByName     string    `json:"by_name"`
	RecordedAt time.Time `json:"recorded_at"`
	// LateReason is why the moment was written down late; "" when on time.
	LateReason string `json:"late_reason"`
}

type apiSpan struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Rest  bool      `json:"rest"`
}

// apiPhase is where the session is on its phase clock now. It is shown,
// never enforced.
type apiPhase struct {
	Name             string    `json:"name"`
	Index            int       `json:"index"`
	StartedAt        time.Time `json:"started_at"`
	EndsAt           time.Time `json:"ends_at"`
	ElapsedSeconds   int64     `json:"elapsed_seconds"`
	RemainingSeconds int64     `json:"remaining_seconds"`
	TotalSeconds     int64     `json:"total_seconds"`
	Rest             bool      `json:"rest"`
	Over             bool      `json:"over"`
}

type apiPause struct {
	At        time.Time  `json:"at"`
	ResumedAt *time.Time `json:"resumed_at"`
	Reason    string     `json:"reason"`
}

// apiInfusion is an IV infusion as recorded and its status now.
type apiInfusion struct {
	StartedAt         time.Time             `json:"started_at"`
	Minutes           int                   `json:"minutes"`
	Pauses            []apiPause            `json:"pauses"`
	StoppedAt         *time.Time            `json:"stopped_at"`
	StopReason        string                `json:"stop_reason"`
	State             session.InfusionState `json:"state"`
	DeliveredSeconds  int64                 `json:"delivered_seconds"`
	RemainingSeconds  int64                 `json:"remaining_seconds"`
	PausedForSeconds  int64                 `json:"paused_for_seconds"`
	DeliveredFraction float64               `json:"delivered_fraction"`
	ExpectedEnd       time.Time             `json:"expected_end"`
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
	Mg              int         `json:"mg"`
	IntervalSeconds int64       `json:"interval_seconds"`
	Devices         []apiDevice `json:"devices"`
}

// apiNextDevice is the countdown to the next Spravato device.
type apiNextDevice struct {
	N           int       `json:"n"`
	DueAt       time.Time `json:"due_at"`
	WaitSeconds int64     `json:"wait_seconds"`
	Ready       bool      `json:"ready"`
}

// apiVitalsCheck is one scheduled vitals check and its state now.
type apiVitalsCheck struct {
	Kind         session.DueKind    `json:"kind"`
	Label        string             `json:"label"`
	At           time.Time          `json:"at"`
	AfterMinutes int                `json:"after_minutes"`
	Opens        time.Time          `json:"opens"`
	OverdueAt    time.Time          `json:"overdue_at"`
	State        session.CheckState `json:"state"`
	ReadingID    string             `json:"reading_id"`
	TakenAt      *time.Time         `json:"taken_at"`
}

func toAPIVitalsCheck(d session.DueStatus) apiVitalsCheck {
	return apiVitalsCheck{Kind: d.Kind, Label: d.Label, At: utcTime(d.At), AfterMinutes: int(d.After / time.Minute),
		Opens: utcTime(d.Opens), OverdueAt: utcTime(d.OverdueAt), State: d.State, ReadingID: d.ReadingID, TakenAt: timePtr(d.TakenAt)}
}

// apiAdverseEvent is an adverse event as recorded. recorded_by is the name
// of who recorded it.
type apiAdverseEvent struct {
	ID          string           `json:"id"`
	VisitID     string           `json:"visit_id"`
	Kind        session.AEKind   `json:"kind"`
	KindLabel   string           `json:"kind_label"`
	At          time.Time        `json:"at"`
	Severity    session.Severity `json:"severity"`
	Action      string           `json:"action"`
	Note        string           `json:"note"`
	RecordedBy  string           `json:"recorded_by"`
	RecordedAt  time.Time        `json:"recorded_at"`
	Amends      string           `json:"amends"`
	AmendReason string           `json:"amend_reason"`
	LateReason  string           `json:"late_reason"`
}

func toAPIAdverse(e session.AdverseEvent) apiAdverseEvent {
	return apiAdverseEvent{ID: e.ID, VisitID: e.VisitID, Kind: e.Kind, KindLabel: e.Kind.Label(), At: utcTime(e.At),
		Severity: e.Severity, Action: e.Action, Note: e.Note, RecordedBy: e.RecordedBy, RecordedAt: utcTime(e.RecordedAt),
		Amends: e.Amends, AmendReason: e.AmendReason, LateReason: e.LateReason}
}

// apiAldrete is a modified Aldrete score; assessed_by is the assessor's name.
type apiAldrete struct {
	Activity         int       `json:"activity"`
	Respiration      int       `json:"respiration"`
	Circulation      int       `json:"circulation"`
	Consciousness    int       `json:"consciousness"`
	OxygenSaturation int       `json:"oxygen_saturation"`
	Total            int       `json:"total"`
	AssessedAt       time.Time `json:"assessed_at"`
	AssessedBy       string    `json:"assessed_by"`
}

func toAPIAldrete(a discharge.Aldrete) apiAldrete {
	return apiAldrete{Activity: a.Activity, Respiration: a.Respiration, Circulation: a.Circulation, Consciousness: a.Consciousness,
		OxygenSaturation: a.OxygenSaturation, Total: a.Total(), AssessedAt: utcTime(a.AssessedAt), AssessedBy: a.AssessedBy}
}

// apiCriterion is one discharge criterion, met or not, with what it found.
type apiCriterion struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Met    bool   `json:"met"`
	Detail string `json:"detail"`
}

func toAPICriteria(cs []discharge.Criterion) []apiCriterion {
	out := []apiCriterion{}
	for _, c := range cs {
		out = append(out, apiCriterion{ID: c.ID, Title: c.Title, Met: c.Met, Detail: c.Detail})
	}
	return out
}

// apiDischarge is every discharge criterion, met or not, now.
type apiDischarge struct {
	Ready                 bool           `json:"ready"`
	Criteria              []apiCriterion `json:"criteria"`
	EarliestAt            *time.Time     `json:"earliest_at"`
	ReadyWithoutMinimumAt *time.Time     `json:"ready_without_minimum_at"`
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
	Missing          []string `json:"missing"`
	IncompleteReason string   `json:"incomplete_reason"`
}

// apiSession is the dose, the live session and discharge of a visit, for
// the roles that may see clinical content. Objects that do not exist yet
// (no order, no first dose, not an IV or Spravato visit) are null.
type apiSession struct {
	Order          *apiOrder         `json:"order"`
	Orders         []apiOrderRow     `json:"orders"`
	OrderDefaults  apiOrderDefaults  `json:"order_defaults"`
	Preparation    *apiPreparation   `json:"preparation"`
	PatientAge     int               `json:"patient_age"`
	FirstDoseAt    *time.Time        `json:"first_dose_at"`
	Events         []apiSessionEvent `json:"events"`
	Timeline       []apiSpan         `json:"timeline"`
	Phase          *apiPhase         `json:"phase"`
	Infusion       *apiInfusion      `json:"infusion"`
	Devices        *apiDevicePlan    `json:"devices"`
	NextDevice     *apiNextDevice    `json:"next_device"`
	VitalsSchedule []apiVitalsCheck  `json:"vitals_schedule"`
	NextCheck      *apiVitalsCheck   `json:"next_check"`
	Alerts         []apiAlert        `json:"alerts"`
	Notices        []apiAlert        `json:"notices"`
	AdverseEvents  []apiAdverseEvent `json:"adverse_events"`
	Aldrete        *apiAldrete       `json:"aldrete"`
	DischargeFacts apiDischargeFacts `json:"discharge_facts"`
	Medications    apiMedications    `json:"medications"`
	Discharge      apiDischarge      `json:"discharge"`
	REMSForm       *apiREMSStatus    `json:"rems_form"`
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
		FirstDoseAt: utcTimePtr(s.FirstDoseAt), Events: []apiSessionEvent{}, Timeline: []apiSpan{},
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
			out.Timeline = append(out.Timeline, apiSpan{Name: sp.Name, Start: utcTime(sp.Start), End: utcTime(sp.End), Rest: sp.Rest})
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

// adverseInput is the body of POST /api/v1/visits/{id}/adverse-events.
type adverseInput struct {
	Kind        session.AEKind   `json:"kind"`
	Severity    session.Severity `json:"severity"`
	At          time.Time        `json:"at"` // defaults to now
	Action      string           `json:"action"`
	Note        string           `json:"note"`
	Amends      string           `json:"amends"`
	AmendReason string           `json:"amend_reason"`
	LateReason  string           `json:"late_reason"`
}

// apiDischargeBlocked is the 422 answer to a discharge the criteria refuse:
// the error, and each criterion not met.
type apiDischargeBlocked struct {
	Error apiErrorBody   `json:"error"`
	Unmet []apiCriterion `json:"unmet"`
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
	PatientName           string          `json:"patient_name"`
	PatientREMSID         string          `json:"patient_rems_id"`
	BirthDate             ketaflow.Date   `json:"birth_date"`
	Sex                   string          `json:"sex"`
	PrescriberName        string          `json:"prescriber_name"`
	SettingName           string          `json:"setting_name"`
	SettingREMSID         string          `json:"setting_rems_id"`
	TreatmentDate         ketaflow.Date   `json:"treatment_date"`
	DoseMg                int             `json:"dose_mg"`
	LotNumbers            []string        `json:"lot_numbers"`
	Medications           apiMedications  `json:"medications"`
	BPBefore              apiBP           `json:"bp_before"`
	BP40Min               apiBP           `json:"bp_40_min"`
	BPBeforeDischarge     apiBP           `json:"bp_before_discharge"`
	FirstDeviceAt         time.Time       `json:"first_device_at"`
	MonitoringEndedAt     time.Time       `json:"monitoring_ended_at"`
	MonitoringMinutes     int             `json:"monitoring_minutes"`
	Sedation              discharge.YesNo `json:"sedation"`
	Dissociation          discharge.YesNo `json:"dissociation"`
	RespiratoryDepression discharge.YesNo `json:"respiratory_depression"`
	ReadyToLeaveAt        *time.Time      `json:"ready_to_leave_at"`
	DueBy                 *time.Time      `json:"due_by"`
	GeneratedAt           time.Time       `json:"generated_at"`
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
	ID           string              `json:"id"`
	VisitID      string              `json:"visit_id"`
	PatientID    string              `json:"patient_id"`
	State        discharge.FormState `json:"state"`
	GeneratedAt  time.Time           `json:"generated_at"`
	DueBy        time.Time           `json:"due_by"`
	SubmittedAt  *time.Time          `json:"submitted_at"`
	SubmittedBy  string              `json:"submitted_by"` // the name of who submitted it
	Confirmation string              `json:"confirmation"`
	Form         apiREMSFormData     `json:"form"`
	// Missing is what a form stored incomplete at discharge lacks; it
	// cannot be submitted until late entries complete it and it is
	// assembled again.
	Missing          []string `json:"missing"`
	IncompleteReason string   `json:"incomplete_reason"`
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
	Missing       []string            `json:"missing"`
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
	Reason string `json:"reason"`
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
	Action string `json:"action"`
	Reason string `json:"reason"`
	// InfusedML is the bag volume infused as the pump shows it, on a stop;
	// without it the delivered share is the share of running time.
	InfusedML *float64 `json:"infused_ml"`
}

// apiWasteInput is the body of POST /api/v1/visits/{id}/waste: the
// witness, confirming with their own password, and an optional reason.
type apiWasteInput struct {
	WitnessUsername string `json:"witness_username"`
	WitnessPassword string `json:"witness_password"`
	Reason          string `json:"reason"`
}

// apiDrugAccount is the visit's drug from one lot as the ledger has it.
type apiDrugAccount struct {
	LotID     string  `json:"lot_id"`
	LotNumber string  `json:"lot_number"`
	Product   string  `json:"product"`
	Unit      string  `json:"unit"`
	Drawn     float64 `json:"drawn"`
	Given     float64 `json:"given"`
	Wasted    float64 `json:"wasted"`
	Remaining float64 `json:"remaining"`
}

// apiAldreteInput is the body of POST /api/v1/visits/{id}/aldrete: each
// item said outright, since an item left out must not score 0.
type apiAldreteInput struct {
	Activity         *int `json:"activity"`
	Respiration      *int `json:"respiration"`
	Circulation      *int `json:"circulation"`
	Consciousness    *int `json:"consciousness"`
	OxygenSaturation *int `json:"oxygen_saturation"`
}

// apiDischargeInput is the body of POST /api/v1/visits/{id}/discharge.
type apiDischargeInput struct {
	To string `json:"to"`
}

// apiSubmissionInput is the body of POST
// /api/v1/visits/{id}/rems-form/submission.
type apiSubmissionInput struct {
	Confirmation string `json:"confirmation"`
}

// apiWasteAnswer is the visit's drug after the rest was wasted.
type apiWasteAnswer struct {
	VisitID string           `json:"visit_id"`
	Drug    []apiDrugAccount `json:"drug"`
}
