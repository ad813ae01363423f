package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestDiskFullRefusesClearlyAndRecovers fills the database's disk and
// checks that writes are refused with a clear 503 (not a 500), that every
// write acknowledged before is still there, and that writes go through
// again once space returns. An unprivileged test cannot mount a small
// tmpfs, so the full disk is SQLite's own size limit (max_page_count):
// SQLite answers SQLITE_FULL for it exactly as for a disk with no space
// left, and the server takes the same path. PostgreSQL's disk_full
// (53100) is mapped the same way, tested in store (no way to fill its
// disk from a test).
func TestDiskFullRefusesClearlyAndRecovers(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	ctx := context.Background()
	register := func(i int) (int, string, webtest.APIErr) {
		var out struct {
			ID string `json:"id"`
			webtest.APIErr
		}
		resp := f.API("nurse", "POST", "/api/v1/patients", map[string]any{"legal_name": fmt.Sprintf("Disk Patient %d", i),
			"birth_date": "1980-01-01", "sex": "female", "allergies": strings.Repeat("latex; ", 250)}, &out)
		return resp.StatusCode, out.ID, out.APIErr
	}
	var acked []string
	for i := range 5 {
		status, id, e := register(i)
		if status != http.StatusCreated {
			t.Fatalf("before the disk fills: %d %+v", status, e)
		}
		acked = append(acked, id)
	}

	pages, err := db.PageCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LimitPages(ctx, pages); err != nil {
		t.Fatal(err)
	}
	refused := 0
	for i := 5; i < 500 && refused < 5; i++ {
		switch status, id, e := register(i); status {
		case http.StatusCreated: // it fitted in the pages left
			acked = append(acked, id)
		case http.StatusServiceUnavailable:
			refused++
			if e.Error.Code != "unavailable" || !strings.Contains(e.Error.Message, "disk is full") ||
				!strings.Contains(e.Error.Message, "not saved") || strings.Contains(e.Error.Message, "SQLITE") {
				t.Errorf("a write on a full disk answers %+v; want a plain message that the disk is full and this was not saved", e.Error)
			}
		default:
			t.Fatalf("a write on a full disk answers %d %+v; want 503", status, e)
		}
	}
	if refused == 0 {
		t.Fatal("the disk never filled: no write was refused")
	}
	// Reads are audited, and a read whose audit entry cannot be written is
	// not served (fail closed): while the disk is full a read answers the
	// same clear 503, or 200 while its entry still fits.
	for _, id := range acked {
		var e webtest.APIErr
		resp := f.API("nurse", "GET", "/api/v1/patients/"+id, nil, &e)
		if resp.StatusCode != http.StatusOK && (resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(e.Error.Message, "disk is full")) {
			t.Errorf("reading patient %s on a full disk: %d %+v", id, resp.StatusCode, e)
		}
	}

	// Space returns: writes go through again, without a restart.
	if _, err := db.LimitPages(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	if status, _, e := register(1000); status != http.StatusCreated {
		t.Fatalf("after space returns: %d %+v, want 201", status, e)
	}
	// Nothing acknowledged was lost.
	for _, id := range acked {
		if resp := f.API("nurse", "GET", "/api/v1/patients/"+id, nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("patient %s, acknowledged before or while the disk was full: GET %d after space returned", id, resp.StatusCode)
		}
	}
	rep, err := f.App.VerifyAudit(ctx)
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("audit chain after the disk was full: %v %+v", err, rep.Problems)
	}
	t.Logf("%d writes acknowledged, %d refused while the disk was full", len(acked), refused)
}
