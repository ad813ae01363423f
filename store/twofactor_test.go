package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

func TestSecondFactorStore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := addClinic(t, db, "A")
		u := addUser(t, db, c.ID, "paul", "Paul Prescriber", access.Prescriber)
		v := addUser(t, db, c.ID, "vic", "Vic Nurse", access.Nurse)
		get := func(id string) access.SecondFactor {
			t.Helper()
			var f access.SecondFactor
			read(t, db, func(tx *store.Tx) error {
				var err error
				f, err = tx.SecondFactor(id)
				return err
			})
			return f
		}
		read(t, db, func(tx *store.Tx) error {
			_, err := tx.SecondFactor(u.ID)
			wantCode(t, err, ketaflow.ENotFound)
			return nil
		})

		// Setting up keeps a pending secret; setting up again replaces it.
		write(t, db, func(tx *store.Tx) error { return tx.SetPendingSecondFactor(c.ID, u.ID, "FIRST", t0) })
		write(t, db, func(tx *store.Tx) error { return tx.SetPendingSecondFactor(c.ID, u.ID, "SECOND", t0) })
		if f := get(u.ID); f.Enrolled() || f.PendingSecret != "SECOND" {
			t.Fatalf("after two set-ups: %+v, want pending SECOND and not enrolled", f)
		}
		// A confirmation of a secret that was replaced is refused.
		err := db.Transact(ctx, func(tx *store.Tx) error { return tx.ConfirmSecondFactor(u.ID, "FIRST", 10, t0) })
		wantCode(t, err, ketaflow.EConflict)
		write(t, db, func(tx *store.Tx) error { return tx.ConfirmSecondFactor(u.ID, "SECOND", 10, t0) })
		f := get(u.ID)
		if !f.Enrolled() || f.Secret != "SECOND" || f.PendingSecret != "" || f.LastStep != 10 || f.ConfirmedAt == nil {
			t.Fatalf("after confirming: %+v", f)
		}
		// A new phone being set up leaves the confirmed one working.
		write(t, db, func(tx *store.Tx) error { return tx.SetPendingSecondFactor(c.ID, u.ID, "THIRD", t0) })
		if f := get(u.ID); f.Secret != "SECOND" || f.PendingSecret != "THIRD" || f.LastStep != 10 {
			t.Errorf("a new set-up changed the confirmed authenticator: %+v", f)
		}

		// A step is taken once, and never one before it.
		write(t, db, func(tx *store.Tx) error { return tx.UseTOTPStep(u.ID, 11, t0) })
		for _, step := range []int64{11, 10} {
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.UseTOTPStep(u.ID, step, t0) })
			if e := wantCode(t, err, ketaflow.EInvalid); e.Field != "code" {
				t.Errorf("step %d again: field %q, want code", step, e.Field)
			}
		}
		// Of concurrent uses of one step, one alone succeeds.
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if db.Transact(ctx, func(tx *store.Tx) error { return tx.UseTOTPStep(u.ID, 12, t0) }) == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("8 concurrent uses of one step: %d succeeded, want 1", ok)
		}

		// Recovery codes: stored salted, each used once, replaced as a set.
		codes, stored := access.NewRecoveryCodes()
		write(t, db, func(tx *store.Tx) error { return tx.ReplaceRecoveryCodes(u.ID, stored, t0) })
		var left int
		write(t, db, func(tx *store.Tx) error {
			var err error
			left, err = tx.UseRecoveryCode(u.ID, codes[3], t0.Add(time.Minute))
			return err
		})
		if left != access.RecoveryCodeCount-1 {
			t.Errorf("after one use: %d left, want %d", left, access.RecoveryCodeCount-1)
		}
		for _, tc := range []struct{ user, code string }{{u.ID, codes[3]}, {v.ID, codes[4]}, {u.ID, "aaaaa-aaaaa"}} {
			err := db.Transact(ctx, func(tx *store.Tx) error { _, err := tx.UseRecoveryCode(tc.user, tc.code, t0); return err })
			wantCode(t, err, ketaflow.ENotFound)
		}
		newCodes, newStored := access.NewRecoveryCodes()
		write(t, db, func(tx *store.Tx) error { return tx.ReplaceRecoveryCodes(u.ID, newStored, t0) })
		err = db.Transact(ctx, func(tx *store.Tx) error { _, err := tx.UseRecoveryCode(u.ID, codes[5], t0); return err })
		wantCode(t, err, ketaflow.ENotFound)
		read(t, db, func(tx *store.Tx) error {
			n, err := tx.RecoveryCodesLeft(u.ID)
			if n != access.RecoveryCodeCount {
				t.Errorf("a new set: %d left, want %d", n, access.RecoveryCodeCount)
			}
			return err
		})
		write(t, db, func(tx *store.Tx) error { _, err := tx.UseRecoveryCode(u.ID, newCodes[0], t0); return err })

		// Challenges end once; a user's open ones end together.
		ch := func(secret string, user access.User) access.Challenge {
			return access.Challenge{TokenHash: access.HashToken(secret), UserID: user.ID, ClinicID: c.ID, Kind: access.ChallengeCode,
				CreatedAt: t0, ExpiresAt: t0.Add(access.ChallengeLifetime), Source: "192.0.2.9", VisitID: ""}
		}
		one, two, other := ch("one", u), ch("two", u), ch("other", v)
		one.VisitID = ketaflow.NewID()
		write(t, db, func(tx *store.Tx) error {
			for _, x := range []access.Challenge{one, two, other} {
				if err := tx.InsertChallenge(x); err != nil {
					return err
				}
			}
			return nil
		})
		read(t, db, func(tx *store.Tx) error {
			got, gu, err := tx.Challenge(one.TokenHash)
			if err != nil {
				return err
			}
			if gu.ID != u.ID || got.Kind != access.ChallengeCode || got.VisitID != one.VisitID || !got.ExpiresAt.Equal(one.ExpiresAt) || !got.Live(t0) {
				t.Errorf("challenge read back: %+v, user %s", got, gu.ID)
			}
			return nil
		})
		write(t, db, func(tx *store.Tx) error { return tx.EndChallenge(one.TokenHash, t0) })
		err = db.Transact(ctx, func(tx *store.Tx) error { return tx.EndChallenge(one.TokenHash, t0) })
		wantCode(t, err, ketaflow.ENotFound)
		write(t, db, func(tx *store.Tx) error { return tx.EndUserChallenges(u.ID, t0) })
		read(t, db, func(tx *store.Tx) error {
			for _, x := range []struct {
				c    access.Challenge
				live bool
			}{{one, false}, {two, false}, {other, true}} {
				got, _, err := tx.Challenge(x.c.TokenHash)
				if err != nil {
					return err
				}
				if got.Live(t0) != x.live {
					t.Errorf("challenge of %s: live %t, want %t", x.c.UserID, got.Live(t0), x.live)
				}
			}
			return nil
		})

		// A login records whether a second factor opened it.
		l := access.Login{TokenHash: access.HashToken("login"), UserID: u.ID, ClinicID: c.ID, CreatedAt: t0, LastSeenAt: t0,
			ExpiresAt: t0.Add(time.Hour), TwoFactor: true}
		write(t, db, func(tx *store.Tx) error { return tx.InsertLogin(l) })
		read(t, db, func(tx *store.Tx) error {
			got, _, err := tx.LoginUser(l.TokenHash)
			if err == nil && !got.TwoFactor {
				t.Errorf("login read back without its second factor")
			}
			return err
		})

		write(t, db, func(tx *store.Tx) error { return tx.DeleteSecondFactor(u.ID) })
		read(t, db, func(tx *store.Tx) error {
			_, err := tx.SecondFactor(u.ID)
			wantCode(t, err, ketaflow.ENotFound)
			n, _ := tx.RecoveryCodesLeft(u.ID)
			if n != 0 {
				t.Errorf("after deleting: %d recovery codes left", n)
			}
			return nil
		})
	})
}
