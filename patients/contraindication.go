package patients

import (
	"slices"
	"strings"

	"github.com/ketaflow/ketaflow"
)

// Contraindication is a condition on the record that blocks dosing until a
// prescriber overrides it (PRODUCT.md, the pre-session gate).
type Contraindication string

// The first four are contraindications on the Spravato label; the rest are
// common exclusions in ketamine trials.
const (
	AneurysmalVascularDisease Contraindication = "aneurysmal_vascular_disease" // Spravato label
	ArteriovenousMalformation Contraindication = "arteriovenous_malformation"  // Spravato label
	IntracerebralHaemorrhage  Contraindication = "intracerebral_haemorrhage"   // Spravato label
	Hypersensitivity          Contraindication = "hypersensitivity"            // Spravato label
	Pregnancy                 Contraindication = "pregnancy"                   // trial exclusion
	PsychosisOrMania          Contraindication = "psychosis_or_mania"          // trial exclusion
	UncontrolledHypertension  Contraindication = "uncontrolled_hypertension"   // trial exclusion
)

// Contraindications lists every known contraindication in display order.
var Contraindications = []Contraindication{
	AneurysmalVascularDisease, ArteriovenousMalformation, IntracerebralHaemorrhage,
	Hypersensitivity, Pregnancy, PsychosisOrMania, UncontrolledHypertension,
}

func (c Contraindication) Label() string {
	switch c {
	case AneurysmalVascularDisease:
		return "Aneurysmal vascular disease (aortic, intracranial or peripheral)"
	case ArteriovenousMalformation:
		return "Arteriovenous malformation"
	case IntracerebralHaemorrhage:
		return "History of intracerebral haemorrhage"
	case Hypersensitivity:
		return "Hypersensitivity to ketamine or esketamine"
	case Pregnancy:
		return "Pregnancy"
	case PsychosisOrMania:
		return "Active psychosis or mania"
	case UncontrolledHypertension:
		return "Uncontrolled hypertension"
	}
	return string(c)
}

// ParseContraindications checks codes against the known list, dropping
// duplicates and keeping display order.
func ParseContraindications(field string, codes []string) ([]Contraindication, error) {
	var out []Contraindication
	for _, code := range codes {
		c := Contraindication(strings.TrimSpace(code))
		if c == "" {
			continue
		}
		if !slices.Contains(Contraindications, c) {
			names := make([]string, len(Contraindications))
			for i, k := range Contraindications {
				names[i] = string(k)
			}
			return nil, ketaflow.Invalid(field, "%q is not a known contraindication; allowed: %s", code, strings.Join(names, ", "))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return sortContraindications(out), nil
}

func sortContraindications(cs []Contraindication) []Contraindication {
	slices.SortFunc(cs, func(a, b Contraindication) int {
		return slices.Index(Contraindications, a) - slices.Index(Contraindications, b)
	})
	return cs
}
