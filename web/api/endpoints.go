package api

import "github.com/ketaflow/ketaflow/web"

// Endpoints is every endpoint of the JSON API in one place, each described
// in openapi.json (a test checks that the two agree). All but the document
// itself take the login cookie or an API bearer token.
func (h *API) Endpoints() []web.Endpoint {
	public := func(method, pattern string, handle web.Handler) web.Endpoint {
		return web.Endpoint{Method: method, Pattern: pattern, Auth: web.Public, Handle: handle}
	}
	loginOrToken := func(method, pattern string, handle web.Handler) web.Endpoint {
		return web.Endpoint{Method: method, Pattern: pattern, Auth: web.LoginOrToken, Handle: handle}
	}
	return append([]web.Endpoint{
		public("GET", "/api/openapi.json", h.openAPI),
		loginOrToken("GET", "/api/v1/me", h.me),
		loginOrToken("GET", "/api/v1/patients", h.listPatients),
		loginOrToken("POST", "/api/v1/patients", h.createPatient),
		loginOrToken("GET", "/api/v1/patients/{id}", h.getPatient),
		loginOrToken("PATCH", "/api/v1/patients/{id}", h.amendPatient),
		loginOrToken("GET", "/api/v1/patients/{id}/versions", h.patientVersions),
		loginOrToken("GET", "/api/v1/patients/{id}/weights", h.listWeights),
		loginOrToken("POST", "/api/v1/patients/{id}/weights", h.recordWeight),
		loginOrToken("GET", "/api/v1/users", h.listUsers),
		loginOrToken("POST", "/api/v1/users", h.createUser),
		loginOrToken("PATCH", "/api/v1/users/{id}", h.updateUser),
		loginOrToken("GET", "/api/v1/audit", h.audit),
		loginOrToken("GET", "/api/v1/tokens", h.listTokens),
		loginOrToken("POST", "/api/v1/tokens", h.createToken),
		loginOrToken("DELETE", "/api/v1/tokens/{id}", h.revokeToken),
		loginOrToken("GET", "/api/v1/protocol", h.protocol),
		loginOrToken("GET", "/api/v1/protocol/params", h.protocolParams),
		loginOrToken("GET", "/api/v1/protocol/versions", h.protocolVersions),
		loginOrToken("POST", "/api/v1/protocol/versions", h.saveProtocol),
		loginOrToken("GET", "/api/v1/protocol/versions/{number}", h.protocolVersion),
		loginOrToken("GET", "/api/v1/clinic", h.clinic),
		loginOrToken("PATCH", "/api/v1/clinic", h.updateClinic),
		loginOrToken("GET", "/api/v1/chairs", h.chairs),
		loginOrToken("POST", "/api/v1/chairs", h.addChair),
		loginOrToken("PATCH", "/api/v1/chairs/{id}", h.updateChair),
		loginOrToken("GET", "/api/v1/lots", h.lots),
		loginOrToken("POST", "/api/v1/lots", h.receiveLot),
		loginOrToken("GET", "/api/v1/lots/{id}", h.lot),
		loginOrToken("POST", "/api/v1/lots/{id}/entries", h.appendLedger),
		loginOrToken("GET", "/api/v1/discrepancies", h.discrepancies),
		loginOrToken("GET", "/api/v1/visits", h.schedule),
		loginOrToken("POST", "/api/v1/visits", h.bookVisit),
		loginOrToken("GET", "/api/v1/visits/{id}", h.getVisit),
		loginOrToken("POST", "/api/v1/visits/{id}/transitions", h.moveVisit),
		loginOrToken("POST", "/api/v1/visits/{id}/clear", h.clearVisit),
		loginOrToken("POST", "/api/v1/visits/{id}/vitals", h.recordVitals),
		loginOrToken("POST", "/api/v1/visits/{id}/weights", h.recordVisitWeight),
		loginOrToken("PUT", "/api/v1/visits/{id}/fasting", h.recordFasting),
		loginOrToken("PUT", "/api/v1/visits/{id}/ride", h.recordRide),
		loginOrToken("PUT", "/api/v1/visits/{id}/comfort", h.recordComfort),
		loginOrToken("POST", "/api/v1/visits/{id}/overrides", h.overrideCheck),
		loginOrToken("POST", "/api/v1/visits/{id}/questionnaires", h.submitQuestionnaires),
		loginOrToken("POST", "/api/v1/visits/{id}/questionnaires/{instrument}/amendments", h.amendQuestionnaire),
		loginOrToken("POST", "/api/v1/visits/{id}/links", h.createLink),
		loginOrToken("POST", "/api/v1/visits/{id}/order", h.orderDose),
		loginOrToken("POST", "/api/v1/visits/{id}/preparation", h.prepareDose),
		loginOrToken("POST", "/api/v1/visits/{id}/preparation/verify", h.verifyDose),
		loginOrToken("POST", "/api/v1/visits/{id}/dosing", h.startDosing),
		loginOrToken("POST", "/api/v1/visits/{id}/administrations", h.administer),
		loginOrToken("POST", "/api/v1/visits/{id}/devices", h.giveDevice),
		loginOrToken("POST", "/api/v1/visits/{id}/infusion", h.infusionAction),
		loginOrToken("POST", "/api/v1/visits/{id}/adverse-events", h.recordAdverseEvent),
		loginOrToken("POST", "/api/v1/visits/{id}/session-end", h.endSession),
		loginOrToken("POST", "/api/v1/visits/{id}/aldrete", h.recordAldrete),
		loginOrToken("PUT", "/api/v1/visits/{id}/discharge-facts", h.recordDischargeFacts),
		loginOrToken("PUT", "/api/v1/visits/{id}/medications", h.recordMedications),
		loginOrToken("POST", "/api/v1/visits/{id}/discharge", h.discharge),
		loginOrToken("GET", "/api/v1/visits/{id}/rems-form", h.remsForm),
		loginOrToken("GET", "/api/v1/visits/{id}/rems-form.pdf", h.remsFormPDF),
		loginOrToken("POST", "/api/v1/visits/{id}/rems-form", h.assembleREMSForm),
		loginOrToken("POST", "/api/v1/visits/{id}/rems-form/submission", h.submitREMSForm),
		loginOrToken("GET", "/api/v1/rems-forms", h.remsForms),
		loginOrToken("GET", "/api/v1/alerts", h.alerts),
		loginOrToken("POST", "/api/v1/alerts/{id}/assessments", h.assessAlert),
		loginOrToken("POST", "/api/v1/alerts/{id}/acknowledgement", h.acknowledgeAlert),
		loginOrToken("POST", "/api/v1/alerts/{id}/resolution", h.resolveAlert),
		loginOrToken("GET", "/api/v1/notices", h.notices),
		loginOrToken("GET", "/api/v1/patients/{id}/visits", h.patientVisits),
		loginOrToken("GET", "/api/v1/patients/{id}/route-advice", h.routeAdvice),
		loginOrToken("GET", "/api/v1/questionnaires", h.questionnaires),
	}, h.trainingClockEndpoints()...)
}
