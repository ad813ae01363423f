package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
)

// Finding 1 of issue 13: the admin read clinical content through the audit
// log (PHQ-9 scores, the item-9 alert, vitals, doses, weights, risk plans,
// adverse events). An entry names what was done to which record; the values
// stay in the clinical record. auditHoldsNoClinicalValues scans every entry
// that the write cases left (every write endpoint, an IV and a Spravato
// visit from booking to discharge and the REMS form), in the store, through
// GET /api/v1/audit and on the admin's /admin/audit page.

// clinicalValue matches what only the clinical record may hold: a dose,
// volume, rate or weight with its unit, a blood pressure, a score out of
// its maximum, and the words of readings, scores, alerts, assessments and
// adverse events.
var clinicalValue = regexp.MustCompile(`(?i)\b\d+(\.\d+)?\s*(mg|ml|kg|mmhg|ml/h|mg/kg|%)(\b|\s|$)|\b\d{2,3}/\d{2,3}\b|\b\d+ of \d+\b|` +
	`phq-9|gad-7|item 9|\bscore \d|\bbands?\b|\b(minimal|mild|moderate|severe)\b|\b(low|medium|moderate|high|imminent) risk\b|\bplan\b|spo2|heart rate|blood pressure|\bbp\b|\bhr \d|` +
	`sedation|moaa|dissociat|aldrete \d|nausea|vomit|anxiety|agitation|hypertension|respiratory|emergence|suicid|self-harm|` +
	`thoughts of death|high on|low on|out of limits`)

// freeText collects the sentences a request body carries (a reason, a
// plan, a note): strings of 20 characters or more with a space.
func freeText(body any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if len(v) >= 20 && strings.Contains(v, " ") {
				out = append(out, v)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case []map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(body)
	return out
}

// leak says what clinical content a text holds, "" when none.
func (w *writeWorld) leak(text string) string {
	if m := clinicalValue.FindString(text); m != "" {
		return fmt.Sprintf("%q", m)
	}
	for _, s := range w.sentences {
		if strings.Contains(text, s) {
			return fmt.Sprintf("the free text %q", s)
		}
	}
	return ""
}

// adminReads reports whether the admin reads a category's records anyway.
func adminReads(category string) bool {
	return category == access.CatControlled || category == access.CatProtocol
}

func (w *writeWorld) auditHoldsNoClinicalValues() {
	t := w.t
	t.Helper()
	// The controlled-substance ledger is the admin's to read (access:
	// LedgerRead), quantities and all, and so is the protocol (its limits
	// are the clinic's rules, no patient's values): neither is clinical
	// content the admin could not otherwise see.
	skip := func(e audit.Entry) bool { return adminReads(e.Category) }

	var all []audit.Entry
	if err := w.db.View(context.Background(), func(tx *store.Tx) error {
		return tx.EachAuditEntry(w.f.ClinicA.ID, func(e audit.Entry) bool { all = append(all, e); return true })
	}); err != nil {
		t.Fatal(err)
	}
	if len(all) < 100 {
		t.Fatalf("only %d audit entries: the cases did not run", len(all))
	}
	leaks := 0
	for _, e := range all {
		if skip(e) {
			continue
		}
		if l := w.leak(e.Detail); l != "" {
			leaks++
			if leaks <= 25 {
				t.Errorf("audit entry %d (%s, %s) holds %s: %q", e.Seq, e.Action, e.Category, l, e.Detail)
			}
		}
	}
	if leaks > 25 {
		t.Errorf("... and %d more entries with clinical content", leaks-25)
	}

	// What the admin reads: the API, every page of it, and each patient's.
	patients := map[string]bool{}
	for _, e := range all {
		if e.PatientID != "" {
			patients[e.PatientID] = true
		}
	}
	queries := []string{"/api/v1/audit?limit=1000"}
	for id := range patients {
		queries = append(queries, "/api/v1/audit?limit=1000&patient_id="+id)
	}
	for _, q := range queries {
		var page struct {
			Entries []struct {
				Seq      int64  `json:"seq"`
				Action   string `json:"action"`
				Category string `json:"category"`
				Detail   string `json:"detail"`
			} `json:"entries"`
		}
		w.f.must(http.StatusOK, "admin", "GET", q, nil, &page)
		if len(page.Entries) == 0 {
			t.Errorf("%s: no entries", q)
		}
		for _, e := range page.Entries {
			if adminReads(e.Category) {
				continue
			}
			if l := w.leak(e.Detail); l != "" {
				t.Errorf("%s: entry %d (%s) shows the admin %s: %q", q, e.Seq, e.Action, l, e.Detail)
			}
		}
	}
	b := w.f.Login("admin")
	for id := range patients {
		_, doc := b.Get("/admin/audit?patient_id=" + id)
		rows := doc.Find("table tbody tr")
		if rows.Length() == 0 {
			t.Errorf("/admin/audit?patient_id=%s lists no entries", id)
		}
		for i := range rows.Length() {
			row := rows.Eq(i)
			text := strings.Join(strings.Fields(row.Text()), " ")
			if strings.Contains(text, access.CatControlled) || strings.Contains(text, " "+access.CatProtocol+" ") {
				continue
			}
			if l := w.leak(text); l != "" {
				t.Errorf("/admin/audit?patient_id=%s shows the admin %s: %q", id, l, text)
			}
		}
	}
}
