package ui

import "github.com/ketaflow/ketaflow/web"

// Endpoints is every page of the staff interface in one place. Pages are
// for people in a browser: staff logged in with the login cookie, and, on
// the public ones, anyone (the login form, a patient's questionnaire link,
// the clinic tablet while a patient holds it).
func (h *UI) Endpoints() []web.Endpoint {
	public := func(method, pattern string, handle web.Handler) web.Endpoint {
		return web.Endpoint{Method: method, Pattern: pattern, Auth: web.Public, Handle: handle}
	}
	login := func(method, pattern string, handle web.Handler) web.Endpoint {
		return web.Endpoint{Method: method, Pattern: pattern, Auth: web.Login, Handle: handle}
	}
	return append([]web.Endpoint{
		public("GET", "/login", h.loginPage),
		public("POST", "/login", h.loginSubmit),
		login("POST", "/logout", h.logout),
		login("GET", "/{$}", h.home),
		login("GET", "/patients", h.patientsPage),
		login("GET", "/patients/new", h.newPatientPage),
		login("POST", "/patients", h.createPatientSubmit),
		login("GET", "/patients/{id}", h.patientPage),
		login("GET", "/patients/{id}/amend", h.amendPatientPage),
		login("POST", "/patients/{id}/amend", h.amendPatientSubmit),
		login("GET", "/patients/{id}/history", h.patientHistoryPage),
		login("POST", "/patients/{id}/weights", h.recordWeightSubmit),
		login("GET", "/patients/{id}/book", h.bookPage),
		login("POST", "/patients/{id}/book", h.bookSubmit),
		login("GET", "/patients/{id}/routes", h.routesPage),
		login("GET", "/visits", h.schedulePage),
		login("GET", "/visits/{id}", h.visitPage),
		login("POST", "/visits/{id}/move", h.moveVisitSubmit),
		login("POST", "/visits/{id}/clear", h.clearVisitSubmit),
		login("POST", "/visits/{id}/vitals", h.vitalsSubmit),
		login("POST", "/visits/{id}/fasting", h.fastingSubmit),
		login("POST", "/visits/{id}/ride", h.rideSubmit),
		login("POST", "/visits/{id}/comfort", h.comfortSubmit),
		login("POST", "/visits/{id}/override", h.overrideSubmit),
		login("POST", "/visits/{id}/link", h.linkSubmit),
		login("POST", "/visits/{id}/tablet", h.handOffSubmit),
		login("POST", "/visits/{id}/questionnaires/{instrument}/amend", h.amendSubmit),
		login("POST", "/visits/{id}/order", h.orderSubmit),
		login("POST", "/visits/{id}/prepare", h.prepareSubmit),
		login("POST", "/visits/{id}/verify", h.verifySubmit),
		login("POST", "/visits/{id}/start", h.startDosingSubmit),
		login("POST", "/visits/{id}/administer", h.administerSubmit),
		login("POST", "/visits/{id}/device", h.deviceSubmit),
		login("POST", "/visits/{id}/infusion", h.infusionSubmit),
		login("POST", "/visits/{id}/adverse", h.adverseSubmit),
		login("POST", "/visits/{id}/end-session", h.endSessionSubmit),
		login("POST", "/visits/{id}/aldrete", h.aldreteSubmit),
		login("POST", "/visits/{id}/discharge-facts", h.checklistSubmit),
		login("POST", "/visits/{id}/medications", h.medicationsSubmit),
		login("POST", "/visits/{id}/discharge", h.dischargeSubmit),
		login("GET", "/visits/{id}/aftercare", h.aftercarePage),
		login("GET", "/visits/{id}/rems.pdf", h.remsPDF),
		login("POST", "/visits/{id}/rems", h.remsAssembleSubmit),
		login("POST", "/visits/{id}/rems/submitted", h.remsSubmitSubmit),
		login("GET", "/rems", h.remsListPage),
		login("GET", "/alerts", h.alertsPage),
		login("POST", "/alerts/{id}/assess", h.assessSubmit),
		login("POST", "/alerts/{id}/acknowledge", h.acknowledgeSubmit),
		login("POST", "/alerts/{id}/resolve", h.resolveSubmit),
		login("GET", "/events", h.events),
		login("GET", "/ledger", h.ledgerPage),
		login("POST", "/ledger/lots", h.receiveLotSubmit),
		login("GET", "/ledger/lots/{id}", h.lotPage),
		login("POST", "/ledger/lots/{id}/entries", h.ledgerEntrySubmit),
		public("GET", "/q/{token}", h.linkPage),
		public("POST", "/q/{token}", h.linkSubmitAnswers),
		// The clinic tablet in the patient's hands: its own cookie, no login.
		public("GET", "/tablet", h.tabletPage),
		public("POST", "/tablet", h.tabletSubmit),
		public("POST", "/tablet/return", h.tabletReturnSubmit),
		login("GET", "/admin/users", h.usersPage),
		login("POST", "/admin/users", h.createUserSubmit),
		login("POST", "/admin/users/{id}", h.updateUserSubmit),
		login("GET", "/admin/audit", h.auditPage),
		login("GET", "/admin/protocol", h.protocolPage),
		login("POST", "/admin/protocol", h.saveProtocolSubmit),
		login("GET", "/admin/protocol/versions/{number}", h.protocolVersionPage),
		login("GET", "/admin/clinic", h.clinicPage),
		login("POST", "/admin/clinic", h.clinicSubmit),
		login("POST", "/admin/chairs", h.addChairSubmit),
		login("POST", "/admin/chairs/{id}", h.updateChairSubmit),
		login("GET", "/account", h.accountPage),
		login("POST", "/account/password", h.passwordSubmit),
		login("POST", "/account/tokens", h.createTokenSubmit),
		login("POST", "/account/tokens/{id}/revoke", h.revokeTokenSubmit),
	}, h.trainingClockEndpoints()...)
}
