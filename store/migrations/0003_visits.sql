-- Visits and the facts the pre-session gate judges. Every fact is a row
-- that is never changed: a repeat or a correction is a new row, and the
-- gate reads the latest (or the effective view, for vitals).

CREATE TABLE visits (
    id                UUID PRIMARY KEY,
    clinic_id         UUID NOT NULL REFERENCES clinics (id),
    patient_id        UUID NOT NULL REFERENCES patients (id),
    route             TEXT NOT NULL,
    chair_id          UUID REFERENCES chairs (id),
    scheduled_at      TIMESTAMPTZ NOT NULL,
    minutes           INTEGER NOT NULL,
    protocol_version  INTEGER NOT NULL,
    state             TEXT NOT NULL,
    comfort           TEXT NOT NULL,
    version           INTEGER NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX visits_clinic_day ON visits (clinic_id, scheduled_at);
CREATE INDEX visits_patient ON visits (patient_id, scheduled_at);

-- Every change of a visit's state, with who and why.
CREATE TABLE visit_transitions (
    id          UUID PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    visit_id    UUID NOT NULL REFERENCES visits (id),
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    by_user     TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX visit_transitions_visit ON visit_transitions (visit_id, at);

-- Answered questionnaires, every answer kept with the score.
CREATE TABLE questionnaire_responses (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    visit_id      UUID NOT NULL REFERENCES visits (id),
    patient_id    UUID NOT NULL REFERENCES patients (id),
    instrument    TEXT NOT NULL,
    answers       TEXT NOT NULL,
    total         INTEGER NOT NULL,
    band          TEXT NOT NULL,
    item9         INTEGER NOT NULL,
    source        TEXT NOT NULL,
    entered_by    TEXT NOT NULL,
    submitted_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX questionnaire_responses_visit ON questionnaire_responses (visit_id, submitted_at);
CREATE INDEX questionnaire_responses_patient ON questionnaire_responses (patient_id, submitted_at);

-- One-time links for the patient to answer on their own phone. Only the
-- token's hash is stored.
CREATE TABLE questionnaire_links (
    token_hash  TEXT PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    visit_id    UUID NOT NULL REFERENCES visits (id),
    created_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

CREATE TABLE vital_signs (
    id                UUID PRIMARY KEY,
    clinic_id         UUID NOT NULL REFERENCES clinics (id),
    visit_id          UUID NOT NULL REFERENCES visits (id),
    patient_id        UUID NOT NULL REFERENCES patients (id),
    taken_at          TIMESTAMPTZ NOT NULL,
    taken_by          UUID NOT NULL REFERENCES users (id),
    recorded_at       TIMESTAMPTZ NOT NULL,
    systolic          INTEGER NOT NULL,
    diastolic         INTEGER NOT NULL,
    heart_rate        INTEGER NOT NULL,
    spo2              INTEGER NOT NULL,
    respiratory_rate  INTEGER NOT NULL,
    sedation          INTEGER,
    dissociation      BOOLEAN,
    note              TEXT NOT NULL,
    amends            UUID REFERENCES vital_signs (id),
    amend_reason      TEXT NOT NULL,
    entered_in_error  BOOLEAN NOT NULL
);
CREATE INDEX vital_signs_visit ON vital_signs (visit_id, taken_at);

-- Facts stated at check-in (fasting, ride home, comfort), as JSON by kind;
-- the newest of each kind counts and the earlier ones stay.
CREATE TABLE visit_facts (
    id           UUID PRIMARY KEY,
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    visit_id     UUID NOT NULL REFERENCES visits (id),
    kind         TEXT NOT NULL,
    data         TEXT NOT NULL,
    recorded_by  UUID NOT NULL REFERENCES users (id),
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX visit_facts_visit ON visit_facts (visit_id, kind, recorded_at);

-- PHQ-9 item 9 safety alerts, and the clinician's risk assessment of each.
CREATE TABLE safety_alerts (
    id           UUID PRIMARY KEY,
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    visit_id     UUID NOT NULL REFERENCES visits (id),
    patient_id   UUID NOT NULL REFERENCES patients (id),
    response_id  UUID NOT NULL REFERENCES questionnaire_responses (id),
    item9        INTEGER NOT NULL,
    raised_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX safety_alerts_clinic ON safety_alerts (clinic_id, raised_at);

CREATE TABLE risk_assessments (
    id           UUID PRIMARY KEY,
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    alert_id     UUID NOT NULL REFERENCES safety_alerts (id),
    risk         TEXT NOT NULL,
    plan         TEXT NOT NULL,
    proceed      BOOLEAN NOT NULL,
    assessed_by  UUID NOT NULL REFERENCES users (id),
    assessed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX risk_assessments_alert ON risk_assessments (alert_id);

CREATE TABLE gate_overrides (
    id          UUID PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    visit_id    UUID NOT NULL REFERENCES visits (id),
    check_id    TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    by_user     UUID NOT NULL REFERENCES users (id),
    reason      TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX gate_overrides_visit ON gate_overrides (visit_id);

-- +postgres
CREATE TRIGGER visit_transitions_append_only BEFORE UPDATE OR DELETE ON visit_transitions
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER questionnaire_responses_append_only BEFORE UPDATE OR DELETE ON questionnaire_responses
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER vital_signs_append_only BEFORE UPDATE OR DELETE ON vital_signs
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER visit_facts_append_only BEFORE UPDATE OR DELETE ON visit_facts
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER safety_alerts_append_only BEFORE UPDATE OR DELETE ON safety_alerts
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER risk_assessments_append_only BEFORE UPDATE OR DELETE ON risk_assessments
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER gate_overrides_append_only BEFORE UPDATE OR DELETE ON gate_overrides
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER visit_transitions_no_update BEFORE UPDATE ON visit_transitions BEGIN SELECT RAISE(ABORT, 'ketaflow: visit_transitions is append-only'); END;
CREATE TRIGGER visit_transitions_no_delete BEFORE DELETE ON visit_transitions BEGIN SELECT RAISE(ABORT, 'ketaflow: visit_transitions is append-only'); END;
CREATE TRIGGER questionnaire_responses_no_update BEFORE UPDATE ON questionnaire_responses BEGIN SELECT RAISE(ABORT, 'ketaflow: questionnaire_responses is append-only'); END;
CREATE TRIGGER questionnaire_responses_no_delete BEFORE DELETE ON questionnaire_responses BEGIN SELECT RAISE(ABORT, 'ketaflow: questionnaire_responses is append-only'); END;
CREATE TRIGGER vital_signs_no_update BEFORE UPDATE ON vital_signs BEGIN SELECT RAISE(ABORT, 'ketaflow: vital_signs is append-only'); END;
CREATE TRIGGER vital_signs_no_delete BEFORE DELETE ON vital_signs BEGIN SELECT RAISE(ABORT, 'ketaflow: vital_signs is append-only'); END;
CREATE TRIGGER visit_facts_no_update BEFORE UPDATE ON visit_facts BEGIN SELECT RAISE(ABORT, 'ketaflow: visit_facts is append-only'); END;
CREATE TRIGGER visit_facts_no_delete BEFORE DELETE ON visit_facts BEGIN SELECT RAISE(ABORT, 'ketaflow: visit_facts is append-only'); END;
CREATE TRIGGER safety_alerts_no_update BEFORE UPDATE ON safety_alerts BEGIN SELECT RAISE(ABORT, 'ketaflow: safety_alerts is append-only'); END;
CREATE TRIGGER safety_alerts_no_delete BEFORE DELETE ON safety_alerts BEGIN SELECT RAISE(ABORT, 'ketaflow: safety_alerts is append-only'); END;
CREATE TRIGGER risk_assessments_no_update BEFORE UPDATE ON risk_assessments BEGIN SELECT RAISE(ABORT, 'ketaflow: risk_assessments is append-only'); END;
CREATE TRIGGER risk_assessments_no_delete BEFORE DELETE ON risk_assessments BEGIN SELECT RAISE(ABORT, 'ketaflow: risk_assessments is append-only'); END;
CREATE TRIGGER gate_overrides_no_update BEFORE UPDATE ON gate_overrides BEGIN SELECT RAISE(ABORT, 'ketaflow: gate_overrides is append-only'); END;
CREATE TRIGGER gate_overrides_no_delete BEFORE DELETE ON gate_overrides BEGIN SELECT RAISE(ABORT, 'ketaflow: gate_overrides is append-only'); END;
-- +end
