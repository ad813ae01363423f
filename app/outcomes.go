package app

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/outcomes"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// CourseOutcome is one course's outcome with whose and which it is.
//
// Until courses exist, a "course" is a patient's visits on one route: the
// grouping must move to the course records when they land.
type CourseOutcome struct {
	PatientID string
	MRN       string // set where the reader may see the patient (ClinicCourses, PatientOutcomes)
	Route     protocol.Route
	Sessions  int // sessions given (visits that reached dosing)
	outcomes.Outcome
}

// Rate is a share of courses with its count and 95% Wilson interval, so
// that a group of 4 reads as small.
type Rate struct {
	Count, Of int
	Interval  outcomes.Interval
	Defined   bool // false when Of is 0
}

func rateOf(count, of int) Rate {
	iv, ok := outcomes.Wilson(count, of)
	return Rate{Count: count, Of: of, Interval: iv, Defined: ok}
}

// OutcomeGroup is the response and remission of one group of assessed
// courses (those with a baseline and a later PHQ-9).
type OutcomeGroup struct {
	Label     string
	Courses   int // every course of the group, assessed or not
	Response  Rate
	Remission Rate
}

// OutcomeGrouping is the courses split one way (by route, by sessions
// given, by period), in display order.
type OutcomeGrouping struct {
	ID     string // "route", "sessions", "period"
	Title  string
	Groups []OutcomeGroup
}

// OutcomesReport is the clinic's figures: the rates of all courses and of
// each grouping, and (for the clinical roles) every course they count.
type OutcomesReport struct {
	Rules     outcomes.Rules
	All       OutcomeGroup
	Groupings []OutcomeGrouping
	Courses   []CourseOutcome
}

// reachedDosing reports whether a visit in state s reached dosing: a session was
// given.
func reachedDosing(s visits.State) bool {
	switch s {
	case visits.Dosing, visits.InSession, visits.Recovering, visits.ReadyForDischarge, visits.Discharged, visits.StoppedEarly:
		return true
	}
	return false
}

// ClinicOutcomes reads every course of the clinic and judges it by the
// current protocol's rules, in one read with one audit entry. It holds
// counts and rates, no patient's scores, for every role that reads reports.
func (a *App) ClinicOutcomes(ctx context.Context, actor access.Actor) (OutcomesReport, error) {
	var rep OutcomesReport
	var loc *time.Location
	err := a.view(ctx, actor, op{Action: access.ReportRead, Category: access.CatQuestionnaire},
		func(tx *store.Tx, o *op) error {
			pv, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			rep.Rules = outcomes.RulesOf(pv.Rules.Integration)
			clinic, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			loc = clinic.Location()
			ps, err := tx.Patients(actor.ClinicID, store.PatientQuery{})
			if err != nil {
				return err
			}
			for _, p := range ps {
				cs, err := patientCourses(tx, actor.ClinicID, p.ID, rep.Rules)
				if err != nil {
					return err
				}
				rep.Courses = append(rep.Courses, cs...)
			}
			return nil
		})
	if err != nil {
		return OutcomesReport{}, err
	}
	rep.All = group("All courses", rep.Courses)
	rep.Groupings = groupings(rep.Courses, loc)
	if !Sees(actor.Role, PartClinicalRecord) {
		// Admins see the rates, not the courses they are made of.
		rep.Courses = nil
	}
	return rep, nil
}

// groupings splits the courses by route, by sessions given and by the
// quarter of their baseline (in the clinic's zone). A group with no course
// is left out, but for the routes, which are always shown.
func groupings(cs []CourseOutcome, loc *time.Location) []OutcomeGrouping {
	byRoute := OutcomeGrouping{ID: "route", Title: "By route"}
	for _, r := range protocol.Routes {
		in := slices.DeleteFunc(slices.Clone(cs), func(c CourseOutcome) bool { return c.Route != r })
		byRoute.Groups = append(byRoute.Groups, group(r.Label(), in))
	}
	bySessions := OutcomeGrouping{ID: "sessions", Title: "By sessions given"}
	for _, b := range sessionBands {
		in := slices.DeleteFunc(slices.Clone(cs), func(c CourseOutcome) bool { return c.Sessions < b.min || c.Sessions > b.max })
		if len(in) > 0 {
			bySessions.Groups = append(bySessions.Groups, group(b.label, in))
		}
	}
	byPeriod := OutcomeGrouping{ID: "period", Title: "By quarter of the baseline"}
	var quarters []string
	of := map[string][]CourseOutcome{}
	for _, c := range cs {
		if c.PHQ9.Scores == 0 {
			continue
		}
		t := c.PHQ9.Baseline.At.In(loc)
		q := fmt.Sprintf("%d Q%d", t.Year(), (int(t.Month())+2)/3)
		if _, ok := of[q]; !ok {
			quarters = append(quarters, q)
		}
		of[q] = append(of[q], c)
	}
	slices.Sort(quarters)
	for _, q := range quarters {
		byPeriod.Groups = append(byPeriod.Groups, group(q, of[q]))
	}
	return []OutcomeGrouping{byRoute, bySessions, byPeriod}
}

