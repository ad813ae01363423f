// Package fhir writes a patient's record as HL7 FHIR R4 resources, so that
// any other system can read what the clinic did: the patient, the staff who
// took part, one Encounter per visit, an Observation per vital sign, weight
// and questionnaire total, a QuestionnaireResponse per PHQ-9 and GAD-7 (with
// the Questionnaire it answers) and a MedicationAdministration per dose.
//
// Resources are built from the FHIR R4 model of
// github.com/samply/golang-fhir-models (generated from the R4 structure
// definitions), not from structs of our own, so that element names,
// cardinalities and code lists are the specification's. That model writes
// every alternative of a required choice element (medication[x],
// effective[x]) and of a Questionnaire answer option, empty ones included;
// FHIR JSON allows no empty string, object or array, so a resource of those
// types passes through prune before it is written (see prune.go).
//
// It is plain Go: no HTTP, no SQL and no clock. The caller passes the
// records it read and the moment of the export.
package fhir

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	r4 "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// Code systems, from the FHIR R4 terminology pages (hl7.org/fhir/R4/terminologies-systems.html).
const (
	LOINC      = "http://loinc.org"
	UCUM       = "http://unitsofmeasure.org"
	RxNorm     = "http://www.nlm.nih.gov/research/umls/rxnorm"
	SNOMED     = "http://snomed.info/sct"
	ActCode    = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	ObsCat     = "http://terminology.hl7.org/CodeSystem/observation-category"
	RouteOfAdm = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
	// MRNSystem names the clinic's medical record numbers: a URN of the
	// clinic's id, since a clinic has no URL of its own to name them by.
	mrnPrefix = "urn:ketaflow:clinic:"
)

// LOINC codes of the vital signs, from the FHIR R4 vital signs profile
// (hl7.org/fhir/R4/observation-vitalsigns.html) and the product brief.
const (
	CodeBPPanel         = "85354-9" // Blood pressure panel with all children optional
	CodeSystolic        = "8480-6"  // Systolic blood pressure
	CodeDiastolic       = "8462-4"  // Diastolic blood pressure
	CodeHeartRate       = "8867-4"  // Heart rate
	CodeSpO2            = "59408-5" // Oxygen saturation in Arterial blood by Pulse oximetry
	CodeSpO2Arterial    = "2708-6"  // Oxygen saturation in Arterial blood (the vital-signs profile asks for it too)
	CodeRespiratoryRate = "9279-1"  // Respiratory rate
	CodeBodyWeight      = "29463-7" // Body weight
)

// RxNorm concepts of the medications (RxNorm, U.S. National Library of
// Medicine; looked up in RxNav, rxnav.nlm.nih.gov):
//   - 6130 ketamine: the ingredient (TTY IN), given IV or IM from a vial;
//   - 2201623 esketamine Nasal Spray: the clinical drug form (TTY SCDF) of
//     Spravato (its branded form is 2201625).
const (
	RxKetamine           = "6130"
	RxEsketamineNasalSpr = "2201623"
)

// Resource is one FHIR resource, written.
type Resource struct {
	Type string // "Patient", "Observation", ...
	ID   string
	JSON json.RawMessage
}

// Refs decides how resources point at each other: inside a Bundle, by the
// entries' urn:uuid full URLs; in Bulk Data files, as Type/id.
type Refs func(typ, id string) string

// BundleRefs points at a Bundle entry's fullUrl.
func BundleRefs(_, id string) string { return "urn:uuid:" + id }

// RelativeRefs points at Type/id, as FHIR Bulk Data files do.
func RelativeRefs(typ, id string) string { return typ + "/" + id }

// Staff is a member of staff that the record names.
type Staff struct {
	ID   string
	Name string
}

// Visit is one visit with when it actually began (check-in) and ended
// (discharge, or the state that closed it); zero when it has not.
type Visit struct {
	visits.Visit
	Start, End time.Time
}

