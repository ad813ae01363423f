package api

import (
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/outcomes"
)

// apiRate is a share of assessed courses: count of of, the rate, and its
// 95% Wilson interval (absent when of is 0).
type apiRate struct {
	Count int      `json:"count" jsonschema:"required"`
	Of    int      `json:"of" jsonschema:"required"`
	Rate  *float64 `json:"rate,omitempty"`
	Low   *float64 `json:"ci95_low,omitempty"`
	High  *float64 `json:"ci95_high,omitempty"`
}

func toAPIRate(r app.Rate) apiRate {
	out := apiRate{Count: r.Count, Of: r.Of}
	if r.Defined {
		rate, lo, hi := float64(r.Count)/float64(r.Of), r.Interval.Low, r.Interval.High
		out.Rate, out.Low, out.High = &rate, &lo, &hi
	}
	return out
}

type apiOutcomeGroup struct {
	Label     string  `json:"label" jsonschema:"required"`
	Courses   int     `json:"courses" jsonschema:"required"` // every course of the group; the rates count the assessed ones
	Response  apiRate `json:"response" jsonschema:"required"`
	Remission apiRate `json:"remission" jsonschema:"required"`
}

func toAPIOutcomeGroup(g app.OutcomeGroup) apiOutcomeGroup {
	return apiOutcomeGroup{Label: g.Label, Courses: g.Courses, Response: toAPIRate(g.Response), Remission: toAPIRate(g.Remission)}
}

type apiOutcomeGrouping struct {
	ID     string            `json:"id" jsonschema:"required"` // route, sessions, period
	Title  string            `json:"title" jsonschema:"required"`
	Groups []apiOutcomeGroup `json:"groups" jsonschema:"required"`
}

type apiOutcomeRules struct {
	ResponseDropPercent int `json:"response_drop_percent" jsonschema:"required"`
	RemissionPHQ9Below  int `json:"remission_phq9_below" jsonschema:"required"`
	RelapsePHQ9AtLeast  int `json:"relapse_phq9_at_least" jsonschema:"required"`
}

func toAPIOutcomeRules(r outcomes.Rules) apiOutcomeRules {
	return apiOutcomeRules{ResponseDropPercent: r.ResponseDropPercent, RemissionPHQ9Below: r.RemissionPHQ9Below, RelapsePHQ9AtLeast: r.RelapsePHQ9AtLeast}
}

// apiClaim is the patient guide's remission claim, shown beside the
// clinic's own rate.
type apiClaim struct {
	Low    float64 `json:"low" jsonschema:"required"`
	High   float64 `json:"high" jsonschema:"required"`
	Source string  `json:"source" jsonschema:"required"`
}

// apiOutcomesReport is GET /api/v1/reports/outcomes.
type apiOutcomesReport struct {
	Rules          apiOutcomeRules      `json:"rules" jsonschema:"required"`
	All            apiOutcomeGroup      `json:"all" jsonschema:"required"`
	Groupings      []apiOutcomeGrouping `json:"groupings" jsonschema:"required"`
	GuideRemission apiClaim             `json:"guide_remission" jsonschema:"required"`
	// CourseGrouping says what a course is until course records exist.
	CourseGrouping string `json:"course_grouping" jsonschema:"required"`
}

const courseGrouping = "patient and route: a patient's visits on one route are one course"

func toAPIOutcomesReport(r app.OutcomesReport) apiOutcomesReport {
	out := apiOutcomesReport{Rules: toAPIOutcomeRules(r.Rules), All: toAPIOutcomeGroup(r.All), Groupings: []apiOutcomeGrouping{},
		GuideRemission: apiClaim{Low: outcomes.GuideRemission.Low, High: outcomes.GuideRemission.High,
			Source: "patient guide: 50-70% remission with ketamine alone"},
		CourseGrouping: courseGrouping}
	for _, g := range r.Groupings {
		ag := apiOutcomeGrouping{ID: g.ID, Title: g.Title, Groups: []apiOutcomeGroup{}}
		for _, x := range g.Groups {
			ag.Groups = append(ag.Groups, toAPIOutcomeGroup(x))
		}
		out.Groupings = append(out.Groupings, ag)
	}
	return out
}

