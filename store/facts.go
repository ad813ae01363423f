package store

import (
	"encoding/json"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/intake"
)

// Facts stated or recorded at a visit (fasting, the ride home, the
// discharge checklist, the REMS form's medications) are rows of
// visit_facts: a kind and a JSON document. A later fact of a kind replaces
// the earlier one for the rules; every one is kept.
//
// The JSON documents have their own types here, apart from the domain's and
// the API's, so that the stored format changes only by a migration.

// Kinds of facts (visit_facts.kind).
const (
	factFasting     = "fasting"
	factRide        = "ride"
	factChecklist   = "discharge"
	factMedications = "medications"
	// factDischarged is the discharge criteria as they were met when the
	// patient left: the closed visit shows them, not a re-judgement.
	factDischarged = "discharged"
	// factREMSIncomplete is a prescriber's reason why a visit's REMS form
	// cannot be completed before the patient leaves.
	factREMSIncomplete = "rems_incomplete"
)

type reasonDoc struct {
	Reason string `json:"reason"`
}

// InsertREMSIncomplete records why a visit's REMS form cannot be completed.
func (tx *Tx) InsertREMSIncomplete(clinicID, visitID, reason, by string, at time.Time) error {
	return tx.insertFact(clinicID, visitID, factREMSIncomplete, reasonDoc{Reason: reason}, by, at)
}

// LatestREMSIncomplete returns the newest such reason of a visit; nil when
// none was recorded.
func (tx *Tx) LatestREMSIncomplete(visitID string) (string, *FactRecord, error) {
	var d reasonDoc
	rec, err := tx.latestFact(visitID, factREMSIncomplete, &d)
	return d.Reason, rec, err
}

// FactRecord is when and by whom a fact was recorded.
type FactRecord struct {
	By, ByName string
	At         time.Time
	// LateReason, for facts that take one, says why the fact was entered
	// after the visit closed.
	LateReason string
}

// fastingDoc is intake.FastingAnswers as stored.
type fastingDoc struct {
	LastSolidFood     *time.Time `json:"last_solid_food,omitempty"`
	LastLiquid        *time.Time `json:"last_liquid,omitempty"`
	LastLiquidClear   *bool      `json:"last_liquid_clear,omitempty"`
	NasalMedicationAt *time.Time `json:"nasal_medication_at,omitempty"`
}

// rideDoc is intake.Ride as stored.
type rideDoc struct {
	DriverName  string `json:"driver_name"`
	DriverPhone string `json:"driver_phone"`
}

// checklistDoc is discharge.Checklist as stored.
type checklistDoc struct {
	DriverPresent  bool   `json:"driver_present"`
	Alternative    string `json:"alternative,omitempty"`
	AftercareGiven bool   `json:"aftercare_given"`
	// IntegrationBooked was the checkbox "integration session booked".
	// Migration 18 read it into integration_sessions.checklist_booked;
	// it is kept in the format, written false, and read by nobody.
	IntegrationBooked bool `json:"integration_booked"`
}

// medicationsDoc is discharge.Medications as stored: each "yes", "no" or
// "" (not answered).
type medicationsDoc struct {
	Benzodiazepines                    string `json:"benzodiazepines"`
	NonBenzodiazepineSedativeHypnotics string `json:"non_benzodiazepine_sedative_hypnotics"`
	Psychostimulants                   string `json:"psychostimulants"`
	MAOIs                              string `json:"maois"`
	Opioids                            string `json:"opioids"`
	// LateReason says why the answers were entered after the visit
	// closed; "" for answers entered during it.
	LateReason string `json:"late_reason,omitempty"`
}

// InsertFasting records what the patient stated about their last food and
// drink.
func (tx *Tx) InsertFasting(clinicID, visitID string, f intake.FastingAnswers, by string, at time.Time) error {
	return tx.insertFact(clinicID, visitID, factFasting, fastingDoc{LastSolidFood: utcPtr(f.LastSolidFood),
		LastLiquid: utcPtr(f.LastLiquid), LastLiquidClear: f.LastLiquidClear, NasalMedicationAt: utcPtr(f.NasalMedicationAt)}, by, at)
}

// LatestFasting returns the newest fasting answers of a visit, with who
// recorded them; nil when none are recorded.
func (tx *Tx) LatestFasting(visitID string) (intake.FastingAnswers, *FactRecord, error) {
	var d fastingDoc
	rec, err := tx.latestFact(visitID, factFasting, &d)
	return intake.FastingAnswers{LastSolidFood: d.LastSolidFood, LastLiquid: d.LastLiquid, LastLiquidClear: d.LastLiquidClear,
		NasalMedicationAt: d.NasalMedicationAt}, rec, err
}

// InsertRide records who drives the patient home.
func (tx *Tx) InsertRide(clinicID, visitID string, r intake.Ride, by string, at time.Time) error {
	return tx.insertFact(clinicID, visitID, factRide, rideDoc{DriverName: r.DriverName, DriverPhone: r.DriverPhone}, by, at)
}

