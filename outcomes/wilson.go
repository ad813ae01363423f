package outcomes

import "math"

// z95 is the standard normal quantile for a two-sided 95% interval.
const z95 = 1.959963984540054

// Interval is a confidence interval of a proportion, from 0 to 1.
type Interval struct {
	Low, High float64
}

// Wilson is the 95% Wilson score interval of successes out of n (Wilson
// 1927; method 3 of Newcombe, Statistics in Medicine 1998;17:857-872). Unlike
// the plain p ± 1.96·SE it stays inside 0..1 and stays wide for a small group,
// so that 3 of 4 reads as "somewhere between 30% and 95%". ok is false when
// n is 0 or successes is outside 0..n.
func Wilson(successes, n int) (Interval, bool) {
	if n <= 0 || successes < 0 || successes > n {
		return Interval{}, false
	}
	p := float64(successes) / float64(n)
	fn := float64(n)
	z2 := z95 * z95
	d := 1 + z2/fn
	centre := (p + z2/(2*fn)) / d
	half := z95 * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn)) / d
	// At 0 and n the interval touches the bound exactly; rounding must not
	// leave it a hair inside or outside.
	lo, hi := math.Max(0, centre-half), math.Min(1, centre+half)
	if successes == 0 {
		lo = 0
	}
	if successes == n {
		hi = 1
	}
	return Interval{Low: lo, High: hi}, true
}

// GuideRemission is the patient guide's claim for ketamine alone, shown
// beside a clinic's own remission rate: "50-70% of patients reach
// remission with ketamine alone, and more with therapy" [patient guide].
var GuideRemission = Interval{Low: 0.50, High: 0.70}
