package web

// routeTable is every route of the server in one place. Pages are for staff
// in a browser; /api/v1/ is the JSON API described in openapi.json (a test
// checks that the two agree).
func (s *Server) routeTable() []route {
	return []route{
		{"GET", "/healthz", public, s.healthz},
		{"GET", "/api/openapi.json", public, s.openAPI},

		// Pages.
		{"GET", "/login", public, s.loginPage},
		{"POST", "/login", public, s.loginSubmit},
		{"POST", "/logout", page, s.logout},
		{"GET", "/{$}", page, s.home},
		{"GET", "/patients", page, s.patientsPage},
		{"GET", "/patients/new", page, s.newPatientPage},
		{"POST", "/patients", page, s.createPatientSubmit},
		{"GET", "/patients/{id}", page, s.patientPage},
		{"GET", "/patients/{id}/amend", page, s.amendPatientPage},
		{"POST", "/patients/{id}/amend", page, s.amendPatientSubmit},
		{"GET", "/patients/{id}/history", page, s.patientHistoryPage},
		{"POST", "/patients/{id}/weights", page, s.recordWeightSubmit},
		{"GET", "/admin/users", page, s.usersPage},
		{"POST", "/admin/users", page, s.createUserSubmit},
		{"POST", "/admin/users/{id}", page, s.updateUserSubmit},
		{"GET", "/admin/audit", page, s.auditPage},
		{"GET", "/admin/protocol", page, s.protocolPage},
		{"POST", "/admin/protocol", page, s.saveProtocolSubmit},
		{"GET", "/admin/protocol/versions/{number}", page, s.protocolVersionPage},
		{"GET", "/admin/clinic", page, s.clinicPage},
		{"POST", "/admin/clinic", page, s.clinicSubmit},
		{"POST", "/admin/chairs", page, s.addChairSubmit},
		{"POST", "/admin/chairs/{id}", page, s.updateChairSubmit},
		{"GET", "/account", page, s.accountPage},
		{"POST", "/account/password", page, s.passwordSubmit},
		{"POST", "/account/tokens", page, s.createTokenSubmit},
		{"POST", "/account/tokens/{id}/revoke", page, s.revokeTokenSubmit},

		// JSON API.
		{"GET", "/api/v1/me", api, s.apiMe},
		{"GET", "/api/v1/patients", api, s.apiListPatients},
		{"POST", "/api/v1/patients", api, s.apiCreatePatient},
		{"GET", "/api/v1/patients/{id}", api, s.apiGetPatient},
		{"PATCH", "/api/v1/patients/{id}", api, s.apiAmendPatient},
		{"GET", "/api/v1/patients/{id}/versions", api, s.apiPatientVersions},
		{"GET", "/api/v1/patients/{id}/weights", api, s.apiListWeights},
		{"POST", "/api/v1/patients/{id}/weights", api, s.apiRecordWeight},
		{"GET", "/api/v1/users", api, s.apiListUsers},
		{"POST", "/api/v1/users", api, s.apiCreateUser},
		{"PATCH", "/api/v1/users/{id}", api, s.apiUpdateUser},
		{"GET", "/api/v1/audit", api, s.apiAudit},
		{"GET", "/api/v1/tokens", api, s.apiListTokens},
		{"POST", "/api/v1/tokens", api, s.apiCreateToken},
		{"DELETE", "/api/v1/tokens/{id}", api, s.apiRevokeToken},
		{"GET", "/api/v1/protocol", api, s.apiProtocol},
		{"GET", "/api/v1/protocol/params", api, s.apiProtocolParams},
		{"GET", "/api/v1/protocol/versions", api, s.apiProtocolVersions},
		{"POST", "/api/v1/protocol/versions", api, s.apiSaveProtocol},
		{"GET", "/api/v1/protocol/versions/{number}", api, s.apiProtocolVersion},
		{"GET", "/api/v1/clinic", api, s.apiClinic},
		{"PATCH", "/api/v1/clinic", api, s.apiUpdateClinic},
		{"GET", "/api/v1/chairs", api, s.apiChairs},
		{"POST", "/api/v1/chairs", api, s.apiAddChair},
		{"PATCH", "/api/v1/chairs/{id}", api, s.apiUpdateChair},
	}
}
