package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// One set of answers per visit and instrument (issue 8, defect 10): a
// second submission, from a link, the tablet or the API, is refused; a
// correction is a clinician's amendment with a reason that keeps the
// original; a new link voids the old.

var (
	calmPHQ9  = []int{1, 1, 1, 1, 1, 1, 1, 1, 0}
	zeroPHQ9  = []int{0, 0, 0, 0, 0, 0, 0, 0, 0}
	item9PHQ9 = []int{2, 2, 1, 1, 1, 2, 1, 0, 2}
	calmGAD7  = []int{1, 1, 2, 1, 0, 1, 1}
	zeroGAD7  = []int{0, 0, 0, 0, 0, 0, 0}
)

// unanswered books and checks in a visit now with no questionnaire
// answered.
func (f *visitFixture) unanswered(name string) string {
	f.t.Helper()
	ctx := context.Background()
	v, err := f.a.BookVisit(ctx, f.actor("frontdesk"), visits.Booking{PatientID: f.newPatient(name).ID, Route: "iv",
		ScheduledAt: f.clock.Now()})
	f.must(err)
	_, err = f.a.MoveVisit(ctx, f.actor("frontdesk"), v.Visit.ID, visits.CheckedIn, "")
	f.must(err)
	return v.Visit.ID
}

// current is the visit's current answers to an instrument.
func (f *visitFixture) current(id, instrument string) Questionnaire {
	f.t.Helper()
	v, err := f.a.Visit(context.Background(), f.actor("nurse"), id)
	f.must(err)
	for _, q := range v.Questionnaires {
		if q.Current && q.Result.Instrument == instrument {
			return q
		}
	}
	f.t.Fatalf("no current %s on visit %s", instrument, id)
	return Questionnaire{}
}

func wantCode(t *testing.T, what string, err error, code ketaflow.Code, says string) {
	t.Helper()
	if !ketaflow.IsCode(err, code) || !strings.Contains(ketaflow.ErrorMessage(err), says) {
		t.Errorf("%s: got %v, want %s saying %q", what, err, code, says)
	}
}

func TestASecondSubmissionIsRefusedWhicheverWayItComes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newVisitFixture(t, db)
		ctx := context.Background()
		id := f.unanswered("Once Patient")

		// A new link voids the one before: only the newest works.
		first, _, err := f.a.CreateQuestionnaireLink(ctx, f.actor("frontdesk"), id)
		f.must(err)
		second, _, err := f.a.CreateQuestionnaireLink(ctx, f.actor("frontdesk"), id)
		f.must(err)
		_, err = f.a.QuestionnaireLink(ctx, first.Token, "phone")
		wantCode(t, "the first link", err, ketaflow.ENotFound, "replaced by a newer one")
		_, err = f.a.SubmitQuestionnaireLink(ctx, first.Token, "phone", map[string][]int{intake.PHQ9ID: zeroPHQ9, intake.GAD7ID: zeroGAD7})
		wantCode(t, "answers from the first link", err, ketaflow.ENotFound, "replaced by a newer one")
		if _, err := f.a.SubmitQuestionnaireLink(ctx, second.Token, "phone",
			map[string][]int{intake.PHQ9ID: item9PHQ9, intake.GAD7ID: calmGAD7}); err != nil {
			t.Fatal(err)
		}

		// Every other way of answering again is refused, and the gate
		// still reads what the patient said.
		_, _, err = f.a.SubmitQuestionnaires(ctx, f.actor("nurse"), id, map[string][]int{intake.PHQ9ID: zeroPHQ9})
		wantCode(t, "a nurse entering answers again", err, ketaflow.EConflict, "answers are not replaced")
		_, _, err = f.a.SubmitQuestionnaires(ctx, f.actor("frontdesk"), id, map[string][]int{intake.PHQ9ID: zeroPHQ9})
		wantCode(t, "front desk entering answers", err, ketaflow.EForbidden, "may not")
		_, _, err = f.a.CreateQuestionnaireLink(ctx, f.actor("frontdesk"), id)
		wantCode(t, "a third link", err, ketaflow.EConflict, "answered")
		secretIn, err := f.a.Login(ctx, "frontdesk", ledgerPassword, "tablet")
		secret := secretIn.LoginSecret
		f.must(err)
		_, err = f.a.HandTabletToPatient(ctx, f.actor("frontdesk"), secret, id)
		wantCode(t, "the tablet after the link", err, ketaflow.EConflict, "answered")
		_, err = f.a.SubmitQuestionnaireLink(ctx, second.Token, "phone", map[string][]int{intake.PHQ9ID: zeroPHQ9, intake.GAD7ID: zeroGAD7})
		wantCode(t, "the used link again", err, ketaflow.ENotFound, "has been used")

		v, err := f.a.Visit(ctx, f.actor("nurse"), id)
		f.must(err)
		c, _ := v.Gate.Check(intake.CheckQuestionnaires)
		if len(v.Questionnaires) != 2 || !strings.Contains(c.Reason, "PHQ-9 12 of 27") || v.SafetyAlert != intake.AlertOpen {
			t.Errorf("after the refusals: %d questionnaires, gate %q, alert %s", len(v.Questionnaires), c.Reason, v.SafetyAlert)
		}
	})
}

