package intake

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
)

type ranked struct {
	Route protocol.Route
	Rank  int
}

func ranking(advice []Advice) []ranked {
	out := make([]ranked, len(advice))
	for i, a := range advice {
		out[i] = ranked{a.Route, a.Rank}
	}
	return out
}

func TestAdvise(t *testing.T) {
	t.Parallel()
	iv, im, sp := protocol.IV, protocol.IM, protocol.Spravato
	p65 := protocol.Default()
	p65.Dose.Spravato.Allow28MgFrom65 = true
	tests := []struct {
		name string
		f    Factors
		p    protocol.Protocol
		want []ranked
		says map[protocol.Route]string // a reason each route must give
	}{
		{"no_factors_tie_in_route_order", Factors{REMSEnrolled: true, Age: 40}, protocol.Default(),
			[]ranked{{iv, 1}, {im, 1}, {sp, 1}}, map[protocol.Route]string{sp: "already enrolled"}},
		{"needle_fear_ranks_spravato_first_and_iv_last", Factors{NeedleFear: true, REMSEnrolled: true}, protocol.Default(),
			[]ranked{{sp, 1}, {im, 2}, {iv, 3}}, map[protocol.Route]string{sp: "no needles", iv: "cannula", im: "one injection"}},
		{"wish_for_insurance_ranks_spravato_first", Factors{WantsInsurance: true}, protocol.Default(),
			[]ranked{{sp, 1}, {iv, 2}, {im, 2}}, map[protocol.Route]string{sp: "often covered", iv: "self-pay"}},
		{"good_prior_response_outweighs_needle_fear", Factors{NeedleFear: true, REMSEnrolled: true,
			PriorResponse: map[protocol.Route]Response{iv: ResponseGood}}, protocol.Default(),
			[]ranked{{iv, 1}, {sp, 1}, {im, 3}}, map[protocol.Route]string{iv: "responded well"}},
		{"no_prior_response_counts_against", Factors{REMSEnrolled: true, PriorResponse: map[protocol.Route]Response{iv: ResponseNone}}, protocol.Default(),
			[]ranked{{im, 1}, {sp, 1}, {iv, 3}}, map[protocol.Route]string{iv: "did not respond"}},
		{"too_little_time_counts_against_spravato", Factors{MinutesAvailable: 120, REMSEnrolled: true}, protocol.Default(),
			[]ranked{{iv, 1}, {im, 1}, {sp, 3}}, map[protocol.Route]string{sp: "about 135 min", iv: "Fits"}},
		{"time_exactly_the_chair_time_fits", Factors{MinutesAvailable: 135, REMSEnrolled: true}, protocol.Default(),
			[]ranked{{iv, 1}, {im, 1}, {sp, 1}}, map[protocol.Route]string{sp: "Fits"}},
		{"rems_not_enrolled_counts_against_spravato", Factors{}, protocol.Default(),
			[]ranked{{iv, 1}, {im, 1}, {sp, 3}}, map[protocol.Route]string{sp: "must be enrolled"}},
		{"contraindication_named_on_every_route_without_changing_rank",
			Factors{REMSEnrolled: true, Contraindications: []patients.Contraindication{patients.Pregnancy}}, protocol.Default(),
			[]ranked{{iv, 1}, {im, 1}, {sp, 1}}, map[protocol.Route]string{iv: "Pregnancy", im: "Pregnancy", sp: "Pregnancy"}},
		{"28mg_option_from_65_counts_for_spravato_when_allowed", Factors{REMSEnrolled: true, Age: 65}, p65,
			[]ranked{{sp, 1}, {iv, 2}, {im, 2}}, map[protocol.Route]string{sp: "28 mg"}},
		{"28mg_option_not_offered_under_65", Factors{REMSEnrolled: true, Age: 64}, p65,
			[]ranked{{iv, 1}, {im, 1}, {sp, 1}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Advise(tt.f, tt.p)
			checkRanking(t, got)
			if diff := cmp.Diff(tt.want, ranking(got)); diff != "" {
				t.Errorf("ranking mismatch (-want +got):\n%s", diff)
			}
			for _, a := range got {
				for _, r := range a.Reasons {
					if !strings.HasSuffix(r, ".") {
						t.Errorf("%s reason %q is not a sentence", a.Route, r)
					}
				}
				if s, ok := tt.says[a.Route]; ok && !strings.Contains(strings.Join(a.Reasons, " "), s) {
					t.Errorf("%s reasons %q do not say %q", a.Route, a.Reasons, s)
				}
			}
			if diff := cmp.Diff(got, Advise(tt.f, tt.p)); diff != "" {
				t.Errorf("second call differs (-first +second):\n%s", diff)
			}
		})
	}
}

