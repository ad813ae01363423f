-- Issue 8: the times clinicians write down, and the dose rules of a course.

-- Late charting: a reading, a session event or an adverse event whose stated
-- time is well before it was entered carries the reason it was entered late
-- (charting/charting.go); '' when it was charted on time.
ALTER TABLE vital_signs ADD COLUMN late_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE session_events ADD COLUMN late_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE adverse_events ADD COLUMN late_reason TEXT NOT NULL DEFAULT '';

-- A dose order that departs from a course rule (the first Spravato dose)
-- keeps which rules the prescriber overrode and why (dosing/course.go).
ALTER TABLE dose_orders ADD COLUMN overridden TEXT NOT NULL DEFAULT '';
ALTER TABLE dose_orders ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';

-- A Spravato visit discharged with its REMS form incomplete keeps what was
-- missing and the prescriber's reason; the form stays due until it is
-- completed and submitted.
ALTER TABLE rems_forms ADD COLUMN missing TEXT NOT NULL DEFAULT '';
ALTER TABLE rems_forms ADD COLUMN incomplete_reason TEXT NOT NULL DEFAULT '';
