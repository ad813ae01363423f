package store

import (
	"database/sql"
	"errors"

	"github.com/ketaflow/ketaflow"
)

// one checks that an UPDATE touched exactly one row; none is NotFound(what).
func (tx *Tx) one(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return tx.db.mapErr("rows affected", err)
	}
	if n == 0 {
		return ketaflow.NotFound(what)
	}
	return nil
}

// notFound maps sql.ErrNoRows to NotFound(what) and other errors as mapErr.
func (tx *Tx) notFound(err error, what, op string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ketaflow.NotFound(what)
	}
	return tx.db.mapErr(op, err)
}
