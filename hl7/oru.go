package hl7

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow/devices"
)

// Header is what ketaflow reads of a message's MSH segment.
type Header struct {
	SendingApp, SendingFacility     string // MSH-3, MSH-4 (their first component)
	ReceivingApp, ReceivingFacility string // MSH-5, MSH-6
	Type, Event                     string // MSH-9: "ORU", "R01"
	ControlID                       string // MSH-10: unique per sender; a resend repeats it
	ProcessingID                    string // MSH-11: P production, T training, D debugging
	Version                         string // MSH-12: "2.5.1"
}

// Header reads MSH.
func (m *Message) Header() Header {
	h := m.MSH()
	return Header{SendingApp: h.Field(3), SendingFacility: h.Field(4), ReceivingApp: h.Field(5), ReceivingFacility: h.Field(6),
		Type: h.Component(9, 1), Event: h.Component(9, 2), ControlID: h.Field(10), ProcessingID: h.Field(11), Version: h.Field(12)}
}

// Sender names who sent the message, for its control id: "application^facility".
func (h Header) Sender() string { return h.SendingApp + "^" + h.SendingFacility }

// Reject is why a message is not taken, as its ACK says it: AE (an error
// in what it holds) or AR (ketaflow does not take such a message), with the
// HL7 error code (table 0357) and the words.
type Reject struct {
	Ack  string // "AE" or "AR"
	Code string // 100 segment sequence, 101 required field missing, 102 data type, 103 table value not found, 200/201/203 unsupported type/event/version, 205 duplicate key, 207 application internal error
	Text string
}

func (r *Reject) Error() string { return r.Ack + " " + r.Code + ": " + r.Text }

func reject(ack, code, format string, args ...any) *Reject {
	return &Reject{Ack: ack, Code: code, Text: fmt.Sprintf(format, args...)}
}

// Observations is what an ORU^R01 says: who sent it, the monitor's key,
// and the readings its OBX segments make, one per observation time.
type Observations struct {
	Header   Header
	Readings []devices.Reading
	// Skipped counts the observations ketaflow does not take: codes it
	// does not know (a monitor sends more than vital signs), and results
	// the monitor marked as not obtained or wrong.
	Skipped int
}

// MonitorKey is how a message names its monitor: the patient location of
// PV1-3 (point of care^room^bed) as a gateway sends it for each bed, else
// the sending application^facility of a monitor that sends for itself.
func MonitorKey(m *Message) string {
	if pv1, ok := m.Segment("PV1"); ok {
		var comps []string
		for c := 1; c <= 9; c++ {
			comps = append(comps, pv1.Component(3, c))
		}
		if k := strings.TrimRight(strings.Join(comps, "^"), "^"); k != "" {
			return k
		}
	}
	return m.Header().Sender()
}

