-- The controlled-substance ledger (dosing/ledger.go). Ketamine and
-- esketamine are Schedule III: every vial and Spravato kit is a lot, and
-- every movement of a lot is a row of ledger_entries that is never changed
-- or removed. A mistake is corrected by a later entry that says why.

-- One manufacturer's lot of one product as received. version is not a
-- count of edits (a lot is never edited): every append takes the lot's row
-- lock through it, so two entries on one lot are applied one after the
-- other and the books never go below zero.
CREATE TABLE lots (
    id                       UUID PRIMARY KEY,
    clinic_id                UUID NOT NULL REFERENCES clinics (id),
    drug                     TEXT NOT NULL,
    form                     TEXT NOT NULL,
    concentration_mg_per_ml  DOUBLE PRECISION NOT NULL,
    ml_per_vial              DOUBLE PRECISION NOT NULL,
    devices_per_kit          INTEGER NOT NULL,
    lot_number               TEXT NOT NULL,
    expiry                   TEXT NOT NULL,
    ndc                      TEXT NOT NULL,
    created_at               TIMESTAMPTZ NOT NULL,
    created_by               UUID NOT NULL REFERENCES users (id),
    version                  INTEGER NOT NULL,
    UNIQUE (clinic_id, drug, lot_number)
);
CREATE INDEX lots_clinic_expiry ON lots (clinic_id, expiry);

-- Every entry of every lot, in the order it was accepted (seq, per lot).
-- Quantities are in the lot's base unit (mL for vials, devices for
-- Spravato). balance_after is on-hand after the entry, so that a list of
-- lots reads one row per lot instead of replaying each; the service checks
-- it against a replay on every append. resolves names the count (its entry
-- id) whose discrepancy an adjustment resolves.
CREATE TABLE ledger_entries (
    id             UUID PRIMARY KEY,
    clinic_id      UUID NOT NULL REFERENCES clinics (id),
    lot_id         UUID NOT NULL REFERENCES lots (id),
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    quantity       DOUBLE PRECISION NOT NULL,
    visit_id       UUID,
    by_user        UUID NOT NULL REFERENCES users (id),
    witness_by     UUID REFERENCES users (id),
    counted        DOUBLE PRECISION NOT NULL,
    direction      TEXT NOT NULL,
    reason         TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    balance_after  DOUBLE PRECISION NOT NULL,
    resolves       UUID REFERENCES ledger_entries (id),
    UNIQUE (lot_id, seq),
    UNIQUE (resolves)
);
CREATE INDEX ledger_entries_visit ON ledger_entries (visit_id);
CREATE INDEX ledger_entries_clinic ON ledger_entries (clinic_id, at);

-- A count that differed from the books. It stays open until an adjustment
-- names it (ledger_entries.resolves = entry_id).
CREATE TABLE discrepancies (
    entry_id    UUID PRIMARY KEY REFERENCES ledger_entries (id),
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    lot_id      UUID NOT NULL REFERENCES lots (id),
    counted     DOUBLE PRECISION NOT NULL,
    expected    DOUBLE PRECISION NOT NULL,
    difference  DOUBLE PRECISION NOT NULL,
    unit        TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX discrepancies_clinic ON discrepancies (clinic_id, at);

-- +postgres
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER discrepancies_append_only BEFORE UPDATE OR DELETE ON discrepancies
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- A lot is never removed, and only its row lock may touch it.
CREATE FUNCTION ketaflow_lot_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ketaflow: lots are never removed' USING ERRCODE = 'P0001';
    END IF;
    IF (NEW.id, NEW.clinic_id, NEW.drug, NEW.form, NEW.concentration_mg_per_ml, NEW.ml_per_vial, NEW.devices_per_kit,
        NEW.lot_number, NEW.expiry, NEW.ndc, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.id, OLD.clinic_id, OLD.drug, OLD.form, OLD.concentration_mg_per_ml, OLD.ml_per_vial, OLD.devices_per_kit,
        OLD.lot_number, OLD.expiry, OLD.ndc, OLD.created_at, OLD.created_by) THEN
        RAISE EXCEPTION 'ketaflow: a lot is never changed; record a ledger entry instead' USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER lots_fixed BEFORE UPDATE OR DELETE ON lots
    FOR EACH ROW EXECUTE FUNCTION ketaflow_lot_fixed();
-- +sqlite
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ketaflow: ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ketaflow: ledger_entries is append-only'); END;
CREATE TRIGGER discrepancies_no_update BEFORE UPDATE ON discrepancies BEGIN SELECT RAISE(ABORT, 'ketaflow: discrepancies is append-only'); END;
CREATE TRIGGER discrepancies_no_delete BEFORE DELETE ON discrepancies BEGIN SELECT RAISE(ABORT, 'ketaflow: discrepancies is append-only'); END;
CREATE TRIGGER lots_no_delete BEFORE DELETE ON lots BEGIN SELECT RAISE(ABORT, 'ketaflow: lots are never removed (append-only)'); END;
CREATE TRIGGER lots_no_change BEFORE UPDATE OF id, clinic_id, drug, form, concentration_mg_per_ml, ml_per_vial, devices_per_kit,
    lot_number, expiry, ndc, created_at, created_by ON lots
    BEGIN SELECT RAISE(ABORT, 'ketaflow: a lot is never changed; record a ledger entry instead (append-only)'); END;
-- +end
