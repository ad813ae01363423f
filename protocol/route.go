package protocol

import (
	"fmt"
	"strings"

	"github.com/ketaflow/ketaflow"
)

// Route is how the drug reaches the patient. The clinic offers exactly three;
// oral ketamine is refused by ParseRoute, the one place that knows why.
type Route string

const (
	IV       Route = "iv"       // ketamine diluted in a bag and run by pump
	IM       Route = "im"       // one ketamine injection into a muscle
	Spravato Route = "spravato" // esketamine nasal spray, under REMS
)

// Routes lists every supported route in the order screens show them.
var Routes = []Route{IV, IM, Spravato}

// Label is the route's name for people.
func (r Route) Label() string {
	switch r {
	case IV:
		return "IV infusion"
	case IM:
		return "IM injection"
	case Spravato:
		return "Spravato nasal spray"
	}
	return string(r)
}

func (r Route) String() string { return string(r) }

// Valid reports whether r is one of Routes.
func (r Route) Valid() bool { return r == IV || r == IM || r == Spravato }

// routeAliases maps what people type (lower case, single spaces) to a route.
// Intranasal racemic ketamine is not here on purpose: it is a compounded
// product, not Spravato, and must not be mistaken for it.
var routeAliases = map[string]Route{
	"iv":                      IV,
	"intravenous":             IV,
	"iv infusion":             IV,
	"intravenous infusion":    IV,
	"iv ketamine":             IV,
	"ketamine iv":             IV,
	"infusion":                IV,
	"im":                      IM,
	"intramuscular":           IM,
	"im injection":            IM,
	"intramuscular injection": IM,
	"im ketamine":             IM,
	"ketamine im":             IM,
	"injection":               IM,
	"spravato":                Spravato,
	"esketamine":              Spravato,
	"nasal":                   Spravato,
	"nasal spray":             Spravato,
	"spravato nasal spray":    Spravato,
	"esketamine nasal spray":  Spravato,
}

// oralAliases are the names of oral ketamine, which the clinic does not offer.
var oralAliases = map[string]bool{
	"oral":                true,
	"po":                  true,
	"p o":                 true,
	"by mouth":            true,
	"oral ketamine":       true,
	"ketamine oral":       true,
	"sublingual":          true,
	"sublingual ketamine": true,
	"sl":                  true,
	"troche":              true,
	"troches":             true,
	"ketamine troche":     true,
	"ketamine troches":    true,
	"lozenge":             true,
	"lozenges":            true,
	"ketamine lozenge":    true,
	"ketamine lozenges":   true,
	"rdt":                 true,
	"odt":                 true,
}

// supportedRoutes is the sentence every refusal ends with, so that the person
// who typed a route learns what to type instead.
const supportedRoutes = "the supported routes are IV infusion (iv), IM injection (im) and Spravato nasal spray (spravato)"

// ParseRoute reads a route as people type it: case and surrounding space do
// not matter, and common synonyms ("intravenous", "esketamine") are accepted.
//
// Oral ketamine (tablets, troches, lozenges, sublingual) is refused with an
// EInvalid error on field "route": the patient guide excludes it because
// absorption by mouth is unpredictable, research on it is limited, and it is
// taken at home, away from monitoring. This is the only place oral is refused.
func ParseRoute(s string) (Route, error) {
	key := normalizeRoute(s)
	if key == "" {
		return "", ketaflow.Invalid("route", "route is required; %s", supportedRoutes)
	}
	if r, ok := routeAliases[key]; ok {
		return r, nil
	}
	if oralAliases[key] {
		return "", ketaflow.Invalid("route", "oral ketamine is not offered: the patient guide excludes it "+
			"because absorption by mouth is unpredictable, research on it is limited, and it is taken at home "+
			"without monitoring; %s", supportedRoutes)
	}
	return "", ketaflow.Invalid("route", "route %q is not supported; %s", clip(strings.TrimSpace(s), 40), supportedRoutes)
}

// normalizeRoute lowers s, drops dots ("p.o.") and turns runs of spaces,
// hyphens and underscores into single spaces.
func normalizeRoute(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, ".", " "))
	s = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// clip shortens s for an error message so that a huge input is not echoed.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ByRoute holds one value per route. A struct rather than a map so that a
// protocol can never lack a route's rule.
type ByRoute[T any] struct {
	IV       T `json:"iv"`
	IM       T `json:"im"`
	Spravato T `json:"spravato"`
}

// Get returns the value for route r. It panics on a route ParseRoute would
// never return: that is a programming error, and answering with a zero rule
// (say, 0 minutes of monitoring) would be unsafe.
func (b ByRoute[T]) Get(r Route) T { return *b.at(r) }

// at returns a pointer to the value for r, for the parameter table.
func (b *ByRoute[T]) at(r Route) *T {
	switch r {
	case IV:
		return &b.IV
	case IM:
		return &b.IM
	case Spravato:
		return &b.Spravato
	}
	panic(fmt.Sprintf("protocol: unknown route %q", string(r)))
}

// IMSite is the muscle an IM injection goes into; each has its own volume
// limit (IMDose.SiteMaxML).
type IMSite string

const (
	Deltoid IMSite = "deltoid"
	Thigh   IMSite = "thigh" // vastus lateralis
	Gluteal IMSite = "gluteal"
)

// IMSites lists the injection sites in display order.
var IMSites = []IMSite{Deltoid, Thigh, Gluteal}

// Label is the site's name for people.
func (s IMSite) Label() string {
	switch s {
	case Deltoid:
		return "Deltoid (upper arm)"
	case Thigh:
		return "Thigh (vastus lateralis)"
	case Gluteal:
		return "Gluteal (buttock)"
	}
	return string(s)
}

// ParseIMSite reads an injection site; errors are EInvalid on field "site".
func ParseIMSite(s string) (IMSite, error) {
	switch normalizeRoute(s) {
	case "deltoid", "arm", "upper arm":
		return Deltoid, nil
	case "thigh", "vastus lateralis":
		return Thigh, nil
	case "gluteal", "gluteus", "buttock", "ventrogluteal", "dorsogluteal":
		return Gluteal, nil
	case "":
		return "", ketaflow.Invalid("site", "injection site is required: deltoid, thigh or gluteal")
	}
	return "", ketaflow.Invalid("site", "injection site %q is not known; choose deltoid, thigh or gluteal", clip(strings.TrimSpace(s), 40))
}
