package api

import (
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
)

// patientInput is the body of POST /api/v1/patients: the record's fields and
// optionally a first weight.
type patientInput struct {
	patients.Record
	Weight *app.NewWeight `json:"weight,omitempty"`
}
