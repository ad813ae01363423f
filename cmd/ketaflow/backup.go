package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
)

// postgresBackup is what backup and restore say about a PostgreSQL
// database, whose own tools do it better than ketaflow could.
const postgresBackup = `a PostgreSQL database is backed up and restored with PostgreSQL's own tools:
  pg_dump --format=custom --file ketaflow.dump "$KETAFLOW_DB"       a consistent copy, taken while ketaflow runs
  pg_restore --clean --if-exists --dbname "$KETAFLOW_DB" ketaflow.dump
or, for point-in-time recovery, pg_basebackup with WAL archiving (archive_mode, archive_command)
and recovery_target_time; see the README, "Backup and restore". Keep the audit key file with
neither: it stays apart from the database and its copies`

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// progressLine prints a copy's progress on one terminal line.
func (c *cli) progressLine(what string) store.Progress {
	return func(done, total int64) {
		pct := 100.0
		if total > 0 {
			pct = 100 * float64(done) / float64(total)
		}
		fmt.Fprintf(c.stderr, "%s: %s of %s (%.0f%%)\n", what, megabytes(done), megabytes(total), min(pct, 100))
	}
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func (c *cli) backup(ctx context.Context, args []string) error {
	fs, dsn := c.flags("backup", "Writes a consistent copy of a SQLite database to --out while the server runs and writes go on\n"+
		"(SQLite's VACUUM INTO: one read transaction, so the copy holds every write acknowledged before\n"+
		"the backup began). The copy is checked (integrity_check, and its audit chain verified with the\n"+
		"audit key) before it is named --out. The audit key is not copied: keep it apart from the backups.\n"+
		"For PostgreSQL use pg_dump or point-in-time recovery (see the README).")
	out := fs.String("out", "", "the backup file to write; it must not exist")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if isPostgres(*dsn) {
		return fmt.Errorf("backup: %s", postgresBackup)
	}
	if *out == "" {
		return fmt.Errorf("give --out FILE, the backup to write")
	}
	// Opening a SQLite path that does not exist would make an empty
	// database there.
	if _, err := os.Stat(strings.TrimPrefix(strings.TrimPrefix(*dsn, "sqlite:"), "file:")); err != nil {
		return fmt.Errorf("backup: no database to back up: %w", err)
	}
	keyPath := auditKeyPath(*c.auditKeyFile, *dsn)
	key, _, err := loadAuditKey(keyPath, false)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	info, err := db.Backup(ctx, *out, c.progressLine("backup"))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "backup written: %s (%s), the database as it stood at %s\n", info.Path, megabytes(info.Bytes),
		info.At.Format(time.RFC3339))
	if key == nil {
		fmt.Fprintf(c.stdout, "no audit key at %s: the copy's audit chain was not verified\n", keyPath)
		return nil
	}
	r, err := verifyCopy(ctx, info.Path, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "audit chain of the copy verified: %d entries in %d chains, with audit key %s\n", r.Entries, r.Chains, key.ID)
	fmt.Fprintf(c.stdout, "the audit key is not in the backup: keep a copy of %s (key %s) apart from the backups; restore and audit verify need it\n",
		keyPath, key.ID)
	return nil
}

// verifyCopy verifies the audit chains of the SQLite file at path with
// the key, reading only.
func verifyCopy(ctx context.Context, path string, key *audit.Key) (app.AuditReport, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return app.AuditReport{}, err
	}
	defer db.Close()
	a := app.New(db, ketaflow.SystemClock{}, slog.New(slog.DiscardHandler), app.AuditKey(key))
	r, err := a.VerifyAudit(ctx)
	if err != nil {
		return r, err
	}
	if len(r.Problems) > 0 {
		var b strings.Builder
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "\n  %s", p)
		}
		return r, fmt.Errorf("the audit chain of %s does not verify with audit key %s (another key, or an altered copy):%s", path, key.ID, b.String())
	}
	return r, nil
}

func (c *cli) restore(ctx context.Context, args []string) error {
	fs, dsn := c.flags("restore", "Brings a backup written by ketaflow backup back as the SQLite database --db. The backup is\n"+
		"copied beside --db and checked first (integrity_check, and its audit chain verified with the\n"+
		"audit key, which must be in place), then renamed into place. An existing database is replaced\n"+
		"only with --force, never while a server has it open, and is kept beside it (DB.replaced-TIME).\n"+
		"Every write made after the backup was taken is not in it. For PostgreSQL use pg_restore or\n"+
		"point-in-time recovery (see the README).")
	from := fs.String("from", "", "the backup file to restore")
	force := fs.Bool("force", false, "replace the database at --db (stop the server first)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if isPostgres(*dsn) {
		return fmt.Errorf("restore: %s", postgresBackup)
	}
	if *from == "" {
		return fmt.Errorf("give --from FILE, the backup to restore")
	}
	path := strings.TrimPrefix(strings.TrimPrefix(*dsn, "sqlite:"), "file:")
	keyPath := auditKeyPath(*c.auditKeyFile, path)
	key, _, err := loadAuditKey(keyPath, false)
	if err != nil {
		return err
	}
	if key == nil {
		return fmt.Errorf("no audit key at %s: put there the audit key kept with your backups (or name it with --audit-key-file); "+
			"a server started without it would make a new key, and the restored audit log would not verify", keyPath)
	}
	var report app.AuditReport
	kept, err := store.Restore(ctx, *from, path, *force, c.progressLine("restore"), func(copy string) error {
		report, err = verifyCopy(ctx, copy, key)
		return err
	})
	if err != nil {
		return err
	}
	if kept != "" {
		fmt.Fprintf(c.stdout, "the database that was at %s is kept as %s\n", path, kept)
	}
	fmt.Fprintf(c.stdout, "restored %s from %s; audit chain verified: %d entries in %d chains, with audit key %s\n",
		path, *from, report.Entries, report.Chains, key.ID)
	return nil
}