// TestConcurrentSubmissionsDoNotBothLand sends the tablet, the link and a
// nurse's entry at the same moment, many times: exactly one lands each
// time, whole, and the others are refused.
func TestConcurrentSubmissionsDoNotBothLand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newVisitFixture(t, db)
		ctx := context.Background()
		for i := range 6 {
			id := f.unanswered("Race Patient")
			link, _, err := f.a.CreateQuestionnaireLink(ctx, f.actor("frontdesk"), id)
			f.must(err)
			loginIn, err := f.a.Login(ctx, "frontdesk", ledgerPassword, "tablet")
			login := loginIn.LoginSecret
			f.must(err)
			tablet, err := f.a.HandTabletToPatient(ctx, f.actor("frontdesk"), login, id)
			f.must(err)
			submit := map[string]func() error{
				"tablet": func() error {
					_, err := f.a.SubmitTablet(ctx, tablet, "tablet", map[string][]int{intake.PHQ9ID: item9PHQ9, intake.GAD7ID: calmGAD7})
					return err
				},
				"link": func() error {
					_, err := f.a.SubmitQuestionnaireLink(ctx, link.Token, "phone", map[string][]int{intake.PHQ9ID: zeroPHQ9, intake.GAD7ID: zeroGAD7})
					return err
				},
				"nurse": func() error {
					_, _, err := f.a.SubmitQuestionnaires(ctx, f.actor("nurse"), id, map[string][]int{intake.PHQ9ID: calmPHQ9, intake.GAD7ID: zeroGAD7})
					return err
				},
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			var landed []string
			for name, fn := range submit {
				wg.Go(func() {
					<-start
					err := fn()
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						landed = append(landed, name)
					case !ketaflow.IsCode(err, ketaflow.EConflict):
						t.Errorf("race %d: %s refused with %v, want a conflict", i, name, err)
					}
				})
			}
			close(start)
			wg.Wait()
			if len(landed) != 1 {
				t.Fatalf("race %d: %v landed, want exactly one", i, landed)
			}
			v, err := f.a.Visit(ctx, f.actor("nurse"), id)
			f.must(err)
			want := map[string][]int{"tablet": item9PHQ9, "link": zeroPHQ9, "nurse": calmPHQ9}[landed[0]]
			if len(v.Questionnaires) != 2 || !slices.Equal(f.current(id, intake.PHQ9ID).Result.Answers, want) {
				t.Errorf("race %d: %s landed but the visit holds %+v", i, landed[0], v.Questionnaires)
			}
		}
	})
}

