package api

import (
	"net/http"
	"reflect"
	"slices"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/web"
)

// op is one operation of the API: the endpoint the server serves and what
// openapi.json says of it. The document is generated from this table and
// the wire types it names (TestOpenAPIDocument, `go generate`), so that an
// operation cannot be served undocumented or documented unserved.
type op struct {
	Method, Pattern string
	Handle          web.Handler
	// Public operations take no login or token; every other takes either.
	Public bool
	// Core operations are served by package web, not by the API; they are
	// here to be documented.
	Core bool
	// MovesClock: see web.Endpoint.
	MovesClock bool
	// Training operations exist only on a server on the training clock
	// (serve --demo --clock manual); the document marks them and a server
	// without one serves neither them nor their description.
	Training bool

	ID          string // operationId
	Tag         string
	Summary     string
	Description string
	Query       []param
	// Headers are the request headers the operation reads (param.In is
	// "header"); an idempotent operation gets Idempotency-Key (idempotent).
	Headers []param
	In      *bodySpec // the request body; nil when the operation takes none
	Out     answerSpec
	// Fails are the error statuses the operation may answer, each with the
	// error shape (or, for a refusal that lists what blocks, its own).
	Fails []failSpec
	// Idempotent operations take an Idempotency-Key (web/idempotency.go):
	// every POST but those marked NotIdempotent, set by idempotent().
	Idempotent    bool
	NotIdempotent bool
	// Scope is the API token scope the operation needs instead of read or
	// write (web.Endpoint.Scope).
	Scope access.Scope
}

// bodySpec is a request body: a JSON object of the type.
type bodySpec struct {
	Type     reflect.Type
	Optional bool // an empty body is the same as {}
}

func body[T any]() *bodySpec         { return &bodySpec{Type: reflect.TypeFor[T]()} }
func optionalBody[T any]() *bodySpec { return &bodySpec{Type: reflect.TypeFor[T](), Optional: true} }

// answerSpec is the answer on success: its status, and the JSON type of
// its body (nil for none), or another media type.
type answerSpec struct {
	Status int
	Type   reflect.Type
	Media  string // "" is application/json
	// Headers are the answer's headers of note, by name, with what each
	// says.
	Headers map[string]string
}

// with is the answer with a header of note.
func (a answerSpec) with(header, says string) answerSpec {
	h := map[string]string{header: says}
	for k, v := range a.Headers {
		h[k] = v
	}
	a.Headers = h
	return a
}

// The headers of note of the answers.
const (
	etagSays     = `The record's version, like "v3": send it back as If-Match to amend this version`
	locationSays = "The path of what was made"
)

// ifMatch is the request header of an amendment: the version amended.
var ifMatch = param{In: "header", Name: "If-Match", Type: "string",
	Description: `The ETag of the version amended, like "v3" (or give "version" in the body); an amendment of a version that is no longer the latest is 412`}

func answer[T any](status int) answerSpec {
	return answerSpec{Status: status, Type: reflect.TypeFor[T]()}
}

func noContent() answerSpec { return answerSpec{Status: http.StatusNoContent} }

// document is the answer of GET /api/openapi.json: an OpenAPI document,
// as JSON.
func document(status int) answerSpec {
	return answerSpec{Status: status, Media: "application/json"}
}

// eventStream is a stream of server-sent events whose data are Ts.
func eventStream[T any](status int) answerSpec {
	return answerSpec{Status: status, Type: reflect.TypeFor[T](), Media: "text/event-stream"}
}

func pdf(status int) answerSpec { return answerSpec{Status: status, Media: "application/pdf"} }

// failSpec is an error status with what it means for the operation ("" is
// the status's usual meaning, failMeaning) and its body's type (nil is
// apiError).
type failSpec struct {
	Status  int
	Meaning string
	Type    reflect.Type
	// OrError: the status may also answer the plain error shape (apiError)
	// besides Type, for a refusal that is not the operation's own (a
	// reused Idempotency-Key).
	OrError bool
}

func fail(status int, meaning string) failSpec { return failSpec{Status: status, Meaning: meaning} }

func failWith[T any](status int, meaning string) failSpec {
	return failSpec{Status: status, Meaning: meaning, Type: reflect.TypeFor[T]()}
}

// fails lists error statuses: each a status (with its usual meaning) or a
// failSpec.
func fails(list ...any) []failSpec {
	out := make([]failSpec, len(list))
	for i, f := range list {
		switch f := f.(type) {
		case int:
			out[i] = failSpec{Status: f}
		case failSpec:
			out[i] = f
		default:
			panic("fails: a status or a failSpec")
		}
	}
	return out
}

// failMeaning is what an error status usually means in this API.
var failMeaning = map[int]string{
	http.StatusBadRequest:           "Invalid input: the error names the field and what is allowed",
	http.StatusUnauthorized:         "Not logged in or token not valid",
	http.StatusForbidden:            "The role may not do this, or the API token's scopes do not cover the request",
	http.StatusNotFound:             "Not found in the caller's clinic",
	http.StatusMethodNotAllowed:     "The path does not take this method; the Allow header lists those it takes",
	http.StatusConflict:             "Conflict: it exists already, changed meanwhile, or the state does not allow it",
	http.StatusPreconditionFailed:   "Changed since the version given",
	http.StatusUnsupportedMediaType: "The body is not sent as JSON (Content-Type: application/json)",
	http.StatusUnprocessableEntity:  "Blocked by a clinical rule: the message says which and why",
	http.StatusTooManyRequests:      "Too many tries; wait and try again",
	http.StatusInternalServerError:  "The server failed; the error is logged",
	http.StatusServiceUnavailable:   "The database is busy or does not answer; try again",
}

// param is a query parameter, or a header (In is "header").
type param struct {
	In                string // "" is the query
	Name, Description string
	Type, Format      string // JSON Schema type and format
	Enum              []string
	Min, Max, Default int // noLimit when not set
}

// noLimit marks a bound or default of an integer parameter that is not set.
const noLimit = -1 << 31

// idempotencyKey is the optional header of an idempotent operation.
var idempotencyKey = param{In: "header", Name: web.IdempotencyKeyHeader, Type: "string",
	Description: "A value unique to this request (draft-ietf-httpapi-idempotency-key-header), 1 to 255 printable ASCII characters, quoted or bare. A retry with the same key and the same request gets the first answer again (with `Idempotent-Replayed: true`) instead of doing the work twice, for the clinic's `security.idempotency_key_hours` (24 by default), even after a restart of the server. The same key with another request is 422 (`idempotency_key_reused`); a retry while the first is still being processed is 409 (`idempotency_key_in_flight`). An answer that is not 2xx is not kept: its retry runs again."}

