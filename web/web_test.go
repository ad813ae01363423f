package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestCrossSiteFormPostIsRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := webtest.New(t, db)
		b := f.Login("admin")
		req, _ := http.NewRequest("POST", f.Server.URL+"/admin/users", strings.NewReader("username=evil&name=Evil&role=admin&password=0123456789ab"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site post: got %d, want 403", resp.StatusCode)
		}
		if _, err := f.App.Login(context.Background(), "evil", "0123456789ab", "x"); err == nil {
			t.Error("the cross-site post created a user")
		}
	})
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := webtest.New(t, db)
		if resp := f.API("", "GET", "/healthz", nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("healthz: got %d", resp.StatusCode)
		}
		db.Close()
		if resp := f.API("", "GET", "/healthz", nil, nil); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("healthz with the database closed: got %d, want 503", resp.StatusCode)
		}
	})
}
