package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/api"
)

// schemaChecker checks answers of the API against the schemas of the
// OpenAPI document: every member an answer has is documented, and every
// member the document requires is there.
type schemaChecker struct {
	t       *testing.T
	schemas map[string]any
}

func newSchemaChecker(t *testing.T) schemaChecker {
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	return schemaChecker{t: t, schemas: doc["components"].(map[string]any)["schemas"].(map[string]any)}
}

// props gathers a schema's properties and required members, following
// $ref and allOf.
func (c schemaChecker) props(s map[string]any, props map[string]any, required *[]string) {
	if r, ok := s["$ref"].(string); ok {
		c.props(c.schemas[strings.TrimPrefix(r, "#/components/schemas/")].(map[string]any), props, required)
		return
	}
	for _, sub := range asList(s["allOf"]) {
		c.props(sub.(map[string]any), props, required)
	}
	for k, v := range asMap(s["properties"]) {
		props[k] = v
	}
	for _, r := range asList(s["required"]) {
		*required = append(*required, r.(string))
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// check walks value against the named schema.
func (c schemaChecker) check(where string, value any, schema map[string]any) {
	c.t.Helper()
	switch v := value.(type) {
	case map[string]any:
		props := map[string]any{}
		var required []string
		c.props(schema, props, &required)
		if len(props) == 0 {
			return // a free-form object (a map)
		}
		for k, sub := range v {
			ps, ok := props[k]
			if !ok {
				c.t.Errorf("%s.%s is in the answer but not in openapi.json", where, k)
				continue
			}
			c.check(where+"."+k, sub, ps.(map[string]any))
		}
		for _, r := range required {
			if _, ok := v[r]; !ok {
				c.t.Errorf("%s.%s is required by openapi.json but not in the answer", where, r)
			}
		}
	case []any:
		items := asMap(schema["items"])
		if r, ok := schema["$ref"].(string); ok {
			items = asMap(c.schemas[strings.TrimPrefix(r, "#/components/schemas/")].(map[string]any)["items"])
		}
		for i, e := range v {
			if items != nil {
				c.check(where+"[]", e, items)
			}
			if i > 2 {
				break
			}
		}
	case nil:
		// null: the documents mark nullable members; not checked here.
	}
}

func (c schemaChecker) answer(name, username string, f *fixture, path string) {
	c.t.Helper()
	status, raw := f.call(username, "GET", path, nil)
	if status != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, status, raw)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		c.t.Fatal(err)
	}
	c.check(name, v, map[string]any{"$ref": "#/components/schemas/" + name})
}

// documentedAnswer returns the schema openapi.json gives for the answer of
// method on path with status, and whether the path is documented.
func documentedAnswer(t *testing.T, doc map[string]any, method, path string, status int) (map[string]any, bool) {
	path, _, _ = strings.Cut(path, "?")
	for tmpl, ops := range asMap(doc["paths"]) {
		pattern := "^" + regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), "[^/]+") + "$"
		if !regexp.MustCompile(pattern).MatchString(path) {
			continue
		}
		op := asMap(asMap(ops)[strings.ToLower(method)])
		resp := asMap(asMap(op["responses"])[strconv.Itoa(status)])
		if resp == nil {
			t.Errorf("%s %s answered %d, which openapi.json does not list", method, tmpl, status)
			return nil, true
		}
		return asMap(asMap(asMap(resp["content"])["application/json"])["schema"]), true
	}
	return nil, false
}

func TestOpenAPIDescribesTheSessionAnswers(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	f.addStaff("nurse2", access.Nurse)
	c := newSchemaChecker(t)
	var doc map[string]any
	json.Unmarshal(api.OpenAPIDocument(), &doc)
	// Every answer of the session API below, success or refusal, is one
	// the document lists, shaped as it says.
	f.onCall = func(method, path string, status int, header http.Header, body []byte) {
		if !strings.HasPrefix(path, "/api/v1/visits/") && !strings.HasPrefix(path, "/api/v1/rems-forms") {
			return
		}
		schema, ok := documentedAnswer(t, doc, method, path, status)
		if !ok {
			t.Errorf("%s %s is not in openapi.json", method, path)
			return
		}
		if schema == nil || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
			return
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return
		}
		c.check(method+" "+path, v, schema)
	}

	// An IV visit mid-infusion, paused: order, preparation, infusion,
	// schedule and criteria are all there.
	j := f.newIVVisit("Schema Infusion")
	for _, st := range ivJourney() {
		switch st.name {
		case "verify":
			f.call("nurse", "POST", j.path("/preparation/verify"), nil) // 403: the preparer
		case "wait_90":
			f.call("nurse", "POST", j.path("/discharge"), map[string]any{"to": "ready_for_discharge"}) // 422: too early
		}
		if status, raw := j.do(st); status != st.want {
			t.Fatalf("step %s: %d %s", st.name, status, raw)
		}
		if st.name == "pause" {
			c.answer("VisitScreen", "nurse", f, j.path(""))
		}
	}
	c.answer("VisitScreen", "nurse", f, j.path(""))

	// A Spravato visit discharged with its REMS form.
	id, _, first := f.spravatoVisit("Schema Spray")
	f.dischargeSpravato(id, first)
	f.must(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+id+"/adverse-events", map[string]any{"kind": "nausea",
		"severity": "mild", "action": "observed"}, nil)
	c.answer("VisitScreen", "nurse", f, "/api/v1/visits/"+id)
	c.answer("REMSForm", "nurse", f, "/api/v1/visits/"+id+"/rems-form")
	f.must(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+id+"/rems-form", nil, nil)
	f.must(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+id+"/rems-form/submission", map[string]any{"confirmation": "C-7"}, nil)
	f.call("nurse", "POST", "/api/v1/visits/"+id+"/rems-form/submission", map[string]any{"confirmation": "C-7"}) // 409
	if status, _ := f.call("nurse", "GET", "/api/v1/visits/"+id+"/rems-form.pdf", nil); status != http.StatusOK {
		t.Errorf("PDF: %d", status)
	}

	var list map[string]any
	f.must(http.StatusOK, "nurse", "GET", "/api/v1/rems-forms", nil, &list)
	c.check("rems-forms", list, map[string]any{"properties": map[string]any{"forms": map[string]any{"type": "array",
		"items": map[string]any{"$ref": "#/components/schemas/REMSListItem"}}}})

	// Front desk: no session member at all.
	status, raw := f.call("frontdesk", "GET", "/api/v1/visits/"+id, nil)
	var screen map[string]any
	json.Unmarshal(raw, &screen)
	if _, ok := screen["session"]; status != http.StatusOK || ok {
		t.Errorf("front desk's visit: %d, session present %t", status, ok)
	}
	keys := make([]string, 0, len(screen))
	for k := range screen {
		keys = append(keys, k)
	}
	if !slices.Contains(keys, "gate") {
		t.Errorf("front desk's visit lacks the gate: %v", keys)
	}
}
