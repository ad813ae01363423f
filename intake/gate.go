package intake

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

// CheckID names one check of the pre-session gate. The strings are stable:
// overrides are stored against them.
type CheckID string

const (
	CheckQuestionnaires    CheckID = "questionnaires"
	CheckSafetyAlert       CheckID = "safety_alert"
	CheckBloodPressure     CheckID = "blood_pressure"
	CheckSpO2              CheckID = "spo2"
	CheckHeartRate         CheckID = "heart_rate"
	CheckFasting           CheckID = "fasting"
	CheckRideHome          CheckID = "ride_home"
	CheckContraindications CheckID = "contraindications"
	CheckWeight            CheckID = "weight"
	CheckREMS              CheckID = "rems" // Spravato only
)

// CheckIDs lists every check in the order the gate shows them.
var CheckIDs = []CheckID{
	CheckQuestionnaires, CheckSafetyAlert, CheckBloodPressure, CheckSpO2, CheckHeartRate,
	CheckFasting, CheckRideHome, CheckContraindications, CheckWeight, CheckREMS,
}

// Title is the check's name for people.
func (id CheckID) Title() string {
	switch id {
	case CheckQuestionnaires:
		return "Questionnaires (PHQ-9 and GAD-7)"
	case CheckSafetyAlert:
		return "PHQ-9 item 9 safety alert"
	case CheckBloodPressure:
		return "Blood pressure"
	case CheckSpO2:
		return "Oxygen saturation (SpO2)"
	case CheckHeartRate:
		return "Heart rate"
	case CheckFasting:
		return "Fasting"
	case CheckRideHome:
		return "Ride home"
	case CheckContraindications:
		return "Contraindications"
	case CheckWeight:
		return "Weight"
	case CheckREMS:
		return "Spravato REMS"
	}
	return string(id)
}

// Name is the check's short name inside a sentence: "blood pressure".
func (id CheckID) Name() string {
	switch id {
	case CheckSafetyAlert:
		return "PHQ-9 item 9 safety alert"
	case CheckSpO2:
		return "SpO2"
	case CheckREMS:
		return "REMS"
	}
	return strings.ReplaceAll(string(id), "_", " ")
}

// Status is a check's verdict [product brief, the pre-session gate].
type Status string

const (
	Pass  Status = "pass"  // nothing to act on
	Warn  Status = "warn"  // shown; dosing may go on
	Block Status = "block" // dosing may not start unless a prescriber overrides (when Overridable)
)

// AlertState is the state of this visit's PHQ-9 item 9 safety alert. The
// zero value "" means the same as AlertNone.
type AlertState string

const (
	AlertNone     AlertState = "none"     // no alert raised
	AlertOpen     AlertState = "open"     // raised, waiting for a clinician's risk assessment
	AlertAssessed AlertState = "assessed" // a clinician recorded a risk assessment on it
)

// FastingAnswers is what the patient states at check-in. A nil time means
// the question was not answered.
type FastingAnswers struct {
	// LastSolidFood is when the patient last ate. A non-clear drink taken
	// earlier than LastLiquid belongs here too: it counts as food [guide].
	LastSolidFood *time.Time `json:"last_solid_food,omitempty"`
	// LastLiquid is when the patient last drank anything.
	LastLiquid *time.Time `json:"last_liquid,omitempty"`
	// LastLiquidClear is whether that drink was a clear liquid (water, black
	// coffee, tea). Milk, juice, anything with pulp or fat is not clear and is
	// measured against the food rule; nil (not asked) is treated the same.
	LastLiquidClear *bool `json:"last_liquid_clear,omitempty"`
	// NasalMedicationAt is when the patient last used a nasal corticosteroid
	// or decongestant today; nil means none.
	NasalMedicationAt *time.Time `json:"nasal_medication_at,omitempty"`
}

// Ride is the driver who takes the patient home.
type Ride struct {
	DriverName  string `json:"driver_name"`
	DriverPhone string `json:"driver_phone"`
}

