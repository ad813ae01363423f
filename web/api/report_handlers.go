package api

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) outcomesReport(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	rep, err := h.app.ClinicOutcomes(r.Context(), actor)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIOutcomesReport(rep))
	return nil
}

func (h *API) patientOutcomes(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	cs, rules, err := h.app.PatientOutcomes(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := apiPatientOutcomes{Rules: toAPIOutcomeRules(rules), CourseGrouping: courseGrouping, Courses: []apiCourseOutcome{}}
	for _, c := range cs {
		out.Courses = append(out.Courses, toAPICourseOutcome(c))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func writeCSV(w http.ResponseWriter, name string, rows [][]string) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) }

// RatesCSVHeader names the columns of the report's CSV (README).
var RatesCSVHeader = []string{"grouping", "group", "courses", "assessed", "responded", "response_pct", "response_ci95_low_pct",
	"response_ci95_high_pct", "remitted", "remission_pct", "remission_ci95_low_pct", "remission_ci95_high_pct"}

// RatesCSV is the report as rows, one per group: its counts, and its rates
// and intervals in percent (empty when nothing was assessed).
func RatesCSV(rep app.OutcomesReport) [][]string {
	rows := [][]string{RatesCSVHeader}
	rate := func(r app.Rate) []string {
		if !r.Defined {
			return []string{strconv.Itoa(r.Count), "", "", ""}
		}
		return []string{strconv.Itoa(r.Count), pct(float64(r.Count) / float64(r.Of)), pct(r.Interval.Low), pct(r.Interval.High)}
	}
	add := func(grouping string, g app.OutcomeGroup) {
		row := []string{grouping, g.Label, strconv.Itoa(g.Courses), strconv.Itoa(g.Response.Of)}
		rows = append(rows, append(append(row, rate(g.Response)...), rate(g.Remission)...))
	}
	add("all", rep.All)
	for _, gr := range rep.Groupings {
		for _, g := range gr.Groups {
			add(gr.ID, g)
		}
	}
	return rows
}

func (h *API) outcomesCSV(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	rep, err := h.app.ClinicOutcomes(r.Context(), actor)
	if err != nil {
		return err
	}
	return writeCSV(w, "outcomes-report.csv", RatesCSV(rep))
}

// CoursesCSVHeader names the columns of the per-course CSV (README).
var CoursesCSVHeader = []string{"patient_id", "mrn", "route", "sessions", "phq9_scores", "phq9_baseline", "phq9_baseline_at",
	"phq9_latest", "phq9_latest_at", "phq9_change", "gad7_baseline", "gad7_latest", "gad7_change", "assessed", "response",
	"remission", "sessions_to_first_response", "days_to_first_response", "relapse_at"}

// CoursesCSV is one row per course.
func CoursesCSV(cs []app.CourseOutcome) [][]string {
	rows := [][]string{CoursesCSVHeader}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	for _, c := range cs {
		t := toAPICourseOutcome(c)
		score := func(s *apiScore) (string, string) {
			if s == nil {
				return "", ""
			}
			return strconv.Itoa(s.Total), s.At.Format("2006-01-02T15:04:05Z")
		}
		num := func(p *int) string {
			if p == nil {
				return ""
			}
			return strconv.Itoa(*p)
		}
		bt, bat := score(t.PHQ9.Baseline)
		lt, lat := score(t.PHQ9.Latest)
		gb, _ := score(t.GAD7.Baseline)
		gl, _ := score(t.GAD7.Latest)
		var toSessions, toDays, relapse string
		if m := t.FirstResponse; m != nil {
			toSessions, toDays = strconv.Itoa(m.Sessions), strconv.Itoa(m.Days)
		}
		if m := t.Relapse; m != nil {
			relapse = m.At.Format("2006-01-02T15:04:05Z")
		}
		rows = append(rows, []string{t.PatientID, t.MRN, t.Route, strconv.Itoa(t.Sessions), strconv.Itoa(t.PHQ9.Scores), bt, bat, lt, lat,
			num(t.PHQ9.Change), gb, gl, num(t.GAD7.Change), yes(t.Assessed), yes(t.Response), yes(t.Remission), toSessions, toDays, relapse})
	}
	return rows
}

func (h *API) coursesCSV(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	cs, _, err := h.app.ClinicCourses(r.Context(), actor)
	if err != nil {
		return err
	}
	return writeCSV(w, "outcomes-courses.csv", CoursesCSV(cs))
}
