package ketaflow

import (
	"time"
)

// Clinic is one clinic. Every clinical row belongs to exactly one; times are
// stored in UTC and shown in the clinic's time zone.
type Clinic struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"` // IANA name, e.g. "America/New_York"
	// REMSSettingID is the clinic's Spravato REMS healthcare-setting
	// certification; empty when the clinic is not certified, which blocks
	// Spravato visits at the gate.
	REMSSettingID string `json:"rems_setting_id"`
	Contacts
	// Demo marks the fictional clinic made by `serve --demo`: a database
	// runs on the training clock only when every clinic in it is one.
	Demo bool `json:"demo"`
	// BoardNames is how the floor board names the patient in each chair.
	BoardNames BoardNames `json:"board_names"`
	CreatedAt  time.Time  `json:"created_at"`
}

// BoardNames is how the floor board names a patient: by initials, so that
// a wall screen seen by whoever walks past shows no name, or in full where
// the clinic's floor is private enough.
type BoardNames string

const (
	BoardInitials  BoardNames = "initials"
	BoardFullNames BoardNames = "full"
)

// BoardNameChoices are the settings a clinic may choose from.
var BoardNameChoices = []BoardNames{BoardInitials, BoardFullNames}

// Boards is the clinic's board setting, initials when none is stored.
func (c Clinic) Boards() BoardNames {
	if c.BoardNames == BoardFullNames {
		return BoardFullNames
	}
	return BoardInitials
}

// Location returns the clinic's time zone, or UTC if it is unknown.
func (c Clinic) Location() *time.Location {
	if loc, err := time.LoadLocation(c.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Today is the clinic's calendar date at instant now.
func (c Clinic) Today(now time.Time) Date { return DateOf(now.In(c.Location())) }

// Chair is a treatment chair (a recliner in a quiet room). Visits are booked
// on a chair for the route's chair time.
type Chair struct {
	ID        string    `json:"id"`
	ClinicID  string    `json:"clinic_id"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}
