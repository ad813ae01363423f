package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// The test binary doubles as the ketaflow binary: run with
// KETAFLOW_TEST_MAIN=1 it is the real command, so the tests below can start,
// signal and kill a real server process.
func TestMain(m *testing.M) {
	if os.Getenv("KETAFLOW_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// keyFiles holds each test's audit key file: the commands of one test
// share it, and a PostgreSQL test does not make its key in the working
// directory.
var keyFiles sync.Map // *testing.T -> path

func keyFile(t *testing.T) string {
	if p, ok := keyFiles.Load(t); ok {
		return p.(string)
	}
	p := filepath.Join(t.TempDir(), "audit.key")
	if err := os.WriteFile(p, audit.NewKey().Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFiles.Store(t, p)
	return p
}

// run runs the command in-process and returns its exit status and output.
// The audit key is the test's (keyFile) unless env names one.
func run(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	key := keyFile(t)
	code := Run(context.Background(), args, strings.NewReader(""), &out, &out, func(k string) string {
		if v, ok := env[k]; ok || k != "KETAFLOW_AUDIT_KEY_FILE" {
			return v
		}
		return key
	})
	return code, out.String()
}

// addNurseAndToken makes a clinic, a nurse and an API token in the database
// at dsn, through the command line, and returns the token.
func addNurseAndToken(t *testing.T, dsn string) string {
	t.Helper()
	env := map[string]string{"KETAFLOW_PASSWORD": "nurse password 1"}
	if code, out := run(t, env, "user", "add", "--db", dsn, "--username", "nurse", "--name", "Nurse", "--role", "nurse",
		"--clinic", "Test clinic", "--time-zone", "America/New_York"); code != 0 {
		t.Fatalf("user add: exit %d: %s", code, out)
	}
	code, out := run(t, nil, "token", "add", "--db", dsn, "--username", "nurse", "--name", "tests")
	if code != 0 {
		t.Fatalf("token add: exit %d: %s", code, out)
	}
	return strings.TrimSpace(out)
}

// proc is a ketaflow server running as a separate process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	out  *lockedWriter // what it printed on stdout
	done chan error
}

// stdout is what the server has printed on stdout.
func (p *proc) stdout() string {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	return p.out.w.(*bytes.Buffer).String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func startServer(t *testing.T, args ...string) *proc {
	t.Helper()
	return startServerEnv(t, nil, args...)
}

// startServerEnv starts a server with env added to the test's environment.
func startServerEnv(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "KETAFLOW_TEST_MAIN=1", "KETAFLOW_AUDIT_KEY_FILE="+keyFile(t)), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &bytes.Buffer{}, out: &lockedWriter{w: &bytes.Buffer{}}, done: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{w: p.logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(p.out, sc.Text())
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	select {
	case p.url = <-urlc:
		return p
	case err := <-p.done:
		t.Fatalf("server exited before listening: %v\n%s", err, p.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start in 60s\n%s", p.logs)
	}
	return nil
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func request(method, url, token string, body any) (*http.Response, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// TestSIGKILLLosesNoAcknowledgedPatient registers patients from several
// clients at once against a real server process, kills it with SIGKILL
// while requests are in flight, restarts it, and checks that every patient
// acknowledged with 201 is there.
func TestSIGKILLLosesNoAcknowledgedPatient(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, d)
			token := addNurseAndToken(t, dsn)
			srv := startServer(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")

			var mu sync.Mutex
			var acked []string
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						resp, body, err := request("POST", srv.url+"/api/v1/patients", token, map[string]any{
							"legal_name": fmt.Sprintf("Kill Test %d-%d", w, i), "birth_date": "1980-01-01", "sex": "female"})
						if err != nil {
							return // the server is gone
						}
						if resp.StatusCode == http.StatusCreated {
							var p struct{ ID string }
							json.Unmarshal(body, &p)
							mu.Lock()
							acked = append(acked, p.ID)
							mu.Unlock()
						}
					}
				}()
			}
			// Kill as soon as a few writes have been acknowledged, with
			// more in flight.
			deadline := time.Now().Add(30 * time.Second)
			for {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 12 || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			srv.cmd.Process.Signal(syscall.SIGKILL)
			<-srv.done
			close(stop)
			wg.Wait()
			if len(acked) == 0 {
				t.Fatalf("no patient was acknowledged before the kill\n%s", srv.logs)
			}

			srv2 := startServer(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
			for _, id := range acked {
				resp, body, err := request("GET", srv2.url+"/api/v1/patients/"+id, token, nil)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK {
					t.Errorf("patient %s was acknowledged with 201 but after SIGKILL and restart: %d %s", id, resp.StatusCode, body)
				}
			}
			t.Logf("%d acknowledged patients all present after SIGKILL", len(acked))
			if code, out := run(t, nil, "audit", "verify", "--db", dsn); code != 0 {
				t.Errorf("audit chain after SIGKILL: exit %d: %s", code, out)
			}
		})
	}
}

// TestGracefulShutdown checks that SIGTERM stops the server cleanly.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dsn := storetest.DSN(t, store.SQLite)
	addNurseAndToken(t, dsn)
	srv := startServer(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	if resp, _, err := request("GET", srv.url+"/healthz", "", nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-srv.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, srv.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop within 30s of SIGTERM")
	}
	if !strings.Contains(srv.logs.String(), "stopped") {
		t.Errorf("logs do not say the server stopped:\n%s", srv.logs)
	}
}

// TestAuditVerifyNamesAlteredEntry alters one audit row behind the
// application's back and checks that `ketaflow audit verify` fails naming it.
func TestAuditVerifyNamesAlteredEntry(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, d)
			addNurseAndToken(t, dsn) // writes clinic, user and token entries
			code, out := run(t, nil, "audit", "verify", "--db", dsn)
			if code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("untouched log: exit %d: %s", code, out)
			}
			db, err := sql.Open(driverOf(d), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// The database refuses the change while the append-only trigger
			// is in place...
			if _, err := db.Exec(`UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 2`); err == nil {
				t.Fatal("the database let an audit row be updated")
			}
			// ...so the attacker drops it first.
			for _, q := range disableAppendOnly(d) {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := db.Exec(`UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
			code, out = run(t, nil, "audit", "verify", "--db", dsn)
			if code != 1 || !strings.Contains(out, "entry 2:") || !strings.Contains(out, "altered") {
				t.Errorf("after altering entry 2: exit %d, output:\n%s", code, out)
			}
		})
	}
}

func driverOf(d store.Dialect) string {
	if d == store.Postgres {
		return "pgx"
	}
	return "sqlite"
}

func disableAppendOnly(d store.Dialect) []string {
	if d == store.Postgres {
		return []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`}
	}
	return []string{`DROP TRIGGER audit_log_no_update`}
}

func TestHelpAndUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help_lists_commands", []string{"help"}, 0, "audit verify"},
		{"serve_help_lists_flags", []string{"serve", "--help"}, 0, "--demo"},
		{"help_of_a_command", []string{"help", "migrate"}, 0, "Applies every database migration"},
		{"user_add_help", []string{"user", "add", "--help"}, 0, "KETAFLOW_PASSWORD"},
		{"backup_help", []string{"backup", "--help"}, 0, "VACUUM INTO"},
		{"restore_help", []string{"help", "restore"}, 0, "--force"},
		{"unknown_command_is_usage_error", []string{"frobnicate"}, 2, "unknown command"},
		{"no_command_prints_usage", nil, 2, "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out := run(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("ketaflow %v: exit %d, want %d; output lacks %q:\n%s", tt.args, code, tt.code, tt.want, out)
			}
		})
	}
}

