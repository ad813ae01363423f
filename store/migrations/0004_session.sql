-- From cleared for dosing to discharged: the dose order, its preparation
-- and second check, the session's events (first dose, Spravato devices,
-- infusion pauses), adverse events, the Aldrete score and the REMS form.
-- Every row is kept: a correction is a new row that says what it corrects.

CREATE TABLE dose_orders (
    id                  UUID PRIMARY KEY,
    clinic_id           UUID NOT NULL REFERENCES clinics (id),
    visit_id            UUID NOT NULL REFERENCES visits (id),
    route               TEXT NOT NULL,
    mg_per_kg           DOUBLE PRECISION NOT NULL,
    weight_kg           DOUBLE PRECISION NOT NULL,
    weight_measured_at  TIMESTAMPTZ,
    dose_mg             DOUBLE PRECISION NOT NULL,
    infusion_minutes    INTEGER NOT NULL,
    site                TEXT NOT NULL,
    spravato_mg         INTEGER NOT NULL,
    ordered_by          UUID NOT NULL REFERENCES users (id),
    signed_at           TIMESTAMPTZ NOT NULL,
    replaces            UUID REFERENCES dose_orders (id),
    reason              TEXT NOT NULL
);
CREATE INDEX dose_orders_visit ON dose_orders (visit_id, signed_at);

