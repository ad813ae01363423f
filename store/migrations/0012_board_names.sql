-- How the floor board names the patient in a chair: by initials (the
-- default: a wall screen is read by whoever walks past) or by full name, a
-- clinic setting the admin chooses (ketaflow.BoardNames).
ALTER TABLE clinics ADD COLUMN board_names TEXT NOT NULL DEFAULT 'initials';
