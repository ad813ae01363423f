package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

var crashRounds = flag.Int("crash-rounds", 50, "SIGKILL rounds of TestCrashLosesNoAcknowledgedWrite on each database")

// TestCrashLosesNoAcknowledgedWrite runs writers of patients and visits,
// vitals, ledger entries and whole IV doses (order, preparation drawn from
// the ledger, second check, first dose, stop with the volume given) against
// a real server process, and kills the process with SIGKILL after a random
// number of acknowledged writes, with more requests in flight, round after
// round. After each kill: SQLite's integrity_check is ok; after each
// restart every write answered 2xx is there and reads back as it was
// answered; at the end a dose step and its ledger entry are both there or
// both absent for every visit, each lot's books add up, and the audit chain
// verifies. -crash-rounds sets the rounds (50 in CI).
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			crashRoundsOn(t, d, *crashRounds)
		})
	}
}

func crashRoundsOn(t *testing.T, d store.Dialect, rounds int) {
	began := time.Now()
	dsn := storetest.DSN(t, d)
	tokens := addStaffTokens(t, dsn)
	c := &crashRun{t: t, tokens: tokens, up: make(chan struct{}), progress: make(chan struct{}, 1),
		prepared: map[string]bool{}, stopped: map[string]bool{}}
	srv := c.start(dsn)

	// The ward: a visit to chart vitals on and a lot to keep books on.
	var p struct{ ID string }
	c.must(srv, "nurse", "POST", "/api/v1/patients", newPatient("Vitals Ward"), &p)
	var v struct{ ID string }
	c.must(srv, "frontdesk", "POST", "/api/v1/visits", booking(p.ID, "iv"), &v)
	c.must(srv, "frontdesk", "POST", "/api/v1/visits/"+v.ID+"/transitions", map[string]any{"to": "checked_in"}, nil)
	var lot struct{ ID string }
	c.must(srv, "nurse", "POST", "/api/v1/lots", ketamineLot(), &lot)
	c.lots = append(c.lots, lot.ID)

	c.open(srv)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range []func(context.Context){
		c.patientsAndVisits, c.patientsAndVisits,
		func(ctx context.Context) { c.vitals(ctx, v.ID) },
		func(ctx context.Context) { c.ledger(ctx, lot.ID) },
		c.doses, c.doses,
	} {
		wg.Add(1)
		go func() { defer wg.Done(); w(ctx) }()
	}
	var cut int64
	var phases [4]time.Duration // writing, integrity check, restart, reading back
	for round := range rounds {
		// Kill after a random number of acknowledged writes of this
		// round: a moment chosen by the load, with requests in flight.
		target := c.ackCount() + 1 + rand.IntN(10)
		t0 := time.Now()
		c.waitAcks(target, srv)
		c.down()
		srv.cmd.Process.Signal(syscall.SIGKILL)
		<-srv.done
		cut += c.unknown.Swap(0)
		t1 := time.Now()
		if d == store.SQLite {
			integrityOK(t, dsn, fmt.Sprintf("after SIGKILL %d", round+1))
		}
		t2 := time.Now()
		srv = c.start(dsn)
		t3 := time.Now()
		c.checkAcked(srv)
		phases[0] += t1.Sub(t0)
		phases[1] += t2.Sub(t1)
		phases[2] += t3.Sub(t2)
		phases[3] += time.Since(t3)
		if t.Failed() {
			break
		}
		c.open(srv)
	}
	// The last server runs until a dose has been given whole, so that the
	// check of the doses below has one at least, however few rounds.
	c.waitFor(srv, func() bool { return len(c.stopped) > 0 })
	stop()
	c.release()
	wg.Wait()
	c.checkAcked(srv)
	c.checkDoses(srv)
	srv.cmd.Process.Signal(syscall.SIGKILL)
	<-srv.done
	if code, out := run(t, nil, "audit", "verify", "--db", dsn); code != 0 {
		t.Errorf("audit chain after %d SIGKILLs: exit %d: %s", rounds, code, out)
	}
	if d == store.SQLite {
		integrityOK(t, dsn, "at the end")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Logf("%s: %d SIGKILLs in %s; %d writes acknowledged and read back, %d doses prepared (%d stopped), %d requests cut off by a kill and retried; time writing %s, checking integrity %s, restarting %s, reading back %s",
		d, rounds, time.Since(began).Round(time.Millisecond), c.total, len(c.prepared), len(c.stopped), cut+c.unknown.Swap(0),
		phases[0].Round(time.Millisecond), phases[1].Round(time.Millisecond), phases[2].Round(time.Millisecond), phases[3].Round(time.Millisecond))
	if c.total == 0 || len(c.prepared) == 0 {
		t.Errorf("the writers got too little acknowledged to prove anything: %d writes, %d doses", c.total, len(c.prepared))
	}
}

// addStaffTokens adds a clinic with a front desk, a nurse and a prescriber,
// each with an API token.
func addStaffTokens(t *testing.T, dsn string) map[string]string {
	t.Helper()
	tokens := map[string]string{}
	for _, u := range []struct{ username, role string }{{"frontdesk", "frontdesk"}, {"nurse", "nurse"}, {"prescriber", "prescriber"}} {
		env := map[string]string{"KETAFLOW_PASSWORD": "a long password for " + u.username}
		if code, out := run(t, env, "user", "add", "--db", dsn, "--username", u.username, "--name", "Crash "+u.username, "--role", u.role,
			"--clinic", "Crash clinic", "--time-zone", "America/New_York"); code != 0 {
			t.Fatalf("user add %s: exit %d: %s", u.username, code, out)
		}
		code, out := run(t, nil, "token", "add", "--db", dsn, "--username", u.username, "--name", "crash test")
		if code != 0 {
			t.Fatalf("token add %s: exit %d: %s", u.username, code, out)
		}
		tokens[u.username] = strings.TrimSpace(out)
	}
	return tokens
}

func newPatient(name string) map[string]any {
	return map[string]any{"legal_name": name, "birth_date": "1979-06-02", "sex": "female", "phone": "+1 555 010 0188"}
}

func booking(patientID, route string) map[string]any {
	return map[string]any{"patient_id": patientID, "route": route, "scheduled_at": time.Now().Add(15 * time.Minute).Format(time.RFC3339)}
}

func ketamineLot() map[string]any {
	n := rand.Int64()
	return map[string]any{"drug": "ketamine", "concentration_mg_per_ml": 50, "ml_per_vial": 10,
		"lot_number": fmt.Sprintf("K-%08x", uint32(n)), "expiry": "2099-03-31", "packs": 5}
}

// integrityOK runs SQLite's integrity_check on the file as the kill left it.
func integrityOK(t *testing.T, path, when string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check %s: %q %v", when, res, err)
	}
}

