package store

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
)

// The JSON documents kept in columns (a visit's comfort, a preparation's
// calculation, a REMS form, a patient record's versions) have their own
// types here, apart from the domain's and the API's: the stored format
// changes only with a migration, never because a type elsewhere was
// renamed. Their keys are the ones stored since the first release.
//
// The protocol's rules are stored as the protocol's own document
// (protocol.Protocol's JSON): it is versioned data whose keys are the
// protocol's setting names, read back with the defaults of settings added
// since (store/protocol.go).

type comfortDoc struct {
	EyeMask      bool   `json:"eye_mask"`
	Blanket      bool   `json:"blanket"`
	Music        string `json:"music"`
	LightsDimmed bool   `json:"lights_dimmed"`
	Notes        string `json:"notes"`
}

func comfortToDoc(c visits.Comfort) comfortDoc {
	return comfortDoc{EyeMask: c.EyeMask, Blanket: c.Blanket, Music: string(c.Music), LightsDimmed: c.LightsDimmed, Notes: c.Notes}
}

func (d comfortDoc) comfort() visits.Comfort {
	return visits.Comfort{EyeMask: d.EyeMask, Blanket: d.Blanket, Music: visits.Music(d.Music), LightsDimmed: d.LightsDimmed, Notes: d.Notes}
}

