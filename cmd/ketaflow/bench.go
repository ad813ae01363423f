package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ketaflow/ketaflow/bench"
)

// bench loads a synthetic history into an empty database and measures the
// server on it (package bench, docs/performance.md).
func (c *cli) bench(ctx context.Context, args []string) error {
	def := bench.Defaults()
	fs, dsn := c.flags("bench", "Loads the demo clinic, a full floor and a synthetic history into an EMPTY database, starts\nthis binary's server on it as a separate process on loopback, drives the workloads of\ndocs/performance.md at it, and writes report.md and report.json. Give it a fresh SQLite\nfile (the default) or an empty PostgreSQL database; it never runs on a clinic's data.")
	fs.Lookup("db").DefValue = "ketaflow-bench.db"
	_ = fs.Set("db", c.env("KETAFLOW_BENCH_DB", "ketaflow-bench.db"))
	patients := fs.Int("patients", def.History.Patients, "patients in the history")
	perPatient := fs.Int("visits-per-patient", def.History.VisitsPerPatient, "discharged visits per patient")
	readings := fs.Int("readings", def.History.Readings, "vital-sign readings in the history, spread over its visits")
	chairs := fs.Int("chairs", def.Chairs, "IV infusions in session on the floor while the workloads run")
	duration := fs.Duration("duration", def.Duration, "how long each workload runs")
	clients := fs.Int("clients", def.Clients, "requests in flight at once for the write workloads")
	readClients := fs.Int("read-clients", def.ReadClients, "requests in flight at once for the read workloads")
	out := fs.String("out", "bench-report", "folder for report.md and report.json")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	a, closeDB, err := c.open(ctx, *dsn, c.logger("warn"))
	if err != nil {
		return err
	}
	defer closeDB()
	cfg := bench.Config{History: bench.History{Patients: *patients, VisitsPerPatient: *perPatient, Readings: *readings},
		Chairs: *chairs, Duration: *duration, Clients: *clients, ReadClients: *readClients, Exe: exe,
		ServeArgs: []string{"--db", *dsn, "--audit-key-file", c.auditKeyPath}, Out: c.stderr}
	rep, err := bench.Run(ctx, a, cfg)
	if werr := rep.Write(*out); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s\nreport written to %s\n", rep.Markdown(), filepath.Join(*out, "report.md"))
	return nil
}