// idempotent marks every POST not marked NotIdempotent as taking an
// Idempotency-Key, with the header and the 409 and 422 it may answer.
func idempotent(ops []op) []op {
	const inFlight = "a request with the same Idempotency-Key is still being processed (code idempotency_key_in_flight); retry once it has been answered"
	const reused = "the Idempotency-Key was used for another request (code idempotency_key_reused); use a new key"
	for i := range ops {
		o := &ops[i]
		if o.Method != http.MethodPost || o.NotIdempotent || o.MovesClock {
			continue
		}
		o.Idempotent = true
		o.Headers = append(o.Headers, idempotencyKey)
		o.Fails = append([]failSpec(nil), o.Fails...)
		for _, add := range []struct {
			status int
			why    string
		}{{http.StatusConflict, inFlight}, {http.StatusUnprocessableEntity, reused}} {
			j := slices.IndexFunc(o.Fails, func(f failSpec) bool { return f.Status == add.status })
			if j < 0 {
				o.Fails = append(o.Fails, failSpec{Status: add.status, Meaning: "Refused: " + add.why})
				continue
			}
			f := &o.Fails[j]
			if f.Meaning == "" {
				f.Meaning = failMeaning[f.Status]
			}
			f.Meaning += "; or " + add.why
			f.OrError = f.Type != nil
		}
	}
	return ops
}

func paramString(name, desc string) param {
	return param{Name: name, Description: desc, Type: "string"}
}
func paramID(name, desc string) param {
	return param{Name: name, Description: desc, Type: "string", Format: "uuid"}
}
func paramTime(name, desc string) param {
	return param{Name: name, Description: desc, Type: "string", Format: "date-time"}
}
func paramDate(name, desc string) param {
	return param{Name: name, Description: desc, Type: "string", Format: "date"}
}
func paramBool(name, desc string) param { return param{Name: name, Description: desc, Type: "boolean"} }
func paramEnum(name, desc string, values ...string) param {
	return param{Name: name, Description: desc, Type: "string", Enum: values}
}
func paramInt(name, desc string, min, max, def int) param {
	return param{Name: name, Description: desc, Type: "integer", Min: min, Max: max, Default: def}
}

// apiEmpty is the body of an operation that takes none: nothing, or {}.
type apiEmpty struct{}

// Endpoints is every endpoint of the JSON API: the operations of the
// table that this server serves. All but the document itself take the
// login cookie or an API bearer token.
func (h *API) Endpoints() []web.Endpoint {
	training := h.app.Training() != nil
	var out []web.Endpoint
	for _, o := range h.operations() {
		if o.Core || (o.Training && !training) {
			continue
		}
		auth := web.LoginOrToken
		if o.Public {
			auth = web.Public
		}
		out = append(out, web.Endpoint{Method: o.Method, Pattern: o.Pattern, Auth: auth, Handle: o.Handle, MovesClock: o.MovesClock,
			Idempotent: o.Idempotent, Scope: o.Scope})
	}
	return out
}

// operations is the table of the API's operations, in the document's
// order. Every operation that takes a login or token may answer 403: an API
// token is used only within its scopes (read for GET, write otherwise).
func (h *API) operations() []op {
	return idempotent(h.operationTable())
}

