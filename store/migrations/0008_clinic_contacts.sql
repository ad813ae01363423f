-- The numbers a clinic gives to the people it looks after: its own phone,
-- the prescriber on call, and the crisis line (988, the US Suicide & Crisis
-- Lifeline, until the clinic enters its local one). The crisis texts are
-- built from them (ketaflow.Contacts); they were protocol texts with a
-- placeholder for the numbers.
ALTER TABLE clinics ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN on_call_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN crisis_line TEXT NOT NULL DEFAULT '988';
