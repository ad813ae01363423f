package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/invopop/jsonschema"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/checkin"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

//go:generate go test -run TestOpenAPIDocument -update .

var update = flag.Bool("update", false, "rewrite openapi.json from the operation table and the wire types")

// TestOpenAPIDocument generates the OpenAPI document from the operation
// table (operations.go) and the wire types it names, with their Go
// comments as descriptions, checks it with kin-openapi's validation (the
// examples included), and fails when openapi.json, which the server
// embeds and serves, differs from it. `go generate ./web/api` (or this test
// with -update) rewrites the file.
func TestOpenAPIDocument(t *testing.T) {
	doc, err := generateDocument()
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	parsed, err := loader.LoadFromData(doc)
	if err != nil {
		t.Fatalf("the generated document does not load: %v", err)
	}
	if err := parsed.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("the generated document is not valid OpenAPI 3: %v", err)
	}
	if *update {
		if err := os.WriteFile("openapi.json", doc, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(doc, openAPIDoc) {
		t.Errorf("openapi.json is not what the operation table and the wire types generate: run `go generate ./web/api` and commit the result")
	}
}

// TestEveryOperationIsDescribed fails on an operation without what the
// document needs: an id, a summary, a tag, the answer on success, an
// example of its body.
func TestEveryOperationIsDescribed(t *testing.T) {
	ids := map[string]bool{}
	for _, o := range (&API{}).operations() {
		name := o.Method + " " + o.Pattern
		if o.ID == "" || o.Summary == "" || o.Tag == "" {
			t.Errorf("%s: needs an id, a summary and a tag", name)
		}
		if ids[o.ID] {
			t.Errorf("%s: operation id %s is used twice", name, o.ID)
		}
		ids[o.ID] = true
		if o.Out.Status == 0 {
			t.Errorf("%s: needs the answer on success (Out)", name)
		}
		if o.In != nil {
			if _, ok := requestExamples[o.In.Type]; !ok && o.In.Type != reflect.TypeFor[apiEmpty]() {
				t.Errorf("%s: needs an example of its body %s in requestExamples", name, o.In.Type)
			}
		}
		if !o.Public && !o.Core && !slices.ContainsFunc(o.Fails, func(f failSpec) bool { return f.Status == http.StatusUnauthorized }) {
			t.Errorf("%s: takes a login or token, so it may answer 401", name)
		}
		if (o.Handle == nil) != o.Core {
			t.Errorf("%s: an API operation has a handler; a core one is served by package web", name)
		}
	}
}

// docInfo is the document's opening: who it is for and how to sign in.
var docInfo = map[string]any{
	"title":   "ketaflow API",
	"version": "1",
	"description": "The JSON API of ketaflow, a system for ketamine and esketamine (Spravato) clinics. " +
		"Authenticate with an API token (Authorization: Bearer kft_...) made under Account or with `ketaflow token add`; " +
		"browser sessions work too. Every read and write of patient data is audited. " +
		"Errors are {\"error\": {\"code\", \"message\", \"field\"}}; an unknown path under /api/ answers 404 and a method " +
		"a path does not take answers 405, both in that shape. Lists are always arrays, empty when there is nothing.",
	"license": map[string]any{"name": "See the repository"},
}

// tagDescriptions describe the groups of operations.
var tagDescriptions = map[string]string{
	"reports": "What courses achieved: response, remission and relapse by the protocol's definitions, per course and as the " +
		"clinic's rates with counts and 95% Wilson intervals, as JSON and CSV.",
	"ledger": "The controlled-substance ledger: every vial of ketamine and every Spravato device, from receipt to the patient or " +
		"the waste. Append-only; a count that differs from the books raises a discrepancy that a witnessed adjustment resolves.",
	"session": "The dose and the live session: the prescriber's order, the nurse's preparation with every figure, a second " +
		"user's check, the first dose, Spravato devices, the infusion, adverse events, the end of the session and discharge. " +
		"GET /api/v1/visits/{id} shows it all as the visit's session.",
	"board": "The floor board of the clinic's chairs and its live stream.",
	"integration": "The integration session with the therapist in the window after each discharge (the patient guide's 48 hours): " +
		"the worklist of what is due, at risk and missed, booking in the therapist's calendar, holding, and signed notes with amendments.",
	"rems": "The Spravato REMS Patient Monitoring Form of each Spravato visit: assembled at discharge, due within 7 days, " +
		"submitted to the REMS programme.",
}

// pathParams describe the parameters of the paths by name.
var pathParams = map[string]map[string]any{
	"id":         {"type": "string", "format": "uuid"},
	"note":       {"type": "string", "format": "uuid"},
	"number":     {"type": "integer", "minimum": 1},
	"reading":    {"type": "string", "format": "uuid"},
	"instrument": {"type": "string", "enum": instrumentIDs()},
	// the secret of a link sent to a patient (access.NewToken)
	"token": {"type": "string", "minLength": 1},
}

func instrumentIDs() []string {
	var ids []string
	for _, in := range intake.Instruments() {
		ids = append(ids, in.ID)
	}
	return ids
}

// generateDocument builds openapi.json.
func generateDocument() ([]byte, error) {
	doc, differ, err := generateWith(nil)
	if err == nil && len(differ) > 0 {
		// A type in request bodies and in answers whose required members
		// differ is described twice: as a request, it is NameInput.
		doc, differ, err = generateWith(differ)
		if err == nil && len(differ) > 0 {
			err = fmt.Errorf("described differently as a request and an answer, even renamed: %v", differ)
		}
	}
	return doc, err
}

func generateWith(inputs map[string]bool) ([]byte, map[string]bool, error) {
	g, err := newSchemaGen(inputs)
	if err != nil {
		return nil, nil, err
	}
	ops := (&API{}).operations()
	paths := map[string]map[string]any{}
	var tags []string
	for _, o := range ops {
		if !slices.Contains(tags, o.Tag) {
			tags = append(tags, o.Tag)
		}
		item := paths[o.Pattern]
		if item == nil {
			item = map[string]any{}
			paths[o.Pattern] = item
			var params []any
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(o.Pattern, -1) {
				s, ok := pathParams[m[1]]
				if !ok {
					return nil, nil, fmt.Errorf("%s: describe the path parameter %s in pathParams", o.Pattern, m[1])
				}
				params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": s})
			}
			if params != nil {
				item["parameters"] = params
			}
		}
		op, err := g.operation(o)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", o.Method, o.Pattern, err)
		}
		item[strings.ToLower(o.Method)] = op
	}
	var tagList []any
	for _, t := range tags {
		tag := map[string]any{"name": t}
		if d := tagDescriptions[t]; d != "" {
			tag["description"] = d
		}
		tagList = append(tagList, tag)
	}
	schemas, differ, err := g.components()
	if err != nil || len(differ) > 0 {
		return nil, differ, err
	}
	doc := map[string]any{
		"openapi":  "3.0.3",
		"info":     docInfo,
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearerAuth": []string{}}, map[string]any{"cookieAuth": []string{}}},
		"tags":     tagList,
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]any{"type": "http", "scheme": "bearer",
					"description": "An API token: Authorization: Bearer kft_..."},
				"cookieAuth": map[string]any{"type": "apiKey", "in": "cookie", "name": "ketaflow_login",
					"description": "The login cookie of a browser session: ketaflow_login on plain http; __Host-ketaflow_login " +
						"when the server's public URL is https"},
			},
			"schemas": schemas,
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), nil, nil
}

