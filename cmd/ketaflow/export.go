package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow/fhir"
)

// exportFHIR writes a clinic's records as FHIR Bulk Data: one NDJSON file
// per resource type in --out (Patient.ndjson, Observation.ndjson, ...),
// each line one resource, references as Type/id.
func (c *cli) exportFHIR(ctx context.Context, args []string) error {
	fs, dsn := c.flags("export fhir", "Writes every patient of a clinic as FHIR R4 Bulk Data: one NDJSON file per resource type\n(Patient.ndjson, Observation.ndjson, ...) in --out, one resource a line, with progress on\nstandard error. The export is one entry of the audit log.")
	out := fs.String("out", "", "the directory to write the files into (made if missing; files in it of the same names are replaced)")
	clinicID := fs.String("clinic-id", "", "the clinic to export (ketaflow clinic list shows them); needed when the database holds several")
	clinicName := fs.String("clinic", "", "the clinic to export, by name")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(c.stderr, "export fhir: --out DIR is required")
		return errUsage
	}
	a, closeDB, err := c.open(ctx, *dsn, c.logger("warn"))
	if err != nil {
		return err
	}
	defer closeDB()
	cl, err := c.pickClinic(ctx, a, *clinicID, *clinicName)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fmt.Errorf("export fhir: %w", err)
	}
	files := map[string]*os.File{}
	writers := map[string]*bufio.Writer{}
	counts := map[string]int{}
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	defer closeAll()
	write := func(r fhir.Resource) error {
		w, ok := writers[r.Type]
		if !ok {
			f, err := os.OpenFile(filepath.Join(*out, r.Type+".ndjson"), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return fmt.Errorf("export fhir: %w", err)
			}
			files[r.Type], w = f, bufio.NewWriter(f)
			writers[r.Type] = w
		}
		counts[r.Type]++
		w.Write(r.JSON)
		return w.WriteByte('\n')
	}
	// Progress at most every second, and at the end.
	var last time.Time
	progress := func(done, total int) {
		if now := time.Now(); done == total || now.Sub(last) >= time.Second {
			last = now
			fmt.Fprintf(c.stderr, "\rexported %d of %d patients", done, total)
			if done == total {
				fmt.Fprintln(c.stderr)
			}
		}
	}
	n, err := a.ExportClinicFHIR(ctx, cl.ID, write, progress)
	if err != nil {
		return err
	}
	types := make([]string, 0, len(writers))
	for typ, w := range writers {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("export fhir: %w", err)
		}
		if err := files[typ].Close(); err != nil {
			return fmt.Errorf("export fhir: %w", err)
		}
		delete(files, typ)
		types = append(types, typ)
	}
	slices.Sort(types)
	fmt.Fprintf(c.stdout, "exported %d patients of %s to %s:\n", n, cl.Name, *out)
	for _, typ := range types {
		fmt.Fprintf(c.stdout, "  %s.ndjson  %d\n", typ, counts[typ])
	}
	return nil
}
