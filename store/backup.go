package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/ketaflow/ketaflow"
)

// Progress is told, now and then, how many bytes of about total have been
// written.
type Progress func(done, total int64)

// progressEvery is how often a copy reports its progress.
const progressEvery = 250 * time.Millisecond

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Path  string
	Bytes int64
	At    time.Time // the copy is the database as it stood at this moment
}

// Backup writes a consistent copy of a SQLite database to path while
// writes go on: VACUUM INTO reads the whole database in one read
// transaction (in WAL mode it never blocks the writer, which keeps
// committing beside it), so the copy is the database as it stood when the
// backup began, every write acknowledged before then included. The copy
// is written beside path, synced, checked with integrity_check and then
// renamed into place, so a file at path is always a whole backup. path
// must not exist. PostgreSQL is backed up with its own tools (pg_dump,
// or a base backup with WAL archiving for point-in-time recovery): Backup
// refuses it with EInvalid saying so.
func (db *DB) Backup(ctx context.Context, path string, progress Progress) (BackupInfo, error) {
	if db.Dialect != SQLite {
		return BackupInfo{}, ketaflow.Invalid("db", "a PostgreSQL database is backed up with PostgreSQL's tools: pg_dump for a copy, "+
			"or pg_basebackup with WAL archiving for point-in-time recovery (see the README, Backup and restore)")
	}
	if _, err := os.Stat(path); err == nil {
		return BackupInfo{}, ketaflow.Invalid("out", "%s exists already: a backup never overwrites a file; name a new one", path)
	}
	var total int64
	if err := db.reader.QueryRowContext(ctx,
		"SELECT (p.page_count - f.freelist_count) * s.page_size FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s").
		Scan(&total); err != nil {
		return BackupInfo{}, db.mapErr("backup: size", err)
	}
	tmp := path + ".partial"
	os.Remove(tmp) // a copy left by a backup that was stopped
	defer os.Remove(tmp)
	stop := watchSize(tmp, total, progress)
	// The read transaction starts with the statement: it is the moment the
	// copy stands at.
	at := time.Now().UTC()
	// A connection of its own: the reader pool is query-only (which
	// refuses VACUUM, even INTO another file) and the writer's one
	// connection must stay free for the writes going on.
	src, err := sql.Open("sqlite", "file:"+(&url.URL{Path: db.Location}).EscapedPath()+"?"+sqlitePragmas)
	if err != nil {
		stop()
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	_, err = src.ExecContext(ctx, "VACUUM INTO ?", tmp)
	src.Close()
	stop()
	if err != nil {
		return BackupInfo{}, db.mapErr("backup: VACUUM INTO", err)
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := IntegrityCheck(ctx, tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: the copy: %w", err)
	}
	info, err := os.Stat(tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if progress != nil {
		progress(info.Size(), info.Size())
	}
	if err := os.Rename(tmp, path); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	return BackupInfo{Path: path, Bytes: info.Size(), At: at}, nil
}

// watchSize reports the size of the file being written until stop is
// called.
func watchSize(path string, total int64, progress Progress) (stop func()) {
	if progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if info, err := os.Stat(path); err == nil {
					progress(info.Size(), max(total, info.Size()))
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// IntegrityCheck opens the SQLite file at path read-only and runs
// integrity_check on it, and checks that it is a ketaflow database (it has
// the migrations' record and the audit log).
func IntegrityCheck(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("%s is not a SQLite database: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("%s fails SQLite's integrity check: %s", path, res)
	}
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('schema_migrations', 'audit_log')").
		Scan(&tables); err != nil || tables != 2 {
		return fmt.Errorf("%s is a SQLite database but not a ketaflow one (no migrations record or audit log)", path)
	}
	return nil
}

// Restore copies the backup at from to the SQLite file path, through a
// copy beside path that is synced and checked first (check, when not nil,
// is given its path too: the caller verifies what it must, such as the
// audit chain), then renamed into place: path is never half restored. A
// database at path is refused unless replace is set; then it is kept,
// with its WAL, as path.replaced-TIME, and refused while a process (a
// running server) has it open. It returns where the replaced database
// was kept ("" when there was none).
func Restore(ctx context.Context, from, path string, replace bool, progress Progress, check func(path string) error) (kept string, err error) {
	if err := IntegrityCheck(ctx, from); err != nil {
		return "", fmt.Errorf("restore: the backup: %w", err)
	}
	_, statErr := os.Stat(path)
	exists := statErr == nil
	if exists && !replace {
		return "", ketaflow.Invalid("db", "%s exists: restoring replaces it. Stop the server, then run again with --force "+
			"(the database there now is kept beside it as %s.replaced-TIME)", path, filepath.Base(path))
	}
	if exists {
		if err := notInUse(ctx, path); err != nil {
			return "", err
		}
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return "", fmt.Errorf("restore: %w", statErr)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("restore: %w", err)
		}
	}
	tmp := path + ".restoring"
	os.Remove(tmp)
	defer os.Remove(tmp)
	if err := copyFile(from, tmp, progress); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	if err := IntegrityCheck(ctx, tmp); err != nil {
		return "", fmt.Errorf("restore: the copy: %w", err)
	}
	if check != nil {
		if err := check(tmp); err != nil {
			return "", err
		}
		// The check opened the copy; its WAL, if any, goes with it.
		os.Remove(tmp + "-shm")
		if _, err := os.Stat(tmp + "-wal"); err == nil {
			return "", fmt.Errorf("restore: the check left a WAL beside %s", tmp)
		}
	}
	if exists {
		kept = fmt.Sprintf("%s.replaced-%s", path, time.Now().UTC().Format("20060102T150405Z"))
		if err := os.Rename(path, kept); err != nil {
			return "", fmt.Errorf("restore: keep the replaced database: %w", err)
		}
		// Its WAL may hold its last commits (after a crash): it stays with it.
		if err := os.Rename(path+"-wal", kept+"-wal"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("restore: keep the replaced database's WAL: %w", err)
		}
		os.Remove(path + "-shm")
	}
	if err := os.Rename(tmp, path); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	return kept, syncDir(filepath.Dir(path))
}

// notInUse refuses a SQLite file another process has open: in WAL mode
// every connection holds a shared lock on it, so an exclusive lock is
// granted only when none is open.
func notInUse(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=locking_mode(EXCLUSIVE)&_pragma=busy_timeout(0)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		return ketaflow.Invalid("db", "%s is open in another process (is the server running?): stop it before restoring", path)
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	return err
}

func copyFile(from, to string, progress Progress) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return err
	}
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	var done int64
	last := time.Now()
	buf := make([]byte, 1<<20)
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				dst.Close()
				return err
			}
			done += int64(n)
			if progress != nil && time.Since(last) >= progressEvery {
				progress(done, info.Size())
				last = time.Now()
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			dst.Close()
			return rerr
		}
	}
	if progress != nil {
		progress(done, info.Size())
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