// Response is one questionnaire's answers: the current version of a
// visit's answers to one instrument.
type Response struct {
	ID          string
	VisitID     string
	Result      intake.Result
	SubmittedAt time.Time
	Version     int    // 1 for the first answers, more once amended
	EnteredBy   string // staff user id; "" when the patient answered
}

// Dose is one administration of the drug: the IV infusion, the IM
// injection, or one Spravato device.
type Dose struct {
	ID      string // the id of the event that recorded it
	VisitID string
	Route   protocol.Route
	Start   time.Time
	End     time.Time // zero while it runs, or for an injection or device
	// Status is a MedicationAdministration status: "in-progress",
	// "completed" or "stopped".
	Status string
	Mg     float64
	Site   protocol.IMSite // IM only
	By     string          // staff user id
	Device int             // Spravato: the device number
	Note   string
}

// Record is what one patient's export holds. Readings are the effective
// ones (vitals.Effective); Responses the current version of each.
type Record struct {
	ClinicID  string
	Patient   patients.Patient
	Staff     []Staff
	Visits    []Visit
	Readings  []vitals.Reading
	Weights   []patients.Weight
	Responses []Response
	Doses     []Dose
}

// derivedID names a resource made from part of a record (the heart rate of
// a reading): a name-based UUID, so that the same record always exports
// under the same ids.
func derivedID(id, part string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:ketaflow:"+id+"/"+part)).String()
}

// QuestionnaireURL is the canonical URL of an instrument's Questionnaire.
func QuestionnaireURL(in intake.Instrument) string {
	return "urn:uuid:" + QuestionnaireID(in)
}

// QuestionnaireID is the resource id of an instrument's Questionnaire.
func QuestionnaireID(in intake.Instrument) string { return derivedID("questionnaire", in.ID) }

func ptr[T any](v T) *T { return &v }

func instant(t time.Time) *string { return ptr(t.UTC().Format(time.RFC3339)) }

func coding(system, code, display string) r4.Coding {
	return r4.Coding{System: ptr(system), Code: ptr(code), Display: ptr(display)}
}

func concept(system, code, display string) r4.CodeableConcept {
	return r4.CodeableConcept{Coding: []r4.Coding{coding(system, code, display)}, Text: ptr(display)}
}

func number(v float64) *json.Number {
	return ptr(json.Number(strconv.FormatFloat(v, 'f', -1, 64)))
}

// quantity is a value in a UCUM unit (unitsofmeasure.org): the unit shown
// and its UCUM code.
func quantity(v float64, unit, code string) *r4.Quantity {
	return &r4.Quantity{Value: number(v), Unit: ptr(unit), System: ptr(UCUM), Code: ptr(code)}
}

func reference(refs Refs, typ, id, display string) *r4.Reference {
	r := &r4.Reference{Reference: ptr(refs(typ, id)), Type: ptr(typ)}
	if display != "" {
		r.Display = ptr(display)
	}
	return r
}

func write(typ, id string, v any, needsPrune bool) (Resource, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Resource{}, fmt.Errorf("write %s %s: %w", typ, id, err)
	}
	if needsPrune {
		if b, err = prune(b); err != nil {
			return Resource{}, fmt.Errorf("write %s %s: %w", typ, id, err)
		}
	}
	return Resource{Type: typ, ID: id, JSON: b}, nil
}

// Resources writes a patient's record: the Patient, a Practitioner per
// member of staff, then per visit its Encounter, Observations,
// QuestionnaireResponses and MedicationAdministrations. The Questionnaires
// the responses answer are not among them: they are the clinic's, the same
// for every patient (Questionnaires).
func Resources(rec Record, refs Refs) ([]Resource, error) {
	b := builder{rec: rec, refs: refs, staff: map[string]string{}}
	for _, s := range rec.Staff {
		b.staff[s.ID] = s.Name
	}
	return b.build()
}

type builder struct {
	rec   Record
	refs  Refs
	staff map[string]string
	out   []Resource
	err   error
}