// crashRun is the state shared by the writers and the killer.
type crashRun struct {
	t      *testing.T
	tokens map[string]string
	client http.Client

	mu         sync.Mutex
	url        string        // the running server; "" while it is down
	up         chan struct{} // closed when a server is up
	acks       int           // acknowledged writes, all rounds
	total      int           // acknowledged writes checked after a restart
	pending    []ackedWrite  // acknowledged since the last check
	lots       []string
	doseVisits []string        // visits the dose writers started
	prepared   map[string]bool // visit -> its preparation was acknowledged
	stopped    map[string]bool // visit -> its stop (the volume given) was acknowledged
	unknown    atomic.Int64    // requests whose answer the kill cut off, retried
	progress   chan struct{}   // a write was acknowledged
	closed     bool            // the writers are told to stop
}

// ackedWrite is a write answered 2xx: the record as answered, and where to
// read it back (the object with its id in the answer of GET path).
type ackedWrite struct {
	what, path, id string
	record         map[string]any
}

// errCut is a request whose answer the kill cut off: it may or may not
// have been written.
var errCut = errors.New("cut off by the kill")

func (c *crashRun) start(dsn string) *proc {
	c.t.Helper()
	srv := startServer(c.t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	// Ready means the health check answers, not a time waited.
	resp, _, err := request("GET", srv.url+"/healthz", "", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		c.t.Fatalf("healthz after start: %v %v\n%s", resp, err, srv.logs)
	}
	return srv
}

// open lets the writers at the server.
func (c *crashRun) open(srv *proc) {
	c.mu.Lock()
	c.url = srv.url
	close(c.up)
	c.mu.Unlock()
}

// down marks the server gone before the kill, so that the writers wait
// for the next one instead of counting its refusals.
func (c *crashRun) down() {
	c.mu.Lock()
	c.url = ""
	c.up = make(chan struct{})
	c.mu.Unlock()
	c.client.CloseIdleConnections()
}

// release lets the writers waiting for a server see that the run is over.
func (c *crashRun) release() {
	c.mu.Lock()
	c.closed = true
	if c.url == "" {
		close(c.up)
	}
	c.mu.Unlock()
}

func (c *crashRun) ackCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acks
}

// waitAcks waits until n writes have been acknowledged in all.
func (c *crashRun) waitAcks(n int, srv *proc) {
	c.waitFor(srv, func() bool { return c.acks >= n })
}

