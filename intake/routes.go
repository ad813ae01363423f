package intake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
)

// Needle is how much needle work a route takes, for a patient who fears
// needles.
type Needle int

const (
	NoNeedle     Needle = iota // Spravato: none
	OneInjection               // IM: one injection
	Cannula                    // IV: a cannula left in for the infusion
)

// RouteProfile is one column of the patient guide's decision table: how the
// route compares with the others [guide's decision table; product brief §3].
// Times and doses come from the protocol; the rest is the table's text.
type RouteProfile struct {
	Route       protocol.Route `json:"route"`
	Label       string         `json:"label"`
	How         string         `json:"how"`
	Onset       string         `json:"onset"`
	DoseControl string         `json:"dose_control"`
	Needles     string         `json:"needles"`
	// ChairTime is how long the chair is booked from the first dose
	// (protocol Session.ChairMinutes).
	ChairTime time.Duration `json:"chair_time"`
	// Monitoring is the least time from the first dose to discharge
	// (protocol Discharge.MinMinutes).
	Monitoring time.Duration `json:"monitoring"`
	Regulation string        `json:"regulation"`

	// The traits the advice weighs.
	Needle       Needle `json:"needle"`
	OftenInsured bool   `json:"often_insured"` // FDA-approved, often covered
	NeedsREMS    bool   `json:"needs_rems"`    // patient enrolment and a certified setting
}

// Profiles returns the decision table under protocol p, one profile per
// route in protocol.Routes order.
func Profiles(p protocol.Protocol) []RouteProfile {
	out := make([]RouteProfile, len(protocol.Routes))
	for i, r := range protocol.Routes {
		out[i] = Profile(r, p)
	}
	return out
}

// Profile returns the decision table's column for route r; it panics on a
// route protocol.ParseRoute would never return.
func Profile(r protocol.Route, p protocol.Protocol) RouteProfile {
	rp := RouteProfile{Route: r, Label: r.Label(), ChairTime: p.ChairTime(r), Monitoring: p.Discharge.MinTime(r)}
	iv, sp := p.Dose.IV, p.Dose.Spravato
	switch r {
	case protocol.IV:
		rp.How = fmt.Sprintf("Diluted in a %g mL bag of %s and run by pump over %d–%d min",
			iv.BagVolumeML, iv.BagFluid, iv.MinutesMin, iv.MinutesMax)
		rp.Onset = "Gradual, during the infusion"
		rp.DoseControl = "Can be slowed or stopped mid-infusion"
		rp.Needles = "An IV cannula for the infusion"
		rp.Regulation = "Off-label, usually self-pay"
		rp.Needle = Cannula
	case protocol.IM:
		rp.How = "One injection into the deltoid, thigh or gluteal muscle"
		rp.Onset = "5–10 min after the injection" // guide's decision table
		rp.DoseControl = "Fixed once injected"
		rp.Needles = "One injection"
		rp.Regulation = "Off-label, usually self-pay"
		rp.Needle = OneInjection
	case protocol.Spravato:
		rp.How = fmt.Sprintf("The patient sprays under observation, one device per wave, %d min apart", sp.DeviceIntervalMinutes)
		rp.Onset = "After the first device"
		rp.DoseControl = fmt.Sprintf("Fixed %d mg steps (one device each)", sp.MgPerDevice)
		rp.Needles = "None"
		rp.Regulation = "FDA-approved under the Spravato REMS, often insured"
		rp.Needle = NoNeedle
		rp.OftenInsured = true
		rp.NeedsREMS = true
	default:
		panic(fmt.Sprintf("intake: unknown route %q", string(r)))
	}
	return rp
}

// Response is how a patient responded to a route before.
type Response string

const (
	ResponseUnknown Response = ""        // never tried, or not known
	ResponseGood    Response = "good"    // responded
	ResponsePartial Response = "partial" // some benefit
	ResponseNone    Response = "none"    // no benefit
)

// Factors are what the patient brings to the choice of route.
type Factors struct {
	NeedleFear     bool `json:"needle_fear"`
	WantsInsurance bool `json:"wants_insurance"`
	// MinutesAvailable is how long the patient can stay from the first dose;
	// 0 means unknown.
	MinutesAvailable  int                         `json:"minutes_available"`
	PriorResponse     map[protocol.Route]Response `json:"prior_response"`
	Contraindications []patients.Contraindication `json:"contraindications"`
	REMSEnrolled      bool                        `json:"rems_enrolled"`
	Age               int                         `json:"age"` // whole years; 0 = unknown
}

// Advice is one route as the advice sees it for this patient.
type Advice struct {
	Route protocol.Route `json:"route"`
	// Rank is 1 for the best fit; routes with equal scores share a rank.
	Rank  int `json:"rank"`
	Score int `json:"score"`
	// Reasons are sentences for and against the route, in factor order.
	Reasons []string     `json:"reasons"`
	Profile RouteProfile `json:"profile"`
}

