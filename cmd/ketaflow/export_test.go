package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/demo"
	"github.com/ketaflow/ketaflow/fhir"
	"github.com/ketaflow/ketaflow/fhir/fhirtest"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestExportFHIRWholeDemoClinic writes the demo clinic as Bulk Data files
// with the command, and checks every file against the official FHIR R4
// schema and every reference against the files' resources.
func TestExportFHIRWholeDemoClinic(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, d)
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			a := app.New(db, ketaflow.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err := a.EnsureProtocols(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := demo.Load(ctx, a, "America/New_York"); err != nil {
				t.Fatal(err)
			}
			db.Close()

			dir := t.TempDir()
			code, out := run(t, nil, "export", "fhir", "--db", dsn, "--out", dir)
			if code != 0 {
				t.Fatalf("export fhir: exit %d: %s", code, out)
			}
			if !strings.Contains(out, "Patient.ndjson") || !strings.Contains(out, "exported 1 of ") {
				t.Errorf("output does not show the progress and what was written:\n%s", out)
			}
			db, err = store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			exports := 0
			err = db.View(ctx, func(tx *store.Tx) error {
				cs, err := tx.Clinics()
				if err != nil {
					return err
				}
				return tx.EachAuditEntry(cs[0].ID, func(e audit.Entry) bool {
					if e.Action == "record.export" && e.Source == "cli" && strings.HasSuffix(e.Detail, " patients") {
						exports++
					}
					return true
				})
			})
			db.Close()
			if err != nil || exports != 1 {
				t.Errorf("%d audit entries of the export (%v), want 1", exports, err)
			}
			files, err := filepath.Glob(filepath.Join(dir, "*.ndjson"))
			if err != nil {
				t.Fatal(err)
			}
			var rs []fhir.Resource
			for _, file := range files {
				typ := strings.TrimSuffix(filepath.Base(file), ".ndjson")
				f, err := os.Open(file)
				if err != nil {
					t.Fatal(err)
				}
				sc := bufio.NewScanner(f)
				sc.Buffer(nil, 1<<24)
				for sc.Scan() {
					var head struct {
						ResourceType string `json:"resourceType"`
						ID           string `json:"id"`
					}
					line := append([]byte(nil), sc.Bytes()...)
					if err := json.Unmarshal(line, &head); err != nil {
						t.Fatal(err)
					}
					if head.ResourceType != typ {
						t.Errorf("a %s in %s", head.ResourceType, file)
					}
					rs = append(rs, fhir.Resource{Type: head.ResourceType, ID: head.ID, JSON: line})
				}
				f.Close()
			}
			count := map[string]int{}
			for _, r := range rs {
				count[r.Type]++
			}
			for _, typ := range []string{"Patient", "Practitioner", "Encounter", "Observation", "Questionnaire", "QuestionnaireResponse", "MedicationAdministration"} {
				if count[typ] == 0 {
					t.Errorf("no %s in the demo clinic's export: %v", typ, count)
				}
			}
			if n := count["Patient"]; !strings.Contains(out, fmt.Sprintf("exported %d of %d patients", n, n)) {
				t.Errorf("progress does not reach the %d patients:\n%s", n, out)
			}
			seen := map[string]bool{}
			for _, r := range rs {
				if k := r.Type + "/" + r.ID; seen[k] {
					t.Errorf("%s written twice", k)
				} else {
					seen[k] = true
				}
			}
			bad, err := fhir.Unresolved(rs, fhir.RelativeRefs)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) > 0 {
				t.Errorf("%d unresolved references, first %v", len(bad), bad[:min(len(bad), 5)])
			}
			fhirtest.Validate(t, files...)
		})
	}
}
