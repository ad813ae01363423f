// Package hl7 reads and writes the HL7 version 2 messages bedside monitors
// send: an ORU^R01 (unsolicited observation result) carries a monitor's
// observations in OBX segments; ketaflow answers each message with an ACK
// whose MSA segment accepts it (AA) or says why not (AE, AR, with an ERR
// segment) [HL7 v2.5.1, chapters 2 (control) and 7 (observation
// reporting)].
//
// It is written here rather than taken from a library: the Go module proxy
// serves no HL7 v2 library that is kept up, and what a monitor's message
// needs is small (segments, fields, components, the escape sequences, the
// timestamp). The parser bounds what it takes (MaxSegments, field sizes
// come from the listener's frame limit) and never panics on any input
// (FuzzParse).
package hl7

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxSegments is the most segments a message may have: a monitor's message
// has a few dozen.
const MaxSegments = 2000

// Message is a parsed message: its segments in order, with the encoding
// characters MSH declared.
type Message struct {
	Segments []Segment
	enc      encoding
}

// encoding is the message's separators (MSH-1 and MSH-2).
type encoding struct {
	field, component, repetition, escape, subcomponent byte
}

// Segment is one segment: its id ("MSH", "OBX") and its fields as sent,
// still escaped. For MSH, field 1 is the field separator itself.
type Segment struct {
	ID     string
	fields []string // fields[0] is the id
	enc    *encoding
}

// ParseError says why a message cannot be read, with the HL7 error code
// (table 0357) an ACK carries.
type ParseError struct {
	Code    string // 100 segment sequence error, 101 required field missing, 102 data type error, ...
	Segment string
	Message string
}

func (e *ParseError) Error() string {
	if e.Segment != "" {
		return e.Segment + ": " + e.Message
	}
	return e.Message
}

func perr(code, seg, format string, args ...any) *ParseError {
	return &ParseError{Code: code, Segment: seg, Message: fmt.Sprintf(format, args...)}
}

// Parse reads one message. Segments end with a carriage return (a line
// feed, or both, is taken too: gateways differ); the first must be MSH,
// which declares the separators.
func Parse(b []byte) (*Message, error) {
	s := strings.TrimRight(string(b), "\r\n")
	if !strings.HasPrefix(s, "MSH") || len(s) < 8 {
		return nil, perr("100", "", "the message does not start with an MSH segment")
	}
	e := encoding{field: s[3], component: s[4], repetition: s[5], escape: s[6], subcomponent: s[7]}
	seps := []byte{e.field, e.component, e.repetition, e.escape, e.subcomponent}
	for i, c := range seps {
		if c == '\r' || c == '\n' || c < 0x20 || c > 0x7e || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') {
			return nil, perr("102", "MSH", "MSH-1/MSH-2 do not declare printable separators")
		}
		for _, d := range seps[:i] {
			if c == d {
				return nil, perr("102", "MSH", "MSH-1/MSH-2 declare one separator twice")
			}
		}
	}
	if len(s) > 8 && s[8] != e.field {
		return nil, perr("102", "MSH", "MSH-2 must be four encoding characters, then the field separator")
	}
	m := &Message{enc: e}
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' })
	if len(lines) > MaxSegments {
		return nil, perr("100", "", "the message has more than %d segments", MaxSegments)
	}
	for _, line := range lines {
		fields := strings.Split(line, string(e.field))
		id := fields[0]
		if len(id) != 3 || !segmentID(id) {
			return nil, perr("100", "", "a segment id must be three capital letters or digits, not %q", clip(id))
		}
		seg := Segment{ID: id, fields: fields, enc: &m.enc}
		if id == "MSH" {
			// MSH-1 is the separator; MSH-2 the encoding characters.
			seg.fields = append([]string{"MSH", string(e.field)}, fields[1:]...)
		}
		m.Segments = append(m.Segments, seg)
	}
	return m, nil
}

func segmentID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// Segment returns the first segment with the id.
func (m *Message) Segment(id string) (Segment, bool) {
	for _, s := range m.Segments {
		if s.ID == id {
			return s, true
		}
	}
	return Segment{}, false
}

// MSH returns the header segment.
func (m *Message) MSH() Segment { return m.Segments[0] }

