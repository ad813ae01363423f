-- One life for every alert (package alerts): PHQ-9 item 9, in-session
-- readings out of limits, and later a worrying morning-after check-in. An
-- alert row is never changed; what happens to it afterwards (acknowledged
-- with the action taken, resolved, cleared by a reading, escalated) is a
-- row of alert_events.

CREATE TABLE alerts (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    visit_id      UUID NOT NULL REFERENCES visits (id),
    patient_id    UUID NOT NULL REFERENCES patients (id),
    kind          TEXT NOT NULL,
    severity      TEXT NOT NULL,
    addressed_to  TEXT NOT NULL,
    raised_at     TIMESTAMPTZ NOT NULL,
    since         TIMESTAMPTZ NOT NULL,
    detail        TEXT NOT NULL,
    reading_ids   TEXT NOT NULL,
    response_id   UUID REFERENCES questionnaire_responses (id),
    item9         INTEGER NOT NULL
);
CREATE INDEX alerts_clinic ON alerts (clinic_id, raised_at);
CREATE INDEX alerts_visit ON alerts (visit_id, raised_at);

-- by_user is NULL for what ketaflow itself recorded (a reading cleared the
-- alert, the escalation clock). risk and proceed are a PHQ-9 item 9 risk
-- assessment's; severity and addressed_to an escalation's.
CREATE TABLE alert_events (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    alert_id      UUID NOT NULL REFERENCES alerts (id),
    kind          TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    by_user       UUID REFERENCES users (id),
    action        TEXT NOT NULL,
    risk          TEXT NOT NULL,
    proceed       BOOLEAN,
    severity      TEXT NOT NULL,
    addressed_to  TEXT NOT NULL
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, at);
-- An alert is resolved, cleared and escalated at most once; the escalation
-- is recorded by whoever notices it first (a read, the server's ticker),
-- and the others' inserts do nothing. A PHQ-9 item 9 alert may be assessed
-- again: each assessment is an acknowledgement.
CREATE UNIQUE INDEX alert_events_once ON alert_events (alert_id, kind) WHERE kind <> 'acknowledged';

-- The PHQ-9 item 9 alerts recorded so far, with their ids, and each risk
-- assessment as the acknowledgement it is. safety_alerts and
-- risk_assessments stay as they were (append-only, no longer written).
INSERT INTO alerts (id, clinic_id, visit_id, patient_id, kind, severity, addressed_to, raised_at, since, detail, reading_ids,
    response_id, item9)
SELECT id, clinic_id, visit_id, patient_id, 'phq9_item9', 'urgent', 'prescriber', raised_at, raised_at, '', '[]', response_id, item9
FROM safety_alerts;
INSERT INTO alert_events (id, clinic_id, alert_id, kind, at, recorded_at, by_user, action, risk, proceed, severity, addressed_to)
SELECT id, clinic_id, alert_id, 'acknowledged', assessed_at, assessed_at, assessed_by, plan, risk, proceed, '', ''
FROM risk_assessments;
-- An alert whose latest assessment let dosing go ahead, or whose visit has
-- left its gate, was answered by it: resolved then, as the app does now.
-- The event takes the alert's id, which no other event has.
INSERT INTO alert_events (id, clinic_id, alert_id, kind, at, recorded_at, by_user, action, risk, proceed, severity, addressed_to)
SELECT s.id, s.clinic_id, s.id, 'resolved', r.assessed_at, r.assessed_at, r.assessed_by,
    CASE WHEN r.proceed THEN 'answered by the risk assessment: dosing may go ahead'
        ELSE 'answered by the risk assessment: no dosing today' END, '', NULL, '', ''
FROM safety_alerts s JOIN risk_assessments r ON r.alert_id = s.id JOIN visits v ON v.id = s.visit_id
WHERE NOT EXISTS (SELECT 1 FROM risk_assessments r2 WHERE r2.alert_id = s.id
        AND (r2.assessed_at > r.assessed_at OR (r2.assessed_at = r.assessed_at AND r2.id > r.id)))
    AND (r.proceed OR v.state NOT IN ('booked', 'checked_in', 'cleared'));

-- +postgres
CREATE TRIGGER alerts_append_only BEFORE UPDATE OR DELETE ON alerts
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
CREATE TRIGGER alert_events_append_only BEFORE UPDATE OR DELETE ON alert_events
    FOR EACH ROW EXECUTE FUNCTION ketaflow_append_only();
-- +sqlite
CREATE TRIGGER alerts_no_update BEFORE UPDATE ON alerts BEGIN SELECT RAISE(ABORT, 'ketaflow: alerts is append-only'); END;
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts BEGIN SELECT RAISE(ABORT, 'ketaflow: alerts is append-only'); END;
CREATE TRIGGER alert_events_no_update BEFORE UPDATE ON alert_events BEGIN SELECT RAISE(ABORT, 'ketaflow: alert_events is append-only'); END;
CREATE TRIGGER alert_events_no_delete BEFORE DELETE ON alert_events BEGIN SELECT RAISE(ABORT, 'ketaflow: alert_events is append-only'); END;
-- +end