// waitFor waits until done, called with c.mu held, is true.
func (c *crashRun) waitFor(srv *proc, done func() bool) {
	deadline := time.After(60 * time.Second)
	for {
		c.mu.Lock()
		ok := done()
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.progress:
		case err := <-srv.done:
			c.t.Fatalf("the server stopped by itself: %v\n%s", err, srv.logs)
		case <-deadline:
			c.mu.Lock()
			defer c.mu.Unlock()
			c.t.Fatalf("writers stalled at %d acknowledged writes\n%s", c.acks, srv.logs)
		}
	}
}

// server waits for a running server and returns its URL ("" when the run
// is over).
func (c *crashRun) server(ctx context.Context) string {
	for {
		c.mu.Lock()
		url, up, closed := c.url, c.up, c.closed
		c.mu.Unlock()
		if ctx.Err() != nil || closed {
			return ""
		}
		if url != "" {
			return url
		}
		select {
		case <-up:
		case <-ctx.Done():
			return ""
		}
	}
}

// send makes one write, retrying it with its Idempotency-Key after a
// kill cut its answer off until a server answers: the first answer, or
// the write done now. It returns nil on a 2xx (out decoded), ctx's error
// when the run is over, and an error for any other answer, which is a
// failure (the writers' requests are all valid).
func (c *crashRun) send(ctx context.Context, who, method, path string, body, out any) error {
	key := fmt.Sprintf("crash-%016x", rand.Uint64())
	for {
		url := c.server(ctx)
		if url == "" {
			return context.Canceled
		}
		err := c.post(ctx, url, who, method, path, key, body, out)
		if !errors.Is(err, errCut) {
			return err
		}
		c.unknown.Add(1)
	}
}

// post sends one write once. A transport error is errCut.
func (c *crashRun) post(ctx context.Context, url, who, method, path, key string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.tokens[who])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" && method == "POST" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return errCut
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return errCut
	}
	if resp.StatusCode/100 != 2 {
		if ctx.Err() == nil {
			c.t.Errorf("%s %s as %s: %d %s", method, path, who, resp.StatusCode, raw)
		}
		return fmt.Errorf("%s %s: %d", method, path, resp.StatusCode)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode %s: %w", method, path, raw, err)
		}
	}
	return nil
}

// must sends a setup request that has to succeed.
func (c *crashRun) must(srv *proc, who, method, path string, body, out any) {
	c.t.Helper()
	if err := c.post(context.Background(), srv.url, who, method, path, "", body, out); err != nil {
		c.t.Fatalf("setup %s %s: %v\n%s", method, path, err, srv.logs)
	}
}

// acked counts an acknowledged write and, when w names where, keeps it to
// read back after the next restart.
func (c *crashRun) acked(w ackedWrite) {
	c.mu.Lock()
	c.acks++
	if w.path != "" {
		c.pending = append(c.pending, w)
	}
	c.mu.Unlock()
	select {
	case c.progress <- struct{}{}:
	default:
	}
}

// write sends a POST and, on a 2xx, keeps the object found at pick in the
// answer, to be read back from GET readPath.
func (c *crashRun) write(ctx context.Context, who, path string, body any, what string, pick func(map[string]any) map[string]any, readPath func(id string) string) (map[string]any, error) {
	var out map[string]any
	if err := c.send(ctx, who, "POST", path, body, &out); err != nil {
		return nil, err
	}
	rec := pick(out)
	id, _ := rec["id"].(string)
	if id == "" {
		c.t.Errorf("%s %s: answer without an id: %v", what, path, out)
		return nil, errors.New("no id")
	}
	c.acked(ackedWrite{what: what, path: readPath(id), id: id, record: rec})
	return rec, nil
}

func whole(m map[string]any) map[string]any { return m }

func field(name string) func(map[string]any) map[string]any {
	return func(m map[string]any) map[string]any { r, _ := m[name].(map[string]any); return r }
}

func (c *crashRun) patientsAndVisits(ctx context.Context) {
	for i := 0; ctx.Err() == nil; i++ {
		p, err := c.write(ctx, "nurse", "/api/v1/patients", newPatient(fmt.Sprintf("Crash Patient %d", i)), "patient", whole,
			func(id string) string { return "/api/v1/patients/" + id })
		if err != nil {
			continue
		}
		c.write(ctx, "frontdesk", "/api/v1/visits", booking(p["id"].(string), "im"), "visit", whole,
			func(id string) string { return "/api/v1/visits/" + id })
	}
}

