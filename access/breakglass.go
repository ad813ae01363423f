package access

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
)

// BreakGlass is a person's access to one patient's record outside their
// role, with a written reason, until it expires (the clinic's
// protocol.Security.BreakGlassMinutes) or they end it. While it lasts they
// read the record as a clinician does, and only read it: what they may do
// is still their role's (PRODUCT.md: the admin must not "see clinical
// content without a reason (break-glass)").
type BreakGlass struct {
	ID          string
	ClinicID    string
	UserID      string
	Username    string
	UserName    string
	PatientID   string
	PatientName string
	Reason      string
	StartedAt   time.Time
	ExpiresAt   time.Time
	EndedAt     *time.Time
	// ReviewedBy and ReviewedAt: another admin has seen the access (the
	// alert to the other admins ends there).
	ReviewedByName string
	ReviewedAt     *time.Time
}

// Live reports whether the access is open at now.
func (g BreakGlass) Live(now time.Time) bool { return g.EndedAt == nil && now.Before(g.ExpiresAt) }

// Covers reports whether the access opens the patient's record at now.
func (g *BreakGlass) Covers(patientID string, now time.Time) bool {
	return g != nil && patientID != "" && g.PatientID == patientID && g.Live(now)
}

// Break-glass reasons are written for the admins who review them: long
// enough to say why, short enough to read.
const (
	BreakGlassReasonMin = 15
	BreakGlassReasonMax = 1000
)

// CheckBreakGlassReason refuses a reason too short to say why or too long,
// naming the field.
func CheckBreakGlassReason(reason string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	if n < BreakGlassReasonMin || n > BreakGlassReasonMax {
		return ketaflow.Invalid("reason", "write why you need this record, in %d to %d characters: the other admins read it",
			BreakGlassReasonMin, BreakGlassReasonMax)
	}
	return nil
}