func TestUserAddRefusesBadInput(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t, store.SQLite)
	env := map[string]string{"KETAFLOW_PASSWORD": "long enough pw"}
	code, out := run(t, env, "user", "add", "--db", dsn, "--username", "x", "--name", "X", "--role", "wizard",
		"--clinic", "C", "--time-zone", "America/New_York")
	if code != 1 || !strings.Contains(out, "username must be") || !strings.Contains(out, "role must be one of") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	code, out = run(t, env, "user", "add", "--db", dsn, "--username", "xavier", "--name", "X", "--role", "nurse",
		"--clinic", "C", "--time-zone", "Mars/Olympus")
	if code != 1 || !strings.Contains(out, "time zone") {
		t.Errorf("bad zone: exit %d, output:\n%s", code, out)
	}
}

func TestLocalZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		tz, link, local, want string
	}{
		{"tz_variable_names_the_zone", "Europe/Paris", "/usr/share/zoneinfo/Asia/Tokyo", "Local", "Europe/Paris"},
		{"tz_variable_with_colon", ":Asia/Kolkata", "", "Local", "Asia/Kolkata"},
		{"tz_variable_as_zoneinfo_path", "/usr/share/zoneinfo/America/Chicago", "", "Local", "America/Chicago"},
		{"localtime_link_when_no_tz", "", "/usr/share/zoneinfo/Australia/Sydney", "Local", "Australia/Sydney"},
		{"macos_localtime_link", "", "/var/db/timezone/zoneinfo/Europe/Berlin", "Local", "Europe/Berlin"},
		{"local_name_when_no_link", "", "", "America/Denver", "America/Denver"},
		{"unknown_tz_falls_through", "Mars/Olympus", "/usr/share/zoneinfo/Europe/Rome", "Local", "Europe/Rome"},
		{"local_is_not_a_zone_name", "", "", "Local", "UTC"},
		{"nothing_known_is_utc", "Nowhere/Else", "/etc/localtime.orig", "", "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := localZone(tt.tz, tt.link, tt.local); got != tt.want {
				t.Errorf("localZone(%q, %q, %q) = %q, want %q", tt.tz, tt.link, tt.local, got, tt.want)
			}
		})
	}
}

