package app

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// ledgerPassword is every test user's password.
const ledgerPassword = "correct horse battery"

// ledgerNow is 14:00 UTC, 09:00 in the clinic (America/New_York).
var ledgerNow = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// ledgerFixture is a clinic with staff of every role (and a deactivated
// nurse), a second clinic's nurse, and one booked visit to draw for.
type ledgerFixture struct {
	t      testing.TB
	a      *App
	clock  *ketaflow.FakeClock
	clinic ketaflow.Clinic
	users  map[string]access.User
	visit  visits.Visit
}

func newLedgerFixture(t testing.TB, db *store.DB) *ledgerFixture {
	t.Helper()
	ctx := context.Background()
	clock := ketaflow.NewFakeClock(ledgerNow)
	// Cheap hashes keep the tests quick; the cost is stored in each hash.
	a := New(db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), PasswordCost(access.CheapArgon2()))
	f := &ledgerFixture{t: t, a: a, clock: clock, users: map[string]access.User{}}
	var err error
	if f.clinic, err = a.CreateClinic(ctx, "Clinic A", "America/New_York"); err != nil {
		t.Fatal(err)
	}
	other, err := a.CreateClinic(ctx, "Clinic B", "Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		clinic, username string
		role             access.Role
	}{
		{f.clinic.ID, "nurse", access.Nurse}, {f.clinic.ID, "nurse2", access.Nurse}, {f.clinic.ID, "nurse3", access.Nurse},
		{f.clinic.ID, "prescriber", access.Prescriber}, {f.clinic.ID, "admin", access.Admin},
		{f.clinic.ID, "therapist", access.Therapist}, {f.clinic.ID, "frontdesk", access.FrontDesk},
		{other.ID, "nurse-b", access.Nurse},
	} {
		user, err := a.AddUserFromCommandLine(ctx, u.clinic, NewUser{Username: u.username, Name: "Test " + u.username,
			Role: u.role, Password: ledgerPassword})
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.username] = user
	}
	off := false
	if _, err := a.UpdateUser(ctx, f.actor("admin"), f.users["nurse3"].ID, UserChange{Active: &off}); err != nil {
		t.Fatal(err)
	}
	dob, _ := ketaflow.ParseDate("1984-03-12")
	p, err := a.CreatePatient(ctx, f.actor("nurse"), patients.Record{LegalName: "Maria Alvarez", BirthDate: dob,
		Sex: patients.Female, Phone: "+1 555 010 0101"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	booked, err := a.BookVisit(ctx, f.actor("nurse"), visits.Booking{PatientID: p.ID, Route: "iv",
		ScheduledAt: ledgerNow.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f.visit = booked.Visit
	return f
}

func (f *ledgerFixture) actor(username string) access.Actor { return f.users[username].Actor("test") }

// ketamineVials is a delivery of ketamine 50 mg/mL in 10 mL vials, expiring in a
// year unless the test says otherwise.
func ketamineVials(lotNumber string, n int) NewLot {
	return NewLot{Drug: dosing.Ketamine, ConcentrationMgPerML: 50, MLPerVial: 10, LotNumber: lotNumber,
		Expiry: ketaflow.Date{Year: 2027, Month: time.November, Day: 30}, Packs: n}
}

func (f *ledgerFixture) receive(username string, in NewLot) LotStock {
	f.t.Helper()
	l, err := f.a.ReceiveLot(context.Background(), f.actor(username), in)
	if err != nil {
		f.t.Fatalf("receive %s: %v", in.LotNumber, err)
	}
	return l
}

// entry asks for one ledger entry as username.
func (f *ledgerFixture) entry(username, lotID string, e dosing.Entry, w Witness, resolves string) (Appended, error) {
	return f.a.AppendLedger(context.Background(), f.actor(username), lotID, LedgerRequest{Entry: e, Witness: w, Resolves: resolves})
}

// visitEntry records a draw, give or visit waste as the visit's steps do:
// through ledgerAppend in a transaction of its own, the witness (if any)
// confirmed first. AppendLedger refuses such entries.
func (f *ledgerFixture) visitEntry(username, lotID string, e dosing.Entry, w Witness) error {
	ctx := context.Background()
	actor := f.actor(username)
	if w.Username != "" {
		u, err := f.a.confirmWitness(ctx, actor, e.Kind, w)
		if err != nil {
			return err
		}
		e.WitnessBy = u.ID
	}
	return f.a.DB.Transact(ctx, func(tx *store.Tx) error {
		_, _, err := f.a.ledgerAppend(tx, actor, f.clinic, lotID, e)
		return err
	})
}

func (f *ledgerFixture) mustVisitEntry(username, lotID string, e dosing.Entry) {
	f.t.Helper()
	if err := f.visitEntry(username, lotID, e, Witness{}); err != nil {
		f.t.Fatalf("%s %v: %v", e.Kind, e, err)
	}
}

func (f *ledgerFixture) mustEntry(username, lotID string, e dosing.Entry, w Witness, resolves string) Appended {
	f.t.Helper()
	r, err := f.entry(username, lotID, e, w, resolves)
	if err != nil {
		f.t.Fatalf("%s %v: %v", e.Kind, e, err)
	}
	return r
}

func (f *ledgerFixture) book(lotID string) LotBook {
	f.t.Helper()
	b, err := f.a.Lot(context.Background(), f.actor("nurse"), lotID)
	if err != nil {
		f.t.Fatalf("lot %s: %v", lotID, err)
	}
	return b
}

var nurse2Signs = Witness{Username: "nurse2", Password: ledgerPassword}

// wantLedgerRefusal fails unless err has code and, when given, names field and
// says every one of words.
func wantLedgerRefusal(t *testing.T, err error, code ketaflow.Code, field string, words ...string) {
	t.Helper()
	e := ketaflow.AsError(err)
	if err == nil || e.Code != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
	if field != "" && e.Field != field {
		t.Errorf("got field %q (%v), want %q", e.Field, err, field)
	}
	for _, w := range words {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not say %q", e.Message, w)
		}
	}
}

func TestReceivingALotCreatesItsBalance(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		l := f.receive("nurse", ketamineVials("K2611A", 5))
		if l.OnHand != 50 || l.Unit() != "mL" || l.Flag != "" || l.Entries != 1 {
			t.Fatalf("received lot: on hand %v %s, flag %q, %d entries; want 50 mL, no flag, 1 entry", l.OnHand, l.Unit(), l.Flag, l.Entries)
		}
		if got := l.OnHandText(); got != "50 mL (5 vials)" {
			t.Errorf("on hand text %q", got)
		}
		b := f.book(l.ID)
		if len(b.Entries) != 1 || b.Entries[0].Kind != dosing.Receive || b.Entries[0].BalanceAfter != 50 || b.Entries[0].By != f.users["nurse"].ID {
			t.Fatalf("entries %+v, want one receipt of 50 mL by the nurse", b.Entries)
		}
		// More of the same lot is a receipt on it, not a second lot.
		if _, err := f.a.ReceiveLot(context.Background(), f.actor("nurse"), ketamineVials("K2611A", 1)); !ketaflow.IsCode(err, ketaflow.EConflict) {
			t.Fatalf("same lot number again: got %v, want EConflict", err)
		}
		r := f.mustEntry("nurse", l.ID, dosing.Entry{Kind: dosing.Receive, Quantity: 20}, Witness{}, "")
		if r.Balance.OnHand() != 70 {
			t.Errorf("after a second receipt on hand %v, want 70", r.Balance.OnHand())
		}
		// Spravato is counted in devices: two 84 mg kits are 6 devices.
		s := f.receive("prescriber", NewLot{Drug: dosing.Esketamine, DevicesPerKit: 3, LotNumber: "S84-01",
			Expiry: ketaflow.Date{Year: 2027, Month: time.June, Day: 30}, Packs: 2})
		if s.OnHand != 6 || s.Unit() != "devices" || s.OnHandText() != "6 devices (2 kits)" {
			t.Errorf("spravato lot: %v %s (%q)", s.OnHand, s.Unit(), s.OnHandText())
		}
		entries, err := f.a.SearchAudit(context.Background(), f.actor("admin"), AuditQuery{Action: string(access.LedgerReceive)})
		if err != nil {
			t.Fatal(err)
		}
		var ok int
		for _, e := range entries {
			if e.Outcome == audit.OK && e.Category == access.CatControlled {
				ok++
			}
		}
		if ok != 3 {
			t.Errorf("%d audited receipts in category %s, want 3", ok, access.CatControlled)
		}
	})
}

