package discharge

import (
	"time"

	"github.com/ketaflow/ketaflow"
)

// Aldrete is one modified Aldrete score: five items scored 0, 1 or 2, total
// 0 to 10 [Aldrete JA, "The post-anesthesia recovery score revisited",
// J Clin Anesth 1995;7:89-91]. The pass mark is the protocol's
// (Discharge.AldreteAtLeast), not the scale's.
type Aldrete struct {
	Activity         int       `json:"activity"`
	Respiration      int       `json:"respiration"`
	Circulation      int       `json:"circulation"`
	Consciousness    int       `json:"consciousness"`
	OxygenSaturation int       `json:"oxygen_saturation"`
	AssessedAt       time.Time `json:"assessed_at,omitzero"` // zero: not scored
	AssessedBy       string    `json:"assessed_by,omitempty"`
}

// AldreteMax is the highest score of the scale: five items of at most 2.
const AldreteMax = 10

// aldreteItemMax is the highest score of one item.
const aldreteItemMax = 2

// AldreteItem is one item of the scale with what each score means, so that
// a form can show the choices and the PDF can print them.
type AldreteItem struct {
	Key    string    `json:"key"`
	Title  string    `json:"title"`
	Scores [3]string `json:"scores"` // Scores[n] describes a score of n
	get    func(Aldrete) int
}

// AldreteItems is the modified Aldrete scale, item by item, with the
// standard description of each score [Aldrete 1995].
var AldreteItems = []AldreteItem{
	{Key: "activity", Title: "Activity", Scores: [3]string{
		0: "Unable to move any extremity voluntarily or on command",
		1: "Able to move 2 extremities voluntarily or on command",
		2: "Able to move 4 extremities voluntarily or on command",
	}, get: func(a Aldrete) int { return a.Activity }},
	{Key: "respiration", Title: "Respiration", Scores: [3]string{
		0: "Apnoeic",
		1: "Dyspnoea or limited breathing",
		2: "Able to breathe deeply and cough freely",
	}, get: func(a Aldrete) int { return a.Respiration }},
	{Key: "circulation", Title: "Circulation", Scores: [3]string{
		0: "Blood pressure ± 50 mmHg or more of the pre-anaesthetic level",
		1: "Blood pressure ± 20 to 49 mmHg of the pre-anaesthetic level",
		2: "Blood pressure ± 20 mmHg of the pre-anaesthetic level",
	}, get: func(a Aldrete) int { return a.Circulation }},
	{Key: "consciousness", Title: "Consciousness", Scores: [3]string{
		0: "Not responding",
		1: "Arousable on calling",
		2: "Fully awake",
	}, get: func(a Aldrete) int { return a.Consciousness }},
	{Key: "oxygen_saturation", Title: "O2 saturation", Scores: [3]string{
		0: "SpO2 below 90% even with supplemental oxygen",
		1: "Needs supplemental oxygen to keep SpO2 above 90%",
		2: "Keeps SpO2 above 92% on room air",
	}, get: func(a Aldrete) int { return a.OxygenSaturation }},
}

// Assessed reports whether the score was taken.
func (a Aldrete) Assessed() bool { return !a.AssessedAt.IsZero() }

// Total is the sum of the five items.
func (a Aldrete) Total() int {
	n := 0
	for _, it := range AldreteItems {
		n += it.get(a)
	}
	return n
}

// Describe returns what the score of the item with key means, e.g.
// "Fully awake", or "" for an unknown key or a score out of range.
func (a Aldrete) Describe(key string) string {
	for _, it := range AldreteItems {
		if it.Key == key {
			if v := it.get(a); v >= 0 && v <= aldreteItemMax {
				return it.Scores[v]
			}
		}
	}
	return ""
}

// Validate checks that every item is 0, 1 or 2 and the time is given.
//
// Errors: EInvalid naming each item at fault.
func (a Aldrete) Validate() error {
	var p ketaflow.Problems
	for _, it := range AldreteItems {
		if v := it.get(a); v < 0 || v > aldreteItemMax {
			p.Add(it.Key, "%s must be scored 0, 1 or 2, not %d", it.Title, v)
		}
	}
	if a.AssessedAt.IsZero() {
		p.Add("assessed_at", "the time of the Aldrete score is required")
	}
	return p.Err()
}
