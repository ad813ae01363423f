-- Issue 10: the durable job queue, in the same database as the records it
-- serves, so that a job is enqueued in the transaction that creates its
-- reason (a booking, a discharge) and commits or rolls back with it. Each
-- job is one email to a patient (package reminders); app/outbox.go runs
-- them.
--
-- unique_key (kind and visit) lets a visit have one message of each kind:
-- a second enqueue is a no-op, so nothing is sent twice. A worker takes a
-- job by setting state 'running' with a lease; a worker that dies leaves
-- the lease to run out, and the job is taken again. state is waiting,
-- running, sent, failed (given up, or it cannot be sent) or cancelled (its
-- visit no longer needs it).
CREATE TABLE jobs (
    id           UUID PRIMARY KEY,
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    kind         TEXT NOT NULL,
    unique_key   TEXT NOT NULL UNIQUE,
    visit_id     UUID NOT NULL REFERENCES visits (id),
    patient_id   UUID NOT NULL REFERENCES patients (id),
    -- the staff member whose write enqueued it (a booking, a discharge)
    created_by   UUID REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    lease_owner  TEXT NOT NULL,
    lease_until  TIMESTAMPTZ,
    last_error   TEXT NOT NULL,
    -- the address it was (last) sent to; '' until it was tried
    recipient    TEXT NOT NULL,
    done_at      TIMESTAMPTZ
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_clinic ON jobs (clinic_id, run_at);

-- Every try of a job: when it started and ended, and how (sent, failed
-- with the SMTP server's words). A try a stopping worker gave back before
-- sending anything is not kept.
CREATE TABLE job_attempts (
    job_id      UUID NOT NULL REFERENCES jobs (id),
    n           INTEGER NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    outcome     TEXT NOT NULL,
    error       TEXT NOT NULL,
    PRIMARY KEY (job_id, n)
);