func TestReceiveRefusesBadDeliveries(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		tests := []struct {
			name  string
			edit  func(*NewLot)
			code  ketaflow.Code
			field string
		}{
			{"no_packs_refused", func(l *NewLot) { l.Packs = 0 }, ketaflow.EInvalid, "packs"},
			{"no_lot_number_refused", func(l *NewLot) { l.LotNumber = " " }, ketaflow.EInvalid, "lot_number"},
			{"no_strength_refused", func(l *NewLot) { l.ConcentrationMgPerML = 0 }, ketaflow.EInvalid, "concentration_mg_per_ml"},
			{"unknown_drug_refused", func(l *NewLot) { l.Drug = "morphine" }, ketaflow.EInvalid, "drug"},
			{"expired_lot_refused", func(l *NewLot) { l.Expiry = ketaflow.Date{Year: 2026, Month: time.November, Day: 24} }, ketaflow.EBlocked, "lot_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := ketamineVials("BAD-"+tt.name, 2)
				tt.edit(&in)
				_, err := f.a.ReceiveLot(context.Background(), f.actor("nurse"), in)
				wantLedgerRefusal(t, err, tt.code, tt.field)
			})
		}
		lots, err := f.a.Lots(context.Background(), f.actor("nurse"), true)
		if err != nil || len(lots) != 0 {
			t.Fatalf("after refused deliveries: %d lots (%v), want none", len(lots), err)
		}
		if _, err := f.a.ReceiveLot(context.Background(), f.actor("admin"), ketamineVials("K1", 1)); !ketaflow.IsCode(err, ketaflow.EForbidden) {
			t.Errorf("admin receives stock: got %v, want EForbidden", err)
		}
	})
}