func (g *schemaGen) operation(o op) (map[string]any, error) {
	out := map[string]any{"operationId": o.ID, "summary": o.Summary, "tags": []string{o.Tag}}
	if o.Description != "" {
		out["description"] = o.Description
	}
	if o.Public || o.Core {
		out["security"] = []any{}
	}
	if o.Training {
		out[trainingOnly] = true
	}
	var params []any
	for _, p := range append(slices.Clip(o.Query), o.Headers...) {
		s := map[string]any{"type": p.Type}
		if p.Format != "" {
			s["format"] = p.Format
		}
		if p.Enum != nil {
			s["enum"] = p.Enum
		}
		if p.Type == "integer" {
			for k, v := range map[string]int{"minimum": p.Min, "maximum": p.Max, "default": p.Default} {
				if v != noLimit {
					s[k] = v
				}
			}
		}
		in := p.In
		if in == "" {
			in = "query"
		}
		param := map[string]any{"name": p.Name, "in": in, "schema": s}
		if p.Description != "" {
			param["description"] = p.Description
		}
		params = append(params, param)
	}
	if params != nil {
		out["parameters"] = params
	}
	if o.In != nil {
		s, err := g.ref(o.In.Type, true)
		if err != nil {
			return nil, err
		}
		media := map[string]any{"schema": s}
		if ex, ok := requestExamples[o.In.Type]; ok {
			media["example"] = leaveOutUnset(ex)
		}
		out["requestBody"] = map[string]any{"required": !o.In.Optional,
			"content": map[string]any{"application/json": media}}
	}
	responses := map[string]any{}
	ok := map[string]any{"description": http.StatusText(o.Out.Status)}
	switch {
	case o.Out.Media == "text/event-stream":
		// The events' data are described as a component of their own.
		data, err := g.ref(o.Out.Type, false)
		if err != nil {
			return nil, err
		}
		ok["description"] = "A stream of server-sent events; the data of each is " + strings.TrimPrefix(fmt.Sprint(data["$ref"]), "#/components/schemas/")
		ok["content"] = map[string]any{o.Out.Media: map[string]any{"schema": map[string]any{"type": "string"}}}
	case o.Out.Media == "text/csv":
		ok["content"] = map[string]any{o.Out.Media: map[string]any{"schema": map[string]any{"type": "string"}}}
	case o.Out.Media == "application/pdf":
		ok["content"] = map[string]any{o.Out.Media: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
	case o.Out.Media != "":
		ok["content"] = map[string]any{o.Out.Media: map[string]any{"schema": map[string]any{"type": "object"}}}
	case o.Out.Type != nil:
		s, err := g.ref(o.Out.Type, false)
		if err != nil {
			return nil, err
		}
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": s}}
	}
	if len(o.Out.Headers) > 0 {
		headers := map[string]any{}
		for name, says := range o.Out.Headers {
			headers[name] = map[string]any{"description": says, "schema": map[string]any{"type": "string"}}
		}
		ok["headers"] = headers
	}
	responses[strconv.Itoa(o.Out.Status)] = ok
	fails := o.Fails
	if !o.Public && !o.Core {
		// Every operation that takes a login may be refused to the
		// caller: a role without the permission, a clinic that a
		// training server does not serve.
		for _, st := range []int{http.StatusUnauthorized, http.StatusForbidden} {
			if !slices.ContainsFunc(fails, func(f failSpec) bool { return f.Status == st }) {
				fails = append(fails, failSpec{Status: st})
			}
		}
	}
	if !o.Core {
		// Every API path answers these, whatever its handler: a body or
		// a query value the API does not take (too large, not UTF-8, not
		// valid), a body not sent as JSON, an internal failure, a
		// database that is busy or does not answer.
		has := func(st int) bool { return slices.ContainsFunc(fails, func(f failSpec) bool { return f.Status == st }) }
		if !has(http.StatusBadRequest) {
			fails = append(fails, failSpec{Status: http.StatusBadRequest})
		}
		if o.In != nil {
			fails = append(fails, failSpec{Status: http.StatusUnsupportedMediaType})
		}
		fails = append(fails, failSpec{Status: http.StatusInternalServerError}, failSpec{Status: http.StatusServiceUnavailable})
	}
	for _, f := range fails {
		meaning := f.Meaning
		if meaning == "" {
			meaning = failMeaning[f.Status]
		}
		if meaning == "" {
			return nil, fmt.Errorf("status %d: say what it means", f.Status)
		}
		typ := f.Type
		if typ == nil {
			typ = reflect.TypeFor[apiError]()
		}
		s, err := g.ref(typ, false)
		if err != nil {
			return nil, err
		}
		if f.OrError {
			plain, err := g.ref(reflect.TypeFor[apiError](), false)
			if err != nil {
				return nil, err
			}
			s = map[string]any{"anyOf": []any{s, plain}}
		}
		responses[strconv.Itoa(f.Status)] = map[string]any{"description": meaning,
			"content": map[string]any{"application/json": map[string]any{"schema": s}}}
	}
	out["responses"] = responses
	return out, nil
}

// schemaGen turns the wire types into the document's schemas with
// invopop/jsonschema: a field is required in an answer unless its JSON tag
// says omitempty (encoding/json always writes it), and in a request body
// only when its jsonschema tag says required; a pointer may be null; a
// list is never null. Descriptions are the Go comments of the types and
// fields; the values of a domain string type are its declared constants.
type schemaGen struct {
	answers, requests *jsonschema.Reflector
	defs              map[string]*jsonschema.Schema // by schema name
	reqDefs           map[string]*jsonschema.Schema
	types             map[string]reflect.Type // the Go type of each schema name
	comments          map[string]string       // "pkg.Type" and "pkg.Type.Field"
	enums             map[reflect.Type][]any
	inputs            map[string]bool // the names that a request describes as NameInput
}

const module = "github.com/ketaflow/ketaflow"

func newSchemaGen(inputs map[string]bool) (*schemaGen, error) {
	g := &schemaGen{inputs: inputs, defs: map[string]*jsonschema.Schema{}, reqDefs: map[string]*jsonschema.Schema{},
		types: map[string]reflect.Type{}, comments: map[string]string{}, enums: map[reflect.Type][]any{}}
	for _, dir := range []string{".", ".."} {
		if err := g.readComments(dir); err != nil {
			return nil, err
		}
	}
	mk := func(requests bool) *jsonschema.Reflector {
		namer := g.name
		if requests {
			namer = g.requestName
		}
		return &jsonschema.Reflector{
			RequiredFromJSONSchemaTags: requests,
			Namer:                      namer,
			Mapper:                     g.mapType,
			LookupComment:              g.comment,
			Anonymous:                  true,
		}
	}
	g.answers, g.requests = mk(false), mk(true)
	return g, nil
}

// name is the schema name of a Go type: its name, less the api prefix of
// the wire types, with a capital.
func (g *schemaGen) name(t reflect.Type) string {
	n := t.Name()
	if n == "" {
		return ""
	}
	if t.Kind() != reflect.Struct {
		// Described in place, never a component: a name of its own
		// that no component has.
		return t.String()
	}
	if base, args, generic := strings.Cut(n, "["); generic {
		// ByRoute[github.com/.../protocol.Fasting] is ByRouteFasting.
		n = base
		for _, a := range strings.Split(strings.TrimSuffix(args, "]"), ",") {
			n += a[strings.LastIndex(a, ".")+1:]
		}
	}
	switch pkg := t.PkgPath(); pkg {
	case module + "/web/api":
		n = strings.TrimPrefix(n, "api")
	case module + "/web":
	default:
		// A domain type in an answer (the protocol's document) is
		// named with its package: protocol.Gate is ProtocolGate.
		p := filepath.Base(pkg)
		p = strings.ToUpper(p[:1]) + p[1:]
		if !strings.HasPrefix(n, p) {
			n = p + n
		}
	}
	n = strings.ToUpper(n[:1]) + n[1:]
	if prev, ok := g.types[n]; ok && prev != t {
		panic(fmt.Sprintf("two types have the schema name %s: %s and %s", n, prev, t))
	}
	g.types[n] = t
	return n
}

// requestName is the schema name of a type in a request body.
func (g *schemaGen) requestName(t reflect.Type) string {
	n := g.name(t)
	if g.inputs[n] {
		if other, taken := g.types[n+"Input"]; taken {
			panic(fmt.Sprintf("%s in a request is described as %sInput, the name of %s: give the request its own type", t, n, other))
		}
		return n + "Input"
	}
	return n
}

var dateType = reflect.TypeFor[ketaflow.Date]()

// mapType gives the schemas of the types that are not plain structs: a
// date, the answers that are yes or no, and the domain's string types,
// whose values are the constants their package declares.
func (g *schemaGen) mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case dateType:
		return &jsonschema.Schema{Type: "string", Format: "date"}
	case reflect.TypeFor[yesNoInput]():
		return &jsonschema.Schema{Description: "true or \"yes\", false or \"no\"", OneOf: []*jsonschema.Schema{
			{Type: "boolean"}, {Type: "string", Enum: []any{"yes", "no"}}}}
	case reflect.TypeFor[json.RawMessage]():
		return &jsonschema.Schema{}
	case reflect.TypeFor[apiQuestionnaireAnswers]():
		// One answer per item, null for an item left unanswered.
		props := jsonschema.NewProperties()
		for _, in := range intake.Instruments() {
			hi := 0
			for _, o := range in.Options {
				hi = max(hi, o.Value)
			}
			n := uint64(len(in.Items))
			props.Set(in.ID, &jsonschema.Schema{Type: "array", MinItems: &n, MaxItems: &n,
				Description: fmt.Sprintf("%s: one answer per item, in order; null or %d for an item left unanswered", in.Title, intake.Unanswered),
				Items: &jsonschema.Schema{Type: "integer", Minimum: json.Number(strconv.Itoa(intake.Unanswered)),
					Maximum: json.Number(strconv.Itoa(hi)), Extras: map[string]any{"nullable": true}}})
		}
		return &jsonschema.Schema{Type: "object", Description: g.comment(t, ""), Properties: props,
			AdditionalProperties: jsonschema.FalseSchema}
	}
	if t.Kind() == reflect.String && t.PkgPath() != "" && strings.HasPrefix(t.PkgPath(), module) {
		values, err := g.constants(t)
		if err != nil {
			panic(err)
		}
		if len(values) == 0 {
			return nil
		}
		return &jsonschema.Schema{Type: "string", Enum: values}
	}
	return nil
}

