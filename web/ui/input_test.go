package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestFormWithInvalidUTF8IsRefusedNamingTheField (issue 13, finding 12): a
// form value that is not UTF-8 is no text anyone typed; it is refused with
// a 400 naming the field, and nothing is stored.
func TestFormWithInvalidUTF8IsRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		b := f.Login("nurse")
		before, err := f.App.SearchPatients(context.Background(), f.Actor("nurse"), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		resp, doc := b.PostDoc("/patients", url.Values{"legal_name": {"Ana \xff\xfe Ruiz"}, "birth_date": {"1990-02-03"},
			"sex": {"female"}, "phone": {"+1 555 010 0199"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("invalid UTF-8 in legal_name: got %d, want 400", resp.StatusCode)
		}
		if msg := doc.Find(".problem, main").Text(); !strings.Contains(msg, "legal_name") || !strings.Contains(msg, "UTF-8") {
			t.Errorf("the refusal %q does not name the field and the rule", strings.TrimSpace(msg))
		}
		after, err := f.App.SearchPatients(context.Background(), f.Actor("nurse"), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Errorf("%d patients after the refused form, want %d", len(after), len(before))
		}
		// In a query too.
		if resp, _ := b.Get("/patients?q=%ff"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("invalid UTF-8 in the search: got %d, want 400", resp.StatusCode)
		}
	})
}

// TestFormsHaveTheAPIsBodyLimit (issue 13, finding 12): one body limit,
// 1 MiB, for forms as for JSON (Go's form parser would take 10 MB).
func TestFormsHaveTheAPIsBodyLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		b := f.Login("nurse")
		big := strings.Repeat("x", 2<<20)
		resp, doc := b.PostDoc("/login", url.Values{"username": {"nurse"}, "password": {big}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(doc.Text(), "at most 1 MiB") {
			t.Errorf("a 2 MiB form: got %d %q, want 400 naming the limit", resp.StatusCode, strings.TrimSpace(doc.Find(".problem, main").Text()))
		}
		// Just under the limit is read.
		resp, _ = b.PostDoc("/login", url.Values{"username": {"nurse"}, "password": {strings.Repeat("x", 1<<19)}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a 512 KiB form: got %d, want 401 (read, and the wrong password)", resp.StatusCode)
		}
	})
}

// TestPatientSearchIsBoundedNamingTheField (issue 13, finding 9): a search
// of 999 words was a 500 (the query grew a condition per word); it is a
// 400 on the search box, and a search of a name still works.
func TestPatientSearchIsBoundedNamingTheField(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		b := f.Login("frontdesk")
		resp, doc := b.Get("/patients?q=" + url.QueryEscape(strings.TrimSpace(strings.Repeat("a ", 999))))
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("999 words: got %d, want 400", resp.StatusCode)
		}
		if msg := doc.Find("#search-error").Text(); !strings.Contains(msg, "at most 8 words and 100 characters") {
			t.Errorf("the refusal %q does not say the rule", msg)
		}
		if resp, doc := b.Get("/patients?q=maria+alvarez"); resp.StatusCode != http.StatusOK || doc.Find("#patient-list tbody tr").Length() != 1 {
			t.Errorf("a name: got %d and %d rows, want 200 and the patient", resp.StatusCode, doc.Find("#patient-list tbody tr").Length())
		}
	})
}
