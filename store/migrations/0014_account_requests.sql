-- Issue 13, finding 2: an admin could give themselves clinical powers
-- (make a prescriber account, or reset a prescriber's password and sign in
-- as them). Granting a clinical role or resetting another person's password
-- is now a request that a second admin approves (or, for a reset, the
-- person confirms); approval forces a password change at the next sign-in.

ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE account_requests (
    id             UUID PRIMARY KEY,
    clinic_id      UUID NOT NULL REFERENCES clinics (id),
    user_id        UUID NOT NULL REFERENCES users (id),
    kind           TEXT NOT NULL,              -- role, password_reset
    role           TEXT NOT NULL DEFAULT '',   -- the role to grant
    password_hash  TEXT NOT NULL DEFAULT '',   -- the new password's hash, set on approval
    requested_by   UUID NOT NULL REFERENCES users (id),
    requested_at   TIMESTAMPTZ NOT NULL,
    decision       TEXT NOT NULL DEFAULT '',   -- '' pending, approved, refused
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     TIMESTAMPTZ
);
CREATE INDEX account_requests_clinic ON account_requests (clinic_id, requested_at);
