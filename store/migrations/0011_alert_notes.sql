-- Issue 8's review: a nurse at the chair records what they did on an alert
-- only the prescriber acknowledges (alerts.Noted). A note takes nothing
-- from the alert, and an alert may have many, so the once-only index names
-- the steps that happen once rather than the ones that may repeat.
DROP INDEX alert_events_once;
CREATE UNIQUE INDEX alert_events_once ON alert_events (alert_id, kind) WHERE kind IN ('resolved', 'cleared', 'escalated');