// Field returns field n (1-based), unescaped, its first repetition and
// first component's text as a whole: "" when absent.
func (s Segment) Field(n int) string {
	return s.Component(n, 1)
}

// Raw returns field n as sent (escaped, all its components).
func (s Segment) Raw(n int) string {
	if n < 0 || n >= len(s.fields) {
		return ""
	}
	return s.fields[n]
}

// Component returns component c (1-based) of field n's first repetition,
// unescaped: "" when absent.
func (s Segment) Component(n, c int) string {
	raw := s.Raw(n)
	if s.ID == "MSH" && n <= 2 {
		if c == 1 {
			return raw
		}
		return ""
	}
	if i := strings.IndexByte(raw, s.enc.repetition); i >= 0 {
		raw = raw[:i]
	}
	comps := strings.Split(raw, string(s.enc.component))
	if c < 1 || c > len(comps) {
		return ""
	}
	comp := comps[c-1]
	if i := strings.IndexByte(comp, s.enc.subcomponent); i >= 0 {
		comp = comp[:i]
	}
	return s.enc.unescape(comp)
}

// unescape turns the escape sequences of HL7 v2 (\F\ \S\ \T\ \R\ \E\)
// back into the characters they stand for; others (formatting, \Xhh\) are
// dropped, as a number or a code never needs them.
func (e *encoding) unescape(s string) string {
	if strings.IndexByte(s, e.escape) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != e.escape {
			b.WriteByte(s[i])
			continue
		}
		j := strings.IndexByte(s[i+1:], e.escape)
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		switch s[i+1 : i+1+j] {
		case "F":
			b.WriteByte(e.field)
		case "S":
			b.WriteByte(e.component)
		case "T":
			b.WriteByte(e.subcomponent)
		case "R":
			b.WriteByte(e.repetition)
		case "E":
			b.WriteByte(e.escape)
		}
		i += j + 1
	}
	return b.String()
}

// escape writes s safe inside a field of the default encoding.
func escape(s string) string {
	r := strings.NewReplacer(`\`, `\E\`, "|", `\F\`, "^", `\S\`, "&", `\T\`, "~", `\R\`, "\r", " ", "\n", " ")
	return r.Replace(s)
}

// ParseTime reads an HL7 v2 timestamp (DTM: YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]);
// one without a zone is in loc, the clinic's, as monitors send local time.
// A timestamp needs at least the minute to be a reading's time.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	zone := ""
	if i := strings.IndexAny(s, "+-"); i >= 0 {
		s, zone = s[:i], s[i:]
	}
	frac := ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i+1:]
	}
	if len(s) != 12 && len(s) != 14 {
		return time.Time{}, fmt.Errorf("%q is not a time to the minute (YYYYMMDDHHMM[SS][+ZZZZ])", clip(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, fmt.Errorf("%q is not a time (digits only)", clip(s))
		}
	}
	n := func(a, b int) int { v, _ := strconv.Atoi(s[a:b]); return v }
	sec := 0
	if len(s) == 14 {
		sec = n(12, 14)
	}
	ns := 0
	if frac != "" {
		if len(frac) > 4 {
			return time.Time{}, fmt.Errorf("%q has more than 4 digits of a second", clip(frac))
		}
		f, err := strconv.Atoi(frac)
		if err != nil || f < 0 {
			return time.Time{}, fmt.Errorf("%q is not a fraction of a second", clip(frac))
		}
		for i := len(frac); i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	if zone != "" {
		if len(zone) != 5 {
			return time.Time{}, fmt.Errorf("the zone %q must be +HHMM or -HHMM", clip(zone))
		}
		h, err1 := strconv.Atoi(zone[1:3])
		mm, err2 := strconv.Atoi(zone[3:5])
		if err1 != nil || err2 != nil || h > 14 || mm > 59 {
			return time.Time{}, fmt.Errorf("the zone %q must be +HHMM or -HHMM", clip(zone))
		}
		off := h*3600 + mm*60
		if zone[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	y, mo, d, h, mi := n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12)
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, loc)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d || t.Hour() != h || t.Minute() != mi || t.Second() != sec {
		return time.Time{}, fmt.Errorf("%q is not a real date and time", clip(s))
	}
	return t, nil
}
