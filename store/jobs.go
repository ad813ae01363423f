package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/reminders"
)

// JobState is where a queued job stands (reminders.State).
type JobState = reminders.State

const (
	JobWaiting   = reminders.Waiting
	JobRunning   = reminders.Running
	JobSent      = reminders.Sent
	JobFailed    = reminders.Failed
	JobCancelled = reminders.Cancelled
)

// JobStates lists the states in the order the outbox shows them.
var JobStates = []JobState{JobWaiting, JobRunning, JobSent, JobFailed, JobCancelled}

// Job is one queued email to a patient (migration 0020).
type Job struct {
	ID         string
	ClinicID   string
	Kind       reminders.Kind
	UniqueKey  string
	VisitID    string
	PatientID  string
	CreatedBy  string // "" when no staff member's write enqueued it
	CreatedAt  time.Time
	RunAt      time.Time
	State      JobState
	Attempts   int
	LeaseOwner string
	LeaseUntil *time.Time
	LastError  string
	Recipient  string
	DoneAt     *time.Time
	// PatientName is the patient's legal name, for the outbox.
	PatientName string
}

// JobKey is the unique key of a visit's job of a kind: a visit has at
// most one of each.
func JobKey(kind reminders.Kind, visitID string) string { return string(kind) + ":" + visitID }

// EnqueueJob adds a job unless one with its unique key exists already; it
// reports whether it added it. Call it in the transaction that creates the
// job's reason, so that the two commit together.
func (tx *Tx) EnqueueJob(j Job) (bool, error) {
	res, err := tx.exec("enqueue job", `INSERT INTO jobs (id, clinic_id, kind, unique_key, visit_id, patient_id, created_by,
		created_at, run_at, state, attempts, lease_owner, last_error, recipient)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting', 0, '', '', '')
		ON CONFLICT (unique_key) DO NOTHING`,
		j.ID, j.ClinicID, string(j.Kind), j.UniqueKey, j.VisitID, j.PatientID, nullID(j.CreatedBy), j.CreatedAt, j.RunAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, tx.db.mapErr("enqueue job", err)
}

const jobColumns = `j.id, j.clinic_id, j.kind, j.unique_key, j.visit_id, j.patient_id, j.created_by, j.created_at, j.run_at,
	j.state, j.attempts, j.lease_owner, j.lease_until, j.last_error, j.recipient, j.done_at, p.legal_name`

func scanJobs(rows *sql.Rows, err error) ([]Job, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var kind, state string
		if err := rows.Scan(&j.ID, &j.ClinicID, &kind, &j.UniqueKey, &j.VisitID, &j.PatientID, nullString{&j.CreatedBy},
			&j.CreatedAt, &j.RunAt, &state, &j.Attempts, &j.LeaseOwner, nullTime{&j.LeaseUntil}, &j.LastError, &j.Recipient,
			nullTime{&j.DoneAt}, &j.PatientName); err != nil {
			return nil, fmt.Errorf("scan job: %w", err)
		}
		j.Kind, j.State = reminders.Kind(kind), reminders.State(state)
		j.CreatedAt, j.RunAt = j.CreatedAt.UTC(), j.RunAt.UTC()
		out = append(out, j)
	}
	return out, rows.Err()
}

// DueJobs lists up to limit jobs a worker may take at now, of every
// clinic, the longest due first: waiting ones whose time has come, and
// running ones whose worker's lease ran out (it died or lost the
// database).
func (tx *Tx) DueJobs(now time.Time, limit int) ([]Job, error) {
	return scanJobs(tx.query("due jobs", `SELECT `+jobColumns+` FROM jobs j JOIN patients p ON p.id = j.patient_id
		WHERE (j.state = 'waiting' AND j.run_at <= $1) OR (j.state = 'running' AND j.lease_until <= $1)
		ORDER BY j.run_at, j.id LIMIT $2`, now, limit))
}

// Job reads one job.
func (tx *Tx) Job(id string) (Job, error) {
	js, err := scanJobs(tx.query("get job", `SELECT `+jobColumns+` FROM jobs j JOIN patients p ON p.id = j.patient_id
		WHERE j.id = $1`, id))
	if err != nil {
		return Job{}, err
	}
	if len(js) == 0 {
		return Job{}, ketaflow.NotFound("job")
	}
	return js[0], nil
}

// JobQuery selects jobs for the outbox.
type JobQuery struct {
	States []JobState // none: every state
	Limit  int
}

// Jobs lists a clinic's jobs, the latest due first.
func (tx *Tx) Jobs(clinicID string, q JobQuery) ([]Job, error) {
	args := []any{clinicID}
	where := "j.clinic_id = $1"
	if len(q.States) > 0 {
		var ps []string
		for _, s := range q.States {
			args = append(args, string(s))
			ps = append(ps, fmt.Sprintf("$%d", len(args)))
		}
		where += " AND j.state IN (" + strings.Join(ps, ", ") + ")"
	}
	limit := ""
	if q.Limit > 0 {
		args = append(args, q.Limit)
		limit = fmt.Sprintf(" LIMIT $%d", len(args))
	}
	return scanJobs(tx.query("list jobs", `SELECT `+jobColumns+` FROM jobs j JOIN patients p ON p.id = j.patient_id
		WHERE `+where+` ORDER BY j.run_at DESC, j.id`+limit, args...))
}

