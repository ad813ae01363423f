package apiclient_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/api/apiclient"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestMain(m *testing.M) { webtest.Main(m) }

// TestIVVisitWithTheGeneratedClient drives one whole IV visit, from
// booking to discharge, with nothing but the client oapi-codegen made of
// openapi.json (client.gen.go): a lot received, a patient registered, the
// visit booked and checked in, the gate's facts, the order, preparation
// and its second check, the infusion with its vitals, monitored rest, the
// Aldrete score, the checklist and discharge. Every request and answer is
// also checked against the document (webtest.ContractClient).
func TestIVVisitWithTheGeneratedClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := webtest.New(t, db)
		ctx := context.Background()
		// A second nurse checks the preparation.
		if _, err := f.App.AddUserFromCommandLine(ctx, f.ClinicA.ID, app.NewUser{Username: "nurse2", Name: "Test nurse2",
			Role: access.Nurse, Password: webtest.Password}); err != nil {
			t.Fatal(err)
		}
		var err error
		if f.Tokens["nurse2"], err = f.App.CreateAPITokenFromCommandLine(ctx, "nurse2", "tests"); err != nil {
			t.Fatal(err)
		}
		c, err := apiclient.NewClientWithResponses(f.Server.URL, apiclient.WithHTTPClient(f.Client))
		if err != nil {
			t.Fatal(err)
		}
		as := func(user string) apiclient.RequestEditorFn {
			return func(_ context.Context, r *http.Request) error {
				r.Header.Set("Authorization", "Bearer "+f.Tokens[user])
				return nil
			}
		}
		must := func(step string, resp interface{ StatusCode() int }, err error, want int) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if got := resp.StatusCode(); got != want {
				t.Fatalf("%s: %d %s, want %d", step, got, reflect.ValueOf(resp).Elem().FieldByName("Body").Bytes(), want)
			}
		}
		now := f.Clock.Now

		// The delivery is sent with an Idempotency-Key, and sent again as
		// a client that lost the answer would: it is received once.
		receipt := &apiclient.ReceiveLotParams{IdempotencyKey: ptr("delivery-K-CLIENT")}
		newLot := apiclient.NewLot{Drug: "ketamine", ConcentrationMgPerMl: ptr[float64](50),
			MlPerVial: ptr[float64](10), LotNumber: "K-CLIENT", Expiry: date("2027-06-30"), Packs: 5}
		lot, err := c.ReceiveLotWithResponse(ctx, receipt, newLot, as("nurse"))
		must("receive the lot", lot, err, http.StatusCreated)
		again, err := c.ReceiveLotWithResponse(ctx, receipt, newLot, as("nurse"))
		must("receive the lot again", again, err, http.StatusCreated)
		if again.JSON201.Id != lot.JSON201.Id || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the retried delivery made lot %s beside %s", again.JSON201.Id, lot.JSON201.Id)
		}

		patient, err := c.CreatePatientWithResponse(ctx, nil, apiclient.PatientInput{LegalName: "Client Journey", BirthDate: date("1980-04-30"),
			Sex: "female", Phone: ptr("+1 555 010 0199"), Weight: &apiclient.NewWeight{Kg: 70, MeasuredAt: now().Add(-time.Hour)}}, as("nurse"))
		must("register the patient", patient, err, http.StatusCreated)

		booked, err := c.BookVisitWithResponse(ctx, nil, apiclient.Booking{PatientId: patient.JSON201.Id, Route: "iv", ScheduledAt: now()}, as("frontdesk"))
		must("book", booked, err, http.StatusCreated)
		visit := uuid(t, booked.JSON201.Id)

		moved, err := c.MoveVisitWithResponse(ctx, visit, nil, apiclient.Move{To: "checked_in"}, as("frontdesk"))
		must("check in", moved, err, http.StatusOK)

		answers := apiclient.SubmitQuestionnairesJSONRequestBody{Phq9: ints(1, 1, 0, 1, 0, 0, 1, 0, 0), Gad7: ints(1, 0, 1, 0, 0, 1, 0)}
		q, err := c.SubmitQuestionnairesWithResponse(ctx, visit, nil, answers, as("nurse"))
		must("questionnaires", q, err, http.StatusCreated)

		vitals := func(step string) {
			t.Helper()
			v, err := c.RecordVitalsWithResponse(ctx, visit, nil, apiclient.VitalsInput{Systolic: ptr(128), Diastolic: ptr(80),
				HeartRate: ptr(76), Spo2: ptr(98), RespiratoryRate: ptr(14), Sedation: ptr(5), Dissociation: ptr(false)}, as("nurse"))
			must(step, v, err, http.StatusCreated)
		}
		vitals("gate vitals")
		fasting, err := c.RecordFastingWithResponse(ctx, visit, apiclient.FastingAnswers{LastSolidFood: ptr(now().Add(-8 * time.Hour)),
			LastLiquid: ptr(now().Add(-3 * time.Hour)), LastLiquidClear: ptr(true)}, as("nurse"))
		must("fasting", fasting, err, http.StatusOK)
		ride, err := c.RecordRideWithResponse(ctx, visit, apiclient.Ride{DriverName: "Sam Journey", DriverPhone: "+1 555 010 0198"}, as("frontdesk"))
		must("ride home", ride, err, http.StatusOK)

		order, err := c.OrderDoseWithResponse(ctx, visit, nil, apiclient.OrderInput{MgPerKg: ptr[float64](0.5), InfusionMinutes: ptr(40)}, as("prescriber"))
		must("order", order, err, http.StatusCreated)
		if order.JSON201.DoseMg != 35 {
			t.Errorf("dose %g mg, want 35 (0.5 mg/kg of 70 kg)", order.JSON201.DoseMg)
		}
		prep, err := c.PrepareDoseWithResponse(ctx, visit, nil, apiclient.PrepareInput{LotId: lot.JSON201.Id}, as("nurse"))
		must("prepare", prep, err, http.StatusCreated)
		verified, err := c.VerifyDoseWithResponse(ctx, visit, nil, apiclient.VerifyDoseJSONRequestBody{}, as("nurse2"))
		must("second check", verified, err, http.StatusOK)

		cleared, err := c.ClearVisitWithResponse(ctx, visit, nil, as("nurse"))
		must("clear", cleared, err, http.StatusOK)
		dosing, err := c.StartDosingWithResponse(ctx, visit, nil, apiclient.StartDosingJSONRequestBody{}, as("nurse"))
		must("start dosing", dosing, err, http.StatusOK)
		first, err := c.AdministerWithResponse(ctx, visit, nil, apiclient.AdministerJSONRequestBody{}, as("nurse"))
		must("first dose", first, err, http.StatusCreated)
		t0 := now()
		at := func(m int) { f.Clock.Set(t0.Add(time.Duration(m) * time.Minute)) }

		for _, m := range []int{15, 30, 40} {
			at(m)
			vitals("vitals in the infusion")
		}
		at(45)
		ended, err := c.EndSessionWithResponse(ctx, visit, nil, apiclient.EndSessionJSONRequestBody{}, as("nurse"))
		must("end the session", ended, err, http.StatusOK)
		for _, m := range []int{45, 60, 75, 90} {
			at(m)
			vitals("vitals in monitored rest")
		}
		aldrete, err := c.RecordAldreteWithResponse(ctx, visit, nil, apiclient.AldreteInput{Activity: 2, Respiration: 2,
			Circulation: 2, Consciousness: 2, OxygenSaturation: 2}, as("nurse"))
		must("Aldrete", aldrete, err, http.StatusCreated)
		facts, err := c.RecordDischargeFactsWithResponse(ctx, visit, apiclient.DischargeFactsInput{DriverPresent: ptr(true),
			AftercareGiven: ptr(true)}, as("nurse"))
		must("discharge checklist", facts, err, http.StatusOK)
		for _, to := range []apiclient.DischargeInputTo{apiclient.DischargeInputToReadyForDischarge, apiclient.DischargeInputToDischarged} {
			d, err := c.DischargeWithResponse(ctx, visit, nil, apiclient.DischargeInput{To: to}, as("nurse"))
			must(string(to), d, err, http.StatusOK)
		}

		screen, err := c.GetVisitWithResponse(ctx, visit, as("nurse"))
		must("the visit", screen, err, http.StatusOK)
		if screen.JSON200.Visit.State != "discharged" {
			t.Errorf("the visit ends %s, want discharged", screen.JSON200.Visit.State)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func ints(v ...int) *[]*int {
	out := make([]*int, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return &out
}

func date(s string) openapi_types.Date {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return openapi_types.Date{Time: d}
}

func uuid(t *testing.T, s string) openapi_types.UUID {
	t.Helper()
	var u openapi_types.UUID
	if err := u.UnmarshalText([]byte(s)); err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return u
}
