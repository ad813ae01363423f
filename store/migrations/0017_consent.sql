-- Issue 10: informed consent and the Spravato REMS enrolment on file.

-- The clinic's consent text per route, written by an admin. A change is a
-- new version; versions are never changed, and a signed consent names the
-- version it was signed on.
CREATE TABLE consent_forms (
    id          UUID PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    route       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (clinic_id, route, version)
);

-- A consent signed by the patient with their typed name. The text is kept
-- exactly as the patient read it, so that a later version of the form
-- never changes what they agreed to.
CREATE TABLE consents (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    patient_id    UUID NOT NULL REFERENCES patients (id),
    route         TEXT NOT NULL,
    form_id       UUID NOT NULL REFERENCES consent_forms (id),
    form_version  INTEGER NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    typed_name    TEXT NOT NULL,
    signed_at     TIMESTAMPTZ NOT NULL,
    visit_id      UUID REFERENCES visits (id),   -- the visit whose tablet it was signed on
    handed_by     UUID NOT NULL REFERENCES users (id)  -- the staff member who handed over the tablet
);
CREATE INDEX consents_patient ON consents (clinic_id, patient_id, route, signed_at);

-- The patient's Spravato REMS enrolment: the enrolment id as recorded on
-- the patient record and the date the enrolment form was signed. The
-- newest counts; earlier ones stay.
CREATE TABLE rems_enrolments (
    id               UUID PRIMARY KEY,
    clinic_id        UUID NOT NULL REFERENCES clinics (id),
    patient_id       UUID NOT NULL REFERENCES patients (id),
    rems_patient_id  TEXT NOT NULL,
    enrolled_on      TEXT NOT NULL,   -- YYYY-MM-DD
    recorded_by      UUID NOT NULL REFERENCES users (id),
    recorded_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX rems_enrolments_patient ON rems_enrolments (clinic_id, patient_id, recorded_at);

-- +postgres
CREATE TRIGGER consent_forms_append_only BEFORE UPDATE OR DELETE ON consent_forms
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER consents_append_only BEFORE UPDATE OR DELETE ON consents
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER rems_enrolments_append_only BEFORE UPDATE OR DELETE ON rems_enrolments
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER consent_forms_no_update BEFORE UPDATE ON consent_forms BEGIN SELECT RAISE(ABORT, 'ketaflow: consent_forms is append-only'); END;
CREATE TRIGGER consent_forms_no_delete BEFORE DELETE ON consent_forms BEGIN SELECT RAISE(ABORT, 'ketaflow: consent_forms is append-only'); END;
CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents BEGIN SELECT RAISE(ABORT, 'ketaflow: consents is append-only'); END;
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents BEGIN SELECT RAISE(ABORT, 'ketaflow: consents is append-only'); END;
CREATE TRIGGER rems_enrolments_no_update BEFORE UPDATE ON rems_enrolments BEGIN SELECT RAISE(ABORT, 'ketaflow: rems_enrolments is append-only'); END;
CREATE TRIGGER rems_enrolments_no_delete BEFORE DELETE ON rems_enrolments BEGIN SELECT RAISE(ABORT, 'ketaflow: rems_enrolments is append-only'); END;
-- +end