func (b *builder) add(typ, id string, v any, needsPrune bool) {
	if b.err != nil {
		return
	}
	r, err := write(typ, id, v, needsPrune)
	b.out, b.err = append(b.out, r), err
}

func (b *builder) patientRef() *r4.Reference {
	return reference(b.refs, "Patient", b.rec.Patient.ID, b.rec.Patient.LegalName)
}

func (b *builder) staffRef(id string) *r4.Reference {
	return reference(b.refs, "Practitioner", id, b.staff[id])
}

func (b *builder) encounterRef(visitID string) *r4.Reference {
	return reference(b.refs, "Encounter", visitID, "")
}

func (b *builder) build() ([]Resource, error) {
	b.patient()
	for _, s := range b.rec.Staff {
		b.add("Practitioner", s.ID, r4.Practitioner{Id: ptr(s.ID), Active: ptr(true), Name: []r4.HumanName{{Text: ptr(s.Name)}}}, false)
	}
	for _, v := range b.rec.Visits {
		b.encounter(v)
	}
	for _, r := range b.rec.Readings {
		b.vitals(r)
	}
	for _, w := range b.rec.Weights {
		b.weight(w)
	}
	for _, r := range b.rec.Responses {
		b.response(r)
	}
	for _, d := range b.rec.Doses {
		b.dose(d)
	}
	return b.out, b.err
}

func (b *builder) patient() {
	p := b.rec.Patient
	res := r4.Patient{
		Id:         ptr(p.ID),
		Identifier: []r4.Identifier{{System: ptr(mrnPrefix + b.rec.ClinicID + ":mrn"), Value: ptr(p.MRN)}},
		Active:     ptr(true),
		Name:       []r4.HumanName{{Use: ptr(r4.NameUseOfficial), Text: ptr(p.LegalName)}},
	}
	if p.PreferredName != "" && p.PreferredName != p.LegalName {
		res.Name = append(res.Name, r4.HumanName{Use: ptr(r4.NameUseUsual), Text: ptr(p.PreferredName)})
	}
	if !p.BirthDate.IsZero() {
		res.BirthDate = ptr(p.BirthDate.String())
	}
	if g, ok := genders[p.Sex]; ok {
		res.Gender = ptr(g)
	}
	if p.Phone != "" {
		res.Telecom = append(res.Telecom, r4.ContactPoint{System: ptr(r4.ContactPointSystemPhone), Value: ptr(p.Phone)})
	}
	if p.Email != "" {
		res.Telecom = append(res.Telecom, r4.ContactPoint{System: ptr(r4.ContactPointSystemEmail), Value: ptr(p.Email)})
	}
	for _, id := range []string{p.PrescriberID, p.TherapistID} {
		if _, ok := b.staff[id]; ok && id != "" {
			res.GeneralPractitioner = append(res.GeneralPractitioner, *b.staffRef(id))
		}
	}
	b.add("Patient", p.ID, res, false)
}

// genders maps the record's sex to FHIR's AdministrativeGender, which has
// the same four values.
var genders = map[patients.Sex]r4.AdministrativeGender{
	patients.Female: r4.AdministrativeGenderFemale, patients.Male: r4.AdministrativeGenderMale,
	patients.Other: r4.AdministrativeGenderOther, patients.Unknown: r4.AdministrativeGenderUnknown,
}

// EncounterStatus is the FHIR status of a visit in state s.
func EncounterStatus(s visits.State) r4.EncounterStatus {
	switch s {
	case visits.Booked:
		return r4.EncounterStatusPlanned
	case visits.CheckedIn, visits.Cleared:
		return r4.EncounterStatusArrived
	case visits.Dosing, visits.InSession, visits.Recovering, visits.ReadyForDischarge:
		return r4.EncounterStatusInProgress
	case visits.Discharged, visits.NotCleared, visits.StoppedEarly:
		return r4.EncounterStatusFinished
	case visits.Cancelled:
		return r4.EncounterStatusCancelled
	}
	return r4.EncounterStatusUnknown
}