// TestDemoTakesTheMachinesTimeZone starts `serve --demo` with TZ set, as a
// newcomer's machine has it, and checks that the demo clinic is in that
// zone, so that its morning is the newcomer's morning.
func TestDemoTakesTheMachinesTimeZone(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dsn := storetest.DSN(t, store.SQLite)
	srv := startServerEnv(t, []string{"TZ=Asia/Tokyo"}, "serve", "--demo", "--db", dsn, "--addr", "127.0.0.1:0")
	code, out := run(t, nil, "token", "add", "--db", dsn, "--username", "admin", "--name", "tests")
	if code != 0 {
		t.Fatalf("token add: exit %d: %s", code, out)
	}
	resp, body, err := request("GET", srv.url+"/api/v1/clinic", strings.TrimSpace(out), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /clinic: %v %v %s", resp, err, body)
	}
	var c struct {
		TimeZone string `json:"time_zone"`
	}
	json.Unmarshal(body, &c)
	if c.TimeZone != "Asia/Tokyo" {
		t.Errorf("demo clinic time zone %q, want the machine's Asia/Tokyo", c.TimeZone)
	}
	if !strings.Contains(srv.stdout(), "time zone Asia/Tokyo") {
		t.Errorf("serve --demo does not say the zone:\n%s", srv.stdout())
	}
}

