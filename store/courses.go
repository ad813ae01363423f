package store

import (
	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/visits"
)

// InsertCourse records a new course of treatment; from now on it is the
// patient's current course of its route.
func (tx *Tx) InsertCourse(c courses.Course) error {
	_, err := tx.exec("insert course", `INSERT INTO courses (id, clinic_id, patient_id, route, target_sessions, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, c.ClinicID, c.PatientID, string(c.Route), c.TargetSessions, c.CreatedAt, c.CreatedBy)
	return err
}

const courseColumns = `id, clinic_id, patient_id, route, target_sessions, created_at, created_by`

func scanCourse(sc interface{ Scan(...any) error }, c *courses.Course) error {
	return sc.Scan(&c.ID, &c.ClinicID, &c.PatientID, &c.Route, &c.TargetSessions, &c.CreatedAt, &c.CreatedBy)
}

// Course returns one course of a clinic.
func (tx *Tx) Course(clinicID, id string) (courses.Course, error) {
	var c courses.Course
	if !ketaflow.ValidID(id) {
		return c, ketaflow.NotFound("course")
	}
	row := tx.tx.QueryRowContext(tx.ctx, `SELECT `+courseColumns+` FROM courses WHERE clinic_id = $1 AND id = $2`, clinicID, id)
	if err := scanCourse(row, &c); err != nil {
		return c, tx.notFound(err, "course", "get course")
	}
	return c, nil
}

// CurrentCourse returns the patient's newest course of the route;
// ENotFound when there is none.
func (tx *Tx) CurrentCourse(clinicID, patientID, route string) (courses.Course, error) {
	var c courses.Course
	row := tx.tx.QueryRowContext(tx.ctx, `SELECT `+courseColumns+` FROM courses
		WHERE clinic_id = $1 AND patient_id = $2 AND route = $3 ORDER BY created_at DESC, id DESC LIMIT 1`, clinicID, patientID, route)
	if err := scanCourse(row, &c); err != nil {
		return c, tx.notFound(err, "course", "get current course")
	}
	return c, nil
}

// PatientCourses lists a patient's courses, oldest first.
func (tx *Tx) PatientCourses(clinicID, patientID string) ([]courses.Course, error) {
	rows, err := tx.query("list courses", `SELECT `+courseColumns+` FROM courses WHERE clinic_id = $1 AND patient_id = $2
		ORDER BY created_at, id`, clinicID, patientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []courses.Course
	for rows.Next() {
		var c courses.Course
		if err := scanCourse(rows, &c); err != nil {
			return nil, tx.db.mapErr("scan course", err)
		}
		out = append(out, c)
	}
	return out, tx.db.mapErr("list courses", rows.Err())
}

// CourseSessions lists the visits of a course, by scheduled time.
func (tx *Tx) CourseSessions(clinicID, courseID string) ([]courses.Session, error) {
	rows, err := tx.query("list course sessions", `SELECT id, scheduled_at, state FROM visits
		WHERE clinic_id = $1 AND course_id = $2 ORDER BY scheduled_at, id`, clinicID, courseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []courses.Session
	for rows.Next() {
		var s courses.Session
		var state string
		if err := rows.Scan(&s.VisitID, &s.ScheduledAt, &state); err != nil {
			return nil, tx.db.mapErr("scan course session", err)
		}
		s.State = visits.State(state)
		out = append(out, s)
	}
	return out, tx.db.mapErr("list course sessions", rows.Err())
}

// LockClinicBookings holds the clinic's row until the transaction ends,
// so that bookings, each checked against the others, are made one at a
// time. (An UPDATE locks the row in PostgreSQL; SQLite has one writer at
// a time anyway.)
func (tx *Tx) LockClinicBookings(clinicID string) error {
	res, err := tx.exec("lock clinic for booking", `UPDATE clinics SET id = id WHERE id = $1`, clinicID)
	return tx.one(res, err, "clinic")
}
