package mllp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/devices"
	"github.com/ketaflow/ketaflow/hl7"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// now is 10:00 in the clinic (America/New_York).
var now = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

// fixture is a clinic whose Chair 1 has monitor BED1 and a visit in
// session, and a listener on a loopback port.
type fixture struct {
	t      *testing.T
	a      *app.App
	nurse  access.Actor
	visit  string
	addr   string
	logs   *syncBuffer
	cancel func()
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	a := app.New(db, ketaflow.NewFakeClock(now), log, app.PasswordCost(access.CheapArgon2()))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := a.CreateClinic(ctx, "Clinic A", "America/New_York")
	must(err)
	var actors []access.Actor
	for _, u := range []struct {
		name string
		role access.Role
	}{{"nurse", access.Nurse}, {"admin", access.Admin}} {
		user, err := a.AddUserFromCommandLine(ctx, c.ID, app.NewUser{Username: u.name, Name: u.name, Role: u.role, Password: "velvet-orchid-tramline-42"})
		must(err)
		actors = append(actors, user.Actor("test"))
	}
	nurse, admin := actors[0], actors[1]
	chair, err := a.AddChair(ctx, admin, "Chair 1")
	must(err)
	_, err = a.AddMonitor(ctx, admin, app.MonitorInput{Key: "INF^^BED1", ChairID: &chair.ID})
	must(err)
	_, err = a.AddMonitorCode(ctx, admin, devices.Code{System: "MDC", Code: "150456", Vital: devices.SpO2})
	must(err)
	p, err := a.CreatePatient(ctx, nurse, patients.Record{LegalName: "Ana Ortiz", BirthDate: ketaflow.Date{Year: 1980, Month: 3, Day: 14},
		Sex: patients.Female, Phone: "+1 555 010 0101"}, nil)
	must(err)
	v, err := a.BookVisit(ctx, nurse, visits.Booking{PatientID: p.ID, Route: "iv", ScheduledAt: now, ChairID: chair.ID})
	must(err)
	_, err = a.MoveVisit(ctx, nurse, v.Visit.ID, visits.CheckedIn, "")
	must(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	sctx, cancel := context.WithCancel(ctx)
	f := &fixture{t: t, a: a, nurse: nurse, visit: v.Visit.ID, addr: ln.Addr().String(), logs: logs, cancel: cancel, done: make(chan error, 1)}
	l := &Listener{App: a, ClinicID: c.ID, Log: log}
	go func() { f.done <- l.Serve(sctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-f.done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return f
}

// oru is a gateway's ORU^R01 for bed INF^^BED1 with SpO2 and pulse by
// LOINC at 10:00:ss clinic time.
func oru(controlID string, sec, spo2 int) string {
	ts := fmt.Sprintf("2026120110%02d%02d", sec/60, sec%60)
	return "MSH|^~\\&|GATEWAY|INFUSION|KETAFLOW|CLINIC|" + ts + "||ORU^R01^ORU_R01|" + controlID + "|P|2.5.1\r" +
		"PID|1||MRN1^^^CLINIC||Ortiz^Ana\r" +
		"PV1|1|O|INF^^BED1\r" +
		"OBR|1||||||" + ts + "\r" +
		fmt.Sprintf("OBX|1|NM|59408-5^Oxygen saturation^LN||%d|%%^percent^UCUM|||||F\r", spo2) +
		"OBX|2|NM|8889-8^Pulse rate^LN||74|/min^per minute^UCUM|||||F\r"
}

// monitorReadings are the visit's monitor readings, as the nurse sees them.
func (f *fixture) monitorReadings() []app.MonitorReading {
	f.t.Helper()
	v, err := f.a.Visit(context.Background(), f.nurse, f.visit)
	if err != nil {
		f.t.Fatal(err)
	}
	if v.Monitor == nil {
		return nil
	}
	return v.Monitor.Readings
}

// send frames msg over a new connection and returns the ACK.
func (f *fixture) send(msg string) *hl7.Message {
	f.t.Helper()
	conn, err := net.Dial("tcp", f.addr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer conn.Close()
	return f.sendOn(conn, msg)
}

func (f *fixture) sendOn(conn net.Conn, msg string) *hl7.Message {
	f.t.Helper()
	if _, err := conn.Write(wrap([]byte(msg))); err != nil {
		f.t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	frame, _, err := readFrame(conn, bufio.NewReader(conn))
	if err != nil {
		f.t.Fatalf("no ACK: %v", err)
	}
	m, err := hl7.Parse(frame)
	if err != nil {
		f.t.Fatalf("the ACK does not parse: %v", err)
	}
	return m
}

func msa(m *hl7.Message) (code, controlID, text string) {
	s, _ := m.Segment("MSA")
	return s.Field(1), s.Field(2), s.Field(3)
}

func TestListenerStoresOnceAndSurvivesGarbageAndDisconnects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if code, id, text := msa(f.send(oru("M1", 0, 97))); code != "AA" || id != "M1" || !strings.Contains(text, "stored 1") {
			t.Fatalf("ACK %s %s %q; want AA for M1", code, id, text)
		}
		if code, _, text := msa(f.send(oru("M1", 0, 97))); code != "AR" || !strings.Contains(text, "stored at") {
			t.Errorf("a resend: %s %q; want AR, stored already", code, text)
		}
		if n := len(f.monitorReadings()); n != 1 {
			t.Fatalf("%d readings stored, want 1", n)
		}

		// 10 MB of garbage on one connection, with frame bytes in it.
		conn, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		garbage := make([]byte, 10<<20)
		rand.Read(garbage)
		go io.Copy(io.Discard, conn)
		conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		conn.Write(garbage) // the listener may close it first: that is the point
		conn.Close()

		// A frame too large: refused, connection closed.
		conn, err = net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		big := append([]byte{StartBlock}, bytes.Repeat([]byte("A"), MaxFrame+256<<10)...)
		go conn.Write(big)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		frame, _, err := readFrame(conn, bufio.NewReader(conn))
		if err != nil {
			t.Fatalf("no NAK for a frame too large: %v", err)
		}
		if m, err := hl7.Parse(frame); err != nil || func() string { c, _, _ := msa(m); return c }() != "AR" {
			t.Errorf("frame too large answered %q", frame)
		}
		conn.Close()

		// A client that stops mid-message.
		conn, err = net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		half := wrap([]byte(oru("M2", 5, 96)))
		conn.Write(half[:len(half)/2])
		conn.Close()

		// The listener still answers, on a new connection and on one
		// that sent garbage before a message.
		if code, _, _ := msa(f.send(oru("M3", 10, 96))); code != "AA" {
			t.Errorf("after garbage and disconnects: %s, want AA", code)
		}
		conn, err = net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte("noise before the frame\r\n"))
		if code, _, _ := msa(f.sendOn(conn, oru("M4", 15, 95))); code != "AA" {
			t.Errorf("a message after noise: %s, want AA", code)
		}
		conn.Close()
		rs := f.monitorReadings()
		if len(rs) != 3 {
			t.Fatalf("%d readings stored, want 3 (M1, M3, M4; M2 was cut off)", len(rs))
		}
		if rs[0].Value(devices.SpO2) != 97 || rs[0].Value(devices.PulseRate) != 74 {
			t.Errorf("first reading %+v", rs[0])
		}
		for _, want := range []string{"hl7 message refused", "frame too large", "bytes_outside_frames"} {
			if !strings.Contains(f.logs.String(), want) {
				t.Errorf("the log does not say %q", want)
			}
		}
	})
}

// TestWithAnIndependentHL7Client sends messages with Medplum's HL7 client
// (npm @medplum/hl7, a package.json devDependency): ACKs, stored readings,
// a duplicate refused, malformed messages answered with a NAK and logged.
func TestWithAnIndependentHL7Client(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the independent HL7 client (npm @medplum/hl7) needs it")
	}
	root, _ := filepath.Abs("..")
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@medplum", "hl7")); err != nil {
		t.Skip("@medplum/hl7 is not installed: run npm install at the repository root")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		deviceCodes := "MSH|^~\\&|MON-07|INFUSION|||202612011000||ORU^R01|D1|P|2.4\rPV1|1|O|INF^^BED1\r" +
			"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||94|%|||||F|||20261201100020\r"
		messages := []string{
			oru("N1", 0, 97),
			oru("N1", 0, 97), // resent
			strings.Replace(oru("N2", 5, 96), "%^percent^UCUM", "kPa", 1),      // wrong unit
			strings.Replace(oru("N3", 5, 96), "ORU^R01^ORU_R01", "ADT^A01", 1), // not an ORU
			strings.Replace(oru("N4", 5, 96), "||96|", "||160|", 1),            // SpO2 of 160
			deviceCodes,
		}
		file := filepath.Join(t.TempDir(), "messages.json")
		b, _ := json.Marshal(messages)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(f.addr)
		cmd := exec.Command(node, filepath.Join(root, "mllp", "testdata", "client.mjs"), port, file)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("node client: %v\n%s", err, out)
		}
		if testing.Verbose() {
			t.Logf("%s", out)
		}
		type ack struct {
			Type, Code, ControlID, Text, Error string
		}
		var got []ack
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var a struct {
				Type      string `json:"type"`
				Code      string `json:"code"`
				ControlID string `json:"control_id"`
				Text      string `json:"text"`
				Error     string `json:"error"`
			}
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatalf("client said %q", line)
			}
			got = append(got, ack{a.Type, a.Code, a.ControlID, a.Text, a.Error})
		}
		want := []struct{ code, id, err, says string }{
			{"AA", "N1", "", "stored 1"},
			{"AR", "N1", "205", "stored at"},
			{"AE", "N2", "103", "kPa"},
			{"AR", "N3", "200", "observation results only"},
			{"AE", "N4", "102", "spo2"},
			{"AA", "D1", "", "stored 1"},
		}
		if len(got) != len(want) {
			t.Fatalf("%d ACKs, want %d:\n%s", len(got), len(want), out)
		}
		for i, w := range want {
			g := got[i]
			if !strings.HasPrefix(g.Type, "ACK") || g.Code != w.code || g.ControlID != w.id || g.Error != w.err || !strings.Contains(g.Text, w.says) {
				t.Errorf("message %d: ACK %+v; want %s for %s (error %q) saying %q", i, g, w.code, w.id, w.err, w.says)
			}
		}
		rs := f.monitorReadings()
		if len(rs) != 2 || rs[0].Value(devices.SpO2) != 97 || rs[1].Value(devices.SpO2) != 94 {
			t.Errorf("stored %+v; want N1's 97%% and D1's 94%%", rs)
		}
		for _, id := range []string{"N2", "N3", "N4"} {
			if !strings.Contains(f.logs.String(), "control_id="+id) {
				t.Errorf("the refusal of %s is not logged", id)
			}
		}
	})
}