func (c *crashRun) vitals(ctx context.Context, visitID string) {
	for i := 0; ctx.Err() == nil; i++ {
		// Taken now, stated to the nanosecond as a device may:
		// the answer must be what is stored, to the microsecond.
		taken := time.Now().Format(time.RFC3339Nano)
		c.write(ctx, "nurse", "/api/v1/visits/"+visitID+"/vitals", map[string]any{"systolic": 110 + i%30, "diastolic": 70 + i%10,
			"heart_rate": 60 + i%40, "spo2": 95 + i%5, "taken_at": taken}, "vitals", field("reading"),
			func(string) string { return "/api/v1/visits/" + visitID })
	}
}

func (c *crashRun) ledger(ctx context.Context, lotID string) {
	for i := 0; ctx.Err() == nil; i++ {
		c.write(ctx, "nurse", "/api/v1/lots/"+lotID+"/entries", map[string]any{"kind": "receive", "quantity": 10,
			"reason": fmt.Sprintf("delivery %d", i)}, "ledger entry", field("entry"),
			func(string) string { return "/api/v1/lots/" + lotID })
	}
}

// doses takes IV visits from booking to a stopped infusion, one step a
// request, each step retried across the kills with its Idempotency-Key.
func (c *crashRun) doses(ctx context.Context) {
	for i := 0; ctx.Err() == nil; i++ {
		c.dose(ctx, i)
	}
}

func (c *crashRun) dose(ctx context.Context, i int) {
	var p, v, lot struct{ ID string }
	if c.send(ctx, "nurse", "POST", "/api/v1/patients", newPatient(fmt.Sprintf("Dose Patient %d", i)), &p) != nil {
		return
	}
	if c.send(ctx, "frontdesk", "POST", "/api/v1/visits", booking(p.ID, "iv"), &v) != nil {
		return
	}
	c.mu.Lock()
	c.doseVisits = append(c.doseVisits, v.ID)
	c.mu.Unlock()
	path := "/api/v1/visits/" + v.ID
	now := time.Now()
	steps := []struct {
		who, method, path string
		body              any
		out               any
	}{
		{"frontdesk", "POST", path + "/transitions", map[string]any{"to": "checked_in"}, nil},
		{"nurse", "POST", path + "/questionnaires", map[string]any{"phq9": []int{1, 1, 1, 1, 1, 1, 1, 1, 0}, "gad7": []int{1, 1, 0, 0, 1, 0, 0}}, nil},
		{"nurse", "POST", path + "/vitals", map[string]any{"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98}, nil},
		{"nurse", "PUT", path + "/fasting", map[string]any{"last_solid_food": now.Add(-8 * time.Hour).Format(time.RFC3339),
			"last_liquid": now.Add(-3 * time.Hour).Format(time.RFC3339), "last_liquid_clear": true}, nil},
		{"frontdesk", "PUT", path + "/ride", map[string]any{"driver_name": "Luis Alvarez", "driver_phone": "+1 555 010 0142"}, nil},
		{"nurse", "POST", path + "/weights", map[string]any{"kg": 64, "measured_at": now.Format(time.RFC3339)}, nil},
		{"nurse", "POST", "/api/v1/lots", ketamineLot(), &lot},
		{"prescriber", "POST", path + "/order", map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40}, nil},
		{"nurse", "POST", path + "/preparation", nil, nil}, // the lot is known once received
		{"prescriber", "POST", path + "/preparation/verify", nil, nil},
		{"nurse", "POST", path + "/clear", nil, nil},
		{"nurse", "POST", path + "/administrations", nil, nil},
		{"nurse", "POST", path + "/infusion", map[string]any{"action": "stop", "reason": "crash test: stopped early", "infused_ml": 5}, nil},
	}
	for _, st := range steps {
		body := st.body
		if strings.HasSuffix(st.path, "/preparation") {
			body = map[string]any{"vial_mg_per_ml": 50, "lot_id": lot.ID}
		}
		if c.send(ctx, st.who, st.method, st.path, body, st.out) != nil {
			return
		}
		c.acked(ackedWrite{})
		c.mu.Lock()
		switch {
		case st.path == "/api/v1/lots":
			c.lots = append(c.lots, lot.ID)
		case strings.HasSuffix(st.path, "/preparation"):
			c.prepared[v.ID] = true
		case strings.HasSuffix(st.path, "/infusion"):
			c.stopped[v.ID] = true
		}
		c.mu.Unlock()
	}
}

// get reads path from the running server.
func (c *crashRun) get(srv *proc, path string) map[string]any {
	c.t.Helper()
	resp, body, err := c.read(srv, path)
	if err != nil || resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s after restart: %v %v %s", path, resp, err, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// read GETs path; a server that does not answer in 20 s is stuck, and
// its goroutines are dumped (SIGQUIT) into the failure.
func (c *crashRun) read(srv *proc, path string) (*http.Response, []byte, error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.tokens["nurse"])
	resp, err := c.client.Do(req)
	if errors.Is(err, context.DeadlineExceeded) {
		srv.cmd.Process.Signal(syscall.SIGQUIT)
		<-srv.done
		c.t.Fatalf("GET %s: the server answered nothing in 20s; its goroutines:\n%s", path, srv.logs)
	}
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// checkAcked reads back every write acknowledged since the last check: it
// must be there, as answered.
func (c *crashRun) checkAcked(srv *proc) {
	c.t.Helper()
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	c.total += len(pending)
	c.mu.Unlock()
	pages := map[string]map[string]any{}
	for _, w := range pending {
		page, ok := pages[w.path]
		if !ok {
			page = c.get(srv, w.path)
			pages[w.path] = page
		}
		got := findByID(page, w.id)
		if got == nil {
			c.t.Errorf("%s %s was acknowledged but is not in GET %s after SIGKILL and restart", w.what, w.id, w.path)
			continue
		}
		if !reflect.DeepEqual(got, w.record) {
			c.t.Errorf("%s %s reads back otherwise than acknowledged:\n acknowledged %v\n read back    %v", w.what, w.id, w.record, got)
		}
	}
}

// findByID finds the object with the id in a JSON answer.
func findByID(v any, id string) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		if v["id"] == id {
			return v
		}
		for _, x := range v {
			if m := findByID(x, id); m != nil {
				return m
			}
		}
	case []any:
		for _, x := range v {
			if m := findByID(x, id); m != nil {
				return m
			}
		}
	}
	return nil
}