func (h *API) operationTable() []op {
	return []op{
		{Method: "GET", Pattern: "/healthz", Core: true, ID: "health", Tag: "system",
			Summary: "Health check: 200 when the database answers",
			Out:     answer[web.Health](200), Fails: fails(failWith[web.Health](503, "The database does not answer")),
		},
		{Method: "GET", Pattern: "/api/openapi.json", Handle: h.openAPI, Public: true, ID: "openapi", Tag: "system",
			Summary: "This document",
			Out:     document(200), Fails: nil,
		},
		{Method: "GET", Pattern: "/api/v1/me", Handle: h.me, ID: "me", Tag: "account",
			Summary: "Who the caller is",
			Out:     answer[apiMe](200), Fails: fails(401),
		},
		{Method: "GET", Pattern: "/api/v1/patients", Handle: h.listPatients, ID: "listPatients", Tag: "patients",
			Summary: "Search patients by name or MRN words, or by date of birth (YYYY-MM-DD); demographics only",
			Query: []param{
				paramString("q", ""),
				paramInt("limit", "", 1, 500, 100)},
			Out: answer[apiPatients](200), Fails: fails(400, 401, 403),
		},
		{Method: "POST", Pattern: "/api/v1/patients", Handle: h.createPatient, ID: "createPatient", Tag: "patients",
			Summary: "Register a patient; a blank MRN gets the clinic's next number",
			In:      body[patientInput](),
			Out:     answer[apiPatient](201).with("Location", locationSays).with("ETag", etagSays), Fails: fails(400, 401, 403, fail(409, "Conflict: it exists already or changed meanwhile")),
		},
		{Method: "GET", Pattern: "/api/v1/patients/{id}", Handle: h.getPatient, ID: "getPatient", Tag: "patients",
			Summary: "One patient; clinical fields only for roles that may see them",
			Out:     answer[apiPatient](200).with("ETag", etagSays), Fails: fails(401, 403, 404),
		},
		{Method: "PATCH", Pattern: "/api/v1/patients/{id}", Handle: h.amendPatient, ID: "amendPatient", Tag: "patients",
			Summary: "Amend a record: the fields given change, a new version is saved with the reason, and the old version is kept",
			In:      body[apiAmendment](), Headers: []param{ifMatch},
			Out: answer[apiPatient](200).with("ETag", etagSays), Fails: fails(400, 401, 403, 404, fail(409, "Conflict: it exists already or changed meanwhile"), fail(412, "The record changed since the version given")),
		},
		{Method: "GET", Pattern: "/api/v1/patients/{id}/fhir", Handle: h.patientFHIR, ID: "exportPatientFHIR", Tag: "patients",
			Summary:     "The patient's whole record as a FHIR R4 Bundle of type collection (nurse, prescriber, therapist)",
			Description: "Patient, Practitioner, an Encounter per visit, an Observation per vital sign, weight and PHQ-9/GAD-7 total (LOINC codes, UCUM units, blood pressure as a panel with components), a QuestionnaireResponse per questionnaire with the Questionnaire it answers, and a MedicationAdministration per dose (RxNorm). Every reference is an entry's urn:uuid fullUrl inside the Bundle.",
			Out:         answerSpec{Status: 200, Media: "application/fhir+json"}, Fails: fails(401, 403, 404),
		},
		{Method: "GET", Pattern: "/api/v1/patients/{id}/outcomes", Handle: h.patientOutcomes, ID: "patientOutcomes", Tag: "reports",
			Summary:     "The patient's courses and what each achieved: PHQ-9 and GAD-7 baseline, latest and change, response, remission, first response, relapse (nurse, prescriber, therapist)",
			Description: "Until course records exist, a course is the patient's visits on one route.",
			Out:         answer[apiPatientOutcomes](200), Fails: fails(401, 403, 404),
		},
		{Method: "GET", Pattern: "/api/v1/patients/{id}/versions", Handle: h.patientVersions, ID: "patientVersions", Tag: "patients",
			Summary: "Every saved version of the record, oldest first, with what changed",
			Out:     answer[apiPatientVersions](200), Fails: fails(401, 403, 404),
		},
		{Method: "GET", Pattern: "/api/v1/patients/{id}/weights", Handle: h.listWeights, ID: "listWeights", Tag: "patients",
			Summary: "Weight measurements, newest first",
			Out:     answer[apiWeights](200), Fails: fails(401, 403, 404),
		},
		{Method: "POST", Pattern: "/api/v1/patients/{id}/weights", Handle: h.recordWeight, ID: "recordWeight", Tag: "patients",
			Summary: "Record a weight measurement",
			In:      body[apiNewWeight](),
			Out:     answer[apiWeight](201), Fails: fails(400, 401, 403, 404),
		},
		{Method: "GET", Pattern: "/api/v1/users", Handle: h.listUsers, ID: "listUsers", Tag: "users",
			Summary: "Staff of the clinic (admin)",
			Out:     answer[apiUsers](200), Fails: fails(401, 403),
		},
		{Method: "POST", Pattern: "/api/v1/users", Handle: h.createUser, ID: "createUser", Tag: "users",
			Summary:     "Add a staff account (admin)",
			Description: "An account asked for with a clinical role (nurse, prescriber, therapist) is made as front desk, with an account request for the role that a second admin approves (POST /api/v1/account-requests/{id}/approval).",
			In:          body[apiNewUser](),
			Out:         answer[apiUser](201).with("Location", locationSays), Fails: fails(400, 401, 403, fail(409, "Conflict: it exists already or changed meanwhile")),
		},
		{Method: "PATCH", Pattern: "/api/v1/users/{id}", Handle: h.updateUser, ID: "updateUser", Tag: "users",
			Summary: "Change a staff account's name, role or active flag (admin); ends its logins and tokens on a role change or deactivation",
			In:      body[apiUserChange](),
			Out:     answer[apiUser](200),
			Fails: fails(400, 401, 403, 404, fail(409, "Granting a clinical role or resetting another person's password needs a second admin: "+
				"POST /api/v1/account-requests")),
		},
		{Method: "GET", Pattern: "/api/v1/account-requests", Handle: h.accountRequests, ID: "listAccountRequests", Tag: "users",
			Summary: "Account requests waiting for a second admin, and those decided in the last 30 days (admin)",
			Out:     answer[apiAccountRequests](200), Fails: fails(401, 403),
		},
		{Method: "POST", Pattern: "/api/v1/account-requests", Handle: h.requestAccountChange, ID: "requestAccountChange", Tag: "users",
			Summary: "Ask for a clinical role or another person's password reset, for a second admin to approve (admin)",
			In:      body[apiNewAccountRequest](),
			Out:     answer[apiAccountRequest](201),
			Fails:   fails(400, 401, 403, 404, fail(409, "A request of the kind waits already for the account")),
		},
		{Method: "POST", Pattern: "/api/v1/account-requests/{id}/approval", Handle: h.approveAccountRequest, ID: "approveAccountRequest", Tag: "users",
			Summary:     "Approve an account request: another admin, or for a password reset the person themself",
			Description: "Applies the change, makes the person change their password at their next sign-in, and ends every login and API token of the account.",
			Out:         answer[apiAccountRequest](200),
			Fails:       fails(401, fail(403, "The caller asked for it, or is neither another admin nor (for a reset) the person"), 404, fail(409, "Decided already")),
		},
		{Method: "POST", Pattern: "/api/v1/account-requests/{id}/refusal", Handle: h.refuseAccountRequest, ID: "refuseAccountRequest", Tag: "users",
			Summary: "Refuse an account request (an admin; the one who asked withdraws it so)",
			Out:     answer[apiAccountRequest](200),
			Fails:   fails(401, 403, 404, fail(409, "Decided already")),
		},
		{Method: "GET", Pattern: "/api/v1/audit", Handle: h.audit, ID: "searchAudit", Tag: "audit",
			Summary: "Audit log entries of the clinic, newest first (admin)",
			Query: []param{
				paramString("patient_id", ""),
				paramString("user_id", ""),
				paramString("action", "Action prefix, e.g. patient."),
				paramTime("from", ""),
				paramTime("to", ""),
				paramInt("limit", "", 1, 1000, 200),
				paramInt("before_seq", "Page back: entries before this sequence number", 1, noLimit, noLimit)},
			Out: answer[apiAuditEntries](200), Fails: fails(400, 401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/tokens", Handle: h.listTokens, ID: "listTokens", Tag: "account",
			Summary: "The caller's API tokens",
			Out:     answer[apiTokens](200), Fails: fails(401),
		},
		{Method: "POST", Pattern: "/api/v1/tokens", Handle: h.createToken, ID: "createToken", Tag: "account",
			Summary:     "Make an API token acting as the caller; the secret is returned once",
			Description: "Only a signed-in browser login may make a token (or ketaflow token add on the server): a request made with an API token is refused with 403. The token ends after expires_in_days (at most 365; the clinic's setting by default) and may be used only within its scopes.",
			// The secret is shown once and never stored: no answer of it
			// is kept for a retry.
			NotIdempotent: true,
			In:            body[apiNewToken](),
			Out:           answer[apiTokenMade](201),
			Fails:         []failSpec{fail(400, ""), fail(401, ""), fail(403, "the request was made with an API token: tokens do not make tokens")},
		},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Handle: h.revokeToken, ID: "revokeToken", Tag: "account",
			Summary: "Revoke one of the caller's tokens",
			Out:     noContent(), Fails: fails(401, 404),
		},
		{Method: "GET", Pattern: "/api/v1/protocol", Handle: h.protocol, ID: "getProtocol", Tag: "protocol",
			Summary: "The clinic's current protocol: every clinical rule",
			Out:     answer[apiProtocolVersion](200), Fails: fails(401),
		},
		{Method: "GET", Pattern: "/api/v1/protocol/params", Handle: h.protocolParams, ID: "protocolParams", Tag: "protocol",
			Summary: "Every protocol setting with its group, unit, allowed range, source and current value",
			Out:     answer[apiParams](200), Fails: fails(401),
		},
		{Method: "GET", Pattern: "/api/v1/protocol/versions", Handle: h.protocolVersions, ID: "protocolVersions", Tag: "protocol",
			Summary: "Every version, newest first",
			Out:     answer[apiProtocolVersions](200), Fails: fails(401),
		},
		{Method: "POST", Pattern: "/api/v1/protocol/versions", Handle: h.saveProtocol, ID: "saveProtocol", Tag: "protocol",
			Summary: "Save a new version with some settings changed (admin); values out of range or inconsistent are refused, each named",
			In:      body[apiNewProtocolVersion](),
			Out:     answer[apiProtocolVersion](201).with("Location", locationSays), Fails: fails(400, 401, 403, 409, fail(412, "Changed since the version given")),
		},
		{Method: "GET", Pattern: "/api/v1/protocol/versions/{number}", Handle: h.protocolVersion, ID: "protocolVersion", Tag: "protocol",
			Summary: "One version, as visits judged by it saw it",
			Out:     answer[apiProtocolVersion](200), Fails: fails(401, 404),
		},
		{Method: "GET", Pattern: "/api/v1/clinic", Handle: h.clinic, ID: "getClinic", Tag: "clinic",
			Summary: "The caller's clinic",
			Out:     answer[apiClinic](200), Fails: fails(401),
		},
		{Method: "PATCH", Pattern: "/api/v1/clinic", Handle: h.updateClinic, ID: "updateClinic", Tag: "clinic",
			Summary: "Change the clinic's name, time zone, REMS certification or contacts (admin)",
			In:      body[apiClinicChange](),
			Out:     answer[apiClinic](200), Fails: fails(400, 401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/clock", Handle: h.clock, ID: "getTrainingClock", Tag: "clinic",
			Summary:     "The training clock's time (demo servers only)",
			Description: "Every time the server records and shows is the training clock's. Only on a server started with `ketaflow serve --demo --clock manual`, whose database holds nothing but the demo clinic; on any other server the path does not exist (404) and this document leaves it out.",
			Out:         answer[apiTrainingClock](200), Fails: fails(401, fail(404, "This server is not on a training clock: the path does not exist")),
			Training: true,
		},
		{Method: "POST", Pattern: "/api/v1/clock", Handle: h.advanceClock, MovesClock: true, ID: "advanceTrainingClock", Tag: "clinic",
			Summary:     "Move the training clock forward (admin; demo servers only)",
			Description: "Moves the clock forward once every write in flight has finished, and audits who moved it by how much. Open logins move with it, so nobody is logged out by the move. Only on a server started with `ketaflow serve --demo --clock manual`, whose database holds nothing but the demo clinic; on any other server the path does not exist (404) and this document leaves it out.",
			In:          body[apiClockAdvance](),
			Out:         answer[apiTrainingClock](200), Fails: fails(400, 401, 403, fail(404, "This server is not on a training clock: the path does not exist")),
			Training: true,
		},
		{Method: "POST", Pattern: "/api/v1/devices/readings", Handle: h.ingestReadings, ID: "ingestDeviceReadings", Tag: "devices",
			Summary:     "Send a batch of bedside monitor readings (an API token of the device scope)",
			Description: "Each reading goes to the visit in its monitor's chair, or is kept as unassigned with the reason. Readings drive the in-session SpO2 alert at once and show on the board; they enter the chart only when a nurse validates one. Send an Idempotency-Key: a retried batch is stored once.",
			Scope:       access.ScopeDevice,
			In:          body[apiDeviceBatch](),
			Out:         answer[apiIngested](200), Fails: fails(400, 401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/monitors", Handle: h.monitors, ID: "listMonitors", Tag: "devices",
			Summary: "The clinic's bedside monitors, the chair each is assigned to, and the device code table",
			Out:     answer[apiMonitors](200), Fails: fails(401),
		},
		{Method: "POST", Pattern: "/api/v1/monitors", Handle: h.addMonitor, ID: "addMonitor", Tag: "devices",
			Summary: "Add a bedside monitor by the key it sends, optionally assigned to a chair (admin)",
			In:      body[apiNewMonitor](),
			Out:     answer[apiMonitor](201), Fails: fails(400, 401, 403, 409),
		},
		{Method: "PATCH", Pattern: "/api/v1/monitors/{id}", Handle: h.updateMonitor, ID: "updateMonitor", Tag: "devices",
			Summary: "Rename a monitor or assign it to another chair (an empty chair_id: to none) (admin)",
			In:      body[apiMonitorChange](),
			Out:     answer[apiMonitor](200), Fails: fails(400, 401, 403, 404),
		},
		{Method: "POST", Pattern: "/api/v1/monitors/codes", Handle: h.addMonitorCode, ID: "addMonitorCode", Tag: "devices",
			Summary: "Add a device's own observation code to the clinic's table: which vital it is, in which unit (admin)",
			In:      body[apiDeviceCode](),
			Out:     answer[apiDeviceCode](201), Fails: fails(400, 401, 403, 409),
		},
		{Method: "GET", Pattern: "/api/v1/visits/{id}/monitor", Handle: h.visitMonitor, ID: "visitMonitor", Tag: "devices",
			Summary: "The visit's bedside monitor readings of the last 20 minutes: the live trend, not charted until a nurse validates one",
			Out:     answer[apiMonitorTrend](200), Fails: fails(401, 404),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/monitor-readings/{reading}/validate", Handle: h.validateMonitorReading,
			ID: "validateMonitorReading", Tag: "devices",
			Summary: "A nurse puts a monitor reading into the chart: it becomes a charted reading at the monitor's time",
			Out:     answer[apiVitalsAnswer](201), Fails: fails(401, 403, 404, 409, 422),
		},
		{Method: "GET", Pattern: "/api/v1/chairs", Handle: h.chairs, ID: "listChairs", Tag: "clinic",
			Summary: "The clinic's treatment chairs",
			Out:     answer[apiChairs](200), Fails: fails(401),
		},
		{Method: "POST", Pattern: "/api/v1/chairs", Handle: h.addChair, ID: "addChair", Tag: "clinic",
			Summary: "Add a chair (admin)",
			In:      body[apiNewChair](),
			Out:     answer[apiChair](201), Fails: fails(400, 401, 403, 409),
		},
		{Method: "PATCH", Pattern: "/api/v1/chairs/{id}", Handle: h.updateChair, ID: "updateChair", Tag: "clinic",
			Summary: "Rename a chair or take it out of (or back into) service (admin); chairs are never deleted",
			In:      body[apiChairChange](),
			Out:     answer[apiChair](200), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "GET", Pattern: "/api/v1/visits", Handle: h.schedule, ID: "listVisits", Tag: "visits",
			Summary: "The clinic's visits of one day, by time",
			Query: []param{
				paramDate("date", "A day in the clinic's time zone (YYYY-MM-DD); today when absent")},
			Out: answer[apiSchedule](200), Fails: fails(400, 401, 403),
		},
		{Method: "POST", Pattern: "/api/v1/visits", Handle: h.bookVisit, ID: "bookVisit", Tag: "visits",
			Summary: "Book a visit (front desk, nurse, prescriber) under the clinic's current protocol",
			In:      body[apiBooking](),
			Out:     answer[apiVisit](201).with("Location", locationSays), Fails: fails(400, 401, 403, 409),
		},
		{Method: "GET", Pattern: "/api/v1/visits/{id}", Handle: h.getVisit, ID: "getVisit", Tag: "visits",
			Summary:     "The visit screen: the visit, the patient, the gate with its checks, the facts, vitals, questionnaires, alerts, transitions, the protocol version and the steps the caller may take next (actions)",
			Description: "Front desk and admins get no vitals, no scores, no alerts, no clinical reasons and no clinical gate check (clinical_hidden is true); every read is audited. For nurses, prescribers and therapists it includes the session: the order, the preparation with its worked figures, the first dose, the phase clock, the infusion or Spravato devices, the vitals schedule, in-session alerts, adverse events and every discharge criterion. actions lists each step the caller may take on the visit as it stands, allowed now or not with the reason; every write of the visit asks the same rule, so a client follows the actions instead of re-deriving them.",
			Out:         answer[apiVisitScreen](200), Fails: fails(401, 403, 404),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/transitions", Handle: h.moveVisit, ID: "moveVisit", Tag: "visits",
			Summary:     "Move a visit: check in, cancel, not cleared, back to the gate",
			Description: "Checking in records the clinic's current protocol version: the gate judges the visit by it. Clearing goes through POST .../clear (asking for \"cleared\" here is 422). The first dose and the end of the session have their own calls (POST .../administrations, .../session-end): asking for in_session, or for recovering from in_session, here is 409. Discharge goes through POST .../discharge.",
			In:          body[apiMove](),
			Out:         answer[apiVisit](200), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked by a clinical rule: the message says which and why")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/clear", Handle: h.clearVisit, ID: "clearVisit", Tag: "visits",
			Summary:     "Clear a checked-in visit for dosing (nurse, prescriber) when no gate check blocks",
			Description: "The gate is judged in the same transaction as the move, with the visit locked: no block can slip in between. A cleared visit goes back to checked_in by itself when a blocking fact arrives.",
			Out:         answer[apiCleared](200), Fails: fails(401, 403, 404, 409, failWith[apiBlocked](422, "Blocked: the gate has a block without an override; the body lists the blocking checks")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/vitals", Handle: h.recordVitals, ID: "recordVitals", Tag: "visits",
			Summary: "Record vital signs (nurse, prescriber); a repeat is a new reading and the gate uses the latest",
			In:      body[vitalsInput](),
			Out:     answer[apiVitalsAnswer](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked: the time stated is before the moment it may be (check-in, the start of dosing, the first dose); the message names it")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/weights", Handle: h.recordVisitWeight, ID: "recordVisitWeight", Tag: "visits",
			Summary: "Weigh the patient at the visit (nurse, prescriber): the weight goes to the patient's record and the gate is judged again",
			In:      body[apiNewWeight](),
			Out:     answer[apiVisitWeight](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "PUT", Pattern: "/api/v1/visits/{id}/fasting", Handle: h.recordFasting, ID: "recordFasting", Tag: "visits",
			Summary: "Record what the patient states about their last food and drink (nurse, prescriber); the latest statement counts, every one is kept",
			In:      body[apiFastingAnswers](),
			Out:     answer[apiFastingAnswer](200), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "PUT", Pattern: "/api/v1/visits/{id}/ride", Handle: h.recordRide, ID: "recordRide", Tag: "visits",
			Summary: "Record the driver who takes the patient home (front desk, nurse, prescriber): no driver, no dosing",
			In:      body[apiRide](),
			Out:     answer[apiRideAnswer](200), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "PUT", Pattern: "/api/v1/visits/{id}/comfort", Handle: h.recordComfort, ID: "recordComfort", Tag: "visits",
			Summary: "Save the patient's comfort preferences for the chair",
			In:      body[apiComfort](),
			Out:     answer[apiVisit](200), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/overrides", Handle: h.overrideCheck, ID: "overrideCheck", Tag: "visits",
			Summary:     "Override one gate block with a written reason (prescriber)",
			Description: "The override covers the finding as it stands now (its evidence): a new, different reading blocks again. The ride home, an open safety alert, a missing PHQ-9, missing vitals, missing fasting answers, weight and REMS cannot be overridden (422 blocked); a check that passes or only warns has nothing to override (400).",
			In:          body[apiOverrideInput](),
			Out:         answer[apiGateAnswer](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked by a clinical rule: the message says which and why")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/questionnaires", Handle: h.submitQuestionnaires, ID: "submitQuestionnaires", Tag: "visits",
			Summary:     "Enter the PHQ-9 and GAD-7 a patient answered on paper or aloud (a nurse or prescriber)",
			Description: "One set of answers is kept per visit and questionnaire: answers to a questionnaire the visit has already (from the tablet, a link or here) are refused with 409, and a correction is an amendment. Front desk cannot enter answers: the patient answers on the clinic tablet or from a link. PHQ-9 item 9 above the protocol's limit raises a safety alert to the prescriber at once; the answer says so and carries the crisis resources to show.",
			In:          body[apiQuestionnaireAnswers](),
			Out:         answer[apiSubmitted](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/questionnaires/{instrument}/amendments", Handle: h.amendQuestionnaire, ID: "amendQuestionnaire", Tag: "visits",
			Summary:     "Amend a visit's answers to one questionnaire, with a reason (a nurse or prescriber)",
			Description: "The amended answers become the next version and the gate reads them; the earlier versions stay, with who entered them, when and why. Name the current version in amends: two people amending at once do not both land. An amendment that raises PHQ-9 item 9 raises a safety alert as a first submission does; one that lowers it leaves an open alert open.",
			In:          body[apiQuestionnaireAmendment](),
			Out:         answer[apiAmended](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/links", Handle: h.createLink, ID: "createQuestionnaireLink", Tag: "visits",
			Summary:     "Make a one-time link for the patient to answer PHQ-9 and GAD-7 on their phone",
			Description: "The link works once and expires after the protocol's hours. Its token is shown only in this answer: only its hash is stored.",
			Out:         answer[apiQuestionnaireLink](201), Fails: fails(401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/check-ins/{token}", Handle: h.submitCheckIn, Public: true, ID: "submitCheckIn", Tag: "visits",
			Summary: "The patient's morning-after check-in, from the token of the link they were emailed (no login)",
			Description: "The link works once and expires after the protocol's integration.check_in_link_hours. A visit has one check-in: " +
				"a second submission is refused with 409 and the first answers stay as given. A worrying answer (the safety question " +
				"answered yes, or a mood at or below integration.check_in_low_mood_at_or_below) raises an alert to the prescriber and " +
				"the therapist at once; the answer then carries the crisis resources to show.",
			In:  body[apiCheckInAnswers](),
			Out: answer[apiCheckInSaved](201), Fails: fails(400, 404, 409),
		},
		{Method: "GET", Pattern: "/api/v1/outbox", Handle: h.outbox, ID: "getOutbox", Tag: "clinic",
			Summary:     "The queue of emails to patients (an admin): sent, failed, retrying and waiting, with their tries and errors",
			Description: "No message text. Without an SMTP server (serve --smtp-url) nothing is sent and not_configured says so.",
			Out:         answer[apiOutbox](200), Fails: fails(401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/board", Handle: h.board, ID: "getBoard", Tag: "board",
			Summary: "The floor board: one tile per chair with its visit, phase, devices, vitals due, alerts and the next booking",
			Description: "Redacted by role: front desk and admin see who is where, route, state, comfort and the blocks they act on " +
				"(ride home, REMS), nothing clinical. cursor is where GET /api/v1/board/events resumes for this reading.",
			Out: answer[apiBoard](200), Fails: fails(401),
		},
		{Method: "GET", Pattern: "/api/v1/board/events", Handle: h.boardEvents, ID: "streamBoardEvents", Tag: "board",
			Summary: "The board's live stream (server-sent events): ready, visit, alerts, floor, integration and resync, each with an id",
			Description: "Each event's data is a BoardEvent: its topic and visit, never what changed; read GET /api/v1/board again. " +
				"Resume with the Last-Event-ID header (or last_event_id) after a dropped connection: the events missed are sent " +
				"in order, or resync when the id cannot be placed (a restarted server, too old).",
			Query:   []param{paramString("last_event_id", "The id of the last event received, as Last-Event-ID")},
			Headers: []param{{In: "header", Name: "Last-Event-ID", Type: "string", Description: "The id of the last event received (EventSource sends it on reconnecting)"}},
			Out:     eventStream[apiBoardEvent](200), Fails: fails(401),
		},
		{Method: "GET", Pattern: "/api/v1/board/downtime.pdf", Handle: h.downtimeSheet, ID: "getDowntimeSheet", Tag: "board",
			Summary: "The floor's downtime run sheet as a PDF, to chart by hand if the network fails (nurse, prescriber)",
			Description: "Each patient on the floor in the board's order: identity, allergies, route, dose, first dose, latest " +
				"vitals, open alerts and what is due within the hour, with empty rows to chart on.",
			Out: pdf(200), Fails: fails(401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/integration", Handle: h.integrationWorklist, ID: "listIntegration", Tag: "integration",
			Summary: "The integration sessions at risk, due, missed and recently held: a therapist's worklist",
			Description: "After each discharge an integration session with the patient's therapist is due within integration.window_hours " +
				"(48 by default, elapsed hours from the discharge). At risk: less than integration.at_risk_hours left. Missed: not held " +
				"when the window closed, listed for integration.missed_shown_days. A therapist gets their own sessions and those nobody " +
				"holds yet unless scope=all; every other role gets all. Notes and journal are not in the lists.",
			Query: []param{paramEnum("scope", "mine (a therapist's default) or all (every other role's default)", "mine", "all")},
			Out:   answer[apiIntegrationList](200), Fails: fails(400, 401),
		},
		{Method: "GET", Pattern: "/api/v1/visits/{id}/integration", Handle: h.integration, ID: "getIntegration", Tag: "integration",
			Summary:     "The integration session of a discharged visit, with its booking, hold, signed notes and the patient's journal",
			Description: "Front desk and admins get no notes or journal (content_hidden is true). actions lists what the caller may do now, with the reason when not.",
			Out:         answer[apiIntegration](200), Fails: fails(401, 404),
		},
		{Method: "PUT", Pattern: "/api/v1/visits/{id}/integration/booking", Handle: h.bookIntegration, ID: "bookIntegration", Tag: "integration",
			Summary: "Book the integration session in your own calendar, in person or by video (therapist)",
			Description: "The session lasts integration.session_minutes. Booking again replaces the booking, which stays on record. A time when " +
				"you are booked for another integration session is 409 on starts_at, naming the clash and offering the nearest free times.",
			In:  body[apiBookingInput](),
			Out: answer[apiIntegration](200), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "PUT", Pattern: "/api/v1/visits/{id}/integration/held", Handle: h.holdIntegration, ID: "holdIntegration", Tag: "integration",
			Summary:     "Mark the integration session held (its therapist)",
			Description: "held_at may not be in the future nor before the discharge. Once only (409 after).",
			In:          body[apiHeldInput](),
			Out:         answer[apiIntegration](200), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/integration/notes", Handle: h.writeIntegrationNote, ID: "writeIntegrationNote", Tag: "integration",
			Summary:     "Sign a note of the held integration session (its therapist)",
			Description: "A signed note is never changed; correct it with an amendment.",
			In:          body[apiNoteInput](),
			Out:         answer[apiIntegration](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/integration/notes/{note}/amendments", Handle: h.amendIntegrationNote, ID: "amendIntegrationNote",
			Tag: "integration", Summary: "Amend a signed note with the reason (the therapist who signed it)",
			Description: "The original and every earlier amendment stay; the newest amendment is what counts now.",
			In:          body[apiAmendmentInput](),
			Out:         answer[apiIntegration](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "GET", Pattern: "/api/v1/alerts", Handle: h.alerts, ID: "listAlerts", Tag: "alerts",
			Summary:     "The clinic's alerts, what needs someone first (open, then acknowledged; the most severe first)",
			Description: "Escalations that came due are recorded as the list is read. Every alert not resolved is listed; the resolved ones are paged.",
			Query: []param{
				paramEnum("state", "open, acknowledged or resolved; absent or empty: every alert not resolved", "open", "acknowledged", "resolved", ""),
				paramID("visit_id", "Only this visit's alerts"),
				paramBool("open", "true: the same as state=open"),
				paramInt("page", "With state=resolved: the page of the resolved alerts, newest first, 50 a page, from 1. The alerts not resolved are listed whole.", 1, noLimit, 1)},
			Out: answer[apiAlerts](200), Fails: fails(400, 401, 403),
		},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/assessments", Handle: h.assessAlert, ID: "assessAlert", Tag: "alerts",
			Summary: "Record a risk assessment on a PHQ-9 item 9 alert (prescriber): its acknowledgement",
			In:      body[apiAssessmentInput](),
			Out:     answer[apiAlert](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/acknowledgement", Handle: h.acknowledgeAlert, ID: "acknowledgeAlert", Tag: "alerts",
			Summary:     "Acknowledge an alert with the action taken (nurse, prescriber)",
			Description: "A named person takes the alert, as the alert's actions say (acknowledge_alert). A PHQ-9 item 9 alert is acknowledged by its risk assessment instead (409). An urgent or severe alert raised for the prescriber is acknowledged by a prescriber only (403): a nurse records what they did as a note (POST /api/v1/alerts/{id}/notes), and the alert stays open for the prescriber and escalates until one acknowledges it. An urgent or severe alert whose condition cleared before anyone took it is resolved with its acknowledgement. A second acknowledgement is refused (409, naming who took it).",
			In:          body[apiAcknowledgementInput](),
			Out:         answer[apiAlert](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/notes", Handle: h.noteAlert, ID: "noteAlert", Tag: "alerts",
			Summary:     "Record what you did about an alert a prescriber takes (nurse)",
			Description: "A clinician who may not take the alert (a nurse, on an urgent or severe alert for the prescriber or a PHQ-9 item 9 alert) records what they did, kept with their name in the alert's notes. A note is not an acknowledgement: the alert stays open, counted for the prescriber and escalating until a prescriber takes it. Refused (409) for whoever may take the alert themselves (note_alert is then not among its actions), and on a resolved alert.",
			In:          body[apiAlertNoteInput](),
			Out:         answer[apiAlert](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/resolution", Handle: h.resolveAlert, ID: "resolveAlert", Tag: "alerts",
			Summary:     "Resolve an alert with a reason (nurse, prescriber)",
			Description: "Closes an alert that is over, or was not what it seemed, as the alert's actions say (resolve_alert): only once someone acknowledged it or its condition cleared (422 before: closing an open alert would stop its escalation while the reading may still hold). An urgent or severe alert for the prescriber, cleared but not acknowledged, is resolved by a prescriber only (403). A PHQ-9 item 9 alert needs its risk assessment first (422). A resolved alert is refused (409). A reading worse than every one recorded before a resolution, while its condition still holds, raises the alert again as a new one.",
			In:          body[apiResolutionInput](),
			Out:         answer[apiAlert](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked by a clinical rule: the message says which and why")),
		},
		{Method: "GET", Pattern: "/api/v1/notices", Handle: h.notices, ID: "listNotices", Tag: "alerts",
			Summary: "What is due now at the clinic's running sessions: vitals checks due or overdue and Spravato devices due, in the shape of an alert",
			Out:     answer[apiNotices](200), Fails: fails(401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/patients/{id}/visits", Handle: h.patientVisits, ID: "listPatientVisits", Tag: "patients",
			Summary: "A patient's visits, newest first",
			Out:     answer[apiVisitList](200), Fails: fails(401, 403, 404),
		},
		{Method: "GET", Pattern: "/api/v1/patients/{id}/chart", Handle: h.patientChart, ID: "getPatientChart", Tag: "patients",
			Summary: "The patient chart: the timeline of visits, doses, events and alerts, PHQ-9 and GAD-7 over time with the baseline and the response and remission lines, and each session's vitals with its alert limits",
			Description: "Redacted by role: front desk and admin get the record's demographics and the visits on the timeline, no scores, vitals, doses or alerts (clinical_hidden). " +
				"The baseline is the patient's first score until courses are recorded.",
			Out: answer[apiChart](200), Fails: fails(401, 403, 404),
		},
		{Method: "GET", Pattern: "/api/v1/worklist", Handle: h.worklist, ID: "getWorklist", Tag: "board",
			Summary:     "What waits for the caller: for a prescriber the risk assessments, alerts, overridable gate blocks and dose orders to sign; for a nurse the vitals checks and Spravato devices due across the floor",
			Description: "Each item names the visit (and alert) where the work is done and the step (action) that does it. Other roles get an empty list.",
			Out:         answer[apiWorklist](200), Fails: fails(401),
		},
		{Method: "GET", Pattern: "/api/v1/patients/{id}/route-advice", Handle: h.routeAdvice, ID: "adviseRoutes", Tag: "patients",
			Summary: "Rank IV, IM and Spravato for the patient's factors, with reasons (advice only: the prescriber decides)",
			Query: []param{
				paramBool("needle_fear", ""),
				paramBool("wants_insurance", ""),
				paramInt("minutes_available", "How long the patient can stay from the first dose; 0 or absent is unknown", 0, 1440, noLimit),
				paramEnum("prior.iv", "Prior response to a route; likewise prior.im and prior.spravato. Any route name goes through the route parser, so prior.oral is refused naming the supported routes. Other parameters are refused.", "good", "partial", "none", "unknown"),
				paramEnum("prior.im", "", "good", "partial", "none", "unknown"),
				paramEnum("prior.spravato", "", "good", "partial", "none", "unknown")},
			Out: answer[apiRouteAdvice](200), Fails: fails(400, 401, 403, 404),
		},
		{Method: "GET", Pattern: "/api/v1/questionnaires", Handle: h.questionnaires, ID: "listQuestionnaires", Tag: "questionnaires",
			Summary: "PHQ-9 and GAD-7 as data: items, answer options, severity bands, the safety item and LOINC codes",
			Out:     answer[apiInstruments](200), Fails: fails(401),
		},
		{Method: "GET", Pattern: "/api/v1/lots", Handle: h.lots, ID: "listLots", Tag: "ledger",
			Summary: "The clinic's lots with their stock, the first to expire first (nurse, prescriber, admin)",
			Query: []param{
				paramBool("all", "Include empty lots (default: only lots with stock or an open discrepancy)")},
			Out: answer[apiLots](200), Fails: fails(400, 401, 403),
		},
		{Method: "POST", Pattern: "/api/v1/lots", Handle: h.receiveLot, ID: "receiveLot", Tag: "ledger",
			Summary: "Receive a delivery: creates the lot and its receipt together (nurse, prescriber)",
			In:      body[apiNewLot](),
			Out:     answer[apiLot](201).with("Location", locationSays), Fails: fails(400, 401, 403, fail(409, "The lot number of that drug is in the ledger already: record more stock as a receipt on it"), fail(422, "The lot is past its expiry")),
		},
		{Method: "GET", Pattern: "/api/v1/lots/{id}", Handle: h.lot, ID: "getLot", Tag: "ledger",
			Summary: "One lot's books: every entry in order, open draws per visit, discrepancies",
			Out:     answer[apiLotBook](200), Fails: fails(401, 403, fail(404, "No such lot in the caller's clinic")),
		},
		{Method: "POST", Pattern: "/api/v1/lots/{id}/entries", Handle: h.appendLedger, ID: "appendLedgerEntry", Tag: "ledger",
			Summary: "Record an entry on a lot: receive, waste (of stock), count or adjust. Waste and adjust are co-signed: the witness (a different active nurse or prescriber of the clinic) types their own password. Draws, gives and wastes for a visit are made by the visit's own steps (prepare, administer, waste); here they are 400 on kind or visit_id.",
			In:      body[apiNewLedgerEntry](),
			Out:     answer[apiLedgerEntryResult](201), Fails: fails(400, 401, 403, fail(404, "No such lot in the caller's clinic"), 409, fail(422, "A rule of the books forbids it now: more than is on hand, a lot past its expiry or empty; the message names the lot and why"), fail(429, "Too many wrong witness passwords; try later")),
		},
		{Method: "GET", Pattern: "/api/v1/discrepancies", Handle: h.discrepancies, ID: "listDiscrepancies", Tag: "ledger",
			Summary: "Counts that differed from the books, newest first: the open ones unless all=true",
			Query: []param{
				paramBool("all", "Include discrepancies already resolved by an adjustment")},
			Out: answer[apiDiscrepancies](200), Fails: fails(400, 401, 403),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/order", Handle: h.orderDose, ID: "orderDose", Tag: "session",
			Summary:     "Order and sign the dose (prescriber)",
			Description: "Refused naming the limit when the dose is outside the protocol's limits or the weight is older than it allows (\"re-measure\"). A new order replaces the current one, with a reason, until the dose is given; the old order stays on record.",
			In:          body[apiOrderInput](),
			Out:         answer[apiOrder](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked by a course rule (the first Spravato dose) without override_reason; the message names the rule")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/preparation", Handle: h.prepareDose, ID: "prepareDose", Tag: "session",
			Summary:     "Prepare the current order's dose (nurse, prescriber): every figure worked out, the drug drawn from the lot",
			Description: "Records the preparation and the ledger draw in one transaction. A second preparation of one order is 409 (it would draw the drug twice).",
			In:          body[apiPrepareInput](),
			Out:         answer[apiPreparation](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked by a clinical rule: the message says which and why")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/preparation/verify", Handle: h.verifyDose, ID: "verifyDose", Tag: "session",
			Summary:     "Check the prepared dose (a second nurse or prescriber)",
			Description: "The user who prepared the dose cannot verify it (403).",
			In:          optionalBody[apiEmpty](),
			Out:         answer[apiPreparation](200), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked by a clinical rule: the message says which and why")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/dosing", Handle: h.startDosing, ID: "startDosing", Tag: "session",
			Summary:     "Start dosing a cleared visit (nurse, prescriber)",
			Description: "The gate is judged again at this moment; the dose must be signed, prepared and verified by a second user (422 otherwise).",
			In:          optionalBody[apiEmpty](),
			Out:         answer[apiVisitAnswer](200), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked by a clinical rule: the message says which and why")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/administrations", Handle: h.administer, ID: "administer", Tag: "session",
			Summary:     "Record the first dose (nurse, prescriber): the infusion starts, the injection, or Spravato device 1",
			Description: "The session clock starts, the visit is in_session and the ledger records the drug as given.",
			In:          optionalBody[atInput](),
			Out:         answer[apiFirstDose](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked by a clinical rule: the message says which and why")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/devices", Handle: h.giveDevice, ID: "giveDevice", Tag: "session",
			Summary: "Record a Spravato device after the first (nurse, prescriber)",
			In:      body[apiDeviceInput](),
			Out:     answer[apiDeviceGiven](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked: the device is not due yet; the message says how long to wait")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/infusion", Handle: h.infusionAction, ID: "infusionAction", Tag: "session",
			Summary: "Pause, resume or stop the IV infusion (nurse, prescriber)",
			In:      body[apiInfusionInput](),
			Out:     answer[apiInfusionAnswer](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/waste", Handle: h.wasteRemainder, ID: "wasteRemainder", Tag: "session",
			Summary:     "Waste the rest of the drug drawn for the visit, with a witness",
			Description: "Records a witnessed waste of everything drawn for the visit and neither given nor wasted yet, on each lot: the rest of an infusion stopped early, of an opened single-dose vial, of a Spravato kit not all used, or of a dose drawn for a visit that ended before it was given. The witness is a different nurse or prescriber of the clinic who confirms with their own password. A visit cannot close with drug unaccounted for.",
			In:          body[apiWasteInput](),
			Out:         answer[apiWasteAnswer](201), Fails: fails(400, 401, 403, 404, fail(409, "Nothing is left to waste, or an infusion is still running on the drug"), fail(422, "A rule of the books forbids it"), fail(429, "Too many wrong passwords for this witness")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/adverse-events", Handle: h.recordAdverseEvent, ID: "recordAdverseEvent", Tag: "session",
			Summary:     "Record an adverse event, or an amendment of one (nurse, prescriber)",
			Description: "Events are never changed: a correction names the event it amends, and the original stays.",
			In:          body[apiAdverseEventInput](),
			Out:         answer[apiAdverseEvent](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked: the time stated is before the moment it may be (check-in, the start of dosing, the first dose); the message names it")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/session-end", Handle: h.endSession, ID: "endSession", Tag: "session",
			Summary: "End the session: the visit moves to recovering (nurse, prescriber)",
			In:      optionalBody[apiEmpty](),
			Out:     answer[apiVisitAnswer](200), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked: a Spravato device is still to be given, or the infusion is running or paused")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/aldrete", Handle: h.recordAldrete, ID: "recordAldrete", Tag: "session",
			Summary: "Record a modified Aldrete score (nurse, prescriber)",
			In:      body[apiAldreteInput](),
			Out:     answer[apiAldrete](201), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "PUT", Pattern: "/api/v1/visits/{id}/discharge-facts", Handle: h.recordDischargeFacts, ID: "recordDischargeFacts", Tag: "session",
			Summary:     "Record the ride home, after-care and integration booking (nurse, prescriber)",
			Description: "A later statement replaces the earlier one for discharge; both stay on record.",
			In:          body[apiDischargeFacts](),
			Out:         answer[apiDischargeFacts](200), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "PUT", Pattern: "/api/v1/visits/{id}/medications", Handle: h.recordMedications, ID: "recordMedications", Tag: "session",
			Summary: "Record the concomitant medications the Spravato REMS form asks about (nurse, prescriber)",
			In:      body[apiMedicationsInput](),
			Out:     answer[apiMedications](200), Fails: fails(400, 401, 403, 404, 409),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/discharge", Handle: h.discharge, ID: "discharge", Tag: "session",
			Summary:     "Move to ready_for_discharge or discharged (nurse, prescriber) when every criterion holds",
			Description: "Discharged also needs every controlled substance drawn for the visit given or wasted with a witness (422 otherwise). Discharging a Spravato visit whose REMS data is complete assembles its form.",
			In:          body[apiDischargeInput](),
			Out:         answer[apiVisitAnswer](200), Fails: fails(400, 401, 403, 404, 409, failWith[apiDischargeBlocked](422, "Blocked: a discharge criterion is not met; the body lists each one")),
		},
		{Method: "GET", Pattern: "/api/v1/reports/outcomes", Handle: h.outcomesReport, ID: "outcomesReport", Tag: "reports",
			Summary:     "The clinic's response and remission rates, each with its count and 95% Wilson interval: all courses, by route, by sessions given, by quarter of the baseline",
			Description: "Rates count the assessed courses (a baseline PHQ-9 and a later one). Until course records exist, a course is a patient's visits on one route. No patient's data: every role that reads reports (not front desk).",
			Out:         answer[apiOutcomesReport](200), Fails: fails(401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/reports/outcomes.csv", Handle: h.outcomesCSV, ID: "outcomesReportCSV", Tag: "reports",
			Summary: "The outcome report as CSV, one row per group (the README names the columns)",
			Out:     answerSpec{Status: 200, Media: "text/csv"}, Fails: fails(401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/reports/outcomes/courses.csv", Handle: h.coursesCSV, ID: "outcomeCoursesCSV", Tag: "reports",
			Summary: "Every course behind the report as CSV, one row per course (nurse, prescriber, therapist; the README names the columns)",
			Out:     answerSpec{Status: 200, Media: "text/csv"}, Fails: fails(401, 403),
		},
		{Method: "GET", Pattern: "/api/v1/visits/{id}/rems-form", Handle: h.remsForm, ID: "getREMSForm", Tag: "rems",
			Summary: "The visit's REMS Patient Monitoring Form (nurse, prescriber)",
			Out:     answer[apiREMSForm](200), Fails: fails(401, 403, fail(404, "No such visit in the caller's clinic, or no form yet")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/rems-form", Handle: h.assembleREMSForm, ID: "assembleREMSForm", Tag: "rems",
			Summary:     "Assemble (or assemble again, after a correction) the REMS form of a discharged Spravato visit (nurse, prescriber)",
			Description: "A later form supersedes the earlier one; both are kept.",
			In:          optionalBody[apiEmpty](),
			Out:         answer[apiREMSForm](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked: a required field is missing (the message names each)")),
		},
		{Method: "GET", Pattern: "/api/v1/visits/{id}/rems-form.pdf", Handle: h.remsFormPDF, ID: "getREMSFormPDF", Tag: "rems",
			Summary: "The visit's REMS form as a PDF (nurse, prescriber)",
			Out:     pdf(200), Fails: fails(401, 403, fail(404, "No such visit in the caller's clinic, or no form yet")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/rems-form/submission", Handle: h.submitREMSForm, ID: "submitREMSForm", Tag: "rems",
			Summary: "Record that the REMS form was submitted to the REMS programme (nurse, prescriber)",
			In:      body[apiSubmissionInput](),
			Out:     answer[apiREMSForm](201), Fails: fails(400, 401, 403, 404, 409, fail(422, "Blocked: the form is incomplete; the message names what is missing")),
		},
		{Method: "POST", Pattern: "/api/v1/visits/{id}/rems-form/incomplete", Handle: h.recordREMSIncomplete, ID: "recordREMSIncomplete", Tag: "rems",
			Summary:     "A prescriber records why the REMS form cannot be completed before the patient leaves",
			Description: "A Spravato patient is discharged only with the REMS Patient Monitoring Form assembled, or with a prescriber's recorded reason why it cannot be (a reading missing, say). With the reason, discharge stores the form as far as it goes with what is missing; it stays on the due list, late entries (with their reason) complete it, and it is assembled again and submitted. Prescribers only.",
			In:          body[apiREMSIncompleteInput](),
			Out:         answer[apiVisitScreen](201), Fails: fails(400, 401, 403, 404, fail(409, "The visit is not a Spravato visit about to leave, or its form can be assembled")),
		},
		{Method: "GET", Pattern: "/api/v1/rems-forms", Handle: h.remsForms, ID: "listREMSForms", Tag: "rems",
			Summary: "The clinic's REMS forms by due date, each due, overdue or submitted (nurse, prescriber)",
			Out:     answer[apiREMSList](200), Fails: fails(401, 403),
		},
	}
}