type apiScore struct {
	Total          int       `json:"total" jsonschema:"required"`
	At             time.Time `json:"at" jsonschema:"required"`
	SessionsBefore int       `json:"sessions_before" jsonschema:"required"`
}

type apiTrack struct {
	Scores   int       `json:"scores" jsonschema:"required"`
	Baseline *apiScore `json:"baseline,omitempty"`
	Latest   *apiScore `json:"latest,omitempty"`
	Change   *int      `json:"change,omitempty"` // latest minus baseline; absent with fewer than two scores
}

func toAPITrack(t outcomes.Track) apiTrack {
	out := apiTrack{Scores: t.Scores}
	if t.Scores > 0 {
		out.Baseline = &apiScore{Total: t.Baseline.Total, At: utcTime(t.Baseline.At), SessionsBefore: t.Baseline.SessionsBefore}
		out.Latest = &apiScore{Total: t.Latest.Total, At: utcTime(t.Latest.At), SessionsBefore: t.Latest.SessionsBefore}
	}
	if t.Assessed {
		c := t.Change()
		out.Change = &c
	}
	return out
}

type apiMilestone struct {
	Total    int       `json:"total" jsonschema:"required"`
	At       time.Time `json:"at" jsonschema:"required"`
	Sessions int       `json:"sessions" jsonschema:"required"` // sessions given since the baseline
	Days     int       `json:"days" jsonschema:"required"`     // whole days since the baseline
}

func toAPIMilestone(m *outcomes.Milestone) *apiMilestone {
	if m == nil {
		return nil
	}
	return &apiMilestone{Total: m.Score.Total, At: utcTime(m.Score.At), Sessions: m.Sessions, Days: m.Days}
}

// apiCourseOutcome is one course and what it achieved.
type apiCourseOutcome struct {
	PatientID      string        `json:"patient_id" jsonschema:"required"`
	MRN            string        `json:"mrn" jsonschema:"required"`
	Route          string        `json:"route" jsonschema:"required"`
	Sessions       int           `json:"sessions" jsonschema:"required"`
	Assessed       bool          `json:"assessed" jsonschema:"required"` // a baseline and a later PHQ-9: the course has an outcome
	PHQ9           apiTrack      `json:"phq9" jsonschema:"required"`
	GAD7           apiTrack      `json:"gad7" jsonschema:"required"`
	Response       bool          `json:"response" jsonschema:"required"`
	Remission      bool          `json:"remission" jsonschema:"required"`
	FirstResponse  *apiMilestone `json:"first_response,omitempty"`
	FirstRemission *apiMilestone `json:"first_remission,omitempty"`
	Relapse        *apiMilestone `json:"relapse,omitempty"`
}

func toAPICourseOutcome(c app.CourseOutcome) apiCourseOutcome {
	return apiCourseOutcome{PatientID: c.PatientID, MRN: c.MRN, Route: string(c.Route), Sessions: c.Sessions, Assessed: c.Assessed,
		PHQ9: toAPITrack(c.PHQ9), GAD7: toAPITrack(c.GAD7), Response: c.Response, Remission: c.Remission,
		FirstResponse: toAPIMilestone(c.FirstResponse), FirstRemission: toAPIMilestone(c.FirstRemission), Relapse: toAPIMilestone(c.Relapse)}
}

// apiPatientOutcomes is GET /api/v1/patients/{id}/outcomes.
type apiPatientOutcomes struct {
	Rules          apiOutcomeRules    `json:"rules" jsonschema:"required"`
	CourseGrouping string             `json:"course_grouping" jsonschema:"required"`
	Courses        []apiCourseOutcome `json:"courses" jsonschema:"required"`
}
