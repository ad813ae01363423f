package runsheet

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/ketaflow/ketaflow"
)

// Title is the sheet's heading.
const Title = "Downtime run sheet of the floor"

// Layout in mm (A4 landscape).
const (
	margin     = 12.0
	line       = 4.6
	chartRows  = 6 // empty rows per patient to chart on by hand
	chartRowH  = 6.5
	blockGap   = 4.0
	infoColumn = 0.42 // share of the width for who and what
)

// RenderPDF prints the sheet: a block per patient, as many as fit on each
// A4 landscape page, each with the facts on the left, the alerts and what
// is due on the right, and empty rows to chart readings by hand below. It
// uses fpdf's core fonts (Windows-1252); a character they cannot print
// becomes a dot rather than stopping a printout needed in an outage. The
// same sheet gives the same bytes.
func RenderPDF(s Sheet) ([]byte, error) {
	pdf := fpdf.New("L", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetCompression(false)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(s.At)
	pdf.SetModificationDate(s.At)
	pdf.SetTitle(Title, true)
	pdf.SetAuthor(s.Clinic, true)
	pdf.SetCreator("ketaflow", false)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, margin)
	pdf.AliasNbPages("{nb}")
	width, height := pdf.GetPageSize()
	content := width - 2*margin
	pdf.SetFooterFunc(func() {
		pdf.SetY(-margin + 2)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		foot := fmt.Sprintf("%s · printed by %s at %s · times in the clinic's zone", s.Clinic, s.By, stamp(s.At))
		if s.Marking != "" {
			foot = s.Marking + " · " + foot
		}
		pdf.CellFormat(content*0.8, 4, tr(foot), "", 0, "L", false, 0, "")
		pdf.CellFormat(content*0.2, 4, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	header := func() {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "B", 14)
		pdf.CellFormat(content*0.65, 7, tr(Title+": "+s.Clinic), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		pdf.CellFormat(content*0.35, 7, tr("as at "+stamp(s.At)), "", 1, "R", false, 0, "")
		if s.Marking != "" {
			pdf.SetFont("Helvetica", "B", 10)
			pdf.SetTextColor(170, 20, 20)
			pdf.CellFormat(content, 6, tr(s.Marking), "1", 1, "L", false, 0, "")
			pdf.SetTextColor(0, 0, 0)
		}
		pdf.SetFont("Helvetica", "", 8.5)
		pdf.SetTextColor(70, 70, 70)
		pdf.MultiCell(content, 4, tr("Chart on this sheet while ketaflow is down, then enter each reading, dose and event "+
			"in ketaflow with the time it happened and the reason \"entered after downtime\"."), "", "L", false)
		pdf.SetTextColor(0, 0, 0)
		pdf.Ln(2)
	}
	header()
	if len(s.Rows) == 0 {
		pdf.SetFont("Helvetica", "", 11)
		pdf.CellFormat(content, 8, tr("No patient is on the floor."), "", 1, "L", false, 0, "")
	}
	left := content * infoColumn
	right := content - left
	for _, r := range s.Rows {
		facts, notes := r.facts(), r.notes(s.At)
		lines := max(len(facts), len(notes))
		h := 6 + float64(lines+1)*line + (chartRows+1)*chartRowH + blockGap
		if pdf.GetY()+h > height-margin-4 {
			header()
		}
		pdf.SetFillColor(232, 232, 232)
		pdf.SetFont("Helvetica", "B", 11)
		chair := r.Chair
		if chair == "" {
			chair = "No chair"
		}
		title := chair + ": " + r.Patient
		pdf.CellFormat(content, 6, tr(title), "", 1, "L", true, 0, "")
		y := pdf.GetY()
		pdf.SetFont("Helvetica", "", 9)
		for i, f := range facts {
			pdf.SetXY(margin, y+float64(i)*line)
			pdf.CellFormat(left, line, tr(f), "", 0, "L", false, 0, "")
		}
		for i, n := range notes {
			pdf.SetXY(margin+left, y+float64(i)*line)
			if strings.HasPrefix(n, "OVERDUE") || strings.HasPrefix(n, "ALERT") {
				pdf.SetFont("Helvetica", "B", 9)
			}
			pdf.CellFormat(right, line, tr(n), "", 0, "L", false, 0, "")
			pdf.SetFont("Helvetica", "", 9)
		}
		// The dose is long: it has the width of the page.
		pdf.SetXY(margin, y+float64(lines)*line)
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(content, line, tr(r.doseLine()), "", 1, "L", false, 0, "")
		pdf.SetY(pdf.GetY() + 1)
		chartGrid(pdf, tr, content)
		pdf.Ln(blockGap)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, ketaflow.Internal("render downtime sheet PDF", err)
	}
	return buf.Bytes(), nil
}

// chartColumns are the empty grid's columns and their shares of the width.
var chartColumns = []struct {
	title string
	share float64
}{{"Time", 0.08}, {"BP (mmHg)", 0.11}, {"HR (/min)", 0.08}, {"SpO2 (%)", 0.08}, {"RR (/min)", 0.08},
	{"MOAA/S", 0.07}, {"Dose / device / event", 0.32}, {"Initials", 0.18}}

func chartGrid(pdf *fpdf.Fpdf, tr func(string) string, content float64) {
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetFont("Helvetica", "B", 8)
	for _, c := range chartColumns {
		pdf.CellFormat(content*c.share, chartRowH, tr(c.title), "1", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
	for range chartRows {
		for _, c := range chartColumns {
			pdf.CellFormat(content*c.share, chartRowH, "", "1", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
	}
}

// facts are the left column: who, the route, the dose.
func (r Row) facts() []string {
	id := "MRN " + r.MRN
	if r.BirthDate != "" {
		id += " · born " + r.BirthDate
	}
	out := []string{id}
	allergies := r.Allergies
	if allergies == "" {
		allergies = "none recorded"
	}
	out = append(out, "Allergies: "+allergies, r.Route+" · "+r.State)
	if r.FirstDoseAt != nil {
		out = append(out, "First dose at "+clock(*r.FirstDoseAt))
	} else {
		out = append(out, "First dose: not given")
	}
	if v := r.Latest; v != nil {
		out = append(out, "Latest vitals at "+clock(v.At)+": "+v.words())
	} else {
		out = append(out, "Latest vitals: none recorded")
	}
	return out
}

// doseLine is the order, or that there is none yet.
func (r Row) doseLine() string {
	if r.Dose == "" {
		return "Dose: no order yet"
	}
	return "Dose: " + r.Dose
}

// notes are the right column: the open alerts, then what is due.
func (r Row) notes(now time.Time) []string {
	var out []string
	for _, a := range r.Alerts {
		out = append(out, fmt.Sprintf("ALERT (%s) %s, since %s", a.Severity, a.Title, clock(a.Since)))
	}
	coming := Coming(r.Due, now)
	for _, d := range coming {
		if d.Overdue {
			out = append(out, "OVERDUE "+d.What+", due "+clock(d.At))
		} else {
			out = append(out, "Due "+clock(d.At)+": "+d.What)
		}
	}
	if len(r.Alerts) == 0 {
		out = append([]string{"No open alert"}, out...)
	}
	if len(coming) == 0 {
		out = append(out, "Nothing due in the next hour")
	}
	return out
}

func (v Vitals) words() string {
	var parts []string
	if v.Systolic > 0 {
		parts = append(parts, fmt.Sprintf("BP %d/%d", v.Systolic, v.Diastolic))
	}
	if v.HeartRate > 0 {
		parts = append(parts, fmt.Sprintf("HR %d", v.HeartRate))
	}
	if v.SpO2 > 0 {
		parts = append(parts, fmt.Sprintf("SpO2 %d%%", v.SpO2))
	}
	if v.RespRate > 0 {
		parts = append(parts, fmt.Sprintf("RR %d", v.RespRate))
	}
	return strings.Join(parts, " · ")
}

func clock(t time.Time) string { return t.Format("15:04") }

func stamp(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }
