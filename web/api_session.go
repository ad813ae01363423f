package web

import (
	"bytes"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// The second half of a visit as an API: the dose order, its preparation
// and second check, the live session, discharge and the Spravato REMS form.
// Handlers call the same services as the visit screen (app/session.go,
// app/rems.go) and shape their answers as the visit API does: snake_case
// names, times in UTC, lists never null, durations in whole seconds.

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

// decodeOptionalJSON reads a body that may be left out: an empty body
// leaves v as it is; anything else must decode as decodeJSON asks.
func decodeOptionalJSON(r *http.Request, v any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err != nil {
		return ketaflow.Invalid("", "the request body is too large or could not be read")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	return decodeStrict(raw, v, "")
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
}

func toAPIOrder(o dosing.Order) apiOrder {
	return apiOrder{ID: o.ID, VisitID: o.VisitID, Route: o.Route, MgPerKg: o.MgPerKg, WeightKG: o.WeightKG,
		WeightMeasuredAt: timePtr(o.WeightMeasuredAt), DoseMg: o.DoseMg, InfusionMinutes: o.InfusionMinutes, Site: o.Site,
		SpravatoMg: o.SpravatoMg, OrderedBy: o.OrderedBy, OrderedByName: o.OrderedByName, SignedAt: utcTime(o.SignedAt)}
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

// apiDischargeFacts is the ride home, after-care and integration booking as
// recorded (all false until recorded).
type apiDischargeFacts struct {
	DriverPresent     bool   `json:"driver_present"`
	Alternative       string `json:"alternative"`
	AftercareGiven    bool   `json:"aftercare_given"`
	IntegrationBooked bool   `json:"integration_booked"`
}

func toAPIDischargeFacts(f app.DischargeFacts) apiDischargeFacts {
	return apiDischargeFacts{DriverPresent: f.DriverPresent, Alternative: strings.TrimSpace(f.Alternative),
		AftercareGiven: f.AftercareGiven, IntegrationBooked: f.IntegrationBooked}
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
	Lines           []dosing.Line   `json:"lines"`
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
		InfusionMinutes: c.InfusionMinutes, Lines: []dosing.Line{}, DoseMg: c.DoseMg, DrawML: c.DrawML, BagTotalML: c.BagTotalML,
		RateMLPerHour: c.RateMLPerHour, Devices: c.Devices, Warnings: []string{}, PreparedBy: p.PreparedBy,
		PreparedByName: p.PreparedByName, PreparedAt: utcTime(p.PreparedAt), Verified: p.Verified(), VerifiedBy: p.VerifiedBy,
		VerifiedByName: p.VerifiedByName, VerifiedAt: timePtr(p.VerifiedAt)}
	out.Lines = append(out.Lines, c.Lines...)
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

func toAPICheck(d session.DueStatus) apiVitalsCheck {
	return apiVitalsCheck{Kind: d.Kind, Label: d.Label, At: utcTime(d.At), AfterMinutes: int(d.After / time.Minute),
		Opens: utcTime(d.Opens), OverdueAt: utcTime(d.OverdueAt), State: d.State, ReadingID: d.ReadingID, TakenAt: timePtr(d.TakenAt)}
}

type apiSessionAlert struct {
	Kind                 session.AlertKind `json:"kind"`
	At                   time.Time         `json:"at"`
	Reason               string            `json:"reason"`
	ReadingIDs           []string          `json:"reading_ids"`
	SuggestPauseInfusion bool              `json:"suggest_pause_infusion"`
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
}

func toAPIAdverse(e session.AdverseEvent) apiAdverseEvent {
	return apiAdverseEvent{ID: e.ID, VisitID: e.VisitID, Kind: e.Kind, KindLabel: e.Kind.Label(), At: utcTime(e.At),
		Severity: e.Severity, Action: e.Action, Note: e.Note, RecordedBy: e.RecordedBy, RecordedAt: utcTime(e.RecordedAt),
		Amends: e.Amends, AmendReason: e.AmendReason}
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

// apiDischarge is every discharge criterion, met or not, now.
type apiDischarge struct {
	Ready                 bool                  `json:"ready"`
	Criteria              []discharge.Criterion `json:"criteria"`
	EarliestAt            *time.Time            `json:"earliest_at"`
	ReadyWithoutMinimumAt *time.Time            `json:"ready_without_minimum_at"`
}

func toAPIDischarge(r discharge.Result) apiDischarge {
	out := apiDischarge{Ready: r.Ready, Criteria: []discharge.Criterion{}, EarliestAt: timePtr(r.EarliestAt),
		ReadyWithoutMinimumAt: timePtr(r.ReadyWithoutMinimumAt)}
	out.Criteria = append(out.Criteria, r.Criteria...)
	return out
}

// apiREMSStatus is where a visit's REMS form stands.
type apiREMSStatus struct {
	ID          string              `json:"id"`
	State       discharge.FormState `json:"state"`
	GeneratedAt time.Time           `json:"generated_at"`
	DueBy       time.Time           `json:"due_by"`
	SubmittedAt *time.Time          `json:"submitted_at"`
}

// apiSession is the dose, the live session and discharge of a visit, for
// the roles that may see clinical content. Objects that do not exist yet
// (no order, no first dose, not an IV or Spravato visit) are null.
type apiSession struct {
	Order          *apiOrder             `json:"order"`
	Orders         []apiOrderRow         `json:"orders"`
	OrderDefaults  apiOrderDefaults      `json:"order_defaults"`
	Preparation    *apiPreparation       `json:"preparation"`
	PatientAge     int                   `json:"patient_age"`
	FirstDoseAt    *time.Time            `json:"first_dose_at"`
	Events         []apiSessionEvent     `json:"events"`
	Timeline       []apiSpan             `json:"timeline"`
	Phase          *apiPhase             `json:"phase"`
	Infusion       *apiInfusion          `json:"infusion"`
	Devices        *apiDevicePlan        `json:"devices"`
	NextDevice     *apiNextDevice        `json:"next_device"`
	VitalsSchedule []apiVitalsCheck      `json:"vitals_schedule"`
	NextCheck      *apiVitalsCheck       `json:"next_check"`
	Alerts         []apiSessionAlert     `json:"alerts"`
	AdverseEvents  []apiAdverseEvent     `json:"adverse_events"`
	Aldrete        *apiAldrete           `json:"aldrete"`
	DischargeFacts apiDischargeFacts     `json:"discharge_facts"`
	Medications    discharge.Medications `json:"medications"`
	Discharge      apiDischarge          `json:"discharge"`
	REMSForm       *apiREMSStatus        `json:"rems_form"`
	// REMSDraftError says why the REMS form could not be assembled now
	// (a Spravato visit after the first device); "" when it could.
	REMSDraftError string `json:"rems_draft_error"`
}

func toAPISession(s app.SessionView, now time.Time) apiSession {
	d := s.Draft
	out := apiSession{Orders: []apiOrderRow{}, PatientAge: s.PatientAge,
		OrderDefaults: apiOrderDefaults{Route: d.Route, MgPerKg: d.MgPerKg, InfusionMinutes: d.InfusionMinutes,
			SpravatoMg: d.SpravatoMg, WeightKG: d.WeightKG, WeightMeasuredAt: timePtr(d.WeightMeasuredAt)},
		FirstDoseAt: utcTimePtr(s.FirstDoseAt), Events: []apiSessionEvent{}, Timeline: []apiSpan{},
		VitalsSchedule: []apiVitalsCheck{}, Alerts: []apiSessionAlert{}, AdverseEvents: []apiAdverseEvent{},
		DischargeFacts: toAPIDischargeFacts(s.Facts), Medications: s.Medications, Discharge: toAPIDischarge(s.Discharge), REMSDraftError: s.REMSError}
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
		out.Events = append(out.Events, apiSessionEvent{ID: e.ID, Kind: e.Kind, N: e.N, At: utcTime(e.At), Reason: e.Reason,
			By: e.By, ByName: e.ByName, RecordedAt: utcTime(e.RecordedAt)})
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
	if in := s.Infusion; in != nil {
		st := s.InfusionNow
		ai := &apiInfusion{StartedAt: utcTime(in.StartedAt), Minutes: in.Minutes, Pauses: []apiPause{},
			StoppedAt: utcTimePtr(in.StoppedAt), StopReason: in.StopReason, State: st.State,
			DeliveredSeconds: seconds(st.Delivered), RemainingSeconds: seconds(st.Remaining),
			PausedForSeconds: seconds(st.PausedFor), DeliveredFraction: st.DeliveredFraction, ExpectedEnd: utcTime(st.ExpectedEnd)}
		for _, p := range in.Pauses {
			ai.Pauses = append(ai.Pauses, apiPause{At: utcTime(p.At), ResumedAt: utcTimePtr(p.ResumedAt), Reason: p.Reason})
		}
		out.Infusion = ai
	}
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
		out.VitalsSchedule = append(out.VitalsSchedule, toAPICheck(d))
	}
	if s.NextCheck != nil {
		c := toAPICheck(*s.NextCheck)
		out.NextCheck = &c
	}
	for _, a := range s.Alerts {
		ids := []string{}
		ids = append(ids, a.ReadingIDs...)
		out.Alerts = append(out.Alerts, apiSessionAlert{Kind: a.Kind, At: utcTime(a.At), Reason: a.Reason, ReadingIDs: ids,
			SuggestPauseInfusion: a.SuggestPauseInfusion})
	}
	for _, e := range s.Adverse {
		out.AdverseEvents = append(out.AdverseEvents, toAPIAdverse(e))
	}
	if s.Aldrete.Assessed() {
		a := toAPIAldrete(s.Aldrete)
		out.Aldrete = &a
	}
	if r := s.REMS; r != nil {
		out.REMSForm = &apiREMSStatus{ID: r.ID, State: remsState(*r, now), GeneratedAt: utcTime(r.GeneratedAt),
			DueBy: utcTime(r.DueBy), SubmittedAt: utcTimePtr(r.SubmittedAt)}
	}
	return out
}

func remsState(r store.REMSRow, now time.Time) discharge.FormState {
	var sub time.Time
	if r.SubmittedAt != nil {
		sub = *r.SubmittedAt
	}
	return discharge.FormStatus(r.DueBy, sub, now)
}

// visitID is the visit a request names in its path.
func visitID(r *http.Request) string { return r.PathValue("id") }

// sessionView reads the session of the request's visit, for a write to
// answer with what it recorded (a service that returns nothing). The read
// is audited as any read of the visit.
func (s *Server) sessionView(r *http.Request, actor access.Actor) (*app.SessionView, error) {
	screen, err := s.app.Visit(r.Context(), actor, visitID(r))
	if err != nil {
		return nil, err
	}
	if screen.Session == nil {
		return nil, ketaflow.Errorf(ketaflow.EForbidden, "your role may not see the session")
	}
	return screen.Session, nil
}

func (s *Server) apiOrderDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Only a prescriber orders: refused callers hear so whatever they sent.
	in, err := authorizedBody[app.OrderInput](s, r, actor, access.DoseOrder, access.CatDose)
	if err != nil {
		return err
	}
	o, err := s.app.OrderDose(r.Context(), actor, visitID(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAPIOrder(o))
	return nil
}

func (s *Server) apiPrepareDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.PrepareInput](s, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	p, err := s.app.PrepareDose(r.Context(), actor, visitID(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAPIPreparation(p, in.LotID))
	return nil
}

func (s *Server) apiVerifyDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](s, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	p, err := s.app.VerifyDose(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	// The check is recorded; the answer names the lot, which the session
	// holds.
	out := toAPIPreparation(p, "")
	if sv, err := s.sessionView(r, actor); err == nil && sv.Preparation != nil {
		out.LotID = sv.Preparation.LotID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiStartDosing(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](s, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	v, err := s.app.StartDosing(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"visit": s.visitOut(r.Context(), actor, v)})
	return nil
}

// atInput is the body of a session moment: when it happened, now when left
// out.
type atInput struct {
	At time.Time `json:"at"`
}

// eventAt is the time a session moment is recorded at: the one given, or
// the server's now.
func (s *Server) eventAt(at time.Time) time.Time {
	if at.IsZero() {
		return s.app.Clock.Now()
	}
	return at
}

func (s *Server) apiAdminister(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedOptionalBody[atInput](s, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	at := s.eventAt(in.At)
	if err := s.app.Administer(r.Context(), actor, visitID(r), at); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"visit_id": visitID(r), "first_dose_at": utcTime(at)})
	return nil
}

func (s *Server) apiGiveDevice(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.DosePrepare, access.CatDose); err != nil {
		return err
	}
	var in struct {
		N  *int      `json:"n"`
		At time.Time `json:"at"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.N == nil {
		return ketaflow.Invalid("n", "say which Spravato device was used: n is 2 or 3 (device 1 is the first dose)")
	}
	at := s.eventAt(in.At)
	if err := s.app.GiveDevice(r.Context(), actor, visitID(r), *in.N, at); err != nil {
		return renameErrField(err, "device", "n")
	}
	writeJSON(w, http.StatusCreated, map[string]any{"visit_id": visitID(r), "n": *in.N, "at": utcTime(at)})
	return nil
}

func (s *Server) apiInfusionAction(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.SessionRecord, access.CatDose); err != nil {
		return err
	}
	var in struct {
		Action string `json:"action"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	switch in.Action {
	case "pause", "resume", "stop":
	default:
		return ketaflow.Invalid("action", "action must be pause, resume or stop")
	}
	if err := s.app.InfusionAction(r.Context(), actor, visitID(r), in.Action, in.Reason); err != nil {
		return err
	}
	// The answer is the infusion as it now stands.
	sv, err := s.sessionView(r, actor)
	if err != nil {
		return err
	}
	out := toAPISession(*sv, s.app.Clock.Now())
	writeJSON(w, http.StatusCreated, map[string]any{"infusion": out.Infusion})
	return nil
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
}

func (s *Server) apiRecordAdverseEvent(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[adverseInput](s, r, actor, access.SessionRecord, access.CatClinical)
	if err != nil {
		return err
	}
	e, err := s.app.RecordAdverseEvent(r.Context(), actor, visitID(r), session.AdverseEvent{Kind: in.Kind, Severity: in.Severity,
		At: in.At, Action: in.Action, Note: in.Note, Amends: in.Amends, AmendReason: in.AmendReason})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAPIAdverse(e))
	return nil
}

func (s *Server) apiEndSession(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](s, r, actor, access.SessionRecord, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := s.app.EndSession(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"visit": s.visitOut(r.Context(), actor, v)})
	return nil
}

func (s *Server) apiRecordAldrete(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.DischargeRecord, access.CatClinical); err != nil {
		return err
	}
	// Each item is said outright: an item left out must not score 0.
	var in struct {
		Activity         *int `json:"activity"`
		Respiration      *int `json:"respiration"`
		Circulation      *int `json:"circulation"`
		Consciousness    *int `json:"consciousness"`
		OxygenSaturation *int `json:"oxygen_saturation"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var p ketaflow.Problems
	var a discharge.Aldrete
	for _, it := range []struct {
		key string
		src *int
		dst *int
	}{{"activity", in.Activity, &a.Activity}, {"respiration", in.Respiration, &a.Respiration},
		{"circulation", in.Circulation, &a.Circulation}, {"consciousness", in.Consciousness, &a.Consciousness},
		{"oxygen_saturation", in.OxygenSaturation, &a.OxygenSaturation}} {
		if it.src == nil {
			p.Add(it.key, "score %s from 0 to 2", it.key)
			continue
		}
		*it.dst = *it.src
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := s.app.RecordAldrete(r.Context(), actor, visitID(r), a); err != nil {
		return err
	}
	// The answer is the score as recorded: its time and assessor.
	sv, err := s.sessionView(r, actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAPIAldrete(sv.Aldrete))
	return nil
}

func (s *Server) apiRecordDischargeFacts(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.DischargeFacts](s, r, actor, access.DischargeRecord, access.CatVisit)
	if err != nil {
		return err
	}
	if err := s.app.RecordDischargeFacts(r.Context(), actor, visitID(r), in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIDischargeFacts(in))
	return nil
}

func (s *Server) apiRecordMedications(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[map[string]any](s, r, actor, access.DischargeRecord, access.CatClinical)
	if err != nil {
		return err
	}
	// Every class is answered yes or no: "no" is said, not assumed.
	var m discharge.Medications
	var p ketaflow.Problems
	fields := []struct {
		field string
		dst   *discharge.YesNo
	}{{"benzodiazepines", &m.Benzodiazepines}, {"non_benzodiazepine_sedative_hypnotics", &m.NonBenzodiazepineSedativeHypnotics},
		{"psychostimulants", &m.Psychostimulants}, {"maois", &m.MAOIs}, {"opioids", &m.Opioids}}
	known := map[string]bool{}
	for _, x := range fields {
		known[x.field] = true
		v, ok := in[x.field]
		if !ok {
			p.Add(x.field, "%s: answer yes or no", x.field)
			continue
		}
		var yn discharge.YesNo
		var err error
		switch v := v.(type) {
		case bool:
			yn = discharge.YesNoOf(v)
		case string:
			yn, err = discharge.ParseYesNo(x.field, v)
		default:
			err = ketaflow.Invalid(x.field, "not an answer")
		}
		if err != nil {
			p.Add(x.field, "%s: answer yes or no", x.field)
			continue
		}
		*x.dst = yn
	}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if !known[k] {
			p.Add(k, "unknown field %s", k)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := s.app.RecordMedications(r.Context(), actor, visitID(r), m); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// apiDischargeBlocked is the 422 answer to a discharge the criteria refuse:
// the error, and each criterion not met.
type apiDischargeBlocked struct {
	Error apiErrorBody          `json:"error"`
	Unmet []discharge.Criterion `json:"unmet"`
}

func (s *Server) apiDischarge(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.VisitMove, access.CatVisit); err != nil {
		return err
	}
	var in struct {
		To string `json:"to"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	to := visits.State(in.To)
	if to != visits.ReadyForDischarge && to != visits.Discharged {
		return ketaflow.Invalid("to", "to must be ready_for_discharge or discharged")
	}
	v, err := s.app.Discharge(r.Context(), actor, visitID(r), to)
	if ketaflow.IsCode(err, ketaflow.EBlocked) {
		s.logError(r, err)
		e := ketaflow.AsError(err)
		body := apiDischargeBlocked{Error: apiErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}, Unmet: []discharge.Criterion{}}
		// The criteria as they stand now, each with what is missing.
		if sv, verr := s.sessionView(r, actor); verr == nil {
			body.Unmet = append(body.Unmet, sv.Discharge.Unmet()...)
		}
		writeJSON(w, http.StatusUnprocessableEntity, body)
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"visit": s.visitOut(r.Context(), actor, v)})
	return nil
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
	PatientName           string                `json:"patient_name"`
	PatientREMSID         string                `json:"patient_rems_id"`
	BirthDate             ketaflow.Date         `json:"birth_date"`
	Sex                   string                `json:"sex"`
	PrescriberName        string                `json:"prescriber_name"`
	SettingName           string                `json:"setting_name"`
	SettingREMSID         string                `json:"setting_rems_id"`
	TreatmentDate         ketaflow.Date         `json:"treatment_date"`
	DoseMg                int                   `json:"dose_mg"`
	LotNumbers            []string              `json:"lot_numbers"`
	Medications           discharge.Medications `json:"medications"`
	BPBefore              apiBP                 `json:"bp_before"`
	BP40Min               apiBP                 `json:"bp_40_min"`
	BPBeforeDischarge     apiBP                 `json:"bp_before_discharge"`
	FirstDeviceAt         time.Time             `json:"first_device_at"`
	MonitoringEndedAt     time.Time             `json:"monitoring_ended_at"`
	MonitoringMinutes     int                   `json:"monitoring_minutes"`
	Sedation              discharge.YesNo       `json:"sedation"`
	Dissociation          discharge.YesNo       `json:"dissociation"`
	RespiratoryDepression discharge.YesNo       `json:"respiratory_depression"`
	ReadyToLeaveAt        *time.Time            `json:"ready_to_leave_at"`
	DueBy                 *time.Time            `json:"due_by"`
	GeneratedAt           time.Time             `json:"generated_at"`
}

