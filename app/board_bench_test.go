package app

import (
	"context"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// BenchmarkBoard reads the floor board of a clinic with two sessions and
// a patient at the gate (the floor fixture).
func BenchmarkBoard(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	f, _ := floor(b, db)
	ctx := context.Background()
	for b.Loop() {
		if _, err := f.a.Board(ctx, f.actor("nurse")); err != nil {
			b.Fatal(err)
		}
	}
}