// BenchmarkListener200Monitors: 200 monitors, each on a chair with a visit
// checked in, send ORU^R01s (SpO2 and pulse) over MLLP, one connection per
// sender goroutine, each answered after its commit. 200 monitors sending
// every 5 s is 40 messages a second.
func BenchmarkListener200Monitors(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d)
			ctx := context.Background()
			a := app.New(db, ketaflow.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)), app.PasswordCost(access.CheapArgon2()))
			c, err := a.CreateClinic(ctx, "Clinic A", "America/New_York")
			if err != nil {
				b.Fatal(err)
			}
			var actors []access.Actor
			for _, u := range []struct {
				name string
				role access.Role
			}{{"nurse", access.Nurse}, {"admin", access.Admin}} {
				user, err := a.AddUserFromCommandLine(ctx, c.ID, app.NewUser{Username: u.name, Name: u.name, Role: u.role, Password: "velvet-orchid-tramline-42"})
				if err != nil {
					b.Fatal(err)
				}
				actors = append(actors, user.Actor("bench"))
			}
			nurse, admin := actors[0], actors[1]
			p, err := a.CreatePatient(ctx, nurse, patients.Record{LegalName: "Ana Ortiz", BirthDate: ketaflow.Date{Year: 1980, Month: 3, Day: 14},
				Sex: patients.Female, Phone: "+1 555 010 0101"}, nil)
			if err != nil {
				b.Fatal(err)
			}
			const monitors = 200
			for i := range monitors {
				ch, err := a.AddChair(ctx, admin, fmt.Sprintf("Chair %d", i+1))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := a.AddMonitor(ctx, admin, app.MonitorInput{Key: fmt.Sprintf("INF^^BED%d", i+1), ChairID: &ch.ID}); err != nil {
					b.Fatal(err)
				}
				v, err := a.BookVisit(ctx, nurse, visits.Booking{PatientID: p.ID, Route: "iv", ScheduledAt: time.Now(), ChairID: ch.ID})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := a.MoveVisit(ctx, nurse, v.Visit.ID, visits.CheckedIn, ""); err != nil {
					b.Fatal(err)
				}
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			sctx, cancel := context.WithCancel(ctx)
			defer cancel()
			l := &Listener{App: a, ClinicID: c.ID, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			go l.Serve(sctx, ln)
			loc, _ := time.LoadLocation("America/New_York")
			var seq atomicCounter
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				conn, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Error(err)
					return
				}
				defer conn.Close()
				r := bufio.NewReader(conn)
				for pb.Next() {
					n := seq.next()
					ts := time.Now().In(loc).Format("20060102150405")
					msg := "MSH|^~\\&|GW|INF|||" + ts + "||ORU^R01|B" + fmt.Sprint(n) + "|P|2.5.1\r" +
						fmt.Sprintf("PV1|1|O|INF^^BED%d\r", n%monitors+1) +
						"OBX|1|NM|59408-5^^LN||97|%|||||F\rOBX|2|NM|8889-8^^LN||72|/min|||||F\r"
					if _, err := conn.Write(wrap([]byte(msg))); err != nil {
						b.Error(err)
						return
					}
					frame, _, err := readFrame(conn, r)
					if err != nil {
						b.Error(err)
						return
					}
					if !bytes.Contains(frame, []byte("MSA|AA|")) {
						b.Errorf("ACK %q", frame)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) next() int { c.mu.Lock(); defer c.mu.Unlock(); c.n++; return c.n }
