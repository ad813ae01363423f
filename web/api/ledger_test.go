package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/web/webtest"
)

func TestLedgerAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		visit, err := f.App.BookVisit(ctx, f.Actor("nurse"), visits.Booking{PatientID: f.PatientA.ID, Route: "im",
			ScheduledAt: webtest.Start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		var lot struct {
			ID     string  `json:"id"`
			OnHand float64 `json:"on_hand"`
			Unit   string  `json:"unit"`
			Flag   string  `json:"flag"`
		}
		body := map[string]any{"drug": "ketamine", "concentration_mg_per_ml": 100, "ml_per_vial": 5, "lot_number": "K100-7",
			"expiry": "2027-01-31", "packs": 2}
		resp := f.API("nurse", "POST", "/api/v1/lots", body, &lot)
		if resp.StatusCode != http.StatusCreated || lot.OnHand != 10 || lot.Unit != "mL" || resp.Header.Get("Location") != "/api/v1/lots/"+lot.ID {
			t.Fatalf("receive: %d %+v (Location %q)", resp.StatusCode, lot, resp.Header.Get("Location"))
		}
		if resp := f.API("therapist", "POST", "/api/v1/lots", body, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("therapist receives: %d, want 403", resp.StatusCode)
		}
		entries := "/api/v1/lots/" + lot.ID + "/entries"
		var e webtest.APIErr
		if resp := f.API("nurse", "POST", entries, map[string]any{"kind": "count"}, &e); resp.StatusCode != http.StatusBadRequest || e.Error.Field != "counted" {
			t.Errorf("count without counted: %d %+v", resp.StatusCode, e)
		}
		var res struct {
			Entry struct {
				ID  string `json:"id"`
				Seq int    `json:"seq"`
			} `json:"entry"`
			OnHand      float64 `json:"on_hand"`
			Discrepancy *struct {
				Difference float64 `json:"difference"`
			} `json:"discrepancy"`
		}
		// A draw for a visit is the visit's record, made by its steps.
		e = webtest.APIErr{}
		resp = f.API("nurse", "POST", entries, map[string]any{"kind": "draw", "quantity": 0.64, "visit_id": visit.Visit.ID}, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "kind" {
			t.Errorf("draw typed into the ledger: %d %+v, want 400 on kind", resp.StatusCode, e)
		}
		waste := map[string]any{"kind": "waste", "quantity": 0.64, "reason": "vial cracked", "witness_username": "prescriber",
			"witness_password": webtest.Password}
		resp = f.API("nurse", "POST", entries, waste, &res)
		if resp.StatusCode != http.StatusCreated || res.OnHand != 9.36 || res.Entry.Seq != 2 {
			t.Fatalf("waste: %d %+v", resp.StatusCode, res)
		}
		e = webtest.APIErr{}
		waste["quantity"] = 10
		resp = f.API("nurse", "POST", entries, waste, &e)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Error.Message, "K100-7") {
			t.Errorf("wasting more than is on hand: %d %+v, want 422 naming the lot", resp.StatusCode, e)
		}
		res.Discrepancy = nil
		resp = f.API("nurse", "POST", entries, map[string]any{"kind": "count", "counted": 9}, &res)
		if resp.StatusCode != http.StatusCreated || res.Discrepancy == nil || res.Discrepancy.Difference != -0.36 {
			t.Fatalf("count of 9: %d %+v", resp.StatusCode, res)
		}
		countID := res.Entry.ID
		var ds struct {
			Discrepancies []struct {
				EntryID   string `json:"entry_id"`
				LotNumber string `json:"lot_number"`
				Open      bool   `json:"open"`
			} `json:"discrepancies"`
		}
		f.API("admin", "GET", "/api/v1/discrepancies", nil, &ds)
		if len(ds.Discrepancies) != 1 || ds.Discrepancies[0].EntryID != countID || !ds.Discrepancies[0].Open {
			t.Fatalf("admin's open discrepancies: %+v", ds)
		}
		adjust := map[string]any{"kind": "adjust", "direction": "remove", "quantity": 0.36, "reason": "bench spill", "resolves": countID,
			"witness_username": "nurse", "witness_password": "wrong"}
		e = webtest.APIErr{}
		if resp := f.API("admin", "POST", entries, adjust, &e); resp.StatusCode != http.StatusBadRequest || e.Error.Field != "witness_password" {
			t.Errorf("adjust with a wrong witness password: %d %+v", resp.StatusCode, e)
		}
		adjust["witness_password"] = webtest.Password
		resp = f.API("admin", "POST", entries, adjust, &res)
		if resp.StatusCode != http.StatusCreated || res.OnHand != 9 {
			t.Fatalf("adjust: %d %+v", resp.StatusCode, res)
		}
		ds.Discrepancies = nil
		f.API("admin", "GET", "/api/v1/discrepancies", nil, &ds)
		if len(ds.Discrepancies) != 0 {
			t.Errorf("open discrepancies after the adjustment: %+v", ds)
		}
		f.API("admin", "GET", "/api/v1/discrepancies?all=true", nil, &ds)
		if len(ds.Discrepancies) != 1 || ds.Discrepancies[0].Open {
			t.Errorf("all discrepancies: %+v", ds)
		}
		var book struct {
			Lot struct {
				OnHand float64 `json:"on_hand"`
			} `json:"lot"`
			Entries []struct {
				Seq          int     `json:"seq"`
				Kind         string  `json:"kind"`
				BalanceAfter float64 `json:"balance_after"`
				WitnessName  string  `json:"witness_name"`
				Resolves     string  `json:"resolves"`
			} `json:"entries"`
			OpenDraws map[string]float64 `json:"open_draws"`
		}
		f.API("prescriber", "GET", "/api/v1/lots/"+lot.ID, nil, &book)
		if book.Lot.OnHand != 9 || len(book.Entries) != 4 || book.Entries[3].Resolves != countID || book.Entries[3].WitnessName != "Test nurse" ||
			len(book.OpenDraws) != 0 {
			t.Errorf("lot book: %+v", book)
		}
		var lots struct {
			Lots []struct {
				LotNumber string `json:"lot_number"`
			} `json:"lots"`
		}
		f.API("admin", "GET", "/api/v1/lots", nil, &lots)
		if len(lots.Lots) != 1 || lots.Lots[0].LotNumber != "K100-7" {
			t.Errorf("lots: %+v", lots)
		}
		if resp := f.API("frontdesk", "GET", "/api/v1/lots", nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk lists lots: %d, want 403", resp.StatusCode)
		}
		if resp := f.API("nurse-b", "GET", "/api/v1/lots/"+lot.ID, nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("clinic B reads clinic A's lot: %d, want 404", resp.StatusCode)
		}
		if resp := f.API("nurse", "GET", "/api/v1/lots?all=maybe", nil, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("all=maybe: %d, want 400", resp.StatusCode)
		}
	})
}