func TestDrawIsRefusedFromAnExpiredLot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		in := ketamineVials("K-EXP", 2)
		in.Expiry = ketaflow.Date{Year: 2026, Month: time.November, Day: 26}
		l := f.receive("nurse", in)
		draw := dosing.Entry{Kind: dosing.Draw, Quantity: 0.64, VisitID: f.visit.ID}
		// 26 Nov 23:30 in New York is 27 Nov in UTC: the clinic's date
		// decides, and a lot may be used on its expiry date.
		f.clock.Set(time.Date(2026, 11, 27, 4, 30, 0, 0, time.UTC))
		f.mustVisitEntry("nurse", l.ID, draw)
		f.clock.Set(time.Date(2026, 11, 27, 5, 30, 0, 0, time.UTC)) // 00:30 on the 27th in New York
		err := f.visitEntry("nurse", l.ID, draw, Witness{})
		wantLedgerRefusal(t, err, ketaflow.EBlocked, "lot_id", "lot K-EXP", "expired on 2026-11-26")
		b := f.book(l.ID)
		if len(b.Entries) != 2 || b.Lot.OnHand != 19.36 || b.Lot.Flag != LotExpired {
			t.Errorf("after the refused draw: %d entries, on hand %v, flag %q; want 2, 19.36, expired", len(b.Entries), b.Lot.OnHand, b.Lot.Flag)
		}
		// An expired lot is destroyed with a witnessed waste.
		f.mustEntry("nurse", l.ID, dosing.Entry{Kind: dosing.Waste, Quantity: 19.36, Reason: "expired"}, nurse2Signs, "")
		if b := f.book(l.ID); b.Lot.Flag != LotEmpty {
			t.Errorf("after wasting the rest the lot is %q, want empty", b.Lot.Flag)
		}
	})
}

func TestDrawIsRefusedFromAnEmptyLot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		l := f.receive("nurse", ketamineVials("K-ONE", 1))
		draw := dosing.Entry{Kind: dosing.Draw, Quantity: 10, VisitID: f.visit.ID}
		f.mustVisitEntry("nurse", l.ID, draw)
		draw.Quantity = 0.5
		err := f.visitEntry("nurse", l.ID, draw, Witness{})
		wantLedgerRefusal(t, err, ketaflow.EBlocked, "lot_id", "lot K-ONE", "empty")
		// More than is on hand is refused too, naming what is there.
		l2 := f.receive("nurse", ketamineVials("K-TWO", 1))
		draw.Quantity = 10.5
		err = f.visitEntry("nurse", l2.ID, draw, Witness{})
		wantLedgerRefusal(t, err, ketaflow.EBlocked, "quantity", "10 mL of lot K-TWO")
		if n := len(f.book(l.ID).Entries); n != 2 {
			t.Errorf("%d entries on the empty lot, want 2: a refused entry is never written", n)
		}
		// A draw is for a visit of the clinic.
		draw.Quantity, draw.VisitID = 1, ketaflow.NewID()
		err = f.visitEntry("nurse", l2.ID, draw, Witness{})
		wantLedgerRefusal(t, err, ketaflow.EInvalid, "visit_id")
	})
}