// ORU reads an ORU^R01 of monitor observations. codes is the clinic's
// table of the devices' own codes (LOINC is known without it); loc is the
// clinic's zone, for times sent without one. A message ketaflow does not
// take is a *Reject; nothing of it is stored.
func ORU(m *Message, codes []devices.Code, loc *time.Location) (Observations, error) {
	h := m.Header()
	out := Observations{Header: h}
	switch {
	case h.ControlID == "":
		return out, reject("AR", "101", "MSH-10 (message control id) is empty: each message needs one, repeated when it is resent")
	case !strings.HasPrefix(h.Version, "2."):
		return out, reject("AR", "203", "MSH-12 version %q is not HL7 v2.x", clip(h.Version))
	case h.Type != "ORU":
		return out, reject("AR", "200", "message type %q: ketaflow takes ORU^R01 observation results only", clip(h.Type))
	case h.Event != "R01":
		return out, reject("AR", "201", "event %q: ketaflow takes ORU^R01 only", clip(h.Event))
	}
	key := MonitorKey(m)
	if key == "^" {
		return out, reject("AR", "101", "the message names no monitor: send PV1-3 (the bed) or MSH-3 and MSH-4 (the monitor)")
	}
	msgTime := m.MSH().Field(7)
	obrTime := ""
	byTime := map[time.Time]*devices.Reading{}
	var times []time.Time
	seen := false
	for i, seg := range m.Segments {
		switch seg.ID {
		case "OBR":
			obrTime = seg.Field(7)
		case "OBX":
			seen = true
			where := fmt.Sprintf("OBX %s (segment %d)", seg.Field(1), i+1)
			if st := seg.Field(11); st == "X" || st == "D" || st == "W" || st == "N" {
				out.Skipped++ // not obtained, deleted, wrong, not asked
				continue
			}
			v, tableUnit, ok := devices.Lookup(codes, seg.Component(3, 3), seg.Component(3, 1))
			if !ok {
				v, tableUnit, ok = devices.Lookup(codes, seg.Component(3, 6), seg.Component(3, 4))
			}
			if !ok {
				out.Skipped++
				continue
			}
			if vt := seg.Field(2); vt != "NM" {
				return out, reject("AE", "102", "%s: %s must be a number (OBX-2 NM), not %q", where, v.Label(), clip(vt))
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(seg.Field(5)), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < -1e6 || f > 1e6 {
				return out, reject("AE", "102", "%s: %s %q is not a number", where, v.Label(), clip(seg.Field(5)))
			}
			if err := v.CheckUnit(seg.Component(6, 1), tableUnit); err != nil {
				return out, reject("AE", "103", "%s: %s", where, err.Error())
			}
			ts := seg.Field(14)
			if ts == "" {
				ts = obrTime
			}
			if ts == "" {
				ts = msgTime
			}
			at, err := ParseTime(ts, loc)
			if err != nil {
				return out, reject("AE", "102", "%s: the observation time (OBX-14, OBR-7 or MSH-7) %s", where, err.Error())
			}
			r, ok := byTime[at]
			if !ok {
				r = &devices.Reading{Monitor: key, TakenAt: at, Values: map[devices.Vital]int{}}
				byTime[at] = r
				times = append(times, at)
			}
			r.Values[v] = int(math.Round(f))
		}
	}
	if !seen {
		return out, reject("AE", "101", "the message has no OBX segment: no observation to take")
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for _, t := range times {
		out.Readings = append(out.Readings, *byTime[t])
	}
	if len(out.Readings) == 0 {
		return out, reject("AE", "103", "none of the %d observations has a code ketaflow knows (LOINC, or the clinic's table of device codes under Admin, Monitors)", out.Skipped)
	}
	return out, nil
}

// AckCode is an ACK's MSA-1.
type AckCode string

const (
	AA AckCode = "AA" // accepted
	AE AckCode = "AE" // an error in what the message holds
	AR AckCode = "AR" // rejected: not a message ketaflow takes
)

// Ack is ketaflow's answer to a message: MSH, MSA (the code, the message's
// control id, the words) and, when it is not accepted, ERR with the HL7
// error code. m may be nil for bytes that are no message; then MSA-2 is
// empty. controlID is the ACK's own.
func Ack(m *Message, code AckCode, errCode, text, controlID string, now time.Time) []byte {
	var h Header
	if m != nil {
		h = m.Header()
	}
	version := h.Version
	if !strings.HasPrefix(version, "2.") {
		version = "2.5.1"
	}
	processing := h.ProcessingID
	if processing == "" {
		processing = "P"
	}
	event := h.Event
	if event == "" {
		event = "R01"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "MSH|^~\\&|%s|%s|%s|%s|%s||ACK^%s^ACK|%s|%s|%s\r", cmpOr(escape(h.ReceivingApp), "KETAFLOW"),
		escape(h.ReceivingFacility), escape(h.SendingApp), escape(h.SendingFacility), now.UTC().Format("20060102150405+0000"),
		escape(event), escape(controlID), escape(processing), escape(version))
	fmt.Fprintf(&b, "MSA|%s|%s|%s\r", code, escape(h.ControlID), escape(text))
	if code != AA {
		fmt.Fprintf(&b, "ERR|||%s^%s^HL70357|E||||%s\r", escape(errCode), escape(errorName(errCode)), escape(text))
	}
	return []byte(b.String())
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// errorName is the words of an HL7 error code (table 0357).
func errorName(code string) string {
	switch code {
	case "100":
		return "Segment sequence error"
	case "101":
		return "Required field missing"
	case "102":
		return "Data type error"
	case "103":
		return "Table value not found"
	case "200":
		return "Unsupported message type"
	case "201":
		return "Unsupported event code"
	case "203":
		return "Unsupported version id"
	case "205":
		return "Duplicate key identifier"
	case "207":
		return "Application internal error"
	}
	return "Error"
}
