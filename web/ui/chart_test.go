package ui_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestPatientPageChart: a clinician's patient page draws PHQ-9 and GAD-7
// over time and the session's vitals as SVG with a title, a description
// and a table of the same numbers, and lists the timeline; front desk's
// page has the visits and no clinical content.
func TestPatientPageChart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		id, _ := f.InSessionIV("Chart Page")
		pid := f.VisitScreen("nurse", id).Patient.ID
		resp, doc := f.Login("prescriber").Get("/patients/" + pid)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("patient page: %d", resp.StatusCode)
		}
		for _, instr := range []string{"phq9", "gad7"} {
			svg := doc.Find("#score-" + instr + " .wide svg.chart")
			if svg.Length() != 1 || svg.AttrOr("role", "") != "img" || svg.Find("title").Length() != 1 || svg.Find("desc").Length() != 1 {
				t.Errorf("%s: no accessible SVG chart", instr)
			}
			html, _ := goquery.OuterHtml(svg)
			if err := xml.Unmarshal([]byte(html), new(struct{})); err != nil {
				t.Errorf("%s: the SVG is not well-formed: %v", instr, err)
			}
			if n := doc.Find("#score-" + instr + "-table tbody tr").Length(); n != 1 {
				t.Errorf("%s: %d rows in the table of scores, want 1", instr, n)
			}
			if doc.Find("#chart-"+instr+"-narrow").Length() != 1 {
				t.Errorf("%s: no chart for a phone", instr)
			}
			if svg.Find("rect.band").Length() < 4 {
				t.Errorf("%s: severity bands not drawn", instr)
			}
		}
		phq := doc.Find("#chart-phq9")
		for _, want := range []string{"baseline 8", "response ≤ 4", "remission < 5"} {
			if !strings.Contains(phq.Text(), want) {
				t.Errorf("the PHQ-9 chart does not mark %q: %s", want, phq.Text())
			}
		}
		if got := doc.Find("#score-phq9-table tbody td").Eq(3).Text(); got != "baseline" {
			t.Errorf("the first score reads %q against the baseline", got)
		}
		bp := doc.Find("#bp-" + id)
		if bp.Length() != 1 || !strings.Contains(bp.Text(), "systolic > 200") || !strings.Contains(bp.Text(), "heart rate > 120") {
			t.Errorf("the session's blood pressure chart lacks its alert limits: %q", bp.Text())
		}
		if ox := doc.Find("#spo2-" + id); ox.Length() != 1 || !strings.Contains(ox.Text(), "SpO2 < 92%") {
			t.Errorf("the session's SpO2 chart lacks its limit")
		}
		if doc.Find("#vitals-"+id+"-table tbody tr").Length() == 0 {
			t.Errorf("no table of the session's readings")
		}
		var kinds []string
		doc.Find("#timeline-list tbody tr td:nth-child(2)").Each(func(_ int, s *goquery.Selection) { kinds = append(kinds, s.Text()) })
		for _, k := range []string{"Visit", "Score", "Order", "Dose"} {
			if !strings.Contains(strings.Join(kinds, " "), k) {
				t.Errorf("the timeline has no %s line: %v", k, kinds)
			}
		}

		_, doc = f.Login("frontdesk").Get("/patients/" + pid)
		if doc.Find("svg").Length() != 0 || doc.Find("#scores, #session-vitals").Length() != 0 {
			t.Errorf("front desk sees the charts")
		}
		rows := doc.Find("#timeline-list tbody tr")
		if rows.Length() != 1 || !strings.Contains(rows.Text(), "IV infusion visit") {
			t.Errorf("front desk's timeline: %q, want the visit only", rows.Text())
		}
	})
}

// TestWorklistPage: the nurse's list links the overdue check to the
// visit's vitals; the prescriber's has the order of a cleared visit;
// front desk has none, and no link to it.
func TestWorklistPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		id, _ := f.InSessionIV("Work Page")
		f.Clock.Advance(21 * time.Minute)
		resp, doc := f.Login("nurse").Get("/worklist")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("worklist: %d", resp.StatusCode)
		}
		link := doc.Find(`#work-vitals .work-item a[href="/visits/` + id + `#vitals"]`)
		if link.Length() == 0 || !strings.Contains(doc.Find("#work-vitals").Text(), "overdue") {
			t.Errorf("the nurse's list lacks the overdue check: %q", doc.Find("#worklist").Text())
		}
		if doc.Find(`nav a[href="/worklist"]`).Length() != 1 {
			t.Errorf("no My work link in the nurse's navigation")
		}
		_, doc = f.Login("prescriber").Get("/worklist")
		if doc.Find("#work-sign_order").Length() != 1 || doc.Find("#work-assess_risk").Length() != 1 {
			t.Errorf("the prescriber's list lacks its groups")
		}
		_, doc = f.Login("frontdesk").Get("/worklist")
		if doc.Find("#no-worklist").Length() != 1 || doc.Find(`nav a[href="/worklist"]`).Length() != 0 {
			t.Errorf("front desk: a worklist or its link")
		}
	})
}
