package courses

import (
	"fmt"

	"github.com/ketaflow/ketaflow/protocol"
)

// Draft is a starting text for a route's consent form, built from the
// protocol's own rules, for the admin to edit to the clinic's wording
// before anyone signs it. It is never signed as it stands: only a form the
// admin saved (NewForm) is shown on the tablet.
func Draft(r protocol.Route, p protocol.Protocol) (title, body string) {
	f := p.Fasting.Get(r)
	monitor := p.Discharge.MinMinutes.Get(r)
	switch r {
	case protocol.Spravato:
		title = "Consent to treatment with esketamine nasal spray (Spravato)"
		body = fmt.Sprintf(`I agree to be treated for depression with esketamine nasal spray (Spravato) at this clinic.

How it is given: I will use the nasal spray devices myself under the direct observation of clinic staff, one device at a time, %d minutes apart.

Before each session: no food for %d hours and no liquid for %d minutes; a nasal corticosteroid or decongestant at least %d minutes before.

After each dose I will stay at the clinic and be monitored for at least %d minutes, as the Spravato REMS programme requires, until a clinician says I may leave.

I understand the common effects: dissociation (feeling disconnected from myself, my thoughts or my surroundings), dizziness, nausea, sedation, raised blood pressure, and feeling drunk or anxious. Rarely, breathing may slow.

I will not drive or operate machinery until the next day after a restful sleep, and someone will take me home.

I know that Spravato can only be given to patients enrolled in the Spravato REMS, and I agree to the clinic sharing the monitoring information the programme asks for.

I may ask questions at any time, refuse or stop treatment at any time, and withdraw this consent without it affecting the rest of my care.`,
			p.Dose.Spravato.DeviceIntervalMinutes, f.SolidFoodHours, f.ClearLiquidMinutes, f.NasalMedicationMinutes, monitor)
	default:
		how := "by infusion into a vein (IV), over about 40 to 60 minutes, through a small tube (cannula) in my arm or hand"
		title = "Consent to treatment with ketamine by IV infusion"
		if r == protocol.IM {
			how = "by injection into a muscle (IM) of the upper arm, thigh or buttock"
			title = "Consent to treatment with ketamine by intramuscular injection"
		}
		body = fmt.Sprintf(`I agree to be treated for depression with ketamine at this clinic, given %s.

Ketamine is used for depression off-label: it is approved as an anaesthetic, and its use for depression rests on clinical studies and practice. It may not be covered by insurance.

Before each session: no solid food for %d hours, and only clear liquids (water, black coffee, tea) until %d minutes before. Milk and juice are not clear liquids.

During and after each dose my blood pressure, pulse and oxygen will be checked, and I will stay at the clinic for at least %d minutes until a clinician says I may leave.

I understand the common effects: dissociation (feeling disconnected from myself or my surroundings), visual changes, dizziness, nausea or vomiting, raised blood pressure and heart rate, and anxiety during the session or on coming out of it. Rarely, breathing may slow. Repeated use carries a risk of misuse and of bladder problems.

I will not drive or operate machinery until the next day after a restful sleep, and someone will take me home.

I may ask questions at any time, refuse or stop treatment at any time, and withdraw this consent without it affecting the rest of my care.`,
			how, f.SolidFoodHours, f.ClearLiquidMinutes, monitor)
	}
	return title, body
}