// constants are the values of the string constants of type t declared in
// its package.
func (g *schemaGen) constants(t reflect.Type) ([]any, error) {
	if v, ok := g.enums[t]; ok {
		return v, nil
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(t.PkgPath(), module), "/")
	dir := filepath.Join("..", "..", rel)
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var values []any
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				id, ok := vs.Type.(*ast.Ident)
				if !ok || id.Name != t.Name() {
					continue
				}
				for _, v := range vs.Values {
					s, err := constValue(v)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", t, err)
					}
					values = append(values, s)
				}
			}
		}
	}
	g.enums[t] = values
	return values, nil
}

// constValue is the value of a string constant: a literal, or a
// conversion of another package's constant (Kind(session.BPHigh)).
func constValue(v ast.Expr) (string, error) {
	switch v := v.(type) {
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			return strconv.Unquote(v.Value)
		}
	case *ast.CallExpr:
		if len(v.Args) == 1 {
			if sel, ok := v.Args[0].(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok {
					return constIn(filepath.Join("..", "..", pkg.Name), sel.Sel.Name)
				}
			}
		}
	}
	return "", fmt.Errorf("a constant whose value is not a string literal: %T", v)
}

// constIn finds the value of the string constant name in the package in dir.
func constIn(dir, name string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			return "", err
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name == name && i < len(vs.Values) {
						return constValue(vs.Values[i])
					}
				}
			}
		}
	}
	return "", fmt.Errorf("no constant %s in %s", name, dir)
}

