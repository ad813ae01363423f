package dosing

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func mustOrder(t *testing.T, o Order, p protocol.Protocol) Order {
	t.Helper()
	got, err := NewOrder(o, p, 40, now)
	if err != nil {
		t.Fatalf("NewOrder: %v", err)
	}
	got, err = got.Sign(p, 40, now)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return got
}

// The product brief's worked example, figure by figure.
func TestPrepareIVWorkedExample(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	o := mustOrder(t, validOrder(protocol.IV), p)
	got, err := PrepareIV(o, 50, p)
	if err != nil {
		t.Fatal(err)
	}
	want := Calculation{
		Route: protocol.IV, VialMgPerML: 50, InfusionMinutes: 40,
		Lines: []Line{
			{"Dose", "0.5 mg/kg × 64.0 kg = 32.0 mg", 32.0, "mg", "rounded to 0.1 mg"},
			{"Volume to draw", "32.0 mg ÷ 50 mg/mL = 0.64 mL", 0.64, "mL", "rounded to 0.01 mL"},
			{"Bag total", "100 mL 0.9% sodium chloride + 0.64 mL = 100.64 mL", 100.64, "mL", "rounded to 0.01 mL"},
			{"Pump rate", "100.64 mL ÷ 40 min × 60 min/h = 151.0 mL/h", 151.0, "mL/h", "rounded to 0.1 mL/h from 150.96 mL/h"},
		},
		DoseMg: 32.0, DrawML: 0.64, BagTotalML: 100.64, RateMLPerHour: 151.0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calculation mismatch (-want +got):\n%s", diff)
	}
	if s := got.Lines[0].String(); s != "Dose = 0.5 mg/kg × 64.0 kg = 32.0 mg (rounded to 0.1 mg)" {
		t.Errorf("dose line prints %q", s)
	}
}

func TestPrepareIV(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	withdraw := p.Clone()
	withdraw.Dose.IV.WithdrawEqualVolume = true
	tests := []struct {
		name                  string
		edit                  func(*Order)
		vial                  float64
		p                     *protocol.Protocol
		draw, bag, rate, dose float64
		warns                 []string // parts of each warning, in order
		field                 string   // refused on this field
	}{
		{name: "bag_total_is_bag_plus_drug", vial: 50, draw: 0.64, bag: 100.64, rate: 151.0, dose: 32},
		{name: "equal_volume_withdrawn_keeps_bag_at_100_ml", vial: 50, p: &withdraw, draw: 0.64, bag: 100, rate: 150.0, dose: 32},
		{name: "sixty_minute_infusion_halves_rate_per_minute", vial: 10, edit: func(o *Order) { o.InfusionMinutes = 60 },
			draw: 3.2, bag: 103.2, rate: 103.2, dose: 32},
		{name: "volume_rounding_that_loses_dose_warns_and_names_weaker_vial", vial: 100, edit: func(o *Order) { o.WeightKG = 64.6 },
			draw: 0.32, bag: 100.32, rate: 150.5, dose: 32.3, warns: []string{"holds 32.0 mg, not the ordered 32.3 mg; a 10 mg/mL vial gives an exact volume of 3.23 mL"}},
		{name: "vial_not_stocked_refused", vial: 25, field: "vial_mg_per_ml"},
		{name: "order_for_other_route_refused", vial: 50, edit: func(o *Order) { o.Route = protocol.IM }, field: "route"},
		{name: "order_with_typed_dose_refused", vial: 50, edit: func(o *Order) { o.DoseMg = 40 }, field: "dose_mg"},
		{name: "infusion_outside_limits_refused", vial: 50, edit: func(o *Order) { o.InfusionMinutes = 20 }, field: "infusion_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pp := p
			if tt.p != nil {
				pp = *tt.p
			}
			o := validOrder(protocol.IV)
			o.DoseMg = 0
			if tt.edit != nil {
				tt.edit(&o)
			}
			if o.DoseMg == 0 {
				o.DoseMg = ComputeDoseMg(o, pp)
			}
			c, err := PrepareIV(o, tt.vial, pp)
			if tt.field != "" {
				checkInvalid(t, err, tt.field, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []float64{c.DoseMg, c.DrawML, c.BagTotalML, c.RateMLPerHour}
			if diff := cmp.Diff([]float64{tt.dose, tt.draw, tt.bag, tt.rate}, got); diff != "" {
				t.Errorf("dose, draw, bag, rate mismatch (-want +got):\n%s", diff)
			}
			checkWarnings(t, c.Warnings, tt.warns)
		})
	}
}

func checkWarnings(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("warnings %q, want %d like %q", got, len(want), want)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("warning %d = %q, want it to contain %q", i, got[i], want[i])
		}
	}
}

