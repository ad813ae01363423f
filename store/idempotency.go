package store

import (
	"encoding/json"
	"time"

	"github.com/ketaflow/ketaflow"
)

// IdempotentAnswer is the stored answer of a request made with an
// Idempotency-Key: what a retry with the same key gets back.
type IdempotentAnswer struct {
	ClinicID, UserID, Key string
	// Fingerprint is a hash of what the request asked (method, path,
	// body, role): the same key with another request is refused.
	Fingerprint  string
	Method, Path string
	Status       int
	Headers      map[string]string
	Body         []byte
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// IdempotentAnswer returns the stored answer of a key, or ENotFound.
func (tx *Tx) IdempotentAnswer(clinicID, userID, key string) (IdempotentAnswer, error) {
	a := IdempotentAnswer{ClinicID: clinicID, UserID: userID, Key: key}
	var headers string
	err := tx.queryRow("get idempotent answer", "idempotency key", `SELECT fingerprint, method, path, status, headers, body,
		created_at, expires_at FROM idempotency_keys WHERE clinic_id = $1 AND user_id = $2 AND key = $3`,
		[]any{clinicID, userID, key}, &a.Fingerprint, &a.Method, &a.Path, &a.Status, &headers, &a.Body, &a.CreatedAt, &a.ExpiresAt)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(headers), &a.Headers); err != nil {
		return a, ketaflow.Internal("decode idempotent answer headers", err)
	}
	return a, nil
}

// SaveIdempotentAnswer stores the answer of a key. A key stored meanwhile
// (by another server) is EConflict.
func (tx *Tx) SaveIdempotentAnswer(a IdempotentAnswer) error {
	headers, err := json.Marshal(a.Headers)
	if err != nil {
		return ketaflow.Internal("encode idempotent answer headers", err)
	}
	body := a.Body
	if body == nil {
		body = []byte{}
	}
	_, err = tx.exec("save idempotent answer", `INSERT INTO idempotency_keys (clinic_id, user_id, key, fingerprint, method, path,
		status, headers, body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		a.ClinicID, a.UserID, a.Key, a.Fingerprint, a.Method, a.Path, a.Status, string(headers), body, a.CreatedAt, a.ExpiresAt)
	return err
}

// DeleteExpiredIdempotentAnswers deletes a clinic's answers expired at now.
func (tx *Tx) DeleteExpiredIdempotentAnswers(clinicID string, now time.Time) error {
	_, err := tx.exec("delete expired idempotent answers", `DELETE FROM idempotency_keys WHERE clinic_id = $1 AND expires_at <= $2`,
		clinicID, now)
	return err
}