// readComments reads the Go comments of the types and fields declared in
// the package in dir.
func (g *schemaGen) readComments(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	pkg := module + "/web/api"
	if filepath.Base(abs) == "web" {
		pkg = module + "/web"
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				key := pkg + "." + ts.Name.Name
				if doc != nil {
					g.comments[key] = doc.Text()
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, field := range st.Fields.List {
					c := field.Doc
					if c == nil {
						c = field.Comment
					}
					if c == nil {
						continue
					}
					for _, n := range field.Names {
						g.comments[key+"."+n.Name] = c.Text()
					}
				}
			}
		}
	}
	return nil
}

// comment is the description of a type (field "") or of a field: its Go
// comment, naming it as the document does.
func (g *schemaGen) comment(t reflect.Type, field string) string {
	key := t.PkgPath() + "." + t.Name()
	goName, docName := t.Name(), g.name(t)
	if field != "" {
		key += "." + field
		goName = field
		docName = field
		if f, ok := t.FieldByName(field); ok {
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" {
				docName = tag
			}
		}
	}
	text, ok := g.comments[key]
	if !ok {
		return ""
	}
	return prose(text, goName, docName)
}

// prose turns a Go comment into a description: its lines joined into
// paragraphs, the Go name it opens with replaced by the document's.
func prose(text, goName, docName string) string {
	paras := strings.Split(strings.TrimSpace(text), "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	out := strings.Join(paras, "\n\n")
	if rest, ok := strings.CutPrefix(out, goName+" "); ok {
		out = docName + " " + rest
	}
	return out
}

// ref is the schema of a body or answer of type t: a reference to its
// component, or the schema itself for a type without a name.
func (g *schemaGen) ref(t reflect.Type, request bool) (map[string]any, error) {
	r, defs := g.answers, g.defs
	if request {
		r, defs = g.requests, g.reqDefs
	}
	s := r.ReflectFromType(t)
	for name, d := range s.Definitions {
		defs[name] = d
	}
	s.Definitions = nil
	s.Version = ""
	return g.convert(s, nil, !request)
}

// components are the document's schemas: the answers', and the request
// bodies' (a type in both must be described the same way in both).
func (g *schemaGen) components() (map[string]any, map[string]bool, error) {
	out := map[string]any{}
	differ := map[string]bool{}
	names := map[string]bool{}
	for n := range g.defs {
		names[n] = true
	}
	for n := range g.reqDefs {
		names[n] = true
	}
	for n := range names {
		a, inA := g.defs[n]
		q, inQ := g.reqDefs[n]
		var s *jsonschema.Schema
		switch {
		case inA && inQ:
			ja, _ := json.Marshal(a)
			jq, _ := json.Marshal(q)
			if !bytes.Equal(ja, jq) {
				differ[n] = true
			}
			s = a
		case inA:
			s = a
		default:
			s = q
		}
		owner := g.types[strings.TrimSuffix(n, "Input")]
		if t, ok := g.types[n]; ok {
			owner = t
		}
		c, err := g.convert(s, owner, inA)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n, err)
		}
		out[n] = c
	}
	return out, differ, nil
}

