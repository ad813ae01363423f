package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestCoursesThroughTheAPI: a patient's first bookings make a course of
// the protocol's length with the visits numbered by date; the plan
// suggests the next date 3 days on (IV) with a free chair; only a
// prescriber starts a new course, which new bookings then join; the
// consent file shows the consent signed on the tablet.
func TestCoursesThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.must(http.StatusCreated, "admin", "POST", "/api/v1/chairs", map[string]any{"name": "Chair 1"}, nil)
		visit, patient := f.ReadyVisit()
		later := map[string]any{"patient_id": patient, "route": "iv",
			"scheduled_at": f.Clock.Now().AddDate(0, 0, 3).Format(time.RFC3339)}
		var second struct {
			ID string `json:"id"`
		}
		f.must(http.StatusCreated, "frontdesk", "POST", "/api/v1/visits", later, &second)

		type course struct {
			ID             string `json:"id"`
			Route          string `json:"route"`
			TargetSessions int    `json:"target_sessions"`
			Current        bool   `json:"current"`
			Booked         int    `json:"booked"`
			Planned        int    `json:"planned"`
			Sessions       []struct {
				VisitID string `json:"visit_id"`
				Number  int    `json:"number"`
				Label   string `json:"label"`
			} `json:"sessions"`
			Next []struct {
				Date   string `json:"date"`
				Number int    `json:"number"`
				Slots  []struct {
					ChairName string `json:"chair_name"`
				} `json:"slots"`
			} `json:"next"`
			Actions []struct {
				Name    string `json:"name"`
				Allowed bool   `json:"allowed"`
			} `json:"actions"`
		}
		var list struct {
			Courses []course `json:"courses"`
		}
		f.must(http.StatusOK, "frontdesk", "GET", "/api/v1/patients/"+patient+"/courses", nil, &list)
		if len(list.Courses) != 1 {
			t.Fatalf("courses = %+v, want one", list.Courses)
		}
		c := list.Courses[0]
		if c.Route != "iv" || c.TargetSessions != 6 || !c.Current || c.Booked != 2 || c.Planned != 4 || len(c.Sessions) != 2 ||
			c.Sessions[0].VisitID != visit || c.Sessions[0].Label != "session 1 of 6" || c.Sessions[1].VisitID != second.ID ||
			c.Sessions[1].Number != 2 {
			t.Errorf("course = %+v", c)
		}
		// The next date is 3 days after the last booked session [IV: course.ketamine_interval_days].
		want := f.Clock.Now().In(f.ClinicA.Location()).AddDate(0, 0, 6).Format("2006-01-02")
		if len(c.Next) == 0 || c.Next[0].Date != want || c.Next[0].Number != 3 || len(c.Next[0].Slots) == 0 ||
			c.Next[0].Slots[0].ChairName != "Chair 1" {
			t.Errorf("next = %+v, want session 3 on %s with Chair 1 free", c.Next, want)
		}
		// The front desk books, the prescriber plans.
		f.must(http.StatusForbidden, "frontdesk", "POST", "/api/v1/patients/"+patient+"/courses", map[string]any{"route": "iv"}, nil)
		f.must(http.StatusBadRequest, "prescriber", "POST", "/api/v1/patients/"+patient+"/courses", map[string]any{"route": "oral"}, nil)
		var started course
		f.must(http.StatusCreated, "prescriber", "POST", "/api/v1/patients/"+patient+"/courses", map[string]any{"route": "iv", "target_sessions": 3}, &started)
		if started.TargetSessions != 3 || !started.Current || len(started.Sessions) != 0 {
			t.Errorf("started = %+v", started)
		}
		later["scheduled_at"] = f.Clock.Now().AddDate(0, 0, 9).Format(time.RFC3339)
		var third struct {
			ID string `json:"id"`
		}
		f.must(http.StatusCreated, "frontdesk", "POST", "/api/v1/visits", later, &third)
		var screen struct {
			Course struct {
				CourseID string `json:"course_id"`
				Label    string `json:"label"`
			} `json:"course"`
		}
		f.must(http.StatusOK, "frontdesk", "GET", "/api/v1/visits/"+third.ID, nil, &screen)
		if screen.Course.CourseID != started.ID || screen.Course.Label != "session 1 of 3" {
			t.Errorf("the booking after the new plan is %+v, want session 1 of 3 of course %s", screen.Course, started.ID)
		}

		var file struct {
			Consents []struct {
				Route     string `json:"route"`
				TypedName string `json:"typed_name"`
				Valid     bool   `json:"valid"`
				Body      string `json:"body"`
			} `json:"consents"`
			Needed []string `json:"needed"`
		}
		f.must(http.StatusOK, "frontdesk", "GET", "/api/v1/patients/"+patient+"/consents", nil, &file)
		if len(file.Consents) != 1 || file.Consents[0].Route != "iv" || !file.Consents[0].Valid || file.Consents[0].TypedName != "Ready Patient" ||
			file.Consents[0].Body == "" || len(file.Needed) != 2 {
			t.Errorf("consent file = %+v", file)
		}
		// The consent text is the admin's; the front desk may not edit it.
		f.must(http.StatusForbidden, "frontdesk", "GET", "/api/v1/consent-forms", nil, nil)
	})
}
