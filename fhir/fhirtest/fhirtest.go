// Package fhirtest checks FHIR output in tests: against the official FHIR
// R4 JSON schema, with an independent validator run by node, and for
// references that point nowhere.
package fhirtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// root is the repository's root, where package.json and node_modules are.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Validate runs fhir/testdata/validate.js over files (.json of one
// resource, .ndjson of one a line) and fails t with what it reports. It
// skips when node or the validator (npm install at the repository root) is
// absent.
func Validate(t *testing.T, files ...string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: FHIR schema validation needs it (and npm install at the repository root)")
	}
	dir := root()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@asymmetrik", "fhir-json-schema-validator")); err != nil {
		t.Skip("the FHIR schema validator is not installed: run npm install at the repository root")
	}
	args := append([]string{filepath.Join(dir, "fhir", "testdata", "validate.js")}, files...)
	out, err := exec.Command(node, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("FHIR R4 schema validation failed: %v\n%s", err, out)
	}
	t.Logf("FHIR R4 schema: %s", lastLine(out))
}

// Invalid runs the validator over files and fails t unless it rejects
// them: the check that Validate can fail.
func Invalid(t *testing.T, files ...string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: FHIR schema validation needs it")
	}
	dir := root()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@asymmetrik", "fhir-json-schema-validator")); err != nil {
		t.Skip("the FHIR schema validator is not installed: run npm install at the repository root")
	}
	args := append([]string{filepath.Join(dir, "fhir", "testdata", "validate.js")}, files...)
	out, err := exec.Command(node, args...).CombinedOutput()
	if err == nil {
		t.Fatalf("the validator accepted what it must refuse:\n%s", out)
	}
}

func lastLine(b []byte) string {
	s := string(b)
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}