// convert turns a JSON Schema of invopop/jsonschema (draft 2020-12) into
// the schema dialect of OpenAPI 3.0: references into components, null
// into nullable, a description beside a reference through allOf. owner
// is the struct type the schema describes, if any: in an answer its
// pointer fields may be null (a request sends what it has and leaves out
// the rest: the server refuses a null), and its float64 fields are
// doubles.
func (g *schemaGen) convert(s *jsonschema.Schema, owner reflect.Type, answer bool) (map[string]any, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		// true: any value
		return map[string]any{}, nil
	}
	if err := rewrite(m); err != nil {
		return nil, err
	}
	if owner != nil && owner.Kind() == reflect.Struct {
		props, _ := m["properties"].(map[string]any)
		for name, r := range limits[owner] {
			if p, ok := props[name].(map[string]any); ok {
				p["minimum"], p["maximum"] = r[0], r[1]
			}
		}
		for name, field := range jsonFields(owner) {
			p, ok := props[name].(map[string]any)
			if !ok {
				continue
			}
			ft := field.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Float64 {
				if items, ok := p["items"].(map[string]any); ok {
					items["format"] = "double"
				} else if p["type"] == "number" {
					p["format"] = "double"
				}
			}
			if answer && field.Type.Kind() == reflect.Pointer {
				if _, isRef := p["$ref"]; isRef {
					p = map[string]any{"allOf": []any{p}}
					props[name] = p
				}
				p["nullable"] = true
			}
		}
	}
	return m, nil
}