// checkRanking checks the ranking's own rules: scores never rise down the
// list, equal scores share a rank and keep protocol.Routes order, and a lower
// score ranks by its place.
func checkRanking(t *testing.T, advice []Advice) {
	t.Helper()
	order := func(r protocol.Route) int { return slices.Index(protocol.Routes, r) }
	for i := 1; i < len(advice); i++ {
		a, b := advice[i-1], advice[i]
		switch {
		case b.Score > a.Score:
			t.Errorf("%s (score %d) ranks below %s (score %d)", b.Route, b.Score, a.Route, a.Score)
		case b.Score == a.Score && (b.Rank != a.Rank || order(b.Route) < order(a.Route)):
			t.Errorf("tie of %s and %s: ranks %d, %d, out of route order", a.Route, b.Route, a.Rank, b.Rank)
		case b.Score < a.Score && b.Rank != i+1:
			t.Errorf("%s at place %d has rank %d", b.Route, i+1, b.Rank)
		}
	}
}

func TestProfilesFollowTheProtocol(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	p.Session.ChairMinutes.IV = 120
	p.Dose.IV.MinutesMax = 50
	ps := Profiles(p)
	if len(ps) != 3 || ps[0].Route != protocol.IV || ps[1].Route != protocol.IM || ps[2].Route != protocol.Spravato {
		t.Fatalf("got profiles %+v, want IV, IM, Spravato", ps)
	}
	if ps[0].ChairTime != 120*time.Minute || !strings.Contains(ps[0].How, "40–50 min") {
		t.Errorf("IV profile %+v does not follow the protocol", ps[0])
	}
	if ps[2].ChairTime != 135*time.Minute || ps[2].Monitoring != 2*time.Hour || !ps[2].NeedsREMS || ps[2].Needle != NoNeedle {
		t.Errorf("Spravato profile %+v, want 135 min chair, 2 h monitoring, REMS, no needle", ps[2])
	}
	for _, rp := range ps {
		if rp.How == "" || rp.Onset == "" || rp.DoseControl == "" || rp.Needles == "" || rp.Regulation == "" {
			t.Errorf("%s profile has an empty column: %+v", rp.Route, rp)
		}
	}
}

func TestCheckRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want protocol.Route
	}{
		{"IV", protocol.IV},
		{" esketamine ", protocol.Spravato},
		{"intramuscular", protocol.IM},
	}
	for _, tt := range tests {
		got, err := CheckRoute(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CheckRoute(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"oral", "ketamine troches", "", "rectal"} {
		_, err := CheckRoute(in)
		_, want := protocol.ParseRoute(in)
		if err == nil || ketaflow.ErrorCode(err) != ketaflow.EInvalid || ketaflow.AsError(err).Field != "route" {
			t.Errorf("CheckRoute(%q) = %v, want EInvalid on route", in, err)
			continue
		}
		if ketaflow.ErrorMessage(err) != ketaflow.ErrorMessage(want) {
			t.Errorf("CheckRoute(%q) says %q, want protocol's %q", in, ketaflow.ErrorMessage(err), ketaflow.ErrorMessage(want))
		}
	}
}
