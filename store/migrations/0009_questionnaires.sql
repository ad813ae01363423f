-- Answers are the patient's, once per visit (intake/answers.go): the
-- versions of each questionnaire's answers, only the newest link of a visit
-- open, the clinic tablet handed to the patient (access/handoff.go), and the
-- staff forms kept when a login ended before they were saved
-- (access/draft.go).

-- One row per version of a visit's answers to one instrument. The first
-- answers are version 1, each amendment the next; the primary key lets
-- only one submission take each version, so two submissions at the same
-- moment (two links, the tablet and a link) cannot both land. The gate
-- reads the newest version; the earlier ones stay.
CREATE TABLE questionnaire_versions (
    visit_id     UUID NOT NULL REFERENCES visits (id),
    instrument   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    response_id  UUID NOT NULL UNIQUE REFERENCES questionnaire_responses (id),
    -- why this version replaced the one before; '' for version 1. The
    -- response row holds who entered it and when.
    reason       TEXT NOT NULL,
    PRIMARY KEY (visit_id, instrument, version)
);

-- Answers saved before this migration, when a later submission replaced
-- the earlier one without a word, become versions in the order they came,
-- and say so.
INSERT INTO questionnaire_versions (visit_id, instrument, version, clinic_id, response_id, reason)
SELECT visit_id, instrument, n, clinic_id, id,
       CASE WHEN n = 1 THEN '' ELSE 'a second submission, saved before ketaflow kept one set of answers per visit; no reason was asked' END
FROM (SELECT visit_id, instrument, clinic_id, id,
             ROW_NUMBER() OVER (PARTITION BY visit_id, instrument ORDER BY submitted_at, id) AS n
      FROM questionnaire_responses) AS r;

-- Making a link voids the visit's earlier ones. Links open today are voided
-- by their visit's newest, at the time it was made.
ALTER TABLE questionnaire_links ADD COLUMN voided_at TIMESTAMPTZ;
UPDATE questionnaire_links SET voided_at = (
    SELECT MIN(n.created_at) FROM questionnaire_links n WHERE n.visit_id = questionnaire_links.visit_id
       AND (n.created_at > questionnaire_links.created_at
            OR (n.created_at = questionnaire_links.created_at AND n.token_hash > questionnaire_links.token_hash)))
WHERE used_at IS NULL AND EXISTS (
    SELECT 1 FROM questionnaire_links n WHERE n.visit_id = questionnaire_links.visit_id
       AND (n.created_at > questionnaire_links.created_at
            OR (n.created_at = questionnaire_links.created_at AND n.token_hash > questionnaire_links.token_hash)));
CREATE UNIQUE INDEX questionnaire_links_one_open ON questionnaire_links (visit_id) WHERE used_at IS NULL AND voided_at IS NULL;

-- The clinic tablet in the patient's hands. token_hash is the tablet
-- cookie's secret, hashed; login_hash the staff login that handing it over
-- ended. submitted_at is set once: one submission per hand-over.
CREATE TABLE tablet_handoffs (
    id            UUID PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    visit_id      UUID NOT NULL REFERENCES visits (id),
    patient_id    UUID NOT NULL REFERENCES patients (id),
    login_hash    TEXT NOT NULL,
    started_by    UUID NOT NULL REFERENCES users (id),
    started_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    submitted_at  TIMESTAMPTZ,
    alert         BOOLEAN NOT NULL,
    ended_at      TIMESTAMPTZ,
    ended_by      UUID REFERENCES users (id)
);
CREATE INDEX tablet_handoffs_visit ON tablet_handoffs (visit_id);

-- Staff forms posted after their login ended, sealed with a key only the
-- browser holds (a cookie), for the same user to check and save after
-- signing in again. Short-lived: a row is removed when it is given back,
-- refused to another user, or past expires_at.
CREATE TABLE form_drafts (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id),
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    login_hash  TEXT NOT NULL,
    page        TEXT NOT NULL,
    sealed      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX form_drafts_expiry ON form_drafts (expires_at);

-- +postgres
CREATE TRIGGER questionnaire_versions_append_only BEFORE UPDATE OR DELETE ON questionnaire_versions
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER questionnaire_versions_no_update BEFORE UPDATE ON questionnaire_versions BEGIN SELECT RAISE(ABORT, 'ketaflow: questionnaire_versions is append-only'); END;
CREATE TRIGGER questionnaire_versions_no_delete BEFORE DELETE ON questionnaire_versions BEGIN SELECT RAISE(ABORT, 'ketaflow: questionnaire_versions is append-only'); END;
-- +end
