package dosing

import (
	"testing"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func TestAccountOf(t *testing.T) {
	t.Parallel()
	lot := Lot{ID: "L1", Form: Vial}
	entries := []Entry{
		{LotID: "L1", VisitID: "V1", Kind: Draw, Quantity: 0.64},
		{LotID: "L1", VisitID: "V1", Kind: Give, Quantity: 0.1},
		{LotID: "L1", VisitID: "V1", Kind: Waste, Quantity: 0.2},
		{LotID: "L1", VisitID: "V2", Kind: Draw, Quantity: 5},
		{LotID: "L2", VisitID: "V1", Kind: Draw, Quantity: 5},
		{LotID: "L1", Kind: Receive, Quantity: 100},
	}
	a := AccountOf(lot, "V1", entries)
	if a.Drawn != 0.64 || a.Given != 0.1 || a.Wasted != 0.2 || a.Remaining != 0.34 || a.Settled() {
		t.Errorf("account %+v, want drawn 0.64 given 0.1 wasted 0.2 remaining 0.34", a)
	}
	entries = append(entries, Entry{LotID: "L1", VisitID: "V1", Kind: Waste, Quantity: 0.34})
	if a := AccountOf(lot, "V1", entries); !a.Settled() || a.Remaining != 0 {
		t.Errorf("after wasting the rest: %+v", a)
	}
}

func TestDrawFor(t *testing.T) {
	t.Parallel()
	multi, single := protocol.Default(), protocol.Default()
	single.Dose.SingleDoseVials = true
	vial := Lot{Form: Vial, MLPerVial: 10}
	tests := []struct {
		name string
		p    protocol.Protocol
		draw float64
		want float64
	}{
		{"multi_dose_vials_draw_the_volume", multi, 0.64, 0.64},
		{"single_dose_vials_open_a_whole_vial", single, 0.64, 10},
		{"single_dose_vials_open_as_many_as_needed", single, 10.5, 20},
		{"single_dose_exactly_one_vial", single, 10, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DrawFor(Calculation{DrawML: tc.draw}, vial, tc.p); got != tc.want {
				t.Errorf("got %g, want %g", got, tc.want)
			}
		})
	}
	kit := Lot{Form: SpravatoKit, DevicesPerKit: 2}
	if got := DrawFor(Calculation{Devices: 2, DrawML: 0}, kit, single); got != 0 {
		t.Errorf("a kit is not vials: got %g", got)
	}
}

// TestDeliveredIV is the stopped infusion of issue 8: stopped at 6:04 of 40
// min, the ledger must not say that all 32 mg (0.64 mL) were given.
func TestDeliveredIV(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	c := Calculation{DrawML: 0.64, BagTotalML: 100.64}
	ml := func(v float64) *float64 { return &v }
	tests := []struct {
		name     string
		fraction float64
		infused  *float64
		want     float64
		code     ketaflow.Code
	}{
		{"ran_its_minutes_gives_all", 1, nil, 0.64, ""},
		{"stopped_at_6_04_of_40_gives_the_share_of_running_time", (6*60 + 4) / 2400.0, nil, 0.1, ""},
		{"stopped_with_the_pump_volume_gives_that_share_of_the_bag", 0.15, ml(25.16), 0.16, ""},
		{"nothing_infused_gives_nothing", 0, ml(0), 0, ""},
		{"more_than_the_bag_is_refused", 0.5, ml(120), 0, ketaflow.EInvalid},
		{"negative_volume_is_refused", 0.5, ml(-1), 0, ketaflow.EInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DeliveredIV(c, tc.fraction, tc.infused, p)
			if ketaflow.ErrorCode(err) != tc.code {
				t.Fatalf("got error %v, want code %q", err, tc.code)
			}
			if err == nil && got != tc.want {
				t.Errorf("delivered %g mL, want %g", got, tc.want)
			}
		})
	}
}