// Facts is everything the gate judges for one visit. The caller gathers it
// from the record and the visit; the gate reads nothing else.
type Facts struct {
	Route protocol.Route `json:"route"`
	// PHQ9 and GAD7 are this visit's scored questionnaires; nil when not done.
	PHQ9 *Result `json:"phq9,omitempty"`
	GAD7 *Result `json:"gad7,omitempty"`
	// SafetyAlert is the state of this visit's PHQ-9 item 9 alert.
	SafetyAlert AlertState `json:"safety_alert"`
	// Vitals are this visit's readings, amendments included.
	Vitals            []vitals.Reading            `json:"vitals"`
	Fasting           FastingAnswers              `json:"fasting"`
	Ride              Ride                        `json:"ride"`
	Contraindications []patients.Contraindication `json:"contraindications"`
	// LatestWeightAt is when the latest weight was measured; nil when none.
	LatestWeightAt *time.Time `json:"latest_weight_at,omitempty"`
	// REMSPatientID is the patient's Spravato REMS enrolment id.
	REMSPatientID string `json:"rems_patient_id"`
	// SettingREMSCertified is whether the clinic is a REMS-certified
	// healthcare setting (ketaflow.Clinic.REMSSettingID is set).
	SettingREMSCertified bool `json:"setting_rems_certified"`
	// CrisisResources is the clinic's crisis text for staff, built from its
	// contacts (ketaflow.Contacts.StaffCrisisText); the gate carries it
	// when item 9 raises a safety alert.
	CrisisResources string `json:"crisis_resources,omitempty"`
	// Overrides are the prescribers' overrides recorded at this visit.
	Overrides []Override `json:"overrides"`
}

// Check is one verdict of the gate, written for the nurse at the chair.
type Check struct {
	ID     CheckID `json:"id"`
	Title  string  `json:"title"`
	Status Status  `json:"status"`
	// Reason says what was found, with the numbers and units.
	Reason string `json:"reason"`
	// Next says what to do about it; "" when nothing is needed.
	Next string `json:"next,omitempty"`
	// Overridable is whether a prescriber may override this block with a
	// written reason. Always false for Pass and Warn.
	Overridable bool `json:"overridable"`
	// Evidence identifies exactly what was judged (a reading id, the sorted
	// contraindication codes, the stated times). An override names the
	// evidence it covers, so a new, worse reading is never covered by an
	// override of an old one.
	Evidence string `json:"evidence,omitempty"`
	// Override is the override applied to this block, if any.
	Override *Override `json:"override,omitempty"`
}

// Blocking reports whether the check stops dosing: a block not overridden.
func (c Check) Blocking() bool { return c.Status == Block && c.Override == nil }

// Gate is the verdict of the pre-session gate.
type Gate struct {
	Checks []Check `json:"checks"`
	// Cleared is true only when no check blocks; an overridden block does
	// not block.
	Cleared bool `json:"cleared"`
	// CrisisResources is the clinic's crisis text, set whenever the PHQ-9
	// item 9 alert is raised, to be shown to whoever is with the patient.
	CrisisResources string `json:"crisis_resources,omitempty"`
}

// Check returns the check with the given id.
func (g Gate) Check(id CheckID) (Check, bool) {
	i := slices.IndexFunc(g.Checks, func(c Check) bool { return c.ID == id })
	if i < 0 {
		return Check{}, false
	}
	return g.Checks[i], true
}

// Blocking returns the checks that stop dosing, in gate order.
func (g Gate) Blocking() []Check {
	var out []Check
	for _, c := range g.Checks {
		if c.Blocking() {
			out = append(out, c)
		}
	}
	return out
}

// Summary says the verdict in one line, for the visit's transition log:
// "Cleared for dosing: 10 checks, 1 warning (heart rate), 1 override
// (blood pressure)".
func (g Gate) Summary() string {
	var warns, overridden, blocks []string
	for _, c := range g.Checks {
		switch {
		case c.Status == Warn:
			warns = append(warns, c.ID.Name())
		case c.Status == Block && c.Override != nil:
			overridden = append(overridden, c.ID.Name())
		case c.Status == Block:
			blocks = append(blocks, c.ID.Name())
		}
	}
	var b strings.Builder
	if g.Cleared {
		fmt.Fprintf(&b, "Cleared for dosing: %d %s", len(g.Checks), plural(len(g.Checks), "check", "checks"))
	} else {
		fmt.Fprintf(&b, "Not cleared: %d %s (%s)", len(blocks), plural(len(blocks), "block", "blocks"), strings.Join(blocks, ", "))
	}
	if len(warns) > 0 {
		fmt.Fprintf(&b, ", %d %s (%s)", len(warns), plural(len(warns), "warning", "warnings"), strings.Join(warns, ", "))
	}
	if len(overridden) > 0 {
		fmt.Fprintf(&b, ", %d %s (%s)", len(overridden), plural(len(overridden), "override", "overrides"), strings.Join(overridden, ", "))
	}
	return b.String()
}

