-- Issues 12 and 14: bedside monitors. A monitor is clinic data: the key it
-- names itself by (its bed id, or its sending application^facility) and the
-- chair an admin assigned it to. What a device sends that is not LOINC is
-- mapped by the clinic's own code table. Device readings are kept apart
-- from the charted vital_signs: they enter the chart only when a nurse
-- validates one, which makes a vital_signs row and links the two.

CREATE TABLE monitors (
    id          UUID PRIMARY KEY,
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    chair_id    UUID REFERENCES chairs (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (clinic_id, key)
);

CREATE TABLE device_codes (
    clinic_id   UUID NOT NULL REFERENCES clinics (id),
    system      TEXT NOT NULL,
    code        TEXT NOT NULL,
    vital       TEXT NOT NULL,
    unit        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (clinic_id, system, code)
);

-- A value of 0 is "not sent". visit_id is NULL for a reading kept as
-- unassigned, with the reason in unassigned.
CREATE TABLE device_readings (
    id                UUID PRIMARY KEY,
    clinic_id         UUID NOT NULL REFERENCES clinics (id),
    monitor_key       TEXT NOT NULL,
    monitor_id        UUID REFERENCES monitors (id),
    chair_id          UUID REFERENCES chairs (id),
    visit_id          UUID REFERENCES visits (id),
    patient_id        UUID REFERENCES patients (id),
    taken_at          TIMESTAMPTZ NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL,
    spo2              INTEGER NOT NULL,
    pulse_rate        INTEGER NOT NULL,
    systolic          INTEGER NOT NULL,
    diastolic         INTEGER NOT NULL,
    mean_pressure     INTEGER NOT NULL,
    respiratory_rate  INTEGER NOT NULL,
    source            TEXT NOT NULL,
    message_id        TEXT NOT NULL,
    unassigned        TEXT NOT NULL
);
-- The live trend and the SpO2 rule read a visit's last seconds or minutes;
-- an index on the time keeps that read the same size however long the
-- visit's history is.
CREATE INDEX device_readings_visit ON device_readings (visit_id, taken_at);
CREATE INDEX device_readings_unassigned ON device_readings (clinic_id, received_at) WHERE visit_id IS NULL;

-- A reading validated into the chart, once.
CREATE TABLE device_validations (
    device_reading_id  UUID PRIMARY KEY REFERENCES device_readings (id),
    clinic_id          UUID NOT NULL REFERENCES clinics (id),
    visit_id           UUID NOT NULL REFERENCES visits (id),
    vital_sign_id      UUID NOT NULL REFERENCES vital_signs (id),
    validated_by       UUID NOT NULL REFERENCES users (id),
    validated_at       TIMESTAMPTZ NOT NULL
);

-- Each HL7 message is stored once: a monitor that did not hear the ACK
-- sends the same message control id again.
CREATE TABLE device_messages (
    clinic_id    UUID NOT NULL REFERENCES clinics (id),
    sender       TEXT NOT NULL,
    control_id   TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    readings     INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, sender, control_id)
);

-- The chair's visit on the floor, found per reading.
CREATE INDEX visits_chair_state ON visits (chair_id, state);

-- +postgres
CREATE TRIGGER device_readings_append_only BEFORE UPDATE OR DELETE ON device_readings
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER device_validations_append_only BEFORE UPDATE OR DELETE ON device_validations
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER device_readings_no_update BEFORE UPDATE ON device_readings BEGIN SELECT RAISE(ABORT, 'ketaflow: device_readings is append-only'); END;
CREATE TRIGGER device_readings_no_delete BEFORE DELETE ON device_readings BEGIN SELECT RAISE(ABORT, 'ketaflow: device_readings is append-only'); END;
CREATE TRIGGER device_validations_no_update BEFORE UPDATE ON device_validations BEGIN SELECT RAISE(ABORT, 'ketaflow: device_validations is append-only'); END;
CREATE TRIGGER device_validations_no_delete BEFORE DELETE ON device_validations BEGIN SELECT RAISE(ABORT, 'ketaflow: device_validations is append-only'); END;
-- +end
