package store

import (
	"database/sql"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/integration"
	"github.com/ketaflow/ketaflow/protocol"
)

// InsertIntegrationSession records the integration session a discharge
// makes due. A visit has one; a second fails with EConflict.
func (tx *Tx) InsertIntegrationSession(s integration.Session, at time.Time) error {
	_, err := tx.exec("insert integration session", `INSERT INTO integration_sessions (visit_id, clinic_id, patient_id, therapist_id,
		discharged_at, checklist_booked, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.VisitID, s.ClinicID, s.PatientID, nullID(s.TherapistID), s.DischargedAt, s.ChecklistBooked, at)
	return err
}

// IntegrationRow is an integration session with what a list shows of its
// visit and patient.
type IntegrationRow struct {
	integration.Session
	Route           protocol.Route
	ProtocolVersion int // of the visit: its window applies
	PatientName     string
	PreferredName   string
}

const integrationColumns = `s.visit_id, s.clinic_id, s.patient_id, s.therapist_id, s.discharged_at, s.checklist_booked,
	v.route, v.protocol_version, p.legal_name, p.preferred_name`

const integrationFrom = ` FROM integration_sessions s JOIN visits v ON v.id = s.visit_id JOIN patients p ON p.id = s.patient_id`

func scanIntegration(sc interface{ Scan(...any) error }, r *IntegrationRow) error {
	s := &r.Session
	if err := sc.Scan(&s.VisitID, &s.ClinicID, &s.PatientID, nullString{&s.TherapistID}, &s.DischargedAt, &s.ChecklistBooked,
		&r.Route, &r.ProtocolVersion, &r.PatientName, &r.PreferredName); err != nil {
		return err
	}
	s.DischargedAt = s.DischargedAt.UTC()
	return nil
}

// IntegrationSession returns the integration session of a visit of the
// clinic, whole: bookings, hold, notes and journal.
func (tx *Tx) IntegrationSession(clinicID, visitID string) (IntegrationRow, error) {
	var r IntegrationRow
	if !ketaflow.ValidID(visitID) {
		return r, ketaflow.NotFound("integration session")
	}
	row := tx.tx.QueryRowContext(tx.ctx, `SELECT `+integrationColumns+integrationFrom+`
		WHERE s.clinic_id = $1 AND s.visit_id = $2`, clinicID, visitID)
	if err := scanIntegration(row, &r); err != nil {
		return r, tx.notFound(err, "integration session", "get integration session")
	}
	if err := tx.fillIntegration([]*integration.Session{&r.Session}, true); err != nil {
		return r, err
	}
	return r, nil
}

// IntegrationSessions lists the clinic's integration sessions of visits
// discharged at or after since, oldest discharge first, with their
// bookings, holds and notes (not their journal).
func (tx *Tx) IntegrationSessions(clinicID string, since time.Time) ([]IntegrationRow, error) {
	var out []IntegrationRow
	err := tx.scanAll("list integration sessions", `SELECT `+integrationColumns+integrationFrom+`
		WHERE s.clinic_id = $1 AND s.discharged_at >= $2 ORDER BY s.discharged_at, s.visit_id`, []any{clinicID, since},
		func(rows *sql.Rows) error {
			var r IntegrationRow
			if err := scanIntegration(rows, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	if err != nil {
		return nil, err
	}
	ptrs := make([]*integration.Session, len(out))
	for i := range out {
		ptrs[i] = &out[i].Session
	}
	return out, tx.fillIntegration(ptrs, false)
}

// fillIntegration reads the bookings, holds and notes of the sessions, and
// when whole their journal, one query per table.
func (tx *Tx) fillIntegration(ss []*integration.Session, whole bool) error {
	if len(ss) == 0 {
		return nil
	}
	byVisit := map[string]*integration.Session{}
	ids := make([]any, 0, len(ss))
	for _, s := range ss {
		byVisit[s.VisitID] = s
		ids = append(ids, s.VisitID)
	}
	in := placeholders(len(ids), 1)
	if err := tx.scanAll("list integration bookings", `SELECT id, visit_id, therapist_id, starts_at, ends_at, mode, booked_by, booked_at
		FROM integration_bookings WHERE visit_id IN (`+in+`) ORDER BY booked_at, id`, ids, func(r *sql.Rows) error {
		var b integration.Booking
		var visit string
		if err := r.Scan(&b.ID, &visit, &b.TherapistID, &b.Slot.Start, &b.Slot.End, &b.Mode, &b.BookedBy, &b.BookedAt); err != nil {
			return err
		}
		b.Slot.Start, b.Slot.End, b.BookedAt = b.Slot.Start.UTC(), b.Slot.End.UTC(), b.BookedAt.UTC()
		byVisit[visit].Bookings = append(byVisit[visit].Bookings, b)
		return nil
	}); err != nil {
		return err
	}
	if err := tx.scanAll("list integration holds", `SELECT visit_id, held_at, recorded_by, recorded_at
		FROM integration_holds WHERE visit_id IN (`+in+`)`, ids, func(r *sql.Rows) error {
		var h integration.Hold
		var visit string
		if err := r.Scan(&visit, &h.HeldAt, &h.RecordedBy, &h.RecordedAt); err != nil {
			return err
		}
		h.HeldAt, h.RecordedAt = h.HeldAt.UTC(), h.RecordedAt.UTC()
		byVisit[visit].Hold = &h
		return nil
	}); err != nil {
		return err
	}
	if err := tx.scanAll("list integration notes", `SELECT id, visit_id, body, signed_by, signed_at, amends, reason
		FROM integration_notes WHERE visit_id IN (`+in+`) ORDER BY signed_at, id`, ids, func(r *sql.Rows) error {
		var n integration.Note
		var visit string
		if err := r.Scan(&n.ID, &visit, &n.Body, &n.SignedBy, &n.SignedAt, nullString{&n.Amends}, &n.Reason); err != nil {
			return err
		}
		n.SignedAt = n.SignedAt.UTC()
		byVisit[visit].Notes = append(byVisit[visit].Notes, n)
		return nil
	}); err != nil {
		return err
	}
	if !whole {
		return nil
	}
	return tx.scanAll("list integration journal", `SELECT id, visit_id, kind, body, source, written_at
		FROM integration_journal WHERE visit_id IN (`+in+`) ORDER BY written_at, id`, ids, func(r *sql.Rows) error {
		var e integration.Entry
		var visit string
		if err := r.Scan(&e.ID, &visit, &e.Kind, &e.Body, &e.Source, &e.WrittenAt); err != nil {
			return err
		}
		e.WrittenAt = e.WrittenAt.UTC()
		byVisit[visit].Journal = append(byVisit[visit].Journal, e)
		return nil
	})
}

// LockTherapistCalendar holds a therapist's user row until the transaction
// ends, so that two bookings into one calendar at once cannot both see it
// free. (An UPDATE locks the row in PostgreSQL; SQLite has one writer at a
// time anyway.)
func (tx *Tx) LockTherapistCalendar(clinicID, therapistID string) error {
	res, err := tx.exec("lock therapist calendar", `UPDATE users SET id = id WHERE clinic_id = $1 AND id = $2`, clinicID, therapistID)
	return tx.one(res, err, "therapist")
}

// CalendarEntry is a booked slot of a therapist's calendar and the session
// it is for.
type CalendarEntry struct {
	VisitID string
	Slot    integration.Slot
}

// TherapistCalendar lists a therapist's booked integration sessions that
// overlap [from, to): for each session its newest booking only, and only
// when that booking is the therapist's.
func (tx *Tx) TherapistCalendar(therapistID string, from, to time.Time) ([]CalendarEntry, error) {
	var out []CalendarEntry
	err := tx.scanAll("list therapist calendar", `SELECT b.visit_id, b.starts_at, b.ends_at FROM integration_bookings b
		WHERE b.therapist_id = $1 AND b.starts_at < $2 AND b.ends_at > $3
		AND NOT EXISTS (SELECT 1 FROM integration_bookings n WHERE n.visit_id = b.visit_id
			AND (n.booked_at > b.booked_at OR (n.booked_at = b.booked_at AND n.id > b.id)))
		ORDER BY b.starts_at`, []any{therapistID, to, from}, func(r *sql.Rows) error {
		var e CalendarEntry
		if err := r.Scan(&e.VisitID, &e.Slot.Start, &e.Slot.End); err != nil {
			return err
		}
		e.Slot.Start, e.Slot.End = e.Slot.Start.UTC(), e.Slot.End.UTC()
		out = append(out, e)
		return nil
	})
	return out, err
}

// InsertIntegrationBooking books (or books again) a session.
func (tx *Tx) InsertIntegrationBooking(clinicID, visitID string, b integration.Booking) error {
	_, err := tx.exec("insert integration booking", `INSERT INTO integration_bookings (id, clinic_id, visit_id, therapist_id,
		starts_at, ends_at, mode, booked_by, booked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		b.ID, clinicID, visitID, b.TherapistID, b.Slot.Start, b.Slot.End, string(b.Mode), b.BookedBy, b.BookedAt)
	return err
}

// InsertIntegrationHold records that a session was held; once only: a
// second fails with EConflict.
func (tx *Tx) InsertIntegrationHold(clinicID, visitID string, h integration.Hold) error {
	_, err := tx.exec("insert integration hold", `INSERT INTO integration_holds (visit_id, clinic_id, held_at, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5)`, visitID, clinicID, h.HeldAt, h.RecordedBy, h.RecordedAt)
	return err
}

// InsertIntegrationNote signs a note, or an amendment of one.
func (tx *Tx) InsertIntegrationNote(clinicID, visitID string, n integration.Note) error {
	_, err := tx.exec("insert integration note", `INSERT INTO integration_notes (id, clinic_id, visit_id, body, signed_by, signed_at,
		amends, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		n.ID, clinicID, visitID, n.Body, n.SignedBy, n.SignedAt, nullID(n.Amends), n.Reason)
	return err
}

// InsertJournalEntry keeps a journal entry of the patient; handoffID names
// the tablet hand-over it was written in.
func (tx *Tx) InsertJournalEntry(clinicID, visitID, patientID, handoffID string, e integration.Entry) error {
	_, err := tx.exec("insert journal entry", `INSERT INTO integration_journal (id, clinic_id, visit_id, patient_id, kind, body, source,
		handoff_id, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, clinicID, visitID, patientID, string(e.Kind), e.Body, e.Source, nullID(handoffID), e.WrittenAt)
	return err
}
