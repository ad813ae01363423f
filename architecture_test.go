package ketaflow_test

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The layers of ketaflow (docs/architecture.md), as rules on imports. A
// domain package holds the clinical rules in plain Go: it knows nothing of
// the services, the database or HTTP. The store knows the domain. The app
// knows the domain and the store, and nothing of HTTP. The HTTP layer knows
// the app and the domain, and never the store: what it shows comes from the
// app's views.

const module = "github.com/ketaflow/ketaflow"

// layer says which of ketaflow's own packages a package may not import
// (in its non-test files).
type layer struct {
	name      string
	match     func(pkg string) bool
	forbidden []string // package paths, or prefixes ending in "/"
}

var (
	domainPackages = []string{"", "/access", "/alerts", "/devices", "/hl7", "/audit", "/charting", "/patients", "/protocol", "/intake", "/vitals",
		"/visits", "/dosing", "/runsheet", "/session", "/discharge", "/outcomes", "/fhir", "/integration", "/reminders", "/checkin"}
	httpLayer = []string{"/web", "/web/api", "/web/ui"}
)

func in(list []string) func(string) bool {
	return func(pkg string) bool { return slices.Contains(list, strings.TrimPrefix(pkg, module)) }
}

var layers = []layer{
	{"domain", in(domainPackages), []string{"/app", "/store", "/web", "/web/", "/demo", "/cmd/"}},
	{"store", func(p string) bool { return strings.HasPrefix(p, module+"/store") }, []string{"/app", "/web", "/web/", "/demo", "/cmd/"}},
	{"app", in([]string{"/app"}), []string{"/web", "/web/", "/demo", "/cmd/", "/mail"}},
	// The SMTP client knows the messages (reminders) and nothing of the
	// services, the database or HTTP; the command hands it to the app.
	{"mail", in([]string{"/mail"}), []string{"/app", "/store", "/web", "/web/", "/demo", "/cmd/"}},
	{"http", in(httpLayer), []string{"/store", "/store/"}},
	// The MLLP listener is the HTTP layer's peer for monitors: it calls
	// the app, never the store.
	{"mllp", in([]string{"/mllp"}), []string{"/store", "/store/", "/web", "/web/"}},
}

func forbids(l layer, imp string) bool {
	rel, ok := strings.CutPrefix(imp, module)
	if !ok {
		return false
	}
	for _, f := range l.forbidden {
		if rel == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(rel, f)) {
			return true
		}
	}
	return false
}

// TestLayers reads every package's imports and fails on an import across a
// layer's boundary.
func TestLayers(t *testing.T) {
	t.Parallel()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		importPath := module
		if rel != "." {
			importPath += "/" + filepath.ToSlash(rel)
		}
		for _, l := range layers {
			if !l.match(importPath) {
				continue
			}
			seen[l.name] = true
			for _, imp := range pkg.Imports {
				if forbids(l, imp) {
					t.Errorf("%s (%s layer) imports %s", importPath, l.name, imp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if !seen[l.name] {
			t.Errorf("no package of the %s layer was found: the layer list is out of date", l.name)
		}
	}
}
