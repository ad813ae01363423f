package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The servers of one PostgreSQL database tell each other what changed with
// LISTEN/NOTIFY, so that a page open on one server follows a write made
// through another. SQLite is one process: its events stay in it.

// Notify sends payload to the servers listening on channel. It is sent
// after the write it tells of has committed, on a connection of its own;
// on SQLite it does nothing.
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.Dialect != Postgres {
		return nil
	}
	if _, err := db.writer.ExecContext(ctx, `SELECT pg_notify($1, $2)`, channel, payload); err != nil {
		return db.mapErr("notify "+channel, err)
	}
	return nil
}

// Listener is what Listen calls.
type Listener struct {
	// Listening is called each time the connection is listening again,
	// first when it starts: whatever was sent while it was down was not
	// heard.
	Listening func()
	// Heard is called with each payload, in the order they were sent.
	Heard func(payload string)
	// Lost is called when the connection fails; Listen then connects
	// again, waiting a little longer each time up to a few seconds.
	Lost func(err error)
}

// listenRetry bounds the wait between two attempts to listen again.
const (
	listenRetryFirst = 100 * time.Millisecond
	listenRetryMax   = 5 * time.Second
)

// Listen listens on channel on a PostgreSQL connection of its own until ctx
// ends, connecting again when the connection fails. On SQLite it returns at
// once: there is nobody else to hear.
func (db *DB) Listen(ctx context.Context, channel string, l Listener) {
	if db.Dialect != Postgres {
		return
	}
	wait := listenRetryFirst
	for {
		listened, err := db.listenOnce(ctx, channel, l)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait = listenRetryFirst
		}
		if l.Lost != nil {
			l.Lost(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, listenRetryMax)
	}
}

// listenOnce listens until the connection fails or ctx ends; it reports
// whether it got as far as listening.
func (db *DB) listenOnce(ctx context.Context, channel string, l Listener) (bool, error) {
	conn, err := pgx.ConnectConfig(ctx, db.pgConfig)
	if err != nil {
		return false, fmt.Errorf("listen on %s: connect: %w", channel, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen on %s: %w", channel, err)
	}
	if l.Listening != nil {
		l.Listening()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("listen on %s: %w", channel, err)
		}
		if l.Heard != nil {
			l.Heard(n.Payload)
		}
	}
}
