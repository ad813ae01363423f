package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Report is what one run measured.
type Report struct {
	Started, Finished time.Time
	Database          string
	CPUs              int
	GoVersion         string
	Config            string
	Rows              int // history rows loaded
	Baselines         []Baseline
	Workloads         []Workload
	PeakRSSBytes      int64
}

// Baseline is a rate measured without the server, in the same run.
type Baseline struct {
	Name          string
	RowsPerSecond float64
}

// Workload is one workload's figures.
type Workload struct {
	Name        string
	Requests    int
	Errors      int // answers that were not 2xx, and failed requests
	ErrorSample string
	Throughput  float64 // successful requests per second
	P50ms       float64
	P99ms       float64
	MaxMs       float64
	// Baseline names the figure this one is compared with, and Ratio is
	// Throughput over it.
	Baseline      string  `json:",omitempty"`
	BaselineValue float64 `json:",omitempty"`
	Ratio         float64 `json:",omitempty"`
	Goal          string  `json:",omitempty"`
	Met           *bool   `json:",omitempty"`
}

func (w *Workload) met(ok bool) { w.Met = &ok }

// Write writes report.json and report.md into dir.
func (r Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.Markdown()), 0o644)
}

// Markdown is the report as a page: the machine, the run, the baselines,
// then each workload beside its baseline and goal.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# ketaflow bench: %s\n\n", r.Database)
	fmt.Fprintf(&b, "- Run: %s, %s\n", r.Started.Format(time.RFC3339), r.Finished.Sub(r.Started).Round(time.Second))
	fmt.Fprintf(&b, "- Machine: %d CPUs, %s\n", r.CPUs, r.GoVersion)
	fmt.Fprintf(&b, "- Configuration: %s\n", r.Config)
	fmt.Fprintf(&b, "- History loaded: %d rows\n", r.Rows)
	fmt.Fprintf(&b, "- Server peak resident memory: %.0f MiB (goal: at most 1,024 MiB)\n\n", float64(r.PeakRSSBytes)/(1<<20))
	b.WriteString("## Baselines (same run, same driver, no server)\n\n| baseline | rows/s |\n|---|---:|\n")
	for _, bl := range r.Baselines {
		fmt.Fprintf(&b, "| %s | %.0f |\n", bl.Name, bl.RowsPerSecond)
	}
	b.WriteString("\n## Workloads\n\n| workload | requests | errors | req/s | p50 ms | p99 ms | max ms | baseline | ratio | goal | met |\n|---|---:|---:|---:|---:|---:|---:|---|---:|---|---|\n")
	for _, w := range r.Workloads {
		base, ratio, met := "", "", ""
		if w.Baseline != "" {
			base, ratio = fmt.Sprintf("%s: %.0f", w.Baseline, w.BaselineValue), fmt.Sprintf("%.1f%%", 100*w.Ratio)
		}
		if w.Met != nil {
			met = "no"
			if *w.Met {
				met = "yes"
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %.0f | %.1f | %.1f | %.1f | %s | %s | %s | %s |\n", w.Name, w.Requests, w.Errors,
			w.Throughput, w.P50ms, w.P99ms, w.MaxMs, base, ratio, w.Goal, met)
	}
	for _, w := range r.Workloads {
		if w.ErrorSample != "" {
			fmt.Fprintf(&b, "\n%s: first error: %s\n", w.Name, w.ErrorSample)
		}
	}
	return b.String()
}