// sessionBands are the groups by sessions given: an induction course is 6
// to 8 sessions (protocol integration.course_sessions), so the bands part
// an unfinished course from a full one and a longer one.
var sessionBands = []struct {
	label    string
	min, max int
}{{"0 to 3 sessions", 0, 3}, {"4 to 6 sessions", 4, 6}, {"7 or more sessions", 7, math.MaxInt}}

func group(label string, cs []CourseOutcome) OutcomeGroup {
	g := OutcomeGroup{Label: label, Courses: len(cs)}
	assessed, resp, rem := 0, 0, 0
	for _, c := range cs {
		if !c.Assessed {
			continue
		}
		assessed++
		if c.Response {
			resp++
		}
		if c.Remission {
			rem++
		}
	}
	g.Response, g.Remission = rateOf(resp, assessed), rateOf(rem, assessed)
	return g
}

// patientCourses judges a patient's courses: for now, the visits of each
// route in the order they were scheduled.
func patientCourses(tx *store.Tx, clinicID, patientID string, rules outcomes.Rules) ([]CourseOutcome, error) {
	rows, err := tx.Visits(clinicID, store.VisitQuery{PatientID: patientID})
	if err != nil {
		return nil, err
	}
	// Sessions given on the route before each visit: the questionnaires are
	// answered before dosing.
	before := map[string]int{}
	route := map[string]protocol.Route{}
	given := map[protocol.Route]int{}
	for _, r := range rows {
		before[r.ID], route[r.ID] = given[r.Route], r.Route
		if reachedDosing(r.State) {
			given[r.Route]++
		}
	}
	rs, err := tx.PatientResponses(clinicID, patientID)
	if err != nil {
		return nil, err
	}
	phq9, gad7 := map[protocol.Route][]outcomes.Score{}, map[protocol.Route][]outcomes.Score{}
	for _, r := range currentResponses(rs) {
		rt, ok := route[r.VisitID]
		if !ok {
			continue
		}
		s := outcomes.Score{At: r.SubmittedAt, Total: r.Result.Total, SessionsBefore: before[r.VisitID]}
		switch r.Result.Instrument {
		case intake.PHQ9ID:
			phq9[rt] = append(phq9[rt], s)
		case intake.GAD7ID:
			gad7[rt] = append(gad7[rt], s)
		}
	}
	var out []CourseOutcome
	for _, rt := range protocol.Routes {
		if given[rt] == 0 && len(phq9[rt]) == 0 {
			continue
		}
		byTime := func(x, y outcomes.Score) int { return x.At.Compare(y.At) }
		slices.SortStableFunc(phq9[rt], byTime)
		slices.SortStableFunc(gad7[rt], byTime)
		out = append(out, CourseOutcome{PatientID: patientID, Route: rt, Sessions: given[rt],
			Outcome: outcomes.Course(phq9[rt], gad7[rt], rules)})
	}
	return out, nil
}

// ClinicCourses is every course of the clinic with its outcome, for the
// clinical roles: the rows behind the report, one per course.
func (a *App) ClinicCourses(ctx context.Context, actor access.Actor) ([]CourseOutcome, outcomes.Rules, error) {
	var out []CourseOutcome
	var rules outcomes.Rules
	err := a.view(ctx, actor, op{Action: access.QuestionnaireRead, Category: access.CatQuestionnaire, Detail: "outcomes of every course"},
		func(tx *store.Tx, o *op) error {
			pv, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			rules = outcomes.RulesOf(pv.Rules.Integration)
			ps, err := tx.Patients(actor.ClinicID, store.PatientQuery{})
			if err != nil {
				return err
			}
			for _, p := range ps {
				cs, err := patientCourses(tx, actor.ClinicID, p.ID, rules)
				if err != nil {
					return err
				}
				for i := range cs {
					cs[i].MRN = p.MRN
				}
				out = append(out, cs...)
			}
			return nil
		})
	return out, rules, err
}

// PatientOutcomes is one patient's courses with their outcomes, for the
// clinical roles, in one audited read.
//
// Errors: EForbidden for another role; ENotFound for a patient of another
// clinic or none.
func (a *App) PatientOutcomes(ctx context.Context, actor access.Actor, patientID string) ([]CourseOutcome, outcomes.Rules, error) {
	var out []CourseOutcome
	var rules outcomes.Rules
	err := a.view(ctx, actor, op{Action: access.QuestionnaireRead, Category: access.CatQuestionnaire, PatientID: patientID},
		func(tx *store.Tx, o *op) error {
			p, err := tx.Patient(actor.ClinicID, patientID)
			if err != nil {
				if !ketaflow.ValidID(patientID) {
					o.PatientID = ""
				}
				return err
			}
			pv, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			rules = outcomes.RulesOf(pv.Rules.Integration)
			out, err = patientCourses(tx, actor.ClinicID, patientID, rules)
			for i := range out {
				out[i].MRN = p.MRN
			}
			return err
		})
	return out, rules, err
}