// TestSecondClinic makes two clinics in one database with the command
// line, staffs each, and checks through a running server that each
// clinic's users see only its own patients.
func TestSecondClinic(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, d)
			addClinic := func(name, tz string) string {
				t.Helper()
				code, out := run(t, nil, "clinic", "add", "--db", dsn, "--name", name, "--time-zone", tz)
				id, _, _ := strings.Cut(out, "\n")
				if code != 0 || !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(id) {
					t.Fatalf("clinic add %s: exit %d, output:\n%s", name, code, out)
				}
				return id
			}
			north, south := addClinic("North Clinic", "America/Chicago"), addClinic("South Clinic", "Europe/London")

			refused := []struct {
				name string
				args []string
				want string
			}{
				{"clinic_without_name", []string{"clinic", "add", "--name", " ", "--time-zone", "UTC"}, "clinic name is required"},
				{"clinic_in_unknown_zone", []string{"clinic", "add", "--name", "West", "--time-zone", "Mars/Olympus"}, `time zone "Mars/Olympus" is not an IANA time zone`},
				{"clinic_without_zone", []string{"clinic", "add", "--name", "West"}, "time zone is required"},
				{"clinic_of_a_taken_name", []string{"clinic", "add", "--name", "north clinic", "--time-zone", "UTC"}, `a clinic named "North Clinic" exists already`},
				{"user_of_unknown_clinic_id", []string{"user", "add", "--username", "eve", "--name", "Eve", "--role", "nurse", "--clinic-id", "7c0ffee0-0000-4000-8000-000000000000"}, "no clinic has the id"},
				{"user_without_clinic_among_several", []string{"user", "add", "--username", "eve", "--name", "Eve", "--role", "nurse"}, "several clinics; give --clinic-id"},
				{"user_of_unknown_clinic_name", []string{"user", "add", "--username", "eve", "--name", "Eve", "--role", "nurse", "--clinic", "East Clinic", "--time-zone", "UTC"}, "ketaflow clinic add"},
			}
			for _, r := range refused {
				code, out := run(t, map[string]string{"KETAFLOW_PASSWORD": "long enough pw"}, append(r.args, "--db", dsn)...)
				if code != 1 || !strings.Contains(out, r.want) {
					t.Errorf("%s: exit %d, want 1 with %q:\n%s", r.name, code, r.want, out)
				}
			}

			env := map[string]string{"KETAFLOW_PASSWORD": "nurse password 1"}
			for _, u := range []struct{ username, how, clinic string }{
				{"nurse-north", "--clinic-id", north}, {"nurse-south", "--clinic-id", south}, {"nurse2-north", "--clinic", "North Clinic"},
			} {
				if code, out := run(t, env, "user", "add", "--db", dsn, "--username", u.username, "--name", u.username,
					"--role", "nurse", u.how, u.clinic); code != 0 {
					t.Fatalf("user add %s: exit %d: %s", u.username, code, out)
				}
			}
			code, out := run(t, nil, "clinic", "list", "--db", dsn)
			if code != 0 || !strings.Contains(out, north+"  North Clinic") || !strings.Contains(out, south+"  South Clinic") {
				t.Errorf("clinic list: exit %d:\n%s", code, out)
			}
			token := func(username string) string {
				t.Helper()
				code, out := run(t, nil, "token", "add", "--db", dsn, "--username", username, "--name", "tests")
				if code != 0 {
					t.Fatalf("token add %s: exit %d: %s", username, code, out)
				}
				return strings.TrimSpace(out)
			}
			tokens := map[string]string{"north": token("nurse-north"), "south": token("nurse-south"), "north2": token("nurse2-north")}

			srv := startServer(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
			ids := map[string]string{}
			for _, who := range []string{"north", "south"} {
				resp, body, err := request("POST", srv.url+"/api/v1/patients", tokens[who], map[string]any{
					"legal_name": "Patient of " + who, "birth_date": "1980-01-01", "sex": "female"})
				if err != nil || resp.StatusCode != http.StatusCreated {
					t.Fatalf("%s registers a patient: %v %v %s", who, resp, err, body)
				}
				var p struct{ ID string }
				json.Unmarshal(body, &p)
				ids[who] = p.ID
			}
			for who, own := range map[string]string{"north": "north", "north2": "north", "south": "south"} {
				other := map[string]string{"north": "south", "south": "north"}[own]
				_, body, err := request("GET", srv.url+"/api/v1/patients", tokens[who], nil)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(body), ids[own]) || strings.Contains(string(body), ids[other]) {
					t.Errorf("%s lists %s", who, body)
				}
				resp, _, err := request("GET", srv.url+"/api/v1/patients/"+ids[other], tokens[who], nil)
				if err != nil || resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s reads the other clinic's patient: %v %v, want 404", who, resp, err)
				}
			}
		})
	}
}