// TestVisitEntriesAreOnlyMadeByTheVisit: a draw, a give or a waste of drug
// drawn for a visit is the visit's record; typed straight into the ledger
// it would say a patient had a dose the visit does not, so AppendLedger
// refuses it, names the field, and writes nothing.
func TestVisitEntriesAreOnlyMadeByTheVisit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		l := f.receive("nurse", ketamineVials("K-V", 1))
		tests := []struct {
			name  string
			e     dosing.Entry
			w     Witness
			field string
		}{
			{"draw_for_a_visit", dosing.Entry{Kind: dosing.Draw, Quantity: 0.64, VisitID: f.visit.ID}, Witness{}, "kind"},
			{"draw_naming_no_visit", dosing.Entry{Kind: dosing.Draw, Quantity: 0.64}, Witness{}, "kind"},
			{"give_for_a_visit", dosing.Entry{Kind: dosing.Give, Quantity: 0.64, VisitID: f.visit.ID}, Witness{}, "kind"},
			{"waste_of_a_visit_draw", dosing.Entry{Kind: dosing.Waste, Quantity: 0.5, VisitID: f.visit.ID, Reason: "left over"}, nurse2Signs, "visit_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.entry("nurse", l.ID, tt.e, tt.w, "")
				wantLedgerRefusal(t, err, ketaflow.EInvalid, tt.field)
			})
		}
		if n := len(f.book(l.ID).Entries); n != 1 {
			t.Errorf("%d entries on the lot, want only its receipt", n)
		}
	})
}

func TestWasteNeedsADifferentActiveClinicalWitnessWhoTypesTheirPassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		l := f.receive("nurse", ketamineVials("K-W", 2))
		waste := dosing.Entry{Kind: dosing.Waste, Quantity: 10, Reason: "vial dropped"}
		tests := []struct {
			name    string
			witness Witness
			field   string
		}{
			{"waste_without_witness_refused", Witness{}, "witness_username"},
			{"waste_witnessed_by_self_refused", Witness{"nurse", ledgerPassword}, "witness_username"},
			{"witness_without_password_refused", Witness{"nurse2", ""}, "witness_password"},
			{"witness_wrong_password_refused", Witness{"nurse2", "not her password"}, "witness_password"},
			{"witness_therapist_refused", Witness{"therapist", ledgerPassword}, "witness_username"},
			{"witness_frontdesk_refused", Witness{"frontdesk", ledgerPassword}, "witness_username"},
			{"witness_admin_refused", Witness{"admin", ledgerPassword}, "witness_username"},
			{"witness_deactivated_refused", Witness{"nurse3", ledgerPassword}, "witness_username"},
			{"witness_of_other_clinic_refused", Witness{"nurse-b", ledgerPassword}, "witness_username"},
			{"witness_unknown_refused", Witness{"nobody", ledgerPassword}, "witness_username"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.entry("nurse", l.ID, waste, tt.witness, "")
				wantLedgerRefusal(t, err, ketaflow.EInvalid, tt.field)
			})
		}
		if b := f.book(l.ID); len(b.Entries) != 1 || b.Lot.OnHand != 20 {
			t.Fatalf("after refused wastes: %d entries, on hand %v; want 1, 20", len(b.Entries), b.Lot.OnHand)
		}
		r := f.mustEntry("nurse", l.ID, waste, Witness{"NURSE2 ", ledgerPassword}, "")
		if r.Entry.WitnessBy != f.users["nurse2"].ID || r.Balance.OnHand() != 10 || r.Balance.Wasted() != 10 {
			t.Errorf("witnessed waste: witness %q, on hand %v, wasted %v", r.Entry.WitnessBy, r.Balance.OnHand(), r.Balance.Wasted())
		}
		if b := f.book(l.ID); b.Entries[1].WitnessName != "Test nurse2" {
			t.Errorf("the lot shows the witness as %q", b.Entries[1].WitnessName)
		}
		// A role that may not waste cannot use the form to try passwords.
		_, err := f.entry("therapist", l.ID, waste, Witness{"nurse2", "guess"}, "")
		wantLedgerRefusal(t, err, ketaflow.EForbidden, "")
	})
}