// Override is a prescriber's written decision that dosing may start despite
// one block. It covers only the Evidence it names.
type Override struct {
	Check    CheckID   `json:"check"`
	Evidence string    `json:"evidence"` // the Check.Evidence it covers
	By       string    `json:"by"`       // user id of the prescriber
	ByName   string    `json:"by_name"`  // as staff saw it when read
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}

// Override reasons are written for the audit and the next clinician to read:
// a word or two ("ok", "fine") says nothing.
const (
	MinOverrideReason = 10   // characters
	MaxOverrideReason = 2000 // characters
)

// Evaluate runs the pre-session gate for one visit at time now, with every
// limit from p. It never reads the clock and never fails: a fact it cannot
// judge blocks, with a reason saying what is missing.
//
// The checks, in order: questionnaires, safety_alert, blood_pressure, spo2,
// heart_rate, fasting, ride_home, contraindications, weight, and rems on a
// Spravato visit only (absent on IV and IM). Overrides in f apply to an
// overridable block only when their Evidence equals the check's.
//
// Clock times in messages are shown in now's location: pass now in the
// clinic's zone (now.In(clinic.Location())).
func Evaluate(f Facts, p protocol.Protocol, now time.Time) Gate {
	g := p.Gate
	checks := []Check{
		checkQuestionnaires(f),
		checkSafety(f, p),
		checkBP(f, g, now),
		checkSpO2(f, g, now),
		checkHeartRate(f, g, now),
		checkFasting(f, p, now),
		checkRide(f),
		checkContraindications(f),
		checkWeight(f, g, now),
	}
	if f.Route == protocol.Spravato {
		checks = append(checks, checkREMS(f))
	}
	out := Gate{Checks: checks}
	for i := range out.Checks {
		c := &out.Checks[i]
		c.Title = c.ID.Title()
		if c.Status != Block {
			c.Overridable = false
		}
		if c.Status == Block && c.Overridable {
			c.Override = findOverride(f.Overrides, *c, now)
		}
	}
	out.Cleared = len(out.Blocking()) == 0
	if alertRaised(f, p) {
		out.CrisisResources = f.CrisisResources
	}
	return out
}

// findOverride returns the latest override that covers c's evidence.
func findOverride(all []Override, c Check, now time.Time) *Override {
	var best *Override
	for _, o := range all {
		if o.Check != c.ID || o.Evidence == "" || o.Evidence != c.Evidence || o.At.After(now) || reasonProblem(o.Reason) != "" {
			continue
		}
		if best == nil || o.At.After(best.At) {
			best = &o
		}
	}
	return best
}

// ValidateOverride checks that a prescriber may record o against the gate g,
// which the caller must evaluate afresh just before saving. It returns:
//   - EInvalid on "check" when the gate has no such check or it does not block;
//   - EBlocked on "check" when the block cannot be overridden (say, no
//     driver, or an open safety alert);
//   - EConflict when the check is overridden already, or its evidence has
//     changed since the prescriber reviewed it (a new reading);
//   - EInvalid on "reason", "by" or "at" for a missing or too short reason
//     (fewer than MinOverrideReason characters), no author or no time.
//
// Whether the user is a prescriber is the caller's permission check.
func ValidateOverride(g Gate, o Override) error {
	c, ok := g.Check(o.Check)
	switch {
	case !ok:
		return ketaflow.Invalid("check", "there is no %q check on this visit's gate", clip(string(o.Check), 40))
	case c.Status == Pass:
		return ketaflow.Invalid("check", "the %s check passes: there is nothing to override", c.ID.Name())
	case c.Status == Warn:
		return ketaflow.Invalid("check", "the %s check only warns and does not stop dosing: there is nothing to override", c.ID.Name())
	case !c.Overridable:
		return &ketaflow.Error{Code: ketaflow.EBlocked, Field: "check",
			Message: fmt.Sprintf("the %s block cannot be overridden: %s", c.ID.Name(), c.Next)}
	case c.Override != nil:
		return ketaflow.Errorf(ketaflow.EConflict, "the %s block is already overridden by %s", c.ID.Name(), c.Override.ByName)
	case o.Evidence != c.Evidence:
		return ketaflow.Errorf(ketaflow.EConflict, "the %s check has changed since it was reviewed (now: %s); review it again before overriding",
			c.ID.Name(), c.Reason)
	}
	var probs ketaflow.Problems
	if msg := reasonProblem(o.Reason); msg != "" {
		probs.Add("reason", "%s", msg)
	}
	if strings.TrimSpace(o.By) == "" {
		probs.Add("by", "an override must name the prescriber who makes it")
	}
	if o.At.IsZero() {
		probs.Add("at", "an override must record when it was made")
	}
	return probs.Err()
}

