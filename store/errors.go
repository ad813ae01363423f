package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ketaflow/ketaflow"
)

// diskFull is a write refused because the database's disk (or its size
// limit) is full: the transaction was rolled back whole, so nothing of the
// write was kept, and nothing written before is touched; the write can be
// sent again once space is freed.
func diskFull(err error) error {
	return &ketaflow.Error{Code: ketaflow.EUnavailable, Err: err,
		Message: "the database's disk is full: this was not saved (nothing else is lost); ask the administrator to free space, then try again"}
}

// mapErr turns a driver error into a ketaflow error: a unique or foreign key
// violation becomes EConflict or EInvalid, a busy or full database
// EUnavailable, and
// anything else EInternal with the operation named for the log.
func (db *DB) mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var kerr *ketaflow.Error
	if errors.As(err, &kerr) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &ketaflow.Error{Code: ketaflow.EUnavailable, Message: "the request was cancelled or timed out", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return &ketaflow.Error{Code: ketaflow.EConflict, Message: "that already exists", Err: err}
		case "23503": // foreign_key_violation
			return &ketaflow.Error{Code: ketaflow.EInvalid, Message: "a referenced record does not exist", Err: err}
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return &ketaflow.Error{Code: ketaflow.EConflict, Message: "the record changed meanwhile; try again", Err: err}
		case "53100": // disk_full
			return diskFull(err)
		case "P0001": // raised by our append-only triggers
			return &ketaflow.Error{Code: ketaflow.EConflict, Message: "this record cannot be changed; add an amendment instead", Err: err}
		}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &ketaflow.Error{Code: ketaflow.EConflict, Message: "that already exists", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &ketaflow.Error{Code: ketaflow.EInvalid, Message: "a referenced record does not exist", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			return &ketaflow.Error{Code: ketaflow.EConflict, Message: "this record cannot be changed; add an amendment instead", Err: err}
		case sqlite3.SQLITE_FULL:
			return diskFull(err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &ketaflow.Error{Code: ketaflow.EUnavailable, Message: "the database is busy; try again", Err: err}
		}
		if strings.Contains(sqErr.Error(), "append-only") {
			return &ketaflow.Error{Code: ketaflow.EConflict, Message: "this record cannot be changed; add an amendment instead", Err: err}
		}
	}
	return ketaflow.Internal(op, err)
}
