// Package storetest gives tests a fresh, migrated database of each dialect:
// a new SQLite file per test, and a new schema on the PostgreSQL named by
// KETAFLOW_TEST_POSTGRES. Tests written with Each run on both.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/ketaflow/ketaflow/store"
)

// EnvPostgres names the variable that holds the PostgreSQL URL for tests.
const EnvPostgres = "KETAFLOW_TEST_POSTGRES"

// Each runs fn once on SQLite and once on PostgreSQL, as subtests named
// after the dialect. The PostgreSQL run is skipped, with the reason, when
// KETAFLOW_TEST_POSTGRES is not set.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh migrated database of the dialect, closed and removed
// when the test ends.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	dsn := DSN(t, d)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// AtMigration returns a fresh database of the dialect migrated only up to
// version n, as an older release left it, and a plain connection to it for
// writing rows the way that release wrote them; both close when the test
// ends. A migration test then runs db.Migrate and checks what carried over.
func AtMigration(t testing.TB, d store.Dialect, n int) (*store.DB, *sql.DB) {
	t.Helper()
	dsn := DSN(t, d)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.MigrateTo(context.Background(), n); err != nil {
		t.Fatalf("migrate %s to %d: %v", d, n, err)
	}
	driver := "sqlite"
	if d == store.Postgres {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw
}

// DSN returns the address of a fresh empty database of the dialect: a file
// in the test's temporary directory, or a new PostgreSQL schema dropped at
// cleanup. It skips the test when PostgreSQL is asked for and not configured.
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "ketaflow.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip("PostgreSQL not configured: set " + EnvPostgres + " to run this on PostgreSQL")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
