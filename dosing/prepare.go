package dosing

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Line is one figure of a preparation, shown with how it was reached, its
// unit and its rounding, so that the nurse and the checker can redo it by
// hand: "Dose = 0.5 mg/kg × 64.0 kg = 32.0 mg (rounded to 0.1 mg)".
type Line struct {
	Label    string  `json:"label"`
	Formula  string  `json:"formula"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Rounding string  `json:"rounding"`
}

// String is the line as the preparation sheet prints it.
func (l Line) String() string {
	s := l.Label + " = " + l.Formula
	if l.Rounding != "" {
		s += " (" + l.Rounding + ")"
	}
	return s
}

// Calculation is the worked preparation of one order. Later lines use the
// rounded figures of earlier ones, as the nurse does at the bench: the
// volume is drawn for the rounded dose, and the pump runs the rounded bag.
type Calculation struct {
	Route           protocol.Route  `json:"route"`
	VialMgPerML     float64         `json:"vial_mg_per_ml,omitempty"` // IV, IM
	Site            protocol.IMSite `json:"site,omitempty"`           // IM
	InfusionMinutes int             `json:"infusion_minutes,omitempty"`
	Lines           []Line          `json:"lines"`
	DoseMg          float64         `json:"dose_mg"`
	DrawML          float64         `json:"draw_ml,omitempty"`          // IV, IM: volume drawn from the vial
	BagTotalML      float64         `json:"bag_total_ml,omitempty"`     // IV
	RateMLPerHour   float64         `json:"rate_ml_per_hour,omitempty"` // IV
	Devices         int             `json:"devices,omitempty"`          // Spravato
	Warnings        []string        `json:"warnings,omitempty"`         // shown; they do not stop the dose
}

// PrepareIV works out an IV infusion from a vial of vialMgPerML: the volume
// to draw, the bag total and the pump rate [protocol Dose.IV, Dose.Rounding].
// Worked example [product brief]: 64 kg at 0.5 mg/kg = 32.0 mg; from 50
// mg/mL draw 0.64 mL; into 100 mL gives 100.64 mL; over 40 min = 151.0 mL/h.
//
// Errors: EInvalid when the order is not an IV order the protocol allows or
// the vial strength is not stocked.
func PrepareIV(o Order, vialMgPerML float64, p protocol.Protocol) (Calculation, error) {
	iv, r := p.Dose.IV, p.Dose.Rounding
	if err := checkForPreparation(o, protocol.IV, p); err != nil {
		return Calculation{}, err
	}
	if err := checkVial(vialMgPerML, iv.VialConcentrationsMgPerML, protocol.IV); err != nil {
		return Calculation{}, err
	}
	c := Calculation{Route: protocol.IV, VialMgPerML: vialMgPerML, InfusionMinutes: o.InfusionMinutes, DoseMg: o.DoseMg}
	c.Lines = append(c.Lines, doseLine(o, p))

	c.DrawML = r.Volume(o.DoseMg / vialMgPerML)
	c.Lines = append(c.Lines, drawLine("Volume to draw", o.DoseMg, vialMgPerML, c.DrawML, p))

	bag := plain(iv.BagVolumeML) + " mL " + iv.BagFluid
	drawn := fixed(c.DrawML, r.VolumeML) + " mL"
	var formula string
	if iv.WithdrawEqualVolume {
		c.BagTotalML = r.Volume(iv.BagVolumeML)
		formula = bag + " − " + drawn + " withdrawn + " + drawn + " drug"
	} else {
		c.BagTotalML = r.Volume(iv.BagVolumeML + c.DrawML)
		formula = bag + " + " + drawn
	}
	c.Lines = append(c.Lines, Line{
		Label:    "Bag total",
		Formula:  formula + " = " + fixed(c.BagTotalML, r.VolumeML) + " mL",
		Value:    c.BagTotalML,
		Unit:     "mL",
		Rounding: roundedTo(r.VolumeML, "mL", iv.BagVolumeML+c.DrawML, c.BagTotalML, iv.WithdrawEqualVolume),
	})

	raw := c.BagTotalML / float64(o.InfusionMinutes) * 60
	c.RateMLPerHour = r.Rate(raw)
	c.Lines = append(c.Lines, Line{
		Label: "Pump rate",
		Formula: fixed(c.BagTotalML, r.VolumeML) + " mL ÷ " + strconv.Itoa(o.InfusionMinutes) + " min × 60 min/h = " +
			fixed(c.RateMLPerHour, r.RateMLPerHour) + " mL/h",
		Value:    c.RateMLPerHour,
		Unit:     "mL/h",
		Rounding: roundedTo(r.RateMLPerHour, "mL/h", raw, c.RateMLPerHour, false),
	})
	c.Warnings = append(c.Warnings, exactnessWarning(o.DoseMg, vialMgPerML, c.DrawML, iv.VialConcentrationsMgPerML, p)...)
	return c, nil
}

// PrepareIM works out an IM injection from a vial of vialMgPerML into site
// (the order's site when site is empty). A volume above the site's limit
// [protocol Dose.IM.SiteMaxML] warns rather than refuses, and names a
// stronger stocked vial, or a larger muscle, that would fit.
//
// Errors: EInvalid when the order is not an IM order the protocol allows,
// the vial strength is not stocked, or site differs from the order's (a
// different muscle needs a new order from the prescriber).
func PrepareIM(o Order, vialMgPerML float64, site protocol.IMSite, p protocol.Protocol) (Calculation, error) {
	im, r := p.Dose.IM, p.Dose.Rounding
	if site == "" {
		site = o.Site
	}
	if err := checkForPreparation(o, protocol.IM, p); err != nil {
		return Calculation{}, err
	}
	if !slices.Contains(protocol.IMSites, site) {
		return Calculation{}, ketaflow.Invalid("site", "injection site is required: deltoid, thigh or gluteal")
	}
	if site != o.Site {
		return Calculation{}, ketaflow.Invalid("site", "the order is for the %s; injecting the %s needs a new order from the prescriber",
			strings.ToLower(o.Site.Label()), strings.ToLower(site.Label()))
	}
	if err := checkVial(vialMgPerML, im.VialConcentrationsMgPerML, protocol.IM); err != nil {
		return Calculation{}, err
	}
	c := Calculation{Route: protocol.IM, VialMgPerML: vialMgPerML, Site: site, DoseMg: o.DoseMg}
	c.Lines = append(c.Lines, doseLine(o, p))
	c.DrawML = r.Volume(o.DoseMg / vialMgPerML)
	c.Lines = append(c.Lines, drawLine("Volume to inject", o.DoseMg, vialMgPerML, c.DrawML, p))

	if limit := im.SiteMaxML.Get(site); c.DrawML > limit {
		c.Warnings = append(c.Warnings, siteWarnings(o.DoseMg, vialMgPerML, c.DrawML, site, p)...)
	}
	c.Warnings = append(c.Warnings, exactnessWarning(o.DoseMg, vialMgPerML, c.DrawML, im.VialConcentrationsMgPerML, p)...)
	return c, nil
}

// siteWarnings says that a volume is too large for one injection into site
// and what would fit: the weakest stocked vial stronger than this one whose
// volume is within the limit, else another muscle.
func siteWarnings(dose, vial, draw float64, site protocol.IMSite, p protocol.Protocol) []string {
	im, r := p.Dose.IM, p.Dose.Rounding
	limit := im.SiteMaxML.Get(site)
	out := []string{"Volume " + fixed(draw, r.VolumeML) + " mL is more than the " + plain(limit) + " mL one injection into the " +
		strings.ToLower(site.Label()) + " should hold; the " + plain(vial) + " mg/mL vial is too dilute for this site"}
	concs := slices.Sorted(slices.Values(im.VialConcentrationsMgPerML))
	for _, c := range concs {
		if v := r.Volume(dose / c); c > vial && v <= limit {
			return append(out, "Use a more concentrated vial: from "+plain(c)+" mg/mL draw "+fixed(v, r.VolumeML)+" mL, within the "+plain(limit)+" mL limit")
		}
	}
	var sites []string
	for _, s := range protocol.IMSites {
		if s != site && draw <= im.SiteMaxML.Get(s) {
			sites = append(sites, strings.ToLower(s.Label())+" (up to "+plain(im.SiteMaxML.Get(s))+" mL)")
		}
	}
	if len(sites) > 0 {
		return append(out, "No stocked vial brings the volume within the limit; ask the prescriber to order another site: "+strings.Join(sites, " or "))
	}
	return append(out, "No stocked vial or site holds this volume in one injection; ask the prescriber")
}

// exactnessWarning warns when the volume, rounded to what a syringe
// measures, no longer holds the ordered dose, and names a more dilute
// stocked vial that would.
func exactnessWarning(dose, vial, draw float64, stocked []float64, p protocol.Protocol) []string {
	r := p.Dose.Rounding
	holds := func(c, v float64) float64 { return r.Dose(v * c) }
	got := holds(vial, draw)
	if got == dose {
		return nil
	}
	msg := fixed(draw, r.VolumeML) + " mL of " + plain(vial) + " mg/mL holds " + fixed(got, r.DoseMg) +
		" mg, not the ordered " + fixed(dose, r.DoseMg) + " mg"
	concs := slices.Sorted(slices.Values(stocked))
	for i := len(concs) - 1; i >= 0; i-- {
		c := concs[i]
		if c < vial && holds(c, r.Volume(dose/c)) == dose {
			return []string{msg + "; a " + plain(c) + " mg/mL vial gives an exact volume of " + fixed(r.Volume(dose/c), r.VolumeML) + " mL"}
		}
	}
	return []string{msg}
}

// PrepareSpravato works out a Spravato dose in whole devices and their
// timing [protocol Dose.Spravato].
//
// Errors: EInvalid when the order is not a Spravato order of whole devices.
func PrepareSpravato(o Order, p protocol.Protocol) (Calculation, error) {
	sp := p.Dose.Spravato
	if err := checkForPreparation(o, protocol.Spravato, p); err != nil {
		return Calculation{}, err
	}
	n := sp.Devices(o.SpravatoMg)
	c := Calculation{Route: protocol.Spravato, DoseMg: o.DoseMg, Devices: n}
	c.Lines = []Line{
		{
			Label:    "Devices",
			Formula:  strconv.Itoa(o.SpravatoMg) + " mg ÷ " + strconv.Itoa(sp.MgPerDevice) + " mg per device = " + strconv.Itoa(n) + " devices",
			Value:    float64(n),
			Unit:     "devices",
			Rounding: "whole devices",
		},
		{
			Label:   "Device times",
			Formula: deviceTimes(sp.DeviceOffsets(o.SpravatoMg)) + " (one spray per nostril per device)",
			Value:   float64(sp.DeviceIntervalMinutes),
			Unit:    "min between devices",
		},
	}
	return c, nil
}

func deviceTimes(offsets []time.Duration) string {
	parts := make([]string, len(offsets))
	for i, d := range offsets {
		parts[i] = "device " + strconv.Itoa(i+1) + " at " + strconv.Itoa(int(d.Minutes())) + " min"
	}
	return strings.Join(parts, ", ")
}

// checkForPreparation checks that o is an order of route r whose dose is
// the one its inputs give under p and within p's limits. Weight age and the
// patient's age were checked when the order was signed.
func checkForPreparation(o Order, r protocol.Route, p protocol.Protocol) error {
	if o.Route != r {
		return ketaflow.Invalid("route", "this order is for %s, not %s", o.Route.Label(), r.Label())
	}
	if o.DoseMg <= 0 || o.DoseMg != ComputeDoseMg(o, p) {
		return ketaflow.Invalid("dose_mg", "the order's dose is missing or does not match its inputs; the prescriber must reorder")
	}
	switch r {
	case protocol.IV, protocol.IM:
		lo, hi := p.Dose.IV.MgPerKgMin, p.Dose.IV.MgPerKgMax
		if r == protocol.IM {
			lo, hi = p.Dose.IM.MgPerKgMin, p.Dose.IM.MgPerKgMax
		}
		if o.MgPerKg < lo || o.MgPerKg > hi {
			return ketaflow.Invalid("mg_per_kg", "%s dose of %s mg/kg is outside the protocol's %s to %s mg/kg", r.Label(), decimal(o.MgPerKg), decimal(lo), decimal(hi))
		}
		if r == protocol.IV && (o.InfusionMinutes < p.Dose.IV.MinutesMin || o.InfusionMinutes > p.Dose.IV.MinutesMax) {
			return ketaflow.Invalid("infusion_minutes", "infusion over %d minutes is outside the protocol's %d to %d minutes",
				o.InfusionMinutes, p.Dose.IV.MinutesMin, p.Dose.IV.MinutesMax)
		}
	case protocol.Spravato:
		sp := p.Dose.Spravato
		// Devices rounds up; an order that is not whole devices would be
		// given as more than was ordered.
		if sp.MgPerDevice <= 0 || o.SpravatoMg <= 0 || o.SpravatoMg%sp.MgPerDevice != 0 {
			return ketaflow.Invalid("spravato_mg", "a Spravato dose must be whole %d mg devices; %d mg is not", sp.MgPerDevice, o.SpravatoMg)
		}
	}
	return nil
}

// checkVial refuses a vial strength the protocol does not stock for route r.
func checkVial(mgPerML float64, stocked []float64, r protocol.Route) error {
	if !slices.Contains(stocked, mgPerML) {
		return ketaflow.Invalid("vial_mg_per_ml", "vial strength %s mg/mL is not stocked for %s; choose %s mg/mL",
			plain(mgPerML), r.Label(), orList(slices.Sorted(slices.Values(stocked))))
	}
	return nil
}

func doseLine(o Order, p protocol.Protocol) Line {
	step := p.Dose.Rounding.DoseMg
	raw := o.MgPerKg * o.WeightKG
	return Line{
		Label:    "Dose",
		Formula:  decimal(o.MgPerKg) + " mg/kg × " + decimal(o.WeightKG) + " kg = " + fixed(o.DoseMg, step) + " mg",
		Value:    o.DoseMg,
		Unit:     "mg",
		Rounding: roundedTo(step, "mg", raw, o.DoseMg, false),
	}
}

func drawLine(label string, dose, vial, draw float64, p protocol.Protocol) Line {
	r := p.Dose.Rounding
	return Line{
		Label:    label,
		Formula:  fixed(dose, r.DoseMg) + " mg ÷ " + plain(vial) + " mg/mL = " + fixed(draw, r.VolumeML) + " mL",
		Value:    draw,
		Unit:     "mL",
		Rounding: roundedTo(r.VolumeML, "mL", dose/vial, draw, false),
	}
}

// roundedTo describes a rounding: "rounded to 0.1 mg", with the unrounded
// figure when rounding changed it. fixedTotal marks a figure that is set,
// not rounded (a bag kept at its volume).
func roundedTo(step float64, unit string, raw, rounded float64, fixedTotal bool) string {
	if fixedTotal {
		return "bag volume unchanged"
	}
	s := "rounded to " + plain(step) + " " + unit
	// Show the unrounded figure to three more places than the step, without
	// float noise: 32.150000000000006 is shown as 32.15.
	exact := strconv.FormatFloat(raw, 'f', protocol.Places(step)+3, 64)
	if strings.Contains(exact, ".") {
		exact = strings.TrimRight(strings.TrimRight(exact, "0"), ".")
	}
	if v, err := strconv.ParseFloat(exact, 64); err == nil && v != rounded {
		s += " from " + exact + " " + unit
	}
	return s
}

// Preparation is a prepared dose: the calculation, who prepared it and who
// checked it. A dose is given only after a second user has verified it.
type Preparation struct {
	ID      string `json:"id"`
	OrderID string `json:"order_id"`
	Calculation
	PreparedBy     string    `json:"prepared_by"`
	PreparedByName string    `json:"prepared_by_name"`
	PreparedAt     time.Time `json:"prepared_at"`
	VerifiedBy     string    `json:"verified_by,omitempty"`
	VerifiedByName string    `json:"verified_by_name,omitempty"`
	VerifiedAt     time.Time `json:"verified_at,omitzero"`
}

// Verified reports whether a second user has checked the preparation.
func (pr Preparation) Verified() bool { return pr.VerifiedBy != "" && !pr.VerifiedAt.IsZero() }

// NewPreparation records that preparedBy prepared calculation c for order o
// at now.
//
// Errors: EInvalid when the preparer is missing or c is not for o.
func NewPreparation(o Order, c Calculation, preparedBy string, now time.Time) (Preparation, error) {
	if strings.TrimSpace(preparedBy) == "" {
		return Preparation{}, ketaflow.Invalid("prepared_by", "the user who prepared the dose is required")
	}
	if c.Route != o.Route || c.DoseMg != o.DoseMg {
		return Preparation{}, ketaflow.Invalid("dose_mg", "the calculation is not for this order")
	}
	return Preparation{OrderID: o.ID, Calculation: c, PreparedBy: preparedBy, PreparedAt: now}, nil
}

// Verify records that verifierID, a second user, checked the prepared dose
// at now. The preparer cannot verify their own preparation [product brief:
// "checked by a second user before it is given"].
//
// Errors: EForbidden when the verifier prepared the dose; EConflict when it
// is already verified; EInvalid when the verifier is missing, the
// preparation has no preparer, or now is before it was prepared.
func Verify(prep Preparation, verifierID string, now time.Time) (Preparation, error) {
	switch {
	case prep.Verified():
		return Preparation{}, ketaflow.Errorf(ketaflow.EConflict, "the preparation was already verified at %s", prep.VerifiedAt.Format(time.RFC3339))
	case strings.TrimSpace(prep.PreparedBy) == "":
		return Preparation{}, ketaflow.Invalid("prepared_by", "the preparation does not say who prepared it")
	case strings.TrimSpace(verifierID) == "":
		return Preparation{}, ketaflow.Invalid("verified_by", "the user who verifies the dose is required")
	case verifierID == prep.PreparedBy:
		return Preparation{}, ketaflow.Errorf(ketaflow.EForbidden, "you prepared this dose, so you cannot verify it: a second user must check every figure")
	case now.Before(prep.PreparedAt):
		return Preparation{}, ketaflow.Invalid("verified_at", "a dose cannot be verified before it was prepared")
	}
	prep.VerifiedBy, prep.VerifiedAt = verifierID, now
	return prep, nil
}

// CanGive reports whether the prepared dose may be given: only against a
// signed order, after a second user verified a preparation that matches the
// order.
//
// Errors: EBlocked saying what is missing.
func CanGive(o Order, prep Preparation) error {
	blocked := func(format string, args ...any) error { return ketaflow.Errorf(ketaflow.EBlocked, format, args...) }
	switch {
	case !o.Signed():
		return blocked("the dose order is not signed by a prescriber")
	case strings.TrimSpace(prep.PreparedBy) == "" || prep.PreparedAt.IsZero():
		return blocked("the dose has not been prepared")
	case !prep.Verified():
		return blocked("the prepared dose has not been verified by a second user")
	case prep.VerifiedBy == prep.PreparedBy:
		return blocked("the dose was verified by the user who prepared it; a second user must verify it")
	case o.ID != "" && prep.OrderID != "" && o.ID != prep.OrderID:
		return blocked("the preparation is for a different order")
	case prep.Route != o.Route:
		return blocked("the preparation is for %s but the order is for %s", prep.Route.Label(), o.Route.Label())
	case prep.DoseMg != o.DoseMg:
		return blocked("the prepared dose of %s mg does not match the ordered %s mg; prepare it again", plain(prep.DoseMg), plain(o.DoseMg))
	case o.Route == protocol.IM && prep.Site != o.Site:
		return blocked("the preparation is for the %s but the order is for the %s", prep.Site, o.Site)
	case o.Route == protocol.IV && prep.InfusionMinutes != o.InfusionMinutes:
		return blocked("the preparation runs over %d minutes but the order says %d", prep.InfusionMinutes, o.InfusionMinutes)
	}
	return nil
}
