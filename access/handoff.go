package access

import "time"

// HandOff is the clinic tablet handed to a patient to answer the visit's
// questionnaires. Handing it over ends the staff login of that browser:
// while the patient holds the tablet, it reaches only the patient's pages,
// and a staff member takes it back by signing in again with their own
// password (throttled as every login is). The patient's answers are the
// patient's, not the staff member's, whoever handed the tablet over.
type HandOff struct {
	ID        string
	TokenHash string // the tablet cookie's secret, hashed
	ClinicID  string
	VisitID   string
	PatientID string
	// StartedBy handed the tablet over; their login on the browser ended.
	StartedBy         string
	StartedByName     string
	StartedByUsername string
	StartedAt         time.Time
	ExpiresAt         time.Time
	SubmittedAt       *time.Time
	// Alert: the answers raised the PHQ-9 item 9 safety alert, so the
	// patient's crisis help stays on the tablet until it is taken back.
	Alert   bool
	EndedAt *time.Time
	EndedBy string // who took the tablet back
	// Purpose is what the tablet is handed over for: the visit's
	// questionnaires, or the patient's journal for the integration
	// session of the visit.
	Purpose HandOffPurpose
}

// HandOffPurpose is what a hand-over is for.
type HandOffPurpose string

const (
	ForQuestionnaires HandOffPurpose = "questionnaires"
	ForJournal        HandOffPurpose = "journal"
)

// HandOffLifetime is how long the tablet offers the questionnaires: they
// take about five minutes, and a tablet left alone longer than this only
// asks to be handed back.
const HandOffLifetime = time.Hour

// HandOffStage is what the tablet shows.
type HandOffStage int

const (
	// HandOffAnswering: the patient answers the questionnaires.
	HandOffAnswering HandOffStage = iota
	// HandOffHandBack: answered, or left too long: "please hand the
	// tablet back", and the staff sign-in that takes it back.
	HandOffHandBack
	// HandOffOver: a staff member took the tablet back.
	HandOffOver
)

// Stage says what the tablet shows at now.
func (h HandOff) Stage(now time.Time) HandOffStage {
	switch {
	case h.EndedAt != nil:
		return HandOffOver
	case h.SubmittedAt != nil || !now.Before(h.ExpiresAt):
		return HandOffHandBack
	}
	return HandOffAnswering
}