// The weights of the advice. They are the product's reading of the decision
// table, not clinical rules: they only order the routes for discussion. A
// prior response outweighs comfort and cost; not fitting in the time the
// patient has is a practical obstacle.
const (
	weightPriorGood     = 4
	weightPriorPartial  = 1
	weightPriorNone     = -4
	weightNeedleFree    = 2
	weightCannula       = -2
	weightInjection     = -1
	weightInsured       = 2
	weightSelfPay       = -2
	weightTooLong       = -3
	weightREMSEnrolled  = 0 // removes an obstacle; not a reason for the route
	weightREMSToEnrol   = -1
	weightLowDoseOption = 1
)

// Advise ranks IV, IM and Spravato for a patient's factors, with a reason
// for every factor that counts for or against each route. It advises; the
// prescriber decides. Nothing here refuses a route or orders a dose: a
// contraindication is named on every route (it blocks dosing at the gate on
// any of them) but does not change the ranking.
//
// The order is by score, highest first, and on equal scores by
// protocol.Routes order, so the same factors always give the same list.
func Advise(f Factors, p protocol.Protocol) []Advice {
	out := make([]Advice, len(protocol.Routes))
	for i, r := range protocol.Routes {
		out[i] = advise(Profile(r, p), f, p)
	}
	slices.SortStableFunc(out, func(a, b Advice) int { return b.Score - a.Score })
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && out[i].Score == out[i-1].Score {
			out[i].Rank = out[i-1].Rank
		}
	}
	return out
}

func advise(rp RouteProfile, f Factors, p protocol.Protocol) Advice {
	a := Advice{Route: rp.Route, Profile: rp, Reasons: []string{}}
	add := func(w int, format string, args ...any) {
		a.Score += w
		a.Reasons = append(a.Reasons, fmt.Sprintf(format, args...))
	}
	name := rp.Label

	switch f.PriorResponse[rp.Route] {
	case ResponseGood:
		add(weightPriorGood, "For: the patient responded well to %s before.", name)
	case ResponsePartial:
		add(weightPriorPartial, "For: the patient partly responded to %s before.", name)
	case ResponseNone:
		add(weightPriorNone, "Against: the patient did not respond to %s before.", name)
	}

	if f.NeedleFear {
		switch rp.Needle {
		case NoNeedle:
			add(weightNeedleFree, "For: %s uses no needles, which suits a fear of needles.", name)
		case OneInjection:
			add(weightInjection, "Against: %s needs one injection, and the patient fears needles.", name)
		case Cannula:
			add(weightCannula, "Against: %s needs a cannula in a vein for the whole infusion, and the patient fears needles.", name)
		}
	}

	if f.WantsInsurance {
		if rp.OftenInsured {
			add(weightInsured, "For: %s is FDA-approved and often covered by insurance.", name)
		} else {
			add(weightSelfPay, "Against: %s is off-label and usually self-pay, and the patient wants insurance coverage.", name)
		}
	}

	if f.MinutesAvailable > 0 {
		need := int(rp.ChairTime / time.Minute)
		if f.MinutesAvailable < need {
			add(weightTooLong, "Against: %s needs about %d min in the chair from the first dose; the patient has %d min.", name, need, f.MinutesAvailable)
		} else {
			add(0, "Fits: %s needs about %d min in the chair from the first dose; the patient has %d min.", name, need, f.MinutesAvailable)
		}
	}

	if rp.NeedsREMS {
		if f.REMSEnrolled {
			add(weightREMSEnrolled, "Ready: the patient is already enrolled in the Spravato REMS.")
		} else {
			add(weightREMSToEnrol, "Against: the patient must be enrolled in the Spravato REMS before the first dose.")
		}
		sp := p.Dose.Spravato
		if f.Age > 0 && sp.Allow28MgFrom65 && f.Age >= sp.Age65 {
			add(weightLowDoseOption, "For: at %d, a %d mg dose (one device) may be ordered under this clinic's protocol.", f.Age, sp.MgPerDevice)
		}
	}

	if cs := contraindicationLabels(f.Contraindications); cs != "" {
		add(0, "Caution: the record lists %s; dosing on any route is blocked until a prescriber overrides.", cs)
	}
	return a
}

func contraindicationLabels(cs []patients.Contraindication) string {
	cs = sortedContraindications(cs)
	labels := make([]string, len(cs))
	for i, c := range cs {
		labels[i] = c.Label()
	}
	return strings.Join(labels, "; ")
}

// CheckRoute reads a route as a person requested it ("esketamine", "IV").
// Oral ketamine and unknown routes are refused by protocol.ParseRoute, the
// one place that knows why, with an EInvalid error on field "route" that
// names the supported routes.
func CheckRoute(requested string) (protocol.Route, error) {
	return protocol.ParseRoute(requested)
}

// sortedContraindications returns cs without repeats in the record's display
// order; codes the record does not know go last, alphabetically.
func sortedContraindications(cs []patients.Contraindication) []patients.Contraindication {
	cs = slices.Clone(cs)
	rank := func(c patients.Contraindication) int {
		if i := slices.Index(patients.Contraindications, c); i >= 0 {
			return i
		}
		return len(patients.Contraindications)
	}
	slices.SortFunc(cs, func(a, b patients.Contraindication) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(string(a), string(b))
	})
	return slices.Compact(cs)
}
