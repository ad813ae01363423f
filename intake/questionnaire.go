// Package intake is the clinical day from "booked" to "cleared for dosing":
// the PHQ-9 and GAD-7 the patient answers, the pre-session gate that decides
// with reasons whether dosing may start, and the route advice that shows the
// prescriber how IV, IM and Spravato compare for this patient.
//
// It is plain Go: no HTTP, no SQL and no clock. Every limit comes from a
// protocol.Protocol, and the time is passed in as now.
package intake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Instrument IDs.
const (
	PHQ9ID = "phq9"
	GAD7ID = "gad7"
)

// Unanswered is the answer of an item the patient has not answered.
const Unanswered = -1

// Instrument is a questionnaire as data: its items, the answer options every
// item shares, and the severity bands of its total. PHQ-9 and GAD-7 are free
// to use and reproduce (Pfizer: "no permission required to reproduce,
// translate, display or distribute").
type Instrument struct {
	ID      string   `json:"id"`     // "phq9", "gad7"
	Title   string   `json:"title"`  // "PHQ-9"
	Prompt  string   `json:"prompt"` // the question every item answers
	Items   []Item   `json:"items"`
	Options []Option `json:"options"`
	Bands   []Band   `json:"bands"` // contiguous, covering 0 to MaxTotal
	// SafetyItem is the number of the item whose answer raises the safety
	// alert (PHQ-9 item 9, thoughts of death or self-harm); 0 when none.
	SafetyItem int    `json:"safety_item,omitempty"`
	LOINCTotal string `json:"loinc_total"` // the total score observation
	LOINCPanel string `json:"loinc_panel"` // the questionnaire panel
}

// Item is one question.
type Item struct {
	Number int    `json:"number"` // from 1
	Text   string `json:"text"`
}

// Option is one answer and the points it scores.
type Option struct {
	Value int    `json:"value"`
	Label string `json:"label"`
}

// Band is a range of totals with its severity label; Min and Max are
// inclusive.
type Band struct {
	Min   int    `json:"min"`
	Max   int    `json:"max"`
	Label string `json:"label"`
}

// frequency is the answer scale of both instruments.
var frequency = []Option{
	{0, "Not at all"},
	{1, "Several days"},
	{2, "More than half the days"},
	{3, "Nearly every day"},
}

// phq9 is the Patient Health Questionnaire-9 (Kroenke, Spitzer, Williams
// 2001) with its standard item wording and severity bands.
var phq9 = Instrument{
	ID:     PHQ9ID,
	Title:  "PHQ-9",
	Prompt: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
	Items: []Item{
		{1, "Little interest or pleasure in doing things"},
		{2, "Feeling down, depressed, or hopeless"},
		{3, "Trouble falling or staying asleep, or sleeping too much"},
		{4, "Feeling tired or having little energy"},
		{5, "Poor appetite or overeating"},
		{6, "Feeling bad about yourself — or that you are a failure or have let yourself or your family down"},
		{7, "Trouble concentrating on things, such as reading the newspaper or watching television"},
		{8, "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual"},
		{9, "Thoughts that you would be better off dead or of hurting yourself in some way"},
	},
	Options: frequency,
	Bands: []Band{
		{0, 4, "minimal"},
		{5, 9, "mild"},
		{10, 14, "moderate"},
		{15, 19, "moderately severe"},
		{20, 27, "severe"},
	},
	SafetyItem: 9,
	LOINCTotal: "44261-6",
	LOINCPanel: "44249-1",
}

// gad7 is the Generalized Anxiety Disorder-7 (Spitzer, Kroenke, Williams,
// Löwe 2006) with its standard item wording and severity bands.
var gad7 = Instrument{
	ID:     GAD7ID,
	Title:  "GAD-7",
	Prompt: "Over the last 2 weeks, how often have you been bothered by the following problems?",
	Items: []Item{
		{1, "Feeling nervous, anxious, or on edge"},
		{2, "Not being able to stop or control worrying"},
		{3, "Worrying too much about different things"},
		{4, "Trouble relaxing"},
		{5, "Being so restless that it is hard to sit still"},
		{6, "Becoming easily annoyed or irritable"},
		{7, "Feeling afraid, as if something awful might happen"},
	},
	Options: frequency,
	Bands: []Band{
		{0, 4, "minimal"},
		{5, 9, "mild"},
		{10, 14, "moderate"},
		{15, 21, "severe"},
	},
	LOINCTotal: "70274-6",
	LOINCPanel: "69737-5",
}

// Instruments returns the questionnaires of every visit, in the order the
// patient answers them. Each call returns fresh copies.
func Instruments() []Instrument { return []Instrument{phq9.clone(), gad7.clone()} }

// InstrumentByID returns the instrument with the given id; an unknown id is
// EInvalid on field "instrument".
func InstrumentByID(id string) (Instrument, error) {
	switch id {
	case PHQ9ID:
		return phq9.clone(), nil
	case GAD7ID:
		return gad7.clone(), nil
	}
	return Instrument{}, ketaflow.Invalid("instrument", "questionnaire %q is not known; use %s or %s", clip(id, 20), PHQ9ID, GAD7ID)
}

