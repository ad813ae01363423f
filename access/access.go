// Package access says who may do what. Every service call names one Action
// and asks Can(role, action) here, so the whole permission model of
// PRODUCT.md ("Who uses it") is this one file.
package access

import (
	"fmt"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
)

// Role is what a user does in the clinic.
type Role string

const (
	Admin      Role = "admin"
	Prescriber Role = "prescriber"
	Nurse      Role = "nurse"
	Therapist  Role = "therapist"
	FrontDesk  Role = "frontdesk"
)

// StaffRoles lists the roles a staff account may have, in display order.
var StaffRoles = []Role{FrontDesk, Nurse, Prescriber, Therapist, Admin}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case Admin:
		return "Clinic admin"
	case Prescriber:
		return "Prescriber"
	case Nurse:
		return "Nurse"
	case Therapist:
		return "Therapist"
	case FrontDesk:
		return "Front desk"
	}
	return string(r)
}

// ParseRole turns a role name into a Role, naming the allowed ones on error.
func ParseRole(field, s string) (Role, error) {
	r := Role(s)
	if slices.Contains(StaffRoles, r) {
		return r, nil
	}
	return "", ketaflow.Invalid(field, "role must be one of frontdesk, nurse, prescriber, therapist, admin")
}

// Action is one thing a user can ask the system to do.
type Action string

const (
	PatientList         Action = "patient.list"          // search and list patients (demographics)
	PatientCreate       Action = "patient.create"        // register a new patient
	PatientRead         Action = "patient.read"          // read the demographic record
	PatientReadClinical Action = "patient.read_clinical" // read weight, allergies, contraindications
	PatientAmend        Action = "patient.amend"         // amend demographic fields
	PatientAmendClinic  Action = "patient.amend_clinical"
	WeightRecord        Action = "weight.record"
	// RecordExport: the whole record as FHIR, every score, reading and dose.
	RecordExport Action = "record.export"
	// ReportRead: the clinic's outcome figures, counts and rates only.
	ReportRead Action = "report.read"

	// Visits, from booking to cleared for dosing.
	VisitList          Action = "visit.list"
	VisitRead          Action = "visit.read"
	VisitBook          Action = "visit.book"
	VisitMove          Action = "visit.move" // a state change; visits.CheckTransition says which role may make which
	VitalsRecord       Action = "vitals.record"
	FastingRecord      Action = "fasting.record"
	RideRecord         Action = "ride.record"
	ComfortRecord      Action = "comfort.record"
	QuestionnaireEnter Action = "questionnaire.enter"  // enter the answers a patient gave on paper or aloud (a clinician)
	QuestionnaireAmend Action = "questionnaire.amend"  // correct answers on record, with a reason (a clinician)
	QuestionnaireRead  Action = "questionnaire.read"   // see answers and scores
	TabletHandOff      Action = "questionnaire.tablet" // hand the clinic tablet to the patient to answer
	LinkCreate         Action = "questionnaire.link"
	AlertRead          Action = "alert.read"
	AlertAssess        Action = "alert.assess"      // record a risk assessment on a safety alert
	AlertAcknowledge   Action = "alert.acknowledge" // take an in-session alert, with the action taken
	AlertResolve       Action = "alert.resolve"     // close an alert with a reason
	GateOverride       Action = "gate.override"
	RouteAdvice        Action = "route.advice"

	// The dose, the session and discharge.
	DoseOrder       Action = "dose.order"   // write and sign a dose order
	DosePrepare     Action = "dose.prepare" // prepare, verify (a second user) and give
	SessionRecord   Action = "session.record"
	DischargeRecord Action = "discharge.record"
	REMSRead        Action = "rems.read"
	REMSSubmit      Action = "rems.submit"
	// REMSIncomplete: record why a Spravato visit's REMS form cannot be
	// completed, so that the patient may leave with it listed as due.
	REMSIncomplete Action = "rems.incomplete"
	// FloorSheet: print the floor's downtime run sheet (every patient on
	// the floor with their dose, vitals and alerts), to chart by hand.
	FloorSheet Action = "floor.sheet"

	// The controlled-substance ledger (ketamine and esketamine, Schedule III).
	LedgerRead    Action = "ledger.read"    // lots, entries, discrepancies
	LedgerReceive Action = "ledger.receive" // stock arrives into the safe
	LedgerDraw    Action = "ledger.draw"    // stock leaves the safe for a visit
	LedgerGive    Action = "ledger.give"    // drawn drug goes into the patient
	LedgerWaste   Action = "ledger.waste"   // witnessed destruction of drug
	LedgerCount   Action = "ledger.count"   // what is in the safe; a difference raises a discrepancy
	LedgerAdjust  Action = "ledger.adjust"  // witnessed correction of on-hand, resolving a discrepancy

	// The integration session after each discharge [product brief §6]:
	// who is due, at risk or missed is read by everyone who reads the
	// schedule (the note and the journal are redacted by the app); the
	// therapist books it in their own calendar, holds it and writes its
	// note; a clinician hands the tablet to the patient for the journal.
	IntegrationList Action = "integration.list"
	IntegrationRead Action = "integration.read"
	IntegrationBook Action = "integration.book"
	IntegrationHold Action = "integration.hold"
	IntegrationNote Action = "integration.note"
	JournalHandOff  Action = "integration.journal_handoff"

	ProtocolRead Action = "protocol.read"
	ProtocolEdit Action = "protocol.edit"
	ClinicEdit   Action = "clinic.edit" // name, time zone, REMS setting, contacts, chairs
	ChairList    Action = "chair.list"
	// DeviceIngest: send bedside monitors' readings (a gateway's token of
	// the device scope, or the MLLP listener).
	DeviceIngest Action = "device.ingest"
	// ClockAdvance moves the training clock of a demo server forward
	// (serve --demo --clock manual); a real server has no such clock.
	ClockAdvance Action = "clock.advance"

	UserList   Action = "user.list"
	UserManage Action = "user.manage" // add users, change roles, deactivate, reset passwords
	// UserApprove decides an account request (a clinical role, a password
	// reset): another admin, or for a reset the person themself; the app
	// checks which (app/accountrequests.go).
	UserApprove Action = "user.approve"
	AuditRead   Action = "audit.read"
	// MetricsRead: the operators' figures (GET /metrics), no patient data.
	MetricsRead Action = "metrics.read"
	// OutboxRead: the queued emails to patients, with their tries and
	// errors (no message text).
	OutboxRead Action = "outbox.read"
	// Every staff member manages their own credentials.
	TokenCreate    Action = "token.create"
	TokenRevoke    Action = "token.revoke"
	TokenList      Action = "token.list"
	PasswordChange Action = "auth.password_change"
	// TwoFactorManage: set up one's own authenticator app and recovery
	// codes (app/twofactor.go).
	TwoFactorManage Action = "auth.two_factor"
	// BreakGlassOpen: open one patient's record outside one's role, with a
	// written reason, for a limited time (breakglass.go). The app refuses
	// it to a role that reads the whole record already.
	BreakGlassOpen Action = "break_glass.open"
	// BreakGlassReview: another admin marks a break-glass access as seen.
	BreakGlassReview Action = "break_glass.review"
)

