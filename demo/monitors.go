package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/devices"
	"github.com/ketaflow/ketaflow/hl7"
)

// MonitorKey is the demo monitor of the chair with index i (0-based): the
// bed of the infusion room as the simulated gateway names it in PV1-3.
func MonitorKey(i int) string { return fmt.Sprintf("INFUSION^^BED%d", i+1) }

// mdcSpO2 is the device code (IEEE 11073 MDC_PULS_OXIM_SAT_O2) the
// simulated gateway sends for SpO2 on odd beds, as monitors that do not
// send LOINC do; the demo clinic's code table maps it.
const mdcSpO2 = "150456"

// addMonitors gives every demo chair a bedside monitor, and the code table
// the device code the simulator sends.
func addMonitors(ctx context.Context, a *app.App, admin access.Actor, chairs []ketaflow.Chair) error {
	for i, ch := range chairs {
		name := "Monitor " + ch.Name
		if _, err := a.AddMonitor(ctx, admin, app.MonitorInput{Key: MonitorKey(i), Name: &name, ChairID: &ch.ID}); err != nil {
			return fmt.Errorf("demo monitor %s: %w", ch.Name, err)
		}
	}
	if _, err := a.AddMonitorCode(ctx, admin, devices.Code{System: "MDC", Code: mdcSpO2, Vital: devices.SpO2, Unit: "%"}); err != nil {
		return fmt.Errorf("demo device code: %w", err)
	}
	return nil
}

// Bed is a simulated monitor: its key and whether it shows the
// desaturation episode.
type Bed struct {
	Key    string
	Chair  string
	Desats bool
}

// ActiveBeds are the demo's monitors on chairs with a session under way
// (from the first dose), the first of them desaturating.
func ActiveBeds(ctx context.Context, a *app.App) ([]Bed, error) {
	ms, err := a.MonitorsInSession(ctx, ClinicName)
	if err != nil {
		return nil, err
	}
	var out []Bed
	for i, m := range ms {
		out = append(out, Bed{Key: m.Key, Chair: m.ChairName, Desats: i == 0})
	}
	return out, nil
}

// Simulator sends realistic monitor readings for beds over MLLP, as a
// monitoring gateway does: every Every, an ORU^R01 per bed with SpO2 and
// pulse (and a blood pressure every NIBPEvery, as a cuff cycles). A bed
// that desaturates drops to 86-89% for 40 s every 4 minutes, from its
// first minute on: long enough for the protocol's sustained alert.
type Simulator struct {
	Addr      string
	Beds      []Bed
	Every     time.Duration
	NIBPEvery time.Duration
	Zone      *time.Location
	Out       io.Writer
	rnd       *rand.Rand
	seq       int
}

// Run sends until ctx ends (or for the given number of rounds, when > 0).
func (s *Simulator) Run(ctx context.Context, rounds int) error {
	if s.rnd == nil {
		s.rnd = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	}
	var conn net.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	start := time.Now()
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for round := 0; rounds <= 0 || round < rounds; round++ {
		for _, b := range s.Beds {
			msg := s.message(b, time.Since(start))
			var err error
			if conn == nil {
				if conn, err = net.DialTimeout("tcp", s.Addr, 5*time.Second); err != nil {
					return fmt.Errorf("connect to the MLLP listener at %s: %w", s.Addr, err)
				}
			}
			ack, err := exchange(conn, msg)
			if err != nil {
				conn.Close()
				conn = nil
				return fmt.Errorf("send to %s: %w", s.Addr, err)
			}
			fmt.Fprintf(s.Out, "%s %-18s %s\n", time.Now().Format("15:04:05"), b.Key, ack)
		}
		if rounds > 0 && round == rounds-1 {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
	return nil
}

// message is the bed's ORU^R01 at elapsed into the run.
func (s *Simulator) message(b Bed, elapsed time.Duration) string {
	s.seq++
	now := time.Now().In(s.Zone)
	ts := now.Format("20060102150405-0700")
	spo2 := 96 + s.rnd.IntN(3)
	pulse := 68 + s.rnd.IntN(12)
	if b.Desats {
		in := elapsed % (4 * time.Minute)
		if in >= time.Minute && in < time.Minute+40*time.Second {
			spo2, pulse = 86+s.rnd.IntN(4), pulse+15
		}
	}
	var obx []string
	if strings.HasSuffix(b.Key, "1") || strings.HasSuffix(b.Key, "3") || strings.HasSuffix(b.Key, "5") {
		obx = append(obx, fmt.Sprintf("NM|%s^MDC_PULS_OXIM_SAT_O2^MDC||%d|%%^percent^UCUM", mdcSpO2, spo2))
	} else {
		obx = append(obx, fmt.Sprintf("NM|59408-5^Oxygen saturation in Arterial blood by Pulse oximetry^LN||%d|%%^percent^UCUM", spo2))
	}
	obx = append(obx, fmt.Sprintf("NM|8889-8^Heart rate by Pulse oximetry^LN||%d|/min^per minute^UCUM", pulse))
	if s.NIBPEvery > 0 && int(elapsed/s.Every)%int(max(s.NIBPEvery/s.Every, 1)) == 0 {
		sys, dia := 118+s.rnd.IntN(16), 72+s.rnd.IntN(10)
		obx = append(obx, fmt.Sprintf("NM|8480-6^Systolic blood pressure^LN||%d|mm[Hg]^mmHg^UCUM", sys),
			fmt.Sprintf("NM|8462-4^Diastolic blood pressure^LN||%d|mm[Hg]^mmHg^UCUM", dia),
			fmt.Sprintf("NM|8478-0^Mean blood pressure^LN||%d|mm[Hg]^mmHg^UCUM", (sys+2*dia)/3))
	}
	var b2 strings.Builder
	fmt.Fprintf(&b2, "MSH|^~\\&|KETAFLOW-SIM|INFUSION|KETAFLOW|DEMO|%s||ORU^R01^ORU_R01|SIM%d%05d|P|2.5.1\r", ts, now.Unix(), s.seq%100000)
	fmt.Fprintf(&b2, "PV1|1|O|%s\r", b.Key)
	fmt.Fprintf(&b2, "OBR|1|||MONITOR^Bedside monitor|||%s\r", ts)
	for i, o := range obx {
		fmt.Fprintf(&b2, "OBX|%d|%s|||||F|||%s\r", i+1, o, ts)
	}
	return b2.String()
}

// exchange sends one framed message and reads its ACK's MSA.
func exchange(conn net.Conn, msg string) (string, error) {
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(append(append([]byte{0x0b}, msg...), 0x1c, 0x0d)); err != nil {
		return "", err
	}
	var buf []byte
	one := make([]byte, 4096)
	for {
		n, err := conn.Read(one)
		buf = append(buf, one[:n]...)
		if i := strings.IndexByte(string(buf), 0x1c); i >= 0 {
			start := strings.IndexByte(string(buf), 0x0b)
			if start < 0 || start > i {
				return "", fmt.Errorf("the answer is not an MLLP frame")
			}
			m, perr := hl7.Parse(buf[start+1 : i])
			if perr != nil {
				return "", fmt.Errorf("the ACK does not parse: %w", perr)
			}
			msa, _ := m.Segment("MSA")
			return msa.Field(1) + " " + msa.Field(3), nil
		}
		if err != nil {
			return "", err
		}
		if len(buf) > 1<<20 {
			return "", fmt.Errorf("no ACK in 1 MiB")
		}
	}
}
