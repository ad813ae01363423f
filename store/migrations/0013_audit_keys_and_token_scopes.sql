-- Issue 13, findings 1, 3 and 6.

-- Finding 3: an entry sealed with the audit key (an HMAC-SHA256 kept outside
-- the database) names the key's id; '' is a legacy entry, chained with plain
-- SHA-256 before the key existed (audit/key.go).
ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT '';

-- Signed checkpoints: a chain's head at a moment, signed with the audit
-- key's Ed25519 key. verify compares the chain against them, and against a
-- copy exported off the machine (ketaflow audit checkpoints --out).
CREATE TABLE audit_checkpoints (
    clinic_id  UUID NOT NULL,
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    key_id     TEXT NOT NULL,
    signature  TEXT NOT NULL,
    PRIMARY KEY (clinic_id, seq)
);

-- Finding 1: entries written before this migration may carry clinical
-- values in their detail (a PHQ-9 score, a dose). The history is not
-- rewritten (the chain must still verify); the app withholds those details
-- from roles that may not read clinical content. last_seq is each chain's
-- last entry of that time.
CREATE TABLE audit_legacy (
    clinic_id  UUID PRIMARY KEY,
    last_seq   BIGINT NOT NULL
);
INSERT INTO audit_legacy (clinic_id, last_seq) SELECT clinic_id, MAX(seq) FROM audit_log GROUP BY clinic_id;

-- Finding 6: API tokens end (expires_at; a token made before this migration
-- has none and ends a year after it was made, access.TokenMaxLifetime) and
-- carry scopes, space-separated: read, write, device. Existing tokens keep
-- what they could do: read and write.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read write';