CREATE TABLE preparations (
    id           UUID PRIMARY KEY,
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    visit_id     UUID NOT NULL REFERENCES visits (id),
    order_id     UUID NOT NULL REFERENCES dose_orders (id),
    calculation  TEXT NOT NULL,
    lot_id       TEXT NOT NULL,
    prepared_by  UUID NOT NULL REFERENCES users (id),
    prepared_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX preparations_visit ON preparations (visit_id, prepared_at);

-- The second user's check of a preparation.
CREATE TABLE preparation_checks (
    id              UUID PRIMARY KEY,
    clinic_id       UUID NOT NULL REFERENCES clinics (id),
    preparation_id  UUID NOT NULL REFERENCES preparations (id),
    verified_by     UUID NOT NULL REFERENCES users (id),
    verified_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (preparation_id)
);

-- What happened when in the session: the first administration, each
-- Spravato device, infusion pauses, resumes and stops.
CREATE TABLE session_events (
    id           UUID PRIMARY KEY,
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    visit_id     UUID NOT NULL REFERENCES visits (id),
    kind         TEXT NOT NULL,
    n            INTEGER NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    reason       TEXT NOT NULL,
    by_user      UUID NOT NULL REFERENCES users (id),
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_events_visit ON session_events (visit_id, at);

CREATE TABLE adverse_events (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    visit_id      UUID NOT NULL REFERENCES visits (id),
    kind          TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    severity      TEXT NOT NULL,
    action        TEXT NOT NULL,
    note          TEXT NOT NULL,
    recorded_by   UUID NOT NULL REFERENCES users (id),
    recorded_at   TIMESTAMPTZ NOT NULL,
    amends        UUID REFERENCES adverse_events (id),
    amend_reason  TEXT NOT NULL
);
CREATE INDEX adverse_events_visit ON adverse_events (visit_id, at);

CREATE TABLE aldrete_scores (
    id                 UUID PRIMARY KEY,
    clinic_id          UUID NOT NULL REFERENCES clinics (id),
    visit_id           UUID NOT NULL REFERENCES visits (id),
    activity           INTEGER NOT NULL,
    respiration        INTEGER NOT NULL,
    circulation        INTEGER NOT NULL,
    consciousness      INTEGER NOT NULL,
    oxygen_saturation  INTEGER NOT NULL,
    assessed_by        UUID NOT NULL REFERENCES users (id),
    assessed_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX aldrete_scores_visit ON aldrete_scores (visit_id, assessed_at);

-- The REMS Patient Monitoring Form of a Spravato visit, as assembled at
-- discharge, and its submission.
CREATE TABLE rems_forms (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    visit_id      UUID NOT NULL REFERENCES visits (id),
    data          TEXT NOT NULL,
    generated_at  TIMESTAMPTZ NOT NULL,
    due_by        TIMESTAMPTZ NOT NULL
);
CREATE INDEX rems_forms_visit ON rems_forms (visit_id, generated_at);
CREATE INDEX rems_forms_due ON rems_forms (clinic_id, due_by);

CREATE TABLE rems_submissions (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    visit_id      UUID NOT NULL REFERENCES visits (id),
    submitted_at  TIMESTAMPTZ NOT NULL,
    submitted_by  UUID NOT NULL REFERENCES users (id),
    confirmation  TEXT NOT NULL
);
CREATE INDEX rems_submissions_visit ON rems_submissions (visit_id);

-- +postgres
CREATE TRIGGER dose_orders_append_only BEFORE UPDATE OR DELETE ON dose_orders FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER preparations_append_only BEFORE UPDATE OR DELETE ON preparations FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER preparation_checks_append_only BEFORE UPDATE OR DELETE ON preparation_checks FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER session_events_append_only BEFORE UPDATE OR DELETE ON session_events FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER adverse_events_append_only BEFORE UPDATE OR DELETE ON adverse_events FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER aldrete_scores_append_only BEFORE UPDATE OR DELETE ON aldrete_scores FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER rems_forms_append_only BEFORE UPDATE OR DELETE ON rems_forms FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER rems_submissions_append_only BEFORE UPDATE OR DELETE ON rems_submissions FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER dose_orders_no_update BEFORE UPDATE ON dose_orders BEGIN SELECT RAISE(ABORT, 'ketaflow: dose_orders is append-only'); END;
CREATE TRIGGER dose_orders_no_delete BEFORE DELETE ON dose_orders BEGIN SELECT RAISE(ABORT, 'ketaflow: dose_orders is append-only'); END;
CREATE TRIGGER preparations_no_update BEFORE UPDATE ON preparations BEGIN SELECT RAISE(ABORT, 'ketaflow: preparations is append-only'); END;
CREATE TRIGGER preparations_no_delete BEFORE DELETE ON preparations BEGIN SELECT RAISE(ABORT, 'ketaflow: preparations is append-only'); END;
CREATE TRIGGER preparation_checks_no_update BEFORE UPDATE ON preparation_checks BEGIN SELECT RAISE(ABORT, 'ketaflow: preparation_checks is append-only'); END;
CREATE TRIGGER preparation_checks_no_delete BEFORE DELETE ON preparation_checks BEGIN SELECT RAISE(ABORT, 'ketaflow: preparation_checks is append-only'); END;
CREATE TRIGGER session_events_no_update BEFORE UPDATE ON session_events BEGIN SELECT RAISE(ABORT, 'ketaflow: session_events is append-only'); END;
CREATE TRIGGER session_events_no_delete BEFORE DELETE ON session_events BEGIN SELECT RAISE(ABORT, 'ketaflow: session_events is append-only'); END;
CREATE TRIGGER adverse_events_no_update BEFORE UPDATE ON adverse_events BEGIN SELECT RAISE(ABORT, 'ketaflow: adverse_events is append-only'); END;
CREATE TRIGGER adverse_events_no_delete BEFORE DELETE ON adverse_events BEGIN SELECT RAISE(ABORT, 'ketaflow: adverse_events is append-only'); END;
CREATE TRIGGER aldrete_scores_no_update BEFORE UPDATE ON aldrete_scores BEGIN SELECT RAISE(ABORT, 'ketaflow: aldrete_scores is append-only'); END;
CREATE TRIGGER aldrete_scores_no_delete BEFORE DELETE ON aldrete_scores BEGIN SELECT RAISE(ABORT, 'ketaflow: aldrete_scores is append-only'); END;
CREATE TRIGGER rems_forms_no_update BEFORE UPDATE ON rems_forms BEGIN SELECT RAISE(ABORT, 'ketaflow: rems_forms is append-only'); END;
CREATE TRIGGER rems_forms_no_delete BEFORE DELETE ON rems_forms BEGIN SELECT RAISE(ABORT, 'ketaflow: rems_forms is append-only'); END;
CREATE TRIGGER rems_submissions_no_update BEFORE UPDATE ON rems_submissions BEGIN SELECT RAISE(ABORT, 'ketaflow: rems_submissions is append-only'); END;
CREATE TRIGGER rems_submissions_no_delete BEFORE DELETE ON rems_submissions BEGIN SELECT RAISE(ABORT, 'ketaflow: rems_submissions is append-only'); END;
-- +end
