package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestSQLiteDurabilityPragmas: every connection of both pools runs in WAL
// mode with synchronous=FULL, so that a commit is on disk before the write
// is answered (the crash test of cmd/ketaflow kills the server right after
// answers) and the readers never block the writer. The pragmas are set
// per connection, so each pool is asked through several connections.
func TestSQLiteDurabilityPragmas(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "ketaflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, pool := range map[string]*sql.DB{"writer": db.writer, "reader": db.reader} {
		var conns []*sql.Conn
		for range 3 {
			conn, err := pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			var mode string
			var sync, fk int
			if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
				t.Fatal(err)
			}
			if mode != "wal" || sync != 2 || fk != 1 {
				t.Errorf("%s connection: journal_mode %q, synchronous %d, foreign_keys %d; want wal, 2 (FULL), 1", name, mode, sync, fk)
			}
			if name == "writer" {
				conn.Close() // the writer pool has one connection
				conns = conns[:0]
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
}
