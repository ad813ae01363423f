-- Issue 13, item 5: two-factor sign-in with an authenticator app (TOTP,
-- RFC 6238). A password alone opens a sign-in challenge, not a login; the
-- code (or a recovery code) opens the login, under a new secret.

-- One authenticator per user: secret is the confirmed one ('' until the
-- first code confirms it), pending_secret one being set up. last_step is the
-- last 30-second step whose code was accepted: a code is taken once.
CREATE TABLE second_factors (
    user_id        UUID PRIMARY KEY REFERENCES users (id),
    clinic_id      UUID NOT NULL REFERENCES clinics (id),
    secret         TEXT NOT NULL DEFAULT '',
    pending_secret TEXT NOT NULL DEFAULT '',
    confirmed_at   TIMESTAMPTZ,
    last_step      BIGINT NOT NULL DEFAULT 0,
    updated_at     TIMESTAMPTZ NOT NULL
);

-- Recovery codes, stored as hashes, each used once; a new set replaces the
-- old one.
CREATE TABLE recovery_codes (
    user_id    UUID NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

-- The step between the password and the code: kind 'code' (enter a code)
-- or 'enrol' (set up the authenticator the clinic requires). The browser
-- holds the secret whose hash is token_hash; visit_id is the visit to go
-- back to when the sign-in took a clinic tablet back.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id),
    clinic_id  UUID NOT NULL REFERENCES clinics (id),
    kind       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ,
    source     TEXT NOT NULL DEFAULT '',
    visit_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);

-- A login opened with a second factor: when a clinic comes to require one
-- for a role, the logins opened without it end.
ALTER TABLE logins ADD COLUMN two_factor BOOLEAN NOT NULL DEFAULT FALSE;
