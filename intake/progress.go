package intake

// Progress over a course is read against the baseline, the patient's first
// score [product brief, "a course of treatment and its outcome"]: a
// response is a drop of at least the protocol's percentage from it
// (integration.response_drop_percent, default 50), remission a PHQ-9 total
// below the protocol's limit (integration.remission_phq9_below, default 5).

// ResponseLine is the total at which a score has dropped by dropPercent
// from baseline: a total at or below it is a response. It is a fraction
// (7.5 for a baseline of 15 at 50%), so that a chart draws it where it is.
func ResponseLine(baseline, dropPercent int) float64 {
	return float64(baseline) * float64(100-dropPercent) / 100
}

// Responded reports whether total is a response from baseline: a drop of
// at least dropPercent percent. It counts in whole numbers, so that 20 to
// 10 at 50% is a response and 20 to 11 is not. A baseline of 0 has nothing
// to drop from.
func Responded(baseline, total, dropPercent int) bool {
	return baseline > 0 && (baseline-total)*100 >= dropPercent*baseline
}

// Remitted reports whether a PHQ-9 total is remission: below the limit.
func Remitted(phq9Total, below int) bool { return phq9Total < below }
