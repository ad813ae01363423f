package fhir

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Unresolved lists the references among resources that point at none of
// them: every "reference" of a Reference, written with refs, and every
// QuestionnaireResponse's questionnaire, which must be the url of a
// Questionnaire among them. An export whose list is not empty is broken.
func Unresolved(rs []Resource, refs Refs) ([]string, error) {
	known := map[string]bool{}
	canonical := map[string]bool{}
	for _, r := range rs {
		known[refs(r.Type, r.ID)] = true
		if r.Type == "Questionnaire" {
			var q struct {
				URL string `json:"url"`
			}
			if err := json.Unmarshal(r.JSON, &q); err != nil {
				return nil, fmt.Errorf("read %s %s: %w", r.Type, r.ID, err)
			}
			canonical[q.URL] = true
		}
	}
	var bad []string
	for _, r := range rs {
		var v any
		if err := json.Unmarshal(r.JSON, &v); err != nil {
			return nil, fmt.Errorf("read %s %s: %w", r.Type, r.ID, err)
		}
		walk(v, func(key, s string) {
			switch {
			case key == "reference" && !known[s]:
				bad = append(bad, r.Type+"/"+r.ID+" → "+s)
			case key == "questionnaire" && r.Type == "QuestionnaireResponse" && !canonical[s]:
				bad = append(bad, r.Type+"/"+r.ID+" → questionnaire "+s)
			}
		})
	}
	slices.Sort(bad)
	return bad, nil
}

// walk calls fn with every string value of v and its key.
func walk(v any, fn func(key, s string)) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok {
				fn(k, s)
			} else {
				walk(e, fn)
			}
		}
	case []any:
		for _, e := range t {
			walk(e, fn)
		}
	}
}