// TestTheDatabaseTakesOneFirstVersion goes past the app's check: two
// transactions each storing version 1 of a visit's PHQ-9 at once; the
// database lets one commit.
func TestTheDatabaseTakesOneFirstVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newVisitFixture(t, db)
		id := f.unanswered("Store Race")
		v, err := f.a.Visit(context.Background(), f.actor("nurse"), id)
		f.must(err)
		r, err := intake.Score(mustInstrument(t, intake.PHQ9ID), zeroPHQ9)
		f.must(err)
		start := make(chan struct{})
		errs := make(chan error, 2)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				<-start
				errs <- db.Transact(context.Background(), func(tx *store.Tx) error {
					return tx.InsertResponse(f.clinic.ID, store.Response{ID: ketaflow.NewID(), VisitID: id, PatientID: v.Patient.ID,
						Result: r, Source: SourceStaff, EnteredBy: f.users["nurse"].ID, SubmittedAt: f.clock.Now(), Version: 1})
				})
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		var ok, conflict int
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case ketaflow.IsCode(err, ketaflow.EConflict) && strings.Contains(ketaflow.ErrorMessage(err), "saved first"):
				conflict++
			default:
				t.Errorf("second insert: %v", err)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Errorf("%d stored, %d refused; want one each", ok, conflict)
		}
	})
}

func mustInstrument(t *testing.T, id string) intake.Instrument {
	t.Helper()
	in, err := intake.InstrumentByID(id)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestAmendmentKeepsTheOriginalAndTheGateReadsIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newVisitFixture(t, db)
		ctx := context.Background()
		id := f.checkedIn(f.newPatient("Amend Patient"), "iv", 2).Visit.ID
		original := f.current(id, intake.PHQ9ID)
		const reason = "Patient meant 'not at all' for item 9; reviewed together at the chair"
		amend := func(user string, amends string, answers []int) (Submitted, VisitView, error) {
			f.clock.Advance(time.Minute)
			return f.a.AmendQuestionnaire(ctx, f.actor(user), id, intake.PHQ9ID, intake.Amendment{Amends: amends, Reason: reason, Answers: answers})
		}

		// Only a clinician amends.
		_, _, err := amend("frontdesk", original.ID, zeroPHQ9)
		wantCode(t, "front desk amends", err, ketaflow.EForbidden, "may not")
		_, _, err = amend("nurse", original.ID, zeroPHQ9[:8])
		wantCode(t, "incomplete amendment", err, ketaflow.EInvalid, "incomplete")

		// Lowering item 9 does not clear the open alert.
		sub, v, err := amend("nurse", original.ID, zeroPHQ9)
		f.must(err)
		if !sub.AlertStaysOpen || sub.Alert || v.SafetyAlert != intake.AlertOpen {
			t.Errorf("amended below the threshold: %+v, alert %s; want the open alert kept", sub, v.SafetyAlert)
		}
		q, _ := v.Gate.Check(intake.CheckQuestionnaires)
		s, _ := v.Gate.Check(intake.CheckSafetyAlert)
		if !strings.Contains(q.Reason, "PHQ-9 0 of 27") || s.Status != intake.Block {
			t.Errorf("gate after the amendment: %q, safety %s", q.Reason, s.Status)
		}
		var versions []int
		for _, x := range v.Questionnaires {
			if x.Result.Instrument == intake.PHQ9ID {
				versions = append(versions, x.Version)
				if x.Version == 1 && (x.Current || x.Result.Item9 != 2 || x.ID != original.ID) {
					t.Errorf("the original changed: %+v", x)
				}
				if x.Version == 2 && (!x.Current || x.Reason != reason || x.EnteredByName != "Test nurse" || x.Source != SourceStaff) {
					t.Errorf("the amendment: %+v", x)
				}
			}
		}
		if !slices.Equal(versions, []int{1, 2}) {
			t.Errorf("PHQ-9 versions %v, want 1 and 2", versions)
		}

		// An amendment of a version that is no longer the newest is
		// refused: two people correcting at once do not both land.
		_, _, err = amend("prescriber", original.ID, calmPHQ9)
		wantCode(t, "amending version 1 again", err, ketaflow.EConflict, "not the newest")

		// After the prescriber's assessment, raising item 9 again raises a
		// new alert, as a first submission would.
		open, err := f.a.Alerts(ctx, f.actor("prescriber"), AlertFilter{State: alerts.Open})
		f.must(err)
		if len(open) != 1 || open[0].Kind != alerts.Item9 {
			t.Fatalf("open alerts before the assessment: %+v; want the item 9 alert", open)
		}
		_, _, err = f.a.AssessAlert(ctx, f.actor("prescriber"), open[0].ID, Assessment{Risk: "low",
			Plan: "Passive thoughts only; safety plan reviewed", Proceed: true})
		f.must(err)
		sub, v, err = amend("nurse", f.current(id, intake.PHQ9ID).ID, []int{2, 2, 1, 1, 1, 2, 1, 0, 3})
		f.must(err)
		if !sub.Alert || sub.CrisisResources == "" || v.SafetyAlert != intake.AlertOpen || len(v.Alerts) != 2 {
			t.Errorf("raised to 3 after the assessment: %+v, alert %s, %d alerts; want a new open alert", sub, v.SafetyAlert, len(v.Alerts))
		}
	})
}