func (b *builder) encounter(v Visit) {
	res := r4.Encounter{
		Id:     ptr(v.ID),
		Status: EncounterStatus(v.State),
		// An outpatient treatment visit: v3 ActCode AMB (ambulatory).
		Class:   coding(ActCode, "AMB", "ambulatory"),
		Type:    []r4.CodeableConcept{{Text: ptr(v.Route.Label() + " ketamine treatment session")}},
		Subject: b.patientRef(),
	}
	if v.Route == protocol.Spravato {
		res.Type[0].Text = ptr("Spravato (esketamine) treatment session")
	}
	if !v.Start.IsZero() {
		res.Period = &r4.Period{Start: instant(v.Start)}
		if !v.End.IsZero() {
			res.Period.End = instant(v.End)
		}
	} else if v.State == visits.Booked {
		// A planned encounter's period is the booking.
		res.Period = &r4.Period{Start: instant(v.ScheduledAt), End: instant(v.EndsAt())}
	}
	b.add("Encounter", v.ID, res, false)
}

var vitalSigns = []r4.CodeableConcept{concept(ObsCat, "vital-signs", "Vital Signs")}

func (b *builder) observation(id, visitID string, at time.Time, by string, code r4.CodeableConcept, cat []r4.CodeableConcept) r4.Observation {
	o := r4.Observation{
		Id: ptr(id), Status: r4.ObservationStatusFinal, Category: cat, Code: code,
		Subject: b.patientRef(), EffectiveDateTime: instant(at),
	}
	if visitID != "" {
		o.Encounter = b.encounterRef(visitID)
	}
	if _, ok := b.staff[by]; ok && by != "" {
		o.Performer = []r4.Reference{*b.staffRef(by)}
	}
	return o
}

// status of a reading: an amendment of an earlier reading is "amended".
func readingStatus(r vitals.Reading) r4.ObservationStatus {
	if r.Amends != "" {
		return r4.ObservationStatusAmended
	}
	return r4.ObservationStatusFinal
}

func (b *builder) vitals(r vitals.Reading) {
	one := func(part, code, display string, v int, unit, ucum string, extra ...r4.Coding) {
		c := concept(LOINC, code, display)
		c.Coding = append(c.Coding, extra...)
		o := b.observation(derivedID(r.ID, part), r.VisitID, r.TakenAt, r.TakenBy, c, vitalSigns)
		o.Status = readingStatus(r)
		o.ValueQuantity = quantity(float64(v), unit, ucum)
		b.add("Observation", *o.Id, o, false)
	}
	if r.HasBP() {
		// Blood pressure is a panel whose values are its components, as the
		// vital-signs profile asks.
		o := b.observation(derivedID(r.ID, "bp"), r.VisitID, r.TakenAt, r.TakenBy,
			concept(LOINC, CodeBPPanel, "Blood pressure panel with all children optional"), vitalSigns)
		o.Status = readingStatus(r)
		o.Component = []r4.ObservationComponent{
			{Code: concept(LOINC, CodeSystolic, "Systolic blood pressure"), ValueQuantity: quantity(float64(r.Systolic), "mmHg", "mm[Hg]")},
			{Code: concept(LOINC, CodeDiastolic, "Diastolic blood pressure"), ValueQuantity: quantity(float64(r.Diastolic), "mmHg", "mm[Hg]")},
		}
		b.add("Observation", *o.Id, o, false)
	}
	if r.HeartRate > 0 {
		one("hr", CodeHeartRate, "Heart rate", r.HeartRate, "beats/minute", "/min")
	}
	if r.SpO2 > 0 {
		one("spo2", CodeSpO2, "Oxygen saturation in Arterial blood by Pulse oximetry", r.SpO2, "%", "%",
			coding(LOINC, CodeSpO2Arterial, "Oxygen saturation in Arterial blood"))
	}
	if r.RespiratoryRate > 0 {
		one("rr", CodeRespiratoryRate, "Respiratory rate", r.RespiratoryRate, "breaths/minute", "/min")
	}
}

