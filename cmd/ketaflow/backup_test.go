package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestBackupWhileWritingRestoresEveryAcknowledgedWrite takes a backup of a
// running server's SQLite database while writers go on, restores it, and
// reads back from a server on the restored copy every write acknowledged
// before the backup began, as it was answered; the restored audit chain
// verifies. Restore refuses to replace a database without --force, or
// while the server has it open, or without the audit key that sealed it.
func TestBackupWhileWritingRestoresEveryAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dsn := storetest.DSN(t, store.SQLite)
	c := &crashRun{t: t, tokens: addStaffTokens(t, dsn), up: make(chan struct{}), progress: make(chan struct{}, 1),
		prepared: map[string]bool{}, stopped: map[string]bool{}}
	srv := c.start(dsn)
	var p, v, lot struct{ ID string }
	c.must(srv, "nurse", "POST", "/api/v1/patients", newPatient("Backup Ward"), &p)
	c.must(srv, "frontdesk", "POST", "/api/v1/visits", booking(p.ID, "iv"), &v)
	c.must(srv, "frontdesk", "POST", "/api/v1/visits/"+v.ID+"/transitions", map[string]any{"to": "checked_in"}, nil)
	c.must(srv, "nurse", "POST", "/api/v1/lots", ketamineLot(), &lot)
	c.open(srv)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range []func(context.Context){
		c.patientsAndVisits,
		func(ctx context.Context) { c.vitals(ctx, v.ID) },
		func(ctx context.Context) { c.ledger(ctx, lot.ID) },
		c.doses,
	} {
		wg.Add(1)
		go func() { defer wg.Done(); w(ctx) }()
	}
	c.waitAcks(40, srv)

	// Everything acknowledged until now must be in the backup; the writers
	// go on while it is taken.
	c.mu.Lock()
	before := append([]ackedWrite{}, c.pending...)
	acksBefore := c.acks
	c.mu.Unlock()
	out := filepath.Join(t.TempDir(), "ketaflow-backup.db")
	code, log := run(t, nil, "backup", "--db", dsn, "--out", out)
	if code != 0 || !strings.Contains(log, "backup written: "+out) || !strings.Contains(log, "(100%)") ||
		!strings.Contains(log, "audit chain of the copy verified") || !strings.Contains(log, "the audit key is not in the backup") {
		t.Fatalf("backup: exit %d:\n%s", code, log)
	}
	c.waitAcks(c.ackCount()+5, srv) // the server still takes writes
	if code, log := run(t, nil, "backup", "--db", dsn, "--out", out); code != 1 || !strings.Contains(log, "exists already") {
		t.Errorf("a backup over an existing file: exit %d:\n%s", code, log)
	}

	// Restore refuses to replace the live database.
	if code, log := run(t, nil, "restore", "--from", out, "--db", dsn); code != 1 || !strings.Contains(log, "--force") {
		t.Errorf("restore over an existing database without --force: exit %d:\n%s", code, log)
	}
	if code, log := run(t, nil, "restore", "--from", out, "--db", dsn, "--force"); code != 1 || !strings.Contains(log, "is the server running") {
		t.Errorf("restore over the running server's database: exit %d:\n%s", code, log)
	}
	stop()
	c.release()
	wg.Wait()
	c.mu.Lock()
	during := c.acks - acksBefore
	c.mu.Unlock()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done

	// Restore needs the audit key that sealed the backup.
	restored := filepath.Join(t.TempDir(), "restored", "ketaflow.db")
	other := filepath.Join(t.TempDir(), "other.key")
	if err := os.WriteFile(other, audit.NewKey().Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, key, want string
	}{
		{"no_key", filepath.Join(t.TempDir(), "absent.key"), "no audit key at"},
		{"another_key", other, "does not verify with audit key"},
	} {
		code, log := run(t, map[string]string{"KETAFLOW_AUDIT_KEY_FILE": tt.key}, "restore", "--from", out, "--db", restored)
		if _, err := os.Stat(restored); code != 1 || !strings.Contains(log, tt.want) || err == nil {
			t.Errorf("%s: restore exit %d (database there: %v), want 1 saying %q:\n%s", tt.name, code, err == nil, tt.want, log)
		}
	}
	code, log = run(t, nil, "restore", "--from", out, "--db", restored)
	if code != 0 || !strings.Contains(log, "audit chain verified") || !strings.Contains(log, "(100%)") {
		t.Fatalf("restore: exit %d:\n%s", code, log)
	}
	if code, log := run(t, nil, "audit", "verify", "--db", restored); code != 0 {
		t.Errorf("audit verify of the restored database: exit %d:\n%s", code, log)
	}

	srv2 := c.start(restored)
	c.mu.Lock()
	c.pending = before
	c.mu.Unlock()
	c.checkAcked(srv2)
	t.Logf("%d writes acknowledged before the backup all restored; %d more acknowledged while and after it was taken", len(before), during)

	// With the server stopped, --force replaces the database and keeps the
	// one it replaced.
	srv2.cmd.Process.Signal(syscall.SIGTERM)
	<-srv2.done
	code, log = run(t, nil, "restore", "--from", out, "--db", dsn, "--force")
	if code != 0 || !strings.Contains(log, "is kept as "+dsn+".replaced-") {
		t.Fatalf("restore --force with the server stopped: exit %d:\n%s", code, log)
	}
	kept, _ := filepath.Glob(dsn + ".replaced-*")
	if len(kept) == 0 {
		t.Fatal("the replaced database was not kept")
	}
	if err := store.IntegrityCheck(context.Background(), kept[0]); err != nil {
		t.Errorf("the replaced database kept: %v", err)
	}
}

// TestBackupOfNoDatabaseMakesNone: a mistyped --db is refused, and no
// empty database is made there.
func TestBackupOfNoDatabaseMakesNone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	code, log := run(t, nil, "backup", "--db", missing, "--out", filepath.Join(dir, "b.db"))
	if _, err := os.Stat(missing); code != 1 || !strings.Contains(log, "no database to back up") || err == nil {
		t.Errorf("backup of a missing database: exit %d (made it: %v):\n%s", code, err == nil, log)
	}
}

// TestBackupOfPostgresSaysHow: backup and restore of a PostgreSQL URL
// refuse, naming pg_dump and point-in-time recovery.
func TestBackupOfPostgresSaysHow(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"backup", "--out", "x.db"}, {"restore", "--from", "x.db"}} {
		code, log := run(t, nil, append(args, "--db", "postgres://clinic@db.internal/ketaflow")...)
		if code != 1 || !strings.Contains(log, "pg_dump") || !strings.Contains(log, "point-in-time recovery") {
			t.Errorf("%s of a PostgreSQL URL: exit %d:\n%s", args[0], code, log)
		}
	}
}
