package app

import (
	"context"
	"testing"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// A database that cannot answer is not a bad token: a client told 401
// throws its token away, so the failure is the database's (a 5xx), while
// an unknown token stays 401.
func TestTokenCheckThatCannotReachTheDatabaseIsNotUnauthorized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newLedgerFixture(t, db)
		ctx := context.Background()
		secret, err := f.a.CreateAPITokenFromCommandLine(ctx, "nurse", "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Authenticate(ctx, secret, "test"); err != nil {
			t.Fatalf("a good token: %v", err)
		}
		if _, err := f.a.Authenticate(ctx, secret+"x", "test"); !ketaflow.IsCode(err, ketaflow.EUnauthorized) {
			t.Errorf("an unknown token: %v, want unauthorized", err)
		}
		db.Close()
		_, err = f.a.Authenticate(ctx, secret, "test")
		if err == nil || ketaflow.IsCode(err, ketaflow.EUnauthorized) {
			t.Errorf("with the database closed: %v, want a database error, not unauthorized", err)
		}
	})
}
