package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// Finding 6 of issue 13: API tokens never expired, had no scope, survived
// a password change, and could make more tokens.

type tokenJSON struct {
	ID        string    `json:"id"`
	ExpiresAt time.Time `json:"expires_at"`
	Scopes    []string  `json:"scopes"`
}

func TestAPITokensExpireHaveScopesAndCannotMakeTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.Tokens["browser"] = f.loginSecret("nurse")
		tokens := func() int {
			var l struct{ Tokens []tokenJSON }
			f.must(http.StatusOK, "browser", "GET", "/api/v1/tokens", nil, &l)
			return len(l.Tokens)
		}
		before := tokens()

		// A token cannot make a token, whatever its scopes.
		f.refused(http.StatusForbidden, "forbidden", "nurse", "POST", "/api/v1/tokens", map[string]any{"name": "child"}, "cannot make tokens")
		if n := tokens(); n != before {
			t.Fatalf("a token made a token: %d tokens, were %d", n, before)
		}

		// A signed-in login makes a read-only token; it reads and cannot write.
		var made struct {
			Token  tokenJSON `json:"token"`
			Secret string    `json:"secret"`
		}
		f.must(http.StatusCreated, "browser", "POST", "/api/v1/tokens", map[string]any{"name": "report", "scopes": []string{"read"}}, &made)
		if want := f.Clock.Now().Add(90 * 24 * time.Hour); !made.Token.ExpiresAt.Equal(want) || len(made.Token.Scopes) != 1 || made.Token.Scopes[0] != "read" {
			t.Errorf("default token: expires %v scopes %v, want %v and [read]", made.Token.ExpiresAt, made.Token.Scopes, want)
		}
		f.Tokens["reader"] = made.Secret
		f.must(http.StatusOK, "reader", "GET", "/api/v1/patients", nil, nil)
		f.refused(http.StatusForbidden, "forbidden", "reader", "POST", "/api/v1/patients", map[string]any{"legal_name": "Never Made"}, "read", "write")
		f.refused(http.StatusForbidden, "forbidden", "reader", "POST", "/api/v1/tokens", map[string]any{"name": "child"})

		// A device-ingest token neither reads nor writes the record.
		f.must(http.StatusCreated, "browser", "POST", "/api/v1/tokens", map[string]any{"name": "monitor", "scopes": []string{"device"}}, &made)
		f.Tokens["device"] = made.Secret
		f.refused(http.StatusForbidden, "forbidden", "device", "GET", "/api/v1/patients", nil, "device", "read")

		// Expiry: asked for, bounded, enforced.
		f.refused(http.StatusBadRequest, "invalid", "browser", "POST", "/api/v1/tokens", map[string]any{"name": "long", "expires_in_days": 400}, "365")
		f.refused(http.StatusBadRequest, "invalid", "browser", "POST", "/api/v1/tokens", map[string]any{"name": "odd", "scopes": []string{"admin"}}, "read, write and device")
		f.must(http.StatusCreated, "browser", "POST", "/api/v1/tokens", map[string]any{"name": "short", "scopes": []string{"read", "write"},
			"expires_in_days": 2}, &made)
		if want := f.Clock.Now().Add(48 * time.Hour); !made.Token.ExpiresAt.Equal(want) {
			t.Errorf("2-day token expires %v, want %v", made.Token.ExpiresAt, want)
		}
		f.Tokens["short"] = made.Secret
		f.must(http.StatusOK, "short", "GET", "/api/v1/me", nil, nil)
		f.Clock.Advance(48 * time.Hour)
		f.refused(http.StatusUnauthorized, "unauthorized", "short", "GET", "/api/v1/me", nil, "expired")
		f.must(http.StatusOK, "reader", "GET", "/api/v1/me", nil, nil)

		// A password change revokes every token of the account.
		if err := f.App.ChangeOwnPassword(context.Background(), f.Actor("nurse"), webtest.Password, "a brand new passphrase 42"); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"nurse", "reader"} {
			f.refused(http.StatusUnauthorized, "unauthorized", who, "GET", "/api/v1/me", nil)
		}
		f.must(http.StatusOK, "prescriber", "GET", "/api/v1/me", nil, nil) // others' tokens stay
	})
}