// limits are the bounds of numbers that the domain declares: the
// plausibility limits of what people type.
var limits = map[reflect.Type]map[string][2]float64{
	reflect.TypeFor[vitalsInput](): {
		"systolic":         {vitals.MinSystolic, vitals.MaxSystolic},
		"diastolic":        {vitals.MinDiastolic, vitals.MaxDiastolic},
		"heart_rate":       {vitals.MinHeartRate, vitals.MaxHeartRate},
		"spo2":             {vitals.MinSpO2, vitals.MaxSpO2},
		"respiratory_rate": {vitals.MinResp, vitals.MaxResp},
		"sedation":         {vitals.MinMOAAS, vitals.MaxMOAAS},
	},
	reflect.TypeFor[apiNewWeight](): {"kg": {patients.MinWeightKG, patients.MaxWeightKG}},
	reflect.TypeFor[apiBooking]():   {"minutes": {0, visits.MaxMinutes}},
}

// jsonFields are the fields of a struct by JSON name, the embedded
// structs' included.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// rewrite changes a draft 2020-12 schema in place into OpenAPI 3.0's
// dialect.
func rewrite(m map[string]any) error {
	delete(m, "$schema")
	delete(m, "$id")
	if ref, ok := m["$ref"].(string); ok {
		m["$ref"] = strings.Replace(ref, "#/$defs/", "#/components/schemas/", 1)
		if len(m) > 1 {
			// OpenAPI 3.0 ignores what stands beside a $ref.
			inner := map[string]any{"$ref": m["$ref"]}
			delete(m, "$ref")
			m["allOf"] = []any{inner}
		}
	}
	if ex, ok := m["examples"].([]any); ok {
		delete(m, "examples")
		if len(ex) > 0 {
			m["example"] = ex[0]
		}
	}
	if c, ok := m["const"]; ok {
		delete(m, "const")
		m["enum"] = []any{c}
	}
	if one, ok := m["oneOf"].([]any); ok {
		var kept []any
		for _, o := range one {
			if om, ok := o.(map[string]any); ok && om["type"] == "null" {
				m["nullable"] = true
				continue
			}
			kept = append(kept, o)
		}
		if len(kept) == 1 {
			delete(m, "oneOf")
			if km, ok := kept[0].(map[string]any); ok && km["$ref"] != nil {
				m["allOf"] = []any{km}
			} else {
				for k, v := range kept[0].(map[string]any) {
					m[k] = v
				}
			}
		} else {
			m["oneOf"] = kept
		}
	}
	for _, v := range m {
		switch v := v.(type) {
		case map[string]any:
			if err := rewrite(v); err != nil {
				return err
			}
		case []any:
			for _, e := range v {
				if em, ok := e.(map[string]any); ok {
					if err := rewrite(em); err != nil {
						return err
					}
				}
			}
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for k, v := range props {
			if v == true {
				props[k] = map[string]any{} // any value
			}
		}
	}
	if m["items"] == true {
		m["items"] = map[string]any{}
	}
	return nil
}

// requestExamples are an example of each request body, checked against
// its schema by TestOpenAPIDocument.
var requestExamples = map[reflect.Type]any{
	reflect.TypeFor[apiCheckInAnswers](): apiCheckInAnswers{Mood: ptr(4), Sleep: checkin.SleptPoorly,
		Effects: []checkin.Effect{checkin.Headache, checkin.EmotionalHangover}, Safety: ptr(true), Note: "tired, a bit low"},
	reflect.TypeFor[patientInput](): patientInput{apiPatientRecord: apiPatientRecord{LegalName: "Maria Alvarez",
		BirthDate: exampleDate("1984-03-12"), Sex: "female", Phone: "+1 555 010 0101", Allergies: "penicillin",
		Contraindications: []patients.Contraindication{}}, Weight: &apiNewWeight{KG: 64, MeasuredAt: exampleTime}},
	reflect.TypeFor[apiAmendment](): apiAmendment{Reason: "patient moved house", Version: 1,
		Record: json.RawMessage(`{"phone": "+1 555 010 0199"}`)},
	reflect.TypeFor[apiNewWeight]():         apiNewWeight{KG: 64.5, MeasuredAt: exampleTime},
	reflect.TypeFor[apiNewUser]():           apiNewUser{Username: "jlee", Name: "Jordan Lee", Role: access.Nurse, Password: "a long passphrase of words"},
	reflect.TypeFor[apiUserChange]():        apiUserChange{Role: ptr(access.Prescriber)},
	reflect.TypeFor[apiNewAccountRequest](): apiNewAccountRequest{UserID: "0190f3a4-7c2e-7a11-9b3e-5d2f8a6c4e10", Kind: "role", Role: "nurse"},
	reflect.TypeFor[apiNewToken]():          apiNewToken{Name: "billing export", Scopes: []string{"read"}, ExpiresInDays: 30},
	reflect.TypeFor[apiNewProtocolVersion](): apiNewProtocolVersion{BasedOn: 3, Reason: "the medical director's new BP limit",
		Values: map[string]string{"gate.max_systolic": "160"}},
	reflect.TypeFor[apiClinicChange](): apiClinicChange{OnCallPhone: ptr("+1 555 010 0300")},
	reflect.TypeFor[apiClockAdvance](): apiClockAdvance{Advance: "PT30M"},
	reflect.TypeFor[apiNewChair]():     apiNewChair{Name: "Chair 7"},
	reflect.TypeFor[apiDeviceBatch](): apiDeviceBatch{Readings: []apiDeviceReading{
		{Monitor: "INFUSION^^BED1", TakenAt: exampleTime, SpO2: ptr(97), PulseRate: ptr(72)},
		{Monitor: "INFUSION^^BED2", TakenAt: exampleTime, Systolic: ptr(128), Diastolic: ptr(82), MeanPressure: ptr(97)}}},
	reflect.TypeFor[apiNewMonitor]():    apiNewMonitor{Key: "INFUSION^^BED1", Name: ptr("Monitor, chair 1"), ChairID: ptr("7d0c5a0e-8f4f-4c1e-9a51-2f9d7e1b4a10")},
	reflect.TypeFor[apiMonitorChange](): apiMonitorChange{ChairID: ptr("7d0c5a0e-8f4f-4c1e-9a51-2f9d7e1b4a10")},
	reflect.TypeFor[apiDeviceCode]():    apiDeviceCode{System: "MDC", Code: "150456", Vital: "spo2", Unit: "%"},
	reflect.TypeFor[apiChairChange]():   apiChairChange{Name: ptr("Chair 7 (window)")},
	reflect.TypeFor[apiBooking](): apiBooking{PatientID: "0193a5b2-7c1e-7d4a-9f00-3c5e2a1b4d6f", Route: "iv",
		ScheduledAt: exampleTime, Comfort: apiComfort{Blanket: true, Music: visits.ClinicMusic}},
	reflect.TypeFor[apiMove]():           apiMove{To: "checked_in"},
	reflect.TypeFor[vitalsInput]():       vitalsInput{Systolic: 128, Diastolic: 82, HeartRate: 74, SpO2: 98, RespiratoryRate: 14},
	reflect.TypeFor[apiFastingAnswers](): apiFastingAnswers{LastSolidFood: ptr(exampleTime.Add(-7 * time.Hour)), LastLiquid: ptr(exampleTime.Add(-3 * time.Hour)), LastLiquidClear: ptr(true)},
	reflect.TypeFor[apiRide]():           apiRide{DriverName: "Sam Alvarez", DriverPhone: "+1 555 010 0102"},
	reflect.TypeFor[apiComfort]():        apiComfort{EyeMask: true, Music: visits.OwnMusic, LightsDimmed: true},
	reflect.TypeFor[apiOverrideInput](): apiOverrideInput{Check: intake.CheckBloodPressure,
		Reason: "white-coat hypertension known for years; 158/96 after 10 minutes' rest is her usual"},
	reflect.TypeFor[apiQuestionnaireAnswers](): apiQuestionnaireAnswers{"phq9": ints(2, 2, 1, 2, 1, 1, 2, 1, 0),
		"gad7": ints(1, 2, 1, 1, 0, 1, 1)},
	reflect.TypeFor[apiQuestionnaireAmendment](): apiQuestionnaireAmendment{Amends: "0193a5b2-7c1e-7d4a-9f00-3c5e2a1b4d70",
		Reason: "the patient meant 'several days' for item 3", Answers: ints(2, 2, 1, 2, 1, 1, 2, 1, 0)},
	reflect.TypeFor[apiAssessmentInput](): apiAssessmentInput{Risk: "low", Proceed: ptr(true),
		Plan: "passive thoughts, no plan or intent; safety plan reviewed; proceed with monitoring"},
	reflect.TypeFor[apiAcknowledgementInput](): apiAcknowledgementInput{Action: "at the chair; repeating BP in 5 minutes"},
	reflect.TypeFor[apiAlertNoteInput]():       apiAlertNoteInput{Action: "prescriber called; waiting for the repeat"},
	reflect.TypeFor[apiResolutionInput]():      apiResolutionInput{Reason: "repeat BP 142/88 after rest; within limits"},
	reflect.TypeFor[apiNewLot](): apiNewLot{Drug: dosing.Ketamine, ConcentrationMgPerML: 50, MLPerVial: 10, LotNumber: "K2611A",
		Expiry: exampleDate("2027-06-30"), Packs: 10},
	reflect.TypeFor[apiNewLedgerEntry](): apiNewLedgerEntry{Kind: dosing.Count, Counted: ptr(48.5)},
	reflect.TypeFor[apiOrderInput]():     apiOrderInput{MgPerKg: 0.5, InfusionMinutes: 40},
	reflect.TypeFor[apiPrepareInput]():   apiPrepareInput{LotID: "0193a5b2-7c1e-7d4a-9f00-3c5e2a1b4d71"},
	reflect.TypeFor[atInput]():           atInput{},
	reflect.TypeFor[apiDeviceInput]():    apiDeviceInput{N: ptr(2)},
	reflect.TypeFor[apiInfusionInput]():  apiInfusionInput{Action: "pause", Reason: "nausea"},
	reflect.TypeFor[apiWasteInput](): apiWasteInput{WitnessUsername: "prescriber", WitnessPassword: "the witness's own password",
		Reason: "remainder of the drawn dose"},
	reflect.TypeFor[apiAdverseEventInput](): apiAdverseEventInput{Kind: session.Nausea, Severity: session.Mild,
		Action: "ondansetron 4 mg IV given", LateReason: "charted after an emergency at chair 3"},
	reflect.TypeFor[apiAldreteInput](): apiAldreteInput{Activity: ptr(2), Respiration: ptr(2), Circulation: ptr(2),
		Consciousness: ptr(2), OxygenSaturation: ptr(2)},
	reflect.TypeFor[apiDischargeFacts](): apiDischargeFacts{DriverPresent: true, AftercareGiven: true},
	// The answers may be true/false or "yes"/"no"; the type holds them raw.
	reflect.TypeFor[apiMedicationsInput](): map[string]any{"benzodiazepines": "no", "non_benzodiazepine_sedative_hypnotics": "no",
		"psychostimulants": "no", "maois": "no", "opioids": "yes"},
	reflect.TypeFor[apiDischargeInput](): apiDischargeInput{To: "discharged"},
	reflect.TypeFor[apiBookingInput]():   apiBookingInput{StartsAt: time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC), Mode: "video"},
	reflect.TypeFor[apiHeldInput]():      apiHeldInput{HeldAt: time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)},
	reflect.TypeFor[apiNoteInput]():      apiNoteInput{Text: "Talked through the images of the session and the grief they brought up."},
	reflect.TypeFor[apiAmendmentInput](): apiAmendmentInput{Text: "Talked through the images of the session, the grief and the relief.",
		Reason: "left out the relief she described"},
	reflect.TypeFor[apiSubmissionInput]():     apiSubmissionInput{Confirmation: "REMS-2611-0042"},
	reflect.TypeFor[apiREMSIncompleteInput](): apiREMSIncompleteInput{Reason: "the 40-minute BP was not taken: the cuff failed"},
}

// leaveOutUnset is an example as a client sends it: without the members
// it leaves unset (empty text, zero, false, null).
func leaveOutUnset(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var m any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	var drop func(any) any
	drop = func(v any) any {
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, e := range obj {
			switch e {
			case "", 0.0, false, nil, "0001-01-01T00:00:00Z":
				delete(obj, k)
				continue
			}
			obj[k] = drop(e)
			if sub, ok := obj[k].(map[string]any); ok && len(sub) == 0 {
				delete(obj, k)
			}
		}
		return obj
	}
	return drop(m)
}

var exampleTime = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func exampleDate(s string) ketaflow.Date {
	d, err := ketaflow.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func ptr[T any](v T) *T { return &v }

func ints(v ...int) []*int {
	out := make([]*int, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return out
}