var everyone = []Role{FrontDesk, Nurse, Prescriber, Therapist, Admin}

// matrix is the permission table. A role not listed for an action may not do
// it. Admins manage the clinic but do not see clinical content (PRODUCT.md:
// "must not see clinical content without a reason"); front desk sees
// demographics only.
var matrix = map[Action][]Role{
	PatientList:         everyone,
	PatientCreate:       {FrontDesk, Nurse, Prescriber, Admin},
	PatientRead:         everyone,
	PatientReadClinical: {Nurse, Prescriber, Therapist},
	PatientAmend:        {FrontDesk, Nurse, Prescriber, Admin},
	PatientAmendClinic:  {Nurse, Prescriber},
	WeightRecord:        {Nurse, Prescriber},
	RecordExport:        {Nurse, Prescriber, Therapist},
	ReportRead:          {Nurse, Prescriber, Therapist, Admin},
	VisitList:           everyone,
	VisitRead:           everyone,
	VisitBook:           {FrontDesk, Nurse, Prescriber},
	VisitMove:           {FrontDesk, Nurse, Prescriber},
	VitalsRecord:        {Nurse, Prescriber},
	FastingRecord:       {Nurse, Prescriber},
	RideRecord:          {FrontDesk, Nurse, Prescriber},
	ComfortRecord:       {FrontDesk, Nurse, Prescriber},
	// Answers are the patient's: front desk hands the tablet over or
	// sends a link, and the patient answers; only a clinician enters or
	// corrects answers in their name.
	QuestionnaireEnter: {Nurse, Prescriber},
	QuestionnaireAmend: {Nurse, Prescriber},
	QuestionnaireRead:  {Nurse, Prescriber, Therapist},
	TabletHandOff:      {FrontDesk, Nurse, Prescriber},
	LinkCreate:         {FrontDesk, Nurse, Prescriber},
	AlertRead:          {Nurse, Prescriber, Therapist},
	AlertAssess:        {Prescriber},
	// The nurse at the chair and the prescriber act on alerts; the
	// therapist reads them.
	AlertAcknowledge: {Nurse, Prescriber},
	AlertResolve:     {Nurse, Prescriber},
	GateOverride:     {Prescriber},
	RouteAdvice:      {Nurse, Prescriber},
	DoseOrder:        {Prescriber},
	DosePrepare:      {Nurse, Prescriber},
	SessionRecord:    {Nurse, Prescriber},
	DischargeRecord:  {Nurse, Prescriber},
	REMSRead:         {Nurse, Prescriber},
	REMSSubmit:       {Nurse, Prescriber},
	REMSIncomplete:   {Prescriber},
	FloorSheet:       {Nurse, Prescriber},
	IntegrationList:  everyone,
	IntegrationRead:  everyone,
	IntegrationBook:  {Therapist},
	IntegrationHold:  {Therapist},
	IntegrationNote:  {Therapist},
	JournalHandOff:   {Nurse, Prescriber, Therapist},
	ProtocolRead:     everyone,
	ProtocolEdit:     {Admin},
	OutboxRead:       {Admin},
	ClinicEdit:       {Admin},
	ChairList:        everyone,
	// A gateway's token belongs to the nurse or admin who set it up; what
	// it sends is readings, not a view of anyone's record.
	DeviceIngest:    {Nurse, Prescriber, Admin},
	ClockAdvance:    {Admin},
	UserList:        {Admin},
	UserManage:      {Admin},
	UserApprove:     everyone,
	AuditRead:       {Admin},
	MetricsRead:     {Admin},
	TokenCreate:     everyone,
	TokenRevoke:     everyone,
	TokenList:       everyone,
	PasswordChange:  everyone,
	TwoFactorManage: everyone,
	// Break-glass is for a named admin or clinician; front desk, who
	// arranges visits, has no clinical reason to read a record.
	BreakGlassOpen:   {Admin, Nurse, Prescriber, Therapist},
	BreakGlassReview: {Admin},
	// Admins handle discrepancies [PRODUCT.md]: they see the ledger and
	// may adjust it, with a nurse or prescriber as witness, but never
	// handle the drug itself.
	LedgerRead:    {Nurse, Prescriber, Admin},
	LedgerReceive: {Nurse, Prescriber},
	LedgerDraw:    {Nurse, Prescriber},
	LedgerGive:    {Nurse, Prescriber},
	LedgerWaste:   {Nurse, Prescriber},
	LedgerCount:   {Nurse, Prescriber},
	LedgerAdjust:  {Nurse, Prescriber, Admin},
}

