package fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/fhir/fhirtest"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

var t0 = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)

func id(n byte) string {
	return "0190c1f0-0000-7000-8000-0000000000" + string([]byte{'0' + n/10, '0' + n%10})
}

func score(t *testing.T, instrument string, answers []int) intake.Result {
	t.Helper()
	in, err := intake.InstrumentByID(instrument)
	if err != nil {
		t.Fatal(err)
	}
	r, err := intake.Score(in, answers)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fixture is a patient with one visit of each route and every kind of
// record: readings (one amended), a weight, PHQ-9 and GAD-7 (one amended by
// a nurse), an IV infusion, an IM injection and two Spravato devices.
func fixture(t *testing.T) Record {
	nurse, prescriber := id(1), id(2)
	pid := id(10)
	sedation := 5
	visit := func(n byte, r protocol.Route, s visits.State, day int) Visit {
		start := t0.AddDate(0, 0, day)
		v := Visit{Visit: visits.Visit{ID: id(n), PatientID: pid, Route: r, ScheduledAt: start, Minutes: 120, State: s}}
		if s != visits.Booked {
			v.Start = start
		}
		if s == visits.Discharged {
			v.End = start.Add(2 * time.Hour)
		}
		return v
	}
	return Record{
		ClinicID: id(99),
		Patient: patients.Patient{ID: pid, Record: patients.Record{MRN: "000042", LegalName: "Ada Lovelace", PreferredName: "Ada L",
			BirthDate: ketaflow.Date{Year: 1980, Month: 12, Day: 10}, Sex: patients.Female, Phone: "+1 555 0100",
			PrescriberID: prescriber}},
		Staff: []Staff{{ID: nurse, Name: "Nora Nurse"}, {ID: prescriber, Name: "Dr Pat Prescriber"}},
		Visits: []Visit{
			visit(20, protocol.IV, visits.Discharged, 0),
			visit(21, protocol.IM, visits.Discharged, 3),
			visit(22, protocol.Spravato, visits.Recovering, 6),
			visit(23, protocol.IV, visits.Booked, 9),
		},
		Readings: []vitals.Reading{
			{ID: id(30), VisitID: id(20), PatientID: pid, TakenAt: t0.Add(5 * time.Minute), TakenBy: nurse, Systolic: 128, Diastolic: 82,
				HeartRate: 74, SpO2: 98, RespiratoryRate: 14, Sedation: &sedation},
			{ID: id(31), VisitID: id(20), PatientID: pid, TakenAt: t0.Add(45 * time.Minute), TakenBy: nurse, Systolic: 142, Diastolic: 90,
				Amends: id(39), AmendReason: "cuff slipped"},
			{ID: id(32), VisitID: id(22), PatientID: pid, TakenAt: t0.AddDate(0, 0, 6), TakenBy: id(77), SpO2: 96},
		},
		Weights: []patients.Weight{{ID: id(40), PatientID: pid, KG: 64.5, MeasuredAt: t0.Add(-time.Hour), RecordedBy: nurse}},
		Responses: []Response{
			{ID: id(50), VisitID: id(20), Result: score(t, intake.PHQ9ID, []int{3, 3, 2, 2, 2, 2, 2, 2, 0}), SubmittedAt: t0.Add(-30 * time.Minute), Version: 1},
			{ID: id(51), VisitID: id(20), Result: score(t, intake.GAD7ID, []int{2, 2, 2, 1, 1, 1, 1}), SubmittedAt: t0.Add(-29 * time.Minute), Version: 2,
				EnteredBy: nurse},
			{ID: id(52), VisitID: id(21), Result: score(t, intake.PHQ9ID, []int{1, 1, 1, 1, 1, 1, 1, 1, 0}), SubmittedAt: t0.AddDate(0, 0, 3), Version: 1},
		},
		Doses: []Dose{
			{ID: id(60), VisitID: id(20), Route: protocol.IV, Start: t0.Add(10 * time.Minute), End: t0.Add(50 * time.Minute), Status: "completed", Mg: 32.3, By: nurse},
			{ID: id(61), VisitID: id(21), Route: protocol.IM, Start: t0.AddDate(0, 0, 3), Status: "completed", Mg: 32, Site: protocol.Deltoid, By: nurse},
			{ID: id(62), VisitID: id(22), Route: protocol.Spravato, Start: t0.AddDate(0, 0, 6), Status: "completed", Mg: 28, Device: 1, By: nurse},
			{ID: id(63), VisitID: id(22), Route: protocol.Spravato, Start: t0.AddDate(0, 0, 6).Add(5 * time.Minute), Status: "completed", Mg: 28, Device: 2, By: nurse},
		},
	}
}

func all(t *testing.T, rec Record, refs Refs) []Resource {
	t.Helper()
	rs, err := Resources(rec, refs)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Questionnaires()
	if err != nil {
		t.Fatal(err)
	}
	return append(rs, qs...)
}

func decode(t *testing.T, r Resource) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.JSON, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBundleValidatesAgainstTheR4Schema(t *testing.T) {
	rs := all(t, fixture(t), BundleRefs)
	b, err := Bundle(id(90), t0, rs)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.json")
	if err := os.WriteFile(bundle, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The same resources as Bulk Data lines, written with relative references.
	var nd bytes.Buffer
	for _, r := range all(t, fixture(t), RelativeRefs) {
		nd.Write(r.JSON)
		nd.WriteByte('\n')
	}
	lines := filepath.Join(dir, "all.ndjson")
	if err := os.WriteFile(lines, nd.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	fhirtest.Validate(t, bundle, lines)
}

// TestValidatorRefusesBrokenResources keeps the schema test honest: the
// validator does refuse what FHIR does not allow.
func TestValidatorRefusesBrokenResources(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"observation_without_status_and_code.json": `{"resourceType":"Observation","id":"x"}`,
		"empty_effective.json": `{"resourceType":"MedicationAdministration","id":"x","status":"completed",
			"medicationCodeableConcept":{"text":"ketamine"},"subject":{"reference":"Patient/p"},"effectiveDateTime":""}`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { fhirtest.Invalid(t, p) })
	}
}

func TestEveryReferenceResolves(t *testing.T) {
	for name, refs := range map[string]Refs{"bundle": BundleRefs, "bulk": RelativeRefs} {
		t.Run(name, func(t *testing.T) {
			rs := all(t, fixture(t), refs)
			bad, err := Unresolved(rs, refs)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) > 0 {
				t.Errorf("unresolved references:\n%v", bad)
			}
			// Without the patient and the questionnaires, they point nowhere.
			rest := slices.DeleteFunc(slices.Clone(rs), func(r Resource) bool { return r.Type == "Patient" || r.Type == "Questionnaire" })
			bad, err = Unresolved(rest, refs)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) < len(rest)-2 {
				t.Errorf("only %d unresolved references without the patient, want nearly every resource's", len(bad))
			}
		})
	}
}

