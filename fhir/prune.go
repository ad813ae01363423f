package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// prune removes what FHIR JSON may not hold and the model writes anyway:
// empty strings, objects and arrays (an unused alternative of a required
// choice element, medication[x] or effective[x], comes out as "" or {}),
// and, in a Questionnaire's answer options, every alternative of value[x]
// beside the coding we use (the model writes valueInteger 0 and the rest).
// Numbers keep their exact text.
func prune(b []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	v, _ = pruneValue(v, "")
	return json.Marshal(v)
}

// pruneValue returns v without its empty parts, and whether anything is
// left of it.
func pruneValue(v any, key string) (any, bool) {
	switch t := v.(type) {
	case string:
		return t, t != ""
	case map[string]any:
		if key == "answerOption" {
			if _, ok := t["valueCoding"]; ok {
				for k := range t {
					if len(k) > 5 && k[:5] == "value" && k != "valueCoding" {
						delete(t, k)
					}
				}
			}
		}
		for k, e := range t {
			if pv, ok := pruneValue(e, k); ok {
				t[k] = pv
			} else {
				delete(t, k)
			}
		}
		return t, len(t) > 0
	case []any:
		out := t[:0]
		for _, e := range t {
			if pv, ok := pruneValue(e, key); ok {
				out = append(out, pv)
			}
		}
		return out, len(out) > 0
	}
	return v, true
}
