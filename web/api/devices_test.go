package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// TestDeviceIngestTakesADeviceTokenAndAKeyedRetryIsStoredOnce: a
// gateway's token of the device scope sends a batch; the same batch again
// with the same Idempotency-Key gets the first answer and stores nothing;
// a device token may do nothing else, and a read/write token may not
// ingest.
func TestDeviceIngestTakesADeviceTokenAndAKeyedRetryIsStoredOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		chair, err := f.App.AddChair(ctx, f.Actor("admin"), "Chair 1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.AddMonitor(ctx, f.Actor("admin"), app.MonitorInput{Key: "BED1", ChairID: &chair.ID}); err != nil {
			t.Fatal(err)
		}
		v, err := f.App.BookVisit(ctx, f.Actor("frontdesk"), visits.Booking{PatientID: f.PatientA.ID, Route: "iv",
			ScheduledAt: f.Clock.Now(), ChairID: chair.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.MoveVisit(ctx, f.Actor("frontdesk"), v.Visit.ID, visits.CheckedIn, ""); err != nil {
			t.Fatal(err)
		}
		if f.Tokens["gateway"], err = f.App.CreateAPITokenFromCommandLine(ctx, "nurse", "monitor gateway", "device"); err != nil {
			t.Fatal(err)
		}
		batch := map[string]any{"readings": []map[string]any{
			{"monitor": "BED1", "taken_at": f.Clock.Now(), "spo2": 97, "pulse_rate": 70},
			{"monitor": "BED7", "taken_at": f.Clock.Now(), "spo2": 95}}}
		var first, again map[string]any
		resp := f.API("gateway", "POST", "/api/v1/devices/readings", batch, &first, "Idempotency-Key", "batch-0001")
		if resp.StatusCode != http.StatusOK || first["stored"] != 2.0 || first["assigned"] != 1.0 {
			t.Fatalf("ingest: %d %v", resp.StatusCode, first)
		}
		resp = f.API("gateway", "POST", "/api/v1/devices/readings", batch, &again, "Idempotency-Key", "batch-0001")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: %d replayed %q", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"))
		}
		var trend map[string]any
		f.API("nurse", "GET", "/api/v1/visits/"+v.Visit.ID+"/monitor", nil, &trend)
		if rs, _ := trend["readings"].([]any); len(rs) != 1 {
			t.Errorf("the visit has %d monitor readings after a retried batch, want 1", len(rs))
		}
		if resp := f.API("gateway", "GET", "/api/v1/visits/"+v.Visit.ID+"/monitor", nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a device token read a visit: %d", resp.StatusCode)
		}
		if resp := f.API("nurse", "POST", "/api/v1/devices/readings", batch, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a read/write token ingested: %d", resp.StatusCode)
		}
	})
}
