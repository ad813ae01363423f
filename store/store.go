// Package store keeps ketaflow's data in SQLite (the default, embedded, pure
// Go) or PostgreSQL. One set of SQL serves both; the few places where the
// dialects differ are named in this package. Driver errors become ketaflow
// errors here, at the edge.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"           // the "sqlite" database/sql driver, pure Go

	"github.com/ketaflow/ketaflow"
)

// Dialect names which database a DB talks to.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DefaultPath is the SQLite file used when no database is named.
const DefaultPath = "ketaflow.db"

// DB is an open database. For SQLite it holds one writer connection (SQLite
// allows one writer at a time; queueing in Go is cheaper than busy retries)
// and a pool of read-only connections. For PostgreSQL both are one pool.
type DB struct {
	Dialect Dialect
	writer  *sql.DB
	reader  *sql.DB
	// Location says where the data is, without any password, for logs.
	Location string
	// pgConfig opens the PostgreSQL connection that listens for the
	// events of the other servers (notify.go); nil for SQLite.
	pgConfig *pgx.ConnConfig

	writes, reads atomic.Int64 // transactions committed, for Stats
}

// Stats counts the transactions a DB has committed since it was opened.
type Stats struct {
	Writes int64 // write transactions (Transact)
	Reads  int64 // read-only transactions (View)
}

// Stats returns how many transactions have committed. Tests use it to see
// that one request is one transaction.
func (db *DB) Stats() Stats { return Stats{Writes: db.writes.Load(), Reads: db.reads.Load()} }

// Pools are the database's connection pools by name ("writer", "reader"),
// for the operators' metrics: the writer's wait is how long writes queue
// for SQLite's single writer or PostgreSQL's connections.
// PostgreSQL has one pool for both ("pool").
func (db *DB) Pools() map[string]*sql.DB {
	if db.writer == db.reader {
		return map[string]*sql.DB{"pool": db.writer}
	}
	return map[string]*sql.DB{"writer": db.writer, "reader": db.reader}
}

// Open opens the database named by dsn: a postgres:// (or postgresql://)
// URL, or a SQLite file path (optionally prefixed "sqlite:" or "file:").
// An empty dsn means DefaultPath. Open does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if path == "" {
		path = DefaultPath
	}
	return openSQLite(ctx, path)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: the URL does not parse: %w", err)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// pgx reads timestamptz in the server's local zone; read it in UTC, as
	// the SQLite side does, so a time is the same value on both databases.
	db := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}))
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres at %s: %w", u.Redacted(), err)
	}
	return &DB{Dialect: Postgres, writer: db, reader: db, Location: u.Redacted(), pgConfig: cfg}, nil
}

// sqlitePragmas go in the DSN so that every pooled connection gets them:
// WAL lets readers run beside the writer; synchronous=FULL makes a commit
// durable before it returns, so an acknowledged write survives power loss;
// busy_timeout waits for locks instead of failing; foreign keys are off in
// SQLite unless asked for. _time_format makes times text that sorts;
// _timezone=UTC reads times back in UTC rather than in a zone made up from
// the stored offset.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite&_timezone=UTC"

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas
	// BEGIN IMMEDIATE takes the write lock at the start of a write
	// transaction, so two writers never deadlock upgrading read locks.
	writer, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// The journal mode is set by the writer first, so readers open a WAL file.
	reader, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	return &DB{Dialect: SQLite, writer: writer, reader: reader, Location: path}, nil
}

// LimitPages caps a SQLite database at n pages of its page size (SQLite's
// max_page_count, on the one writer connection) and returns the cap in
// force, which is never below the pages in use. A write that needs more
// fails as on a full disk (SQLITE_FULL). Tests use it to fill the disk
// without root (a small tmpfs needs a mount); raising it is space coming
// back.
func (db *DB) LimitPages(ctx context.Context, n int64) (int64, error) {
	if db.Dialect != SQLite {
		return 0, fmt.Errorf("limit pages: only SQLite has a page limit, not %s", db.Dialect)
	}
	var got int64
	// A pragma takes no bound parameter; n is a number formatted here.
	if err := db.writer.QueryRowContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n)).Scan(&got); err != nil {
		return 0, db.mapErr("limit pages", err)
	}
	return got, nil
}

// PageCount is the number of pages a SQLite database holds.
func (db *DB) PageCount(ctx context.Context) (int64, error) {
	var n int64
	if err := db.writer.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n); err != nil {
		return 0, db.mapErr("page count", err)
	}
	return n, nil
}

// Close closes the database; SQLite checkpoints its WAL on the last close.
func (db *DB) Close() error {
	var errs []error
	if db.reader != db.writer {
		errs = append(errs, db.reader.Close())
	}
	errs = append(errs, db.writer.Close())
	return errors.Join(errs...)
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return &ketaflow.Error{Code: ketaflow.EUnavailable, Message: "the database does not answer", Err: err}
	}
	return nil
}

// Transact runs fn in one write transaction: committed when fn returns nil,
// rolled back when it returns an error or panics. Inside a Hold it is a
// savepoint of the held transaction.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) error {
	if h := heldOf(ctx, db); h != nil {
		return h.joined(ctx, fn)
	}
	return db.run(ctx, db.writer, nil, &db.writes, fn)
}