// checkDoses judges every visit a dose writer started, whatever the kill
// left of it: a preparation is there exactly when the lot has its draw, a
// stopped infusion exactly when the lot has what it gave; what was
// acknowledged is there; and every lot's books add up entry by entry.
func (c *crashRun) checkDoses(srv *proc) {
	c.t.Helper()
	c.mu.Lock()
	doses, lots := append([]string{}, c.doseVisits...), append([]string{}, c.lots...)
	c.mu.Unlock()
	draws, gives := map[string]int{}, map[string]int{}
	for _, id := range lots {
		book := c.get(srv, "/api/v1/lots/"+id)
		entries, _ := book["entries"].([]any)
		balance := 0.0
		for i, e := range entries {
			e := e.(map[string]any)
			if seq := e["seq"].(float64); int(seq) != i+1 {
				c.t.Errorf("lot %s: entry %d has seq %v: the books have a gap", id, i+1, seq)
			}
			q := e["quantity"].(float64)
			switch e["kind"] {
			case "receive":
				balance += q
			case "draw":
				balance -= q
				draws[e["visit_id"].(string)]++
			case "give":
				gives[e["visit_id"].(string)]++
			}
			if after := e["balance_after"].(float64); !near(after, balance) {
				c.t.Errorf("lot %s entry %d: balance after %v, the entries before add up to %v", id, i+1, after, balance)
			}
		}
	}
	for _, id := range doses {
		resp, body, err := c.read(srv, "/api/v1/visits/"+id)
		if err != nil {
			c.t.Fatal(err)
		}
		if resp.StatusCode == http.StatusNotFound {
			continue // the booking was cut off by the kill before it committed
		}
		var screen struct {
			Session *struct {
				Preparation *struct{ ID string }    `json:"preparation"`
				Events      []struct{ Kind string } `json:"events"`
			} `json:"session"`
		}
		if err := json.Unmarshal(body, &screen); err != nil {
			c.t.Fatalf("GET visit %s: %d %s", id, resp.StatusCode, body)
		}
		prepared, stopped := false, false
		if s := screen.Session; s != nil {
			prepared = s.Preparation != nil
			for _, e := range s.Events {
				stopped = stopped || e.Kind == "infusion_stop"
			}
		}
		c.mu.Lock()
		ackPrep, ackStop := c.prepared[id], c.stopped[id]
		c.mu.Unlock()
		switch {
		case ackPrep && !prepared:
			c.t.Errorf("visit %s: the preparation was acknowledged but is gone", id)
		case prepared != (draws[id] == 1):
			c.t.Errorf("visit %s: preparation recorded %v, draws in the ledger %d: half written", id, prepared, draws[id])
		case ackStop && !stopped:
			c.t.Errorf("visit %s: the infusion's stop was acknowledged but is gone", id)
		case stopped != (gives[id] == 1):
			c.t.Errorf("visit %s: infusion stopped %v, gives in the ledger %d: half written", id, stopped, gives[id])
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }
