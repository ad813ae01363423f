package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The stored JSON documents, as the first release wrote them (its domain
// types' JSON). A store that reads them back, and writes the same
// document for what it read, keeps every database ever written readable.
var firstFormat = []struct {
	name string
	json string
	// roundTrip decodes the JSON into the store's document type, to the
	// domain value and back to a document.
	roundTrip func(raw string) (any, error)
}{
	{"comfort", `{"eye_mask":true,"blanket":false,"music":"silence","lights_dimmed":false,"notes":"cold hands"}`,
		func(raw string) (any, error) {
			var d comfortDoc
			err := json.Unmarshal([]byte(raw), &d)
			return comfortToDoc(d.comfort()), err
		}},
	{"calculation", `{"route":"iv","vial_mg_per_ml":50,"infusion_minutes":40,"lines":[{"label":"Dose","formula":"0.5 × 64","value":32,"unit":"mg","rounding":"0.1 mg"}],"dose_mg":32,"draw_ml":0.64,"bag_total_ml":100.64,"rate_ml_per_hour":151,"warnings":["check"]}`,
		func(raw string) (any, error) {
			var d calculationDoc
			err := json.Unmarshal([]byte(raw), &d)
			return calculationToDoc(d.calculation()), err
		}},
	{"rems_form", `{"patient_name":"A B","patient_rems_id":"R1","birth_date":"1980-03-14","sex":"female","prescriber_name":"Dr P","setting_name":"C","setting_rems_id":"S1","treatment_date":"2026-11-25","dose_mg":56,"lot_numbers":["L1"],"medications":{"benzodiazepines":"no","non_benzodiazepine_sedative_hypnotics":"no","psychostimulants":"yes","maois":"no","opioids":"no"},"bp_before":{"systolic":120,"diastolic":80,"taken_at":"2026-11-25T14:05:00Z"},"bp_40_min":{"systolic":130,"diastolic":85,"taken_at":"2026-11-25T14:05:00Z"},"bp_before_discharge":{"systolic":122,"diastolic":80,"taken_at":"2026-11-25T14:05:00Z"},"first_device_at":"2026-11-25T14:05:00Z","monitoring_ended_at":"2026-11-25T14:05:00Z","monitoring_minutes":121,"sedation":"no","dissociation":"yes","respiratory_depression":"no","ready_to_leave_at":"2026-11-25T14:05:00Z","due_by":"2026-11-25T14:05:00Z","generated_at":"2026-11-25T14:05:00Z"}`,
		func(raw string) (any, error) {
			var d remsFormDoc
			err := json.Unmarshal([]byte(raw), &d)
			return remsFormToDoc(d.form()), err
		}},
	{"patient_record", `{"mrn":"M1","legal_name":"A B","preferred_name":"A","birth_date":"1980-03-14","sex":"female","phone":"+1","email":"a@b","emergency_contact":{"name":"C","relation":"sister","phone":"+2"},"rems_patient_id":"R1","prescriber_id":"p","therapist_id":"t","height_cm":170,"allergies":"none","contraindications":["pregnancy"]}`,
		func(raw string) (any, error) {
			var d recordDoc
			err := json.Unmarshal([]byte(raw), &d)
			return recordToDoc(d.record()), err
		}},
	{"fasting_fact", `{"last_solid_food":"2026-11-25T14:05:00Z","last_liquid":"2026-11-25T14:05:00Z","last_liquid_clear":true,"nasal_medication_at":"2026-11-25T14:05:00Z"}`,
		func(raw string) (any, error) {
			var d fastingDoc
			err := json.Unmarshal([]byte(raw), &d)
			return d, err
		}},
	{"ride_fact", `{"driver_name":"D","driver_phone":"+3"}`,
		func(raw string) (any, error) {
			var d rideDoc
			err := json.Unmarshal([]byte(raw), &d)
			return d, err
		}},
	{"discharge_fact", `{"driver_present":true,"alternative":"taxi","aftercare_given":true,"integration_booked":false}`,
		func(raw string) (any, error) {
			var d checklistDoc
			err := json.Unmarshal([]byte(raw), &d)
			return d, err
		}},
	{"medications_fact", `{"benzodiazepines":"no","non_benzodiazepine_sedative_hypnotics":"no","psychostimulants":"yes","maois":"no","opioids":"no"}`,
		func(raw string) (any, error) {
			var d medicationsDoc
			err := json.Unmarshal([]byte(raw), &d)
			return medicationsToDoc(d.medications()), err
		}},
}

// TestStoredDocumentsKeepTheirFormat reads each stored document in the
// first release's format and writes it again: the JSON must be the same,
// key for key and value for value.
func TestStoredDocumentsKeepTheirFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range firstFormat {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := tc.roundTrip(tc.json)
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			if err := json.Unmarshal([]byte(tc.json), &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("stored again as\n%s\nwant\n%s", out, tc.json)
			}
		})
	}
}