// TestWitnessPasswordsCountWithSignInFailures (issue 13, finding 8): the
// witness's password on a waste is a way to guess a colleague's password
// beside the login page, so it counts in the same throttle as sign-ins, by
// the witness's username; so does the current password of a password
// change. A right password after the wait is accepted.
func TestWitnessPasswordsCountWithSignInFailures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		ctx := context.Background()
		l := f.receive("nurse", ketamineVials("K-G", 2))
		waste := dosing.Entry{Kind: dosing.Waste, Quantity: 1}
		// Three wrong sign-ins as nurse2 from another device, then three
		// wrong witness passwords for nurse2: six failures of one account.
		for range 3 {
			if _, err := f.a.Login(ctx, "nurse2", "a wrong guess", "10.9.9.9"); !ketaflow.IsCode(err, ketaflow.EUnauthorized) {
				t.Fatalf("wrong sign-in: got %v, want unauthorized", err)
			}
		}
		for range 3 {
			_, err := f.entry("nurse", l.ID, waste, Witness{"nurse2", "a wrong guess"}, "")
			wantLedgerRefusal(t, err, ketaflow.EInvalid, "witness_password")
		}
		_, err := f.entry("nurse", l.ID, waste, nurse2Signs, "")
		wantLedgerRefusal(t, err, ketaflow.ERateLimited, "", "try again in 1 second")
		if _, err := f.a.Login(ctx, "nurse2", ledgerPassword, "10.9.9.10"); !ketaflow.IsCode(err, ketaflow.ERateLimited) {
			t.Fatalf("sign-in after the witness's failures: got %v, want rate_limited", err)
		}
		// The wait is a second, not a lock: the right password then signs.
		f.clock.Advance(time.Second)
		f.mustEntry("nurse", l.ID, waste, nurse2Signs, "")
		if _, err := f.a.Login(ctx, "nurse2", ledgerPassword, "10.9.9.10"); err != nil {
			t.Fatalf("sign-in after the right witness password: %v", err)
		}

		// A password change's current password counts too.
		nurse := f.actor("nurse")
		for range 6 {
			err := f.a.ChangeOwnPassword(ctx, nurse, "a wrong guess", "a brand new passphrase")
			wantLedgerRefusal(t, err, ketaflow.EInvalid, "current_password")
		}
		if _, err := f.a.Login(ctx, "nurse", ledgerPassword, "10.9.9.11"); !ketaflow.IsCode(err, ketaflow.ERateLimited) {
			t.Fatalf("sign-in after six wrong current passwords: got %v, want rate_limited", err)
		}
	})
}

func TestACountThatDiffersRaisesADiscrepancyThatAnAdjustResolves(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		ctx := context.Background()
		l := f.receive("nurse", ketamineVials("K-C", 5))
		if r := f.mustEntry("nurse", l.ID, dosing.Entry{Kind: dosing.Count, Counted: 50}, Witness{}, ""); r.Discrepancy != nil {
			t.Fatalf("a matching count raised %+v", r.Discrepancy)
		}
		f.clock.Advance(time.Hour)
		r := f.mustEntry("nurse", l.ID, dosing.Entry{Kind: dosing.Count, Counted: 49.5}, Witness{}, "")
		if r.Discrepancy == nil || r.Discrepancy.Difference != -0.5 || r.Discrepancy.Expected != 50 || r.Balance.OnHand() != 50 {
			t.Fatalf("count of 49.5 of 50: discrepancy %+v, on hand %v", r.Discrepancy, r.Balance.OnHand())
		}
		countID := r.Entry.ID
		open, err := f.a.Discrepancies(ctx, f.actor("admin"), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].EntryID != countID || open[0].LotNumber != "K-C" || open[0].CountedByName != "Test nurse" {
			t.Fatalf("admin's open discrepancies: %+v", open)
		}
		if b := f.book(l.ID); b.Lot.OpenCounts != 1 || len(b.OpenDiscrepancies()) != 1 {
			t.Errorf("lot shows %d open discrepancies, want 1", b.Lot.OpenCounts)
		}
		// Only an adjustment resolves, and only one of this lot.
		other := f.receive("nurse", ketamineVials("K-OTHER", 1))
		adjust := dosing.Entry{Kind: dosing.Adjust, Direction: dosing.AdjustRemove, Quantity: 0.5,
			Reason: "spill at the 08:10 draw, found on the CCTV"}
		_, err = f.entry("admin", other.ID, adjust, Witness{"nurse", ledgerPassword}, countID)
		wantLedgerRefusal(t, err, ketaflow.EInvalid, "resolves")
		_, err = f.entry("nurse", l.ID, dosing.Entry{Kind: dosing.Count, Counted: 49.5}, Witness{}, countID)
		wantLedgerRefusal(t, err, ketaflow.EInvalid, "resolves")
		// The admin adjusts, with the nurse as witness.
		a := f.mustEntry("admin", l.ID, adjust, Witness{"nurse", ledgerPassword}, countID)
		if a.Balance.OnHand() != 49.5 || a.Entry.Resolves != countID {
			t.Fatalf("after the adjustment on hand %v, resolves %q", a.Balance.OnHand(), a.Entry.Resolves)
		}
		open, err = f.a.Discrepancies(ctx, f.actor("admin"), true)
		if err != nil || len(open) != 0 {
			t.Fatalf("open discrepancies after the adjustment: %+v, %v", open, err)
		}
		all, err := f.a.Discrepancies(ctx, f.actor("nurse"), false)
		if err != nil || len(all) != 1 || all[0].ResolvedBy != a.Entry.ID || all[0].ResolverName != "Test admin" || all[0].Open() {
			t.Fatalf("resolved discrepancy: %+v, %v", all, err)
		}
		_, err = f.entry("admin", l.ID, adjust, Witness{"nurse", ledgerPassword}, countID)
		wantLedgerRefusal(t, err, ketaflow.EConflict, "resolves")
		// An admin handles discrepancies but not the drug.
		_, err = f.entry("admin", l.ID, dosing.Entry{Kind: dosing.Count, Counted: 49.5}, Witness{}, "")
		wantLedgerRefusal(t, err, ketaflow.EForbidden, "")
		if _, err := f.a.Lots(ctx, f.actor("frontdesk"), false); !ketaflow.IsCode(err, ketaflow.EForbidden) {
			t.Errorf("front desk reads the ledger: got %v, want EForbidden", err)
		}
	})
}