// coded is an Observation's code and value as a test reads them.
type coded struct {
	Codes []string
	Unit  string // UCUM code of the value
	Value float64
}

func codesOf(m map[string]any) []string {
	var out []string
	for _, c := range m["coding"].([]any) {
		c := c.(map[string]any)
		out = append(out, c["system"].(string)+"|"+c["code"].(string))
	}
	return out
}

func TestObservationCodesAndUnits(t *testing.T) {
	var got []coded
	var bp []coded
	for _, r := range all(t, fixture(t), BundleRefs) {
		if r.Type != "Observation" {
			continue
		}
		m := decode(t, r)
		c := coded{Codes: codesOf(m["code"].(map[string]any))}
		if q, ok := m["valueQuantity"].(map[string]any); ok {
			if q["system"] != UCUM {
				t.Errorf("%s: unit system %v, want UCUM", r.ID, q["system"])
			}
			c.Unit, c.Value = q["code"].(string), q["value"].(float64)
		}
		comps, _ := m["component"].([]any)
		for _, comp := range comps {
			comp := comp.(map[string]any)
			q := comp["valueQuantity"].(map[string]any)
			bp = append(bp, coded{Codes: codesOf(comp["code"].(map[string]any)), Unit: q["code"].(string), Value: q["value"].(float64)})
		}
		got = append(got, c)
	}
	l := func(code string) string { return LOINC + "|" + code }
	want := []coded{
		{Codes: []string{l("85354-9")}},                         // BP panel, values in components
		{Codes: []string{l("8867-4")}, Unit: "/min", Value: 74}, // heart rate
		{Codes: []string{l("59408-5"), l("2708-6")}, Unit: "%", Value: 98},
		{Codes: []string{l("9279-1")}, Unit: "/min", Value: 14}, // respiratory rate
		{Codes: []string{l("85354-9")}},                         // the amended reading
		{Codes: []string{l("59408-5"), l("2708-6")}, Unit: "%", Value: 96},
		{Codes: []string{l("29463-7")}, Unit: "kg", Value: 64.5},    // body weight
		{Codes: []string{l("44261-6")}, Unit: "{score}", Value: 18}, // PHQ-9 total
		{Codes: []string{l("70274-6")}, Unit: "{score}", Value: 10}, // GAD-7 total
		{Codes: []string{l("44261-6")}, Unit: "{score}", Value: 8},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("observations mismatch (-want +got):\n%s", diff)
	}
	wantBP := []coded{
		{Codes: []string{l("8480-6")}, Unit: "mm[Hg]", Value: 128}, {Codes: []string{l("8462-4")}, Unit: "mm[Hg]", Value: 82},
		{Codes: []string{l("8480-6")}, Unit: "mm[Hg]", Value: 142}, {Codes: []string{l("8462-4")}, Unit: "mm[Hg]", Value: 90},
	}
	if diff := cmp.Diff(wantBP, bp); diff != "" {
		t.Errorf("blood pressure components mismatch (-want +got):\n%s", diff)
	}
}

