package ketaflow

import (
	"regexp"
	"strings"
)

// NationalCrisisLine is the US 988 Suicide & Crisis Lifeline (call or
// text 988, chat at 988lifeline.org): a new clinic's crisis line, and the
// line every crisis text gives while the clinic has entered no other.
const NationalCrisisLine = "988"

// Contacts are the numbers a clinic gives to the people it looks after:
// the clinic's own, the prescriber on call, and the crisis line. They are
// clinic settings, entered by the admin; the texts below are built from
// them, so that a number lives in one place and no text ever shows a
// placeholder where a number should be.
type Contacts struct {
	// Phone is the clinic's own number, which patients are told to call
	// (their phone after a PHQ-9 item 9 answer, the after-care sheet).
	Phone string `json:"phone"`
	// OnCallPhone reaches the prescriber on call; staff are given it beside
	// a safety alert.
	OnCallPhone string `json:"on_call_phone"`
	// CrisisLine is the crisis line given to staff and patients:
	// NationalCrisisLine unless the clinic entered its local one.
	CrisisLine string `json:"crisis_line"`
}

// SetupTask is one thing the clinic admin still has to enter.
type SetupTask struct {
	Field string // the clinic setting, as the API and the form name it
	Task  string // what to enter and why, in words
}

// Missing lists the contacts still to enter, in the order of the form.
// Until they are entered the texts leave them out and give the national
// crisis line.
func (c Contacts) Missing() []SetupTask {
	var out []SetupTask
	if strings.TrimSpace(c.Phone) == "" {
		out = append(out, SetupTask{"phone", "Enter the clinic's phone number: the after-care sheet and a patient who reports thoughts of self-harm are told to call it."})
	}
	if strings.TrimSpace(c.OnCallPhone) == "" {
		out = append(out, SetupTask{"on_call_phone", "Enter the on-call prescriber's phone number: staff are given it beside every PHQ-9 item 9 safety alert."})
	}
	if strings.TrimSpace(c.CrisisLine) == "" {
		out = append(out, SetupTask{"crisis_line", "Enter your crisis line (988 in the US, or your local crisis team's number)."})
	}
	return out
}

// crisisLine is the line to give: the clinic's, or the national one.
func (c Contacts) crisisLine() string {
	if l := strings.TrimSpace(c.CrisisLine); l != "" {
		return l
	}
	return NationalCrisisLine
}

// StaffCrisisText is what staff with the patient read when PHQ-9 item 9
// raises a safety alert [practice: 988 Lifeline; stay with the patient and
// reach the prescriber].
func (c Contacts) StaffCrisisText() string {
	var b strings.Builder
	b.WriteString("If the patient is in immediate danger, call 911. Stay with the patient, keep them somewhere safe and calm, and ")
	if on := strings.TrimSpace(c.OnCallPhone); on != "" {
		b.WriteString("call the on-call prescriber on " + on + ". ")
	} else {
		b.WriteString("page the prescriber on duty. ")
	}
	if line := c.crisisLine(); line == NationalCrisisLine {
		b.WriteString("988 Suicide & Crisis Lifeline: call or text 988, or chat at 988lifeline.org.")
	} else {
		b.WriteString("Crisis line: " + line + ".")
	}
	return b.String()
}

// PatientCrisisText is the same help in words for the patient: on their
// own phone after a positive item 9 answer and on the after-care sheet.
func (c Contacts) PatientCrisisText() string {
	var b strings.Builder
	b.WriteString("If you are in danger now, call 911 or go to the nearest emergency department. ")
	if line := c.crisisLine(); line == NationalCrisisLine {
		b.WriteString("You can call or text 988 (Suicide & Crisis Lifeline) at any time, or chat at 988lifeline.org.")
	} else {
		b.WriteString("You can call the crisis line on " + line + " at any time.")
	}
	if p := strings.TrimSpace(c.Phone); p != "" {
		b.WriteString(" You can also call the clinic on " + p + " and ask for the prescriber on duty.")
	}
	return b.String()
}

var phoneChars = regexp.MustCompile(`^\+?[0-9 ().-]+$`)

// phoneDigits counts the digits of a phone number as people write it
// (+1 555 010 0199, (555) 010-0199), or -1 when it has other characters.
func phoneDigits(s string) int {
	if len(s) > 40 || !phoneChars.MatchString(s) {
		return -1
	}
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// Validate checks the contacts, trimmed: the clinic's and the on-call
// numbers are phone numbers of 7 to 15 digits, or empty while not yet
// entered; the crisis line is required and may be a short number such as
// 988 (3 to 15 digits). The errors name the field.
func (c *Contacts) Validate() error {
	var p Problems
	c.Phone, c.OnCallPhone, c.CrisisLine = strings.TrimSpace(c.Phone), strings.TrimSpace(c.OnCallPhone), strings.TrimSpace(c.CrisisLine)
	for _, f := range []struct{ field, what, value string }{
		{"phone", "the clinic's phone", c.Phone},
		{"on_call_phone", "the on-call prescriber's phone", c.OnCallPhone},
	} {
		if n := phoneDigits(f.value); f.value != "" && (n < 7 || n > 15) {
			p.Add(f.field, "%s %q is not a phone number: use 7 to 15 digits, optionally starting with + and grouped with spaces, dots, dashes or brackets (e.g. +1 555 010 0199)", f.what, f.value)
		}
	}
	switch n := phoneDigits(c.CrisisLine); {
	case c.CrisisLine == "":
		p.Add("crisis_line", "the crisis line is required: 988 in the US, or your local crisis team's number")
	case n < 3 || n > 15:
		p.Add("crisis_line", "the crisis line %q is not a phone number: use 3 to 15 digits, e.g. 988 in the US or a local number such as +1 555 010 0199", c.CrisisLine)
	}
	return p.Err()
}