func TestLotsAreFlaggedLowExpiringExpiredAndEmpty(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	f := newLedgerFixture(t, db)
	ctx := context.Background()
	soon := ketamineVials("K-SOON", 2)
	soon.Expiry = ketaflow.Date{Year: 2026, Month: time.December, Day: 10}
	s := f.receive("nurse", soon)
	low := f.receive("nurse", ketamineVials("K-LOW", 1))
	f.mustVisitEntry("nurse", low.ID, dosing.Entry{Kind: dosing.Draw, Quantity: 0.5, VisitID: f.visit.ID})
	empty := f.receive("nurse", ketamineVials("K-EMPTY", 1))
	f.mustEntry("nurse", empty.ID, dosing.Entry{Kind: dosing.Waste, Quantity: 10, Reason: "cracked"}, nurse2Signs, "")
	lots, err := f.a.Lots(ctx, f.actor("nurse"), false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]LotFlag{}
	for _, l := range lots {
		got[l.LotNumber] = l.Flag
	}
	want := map[string]LotFlag{"K-SOON": LotExpiring, "K-LOW": LotLow}
	if len(got) != len(want) || got["K-SOON"] != want["K-SOON"] || got["K-LOW"] != want["K-LOW"] {
		t.Errorf("flags %v, want %v (the empty lot left out)", got, want)
	}
	all, err := f.a.Lots(ctx, f.actor("admin"), true)
	if err != nil || len(all) != 3 {
		t.Fatalf("with empty lots: %d, %v", len(all), err)
	}
	f.clock.Set(time.Date(2026, 12, 11, 15, 0, 0, 0, time.UTC))
	if b := f.book(s.ID); b.Lot.Flag != LotExpired {
		t.Errorf("after its expiry the lot is %q", b.Lot.Flag)
	}
}

// TestConcurrentDrawsNeverOverdraw starts 20 draws of 1 mL at once on a lot
// holding 10 mL: exactly 10 are accepted, and on-hand ends at 0, never
// below.
func TestConcurrentDrawsNeverOverdraw(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		l := f.receive("nurse", ketamineVials("K-RACE", 1))
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok, blocked int
		var other []error
		start := make(chan struct{})
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				who := []string{"nurse", "nurse2", "prescriber"}[i%3]
				err := f.visitEntry(who, l.ID, dosing.Entry{Kind: dosing.Draw, Quantity: 1, VisitID: f.visit.ID}, Witness{})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case ketaflow.IsCode(err, ketaflow.EBlocked):
					blocked++
				default:
					other = append(other, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok != 10 || blocked != 10 || len(other) != 0 {
			t.Fatalf("%d accepted, %d refused as blocked, other errors %v; want 10, 10, none", ok, blocked, other)
		}
		b := f.book(l.ID)
		if b.Lot.OnHand != 0 || b.Balance.OnHand() != 0 || b.Balance.Drawn(f.visit.ID) != 10 || len(b.Entries) != 11 {
			t.Fatalf("on hand %v (books %v), drawn %v, %d entries; want 0, 0, 10, 11", b.Lot.OnHand, b.Balance.OnHand(),
				b.Balance.Drawn(f.visit.ID), len(b.Entries))
		}
		for i, e := range b.Entries {
			if e.Seq != i+1 || e.BalanceAfter < 0 {
				t.Errorf("entry %d: seq %d, balance after %v", i, e.Seq, e.BalanceAfter)
			}
		}
	})
}

