package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: the name must start with a number and _", base)
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a number", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// sqliteTypes are the dialect differences in the schema: migrations are
// written for PostgreSQL and these type names are rewritten for SQLite.
var sqliteTypes = []struct {
	re   *regexp.Regexp
	repl string
}{
	// modernc parses DATETIME columns back into time.Time.
	{regexp.MustCompile(`\bTIMESTAMPTZ\b`), "DATETIME"},
	{regexp.MustCompile(`\bUUID\b`), "TEXT"},
	{regexp.MustCompile(`\bJSONB\b`), "TEXT"},
	{regexp.MustCompile(`\bBYTEA\b`), "BLOB"},
}

// ForDialect returns the SQL of a migration for one database: the lines
// between "-- +postgres" or "-- +sqlite" and "-- +end" are kept only for that
// database, and type names are rewritten for SQLite.
func (m Migration) ForDialect(d Dialect) string {
	var b strings.Builder
	keep := true
	for line := range strings.Lines(m.SQL) {
		switch strings.TrimSpace(line) {
		case "-- +postgres":
			keep = d == Postgres
			continue
		case "-- +sqlite":
			keep = d == SQLite
			continue
		case "-- +end":
			keep = true
			continue
		}
		if keep {
			b.WriteString(line)
		}
	}
	s := b.String()
	if d == SQLite {
		for _, t := range sqliteTypes {
			s = t.re.ReplaceAllString(s, t.repl)
		}
	}
	return s
}

// Migrate applies every migration not applied yet, each in its own
// transaction with its record in schema_migrations. It returns the versions
// it applied.
func (db *DB) Migrate(ctx context.Context) ([]int, error) { return db.MigrateTo(ctx, 0) }

// MigrateTo is Migrate up to and including version (every one when version
// is 0): tests make a database as an older release left it, and migrate it
// on from there.
func (db *DB) MigrateTo(ctx context.Context, version int) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`
	if db.Dialect == SQLite {
		create = strings.ReplaceAll(create, "TIMESTAMPTZ", "DATETIME")
	}
	if _, err := db.writer.ExecContext(ctx, create); err != nil {
		return nil, db.mapErr("create schema_migrations", err)
	}
	var applied []int
	for _, m := range ms {
		if version > 0 && m.Version > version {
			break
		}
		done := false
		err := db.Transact(ctx, func(tx *Tx) error {
			if db.Dialect == Postgres {
				// Two servers starting at once must not both migrate.
				if _, err := tx.exec("lock migrations", "SELECT pg_advisory_xact_lock(7041960)"); err != nil {
					return err
				}
			}
			var n int
			if err := tx.queryRow("check migration", "migration", "SELECT count(*) FROM schema_migrations WHERE version = $1",
				[]any{m.Version}, &n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			if _, err := tx.exec("migration "+m.Name, m.ForDialect(db.Dialect)); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			_, err := tx.exec("record migration", "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, time.Now().UTC())
			return err
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}