func (in Instrument) clone() Instrument {
	in.Items = slices.Clone(in.Items)
	in.Options = slices.Clone(in.Options)
	in.Bands = slices.Clone(in.Bands)
	return in
}

// MaxTotal is the highest total: every item at the highest option.
func (in Instrument) MaxTotal() int {
	hi := 0
	for _, o := range in.Options {
		hi = max(hi, o.Value)
	}
	return hi * len(in.Items)
}

// Band returns the severity label of a total, or "" when no band holds it.
func (in Instrument) Band(total int) string {
	for _, b := range in.Bands {
		if total >= b.Min && total <= b.Max {
			return b.Label
		}
	}
	return ""
}

// option returns the option with value v.
func (in Instrument) option(v int) (Option, bool) {
	i := slices.IndexFunc(in.Options, func(o Option) bool { return o.Value == v })
	if i < 0 {
		return Option{}, false
	}
	return in.Options[i], true
}

// optionList names the allowed answers for an error message:
// "0 (Not at all), 1 (Several days), ...".
func (in Instrument) optionList() string {
	parts := make([]string, len(in.Options))
	for i, o := range in.Options {
		parts[i] = fmt.Sprintf("%d (%s)", o.Value, o.Label)
	}
	return strings.Join(parts, ", ")
}

// Result is a scored questionnaire. Only a complete questionnaire has one.
type Result struct {
	Instrument string `json:"instrument"` // the Instrument ID
	Answers    []int  `json:"answers"`    // one per item, in item order
	Total      int    `json:"total"`
	Band       string `json:"band"`
	// Item9 is the answer to PHQ-9 item 9 (thoughts of death or self-harm);
	// 0 for any other instrument.
	Item9 int `json:"item9"`
}

// Score totals a questionnaire. answers holds one value per item in item
// order; Unanswered (-1), or a slice shorter than the items, means the item
// was not answered.
//
// An incomplete questionnaire is refused, not scored [product brief]: the
// error is EInvalid on field "item_N" of the first unanswered item and says
// how many are missing. An answer that is not one of the options is refused
// on its item's field. Every problem is listed in the error's Fields, in item
// order.
func Score(in Instrument, answers []int) (Result, error) {
	if len(in.Items) == 0 || len(in.Options) == 0 {
		return Result{}, ketaflow.Invalid("instrument", "questionnaire %q has no items to answer", clip(in.ID, 20))
	}
	if len(answers) > len(in.Items) {
		return Result{}, ketaflow.Invalid("answers", "%s has %d items but %d answers were given", in.Title, len(in.Items), len(answers))
	}
	var missing []string
	for i := range in.Items {
		if i >= len(answers) || answers[i] == Unanswered {
			missing = append(missing, strconv.Itoa(in.Items[i].Number))
		}
	}
	var probs ketaflow.Problems
	firstMissing := true
	total := 0
	for i, item := range in.Items {
		field := "item_" + strconv.Itoa(item.Number)
		switch {
		case i >= len(answers) || answers[i] == Unanswered:
			if firstMissing {
				firstMissing = false
				probs.Add(field, "%s is incomplete and cannot be scored: %d of %d items unanswered (%s %s); answer every item",
					in.Title, len(missing), len(in.Items), plural(len(missing), "item", "items"), strings.Join(missing, ", "))
			} else {
				probs.Add(field, "item %d is unanswered", item.Number)
			}
		default:
			if _, ok := in.option(answers[i]); !ok {
				probs.Add(field, "item %d answer %d is not allowed; choose %s", item.Number, answers[i], in.optionList())
				continue
			}
			total += answers[i]
		}
	}
	if err := probs.Err(); err != nil {
		return Result{}, err
	}
	r := Result{Instrument: in.ID, Answers: slices.Clone(answers), Total: total, Band: in.Band(total)}
	if in.SafetyItem > 0 && in.SafetyItem <= len(answers) {
		r.Item9 = answers[in.SafetyItem-1]
	}
	return r, nil
}

// SafetyAlert reports whether the result raises the PHQ-9 item 9 safety
// alert under the protocol (any positive answer by default). The alert goes
// to the prescriber at once and blocks dosing until a clinician records a
// risk assessment; it is not an automatic refusal, because Spravato is
// approved for depression with suicidal thoughts [product brief].
func (r Result) SafetyAlert(p protocol.Protocol) bool {
	return r.Instrument == PHQ9ID && p.Gate.Item9Alerts(r.Item9)
}

// Summary reads the result for a person: "PHQ-9 14 of 27 (moderate)".
func (r Result) Summary() string {
	in, err := InstrumentByID(r.Instrument)
	if err != nil {
		return fmt.Sprintf("%s %d", r.Instrument, r.Total)
	}
	return fmt.Sprintf("%s %d of %d (%s)", in.Title, r.Total, in.MaxTotal(), r.Band)
}

// plural picks the word for n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// clip shortens s for a message so that a huge input is not echoed.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