type lineDoc struct {
	Label    string  `json:"label"`
	Formula  string  `json:"formula"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Rounding string  `json:"rounding"`
}

type calculationDoc struct {
	Route           string    `json:"route"`
	VialMgPerML     float64   `json:"vial_mg_per_ml,omitempty"`
	Site            string    `json:"site,omitempty"`
	InfusionMinutes int       `json:"infusion_minutes,omitempty"`
	Lines           []lineDoc `json:"lines"`
	DoseMg          float64   `json:"dose_mg"`
	DrawML          float64   `json:"draw_ml,omitempty"`
	BagTotalML      float64   `json:"bag_total_ml,omitempty"`
	RateMLPerHour   float64   `json:"rate_ml_per_hour,omitempty"`
	Devices         int       `json:"devices,omitempty"`
	Warnings        []string  `json:"warnings,omitempty"`
}

func calculationToDoc(c dosing.Calculation) calculationDoc {
	d := calculationDoc{Route: string(c.Route), VialMgPerML: c.VialMgPerML, Site: string(c.Site), InfusionMinutes: c.InfusionMinutes,
		Lines: []lineDoc{}, DoseMg: c.DoseMg, DrawML: c.DrawML, BagTotalML: c.BagTotalML, RateMLPerHour: c.RateMLPerHour,
		Devices: c.Devices, Warnings: c.Warnings}
	for _, l := range c.Lines {
		d.Lines = append(d.Lines, lineDoc{Label: l.Label, Formula: l.Formula, Value: l.Value, Unit: l.Unit, Rounding: l.Rounding})
	}
	return d
}

func (d calculationDoc) calculation() dosing.Calculation {
	c := dosing.Calculation{Route: protocol.Route(d.Route), VialMgPerML: d.VialMgPerML, Site: protocol.IMSite(d.Site),
		InfusionMinutes: d.InfusionMinutes, DoseMg: d.DoseMg, DrawML: d.DrawML, BagTotalML: d.BagTotalML,
		RateMLPerHour: d.RateMLPerHour, Devices: d.Devices, Warnings: d.Warnings}
	for _, l := range d.Lines {
		c.Lines = append(c.Lines, dosing.Line{Label: l.Label, Formula: l.Formula, Value: l.Value, Unit: l.Unit, Rounding: l.Rounding})
	}
	return c
}

type bpDoc struct {
	Systolic  int       `json:"systolic"`
	Diastolic int       `json:"diastolic"`
	TakenAt   time.Time `json:"taken_at"`
}

func bpToDoc(b discharge.BP) bpDoc {
	return bpDoc{Systolic: b.Systolic, Diastolic: b.Diastolic, TakenAt: b.TakenAt}
}

func (d bpDoc) bp() discharge.BP {
	return discharge.BP{Systolic: d.Systolic, Diastolic: d.Diastolic, TakenAt: d.TakenAt}
}

type remsFormDoc struct {
	PatientName           string         `json:"patient_name"`
	PatientREMSID         string         `json:"patient_rems_id"`
	BirthDate             ketaflow.Date  `json:"birth_date"`
	Sex                   string         `json:"sex"`
	PrescriberName        string         `json:"prescriber_name"`
	SettingName           string         `json:"setting_name"`
	SettingREMSID         string         `json:"setting_rems_id"`
	TreatmentDate         ketaflow.Date  `json:"treatment_date"`
	DoseMg                int            `json:"dose_mg"`
	LotNumbers            []string       `json:"lot_numbers"`
	Medications           medicationsDoc `json:"medications"`
	BPBefore              bpDoc          `json:"bp_before"`
	BPAt40                bpDoc          `json:"bp_40_min"`
	BPBeforeDischarge     bpDoc          `json:"bp_before_discharge"`
	FirstDeviceAt         time.Time      `json:"first_device_at"`
	MonitoringEndedAt     time.Time      `json:"monitoring_ended_at"`
	MonitoringMinutes     int            `json:"monitoring_minutes"`
	Sedation              string         `json:"sedation"`
	Dissociation          string         `json:"dissociation"`
	RespiratoryDepression string         `json:"respiratory_depression"`
	ReadyToLeaveAt        time.Time      `json:"ready_to_leave_at"`
	DueBy                 time.Time      `json:"due_by,omitzero"`
	GeneratedAt           time.Time      `json:"generated_at"`
}

func medicationsToDoc(m discharge.Medications) medicationsDoc {
	return medicationsDoc{Benzodiazepines: string(m.Benzodiazepines),
		NonBenzodiazepineSedativeHypnotics: string(m.NonBenzodiazepineSedativeHypnotics), Psychostimulants: string(m.Psychostimulants),
		MAOIs: string(m.MAOIs), Opioids: string(m.Opioids)}
}

func (d medicationsDoc) medications() discharge.Medications {
	return discharge.Medications{Benzodiazepines: discharge.YesNo(d.Benzodiazepines),
		NonBenzodiazepineSedativeHypnotics: discharge.YesNo(d.NonBenzodiazepineSedativeHypnotics),
		Psychostimulants:                   discharge.YesNo(d.Psychostimulants), MAOIs: discharge.YesNo(d.MAOIs), Opioids: discharge.YesNo(d.Opioids)}
}

func remsFormToDoc(f discharge.REMSForm) remsFormDoc {
	return remsFormDoc{PatientName: f.PatientName, PatientREMSID: f.PatientREMSID, BirthDate: f.BirthDate, Sex: string(f.Sex),
		PrescriberName: f.PrescriberName, SettingName: f.SettingName, SettingREMSID: f.SettingREMSID, TreatmentDate: f.TreatmentDate,
		DoseMg: f.DoseMg, LotNumbers: f.LotNumbers, Medications: medicationsToDoc(f.Medications), BPBefore: bpToDoc(f.BPBefore),
		BPAt40: bpToDoc(f.BPAt40), BPBeforeDischarge: bpToDoc(f.BPBeforeDischarge), FirstDeviceAt: f.FirstDeviceAt,
		MonitoringEndedAt: f.MonitoringEndedAt, MonitoringMinutes: f.MonitoringMinutes, Sedation: string(f.Sedation),
		Dissociation: string(f.Dissociation), RespiratoryDepression: string(f.RespiratoryDepression),
		ReadyToLeaveAt: f.ReadyToLeaveAt, DueBy: f.DueBy, GeneratedAt: f.GeneratedAt}
}

func (d remsFormDoc) form() discharge.REMSForm {
	return discharge.REMSForm{PatientName: d.PatientName, PatientREMSID: d.PatientREMSID, BirthDate: d.BirthDate,
		Sex: patients.Sex(d.Sex), PrescriberName: d.PrescriberName, SettingName: d.SettingName, SettingREMSID: d.SettingREMSID,
		TreatmentDate: d.TreatmentDate, DoseMg: d.DoseMg, LotNumbers: d.LotNumbers, Medications: d.Medications.medications(),
		BPBefore: d.BPBefore.bp(), BPAt40: d.BPAt40.bp(), BPBeforeDischarge: d.BPBeforeDischarge.bp(),
		FirstDeviceAt: d.FirstDeviceAt, MonitoringEndedAt: d.MonitoringEndedAt, MonitoringMinutes: d.MonitoringMinutes,
		Sedation: discharge.YesNo(d.Sedation), Dissociation: discharge.YesNo(d.Dissociation),
		RespiratoryDepression: discharge.YesNo(d.RespiratoryDepression), ReadyToLeaveAt: d.ReadyToLeaveAt, DueBy: d.DueBy,
		GeneratedAt: d.GeneratedAt}
}

type emergencyDoc struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Phone    string `json:"phone"`
}

type recordDoc struct {
	MRN               string        `json:"mrn"`
	LegalName         string        `json:"legal_name"`
	PreferredName     string        `json:"preferred_name"`
	BirthDate         ketaflow.Date `json:"birth_date"`
	Sex               string        `json:"sex"`
	Phone             string        `json:"phone"`
	Email             string        `json:"email"`
	Emergency         emergencyDoc  `json:"emergency_contact"`
	REMSPatientID     string        `json:"rems_patient_id"`
	PrescriberID      string        `json:"prescriber_id"`
	TherapistID       string        `json:"therapist_id"`
	HeightCM          float64       `json:"height_cm"`
	Allergies         string        `json:"allergies"`
	Contraindications []string      `json:"contraindications"`
}

func recordToDoc(r patients.Record) recordDoc {
	d := recordDoc{MRN: r.MRN, LegalName: r.LegalName, PreferredName: r.PreferredName, BirthDate: r.BirthDate, Sex: string(r.Sex),
		Phone: r.Phone, Email: r.Email, Emergency: emergencyDoc{Name: r.Emergency.Name, Relation: r.Emergency.Relation,
			Phone: r.Emergency.Phone}, REMSPatientID: r.REMSPatientID, PrescriberID: r.PrescriberID, TherapistID: r.TherapistID,
		HeightCM: r.HeightCM, Allergies: r.Allergies}
	if r.Contraindications != nil {
		d.Contraindications = []string{}
	}
	for _, c := range r.Contraindications {
		d.Contraindications = append(d.Contraindications, string(c))
	}
	return d
}

func (d recordDoc) record() patients.Record {
	r := patients.Record{MRN: d.MRN, LegalName: d.LegalName, PreferredName: d.PreferredName, BirthDate: d.BirthDate,
		Sex: patients.Sex(d.Sex), Phone: d.Phone, Email: d.Email, Emergency: patients.EmergencyContact{Name: d.Emergency.Name,
			Relation: d.Emergency.Relation, Phone: d.Emergency.Phone}, REMSPatientID: d.REMSPatientID, PrescriberID: d.PrescriberID,
		TherapistID: d.TherapistID, HeightCM: d.HeightCM, Allergies: d.Allergies}
	if d.Contraindications != nil {
		r.Contraindications = []patients.Contraindication{}
	}
	for _, c := range d.Contraindications {
		r.Contraindications = append(r.Contraindications, patients.Contraindication(c))
	}
	return r
}
