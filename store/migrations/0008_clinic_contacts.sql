-- The numbers a clinic gives to the people it looks after: its own phone,
-- the prescriber on call, and the crisis line (988, the US Suicide & Crisis
-- Lifeline, until the clinic enters its local one). The crisis texts are
-- built from them (ketaflow.Contacts); they were protocol texts with a
-- placeholder for the numbers.
ALTER TABLE clinics ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN on_call_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN crisis_line TEXT NOT NULL DEFAULT '988';

-- A clinic made by `serve --demo` is fictional. Only a database whose every
-- clinic is one may run on the training clock (serve --demo --clock
-- manual), so that no real record is ever stamped with a time an admin
-- moved forward.
ALTER TABLE clinics ADD COLUMN demo BOOLEAN NOT NULL DEFAULT FALSE;
