package store

import (
	"database/sql"
	"errors"
	"strconv"

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

// placeholders returns "$from, $from+1, ..." for n arguments.
func placeholders(n, from int) string {
	var b []byte
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(from+i), 10)
	}
	return string(b)
}

// scanAll runs a query and calls scan for each row.
func (tx *Tx) scanAll(op, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := tx.query(op, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return tx.db.mapErr(op, err)
		}
	}
	return tx.db.mapErr(op, rows.Err())
}
