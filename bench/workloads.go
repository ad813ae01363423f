package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// workloads are the requests the benchmark sends to the server.
type workloads struct {
	base    string
	token   string
	floor   []string // visits in session
	history []histVisit
	cfg     Config
	out     io.Writer
}

// reading is one charted reading, as a nurse sends it.
const reading = `{"systolic":124,"diastolic":80,"heart_rate":72,"spo2":98,"respiratory_rate":14,"sedation":5,"dissociation":false}`

func (w workloads) header(json bool) http.Header {
	h := http.Header{"Authorization": {"Bearer " + w.token}}
	if json {
		h.Set("Content-Type", "application/json")
	}
	return h
}

// vitalsTargets post a reading to each visit of the floor in turn.
func (w workloads) vitalsTargets() []vegeta.Target {
	var ts []vegeta.Target
	for _, id := range w.floor {
		ts = append(ts, vegeta.Target{Method: "POST", URL: w.base + "/api/v1/visits/" + id + "/vitals", Body: []byte(reading),
			Header: w.header(true)})
	}
	return ts
}

func (w workloads) get(path string) []vegeta.Target {
	return []vegeta.Target{{Method: "GET", URL: w.base + path, Header: w.header(false)}}
}

// attack sends targets in turn from clients workers for the config's
// duration, as fast as the server answers (rate 0) or at rate per second.
func (w workloads) attack(ctx context.Context, name string, ts []vegeta.Target, clients, rate int) vegeta.Metrics {
	fmt.Fprintf(w.out, "workload: %s\n", name)
	atk := vegeta.NewAttacker(vegeta.Workers(uint64(clients)), vegeta.MaxWorkers(uint64(clients)),
		vegeta.Connections(clients), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	var m vegeta.Metrics
	res := atk.Attack(vegeta.NewStaticTargeter(ts...), vegeta.Rate{Freq: rate, Per: time.Second}, w.cfg.Duration, name)
	for {
		select {
		case <-ctx.Done():
			atk.Stop()
		case r, ok := <-res:
			if !ok {
				m.Close()
				return m
			}
			m.Add(r)
		}
	}
}

// run drives every workload in turn; single is the raw single-row insert
// rate, the baseline of the write workload.
func (w workloads) run(ctx context.Context, single float64) []Workload {
	var out []Workload
	if len(w.floor) > 0 {
		m := w.attack(ctx, "POST one reading", w.vitalsTargets(), w.cfg.Clients, 0)
		wl := result(fmt.Sprintf("POST /api/v1/visits/{id}/vitals, one reading per request, %d clients", w.cfg.Clients), m)
		wl.Baseline, wl.BaselineValue = "raw insert, one row per commit (rows/s)", single
		wl.Ratio = wl.Throughput / max(single, 1e-9)
		wl.Goal = "at least 5,000 requests/s and at least 10% of the raw rate"
		wl.met(wl.Throughput >= 5000 && wl.Ratio >= 0.10)
		out = append(out, wl)

		m = w.attack(ctx, "GET one visit", w.get("/api/v1/visits/"+w.floor[0]), w.cfg.ReadClients, 0)
		wl = result(fmt.Sprintf("GET /api/v1/visits/{id} of a visit in session, %d clients", w.cfg.ReadClients), m)
		wl.Goal = "p99 at most 10 ms"
		wl.met(wl.P99ms <= 10)
		out = append(out, wl)
	}
	m := w.attack(ctx, "GET the board", w.get("/api/v1/board"), w.cfg.ReadClients, 0)
	wl := result(fmt.Sprintf("GET /api/v1/board, %d chairs in session, %d clients", len(w.floor), w.cfg.ReadClients), m)
	out = append(out, wl)

	if len(w.floor) > 0 {
		// The board while readings arrive at 1,000 a second.
		var ingest vegeta.Metrics
		var wg sync.WaitGroup
		wg.Go(func() { ingest = w.attack(ctx, "POST readings at 1,000/s", w.vitalsTargets(), w.cfg.Clients, 1000) })
		m = w.attack(ctx, "GET the board while ingesting", w.get("/api/v1/board"), w.cfg.ReadClients, 0)
		wg.Wait()
		wl = result(fmt.Sprintf("GET /api/v1/board while POSTing readings at 1,000/s (achieved %.0f/s, p99 %.1f ms), %d clients",
			ingest.Throughput, ms(ingest.Latencies.P99), w.cfg.ReadClients), m)
		wl.Goal = "p99 at most 25 ms with 200 chairs"
		wl.met(wl.P99ms <= 25 && ingest.Throughput >= 990)
		out = append(out, wl)
	}

	m = w.attack(ctx, "search patients", w.get("/api/v1/patients?q=History+Patient+42"), w.cfg.ReadClients, 0)
	out = append(out, result(fmt.Sprintf("GET /api/v1/patients?q=..., a search over the history, %d clients", w.cfg.ReadClients), m))
	return out
}

func result(name string, m vegeta.Metrics) Workload {
	errs := 0
	for code, n := range m.StatusCodes {
		if code < "200" || code >= "300" {
			errs += n
		}
	}
	return Workload{Name: name, Requests: int(m.Requests), Errors: errs, Throughput: m.Throughput, P50ms: ms(m.Latencies.P50),
		P99ms: ms(m.Latencies.P99), MaxMs: ms(m.Latencies.Max), ErrorSample: first(m.Errors)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
