package api_test

import (
	"net/http"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestMain(m *testing.M) { webtest.Main(m) }

// fixture is the whole server over a fresh database (webtest.Fixture),
// with the steps only these tests take as its methods.
type fixture struct {
	*webtest.Fixture
	// onCall, when set, sees every answer f.call gets: the OpenAPI test
	// checks them against the document. It is the fixture's, not the
	// package's, so that tests running in parallel do not see each other's.
	onCall func(method, path string, status int, header http.Header, body []byte)
}

func newFixture(t *testing.T, db *store.DB, opts ...webtest.Option) *fixture {
	return &fixture{Fixture: webtest.New(t, db, opts...)}
}
