package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestBenchRunsSmall runs the whole benchmark in a small configuration on
// both databases, so that it cannot rot: the real server binary on
// loopback, every workload answered without an error, both baselines
// measured, the report written. It asserts no figure: speed is for the
// report, on a quiet machine.
func TestBenchRunsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	exe := filepath.Join(t.TempDir(), "ketaflow")
	build := exec.Command("go", "build", "-o", exe, "github.com/ketaflow/ketaflow/cmd/ketaflow")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the server: %v\n%s", err, out)
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			a := app.New(db, ketaflow.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)), app.PasswordCost(access.CheapArgon2()))
			if err := a.EnsureProtocols(ctx); err != nil {
				t.Fatal(err)
			}
			cfg := Config{History: History{Patients: 20, VisitsPerPatient: 3, Readings: 600}, Chairs: 3, Duration: 300 * time.Millisecond,
				Clients: 4, ReadClients: 2, Exe: exe, Out: io.Discard,
				ServeArgs: []string{"--db", dsn, "--audit-key-file", filepath.Join(t.TempDir(), "audit.key")}}
			rep, err := Run(ctx, a, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Rows != 20+60+600 {
				t.Errorf("history rows %d, want 680", rep.Rows)
			}
			for _, b := range rep.Baselines {
				if b.RowsPerSecond <= 0 {
					t.Errorf("baseline %q measured nothing", b.Name)
				}
			}
			if len(rep.Workloads) != 5 {
				t.Fatalf("%d workloads, want 5", len(rep.Workloads))
			}
			for _, w := range rep.Workloads {
				if w.Requests == 0 || w.Errors != 0 {
					t.Errorf("%s: %d requests, %d errors (%s)", w.Name, w.Requests, w.Errors, w.ErrorSample)
				}
			}
			if rep.PeakRSSBytes <= 0 {
				t.Error("the server's peak memory was not read")
			}
			dir := t.TempDir()
			if err := rep.Write(dir); err != nil {
				t.Fatal(err)
			}
			md, err := os.ReadFile(filepath.Join(dir, "report.md"))
			if err != nil || !strings.Contains(string(md), "raw insert, one row per commit") {
				t.Errorf("report.md: %v\n%s", err, md)
			}
			// The bench refuses a database that holds a clinic.
			if _, err := Run(ctx, a, cfg); err == nil || !strings.Contains(err.Error(), "empty database") {
				t.Errorf("a second run on the same database: %v", err)
			}
		})
	}
}
