package store

import (
	"context"
	"fmt"
	"sync/atomic"
)

// held is a write transaction that spans a whole request (Hold): the
// transactions the request's service calls open join it, each as a
// savepoint, so that what they write commits or rolls back with it.
type held struct {
	tx    *Tx
	after []func()
	n     atomic.Int64 // savepoint names
}

type heldKey struct{}

func heldOf(ctx context.Context, db *DB) *held {
	h, _ := ctx.Value(heldKey{}).(*held)
	if h == nil || h.tx.db != db {
		return nil
	}
	return h
}

// Hold runs fn in one write transaction that every Transact and View on
// ctx's descendants joins, as a savepoint of its own: an idempotent request
// (Idempotency-Key) stores its answer in the transaction of the write it
// protects, so that both commit or neither does. Functions given to
// AfterCommit inside run once it has committed, not before.
func (db *DB) Hold(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if heldOf(ctx, db) != nil {
		return fmt.Errorf("store: Hold inside a held transaction")
	}
	var h *held
	err := db.run(ctx, db.writer, nil, &db.writes, func(tx *Tx) error {
		h = &held{tx: tx}
		return fn(context.WithValue(ctx, heldKey{}, h), tx)
	})
	if err == nil {
		for _, f := range h.after {
			f()
		}
	}
	return err
}

// AfterCommit runs f once the transaction ctx is in has committed: at once
// outside a Hold, at the Hold's commit inside one (and never if it rolls
// back). Events about a write are published this way, so that nobody
// reads for them before the write is there.
func (db *DB) AfterCommit(ctx context.Context, f func()) {
	if h := heldOf(ctx, db); h != nil {
		h.after = append(h.after, f)
		return
	}
	f()
}

// joined runs fn inside the held transaction as a savepoint: released
// when fn returns nil, rolled back to when it returns an error or panics,
// so a failed call leaves nothing behind, as its own transaction would.
func (h *held) joined(ctx context.Context, fn func(*Tx) error) (err error) {
	name := fmt.Sprintf("sp%d", h.n.Add(1))
	tx := &Tx{tx: h.tx.tx, db: h.tx.db, ctx: ctx}
	if _, err := tx.exec("savepoint", "SAVEPOINT "+name); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.exec("rollback to savepoint", "ROLLBACK TO SAVEPOINT "+name)
			panic(p)
		}
		if err != nil {
			if _, rerr := tx.exec("rollback to savepoint", "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
				err = fmt.Errorf("%w (and the rollback failed: %v)", err, rerr)
			}
			return
		}
		_, err = tx.exec("release savepoint", "RELEASE SAVEPOINT "+name)
	}()
	return fn(tx)
}

// Held reports whether ctx is inside a Hold of db: what it reads may yet
// roll back, so it is not cached.
func (db *DB) Held(ctx context.Context) bool { return heldOf(ctx, db) != nil }
