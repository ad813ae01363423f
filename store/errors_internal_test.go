package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ketaflow/ketaflow"
)

// TestPostgresDiskFullIsUnavailable: PostgreSQL's disk_full is the same
// clear refusal as SQLite's SQLITE_FULL (whose path web/api's disk-full
// test drives for real), not an internal error. A test cannot fill the
// PostgreSQL server's disk, so the driver's error is made here.
func TestPostgresDiskFullIsUnavailable(t *testing.T) {
	db := &DB{Dialect: Postgres}
	err := db.mapErr("insert patient", fmt.Errorf("exec: %w", &pgconn.PgError{Code: "53100",
		Message: `could not extend file "base/16384/16400": No space left on device`}))
	if !ketaflow.IsCode(err, ketaflow.EUnavailable) || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("disk_full maps to %#v, want EUnavailable saying the disk is full", err)
	}
}
