-- Issue 13, finding 13: a POST retried with the same Idempotency-Key
-- (draft-ietf-httpapi-idempotency-key-header) is answered with the stored
-- answer instead of being done again. The row is written in the transaction
-- of the write it protects, so that a server killed between the two leaves
-- both or neither. Keys belong to one user of one clinic; rows expire after
-- the clinic's security.idempotency_key_hours and are then deleted.
CREATE TABLE idempotency_keys (
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    user_id     UUID NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    headers     JSONB NOT NULL,
    body        BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (clinic_id, user_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (clinic_id, expires_at);