// LatestRide returns the newest ride home of a visit; nil when none.
func (tx *Tx) LatestRide(visitID string) (intake.Ride, *FactRecord, error) {
	var d rideDoc
	rec, err := tx.latestFact(visitID, factRide, &d)
	return intake.Ride{DriverName: d.DriverName, DriverPhone: d.DriverPhone}, rec, err
}

// InsertChecklist records the discharge checklist.
func (tx *Tx) InsertChecklist(clinicID, visitID string, c discharge.Checklist, by string, at time.Time) error {
	return tx.insertFact(clinicID, visitID, factChecklist, checklistDoc{DriverPresent: c.DriverPresent, Alternative: c.Alternative,
		AftercareGiven: c.AftercareGiven}, by, at)
}

// LatestChecklist returns the newest discharge checklist of a visit; nil
// when none.
func (tx *Tx) LatestChecklist(visitID string) (discharge.Checklist, *FactRecord, error) {
	var d checklistDoc
	rec, err := tx.latestFact(visitID, factChecklist, &d)
	return discharge.Checklist{DriverPresent: d.DriverPresent, Alternative: d.Alternative, AftercareGiven: d.AftercareGiven}, rec, err
}

// InsertMedications records the concomitant medications of the REMS form.
func (tx *Tx) InsertMedications(clinicID, visitID string, m discharge.Medications, lateReason, by string, at time.Time) error {
	d := medicationsToDoc(m)
	d.LateReason = lateReason
	return tx.insertFact(clinicID, visitID, factMedications, d, by, at)
}

// LatestMedications returns the newest concomitant medications of a visit;
// nil when none.
func (tx *Tx) LatestMedications(visitID string) (discharge.Medications, *FactRecord, error) {
	var d medicationsDoc
	rec, err := tx.latestFact(visitID, factMedications, &d)
	if rec != nil {
		rec.LateReason = d.LateReason
	}
	return d.medications(), rec, err
}

type criterionDoc struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Met    bool   `json:"met"`
	Detail string `json:"detail"`
}

// dischargedDoc is discharge.Result as stored at discharge.
type dischargedDoc struct {
	Ready                 bool           `json:"ready"`
	Criteria              []criterionDoc `json:"criteria"`
	EarliestAt            time.Time      `json:"earliest_at,omitzero"`
	ReadyWithoutMinimumAt time.Time      `json:"ready_without_minimum_at,omitzero"`
}

// InsertDischargeRecord keeps the discharge criteria as they were met when
// the patient was discharged.
func (tx *Tx) InsertDischargeRecord(clinicID, visitID string, r discharge.Result, by string, at time.Time) error {
	d := dischargedDoc{Ready: r.Ready, Criteria: []criterionDoc{}, EarliestAt: r.EarliestAt.UTC(),
		ReadyWithoutMinimumAt: r.ReadyWithoutMinimumAt.UTC()}
	for _, c := range r.Criteria {
		d.Criteria = append(d.Criteria, criterionDoc{ID: c.ID, Title: c.Title, Met: c.Met, Detail: c.Detail})
	}
	return tx.insertFact(clinicID, visitID, factDischarged, d, by, at)
}

// DischargeRecord returns the criteria as they were met at discharge, and
// false for a visit not discharged (or discharged before they were kept).
func (tx *Tx) DischargeRecord(visitID string) (discharge.Result, bool, error) {
	var d dischargedDoc
	rec, err := tx.latestFact(visitID, factDischarged, &d)
	if err != nil || rec == nil {
		return discharge.Result{}, false, err
	}
	r := discharge.Result{Ready: d.Ready, EarliestAt: d.EarliestAt, ReadyWithoutMinimumAt: d.ReadyWithoutMinimumAt}
	for _, c := range d.Criteria {
		r.Criteria = append(r.Criteria, discharge.Criterion{ID: c.ID, Title: c.Title, Met: c.Met, Detail: c.Detail})
	}
	return r, true, nil
}

func (tx *Tx) insertFact(clinicID, visitID, kind string, doc any, by string, at time.Time) error {
	s, err := marshal("marshal "+kind+" fact", doc)
	if err != nil {
		return err
	}
	_, err = tx.exec("insert "+kind+" fact", `INSERT INTO visit_facts (id, clinic_id, visit_id, kind, data, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, ketaflow.NewID(), clinicID, visitID, kind, s, by, at)
	return err
}

// latestFact decodes the newest fact of a kind into doc; the record is nil
// (and doc untouched) when there is none.
func (tx *Tx) latestFact(visitID, kind string, doc any) (*FactRecord, error) {
	var data string
	var rec FactRecord
	err := tx.queryRow("get "+kind+" fact", "fact", `SELECT f.data, f.recorded_by, u.display_name, f.recorded_at FROM visit_facts f
		JOIN users u ON u.id = f.recorded_by WHERE f.visit_id = $1 AND f.kind = $2 ORDER BY f.recorded_at DESC, f.id DESC LIMIT 1`,
		[]any{visitID, kind}, &data, &rec.By, &rec.ByName, &rec.At)
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(data), doc); err != nil {
		return nil, ketaflow.Internal("decode "+kind+" fact", err)
	}
	return &rec, nil
}

// utcPtr is a copy of *t in UTC, nil for nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
