-- Issue 10: a course of treatment is a plan per patient and route (the
-- target number of sessions before maintenance, courses/course.go), and
-- every visit belongs to one. A course is never changed: a new plan is a
-- new course, and the patient's newest course of a route is the one new
-- bookings join.

CREATE TABLE courses (
    id               UUID PRIMARY KEY,
    clinic_id        UUID NOT NULL REFERENCES clinics (id),
    patient_id       UUID NOT NULL REFERENCES patients (id),
    route            TEXT NOT NULL,
    target_sessions  INTEGER NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    created_by       TEXT NOT NULL   -- user id; '' for the courses made here
);
CREATE INDEX courses_patient ON courses (clinic_id, patient_id, route, created_at);

ALTER TABLE visits ADD COLUMN course_id UUID REFERENCES courses (id);
CREATE INDEX visits_course ON visits (course_id, scheduled_at);

-- The visits booked before courses existed: one course per patient and
-- route, named by the id of its first visit (in date order), as long as
-- the clinic's current protocol makes an initial course of that route
-- (integration.course_sessions, or the default 6 IV and IM and 8 Spravato
-- when the protocol predates the setting). Each visit's number follows from
-- its date (courses.Course.Number).
-- +postgres
INSERT INTO courses (id, clinic_id, patient_id, route, target_sessions, created_at, created_by)
SELECT v.id, v.clinic_id, v.patient_id, v.route,
    COALESCE((SELECT (pv.rules::jsonb -> 'integration' -> 'course_sessions' ->> v.route)::INTEGER
              FROM protocol_versions pv WHERE pv.clinic_id = v.clinic_id ORDER BY pv.number DESC LIMIT 1),
             CASE v.route WHEN 'spravato' THEN 8 ELSE 6 END),
    v.created_at, ''
FROM visits v
WHERE NOT EXISTS (SELECT 1 FROM visits w WHERE w.clinic_id = v.clinic_id AND w.patient_id = v.patient_id AND w.route = v.route
    AND (w.scheduled_at < v.scheduled_at OR (w.scheduled_at = v.scheduled_at AND w.id::TEXT < v.id::TEXT)));
-- +sqlite
INSERT INTO courses (id, clinic_id, patient_id, route, target_sessions, created_at, created_by)
SELECT v.id, v.clinic_id, v.patient_id, v.route,
    COALESCE((SELECT CAST(json_extract(pv.rules, '$.integration.course_sessions.' || v.route) AS INTEGER)
              FROM protocol_versions pv WHERE pv.clinic_id = v.clinic_id ORDER BY pv.number DESC LIMIT 1),
             CASE v.route WHEN 'spravato' THEN 8 ELSE 6 END),
    v.created_at, ''
FROM visits v
WHERE NOT EXISTS (SELECT 1 FROM visits w WHERE w.clinic_id = v.clinic_id AND w.patient_id = v.patient_id AND w.route = v.route
    AND (w.scheduled_at < v.scheduled_at OR (w.scheduled_at = v.scheduled_at AND w.id < v.id)));
-- +end

UPDATE visits SET course_id = (SELECT c.id FROM courses c
    WHERE c.clinic_id = visits.clinic_id AND c.patient_id = visits.patient_id AND c.route = visits.route);

-- +postgres
CREATE TRIGGER courses_append_only BEFORE UPDATE OR DELETE ON courses
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER courses_no_update BEFORE UPDATE ON courses BEGIN SELECT RAISE(ABORT, 'ketaflow: courses is append-only'); END;
CREATE TRIGGER courses_no_delete BEFORE DELETE ON courses BEGIN SELECT RAISE(ABORT, 'ketaflow: courses is append-only'); END;
-- +end