func toAPIREMSFormData(f discharge.REMSForm) apiREMSFormData {
	out := apiREMSFormData{PatientName: f.PatientName, PatientREMSID: f.PatientREMSID, BirthDate: f.BirthDate, Sex: string(f.Sex),
		PrescriberName: f.PrescriberName, SettingName: f.SettingName, SettingREMSID: f.SettingREMSID,
		TreatmentDate: f.TreatmentDate, DoseMg: f.DoseMg, LotNumbers: []string{}, Medications: f.Medications,
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
}

func toAPIREMSForm(r store.REMSRow, now time.Time) apiREMSForm {
	return apiREMSForm{ID: r.ID, VisitID: r.VisitID, PatientID: r.PatientID, State: remsState(r, now),
		GeneratedAt: utcTime(r.GeneratedAt), DueBy: utcTime(r.DueBy), SubmittedAt: utcTimePtr(r.SubmittedAt),
		SubmittedBy: r.SubmittedBy, Confirmation: r.Confirm, Form: toAPIREMSFormData(r.Form)}
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
}

func (s *Server) apiREMSForms(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	list, err := s.app.REMSForms(r.Context(), actor)
	if err != nil {
		return err
	}
	out := make([]apiREMSListItem, len(list))
	for i, f := range list {
		out[i] = apiREMSListItem{ID: f.ID, VisitID: f.VisitID, PatientID: f.PatientID, PatientName: f.PatientName,
			TreatmentDate: f.Form.TreatmentDate, DoseMg: f.Form.DoseMg, State: f.State, GeneratedAt: utcTime(f.GeneratedAt),
			DueBy: utcTime(f.DueBy), SubmittedAt: utcTimePtr(f.SubmittedAt), SubmittedBy: f.SubmittedBy, Confirmation: f.Confirm}
	}
	writeJSON(w, http.StatusOK, map[string]any{"forms": out})
	return nil
}

func (s *Server) apiREMSForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	row, err := s.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIREMSForm(row, s.app.Clock.Now()))
	return nil
}

func (s *Server) apiREMSFormPDF(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	row, err := s.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	pdf, err := discharge.RenderPDF(row.Form)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="rems-`+row.Form.TreatmentDate.String()+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pdf)
	return nil
}

func (s *Server) apiAssembleREMSForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](s, r, actor, access.REMSSubmit, access.CatDose)
	if err != nil {
		return err
	}
	if _, err := s.app.AssembleREMSForm(r.Context(), actor, visitID(r)); err != nil {
		return err
	}
	row, err := s.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAPIREMSForm(row, s.app.Clock.Now()))
	return nil
}

func (s *Server) apiSubmitREMSForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.REMSSubmit, access.CatDose); err != nil {
		return err
	}
	var in struct {
		Confirmation string `json:"confirmation"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.app.SubmitREMSForm(r.Context(), actor, visitID(r), in.Confirmation); err != nil {
		return err
	}
	row, err := s.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAPIREMSForm(row, s.app.Clock.Now()))
	return nil
}