// TestStoredBalanceAfterEveryEntryEqualsReplay makes a few hundred entries
// of every kind, many of them refused, and checks that the balance stored
// with every accepted entry is what dosing.Replay of the entries up to it
// adds up to.
func TestStoredBalanceAfterEveryEntryEqualsReplay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		rng := rand.New(rand.NewPCG(25, 11))
		vial := f.receive("nurse", ketamineVials("K-R", 3))
		kit := f.receive("nurse", NewLot{Drug: dosing.Esketamine, DevicesPerKit: 2, LotNumber: "S-R",
			Expiry: ketaflow.Date{Year: 2027, Month: time.May, Day: 1}, Packs: 4})
		var accepted, refused int
		for i := range 150 {
			f.clock.Advance(time.Duration(1+rng.IntN(30)) * time.Minute)
			lot := vial
			if i%3 == 0 {
				lot = kit
			}
			q := []float64{0.5, 1, 2, 2.75, 10, 30, 45}[rng.IntN(7)]
			if lot.Form == dosing.SpravatoKit {
				q = float64(1 + rng.IntN(3))
			}
			e := dosing.Entry{Kind: dosing.EntryKinds[rng.IntN(len(dosing.EntryKinds))], Quantity: q}
			var w Witness
			var resolves string
			switch e.Kind {
			case dosing.Receive:
				e.Quantity = packSize(lot.Lot) * float64(1+rng.IntN(2))
			case dosing.Draw, dosing.Give:
				e.VisitID = f.visit.ID
			case dosing.Waste:
				w = nurse2Signs
				if rng.IntN(2) == 0 {
					e.VisitID = f.visit.ID
				}
			case dosing.Count:
				e.Quantity, e.Counted = 0, float64(rng.IntN(40))
				if rng.IntN(2) == 0 {
					e.Counted = f.book(lot.ID).Balance.OnHand()
				}
			case dosing.Adjust:
				w, e.Reason = nurse2Signs, "count investigated"
				e.Direction = []dosing.Direction{dosing.AdjustAdd, dosing.AdjustRemove}[rng.IntN(2)]
				if open := f.book(lot.ID).OpenDiscrepancies(); len(open) > 0 {
					resolves = open[0].EntryID
				}
			}
			var err error
			if e.VisitID != "" {
				err = f.visitEntry("nurse", lot.ID, e, w)
			} else {
				_, err = f.entry("nurse", lot.ID, e, w, resolves)
			}
			if err != nil {
				if c := ketaflow.ErrorCode(err); c != ketaflow.EBlocked && c != ketaflow.EInvalid {
					t.Fatalf("entry %d %+v: %v", i, e, err)
				}
				refused++
				continue
			}
			accepted++
		}
		if accepted < 50 || refused < 5 {
			t.Fatalf("%d accepted and %d refused: the sequence does not exercise the books", accepted, refused)
		}
		for _, lot := range []LotStock{vial, kit} {
			b := f.book(lot.ID)
			for i, e := range b.Entries {
				prefix := make([]dosing.Entry, i+1)
				for j := range prefix {
					prefix[j] = b.Entries[j].Entry
				}
				books, err := dosing.Replay(lot.Lot, prefix)
				if err != nil {
					t.Fatalf("lot %s: replay to entry %d: %v", lot.LotNumber, i+1, err)
				}
				if got := books.Balance().OnHand(); got != e.BalanceAfter || e.Seq != i+1 {
					t.Fatalf("lot %s entry %d (%s): stored balance %v, replay %v", lot.LotNumber, e.Seq, e.Kind, e.BalanceAfter, got)
				}
			}
			if b.Lot.OnHand != b.Balance.OnHand() {
				t.Errorf("lot %s lists on hand %v, its books %v", lot.LotNumber, b.Lot.OnHand, b.Balance.OnHand())
			}
		}
	})
}

