package hl7

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow/devices"
)

var ny, _ = time.LoadLocation("America/New_York")

// gatewayORU is shaped as a monitoring gateway sends it: one bed (PV1-3),
// SpO2 and pulse by LOINC with UCUM units, a blood pressure, and a
// temperature ketaflow does not take.
const gatewayORU = "MSH|^~\\&|GATEWAY|ICU|KETAFLOW|CLINIC|20261201100005||ORU^R01^ORU_R01|MSG00042|P|2.5.1\r" +
	"PID|1||MRN123^^^CLINIC||Ortiz^Ana||19800314|F\r" +
	"PV1|1|O|INF^^BED1\r" +
	"OBR|1||||||20261201100000\r" +
	"OBX|1|NM|59408-5^Oxygen saturation^LN||96|%^percent^UCUM|||||F\r" +
	"OBX|2|NM|8889-8^Pulse rate^LN||72|/min^per minute^UCUM|||||F\r" +
	"OBX|3|NM|8480-6^Systolic^LN||128|mm[Hg]^mmHg^UCUM|||||F|||20261201095900\r" +
	"OBX|4|NM|8462-4^Diastolic^LN||82|mm[Hg]^mmHg^UCUM|||||F|||20261201095900\r" +
	"OBX|5|NM|8310-5^Body temperature^LN||36.8|Cel^C^UCUM|||||F\r"

// deviceORU names its observations in the device's own codes (IEEE 11073
// MDC numbers), with no PV1: the monitor sends for itself.
const deviceORU = "MSH|^~\\&|MON-07|INFUSION ROOM|||20261201100005-0500||ORU^R01|A1|P|2.4\n" +
	"OBR|1\n" +
	"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||90.6|%|||||R|||20261201100003-0500\n" +
	"OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC||88||||||R|||20261201100003-0500\n"

var table = []devices.Code{{System: "MDC", Code: "150456", Vital: devices.SpO2}, {System: "MDC", Code: "149530", Vital: devices.PulseRate, Unit: "/min"}}

func TestORUReadingsFromLOINCAndTheClinicsCodes(t *testing.T) {
	for _, c := range []struct {
		name    string
		msg     string
		want    []devices.Reading
		skipped int
	}{
		{"gateway_loinc_by_bed", gatewayORU, []devices.Reading{
			{Monitor: "INF^^BED1", TakenAt: time.Date(2026, 12, 1, 9, 59, 0, 0, ny), Values: map[devices.Vital]int{devices.Systolic: 128, devices.Diastolic: 82}},
			{Monitor: "INF^^BED1", TakenAt: time.Date(2026, 12, 1, 10, 0, 0, 0, ny), Values: map[devices.Vital]int{devices.SpO2: 96, devices.PulseRate: 72}},
		}, 1},
		{"device_codes_by_sender_rounded", deviceORU, []devices.Reading{
			{Monitor: "MON-07^INFUSION ROOM", TakenAt: time.Date(2026, 12, 1, 15, 0, 3, 0, time.UTC), Values: map[devices.Vital]int{devices.SpO2: 91, devices.PulseRate: 88}},
		}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse([]byte(c.msg))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ORU(m, table, ny)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, got.Readings, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
				t.Errorf("readings mismatch (-want +got):\n%s", d)
			}
			if got.Skipped != c.skipped {
				t.Errorf("skipped %d, want %d", got.Skipped, c.skipped)
			}
		})
	}
}

func TestORURefusals(t *testing.T) {
	for _, c := range []struct {
		name, msg, ack, code, says string
	}{
		{"unit_kpa_is_an_error", strings.Replace(gatewayORU, "mm[Hg]^mmHg^UCUM|||||F|||20261201095900\rOBX|4", "kPa|||||F|||20261201095900\rOBX|4", 1), "AE", "103", "kPa"},
		{"text_value_is_an_error", strings.Replace(gatewayORU, "|NM|59408-5^Oxygen saturation^LN||96", "|ST|59408-5^Oxygen saturation^LN||96", 1), "AE", "102", "NM"},
		{"not_a_number", strings.Replace(gatewayORU, "LN||96|", "LN||ninety|", 1), "AE", "102", "not a number"},
		{"adt_is_rejected", strings.Replace(gatewayORU, "ORU^R01^ORU_R01", "ADT^A01", 1), "AR", "200", "ORU^R01"},
		{"event_r30_is_rejected", strings.Replace(gatewayORU, "ORU^R01^ORU_R01", "ORU^R30", 1), "AR", "201", "R30"},
		{"version_3_is_rejected", strings.Replace(gatewayORU, "|P|2.5.1", "|P|3.0", 1), "AR", "203", "v2"},
		{"no_control_id", strings.Replace(gatewayORU, "MSG00042", "", 1), "AR", "101", "MSH-10"},
		{"no_known_code", deviceORU, "AE", "103", "none of the 2"},
		{"bad_time", strings.Replace(gatewayORU, "20261201095900", "2026120", 1), "AE", "102", "time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse([]byte(c.msg))
			if err != nil {
				t.Fatal(err)
			}
			codes := table
			if c.name == "no_known_code" {
				codes = nil
			}
			_, err = ORU(m, codes, ny)
			r, ok := err.(*Reject)
			if !ok || r.Ack != c.ack || r.Code != c.code || !strings.Contains(r.Text, c.says) {
				t.Errorf("ORU = %v; want %s %s saying %q", err, c.ack, c.code, c.says)
			}
		})
	}
}