// reasonProblem says what is wrong with an override's written reason, or "".
func reasonProblem(reason string) string {
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	switch {
	case n < MinOverrideReason:
		return fmt.Sprintf("write why dosing should go ahead despite the block: at least %d characters, not %d", MinOverrideReason, n)
	case n > MaxOverrideReason:
		return fmt.Sprintf("the reason must be at most %d characters, not %d", MaxOverrideReason, n)
	}
	return ""
}

const askOverride = "ask a prescriber to override with a written reason"

func checkQuestionnaires(f Facts) Check {
	c := Check{ID: CheckQuestionnaires}
	phq := f.PHQ9 != nil && f.PHQ9.Instrument == PHQ9ID
	gad := f.GAD7 != nil && f.GAD7.Instrument == GAD7ID
	switch {
	case phq && gad:
		c.Status = Pass
		c.Reason = f.PHQ9.Summary() + "; " + f.GAD7.Summary()
	case !phq:
		// Not overridable: item 9 is the visit's screen for thoughts of
		// self-harm before a dissociative drug.
		c.Status = Block
		c.Reason = "Not answered at this visit: PHQ-9"
		if !gad {
			c.Reason += " and GAD-7"
		}
		c.Next = "Ask the patient to answer the PHQ-9 (and the GAD-7) now on the clinic tablet; the PHQ-9 cannot be skipped because item 9 screens for thoughts of self-harm"
		c.Evidence = "missing:" + PHQ9ID
		if !gad {
			c.Evidence += "," + GAD7ID
		}
	default:
		c.Status = Block
		c.Overridable = true
		c.Reason = "Not answered at this visit: GAD-7. Done: " + f.PHQ9.Summary()
		c.Next = "Ask the patient to answer the GAD-7 now on the clinic tablet, or " + askOverride
		c.Evidence = "missing:" + GAD7ID
	}
	return c
}

// alertRaised reports whether this visit has a PHQ-9 item 9 safety alert:
// recorded as raised, or due from the score even if nobody raised it yet.
func alertRaised(f Facts, p protocol.Protocol) bool {
	if f.SafetyAlert == AlertOpen || f.SafetyAlert == AlertAssessed {
		return true
	}
	return f.PHQ9 != nil && f.PHQ9.SafetyAlert(p)
}

func checkSafety(f Facts, p protocol.Protocol) Check {
	c := Check{ID: CheckSafetyAlert}
	if !alertRaised(f, p) {
		if f.PHQ9 == nil || f.PHQ9.Instrument != PHQ9ID {
			c.Status = Block
			c.Reason = "The PHQ-9 is not answered yet, so item 9 (thoughts of death or self-harm) has not been asked"
			c.Next = "Ask the patient to answer the PHQ-9 now"
			return c
		}
		c.Status = Pass
		c.Reason = "PHQ-9 item 9 answered " + item9Answer(f.PHQ9.Item9) + ": no safety alert"
		c.Evidence = fmt.Sprintf("item9=%d", f.PHQ9.Item9)
		return c
	}
	what := "A safety alert was raised at this visit"
	if f.PHQ9 != nil && f.PHQ9.Instrument == PHQ9ID {
		what = "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered " + item9Answer(f.PHQ9.Item9)
		c.Evidence = fmt.Sprintf("item9=%d", f.PHQ9.Item9)
	}
	// Never overridable: only a clinician's risk assessment resolves it
	// [product brief].
	switch f.SafetyAlert {
	case AlertAssessed:
		// A warning, not a pass: staff at the chair should know what the
		// patient reported today.
		c.Status = Warn
		c.Reason = what + "; a clinician has recorded a risk assessment"
		c.Next = "Dosing may go ahead as the assessment allows; keep the crisis resources at hand and watch the patient closely"
	case AlertOpen:
		c.Status = Block
		c.Reason = what + "; the safety alert is open and dosing waits for a clinician's risk assessment"
		c.Next = "Stay with the patient and show the crisis resources; the prescriber records a risk assessment on the alert (this block cannot be overridden)"
	default:
		c.Status = Block
		c.Reason = what + "; the safety alert has not been raised yet"
		c.Next = "Raise the safety alert to the prescriber now, stay with the patient and show the crisis resources; dosing waits for a clinician's risk assessment"
	}
	return c
}

