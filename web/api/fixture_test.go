package api_test

import (
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestMain(m *testing.M) { webtest.Main(m) }

// fixture is the whole server over a fresh database (webtest.Fixture),
// with the steps only these tests take as its methods.
type fixture struct {
	*webtest.Fixture
}

func newFixture(t *testing.T, db *store.DB, opts ...webtest.Option) *fixture {
	return &fixture{Fixture: webtest.New(t, db, opts...)}
}
