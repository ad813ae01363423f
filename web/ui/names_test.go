package ui_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestNamesWhereIDsWere: the pages name people where the records keep ids
// (issue 9's walk-through): the prescriber and therapist in a patient's
// history, the patient of each audit entry, and the patient of each
// ledger entry for a visit.
func TestNamesWhereIDsWere(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		p := f.PatientA
		if _, err := f.App.AmendPatient(ctx, f.Actor("nurse"), p.ID, p.Version, "care team assigned", func(r *patients.Record) error {
			r.PrescriberID, r.TherapistID = f.Users["prescriber"].ID, f.Users["therapist"].ID
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		_, doc := f.Login("nurse").Get("/patients/" + p.ID + "/history")
		changes := doc.Find(".changes").Text()
		for _, want := range []string{"Prescriber: Test prescriber", "Therapist: Test therapist"} {
			if !strings.Contains(changes, want) {
				t.Errorf("history says %q, want %q", changes, want)
			}
		}
		if strings.Contains(changes, f.Users["prescriber"].ID) {
			t.Errorf("history shows the prescriber's id: %q", changes)
		}

		visitID, _ := f.InSessionIV("Ledger Person")
		lot := ""
		nurse := f.Login("nurse")
		_, vdoc := nurse.Get("/visits/" + visitID)
		if href, ok := vdoc.Find(`#drug a[href^="/ledger/lots/"]`).Attr("href"); ok {
			lot = href
		}
		if lot == "" {
			t.Fatal("the visit's drug account links no lot")
		}
		for _, who := range []string{"nurse", "admin"} {
			_, ldoc := f.Login(who).Get(lot)
			var links []string
			ldoc.Find(`#entries a[href="/visits/` + visitID + `"], table a[href="/visits/` + visitID + `"]`).Each(func(_ int, s *goquery.Selection) {
				links = append(links, s.Text())
			})
			if len(links) == 0 {
				t.Fatalf("%s: the lot's entries link no visit", who)
			}
			for _, l := range links {
				if l != "Ledger Person" {
					t.Errorf("%s: a ledger entry for the visit says %q, want the patient's name", who, l)
				}
			}
		}

		_, adoc := f.Login("admin").Get("/admin/audit?patient_id=" + p.ID)
		cells := adoc.Find("#audit-list tbody td[data-label=Patient]")
		if cells.Length() == 0 {
			t.Fatal("no audit entries of the patient")
		}
		cells.Each(func(_ int, s *goquery.Selection) {
			if txt := s.Text(); !strings.Contains(txt, p.DisplayName()) || !strings.Contains(txt, p.MRN) {
				t.Errorf("audit patient cell %q, want the name and MRN", txt)
			}
		})
	})
}

// TestAuditLogPagesAndSearches: the audit log shows a page at a time,
// newest first, each page going on exactly where the last ended; it
// searches by a patient's name or MRN, a user and a time range, and says
// which field is wrong when a time is not one.
func TestAuditLogPagesAndSearches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		other, err := f.App.CreatePatient(ctx, f.Actor("nurse"), patients.Record{LegalName: "Quentin Auditson",
			BirthDate: f.PatientA.BirthDate, Sex: patients.Male, Phone: "+1 555 010 0177"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Enough reads for three pages.
		for range 60 {
			if _, err := f.App.Patient(ctx, f.Actor("nurse"), other.ID); err != nil {
				t.Fatal(err)
			}
		}
		admin := f.Login("admin")
		seqs := func(doc *goquery.Document) []string {
			return doc.Find("#audit-list tbody td[data-label='#']").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
		}
		_, doc := admin.Get("/admin/audit")
		first := seqs(doc)
		if len(first) != 50 {
			t.Fatalf("first page has %d entries, want 50", len(first))
		}
		older, ok := doc.Find("#audit-older").Attr("href")
		if !ok {
			t.Fatal("no link to older entries")
		}
		// A new entry written while paging does not move the next page.
		if _, err := f.App.Patient(ctx, f.Actor("nurse"), other.ID); err != nil {
			t.Fatal(err)
		}
		_, doc = admin.Get(older)
		second := seqs(doc)
		last, _ := strconv.Atoi(first[len(first)-1])
		if len(second) == 0 {
			t.Fatal("the second page is empty")
		}
		if n, _ := strconv.Atoi(second[0]); n != last-1 {
			t.Errorf("the second page starts at #%d; the first ended at #%d", n, last)
		}
		if doc.Find("#audit-newest").Length() != 1 {
			t.Error("an older page has no way back to the newest")
		}

		for _, q := range []string{"Auditson", "quentin", other.MRN} {
			_, doc = admin.Get("/admin/audit?patient=" + url.QueryEscape(q))
			rows := doc.Find("#audit-list tbody td[data-label=Patient]")
			if rows.Length() == 0 {
				t.Errorf("search %q found no entries", q)
			}
			rows.Each(func(_ int, s *goquery.Selection) {
				if !strings.Contains(s.Text(), "Quentin Auditson") {
					t.Errorf("search %q shows an entry of %q", q, s.Text())
				}
			})
		}
		_, doc = admin.Get("/admin/audit?patient=Nobody+Here")
		if doc.Find("#audit-list").Length() != 0 || !strings.Contains(doc.Find("#audit-patients").Text(), "No patient") {
			t.Error("a search matching no patient should say so and list nothing")
		}

		_, doc = admin.Get("/admin/audit?user=admin")
		doc.Find("#audit-list tbody td[data-label=Who]").Each(func(_ int, s *goquery.Selection) {
			if !strings.HasPrefix(s.Text(), "admin") {
				t.Errorf("user=admin shows an entry of %q", s.Text())
			}
		})

		now := f.Clock.Now().In(f.ClinicA.Location())
		from := now.Add(-time.Minute).Format("2006-01-02 15:04")
		_, doc = admin.Get("/admin/audit?from=" + url.QueryEscape(from) + "&user=nurse")
		if doc.Find("#audit-list tbody tr").Length() == 0 {
			t.Errorf("from %s finds none of the nurse's entries", from)
		}
		resp, doc := admin.Get("/admin/audit?from=" + url.QueryEscape("3pm yesterday"))
		if resp.StatusCode != 400 || !strings.Contains(doc.Find("#from-error").Text(), "24-hour") {
			t.Errorf("a bad from: %d %q", resp.StatusCode, doc.Find("#from-error").Text())
		}
	})
}
