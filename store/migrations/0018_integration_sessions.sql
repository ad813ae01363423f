-- Issue 10: the integration session with the therapist in the window after
-- each discharge (the patient guide's 48 hours). It replaces the "integration
-- session booked" checkbox of the discharge checklist: one session per
-- discharged visit, keyed by the visit it integrates, booked in a therapist's
-- calendar, held, and written up in a signed note. Every row is kept; a new
-- booking replaces an earlier one by being newer, and an amendment names the
-- note it corrects.

CREATE TABLE integration_sessions (
    visit_id          UUID PRIMARY KEY REFERENCES visits (id),
    clinic_id         UUID NOT NULL REFERENCES clinics (id),
    patient_id        UUID NOT NULL REFERENCES patients (id),
    -- the patient's therapist when the visit was discharged (none: any
    -- therapist of the clinic may book it)
    therapist_id      UUID REFERENCES users (id),
    discharged_at     TIMESTAMPTZ NOT NULL,
    -- what the old checkbox said for a visit discharged before this
    -- release: ticked, with no time, therapist or mode ever recorded
    checklist_booked  BOOLEAN NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX integration_sessions_clinic ON integration_sessions (clinic_id, discharged_at);

CREATE TABLE integration_bookings (
    id              UUID PRIMARY KEY,
    clinic_id       UUID NOT NULL REFERENCES clinics (id),
    visit_id        UUID NOT NULL REFERENCES integration_sessions (visit_id),
    therapist_id    UUID NOT NULL REFERENCES users (id),
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,
    mode            TEXT NOT NULL,
    booked_by       UUID NOT NULL REFERENCES users (id),
    booked_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX integration_bookings_visit ON integration_bookings (visit_id, booked_at);
CREATE INDEX integration_bookings_therapist ON integration_bookings (therapist_id, starts_at);

CREATE TABLE integration_holds (
    visit_id     UUID PRIMARY KEY REFERENCES integration_sessions (visit_id),
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    held_at      TIMESTAMPTZ NOT NULL,
    recorded_by  UUID NOT NULL REFERENCES users (id),
    recorded_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE integration_notes (
    id         UUID PRIMARY KEY,
    clinic_id  UUID NOT NULL REFERENCES clinics (id),
    visit_id   UUID NOT NULL REFERENCES integration_sessions (visit_id),
    body       TEXT NOT NULL,
    signed_by  UUID NOT NULL REFERENCES users (id),
    signed_at  TIMESTAMPTZ NOT NULL,
    amends     UUID REFERENCES integration_notes (id),
    reason     TEXT NOT NULL
);
CREATE INDEX integration_notes_visit ON integration_notes (visit_id, signed_at);

-- Every visit discharged before this release has its integration session,
-- counted from its discharge, with the patient's therapist of today and
-- what the checkbox said; nothing more is known of it, so nothing more is
-- made up (no booking, no hold).
-- +postgres
INSERT INTO integration_sessions (visit_id, clinic_id, patient_id, therapist_id, discharged_at, checklist_booked, created_at)
SELECT v.id, v.clinic_id, v.patient_id, p.therapist_id, d.at,
       COALESCE((SELECT (f.data::jsonb ->> 'integration_booked') = 'true' FROM visit_facts f
                 WHERE f.visit_id = v.id AND f.kind = 'discharge' ORDER BY f.recorded_at DESC, f.id DESC LIMIT 1), FALSE),
       d.at
FROM visits v JOIN patients p ON p.id = v.patient_id
JOIN (SELECT visit_id, MIN(at) AS at FROM visit_transitions WHERE to_state = 'discharged' GROUP BY visit_id) d ON d.visit_id = v.id;
CREATE TRIGGER integration_sessions_append_only BEFORE UPDATE OR DELETE ON integration_sessions FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER integration_bookings_append_only BEFORE UPDATE OR DELETE ON integration_bookings FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER integration_holds_append_only BEFORE UPDATE OR DELETE ON integration_holds FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER integration_notes_append_only BEFORE UPDATE OR DELETE ON integration_notes FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
INSERT INTO integration_sessions (visit_id, clinic_id, patient_id, therapist_id, discharged_at, checklist_booked, created_at)
SELECT v.id, v.clinic_id, v.patient_id, p.therapist_id, d.at,
       COALESCE((SELECT json_extract(f.data, '$.integration_booked') = 1 FROM visit_facts f
                 WHERE f.visit_id = v.id AND f.kind = 'discharge' ORDER BY f.recorded_at DESC, f.id DESC LIMIT 1), 0),
       d.at
FROM visits v JOIN patients p ON p.id = v.patient_id
JOIN (SELECT visit_id, MIN(at) AS at FROM visit_transitions WHERE to_state = 'discharged' GROUP BY visit_id) d ON d.visit_id = v.id;
CREATE TRIGGER integration_sessions_no_update BEFORE UPDATE ON integration_sessions BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_sessions is append-only'); END;
CREATE TRIGGER integration_sessions_no_delete BEFORE DELETE ON integration_sessions BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_sessions is append-only'); END;
CREATE TRIGGER integration_bookings_no_update BEFORE UPDATE ON integration_bookings BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_bookings is append-only'); END;
CREATE TRIGGER integration_bookings_no_delete BEFORE DELETE ON integration_bookings BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_bookings is append-only'); END;
CREATE TRIGGER integration_holds_no_update BEFORE UPDATE ON integration_holds BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_holds is append-only'); END;
CREATE TRIGGER integration_holds_no_delete BEFORE DELETE ON integration_holds BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_holds is append-only'); END;
CREATE TRIGGER integration_notes_no_update BEFORE UPDATE ON integration_notes BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_notes is append-only'); END;
CREATE TRIGGER integration_notes_no_delete BEFORE DELETE ON integration_notes BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_notes is append-only'); END;
-- +end
