-- A staff member's sign-in is a login; "session" in ketaflow is a treatment
-- session. The table of logins takes the name.
ALTER TABLE sessions RENAME TO logins;
DROP INDEX sessions_user;
CREATE INDEX logins_user ON logins (user_id);