// TestTabletAndAmendmentAlertsLiveTheAlertsLife: the two ways answers
// raise PHQ-9 item 9 that came with one set of answers per visit (the
// tablet in the patient's hands, a clinician's amendment) raise an alert
// of the one alert life (issue 8, defect 6): listed open for the
// prescriber on the Alerts page, counted in the navigation, and heard by
// the live pages once the write commits.
func TestTabletAndAmendmentAlertsLiveTheAlertsLife(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newVisitFixture(t, db)
		ctx := context.Background()
		events, stop := f.a.Events.Subscribe(f.actor("prescriber").ClinicID)
		defer stop()
		heard := func(what, visitID string) {
			t.Helper()
			for {
				select {
				case e := <-events:
					if e.Topic == TopicAlerts && e.VisitID == visitID {
						return
					}
				default:
					t.Errorf("%s: no alerts event for visit %s", what, visitID)
					return
				}
			}
		}
		openItem9 := func(what, visitID string) {
			t.Helper()
			list, err := f.a.Alerts(ctx, f.actor("prescriber"), AlertFilter{State: alerts.Open, VisitID: visitID})
			f.must(err)
			if len(list) != 1 || list[0].Kind != alerts.Item9 || !list[0].ForReader || list[0].Item9 < 2 {
				t.Errorf("%s: open alerts %+v; want one item 9 alert for the prescriber", what, list)
			}
		}

		// The tablet.
		id := f.unanswered("Tablet Alert Patient")
		loginIn, err := f.a.Login(ctx, "frontdesk", ledgerPassword, "tablet")
		login := loginIn.LoginSecret
		f.must(err)
		tablet, err := f.a.HandTabletToPatient(ctx, f.actor("frontdesk"), login, id)
		f.must(err)
		sub, err := f.a.SubmitTablet(ctx, tablet, "tablet", map[string][]int{intake.PHQ9ID: item9PHQ9, intake.GAD7ID: calmGAD7})
		f.must(err)
		if !sub.Alert {
			t.Errorf("tablet with item 9 at 2: %+v, want the alert", sub)
		}
		heard("tablet", id)
		openItem9("tablet", id)
		if n, err := f.a.OpenAlertCount(ctx, f.actor("prescriber")); err != nil || n != 1 {
			t.Errorf("prescriber's count after the tablet: %d, %v; want 1", n, err)
		}

		// An amendment that raises item 9 from calm answers.
		id = f.unanswered("Amended Alert Patient")
		_, _, err = f.a.SubmitQuestionnaires(ctx, f.actor("nurse"), id, map[string][]int{intake.PHQ9ID: calmPHQ9, intake.GAD7ID: calmGAD7})
		f.must(err)
		sub, v, err := f.a.AmendQuestionnaire(ctx, f.actor("nurse"), id, intake.PHQ9ID, intake.Amendment{
			Amends: f.current(id, intake.PHQ9ID).ID, Reason: "Patient corrected item 9 when we went through it together",
			Answers: item9PHQ9})
		f.must(err)
		if !sub.Alert || v.SafetyAlert != intake.AlertOpen {
			t.Errorf("amendment raising item 9: %+v, gate alert %s; want an open alert", sub, v.SafetyAlert)
		}
		heard("amendment", id)
		openItem9("amendment", id)
	})
}