// item9Answer reads an item 9 answer: "2 (More than half the days)".
func item9Answer(v int) string {
	if o, ok := phq9.option(v); ok {
		return fmt.Sprintf("%d (%s)", v, o.Label)
	}
	return fmt.Sprint(v)
}

// latestVital finds the latest effective reading with a measurement and
// returns a blocking check when there is none or it is too old to count.
func latestVital(c Check, f Facts, g protocol.Gate, now time.Time, has func(vitals.Reading) bool, what string, show func(vitals.Reading) string) (vitals.Reading, Check, bool) {
	r, ok := vitals.Latest(f.Vitals, has)
	if !ok {
		// Not overridable: measuring takes a minute.
		c.Status = Block
		c.Reason = "No " + what + " recorded at this visit: not measured"
		c.Next = "Measure " + what + " before dosing"
		return r, c, false
	}
	c.Evidence = readingEvidence(r)
	if age := now.Sub(r.TakenAt); age > g.VitalsMaxAge() {
		c.Status = Block
		c.Reason = fmt.Sprintf("The latest %s, %s, was taken at %s, %s ago; gate vitals must be at most %d min old",
			what, show(r), clock(r.TakenAt, now), duration(age), g.VitalsMaxAgeMinutes)
		c.Next = "Measure " + what + " again"
		return r, c, false
	}
	return r, c, true
}

// readingEvidence identifies a reading; readings are never changed, so the id
// is enough when there is one.
func readingEvidence(r vitals.Reading) string {
	if r.ID != "" {
		return "reading:" + r.ID
	}
	return "reading@" + r.TakenAt.UTC().Format(time.RFC3339Nano)
}

func checkBP(f Facts, g protocol.Gate, now time.Time) Check {
	show := func(r vitals.Reading) string { return r.BP() + " mmHg" }
	r, c, ok := latestVital(Check{ID: CheckBloodPressure}, f, g, now, vitals.WithBP, "blood pressure", show)
	if !ok {
		return c
	}
	sys, dia := r.Systolic, r.Diastolic
	reading := fmt.Sprintf("BP %s (taken %s)", show(r), clock(r.TakenAt, now))
	block := fmt.Sprintf("%d/%d mmHg", g.BPBlockSystolic, g.BPBlockDiastolic)
	warn := fmt.Sprintf("%d/%d mmHg", g.BPWarnSystolic, g.BPWarnDiastolic)
	switch {
	case g.BPBlocks(sys, dia):
		var over []string
		if sys >= g.BPBlockSystolic {
			over = append(over, fmt.Sprintf("systolic %d ≥ %d", sys, g.BPBlockSystolic))
		}
		if dia >= g.BPBlockDiastolic {
			over = append(over, fmt.Sprintf("diastolic %d ≥ %d", dia, g.BPBlockDiastolic))
		}
		c.Status, c.Overridable = Block, true
		c.Reason = fmt.Sprintf("%s is at or above the %s limit (%s)", reading, block, strings.Join(over, ", "))
		c.Next = repeatBP(g) + "; if it stays at or above " + block + ", " + askOverride
	case g.BPWarns(sys, dia):
		c.Status = Warn
		c.Reason = fmt.Sprintf("%s is above the %s warning level (dosing is blocked at %s)", reading, warn, block)
		c.Next = "Dosing may go ahead; consider a delay: " + lowerFirst(repeatBP(g))
	default:
		c.Status = Pass
		c.Reason = fmt.Sprintf("%s is within limits (warning above %s)", reading, warn)
	}
	return c
}

// repeatBP tells the nurse how to repeat a high reading.
func repeatBP(g protocol.Gate) string {
	if n := g.BPRepeatRestMinutes; n > 0 {
		return fmt.Sprintf("Let the patient rest %d min and measure again (the gate uses the latest reading)", n)
	}
	return "Measure again (the gate uses the latest reading)"
}