func TestMedicationAdministrations(t *testing.T) {
	type dose struct {
		Med, Route, Unit string
		Mg               float64
		Period           bool
	}
	var got []dose
	for _, r := range all(t, fixture(t), BundleRefs) {
		if r.Type != "MedicationAdministration" {
			continue
		}
		m := decode(t, r)
		if _, both := m["medicationReference"]; both {
			t.Errorf("%s has medicationReference beside medicationCodeableConcept", r.ID)
		}
		_, period := m["effectivePeriod"]
		_, at := m["effectiveDateTime"]
		if period == at {
			t.Errorf("%s: effectivePeriod %v and effectiveDateTime %v, want exactly one", r.ID, period, at)
		}
		dg := m["dosage"].(map[string]any)
		q := dg["dose"].(map[string]any)
		got = append(got, dose{Med: codesOf(m["medicationCodeableConcept"].(map[string]any))[0],
			Route: codesOf(dg["route"].(map[string]any))[0], Unit: q["code"].(string), Mg: q["value"].(float64), Period: period})
	}
	rx := func(c string) string { return RxNorm + "|" + c }
	sct := func(c string) string { return SNOMED + "|" + c }
	want := []dose{
		{rx("6130"), sct("47625008"), "mg", 32.3, true},
		{rx("6130"), sct("78421000"), "mg", 32, false},
		{rx("2201623"), sct("46713006"), "mg", 28, false},
		{rx("2201623"), sct("46713006"), "mg", 28, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("doses mismatch (-want +got):\n%s", diff)
	}
}

func TestQuestionnaireResponses(t *testing.T) {
	rs := all(t, fixture(t), BundleRefs)
	qs := map[string]map[string]any{}
	for _, r := range rs {
		if r.Type == "Questionnaire" {
			m := decode(t, r)
			qs[m["url"].(string)] = m
			if codes := codesOf(map[string]any{"coding": m["code"]}); len(codes) != 1 {
				t.Errorf("questionnaire %v codes %v", m["title"], codes)
			}
			for _, it := range m["item"].([]any) {
				for _, o := range it.(map[string]any)["answerOption"].([]any) {
					if len(o.(map[string]any)) != 1 {
						t.Errorf("answer option %v has more than its coding", o)
					}
				}
			}
		}
	}
	var statuses []string
	for _, r := range rs {
		if r.Type != "QuestionnaireResponse" {
			continue
		}
		m := decode(t, r)
		q, ok := qs[m["questionnaire"].(string)]
		if !ok {
			t.Fatalf("%s answers no questionnaire of the export", r.ID)
		}
		items := m["item"].([]any)
		if len(items) != len(q["item"].([]any)) {
			t.Errorf("%s: %d items, its questionnaire has %d", r.ID, len(items), len(q["item"].([]any)))
		}
		first := items[0].(map[string]any)["answer"].([]any)[0].(map[string]any)["valueCoding"].(map[string]any)
		statuses = append(statuses, m["status"].(string)+" "+first["code"].(string)+" "+m["author"].(map[string]any)["type"].(string))
	}
	want := []string{"completed LA6571-9 Patient", "amended LA6570-1 Practitioner", "completed LA6569-3 Patient"}
	if diff := cmp.Diff(want, statuses); diff != "" {
		t.Errorf("responses mismatch (-want +got):\n%s", diff)
	}
}

func TestEncounterStatusCoversEveryState(t *testing.T) {
	for _, s := range visits.States {
		if got := EncounterStatus(s).Code(); got == "unknown" || got == "<unknown>" {
			t.Errorf("state %s has no encounter status", s)
		}
	}
}

func TestSameRecordSameIDs(t *testing.T) {
	a, b := all(t, fixture(t), BundleRefs), all(t, fixture(t), BundleRefs)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two exports of one record differ:\n%s", diff)
	}
}