// View runs fn in a read-only transaction on the reader pool, which for
// SQLite runs beside the writer.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	if h := heldOf(ctx, db); h != nil {
		return h.joined(ctx, fn) // a read after a write of the request sees it
	}
	opts := &sql.TxOptions{ReadOnly: db.Dialect == Postgres}
	return db.run(ctx, db.reader, opts, &db.reads, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, count *atomic.Int64, fn func(*Tx) error) (err error) {
	sqltx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return db.mapErr("begin transaction", err)
	}
	tx := &Tx{tx: sqltx, db: db, ctx: ctx}
	defer func() {
		if p := recover(); p != nil {
			sqltx.Rollback()
			panic(p)
		}
		if err != nil {
			sqltx.Rollback()
			return
		}
		if cerr := sqltx.Commit(); cerr != nil {
			err = db.mapErr("commit", cerr)
			return
		}
		count.Add(1)
	}()
	return fn(tx)
}

// Tx is one transaction. Its methods, grouped by subject in the files of
// this package, are the only SQL in ketaflow.
type Tx struct {
	tx    *sql.Tx
	db    *DB
	ctx   context.Context
	stmts map[string]*sql.Stmt // prepared in this transaction, by SQL
}

// Dialect tells which database the transaction runs on.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

func (tx *Tx) exec(op, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	var err error
	if st := tx.prepared(query); st != nil {
		res, err = st.ExecContext(tx.ctx, utcArgs(args)...)
	} else {
		res, err = tx.tx.ExecContext(tx.ctx, query, utcArgs(args)...)
	}
	if err != nil {
		return nil, tx.db.mapErr(op, err)
	}
	return res, nil
}

func (tx *Tx) query(op, query string, args ...any) (*sql.Rows, error) {
	var rows *sql.Rows
	var err error
	if st := tx.prepared(query); st != nil {
		rows, err = st.QueryContext(tx.ctx, utcArgs(args)...)
	} else {
		rows, err = tx.tx.QueryContext(tx.ctx, query, utcArgs(args)...)
	}
	if err != nil {
		return nil, tx.db.mapErr(op, err)
	}
	return rows, nil
}

// queryRow scans one row; no row becomes ketaflow.NotFound(what).
func (tx *Tx) queryRow(op, what, query string, args []any, dest ...any) error {
	err := tx.row(query, utcArgs(args)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ketaflow.NotFound(what)
	}
	if err != nil {
		return tx.db.mapErr(op, err)
	}
	return nil
}

// row runs a query that returns at most one row.
func (tx *Tx) row(query string, args ...any) *sql.Row {
	if st := tx.prepared(query); st != nil {
		return st.QueryRowContext(tx.ctx, args...)
	}
	return tx.tx.QueryRowContext(tx.ctx, query, args...)
}

// prepared is query as a statement prepared once in the transaction and
// kept until it ends: a read that asks the same thing of many rows (the
// floor board reads each visit on the floor with the same queries) parses
// the SQL once. Parsing was a third of the board's time on SQLite (its
// profile, issue 12). nil for PostgreSQL, where pgx keeps every
// connection's statements itself, and once a transaction holds
// maxStatements.
func (tx *Tx) prepared(query string) *sql.Stmt {
	if tx.db.Dialect != SQLite {
		return nil
	}
	if st, ok := tx.stmts[query]; ok {
		return st
	}
	if len(tx.stmts) >= maxStatements {
		return nil
	}
	st, err := tx.tx.PrepareContext(tx.ctx, query)
	if err != nil {
		// The query's own run reports the error.
		return nil
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st
}

// maxStatements bounds a transaction's prepared statements: ketaflow's
// SQL is a few hundred statements; one built with a varying shape past the
// bound runs unprepared.
const maxStatements = 256

// utcArgs stores every time in UTC, to the microsecond: SQLite compares
// times as text, which sorts correctly only when every value has the same
// zone, and PostgreSQL keeps microseconds, so both databases hold the same.
func utcArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC().Truncate(time.Microsecond)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = v.UTC().Truncate(time.Microsecond)
			}
		}
	}
	return args
}

// nullID turns an empty id into NULL (PostgreSQL's UUID type refuses "").
func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// nullString scans a nullable text or UUID column into a string ("" for NULL).
type nullString struct{ s *string }

func (n nullString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.s = ""
	case string:
		*n.s = v
	case []byte:
		*n.s = string(v)
	case [16]byte:
		*n.s = fmt.Sprintf("%x-%x-%x-%x-%x", v[0:4], v[4:6], v[6:8], v[8:10], v[10:16])
	default:
		return fmt.Errorf("cannot scan %T into string", src)
	}
	return nil
}

// nullTime scans a nullable time into a *time.Time (nil for NULL).
type nullTime struct{ t **time.Time }

func (n nullTime) Scan(src any) error {
	var nt sql.NullTime
	if err := nt.Scan(src); err != nil {
		return err
	}
	if nt.Valid {
		v := nt.Time.UTC()
		*n.t = &v
	} else {
		*n.t = nil
	}
	return nil
}

func timePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}
