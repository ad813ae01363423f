-- Issue 10: the patient's journal (visions, feelings) written on the clinic
-- tablet, attached to the integration session it is for. A hand-over of the
-- tablet for the journal names that session (the visit it integrates); a
-- hand-over for the questionnaires names none.

CREATE TABLE integration_journal (
    id          UUID PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    visit_id    UUID NOT NULL REFERENCES integration_sessions (visit_id),
    patient_id  UUID NOT NULL REFERENCES patients (id),
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    source      TEXT NOT NULL,
    handoff_id  UUID REFERENCES tablet_handoffs (id),
    written_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX integration_journal_visit ON integration_journal (visit_id, written_at);

ALTER TABLE tablet_handoffs ADD COLUMN purpose TEXT NOT NULL DEFAULT 'questionnaires';

-- +postgres
CREATE TRIGGER integration_journal_append_only BEFORE UPDATE OR DELETE ON integration_journal FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER integration_journal_no_update BEFORE UPDATE ON integration_journal BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_journal is append-only'); END;
CREATE TRIGGER integration_journal_no_delete BEFORE DELETE ON integration_journal BEGIN SELECT RAISE(ABORT, 'ketaflow: integration_journal is append-only'); END;
-- +end
