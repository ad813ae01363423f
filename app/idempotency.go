package app

import (
	"context"
	"fmt"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
)

// IdempotentRequest is a write sent with an Idempotency-Key
// (draft-ietf-httpapi-idempotency-key-header): the key the client chose and
// a fingerprint of what it asked (method, path, body), so that a retry can
// be told from another request under the same key.
type IdempotentRequest struct {
	Key          string
	Method, Path string
	Fingerprint  string
}

// IdempotentAnswer is an answer as a retry gets it back: the status, the
// headers that describe the result (Content-Type, Location, ETag) and the
// body. Replayed is true when it is the stored answer of an earlier try.
type IdempotentAnswer struct {
	Status   int
	Headers  map[string]string
	Body     []byte
	Replayed bool
}

// ActionReplay is the audit action of a retry answered from the stored
// answer: the caller read again what their first try was answered.
const ActionReplay = "request.replay"

// Idempotent runs one write at most once per key of the actor's clinic and
// user:
//   - the first request with a key runs (run) in one transaction that every
//     service call it makes joins (store.Hold); a 2xx answer is stored in that
//     same transaction, so a server killed at any moment keeps both the
//     write and its answer, or neither;
//   - a retry with the same key and the same request gets the stored answer
//     (Replayed), audited, without the work being done again;
//   - the same key with another request is EKeyReused (422);
//   - a retry while the first is still running is EKeyInFlight (409).
//
// An answer that is not 2xx is not stored (nothing was created): a retry
// does the work again, and may succeed. Stored answers expire after the
// clinic's security.idempotency_key_hours.
func (a *App) Idempotent(ctx context.Context, actor access.Actor, req IdempotentRequest, run func(ctx context.Context) IdempotentAnswer) (IdempotentAnswer, error) {
	if actor.UserID == "" || actor.ClinicID == "" {
		return run(ctx), nil // nobody to keep the key for: a public endpoint
	}
	inflight := actor.ClinicID + "\x00" + actor.UserID + "\x00" + req.Key
	if _, busy := a.inflight.LoadOrStore(inflight, struct{}{}); busy {
		return IdempotentAnswer{}, &ketaflow.Error{Code: ketaflow.EKeyInFlight,
			Message: "a request with this Idempotency-Key is still being processed; retry once it has been answered"}
	}
	defer a.inflight.Delete(inflight)
	sec, err := a.security(ctx, actor.ClinicID)
	if err != nil {
		return IdempotentAnswer{}, err
	}
	var out IdempotentAnswer
	err = a.DB.Hold(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := a.Clock.Now()
		if err := tx.DeleteExpiredIdempotentAnswers(actor.ClinicID, now); err != nil {
			return err
		}
		stored, err := tx.IdempotentAnswer(actor.ClinicID, actor.UserID, req.Key)
		switch {
		case err == nil:
			if stored.Fingerprint != req.Fingerprint {
				return &ketaflow.Error{Code: ketaflow.EKeyReused, Field: "Idempotency-Key", Message: fmt.Sprintf(
					"this Idempotency-Key was used at %s for another request (%s %s, or another body): use a new key for a new request",
					stored.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"), stored.Method, stored.Path)}
			}
			out = IdempotentAnswer{Status: stored.Status, Headers: stored.Headers, Body: stored.Body, Replayed: true}
			return a.appendAudit(tx, actor, op{Action: ActionReplay, Category: access.CatAccount,
				Detail: fmt.Sprintf("%s %s answered again from its first answer of %s (Idempotency-Key)", stored.Method, stored.Path,
					stored.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"))}, audit.OK)
		case !ketaflow.IsCode(err, ketaflow.ENotFound):
			return err
		}
		out = run(ctx)
		if out.Status < 200 || out.Status > 299 {
			return nil // the refusal's audit entries commit; a retry runs again
		}
		err = tx.SaveIdempotentAnswer(store.IdempotentAnswer{ClinicID: actor.ClinicID, UserID: actor.UserID, Key: req.Key,
			Fingerprint: req.Fingerprint, Method: req.Method, Path: req.Path, Status: out.Status, Headers: out.Headers,
			Body: out.Body, CreatedAt: now, ExpiresAt: now.Add(sec.IdempotencyKeyTTL())})
		if ketaflow.IsCode(err, ketaflow.EConflict) {
			// Another server answered the key meanwhile; this try is undone.
			return &ketaflow.Error{Code: ketaflow.EKeyInFlight, Err: err,
				Message: "a request with this Idempotency-Key was answered meanwhile; retry to get its answer"}
		}
		return err
	})
	if err != nil {
		return IdempotentAnswer{}, err
	}
	return out, nil
}
