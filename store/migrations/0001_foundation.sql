-- The foundation: clinics, staff accounts and their sessions, the patient
-- record with its versions and weights, and the hash-chained audit log.
-- Written in PostgreSQL's dialect; store/migrate.go names the few rewrites
-- SQLite needs. Every clinical row carries clinic_id.

CREATE TABLE clinics (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    mrn_seq     BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    clinic_id      UUID NOT NULL REFERENCES clinics (id),
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    active         BOOLEAN NOT NULL,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_clinic ON users (clinic_id, display_name);

-- Server-side login sessions. The cookie holds a random token; only its
-- SHA-256 is stored, so a copy of the database does not let anyone in.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ,
    source        TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Bearer tokens for programs, named by their owner, revocable, hashed.
CREATE TABLE api_tokens (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The current state of each patient record. Every state it has ever had,
-- including this one, is in patient_versions.
CREATE TABLE patients (
    id                 UUID PRIMARY KEY,
    clinic_id          UUID NOT NULL REFERENCES clinics (id),
    mrn                TEXT NOT NULL,
    legal_name         TEXT NOT NULL,
    preferred_name     TEXT NOT NULL,
    search_text        TEXT NOT NULL,
    birth_date         TEXT NOT NULL,
    sex                TEXT NOT NULL,
    phone              TEXT NOT NULL,
    email              TEXT NOT NULL,
    emergency_name     TEXT NOT NULL,
    emergency_relation TEXT NOT NULL,
    emergency_phone    TEXT NOT NULL,
    rems_patient_id    TEXT NOT NULL,
    prescriber_id      UUID REFERENCES users (id),
    therapist_id       UUID REFERENCES users (id),
    height_cm          DOUBLE PRECISION NOT NULL,
    allergies          TEXT NOT NULL,
    contraindications  TEXT NOT NULL,
    version            INTEGER NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (clinic_id, mrn)
);
CREATE INDEX patients_clinic_name ON patients (clinic_id, legal_name);
CREATE INDEX patients_clinic_birth ON patients (clinic_id, birth_date);

-- Append-only: one row per saved version of a record, as JSON.
CREATE TABLE patient_versions (
    patient_id  UUID NOT NULL REFERENCES patients (id),
    version     INTEGER NOT NULL,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    record      TEXT NOT NULL,
    changed_by  UUID NOT NULL REFERENCES users (id),
    changed_at  TIMESTAMPTZ NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (patient_id, version)
);

-- Append-only: every weight measured, the newest by measured_at counts.
CREATE TABLE weights (
    id           UUID PRIMARY KEY,
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    patient_id   UUID NOT NULL REFERENCES patients (id),
    kg           DOUBLE PRECISION NOT NULL,
    measured_at  TIMESTAMPTZ NOT NULL,
    recorded_by  UUID NOT NULL REFERENCES users (id),
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX weights_patient ON weights (patient_id, measured_at);

-- The audit log: append-only, one hash chain per clinic. audit_heads holds
-- the end of each chain so that removing the newest entries is detected too.
CREATE TABLE audit_log (
    clinic_id   UUID NOT NULL,
    seq         BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    user_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    category    TEXT NOT NULL,
    source      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (clinic_id, seq)
);
CREATE INDEX audit_log_patient ON audit_log (clinic_id, patient_id, at);
CREATE INDEX audit_log_user ON audit_log (clinic_id, user_id, at);
CREATE INDEX audit_log_at ON audit_log (clinic_id, at);

CREATE TABLE audit_heads (
    clinic_id  UUID PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL
);

-- The application never updates or deletes these rows; the database refuses
-- to as well, so a bug cannot do it either.
-- +postgres
CREATE FUNCTION ketaflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ketaflow: % is append-only', TG_TABLE_NAME USING ERRCODE = 'P0001';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER patient_versions_append_only BEFORE UPDATE OR DELETE ON patient_versions
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER weights_append_only BEFORE UPDATE OR DELETE ON weights
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'ketaflow: audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'ketaflow: audit_log is append-only'); END;
CREATE TRIGGER patient_versions_no_update BEFORE UPDATE ON patient_versions
    BEGIN SELECT RAISE(ABORT, 'ketaflow: patient_versions is append-only'); END;
CREATE TRIGGER patient_versions_no_delete BEFORE DELETE ON patient_versions
    BEGIN SELECT RAISE(ABORT, 'ketaflow: patient_versions is append-only'); END;
CREATE TRIGGER weights_no_update BEFORE UPDATE ON weights
    BEGIN SELECT RAISE(ABORT, 'ketaflow: weights is append-only'); END;
CREATE TRIGGER weights_no_delete BEFORE DELETE ON weights
    BEGIN SELECT RAISE(ABORT, 'ketaflow: weights is append-only'); END;
-- +end