func checkSpO2(f Facts, g protocol.Gate, now time.Time) Check {
	show := func(r vitals.Reading) string { return fmt.Sprintf("%d%%", r.SpO2) }
	r, c, ok := latestVital(Check{ID: CheckSpO2}, f, g, now, vitals.WithSpO2, "oxygen saturation (SpO2)", show)
	if !ok {
		return c
	}
	reading := fmt.Sprintf("SpO2 %s (taken %s)", show(r), clock(r.TakenAt, now))
	switch {
	case g.SpO2Blocks(r.SpO2):
		c.Status, c.Overridable = Block, true
		c.Reason = fmt.Sprintf("%s is below the %d%% limit", reading, g.SpO2BlockBelow)
		c.Next = fmt.Sprintf("Check the probe and measure again; if it stays below %d%%, %s", g.SpO2BlockBelow, askOverride)
	case g.SpO2Warns(r.SpO2):
		c.Status = Warn
		c.Reason = fmt.Sprintf("%s is below the %d%% warning level (dosing is blocked below %d%%)", reading, g.SpO2WarnBelow, g.SpO2BlockBelow)
		c.Next = "Dosing may go ahead; check the probe and watch oxygen saturation closely"
	default:
		c.Status = Pass
		c.Reason = fmt.Sprintf("%s is within limits (warning below %d%%)", reading, g.SpO2WarnBelow)
	}
	return c
}

func checkHeartRate(f Facts, g protocol.Gate, now time.Time) Check {
	show := func(r vitals.Reading) string { return fmt.Sprintf("%d bpm", r.HeartRate) }
	r, c, ok := latestVital(Check{ID: CheckHeartRate}, f, g, now, vitals.WithHeartRate, "heart rate", show)
	if !ok {
		return c
	}
	reading := fmt.Sprintf("Heart rate %s (taken %s)", show(r), clock(r.TakenAt, now))
	band := fmt.Sprintf("%d to %d bpm", g.HRWarnBelow, g.HRWarnAbove)
	// A heart rate outside the band warns and never blocks [product brief].
	switch {
	case r.HeartRate > g.HRWarnAbove:
		c.Status = Warn
		c.Reason = fmt.Sprintf("%s is above %d bpm", reading, g.HRWarnAbove)
	case r.HeartRate < g.HRWarnBelow:
		c.Status = Warn
		c.Reason = fmt.Sprintf("%s is below %d bpm", reading, g.HRWarnBelow)
	default:
		c.Status = Pass
		c.Reason = fmt.Sprintf("%s is within %s", reading, band)
	}
	if c.Status == Warn {
		c.Next = "Dosing may go ahead; measure again after rest and tell the prescriber if it stays outside " + band
	}
	return c
}

