package dosing

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

var now = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

const prescriber = "0190a1b2-0000-7000-8000-000000000001"

// validOrder returns an order that NewOrder accepts under protocol.Default.
func validOrder(r protocol.Route) Order {
	o := Order{Route: r, OrderedBy: prescriber, OrderedByName: "Dr Rivera"}
	switch r {
	case protocol.IV:
		o.MgPerKg, o.WeightKG, o.WeightMeasuredAt, o.InfusionMinutes = 0.5, 64, now.Add(-24*time.Hour), 40
	case protocol.IM:
		o.MgPerKg, o.WeightKG, o.WeightMeasuredAt, o.Site = 0.5, 64, now.Add(-24*time.Hour), protocol.Deltoid
	case protocol.Spravato:
		o.SpravatoMg = 56
	}
	return o
}

func TestNewOrder(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	with28 := p.Clone()
	with28.Dose.Spravato.Allow28MgFrom65 = true
	days := func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
	tests := []struct {
		name    string
		route   protocol.Route
		edit    func(*Order)
		p       *protocol.Protocol // nil = Default
		age     int                // 0 = 40
		field   string             // "" = accepted
		message string             // part of the message, when refused
		dose    float64            // DoseMg when accepted
	}{
		{name: "iv_worked_example_32_mg", route: protocol.IV, dose: 32.0},
		{name: "dose_rounded_to_0_1_mg", route: protocol.IV, edit: func(o *Order) { o.WeightKG = 64.3 }, dose: 32.2},
		{name: "mg_per_kg_at_lower_limit_allowed", route: protocol.IV, edit: func(o *Order) { o.MgPerKg = 0.1 }, dose: 6.4},
		{name: "mg_per_kg_at_upper_limit_allowed", route: protocol.IV, edit: func(o *Order) { o.MgPerKg = 1.0 }, dose: 64.0},
		{name: "mg_per_kg_above_limit_refused", route: protocol.IV, edit: func(o *Order) { o.MgPerKg = 1.01 },
			field: "mg_per_kg", message: "0.1 to 1.0 mg/kg"},
		{name: "mg_per_kg_below_limit_refused", route: protocol.IV, edit: func(o *Order) { o.MgPerKg = 0.09 },
			field: "mg_per_kg", message: "0.1 to 1.0 mg/kg"},
		{name: "mg_per_kg_missing_refused", route: protocol.IV, edit: func(o *Order) { o.MgPerKg = 0 }, field: "mg_per_kg"},
		{name: "im_mg_per_kg_below_0_25_refused", route: protocol.IM, edit: func(o *Order) { o.MgPerKg = 0.24 },
			field: "mg_per_kg", message: "0.25 to 1.0 mg/kg"},
		{name: "im_mg_per_kg_at_0_25_allowed", route: protocol.IM, edit: func(o *Order) { o.MgPerKg = 0.25 }, dose: 16.0},
		{name: "weight_exactly_30_days_old_allowed", route: protocol.IV, edit: func(o *Order) { o.WeightMeasuredAt = now.Add(-days(30)) }, dose: 32},
		{name: "weight_older_than_30_days_refused", route: protocol.IV, edit: func(o *Order) { o.WeightMeasuredAt = now.Add(-days(30) - time.Minute) },
			field: "weight_measured_at", message: "re-measure"},
		{name: "weight_age_follows_protocol", route: protocol.IM, edit: func(o *Order) { o.WeightMeasuredAt = now.Add(-days(8)) },
			p: func() *protocol.Protocol { q := p.Clone(); q.Gate.WeightMaxAgeDays = 7; return &q }(), field: "weight_measured_at", message: "7 days"},
		{name: "weight_missing_refused_for_iv", route: protocol.IV, edit: func(o *Order) { o.WeightKG = 0 }, field: "weight_kg"},
		{name: "weight_missing_refused_for_im", route: protocol.IM, edit: func(o *Order) { o.WeightKG = 0 }, field: "weight_kg"},
		{name: "weight_time_missing_refused", route: protocol.IV, edit: func(o *Order) { o.WeightMeasuredAt = time.Time{} }, field: "weight_measured_at"},
		{name: "weight_in_future_refused", route: protocol.IV, edit: func(o *Order) { o.WeightMeasuredAt = now.Add(time.Hour) }, field: "weight_measured_at"},
		{name: "weight_implausible_refused", route: protocol.IV, edit: func(o *Order) { o.WeightKG = 640 }, field: "weight_kg", message: "plausible"},
		{name: "iv_40_minutes_allowed", route: protocol.IV, dose: 32},
		{name: "iv_60_minutes_allowed", route: protocol.IV, edit: func(o *Order) { o.InfusionMinutes = 60 }, dose: 32},
		{name: "iv_39_minutes_refused", route: protocol.IV, edit: func(o *Order) { o.InfusionMinutes = 39 },
			field: "infusion_minutes", message: "40 to 60 minutes"},
		{name: "iv_61_minutes_refused", route: protocol.IV, edit: func(o *Order) { o.InfusionMinutes = 61 }, field: "infusion_minutes"},
		{name: "iv_with_site_refused", route: protocol.IV, edit: func(o *Order) { o.Site = protocol.Thigh }, field: "site"},
		{name: "im_without_site_refused", route: protocol.IM, edit: func(o *Order) { o.Site = "" }, field: "site"},
		{name: "im_alias_site_refused_unparsed", route: protocol.IM, edit: func(o *Order) { o.Site = "arm" }, field: "site"},
		{name: "spravato_56_allowed", route: protocol.Spravato, dose: 56},
		{name: "spravato_84_allowed", route: protocol.Spravato, edit: func(o *Order) { o.SpravatoMg = 84 }, dose: 84},
		{name: "spravato_28_refused_by_default", route: protocol.Spravato, edit: func(o *Order) { o.SpravatoMg = 28 }, age: 70,
			field: "spravato_mg", message: "allowed: 56 or 84 mg"},
		{name: "spravato_28_allowed_from_65_when_enabled", route: protocol.Spravato, edit: func(o *Order) { o.SpravatoMg = 28 },
			p: &with28, age: 65, dose: 28},
		{name: "spravato_28_refused_at_64_when_enabled", route: protocol.Spravato, edit: func(o *Order) { o.SpravatoMg = 28 },
			p: &with28, age: 64, field: "spravato_mg"},
		{name: "spravato_70_mg_refused", route: protocol.Spravato, edit: func(o *Order) { o.SpravatoMg = 70 }, field: "spravato_mg"},
		{name: "spravato_with_mg_per_kg_refused", route: protocol.Spravato, edit: func(o *Order) { o.MgPerKg = 0.5 }, field: "mg_per_kg"},
		{name: "prescriber_required", route: protocol.IV, edit: func(o *Order) { o.OrderedBy = " " }, field: "ordered_by"},
		{name: "oral_route_refused_with_reason", route: protocol.Route("oral"), field: "route", message: "oral ketamine is not offered"},
		{name: "unknown_route_refused", route: protocol.Route(""), field: "route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOrder(tt.route)
			if o.OrderedBy == "" {
				o.OrderedBy = prescriber
			}
			if tt.edit != nil {
				tt.edit(&o)
			}
			pp := p
			if tt.p != nil {
				pp = *tt.p
			}
			age := tt.age
			if age == 0 {
				age = 40
			}
			got, err := NewOrder(o, pp, age, now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				if got.DoseMg != tt.dose {
					t.Errorf("DoseMg = %v, want %v", got.DoseMg, tt.dose)
				}
				if got.Signed() {
					t.Error("NewOrder must not sign")
				}
				return
			}
			checkInvalid(t, err, tt.field, tt.message)
		})
	}
}