func TestParseRefusesWhatIsNoMessage(t *testing.T) {
	for _, s := range []string{"", "hello", "PID|1", "MSH|^~\\", "MSH|||||", "MSH|^~\\&|A\rpid|x", "MSH|^~\\&X|A"} {
		if _, err := Parse([]byte(s)); err == nil {
			t.Errorf("Parse(%q) took it", s)
		}
	}
}

func TestEscapes(t *testing.T) {
	m, err := Parse([]byte("MSH|^~\\&|A\\F\\B|C\\S\\D|||20261201100000||ORU^R01|1|P|2.5\rPV1|1||ROOM\\T\\1^^BED\\E\\2~OTHER"))
	if err != nil {
		t.Fatal(err)
	}
	if h := m.Header(); h.SendingApp != "A|B" || h.SendingFacility != "C^D" {
		t.Errorf("header %+v", h)
	}
	if k := MonitorKey(m); k != "ROOM&1^^BED\\2" {
		t.Errorf("key %q", k)
	}
}

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"202612011000", time.Date(2026, 12, 1, 10, 0, 0, 0, ny), true},
		{"20261201100005", time.Date(2026, 12, 1, 10, 0, 5, 0, ny), true},
		{"20261201100005.25+0100", time.Date(2026, 12, 1, 9, 0, 5, 250_000_000, time.UTC), true},
		{"20261201100005-0500", time.Date(2026, 12, 1, 15, 0, 5, 0, time.UTC), true},
		{"20261201", time.Time{}, false}, // a day is not a reading's time
		{"20261301100000", time.Time{}, false},
		{"20261201100000+5", time.Time{}, false},
		{"2026120110000x", time.Time{}, false},
	} {
		got, err := ParseTime(c.in, ny)
		if (err == nil) != c.ok || (c.ok && !got.Equal(c.want)) {
			t.Errorf("ParseTime(%q) = %s, %v; want %s ok %t", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestAckSaysWhatBecameOfTheMessage(t *testing.T) {
	m, err := Parse([]byte(gatewayORU))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 15, 0, 6, 0, time.UTC)
	ack, err := Parse(Ack(m, AE, "103", "OBX 3: Systolic pressure is in \"kPa\"|", "K1", now))
	if err != nil {
		t.Fatal(err)
	}
	h := ack.Header()
	msa, _ := ack.Segment("MSA")
	errSeg, hasErr := ack.Segment("ERR")
	if h.Type != "ACK" || h.ReceivingApp != "GATEWAY" || h.ControlID != "K1" || h.Version != "2.5.1" || msa.Field(1) != "AE" ||
		msa.Field(2) != "MSG00042" || !strings.HasSuffix(msa.Field(3), "|") || !hasErr || errSeg.Component(3, 1) != "103" {
		t.Errorf("ACK %q", Ack(m, AE, "103", "x", "K1", now))
	}
	aa, _ := Parse(Ack(m, AA, "", "", "K2", now))
	if _, ok := aa.Segment("ERR"); ok {
		t.Error("an AA carries an ERR segment")
	}
	if _, err := Parse(Ack(nil, AR, "100", "not HL7", "K3", now)); err != nil {
		t.Errorf("the ACK of no message does not parse: %v", err)
	}
}

// FuzzParse: no input makes the parser or the mapping panic, and every
// ACK ketaflow writes for it is itself a message that parses. The seeds
// are real-shaped messages and their near misses.
func FuzzParse(f *testing.F) {
	for _, s := range []string{gatewayORU, deviceORU, strings.ReplaceAll(gatewayORU, "\r", "\r\n"),
		"MSH|^~\\&|A|B|||20261201100000||ORU^R01|1|P|2.5\rOBX|1|NM|59408-5^^LN||97|%",
		"MSH#^~\\&#A", "MSH|^~\\&|\\F|x\\", "MSH|^~\\&|A|B|||2026||ORU^R01|1|P|2.5\rOBX|1|NM|59408-5||1e400|%"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if _, err := Parse(Ack(nil, AR, "100", err.Error(), "F1", time.Unix(0, 0))); err != nil {
				t.Fatalf("ACK of a refusal does not parse: %v", err)
			}
			return
		}
		obs, err := ORU(m, table, ny)
		code, text := AA, ""
		if err != nil {
			code, text = AE, err.Error()
		}
		for _, r := range obs.Readings {
			if r.Monitor == "" || len(r.Values) == 0 {
				t.Fatalf("a reading without a monitor or values: %+v", r)
			}
		}
		if _, err := Parse(Ack(m, code, "102", text, "F2", time.Unix(0, 0))); err != nil {
			t.Fatalf("ACK does not parse: %v", err)
		}
	})
}