func TestPrepareIVWithdrawnLineSaysSo(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	p.Dose.IV.WithdrawEqualVolume = true
	c, err := PrepareIV(mustOrder(t, validOrder(protocol.IV), p), 50, p)
	if err != nil {
		t.Fatal(err)
	}
	want := "Bag total = 100 mL 0.9% sodium chloride − 0.64 mL withdrawn + 0.64 mL drug = 100.00 mL (bag volume unchanged)"
	if got := c.Lines[2].String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestPrepareIM(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	tests := []struct {
		name   string
		weight float64
		vial   float64
		site   protocol.IMSite // order's site
		prep   protocol.IMSite // site given to PrepareIM; "" = the order's
		draw   float64
		warns  []string
		field  string
	}{
		{name: "im_volume_from_vial", weight: 64, vial: 50, site: protocol.Deltoid, draw: 0.64},
		{name: "vial_too_dilute_for_deltoid_warns", weight: 64, vial: 10, site: protocol.Deltoid, draw: 3.2,
			warns: []string{"3.20 mL is more than the 2 mL", "from 50 mg/mL draw 0.64 mL"}},
		{name: "volume_exactly_at_deltoid_limit_no_warning", weight: 40, vial: 10, site: protocol.Deltoid, draw: 2.0},
		{name: "volume_just_above_deltoid_limit_warns", weight: 40.2, vial: 10, site: protocol.Deltoid, draw: 2.01,
			warns: []string{"2.01 mL is more than the 2 mL", "from 50 mg/mL draw 0.40 mL"}},
		{name: "thigh_holds_5_ml", weight: 100, vial: 10, site: protocol.Thigh, draw: 5.0},
		{name: "strongest_vial_within_deltoid_limit_no_warning", weight: 100, vial: 100, site: protocol.Deltoid, draw: 0.5},
		{name: "site_given_at_preparation_must_match_order", weight: 64, vial: 50, site: protocol.Deltoid, prep: protocol.Gluteal, field: "site"},
		{name: "unknown_site_refused", weight: 64, vial: 50, site: protocol.Deltoid, prep: "ear", field: "site"},
		{name: "vial_not_stocked_refused", weight: 64, vial: 20, site: protocol.Thigh, field: "vial_mg_per_ml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOrder(protocol.IM)
			o.WeightKG, o.Site = tt.weight, tt.site
			o = mustOrder(t, o, p)
			c, err := PrepareIM(o, tt.vial, tt.prep, p)
			if tt.field != "" {
				checkInvalid(t, err, tt.field, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.DrawML != tt.draw || c.Site != tt.site {
				t.Errorf("draw %v mL into %s, want %v mL into %s", c.DrawML, c.Site, tt.draw, tt.site)
			}
			checkWarnings(t, c.Warnings, tt.warns)
		})
	}
}

func TestIMNoStockedVialFitsSuggestsLargerMuscle(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	p.Dose.IM.VialConcentrationsMgPerML = []float64{10}
	o := validOrder(protocol.IM)
	o = mustOrder(t, o, p) // 32 mg = 3.2 mL of 10 mg/mL
	c, err := PrepareIM(o, 10, "", p)
	if err != nil {
		t.Fatal(err)
	}
	checkWarnings(t, c.Warnings, []string{"more than the 2 mL", "thigh (vastus lateralis) (up to 5 mL) or gluteal (buttock) (up to 5 mL)"})
}

func TestPrepareSpravato(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	tests := []struct {
		name    string
		mg      int
		devices int
		times   string
		field   string
	}{
		{name: "56_mg_is_2_devices", mg: 56, devices: 2, times: "device 1 at 0 min, device 2 at 5 min"},
		{name: "84_mg_is_3_devices", mg: 84, devices: 3, times: "device 1 at 0 min, device 2 at 5 min, device 3 at 10 min"},
		{name: "part_device_refused_never_rounded_up", mg: 60, field: "spravato_mg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := Order{Route: protocol.Spravato, SpravatoMg: tt.mg, DoseMg: float64(tt.mg), OrderedBy: prescriber}
			c, err := PrepareSpravato(o, p)
			if tt.field != "" {
				checkInvalid(t, err, tt.field, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Devices != tt.devices || c.DoseMg != float64(tt.mg) {
				t.Errorf("got %d devices, %v mg; want %d, %d", c.Devices, c.DoseMg, tt.devices, tt.mg)
			}
			if !strings.Contains(c.Lines[1].Formula, tt.times) {
				t.Errorf("times %q, want %q", c.Lines[1].Formula, tt.times)
			}
		})
	}
}

func TestVerifyAndCanGive(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	const nurse, second = "nurse-1", "nurse-2"
	draft, err := NewOrder(validOrder(protocol.IV), p, 40, now)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := draft.Sign(p, 40, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := PrepareIV(signed, 50, p)
	if err != nil {
		t.Fatal(err)
	}
	prep, err := NewPreparation(signed, c, nurse, now)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("preparer_cannot_verify_own_dose", func(t *testing.T) {
		_, err := Verify(prep, nurse, now.Add(time.Minute))
		checkCode(t, err, ketaflow.EForbidden, "", "second user")
	})
	t.Run("verifier_required", func(t *testing.T) {
		_, err := Verify(prep, "", now)
		checkInvalid(t, err, "verified_by", "")
	})
	t.Run("verified_before_prepared_refused", func(t *testing.T) {
		_, err := Verify(prep, second, now.Add(-time.Minute))
		checkInvalid(t, err, "verified_at", "")
	})
	t.Run("unverified_dose_cannot_be_given", func(t *testing.T) {
		checkCode(t, CanGive(signed, prep), ketaflow.EBlocked, "", "verified by a second user")
	})
	verified, err := Verify(prep, second, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("second_user_verifies", func(t *testing.T) {
		if verified.VerifiedBy != second || !verified.VerifiedAt.Equal(now.Add(time.Minute)) || prep.Verified() {
			t.Fatalf("verified %+v; original changed: %v", verified, prep.Verified())
		}
		if err := CanGive(signed, verified); err != nil {
			t.Fatalf("CanGive: %v", err)
		}
	})
	t.Run("verified_twice_refused", func(t *testing.T) {
		_, err := Verify(verified, "nurse-3", now.Add(2*time.Minute))
		checkCode(t, err, ketaflow.EConflict, "", "already verified")
	})
	t.Run("unsigned_order_cannot_be_given", func(t *testing.T) {
		checkCode(t, CanGive(draft, verified), ketaflow.EBlocked, "", "not signed")
	})
	t.Run("self_verified_record_cannot_be_given", func(t *testing.T) {
		v := verified
		v.VerifiedBy = nurse
		checkCode(t, CanGive(signed, v), ketaflow.EBlocked, "", "second user")
	})
	t.Run("preparation_for_other_dose_cannot_be_given", func(t *testing.T) {
		o := signed
		o.DoseMg = 40
		checkCode(t, CanGive(o, verified), ketaflow.EBlocked, "", "does not match")
	})
	t.Run("unprepared_dose_cannot_be_given", func(t *testing.T) {
		checkCode(t, CanGive(signed, Preparation{}), ketaflow.EBlocked, "", "not been prepared")
	})
	t.Run("preparation_must_be_for_the_order", func(t *testing.T) {
		other, err := PrepareIV(mustOrder(t, func() Order { o := validOrder(protocol.IV); o.MgPerKg = 0.6; return o }(), p), 50, p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewPreparation(signed, other, nurse, now)
		checkInvalid(t, err, "dose_mg", "not for this order")
	})
}