// CountJobs counts a clinic's jobs by state.
func (tx *Tx) CountJobs(clinicID string) (map[JobState]int, error) {
	rows, err := tx.query("count jobs", `SELECT state, COUNT(*) FROM jobs WHERE clinic_id = $1 GROUP BY state`, clinicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[JobState]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, tx.db.mapErr("count jobs", err)
		}
		out[reminders.State(s)] = n
	}
	return out, tx.db.mapErr("count jobs", rows.Err())
}

// ClaimJob lets owner take a due job until leaseUntil, counting a try: it
// reports false when the job is no longer due (another worker took it
// first, or it is done). The guard in the UPDATE makes the claim safe
// between workers on both databases without a dialect's row locks.
func (tx *Tx) ClaimJob(id, owner string, now, leaseUntil time.Time) (Job, bool, error) {
	res, err := tx.exec("claim job", `UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1
		WHERE id = $3 AND ((state = 'waiting' AND run_at <= $4) OR (state = 'running' AND lease_until <= $4))`,
		owner, leaseUntil, id, now)
	if err != nil {
		return Job{}, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return Job{}, false, tx.db.mapErr("claim job", err)
	}
	j, err := tx.Job(id)
	if err != nil {
		return j, false, err
	}
	// A try an earlier worker started and never ended (it died) ends here.
	if _, err := tx.exec("end abandoned try", `UPDATE job_attempts SET ended_at = $1, outcome = 'abandoned',
		error = 'the worker stopped before it recorded the outcome' WHERE job_id = $2 AND ended_at IS NULL`, now, id); err != nil {
		return j, false, err
	}
	_, err = tx.exec("start try", `INSERT INTO job_attempts (job_id, n, started_at, outcome, error) VALUES ($1, $2, $3, 'running', '')`,
		id, j.Attempts, now)
	return j, err == nil, err
}

// JobOutcome is how a try of a job ended.
type JobOutcome struct {
	State     JobState   // sent, waiting (try again at RetryAt), failed or cancelled
	RetryAt   time.Time  // for waiting
	Error     string     // what went wrong, for failed, cancelled and waiting
	Recipient string     // the address tried
	At        time.Time  // when the try ended
	DoneAt    *time.Time // set for sent, failed and cancelled
}

// FinishJob records how owner's try number n of a job ended. It fails with
// EConflict when the job is no longer owner's try n (its lease ran out and
// another worker took it), so that an outcome is never recorded twice.
func (tx *Tx) FinishJob(id, owner string, n int, o JobOutcome) error {
	runAt := any(nil)
	if o.State == JobWaiting {
		runAt = o.RetryAt
	}
	var done any
	if o.State != JobWaiting {
		done = o.At
	}
	res, err := tx.exec("finish job", `UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), last_error = $3,
		recipient = CASE WHEN $4 = '' THEN recipient ELSE $4 END, done_at = $5, lease_owner = '', lease_until = NULL
		WHERE id = $6 AND state = 'running' AND lease_owner = $7 AND attempts = $8`,
		string(o.State), runAt, o.Error, o.Recipient, done, id, owner, n)
	if err := tx.one(res, err, "job"); err != nil {
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return ketaflow.Errorf(ketaflow.EConflict, "job %s: try %d is no longer this worker's", id, n)
		}
		return err
	}
	outcome := string(o.State)
	if o.State == JobWaiting {
		outcome = "retry"
	}
	_, err = tx.exec("end try", `UPDATE job_attempts SET ended_at = $1, outcome = $2, error = $3 WHERE job_id = $4 AND n = $5`,
		o.At, outcome, o.Error, id, n)
	return err
}

// ReleaseJob gives back owner's try n of a job that a stopping worker
// claimed and did not send: the job waits as before, and the try is not
// counted.
func (tx *Tx) ReleaseJob(id, owner string, n int) error {
	res, err := tx.exec("release job", `UPDATE jobs SET state = 'waiting', attempts = attempts - 1, lease_owner = '', lease_until = NULL
		WHERE id = $1 AND state = 'running' AND lease_owner = $2 AND attempts = $3`, id, owner, n)
	if err := tx.one(res, err, "job"); err != nil {
		return err
	}
	_, err = tx.exec("forget try", `DELETE FROM job_attempts WHERE job_id = $1 AND n = $2`, id, n)
	return err
}

// JobAttempt is one try of a job.
type JobAttempt struct {
	N         int
	StartedAt time.Time
	EndedAt   *time.Time
	Outcome   string // running, sent, retry, failed, cancelled, abandoned
	Error     string
}

// JobAttempts lists the tries of the jobs, by job id, oldest first.
func (tx *Tx) JobAttempts(ids []string) (map[string][]JobAttempt, error) {
	out := map[string][]JobAttempt{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	ps := make([]string, len(ids))
	for i, id := range ids {
		args[i], ps[i] = id, fmt.Sprintf("$%d", i+1)
	}
	rows, err := tx.query("job attempts", `SELECT job_id, n, started_at, ended_at, outcome, error FROM job_attempts
		WHERE job_id IN (`+strings.Join(ps, ", ")+`) ORDER BY job_id, n`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a JobAttempt
		if err := rows.Scan(nullString{&id}, &a.N, &a.StartedAt, nullTime{&a.EndedAt}, &a.Outcome, &a.Error); err != nil {
			return nil, tx.db.mapErr("job attempts", err)
		}
		a.StartedAt = a.StartedAt.UTC()
		out[id] = append(out[id], a)
	}
	return out, tx.db.mapErr("job attempts", rows.Err())
}