func (b *builder) weight(w patients.Weight) {
	o := b.observation(w.ID, "", w.MeasuredAt, w.RecordedBy, concept(LOINC, CodeBodyWeight, "Body weight"), vitalSigns)
	o.ValueQuantity = quantity(w.KG, "kg", "kg")
	b.add("Observation", w.ID, o, false)
}

var surveyCat = []r4.CodeableConcept{concept(ObsCat, "survey", "Survey")}

func (b *builder) response(r Response) {
	in, err := intake.InstrumentByID(r.Result.Instrument)
	if err != nil {
		if b.err == nil {
			b.err = fmt.Errorf("write questionnaire response %s: %w", r.ID, err)
		}
		return
	}
	qr := r4.QuestionnaireResponse{
		Id: ptr(r.ID), Questionnaire: ptr(QuestionnaireURL(in)), Status: r4.QuestionnaireResponseStatusCompleted,
		Subject: b.patientRef(), Encounter: b.encounterRef(r.VisitID), Authored: instant(r.SubmittedAt),
		Author: b.patientRef(), Source: b.patientRef(),
	}
	if r.Version > 1 {
		qr.Status = r4.QuestionnaireResponseStatusAmended
	}
	if _, ok := b.staff[r.EnteredBy]; ok && r.EnteredBy != "" {
		// A clinician who typed in or amended the answers authored this
		// version; the patient is still its source.
		qr.Author = b.staffRef(r.EnteredBy)
	}
	for i, item := range in.Items {
		it := r4.QuestionnaireResponseItem{LinkId: linkID(item), Text: ptr(item.Text)}
		if i < len(r.Result.Answers) {
			if c, ok := answerCoding(in, r.Result.Answers[i]); ok {
				it.Answer = []r4.QuestionnaireResponseItemAnswer{{ValueCoding: &c}}
			}
		}
		qr.Item = append(qr.Item, it)
	}
	b.add("QuestionnaireResponse", r.ID, qr, false)

	// The total is an observation of its own, derived from the answers.
	o := b.observation(derivedID(r.ID, "total"), r.VisitID, r.SubmittedAt, r.EnteredBy,
		concept(LOINC, in.LOINCTotal, in.Title+" total score"), surveyCat)
	if r.Version > 1 {
		o.Status = r4.ObservationStatusAmended
	}
	o.ValueQuantity = &r4.Quantity{Value: number(float64(r.Result.Total)), Unit: ptr("{score}"), System: ptr(UCUM), Code: ptr("{score}")}
	o.Interpretation = []r4.CodeableConcept{{Text: ptr(r.Result.Band)}}
	o.DerivedFrom = []r4.Reference{*reference(b.refs, "QuestionnaireResponse", r.ID, "")}
	b.add("Observation", *o.Id, o, false)
}

func linkID(item intake.Item) string { return "item-" + strconv.Itoa(item.Number) }

// answerLA is the LOINC answer of each frequency option of the PHQ-9 and the
// GAD-7: LOINC answer list LL358-3 (loinc.org/LL358-3), the list of both
// panels, 44249-1 and 69737-5.
var answerLA = map[int]string{0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}

func answerCoding(in intake.Instrument, v int) (r4.Coding, bool) {
	for _, o := range in.Options {
		if o.Value == v {
			if la, ok := answerLA[v]; ok {
				return coding(LOINC, la, o.Label), true
			}
		}
	}
	return r4.Coding{}, false
}

