package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/vitals"
)

// rawInserts is the baseline of the write workloads: readings inserted
// straight through the store (the same driver, connection settings and
// table as the server, synchronous=FULL on SQLite), batch rows per
// transaction, from clients goroutines, for d. It returns rows per second.
// The rows go to a visit of the history, so the floor is not touched.
func rawInserts(ctx context.Context, db *store.DB, clinicID string, v histVisit, nurseID string, clients, batch int, d time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var rows atomic.Int64
	var wg sync.WaitGroup
	var first error
	var once sync.Once
	start := time.Now()
	at := start.UTC()
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				err := db.Transact(context.Background(), func(tx *store.Tx) error {
					for range batch {
						sed, dis := 5, false
						if err := tx.InsertVital(clinicID, vitals.Reading{ID: ketaflow.NewID(), VisitID: v.ID, PatientID: v.PatientID,
							TakenAt: at, TakenBy: nurseID, RecordedAt: at, Systolic: 124, Diastolic: 80, HeartRate: 72, SpO2: 98,
							RespiratoryRate: 14, Sedation: &sed, Dissociation: &dis}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					once.Do(func() { first = err })
					return
				}
				rows.Add(int64(batch))
			}
		})
	}
	wg.Wait()
	return float64(rows.Load()) / time.Since(start).Seconds(), first
}
