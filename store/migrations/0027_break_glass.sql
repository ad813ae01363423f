-- Issue 13, item 6: break-glass. A named admin opens a patient's record
-- outside their role with a written reason, for a time the clinic's
-- protocol sets (security.break_glass_minutes). The reason is kept here,
-- not in the audit log (whose entries name the grant); another admin
-- reviews it (the alert to the other admins).
CREATE TABLE break_glass (
    id          UUID PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    user_id     UUID NOT NULL REFERENCES users (id),
    patient_id  UUID NOT NULL REFERENCES patients (id),
    reason      TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    reviewed_by UUID REFERENCES users (id),
    reviewed_at TIMESTAMPTZ
);
CREATE INDEX break_glass_user ON break_glass (user_id, expires_at);
CREATE INDEX break_glass_clinic ON break_glass (clinic_id, started_at);
