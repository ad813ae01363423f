-- Issue 10: the morning-after check-in (package checkin). The link is
-- emailed by the queue (0020); like a questionnaire link only its hash is
-- stored, it expires, and only the newest of a visit is open.
CREATE TABLE check_in_links (
    token_hash  TEXT PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    visit_id    UUID NOT NULL REFERENCES visits (id),
    job_id      UUID NOT NULL REFERENCES jobs (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    voided_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX check_in_links_one_open ON check_in_links (visit_id) WHERE used_at IS NULL AND voided_at IS NULL;

-- One check-in per visit: the primary key refuses a second submission, so
-- the first answers are never overwritten. effects is a comma-separated
-- list of checkin.Effect.
CREATE TABLE check_ins (
    visit_id      UUID PRIMARY KEY REFERENCES visits (id),
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    patient_id    UUID NOT NULL REFERENCES patients (id),
    submitted_at  TIMESTAMPTZ NOT NULL,
    mood          INTEGER NOT NULL,
    sleep         TEXT NOT NULL,
    effects       TEXT NOT NULL,
    safety        BOOLEAN NOT NULL,
    note          TEXT NOT NULL,
    source        TEXT NOT NULL,
    -- the alert the answers raised; NULL when they worried nobody
    alert_id      UUID REFERENCES alerts (id)
);