// checkInvalid fails unless err is EInvalid with field among its fields and
// a message containing message.
func checkInvalid(t *testing.T, err error, field, message string) {
	t.Helper()
	checkCode(t, err, ketaflow.EInvalid, field, message)
}

func checkCode(t *testing.T, err error, code ketaflow.Code, field, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil, want %s on %q", code, field)
	}
	e := ketaflow.AsError(err)
	if e.Code != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
	if field != "" {
		found := e.Field == field
		for _, f := range e.Fields {
			if f.Field == field && strings.Contains(f.Message, message) {
				return
			}
		}
		if !found {
			t.Fatalf("got %v (fields %+v), want field %q", err, e.Fields, field)
		}
	}
	if !strings.Contains(e.Message, message) {
		t.Fatalf("message %q does not contain %q", e.Message, message)
	}
}

func TestValidateRefusesATypedDose(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	o, err := NewOrder(validOrder(protocol.IV), p, 40, now)
	if err != nil {
		t.Fatal(err)
	}
	o.DoseMg = 320
	checkInvalid(t, o.Validate(p, 40, now), "dose_mg", "computed, not typed")
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	o := Order{Route: protocol.IV, MgPerKg: 2, InfusionMinutes: 10}
	e := ketaflow.AsError(o.Validate(protocol.Default(), 40, now))
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	want := []string{"ordered_by", "mg_per_kg", "weight_kg", "infusion_minutes"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	o, err := NewOrder(validOrder(protocol.IV), p, 40, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("signing_stamps_the_time", func(t *testing.T) {
		s, err := o.Sign(p, 40, now)
		if err != nil {
			t.Fatal(err)
		}
		if !s.SignedAt.Equal(now) || o.Signed() {
			t.Fatalf("SignedAt = %v (original signed %v)", s.SignedAt, o.Signed())
		}
		_, err = s.Sign(p, 40, now)
		checkCode(t, err, ketaflow.EConflict, "", "already signed")
	})
	t.Run("weight_that_aged_since_drafting_refused_at_signing", func(t *testing.T) {
		later := o.WeightMeasuredAt.Add(p.Gate.WeightMaxAge() + time.Hour)
		_, err := o.Sign(p, 40, later)
		checkInvalid(t, err, "weight_measured_at", "re-measure")
	})
}

func TestDefaultOrderUsesProtocolDefaults(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	tests := []struct {
		route protocol.Route
		want  Order
	}{
		{protocol.IV, Order{Route: protocol.IV, MgPerKg: p.Dose.IV.MgPerKgDefault, InfusionMinutes: p.Dose.IV.MinutesDefault}},
		{protocol.IM, Order{Route: protocol.IM, MgPerKg: p.Dose.IM.MgPerKgDefault}},
		{protocol.Spravato, Order{Route: protocol.Spravato, SpravatoMg: p.Dose.Spravato.FirstDoseMg}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, DefaultOrder(tt.route, p)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", tt.route, diff)
		}
	}
}
