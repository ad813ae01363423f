-- The clinic protocol as versioned data, the treatment chairs, and the
-- clinic's REMS certification (Spravato may only be given in a certified
-- healthcare setting).

CREATE TABLE protocol_versions (
    id          UUID PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    number      INTEGER NOT NULL,
    rules       TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    reason      TEXT NOT NULL,
    UNIQUE (clinic_id, number)
);

CREATE TABLE chairs (
    id          UUID PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    name        TEXT NOT NULL,
    active      BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (clinic_id, name)
);

ALTER TABLE clinics ADD COLUMN rems_setting_id TEXT NOT NULL DEFAULT '';

-- +postgres
CREATE TRIGGER protocol_versions_append_only BEFORE UPDATE OR DELETE ON protocol_versions
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER protocol_versions_no_update BEFORE UPDATE ON protocol_versions
    BEGIN SELECT RAISE(ABORT, 'ketaflow: protocol_versions is append-only'); END;
CREATE TRIGGER protocol_versions_no_delete BEFORE DELETE ON protocol_versions
    BEGIN SELECT RAISE(ABORT, 'ketaflow: protocol_versions is append-only'); END;
-- +end
