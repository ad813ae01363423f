package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

type protocolVersion struct {
	Number  int               `json:"number"`
	Reason  string            `json:"reason"`
	Rules   protocol.Protocol `json:"rules"`
	Changes []protocol.Change `json:"changes"`
}

func TestProtocolSaveMakesANewVersion(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		var cur protocolVersion
		f.API("nurse", "GET", "/api/v1/protocol", nil, &cur)
		if cur.Number != 1 || cur.Rules.Gate.BPBlockSystolic != 160 {
			t.Fatalf("a new clinic starts at version 1 with the defaults, got %d %d", cur.Number, cur.Rules.Gate.BPBlockSystolic)
		}
		body := map[string]any{"based_on": 1, "reason": "our medical director's limit",
			"values": map[string]string{"gate.bp_block_systolic": "150", "gate.bp_warn_systolic": "135"}}
		// A nurse may read the protocol but not change it.
		if resp := f.API("nurse", "POST", "/api/v1/protocol/versions", body, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("nurse saves protocol: got %d, want 403", resp.StatusCode)
		}
		var saved protocolVersion
		resp := f.API("admin", "POST", "/api/v1/protocol/versions", body, &saved)
		if resp.StatusCode != http.StatusCreated || saved.Number != 2 || saved.Rules.Gate.BPBlockSystolic != 150 || len(saved.Changes) != 2 {
			t.Fatalf("admin saves: got %d %+v", resp.StatusCode, saved)
		}
		// Saving again from version 1 is refused: it would undo version 2.
		var e webtest.APIErr
		if resp := f.API("admin", "POST", "/api/v1/protocol/versions", body, &e); resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("stale save: got %d %+v, want 412", resp.StatusCode, e)
		}
		// Version 1 still reads as it was.
		var v1 protocolVersion
		f.API("nurse", "GET", "/api/v1/protocol/versions/1", nil, &v1)
		if v1.Rules.Gate.BPBlockSystolic != 160 {
			t.Errorf("version 1 changed: %d", v1.Rules.Gate.BPBlockSystolic)
		}
	})
}

func TestProtocolSaveRefusesBadValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values map[string]string
		field  string
	}{
		{"warn_limit_above_block_limit_refused", map[string]string{"gate.bp_warn_systolic": "170"}, "gate.bp_warn_systolic"},
		{"negative_minutes_refused", map[string]string{"session.vitals_every_minutes": "-5"}, "session.vitals_every_minutes"},
		{"not_a_number_refused", map[string]string{"gate.spo2_block_below": "ninety"}, "gate.spo2_block_below"},
		{"unknown_setting_refused", map[string]string{"gate.vibes": "good"}, "gate.vibes"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var e webtest.APIErr
				resp := f.API("admin", "POST", "/api/v1/protocol/versions", map[string]any{"based_on": 1,
					"reason": "testing limits", "values": tt.values}, &e)
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.Error.Field+" "+e.Error.Message, tt.field) {
					t.Errorf("got %d %+v, want 400 naming %s", resp.StatusCode, e, tt.field)
				}
			})
		}
		var cur protocolVersion
		f.API("admin", "GET", "/api/v1/protocol", nil, &cur)
		if cur.Number != 1 {
			t.Errorf("a refused save made version %d", cur.Number)
		}
	})
}