func checkFasting(f Facts, p protocol.Protocol, now time.Time) Check {
	c := Check{ID: CheckFasting}
	if !f.Route.Valid() {
		c.Status = Block
		c.Reason = fmt.Sprintf("The visit's route %q is not IV, IM or Spravato, so no fasting rule applies", clip(string(f.Route), 20))
		c.Next = "Correct the visit's route"
		return c
	}
	rule := p.Fasting.Get(f.Route)
	a := f.Fasting
	var missing []string
	if a.LastSolidFood == nil {
		missing = append(missing, "when the patient last ate")
	}
	if a.LastLiquid == nil {
		missing = append(missing, "when they last drank")
	}
	if len(missing) > 0 {
		// Not overridable: the answer is one question away.
		c.Status = Block
		c.Reason = "Not recorded: " + strings.Join(missing, " and ")
		c.Next = "Ask the patient when they last ate and drank, and what they drank"
		return c
	}
	food, drink := *a.LastSolidFood, *a.LastLiquid
	for _, t := range []struct {
		what string
		at   time.Time
	}{{"last solid food", food}, {"last drink", drink}} {
		if t.at.After(now) {
			c.Status = Block
			c.Reason = fmt.Sprintf("The %s is recorded at %s, which is later than now (%s)", t.what, clock(t.at, now), clock(now, now))
			c.Next = "Check the time with the patient and correct it"
			return c
		}
	}
	clearDrink := a.LastLiquidClear != nil && *a.LastLiquidClear
	kind, clearEv := "clear", "yes"
	switch {
	case a.LastLiquidClear == nil:
		kind, clearEv = "kind not recorded, so it counts as food", "unknown"
	case !clearDrink:
		kind, clearEv = "not a clear liquid, so it counts as food", "no"
	}
	c.Evidence = fmt.Sprintf("food:%s;drink:%s;clear:%s", food.UTC().Format(time.RFC3339), drink.UTC().Format(time.RFC3339), clearEv)

	// A drink that is not clear counts as food [guide]; the later of the two
	// is what the food rule measures.
	foodAt, foodWhat := food, "solid food"
	drinkIsFood := !clearDrink && drink.After(food)
	if drinkIsFood {
		foodAt, foodWhat = drink, "drink that counts as food"
	}
	route := f.Route.Label()
	var short []string
	var ready time.Time
	if need := rule.SolidFood(); now.Sub(foodAt) < need {
		short = append(short, fmt.Sprintf("last %s at %s, %s ago; the %s rule is no solid food or non-clear drink for %d h",
			foodWhat, clock(foodAt, now), duration(now.Sub(foodAt)), route, rule.SolidFoodHours))
		ready = later(ready, foodAt.Add(need))
	}
	if need := rule.ClearLiquid(); clearDrink && now.Sub(drink) < need {
		short = append(short, fmt.Sprintf("last clear liquid at %s, %s ago; the %s rule is no clear liquids for %d min",
			clock(drink, now), duration(now.Sub(drink)), route, rule.ClearLiquidMinutes))
		ready = later(ready, drink.Add(need))
	}

	// Label: a nasal corticosteroid or decongestant at least 1 h before
	// Spravato. Too close changes how much esketamine is absorbed rather than
	// endangering the patient, and the brief's gate does not list it, so it
	// warns instead of blocking.
	var nasal, nasalNext string
	if need := rule.NasalMedication(); need > 0 && a.NasalMedicationAt != nil && now.Sub(*a.NasalMedicationAt) < need {
		at := *a.NasalMedicationAt
		nasal = fmt.Sprintf(". Nasal steroid or decongestant used at %s, %s ago; the %s rule is at least %d min before dosing",
			clock(at, now), duration(now.Sub(at)), route, rule.NasalMedicationMinutes)
		nasalNext = clock(at.Add(need), now)
	}

	if len(short) > 0 {
		c.Status, c.Overridable = Block, true
		c.Reason = "Not fasted long enough: " + strings.Join(short, "; ")
		c.Next = "Wait until " + clock(ready, now) + ", or " + askOverride
		if drinkIsFood && a.LastLiquidClear == nil {
			c.Reason += " (the kind of the last drink is not recorded, so it counts as food)"
			c.Next = "Ask what the patient last drank and record whether it was a clear liquid; otherwise wait until " + clock(ready, now) + ", or " + askOverride
		}
		c.Reason += nasal
		return c
	}
	c.Status = Pass
	c.Reason = fmt.Sprintf("Last solid food %s (%s ago; rule %d h); last drink %s (%s ago, %s; rule for clear liquids %d min)",
		clock(food, now), duration(now.Sub(food)), rule.SolidFoodHours,
		clock(drink, now), duration(now.Sub(drink)), kind, rule.ClearLiquidMinutes) + nasal
	if nasal != "" {
		c.Status = Warn
		c.Next = "Dosing may go ahead; if possible wait until " + nasalNext + " so that the nasal medication does not change absorption"
	}
	return c
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func checkRide(f Facts) Check {
	c := Check{ID: CheckRideHome}
	name, phone := strings.TrimSpace(f.Ride.DriverName), strings.TrimSpace(f.Ride.DriverPhone)
	// Not overridable: the patient must not drive until the next day after
	// restful sleep [guide; label]. "No driver, no dosing."
	const rule = "No driver, no dosing: the patient must not drive until the next day after restful sleep"
	switch {
	case name == "" && phone == "":
		c.Status = Block
		c.Reason = "No driver recorded for the ride home"
		c.Next = "Record the driver's name and phone. " + rule
	case name == "":
		c.Status = Block
		c.Reason = "The driver's name is not recorded (phone " + clip(phone, 30) + ")"
		c.Next = "Record the driver's name. " + rule
	case phone == "":
		c.Status = Block
		c.Reason = "No phone number recorded for the driver, " + clip(name, 60)
		c.Next = "Record the driver's phone. " + rule
	case !patients.ValidPhone(phone):
		c.Status = Block
		c.Reason = fmt.Sprintf("The driver's phone %q is not a phone number (7 to 15 digits, optionally starting with +)", clip(phone, 30))
		c.Next = "Correct the driver's phone. " + rule
	default:
		c.Status = Pass
		c.Reason = "Driver " + clip(name, 60) + ", phone " + phone
	}
	return c
}

func checkContraindications(f Facts) Check {
	c := Check{ID: CheckContraindications}
	codes := sortedContraindications(f.Contraindications)
	if len(codes) == 0 {
		c.Status = Pass
		c.Reason = "None on the patient record"
		return c
	}
	labels := make([]string, len(codes))
	ev := make([]string, len(codes))
	for i, code := range codes {
		labels[i] = code.Label()
		ev[i] = string(code)
	}
	c.Status, c.Overridable = Block, true
	c.Reason = "On the patient record: " + strings.Join(labels, "; ")
	c.Next = "A prescriber reviews the record and may override with a written reason; dosing waits until then"
	c.Evidence = strings.Join(ev, ",")
	return c
}

func checkWeight(f Facts, g protocol.Gate, now time.Time) Check {
	c := Check{ID: CheckWeight}
	// Not overridable: weighing takes a minute, and mg/kg doses are computed
	// from it.
	if f.LatestWeightAt == nil {
		c.Status = Block
		c.Reason = "No weight on the patient record"
		c.Next = "Weigh the patient and record it before dosing"
		return c
	}
	at := *f.LatestWeightAt
	c.Evidence = "weight@" + at.UTC().Format(time.RFC3339)
	age := now.Sub(at)
	if age > g.WeightMaxAge() {
		c.Status = Block
		c.Reason = fmt.Sprintf("The latest weight was measured %s, more than %d days ago; weights older than %d days must be re-measured",
			day(at, now), g.WeightMaxAgeDays, g.WeightMaxAgeDays)
		c.Next = "Re-measure the patient's weight and record it before dosing"
		return c
	}
	c.Status = Pass
	c.Reason = fmt.Sprintf("Weight measured %s, %s ago (re-measure after %d days)", day(at, now), duration(max(age, 0)), g.WeightMaxAgeDays)
	return c
}

func checkREMS(f Facts) Check {
	c := Check{ID: CheckREMS}
	id := strings.TrimSpace(f.REMSPatientID)
	// Not overridable: the REMS programme allows Spravato only to enrolled
	// patients in certified settings.
	var reasons, next []string
	if id == "" {
		reasons = append(reasons, "the patient's Spravato REMS enrolment id is not on the record")
		next = append(next, "enrol the patient in the Spravato REMS and record the enrolment id on the patient record")
	}
	if !f.SettingREMSCertified {
		reasons = append(reasons, "this clinic is not recorded as a REMS-certified setting")
		next = append(next, "the clinic admin records the setting's REMS certification (only certified settings may give Spravato)")
	}
	if len(reasons) > 0 {
		c.Status = Block
		c.Reason = upperFirst(strings.Join(reasons, "; and "))
		c.Next = upperFirst(strings.Join(next, "; ")) + ". This block cannot be overridden"
		return c
	}
	c.Status = Pass
	c.Reason = "Patient enrolled in the Spravato REMS (" + clip(id, 40) + "); setting REMS-certified"
	c.Evidence = "rems:" + id
	return c
}

// clock shows t for a nurse, in now's location: "14:02", or with the day
// when it is not today ("Tue 24 Nov 20:30").
func clock(t, now time.Time) string {
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// day shows the day of t in now's location: "on 25 Oct 2026 at 13:59".
func day(t, now time.Time) string { return t.In(now.Location()).Format("on 2 Jan 2006 at 15:04") }

// duration shows an elapsed time in whole minutes, rounded down so that
// "5 h 59 min" never reads as 6 h: "45 min", "2 h 5 min", "31 days 2 h".
func duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	m := int(d / time.Minute)
	h, m := m/60, m%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case h < 48 && m == 0:
		return fmt.Sprintf("%d h", h)
	case h < 48:
		return fmt.Sprintf("%d h %d min", h, m)
	case h%24 == 0:
		return fmt.Sprintf("%d days", h/24)
	}
	return fmt.Sprintf("%d days %d h", h/24, h%24)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
