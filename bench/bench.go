// Package bench is ketaflow's benchmark (issue 12): it loads a synthetic
// history into a database, starts the real server on it as a separate
// process on loopback, drives workloads at it with a bounded load
// generator (vegeta, as a library), measures each figure's baseline in the
// same run (the raw insert rate of the same rows through the same driver),
// and writes a report in Markdown and JSON.
//
// It measures; it asserts nothing about time. A test runs it in a small
// configuration so that it cannot rot.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/demo"
)

// Config is one run.
type Config struct {
	History History
	// Chairs is how many IV infusions run on the floor while the
	// workloads run (beside the demo's own).
	Chairs int
	// Duration is how long each workload runs; Clients how many requests
	// are in flight at once for the write workloads (reads use ReadClients).
	Duration    time.Duration
	Clients     int
	ReadClients int
	// Exe is the ketaflow binary that serves, and ServeArgs the flags
	// that point it at the same database and audit key as App.
	Exe       string
	ServeArgs []string
	// Out is where progress goes.
	Out io.Writer
}

// Defaults are the sizes: 10,000 patients and 10 million readings,
// 200 chairs, 64 writing clients.
func Defaults() Config {
	return Config{History: History{Patients: 10_000, VisitsPerPatient: 10, Readings: 10_000_000}, Chairs: 200,
		Duration: 20 * time.Second, Clients: 64, ReadClients: 16, Out: os.Stderr}
}

// Run loads the history and the floor through a (an empty database but
// for what Run adds), then measures. The report is returned even when a
// workload failed part way, with what was measured.
func Run(ctx context.Context, a *app.App, cfg Config) (Report, error) {
	rep := Report{Started: time.Now().UTC(), Database: string(a.DB.Dialect), CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		Config: cfg.summary()}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	cs, err := a.Clinics(ctx)
	if err != nil {
		return rep, err
	}
	if len(cs) > 0 {
		return rep, fmt.Errorf("bench needs an empty database: it holds %s", cs[0].Name)
	}
	fmt.Fprintln(out, "loading the demo clinic and the floor")
	c, err := demo.Load(ctx, a, "UTC")
	if err != nil {
		return rep, err
	}
	floor, err := demo.Floor(ctx, a, cfg.Chairs)
	if err != nil {
		return rep, err
	}
	signIn, err := a.Login(ctx, "nurse", nurseLogin(), "bench")
	if err != nil {
		return rep, err
	}
	nurse := signIn.User
	loaded, history, err := loadHistory(ctx, a.DB, c.ID, nurse.ID, cfg.History, a.Clock.Now(), out)
	rep.Rows = loaded
	if err != nil {
		return rep, fmt.Errorf("load history: %w", err)
	}
	token, err := a.CreateAPITokenFromCommandLine(ctx, "nurse", "ketaflow bench", string(access.ScopeRead)+","+string(access.ScopeWrite))
	if err != nil {
		return rep, err
	}

	// Baselines first, with nothing else running: the same rows through
	// the same driver and settings, one per commit and 100 per commit.
	if len(history) == 0 {
		return rep, fmt.Errorf("bench needs a history: give it patients and visits")
	}
	fmt.Fprintln(out, "baseline: raw inserts, one row per commit")
	single, err := rawInserts(ctx, a.DB, c.ID, history[0], nurse.ID, cfg.Clients, 1, cfg.Duration)
	if err != nil {
		return rep, err
	}
	fmt.Fprintln(out, "baseline: raw inserts, 100 rows per commit")
	batched, err := rawInserts(ctx, a.DB, c.ID, history[0], nurse.ID, 1, 100, cfg.Duration)
	if err != nil {
		return rep, err
	}
	rep.Baselines = []Baseline{{Name: "raw insert, one row per commit", RowsPerSecond: single},
		{Name: "raw insert, 100 rows per commit", RowsPerSecond: batched}}

	srv, err := startServer(ctx, cfg.Exe, cfg.ServeArgs, out)
	if err != nil {
		return rep, err
	}
	defer srv.stop()
	w := workloads{base: srv.url, token: token, floor: floor, history: history, cfg: cfg, out: out}
	rep.Workloads = w.run(ctx, single)
	rep.PeakRSSBytes = srv.peakRSS()
	rep.Finished = time.Now().UTC()
	return rep, nil
}

// nurseLogin is the demo nurse's password.
func nurseLogin() string {
	for _, l := range demo.Logins {
		if l.Username == "nurse" {
			return l.Password
		}
	}
	return ""
}

func (c Config) summary() string {
	return fmt.Sprintf("%d patients, %d visits each, %d readings in history; %d chairs in session; %s per workload, %d writing clients, %d reading clients",
		c.History.Patients, c.History.VisitsPerPatient, c.History.Readings, c.Chairs, c.Duration, c.Clients, c.ReadClients)
}