// Can reports whether role may perform action.
func Can(role Role, action Action) bool {
	return slices.Contains(matrix[action], role)
}

// Actions lists every action in the matrix (for the authorization tests).
func Actions() []Action {
	out := make([]Action, 0, len(matrix))
	for a := range matrix {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Actor is who is asking: a logged-in staff user, always scoped to one
// clinic. Source is the network address the request came from, for the
// audit log.
type Actor struct {
	UserID   string
	ClinicID string
	Username string
	Name     string
	Role     Role
	Source   string
	// Token is set when the request came with an API token, whose
	// scopes are Scopes; a login or the command line has no scopes to
	// limit it.
	Token  bool
	Scopes []Scope
	// MustChangePassword: the password was set by someone else (an
	// approved reset or role grant); nothing but changing it is allowed
	// until the person does.
	MustChangePassword bool
	// Glass is the person's break-glass access open when the request came
	// (a browser login only: a program has no banner to show it), nil
	// when there is none.
	Glass *BreakGlass
}

// Allows reports whether the actor's credential covers scope: a login and
// the command line cover every scope, a token only its own.
func (a Actor) Allows(s Scope) bool { return !a.Token || slices.Contains(a.Scopes, s) }

// Check returns an EForbidden error when the actor may not perform action.
func (a Actor) Check(action Action) error {
	if a.UserID == "" {
		return ketaflow.Errorf(ketaflow.EUnauthorized, "please log in")
	}
	if a.MustChangePassword && action != PasswordChange && action != TokenList {
		return &ketaflow.Error{Code: ketaflow.EForbidden,
			Message: "your password was set by an admin: change it under Account before anything else"}
	}
	if !Can(a.Role, action) {
		return &ketaflow.Error{Code: ketaflow.EForbidden,
			Message: fmt.Sprintf("the %s role may not do this (%s)", a.Role.Label(), action)}
	}
	return nil
}

// Data categories name the kind of data an audit entry is about.
const (
	CatDemographics  = "demographics"
	CatClinical      = "clinical"
	CatAccount       = "account"
	CatAuth          = "auth"
	CatAudit         = "audit"
	CatProtocol      = "protocol"
	CatClinic        = "clinic"
	CatVisit         = "visit"         // schedule and state of a visit
	CatVitals        = "vitals"        // vital signs and measurements
	CatQuestionnaire = "questionnaire" // answers and scores
	CatDose          = "dose"          // orders, preparations, administration
	CatUnsavedForm   = "unsaved_form"  // a form kept when its login ended before it was saved
)

// CatControlled is the category of every read and write of the
// controlled-substance ledger.
const CatControlled = "controlled_substance"

// User is a staff account of one clinic. Accounts are deactivated, never
// deleted: the audit log and the records point at them.
type User struct {
	ID          string     `json:"id"`
	ClinicID    string     `json:"clinic_id"`
	Username    string     `json:"username"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	Active      bool       `json:"active"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// MustChangePassword: set when an admin's reset or role grant was
	// approved; cleared when the person sets their own password.
	MustChangePassword bool `json:"must_change_password"`
}

// ClinicalRole reports whether a role reads and writes clinical content:
// granting one needs a second admin (finding 2 of issue 13).
func ClinicalRole(r Role) bool { return r == Nurse || r == Prescriber || r == Therapist }

// Actor returns the user as the author of a request from source.
func (u User) Actor(source string) Actor {
	return Actor{UserID: u.ID, ClinicID: u.ClinicID, Username: u.Username, Name: u.Name, Role: u.Role, Source: source,
		MustChangePassword: u.MustChangePassword}
}