// TestLedgerAppendInTheCallersTransaction is how the dose and session
// services use the ledger: inside their own transaction.
func TestLedgerAppendInTheCallersTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newLedgerFixture(t, db)
		ctx := context.Background()
		l := f.receive("nurse", ketamineVials("K-TX", 1))
		nurse := f.actor("nurse")
		draw := dosing.Entry{Kind: dosing.Draw, Quantity: 0.64, VisitID: f.visit.ID}
		t.Run("accepted_entry_commits_with_the_caller", func(t *testing.T) {
			err := db.Transact(ctx, func(tx *store.Tx) error {
				bal, d, err := f.a.ledgerAppend(tx, nurse, f.clinic, l.ID, draw)
				if err != nil || d != nil || bal.OnHand() != 9.36 || bal.Drawn(f.visit.ID) != 0.64 {
					t.Errorf("draw: %v, %v, %v", bal, d, err)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if b := f.book(l.ID); !ketaflow.IsCode(b.Balance.Settled(b.Lot.Lot, f.visit.ID), ketaflow.EBlocked) {
				t.Errorf("visit with 0.64 mL drawn and not given: settled %v, want EBlocked", err)
			}
		})
		t.Run("caller_rollback_undoes_the_entry", func(t *testing.T) {
			db.Transact(ctx, func(tx *store.Tx) error {
				if _, _, err := f.a.ledgerAppend(tx, nurse, f.clinic, l.ID, draw); err != nil {
					t.Fatal(err)
				}
				return ketaflow.Errorf(ketaflow.EBlocked, "the second check failed")
			})
			if n := len(f.book(l.ID).Entries); n != 2 {
				t.Errorf("%d entries, want 2", n)
			}
		})
		t.Run("refused_entry_is_never_written_even_if_the_caller_commits", func(t *testing.T) {
			err := db.Transact(ctx, func(tx *store.Tx) error {
				_, _, err := f.a.ledgerAppend(tx, nurse, f.clinic, l.ID, dosing.Entry{Kind: dosing.Draw, Quantity: 20, VisitID: f.visit.ID})
				wantLedgerRefusal(t, err, ketaflow.EBlocked, "quantity", "lot K-TX")
				_, _, err = f.a.ledgerAppend(tx, nurse, f.clinic, l.ID, dosing.Entry{Kind: dosing.Waste, Quantity: 0.64, VisitID: f.visit.ID})
				wantLedgerRefusal(t, err, ketaflow.EInvalid, "witness_by")
				_, _, err = f.a.ledgerAppend(tx, nurse, f.clinic, l.ID, dosing.Entry{Kind: dosing.Give, Quantity: 0.64,
					VisitID: f.visit.ID, By: f.users["nurse2"].ID})
				wantLedgerRefusal(t, err, ketaflow.EInvalid, "by")
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(f.book(l.ID).Entries); n != 2 {
				t.Errorf("%d entries, want 2", n)
			}
		})
		t.Run("give_settles_the_visit", func(t *testing.T) {
			err := db.Transact(ctx, func(tx *store.Tx) error {
				_, _, err := f.a.ledgerAppend(tx, nurse, f.clinic, l.ID, dosing.Entry{Kind: dosing.Give, Quantity: 0.5, VisitID: f.visit.ID})
				if err != nil {
					return err
				}
				w, err := f.a.confirmWitness(ctx, nurse, dosing.Waste, nurse2Signs)
				if err != nil {
					return err
				}
				_, _, err = f.a.ledgerAppend(tx, nurse, f.clinic, l.ID, dosing.Entry{Kind: dosing.Waste, Quantity: 0.14,
					VisitID: f.visit.ID, WitnessBy: w.ID})
				if err != nil {
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if b := f.book(l.ID); b.Balance.Settled(b.Lot.Lot, f.visit.ID) != nil {
				t.Errorf("after the give and the waste the visit is not settled: %v", b.Balance.Settled(b.Lot.Lot, f.visit.ID))
			}
			var entries []store.LedgerEntry
			db.View(ctx, func(tx *store.Tx) error {
				var err error
				entries, err = tx.VisitLedgerEntries(f.clinic.ID, f.visit.ID)
				return err
			})
			if len(entries) != 3 || entries[2].Kind != dosing.Waste || entries[2].WitnessName != "Test nurse2" {
				t.Errorf("visit entries %+v", entries)
			}
		})
	})
}