// Questionnaires writes the Questionnaire of each instrument, the one that
// every QuestionnaireResponse names.
func Questionnaires() ([]Resource, error) {
	var out []Resource
	for _, in := range intake.Instruments() {
		q := r4.Questionnaire{
			Id: ptr(QuestionnaireID(in)), Url: ptr(QuestionnaireURL(in)), Name: ptr(nameOf(in)), Title: ptr(in.Title),
			Status: r4.PublicationStatusActive, SubjectType: []r4.ResourceType{r4.ResourceTypePatient},
			Description: ptr(in.Prompt), Code: []r4.Coding{coding(LOINC, in.LOINCPanel, in.Title+" panel")},
		}
		for _, item := range in.Items {
			qi := r4.QuestionnaireItem{LinkId: linkID(item), Text: ptr(item.Text), Type: r4.QuestionnaireItemTypeChoice, Required: ptr(true)}
			for _, o := range in.Options {
				c, ok := answerCoding(in, o.Value)
				if !ok {
					return nil, fmt.Errorf("write questionnaire %s: no LOINC answer for option %d", in.ID, o.Value)
				}
				qi.AnswerOption = append(qi.AnswerOption, r4.QuestionnaireItemAnswerOption{ValueCoding: c})
			}
			q.Item = append(q.Item, qi)
		}
		r, err := write("Questionnaire", *q.Id, q, true)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// nameOf is a computer-friendly name of the instrument ("PHQ9").
func nameOf(in intake.Instrument) string {
	var s []rune
	for _, c := range in.Title {
		if c != '-' {
			s = append(s, c)
		}
	}
	return string(s)
}

// SNOMED CT routes of administration (the FHIR R4 example value set
// hl7.org/fhir/R4/valueset-route-codes.html): intravenous 47625008,
// intramuscular 78421000, nasal 46713006.
var routes = map[protocol.Route]r4.CodeableConcept{
	protocol.IV:       concept(SNOMED, "47625008", "Intravenous route"),
	protocol.IM:       concept(SNOMED, "78421000", "Intramuscular route"),
	protocol.Spravato: concept(SNOMED, "46713006", "Nasal route"),
}

func medication(r protocol.Route) r4.CodeableConcept {
	if r == protocol.Spravato {
		return concept(RxNorm, RxEsketamineNasalSpr, "esketamine Nasal Spray")
	}
	return concept(RxNorm, RxKetamine, "ketamine")
}

func (b *builder) dose(d Dose) {
	ma := r4.MedicationAdministration{
		Id: ptr(d.ID), Status: d.Status, MedicationCodeableConcept: medication(d.Route),
		Subject: *b.patientRef(), Context: b.encounterRef(d.VisitID),
		Dosage: &r4.MedicationAdministrationDosage{Dose: quantity(d.Mg, "mg", "mg")},
	}
	if rt, ok := routes[d.Route]; ok {
		ma.Dosage.Route = &rt
	}
	if d.Site != "" {
		ma.Dosage.Site = &r4.CodeableConcept{Text: ptr(d.Site.Label())}
	}
	if d.Device > 0 {
		ma.Dosage.Text = ptr("device " + strconv.Itoa(d.Device))
	}
	if d.End.IsZero() {
		ma.EffectiveDateTime = *instant(d.Start)
	} else {
		ma.EffectivePeriod = r4.Period{Start: instant(d.Start), End: instant(d.End)}
	}
	if _, ok := b.staff[d.By]; ok && d.By != "" {
		ma.Performer = []r4.MedicationAdministrationPerformer{{Actor: *b.staffRef(d.By)}}
	}
	if d.Note != "" {
		ma.Note = []r4.Annotation{{Text: d.Note}}
	}
	b.add("MedicationAdministration", d.ID, ma, true)
}

// Bundle gathers resources into a Bundle of type collection, each entry
// under its urn:uuid full URL (resources written with BundleRefs then
// point at each other inside it).
func Bundle(id string, at time.Time, rs []Resource) ([]byte, error) {
	bd := r4.Bundle{Id: ptr(id), Type: r4.BundleTypeCollection, Timestamp: instant(at)}
	for _, r := range rs {
		bd.Entry = append(bd.Entry, r4.BundleEntry{FullUrl: ptr("urn:uuid:" + r.ID), Resource: r.JSON})
	}
	b, err := json.Marshal(bd)
	if err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	return b, nil
}