// TestServeTrainingClock: --clock manual runs only with --demo and only on
// a database that holds nothing but the demo clinic; on one it serves the
// training clock's route, which a server on real time does not have.
func TestServeTrainingClock(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			real := storetest.DSN(t, d)
			addNurseAndToken(t, real) // a real clinic
			for _, tt := range []struct {
				name string
				args []string
				want string
			}{
				{"manual_clock_without_demo", []string{"serve", "--clock", "manual", "--db", real}, "--clock manual runs only with --demo"},
				{"unknown_clock", []string{"serve", "--demo", "--clock", "sundial", "--db", real}, `--clock must be system or manual, not "sundial"`},
				{"database_with_a_real_clinic", []string{"serve", "--demo", "--clock", "manual", "--db", real, "--addr", "127.0.0.1:0"},
					`holds "Test clinic"`},
			} {
				code, out := run(t, nil, tt.args...)
				if code != 1 || !strings.Contains(out, tt.want) || strings.Contains(out, "listening") {
					t.Errorf("%s: exit %d, want 1 saying %q:\n%s", tt.name, code, tt.want, out)
				}
			}

			dsn := storetest.DSN(t, d)
			srv := startServer(t, "serve", "--demo", "--clock", "manual", "--db", dsn, "--addr", "127.0.0.1:0")
			if !strings.Contains(srv.stdout(), "Training clock:") {
				t.Errorf("serve does not say it runs on a training clock:\n%s", srv.stdout())
			}
			token := func(username string) string {
				t.Helper()
				code, out := run(t, nil, "token", "add", "--db", dsn, "--username", username, "--name", "tests")
				if code != 0 {
					t.Fatalf("token add %s: exit %d: %s", username, code, out)
				}
				return strings.TrimSpace(out)
			}
			admin, nurse := token("admin"), token("nurse")
			resp, body, err := request("POST", srv.url+"/api/v1/clock", admin, map[string]any{"advance": "PT30M"})
			if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ahead": "PT30M"`) {
				t.Errorf("admin moves the clock: %v %v %s", resp, err, body)
			}
			if resp, body, _ := request("POST", srv.url+"/api/v1/clock", nurse, map[string]any{"advance": "PT30M"}); resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("nurse moves the clock: %v %s, want 403", resp, body)
			}
			srv.cmd.Process.Signal(syscall.SIGTERM)
			<-srv.done

			plain := startServer(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
			if resp, body, _ := request("POST", plain.url+"/api/v1/clock", admin, map[string]any{"advance": "PT30M"}); resp == nil || resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST /api/v1/clock without --clock manual: %v %s, want 404", resp, body)
			}
		})
	}
}

// TestServeRefusesABadPublicURLOrProxy: --public-url must be a scheme and
// host (the base of the links sent to patients), --trusted-proxy a list of
// networks; both are refused before anything starts, naming the flag.
func TestServeRefusesABadPublicURLOrProxy(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t, store.SQLite)
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--public-url", "clinic.example"}, nil, "--public-url: the public URL must be an absolute"},
		{[]string{"--public-url", "https://clinic.example/ketaflow"}, nil, "no path"},
		{nil, map[string]string{"KETAFLOW_PUBLIC_URL": "ftp://clinic.example"}, "--public-url"},
		{[]string{"--trusted-proxy", "10.0.0.0/8, proxy.internal"}, nil, `--trusted-proxy: trusted proxy "proxy.internal" is not a CIDR network`},
		{nil, map[string]string{"KETAFLOW_TRUSTED_PROXIES": "10.0.0.0/33"}, "--trusted-proxy"},
	} {
		code, out := run(t, tt.env, append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, tt.args...)...)
		if code != 1 || !strings.Contains(out, tt.want) || strings.Contains(out, "listening") {
			t.Errorf("serve %v %v: exit %d, want 1 saying %q:\n%s", tt.args, tt.env, code, tt.want, out)
		}
	}
}
