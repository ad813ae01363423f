package store

import (
	"time"

	"github.com/ketaflow/ketaflow"
)

// ExecForTest runs a statement in the transaction, for tests that try what
// the schema forbids.
func (tx *Tx) ExecForTest(query string) error {
	_, err := tx.exec("exec for test", query)
	return err
}

// InsertRawChecklistForTest stores a discharge checklist document as an
// older release wrote it.
func (tx *Tx) InsertRawChecklistForTest(clinicID, visitID, doc, by string, at time.Time) error {
	_, err := tx.exec("insert raw checklist", `INSERT INTO visit_facts (id, clinic_id, visit_id, kind, data, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, ketaflow.NewID(), clinicID, visitID, factChecklist, doc, by, at)
	return err
}
