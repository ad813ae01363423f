package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

func TestMain(m *testing.M) {
	// Run as a server whose local zone is not UTC (a single clinic on a
	// desktop in New York), so that a time read back in the local zone
	// rather than UTC is caught.
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		loc = time.FixedZone("EST", -5*3600)
	}
	time.Local = loc
	os.Exit(m.Run())
}

var ctx = context.Background()

// t0 is "now" in these tests: microseconds, the precision both databases keep.
var t0 = time.Date(2026, 11, 25, 9, 0, 0, 123456000, time.UTC)

func write(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Transact(ctx, fn); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func read(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.View(ctx, fn); err != nil {
		t.Fatalf("read: %v", err)
	}
}

// wantCode fails the test unless err carries code, and returns the error.
func wantCode(t *testing.T, err error, code ketaflow.Code) *ketaflow.Error {
	t.Helper()
	if got := ketaflow.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
	return ketaflow.AsError(err)
}

// wantUTC fails the test unless every time is in UTC.
func wantUTC(t *testing.T, what string, times ...time.Time) {
	t.Helper()
	for _, tm := range times {
		if tm.Location() != time.UTC {
			t.Errorf("%s: got time %v in zone %q, want UTC", what, tm, tm.Location())
		}
	}
}

func addClinic(t *testing.T, db *store.DB, name string) ketaflow.Clinic {
	t.Helper()
	c := ketaflow.Clinic{ID: ketaflow.NewID(), Name: name, TimeZone: "America/New_York", BoardNames: ketaflow.BoardInitials, CreatedAt: t0}
	write(t, db, func(tx *store.Tx) error { return tx.InsertClinic(c) })
	return c
}

func addUser(t *testing.T, db *store.DB, clinicID, username, name string, role access.Role) access.User {
	t.Helper()
	u := access.User{ID: ketaflow.NewID(), ClinicID: clinicID, Username: username, Name: name, Role: role,
		Active: true, CreatedAt: t0, UpdatedAt: t0}
	write(t, db, func(tx *store.Tx) error { return tx.InsertUser(u, "hash-of-"+username) })
	return u
}

func addPatient(t *testing.T, db *store.DB, clinicID, by string, rec patients.Record) patients.Patient {
	t.Helper()
	p := patients.Patient{ID: ketaflow.NewID(), ClinicID: clinicID, Record: rec, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	write(t, db, func(tx *store.Tx) error { return tx.InsertPatient(p, by, "registered") })
	return p
}

func record(mrn, legal, preferred, birth string) patients.Record {
	d, err := ketaflow.ParseDate(birth)
	if err != nil {
		panic(err)
	}
	return patients.Record{MRN: mrn, LegalName: legal, PreferredName: preferred, BirthDate: d, Sex: patients.Unknown}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("second_run_applies_nothing", func(t *testing.T) {
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
			if len(applied) != 0 {
				t.Errorf("Migrate again: got applied %v, want none", applied)
			}
		})
		t.Run("fresh_database_applies_every_migration_once", func(t *testing.T) {
			fresh, err := store.Open(ctx, storetest.DSN(t, db.Dialect))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer fresh.Close()
			ms, err := store.Migrations()
			if err != nil {
				t.Fatalf("Migrations: %v", err)
			}
			var want []int
			for _, m := range ms {
				want = append(want, m.Version)
			}
			got, err := fresh.Migrate(ctx)
			if err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("first Migrate mismatch (-want +got):\n%s", diff)
			}
			got, err = fresh.Migrate(ctx)
			if err != nil || len(got) != 0 {
				t.Errorf("second Migrate: got %v, %v; want none, nil", got, err)
			}
			if err := fresh.Ping(ctx); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	})
}

func TestClinics(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := addClinic(t, db, "Harbour Clinic")
		// A clinic stored with no board setting reads back with the
		// default: initials.
		b := ketaflow.Clinic{ID: ketaflow.NewID(), Name: "Hill Clinic", TimeZone: "Europe/Dublin", Demo: true, CreatedAt: t0.Add(time.Hour)}
		write(t, db, func(tx *store.Tx) error { return tx.InsertClinic(b) })
		b.BoardNames = ketaflow.BoardInitials
		read(t, db, func(tx *store.Tx) error {
			got, err := tx.Clinic(a.ID)
			if err != nil {
				t.Fatalf("Clinic: %v", err)
			}
			if diff := cmp.Diff(a, got); diff != "" {
				t.Errorf("Clinic mismatch (-want +got):\n%s", diff)
			}
			wantUTC(t, "clinic created_at", got.CreatedAt)
			all, err := tx.Clinics()
			if err != nil {
				t.Fatalf("Clinics: %v", err)
			}
			if diff := cmp.Diff([]ketaflow.Clinic{a, b}, all); diff != "" {
				t.Errorf("Clinics mismatch (-want +got):\n%s", diff)
			}
			_, err = tx.Clinic(ketaflow.NewID())
			wantCode(t, err, ketaflow.ENotFound)
			return nil
		})
		err := db.Transact(ctx, func(tx *store.Tx) error { return tx.InsertClinic(a) })
		wantCode(t, err, ketaflow.EConflict)

		// The settings an admin changes, contacts included, read back as
		// saved.
		a.Name, a.TimeZone, a.REMSSettingID = "Harbour Clinic North", "America/Chicago", "HCS-1"
		a.Contacts = ketaflow.Contacts{Phone: "+1 555 010 0300", OnCallPhone: "+1 555 010 0301", CrisisLine: "116 123"}
		a.BoardNames = ketaflow.BoardFullNames
		write(t, db, func(tx *store.Tx) error { return tx.UpdateClinic(a) })
		read(t, db, func(tx *store.Tx) error {
			got, err := tx.Clinic(a.ID)
			if err != nil {
				t.Fatalf("Clinic: %v", err)
			}
			if diff := cmp.Diff(a, got); diff != "" {
				t.Errorf("updated clinic mismatch (-want +got):\n%s", diff)
			}
			return nil
		})
	})
}

func TestNextMRN(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := addClinic(t, db, "A")
		b := addClinic(t, db, "B")
		next := func(clinicID string) int64 {
			t.Helper()
			var n int64
			write(t, db, func(tx *store.Tx) (err error) { n, err = tx.NextMRN(clinicID); return err })
			return n
		}
		var got []int64
		for range 3 {
			got = append(got, next(a.ID))
		}
		got = append(got, next(b.ID))
		if diff := cmp.Diff([]int64{1, 2, 3, 1}, got); diff != "" {
			t.Errorf("NextMRN mismatch (-want +got):\n%s", diff)
		}
		err := db.Transact(ctx, func(tx *store.Tx) error { _, err := tx.NextMRN(ketaflow.NewID()); return err })
		wantCode(t, err, ketaflow.ENotFound)
	})
}

func TestUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := addClinic(t, db, "A")
		b := addClinic(t, db, "B")
		nurse := addUser(t, db, a.ID, "nina", "Nina Nurse", access.Nurse)
		admin := addUser(t, db, a.ID, "ada", "Ada Admin", access.Admin)
		addUser(t, db, b.ID, "bob", "Bob Other", access.Admin)

		read(t, db, func(tx *store.Tx) error {
			got, err := tx.User(a.ID, nurse.ID)
			if err != nil {
				t.Fatalf("User: %v", err)
			}
			if diff := cmp.Diff(nurse, got); diff != "" {
				t.Errorf("User mismatch (-want +got):\n%s", diff)
			}
			wantUTC(t, "user times", got.CreatedAt, got.UpdatedAt)

			login, err := tx.UserByUsername("nina")
			if err != nil {
				t.Fatalf("UserByUsername: %v", err)
			}
			want := store.UserLogin{User: nurse, PasswordHash: "hash-of-nina", FailedLogins: 0}
			if diff := cmp.Diff(want, login); diff != "" {
				t.Errorf("UserByUsername mismatch (-want +got):\n%s", diff)
			}

			list, err := tx.Users(a.ID)
			if err != nil {
				t.Fatalf("Users: %v", err)
			}
			if diff := cmp.Diff([]access.User{admin, nurse}, list); diff != "" {
				t.Errorf("Users (by display name, own clinic only) mismatch (-want +got):\n%s", diff)
			}

			for name, id := range map[string]string{"unknown_id": ketaflow.NewID(), "malformed_id": "nina", "empty_id": ""} {
				_, err := tx.User(a.ID, id)
				if !ketaflow.IsCode(err, ketaflow.ENotFound) {
					t.Errorf("%s: got %v, want not found", name, err)
				}
			}
			_, err = tx.User(b.ID, nurse.ID)
			if !ketaflow.IsCode(err, ketaflow.ENotFound) {
				t.Errorf("user of another clinic: got %v, want not found", err)
			}
			_, err = tx.UserByUsername("nobody")
			if !ketaflow.IsCode(err, ketaflow.ENotFound) {
				t.Errorf("unknown username: got %v, want not found", err)
			}
			return nil
		})

		t.Run("update_saves_name_role_active", func(t *testing.T) {
			u := nurse
			u.Name, u.Role, u.Active, u.UpdatedAt = "Nina Prescriber", access.Prescriber, false, t0.Add(time.Hour)
			write(t, db, func(tx *store.Tx) error { return tx.UpdateUser(u) })
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.User(a.ID, u.ID)
				if err != nil {
					t.Fatalf("User: %v", err)
				}
				if diff := cmp.Diff(u, got); diff != "" {
					t.Errorf("User after update mismatch (-want +got):\n%s", diff)
				}
				return nil
			})
		})

		t.Run("update_in_another_clinic_is_not_found", func(t *testing.T) {
			u := admin
			u.ClinicID = b.ID
			u.Name = "Hijacked"
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.UpdateUser(u) })
			wantCode(t, err, ketaflow.ENotFound)
		})

		t.Run("duplicate_username_is_conflict_on_username", func(t *testing.T) {
			dup := access.User{ID: ketaflow.NewID(), ClinicID: b.ID, Username: "nina", Name: "Other Nina", Role: access.Nurse,
				Active: true, CreatedAt: t0, UpdatedAt: t0}
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.InsertUser(dup, "h") })
			if e := wantCode(t, err, ketaflow.EConflict); e.Field != "username" {
				t.Errorf("got field %q, want %q", e.Field, "username")
			}
			read(t, db, func(tx *store.Tx) error {
				if _, err := tx.User(b.ID, dup.ID); !ketaflow.IsCode(err, ketaflow.ENotFound) {
					t.Errorf("the refused user was saved: got %v, want not found", err)
				}
				return nil
			})
		})

		t.Run("login_failures_and_password_reset", func(t *testing.T) {
			lock := time.Date(2026, 11, 25, 9, 15, 0, 654321000, time.FixedZone("CET", 3600))
			write(t, db, func(tx *store.Tx) error { return tx.SetLoginFailures(admin.ID, 5, &lock) })
			read(t, db, func(tx *store.Tx) error {
				l, err := tx.UserByUsername("ada")
				if err != nil {
					t.Fatalf("UserByUsername: %v", err)
				}
				if l.FailedLogins != 5 || l.User.LockedUntil == nil || !l.User.LockedUntil.Equal(lock) {
					t.Errorf("got failures %d, locked until %v; want 5, %v", l.FailedLogins, l.User.LockedUntil, lock)
				}
				if l.User.LockedUntil != nil {
					wantUTC(t, "locked_until", *l.User.LockedUntil)
				}
				return nil
			})
			write(t, db, func(tx *store.Tx) error { return tx.SetPassword(a.ID, admin.ID, "new-hash", t0.Add(time.Hour), false) })
			read(t, db, func(tx *store.Tx) error {
				l, err := tx.UserByUsername("ada")
				if err != nil {
					t.Fatalf("UserByUsername: %v", err)
				}
				if l.FailedLogins != 0 || l.User.LockedUntil != nil || l.PasswordHash != "new-hash" {
					t.Errorf("got failures %d, locked until %v, hash %q; want 0, nil, new-hash", l.FailedLogins, l.User.LockedUntil, l.PasswordHash)
				}
				return nil
			})
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.SetPassword(b.ID, admin.ID, "x", t0, false) })
			wantCode(t, err, ketaflow.ENotFound)
		})
	})
}

func TestLogins(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := addClinic(t, db, "A")
		u := addUser(t, db, c.ID, "nina", "Nina Nurse", access.Nurse)
		v := addUser(t, db, c.ID, "vic", "Vic Nurse", access.Nurse)
		login := func(secret string, user access.User) access.Login {
			return access.Login{TokenHash: access.HashToken(secret), UserID: user.ID, ClinicID: c.ID, CreatedAt: t0,
				LastSeenAt: t0, ExpiresAt: t0.Add(12 * time.Hour), Source: "192.0.2.7"}
		}
		s := login("one", u)
		write(t, db, func(tx *store.Tx) error { return tx.InsertLogin(s) })

		get := func(hash string) access.Login {
			t.Helper()
			var got access.Login
			read(t, db, func(tx *store.Tx) error {
				var gotUser access.User
				var err error
				got, gotUser, err = tx.LoginUser(hash)
				if err != nil {
					t.Fatalf("LoginUser: %v", err)
				}
				if gotUser.ID != got.UserID {
					t.Errorf("got user %s for session of %s", gotUser.ID, got.UserID)
				}
				wantUTC(t, "session times", got.CreatedAt, got.LastSeenAt, got.ExpiresAt)
				return nil
			})
			return got
		}

		read(t, db, func(tx *store.Tx) error {
			gs, gu, err := tx.LoginUser(s.TokenHash)
			if err != nil {
				t.Fatalf("LoginUser: %v", err)
			}
			if diff := cmp.Diff(s, gs); diff != "" {
				t.Errorf("session mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(u, gu); diff != "" {
				t.Errorf("session user mismatch (-want +got):\n%s", diff)
			}
			_, _, err = tx.LoginUser(access.HashToken("unknown"))
			wantCode(t, err, ketaflow.ENotFound)
			return nil
		})

		t.Run("touch_moves_last_seen", func(t *testing.T) {
			write(t, db, func(tx *store.Tx) error { return tx.TouchLogin(s.TokenHash, t0.Add(10*time.Minute)) })
			if got := get(s.TokenHash).LastSeenAt; !got.Equal(t0.Add(10 * time.Minute)) {
				t.Errorf("got last seen %v, want %v", got, t0.Add(10*time.Minute))
			}
		})

		t.Run("end_is_kept_at_first_logout", func(t *testing.T) {
			write(t, db, func(tx *store.Tx) error { return tx.EndLogin(s.TokenHash, t0.Add(20*time.Minute)) })
			write(t, db, func(tx *store.Tx) error { return tx.EndLogin(s.TokenHash, t0.Add(30*time.Minute)) })
			got := get(s.TokenHash)
			if got.EndedAt == nil || !got.EndedAt.Equal(t0.Add(20*time.Minute)) {
				t.Fatalf("got ended at %v, want %v", got.EndedAt, t0.Add(20*time.Minute))
			}
			wantUTC(t, "ended_at", *got.EndedAt)
			if got.Live(t0.Add(21*time.Minute), time.Hour) {
				t.Errorf("an ended session is live")
			}
		})

		t.Run("end_all_ends_only_that_users_open_logins", func(t *testing.T) {
			s2, s3, other := login("two", u), login("three", u), login("other", v)
			write(t, db, func(tx *store.Tx) error {
				for _, x := range []access.Login{s2, s3, other} {
					if err := tx.InsertLogin(x); err != nil {
						return err
					}
				}
				return tx.EndUserLogins(u.ID, t0.Add(time.Hour))
			})
			for _, x := range []access.Login{s2, s3} {
				if got := get(x.TokenHash).EndedAt; got == nil || !got.Equal(t0.Add(time.Hour)) {
					t.Errorf("session of the user: got ended at %v, want %v", got, t0.Add(time.Hour))
				}
			}
			if got := get(s.TokenHash).EndedAt; got == nil || !got.Equal(t0.Add(20*time.Minute)) {
				t.Errorf("already ended session: got ended at %v, want it kept at %v", got, t0.Add(20*time.Minute))
			}
			if got := get(other.TokenHash).EndedAt; got != nil {
				t.Errorf("another user's session: got ended at %v, want open", got)
			}
		})
	})
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := addClinic(t, db, "A")
		u := addUser(t, db, c.ID, "nina", "Nina Nurse", access.Nurse)
		v := addUser(t, db, c.ID, "vic", "Vic Nurse", access.Nurse)
		token := func(user access.User, name string, at time.Time) access.APIToken {
			_, hash := access.NewToken("kf_")
			return access.APIToken{ID: ketaflow.NewID(), UserID: user.ID, ClinicID: c.ID, Name: name, TokenHash: hash, CreatedAt: at}
		}
		older, newer, others := token(u, "export", t0), token(u, "sync", t0.Add(time.Hour)), token(v, "vic's", t0)
		write(t, db, func(tx *store.Tx) error {
			for _, x := range []access.APIToken{older, newer, others} {
				if err := tx.InsertAPIToken(x); err != nil {
					return err
				}
			}
			return nil
		})

		read(t, db, func(tx *store.Tx) error {
			gt, gu, err := tx.APITokenUser(older.TokenHash)
			if err != nil {
				t.Fatalf("APITokenUser: %v", err)
			}
			if diff := cmp.Diff(older, gt); diff != "" {
				t.Errorf("token mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(u, gu); diff != "" {
				t.Errorf("token user mismatch (-want +got):\n%s", diff)
			}
			list, err := tx.APITokens(u.ID)
			if err != nil {
				t.Fatalf("APITokens: %v", err)
			}
			if diff := cmp.Diff([]access.APIToken{newer, older}, list); diff != "" {
				t.Errorf("APITokens (newest first, own only) mismatch (-want +got):\n%s", diff)
			}
			_, _, err = tx.APITokenUser(access.HashToken("unknown"))
			wantCode(t, err, ketaflow.ENotFound)
			return nil
		})

		used, revoked := t0.Add(2*time.Hour), t0.Add(3*time.Hour)
		write(t, db, func(tx *store.Tx) error { return tx.TouchAPIToken(older.ID, used) })
		write(t, db, func(tx *store.Tx) error { return tx.RevokeAPIToken(u.ID, older.ID, revoked) })
		read(t, db, func(tx *store.Tx) error {
			gt, _, err := tx.APITokenUser(older.TokenHash)
			if err != nil {
				t.Fatalf("APITokenUser: %v", err)
			}
			want := older
			want.LastUsedAt, want.RevokedAt = &used, &revoked
			if diff := cmp.Diff(want, gt); diff != "" {
				t.Errorf("used and revoked token mismatch (-want +got):\n%s", diff)
			}
			if gt.LastUsedAt != nil && gt.RevokedAt != nil {
				wantUTC(t, "token times", gt.CreatedAt, *gt.LastUsedAt, *gt.RevokedAt)
			}
			return nil
		})

		tests := []struct {
			name     string
			user, id string
		}{
			{"revoking_twice_is_not_found", u.ID, older.ID},
			{"revoking_another_users_token_is_not_found", u.ID, others.ID},
			{"revoking_unknown_token_is_not_found", u.ID, ketaflow.NewID()},
			{"revoking_malformed_id_is_not_found", u.ID, "export"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Transact(ctx, func(tx *store.Tx) error { return tx.RevokeAPIToken(tt.user, tt.id, t0.Add(4*time.Hour)) })
				wantCode(t, err, ketaflow.ENotFound)
			})
		}
		read(t, db, func(tx *store.Tx) error {
			gt, _, err := tx.APITokenUser(others.TokenHash)
			if err != nil || gt.RevokedAt != nil {
				t.Errorf("another user's token: got revoked at %v, %v; want not revoked", gt.RevokedAt, err)
			}
			return nil
		})
	})
}

func TestPatientRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := addClinic(t, db, "A")
		b := addClinic(t, db, "B")
		fd := addUser(t, db, a.ID, "fran", "Fran Front", access.FrontDesk)
		pr := addUser(t, db, a.ID, "pat", "Pat Prescriber", access.Prescriber)
		th := addUser(t, db, a.ID, "theo", "Theo Therapist", access.Therapist)
		rec := patients.Record{
			MRN: "K000001", LegalName: "Ada Lovelace", PreferredName: "Ada",
			BirthDate: ketaflow.Date{Year: 1980, Month: time.March, Day: 14}, Sex: patients.Female,
			Phone: "+1 (555) 010-0199", Email: "ada@example.org",
			Emergency:     patients.EmergencyContact{Name: "Charles Babbage", Relation: "friend", Phone: "555 010 0142"},
			REMSPatientID: "REMS-1", PrescriberID: pr.ID, TherapistID: th.ID, HeightCM: 168.5,
			Allergies:         "penicillin; latex",
			Contraindications: []patients.Contraindication{patients.Hypersensitivity, patients.UncontrolledHypertension},
		}
		p := addPatient(t, db, a.ID, fd.ID, rec)
		// Without a care team the ids are stored as NULL and read back empty.
		bare := addPatient(t, db, a.ID, fd.ID, record("K000002", "Grace Hopper", "", "1906-12-09"))

		read(t, db, func(tx *store.Tx) error {
			for _, want := range []patients.Patient{p, bare} {
				got, err := tx.Patient(a.ID, want.ID)
				if err != nil {
					t.Fatalf("Patient: %v", err)
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("Patient mismatch (-want +got):\n%s", diff)
				}
				wantUTC(t, "patient times", got.CreatedAt, got.UpdatedAt)
			}
			for name, id := range map[string]string{"other_clinics_patient": p.ID, "unknown_id": ketaflow.NewID(), "malformed_id": "K000001"} {
				if _, err := tx.Patient(b.ID, id); !ketaflow.IsCode(err, ketaflow.ENotFound) {
					t.Errorf("%s: got %v, want not found", name, err)
				}
			}
			return nil
		})
	})
}

func TestDateRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := addClinic(t, db, "A")
		u := addUser(t, db, c.ID, "fran", "Fran Front", access.FrontDesk)
		for i, d := range []string{"1900-01-01", "2000-02-29", "1999-12-31", "2026-11-25"} {
			p := addPatient(t, db, c.ID, u.ID, record(fmt.Sprintf("M%d", i), "Patient "+d, "", d))
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.Patient(c.ID, p.ID)
				if err != nil {
					t.Fatalf("Patient: %v", err)
				}
				if got.BirthDate != p.BirthDate {
					t.Errorf("birth date: got %v, want %v", got.BirthDate, p.BirthDate)
				}
				return nil
			})
		}
	})
}

func TestTimesRoundTripInUTC(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, in := range []time.Time{
			time.Date(2026, 3, 8, 7, 30, 0, 999999000, time.UTC),                         // New York springs forward
			time.Date(2026, 11, 25, 14, 30, 15, 123456000, time.FixedZone("IST", 19800)), // a zone half an hour off
			time.Date(1999, 12, 31, 23, 59, 59, 1000, time.Local),
		} {
			c := ketaflow.Clinic{ID: ketaflow.NewID(), Name: "A", TimeZone: "UTC", CreatedAt: in}
			write(t, db, func(tx *store.Tx) error { return tx.InsertClinic(c) })
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.Clinic(c.ID)
				if err != nil {
					t.Fatalf("Clinic: %v", err)
				}
				if !got.CreatedAt.Equal(in) {
					t.Errorf("got %v, want the instant %v", got.CreatedAt, in)
				}
				if want := in.UTC().String(); got.CreatedAt.String() != want {
					t.Errorf("got %s, want %s", got.CreatedAt, want)
				}
				wantUTC(t, "created_at", got.CreatedAt)
				return nil
			})
		}
	})
}

func TestPatientSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := addClinic(t, db, "A")
		b := addClinic(t, db, "B")
		u := addUser(t, db, a.ID, "fran", "Fran Front", access.FrontDesk)
		ub := addUser(t, db, b.ID, "bea", "Bea Front", access.FrontDesk)
		for _, r := range []patients.Record{
			record("K000001", "Ada Lovelace", "Ada", "1980-03-14"),
			record("K000002", "Grace Hopper", "", "1906-12-09"),
			record("K000003", "Alan Turing", "Prof", "1912-06-23"),
			record("K000004", "Yan A_B", "", "1970-01-01"),
			record("K000005", "Zed 100%", "", "1970-01-01"),
		} {
			addPatient(t, db, a.ID, u.ID, r)
		}
		addPatient(t, db, b.ID, ub.ID, record("K000001", "Ada Byron", "", "1980-03-14"))

		tests := []struct {
			name string
			q    store.PatientQuery
			want []string
		}{
			{"empty_query_lists_clinic_by_legal_name", store.PatientQuery{},
				[]string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Yan A_B", "Zed 100%"}},
			{"word_matches_inside_a_name", store.PatientQuery{Text: "love"}, []string{"Ada Lovelace"}},
			{"match_is_case_insensitive", store.PatientQuery{Text: "GRACE"}, []string{"Grace Hopper"}},
			{"surrounding_space_ignored", store.PatientQuery{Text: "  hopper  "}, []string{"Grace Hopper"}},
			{"preferred_name_matches", store.PatientQuery{Text: "prof"}, []string{"Alan Turing"}},
			{"mrn_matches", store.PatientQuery{Text: "k000002"}, []string{"Grace Hopper"}},
			{"two_words_both_must_match", store.PatientQuery{Text: "ada love"}, []string{"Ada Lovelace"}},
			{"two_words_in_any_order", store.PatientQuery{Text: "lovelace ADA"}, []string{"Ada Lovelace"}},
			{"two_words_from_different_patients_match_none", store.PatientQuery{Text: "ada turing"}, nil},
			{"percent_is_literal", store.PatientQuery{Text: "%"}, []string{"Zed 100%"}},
			{"underscore_is_literal", store.PatientQuery{Text: "_"}, []string{"Yan A_B"}},
			{"underscore_between_letters_is_literal", store.PatientQuery{Text: "a_b"}, []string{"Yan A_B"}},
			{"backslash_is_literal", store.PatientQuery{Text: `\`}, nil},
			{"quote_is_literal", store.PatientQuery{Text: `o'brien`}, nil},
			{"birth_date_filter", store.PatientQuery{BirthDate: ketaflow.Date{Year: 1906, Month: time.December, Day: 9}},
				[]string{"Grace Hopper"}},
			{"birth_date_shared_by_two", store.PatientQuery{BirthDate: ketaflow.Date{Year: 1970, Month: time.January, Day: 1}},
				[]string{"Yan A_B", "Zed 100%"}},
			{"birth_date_and_text_both_apply", store.PatientQuery{Text: "ada", BirthDate: ketaflow.Date{Year: 1906, Month: time.December, Day: 9}}, nil},
			{"limit_keeps_first_by_name", store.PatientQuery{Limit: 2}, []string{"Ada Lovelace", "Alan Turing"}},
			{"other_clinics_patients_not_listed", store.PatientQuery{Text: "byron"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				read(t, db, func(tx *store.Tx) error {
					ps, err := tx.Patients(a.ID, tt.q)
					if err != nil {
						t.Fatalf("Patients(%+v): %v", tt.q, err)
					}
					var got []string
					for _, p := range ps {
						got = append(got, p.LegalName)
						if p.ClinicID != a.ID {
							t.Errorf("%s is of clinic %s, want %s", p.LegalName, p.ClinicID, a.ID)
						}
					}
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("Patients(%+v) mismatch (-want +got):\n%s", tt.q, diff)
					}
					return nil
				})
			})
		}
	})
}

func TestPatientVersions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := addClinic(t, db, "A")
		b := addClinic(t, db, "B")
		fd := addUser(t, db, a.ID, "fran", "Fran Front", access.FrontDesk)
		nu := addUser(t, db, a.ID, "nina", "Nina Nurse", access.Nurse)
		v1 := addPatient(t, db, a.ID, fd.ID, record("K000001", "Ada Lovelace", "", "1980-03-14"))

		v2 := v1
		v2.Version, v2.UpdatedAt = 2, t0.Add(time.Hour)
		v2.HeightCM = 168
		v2.Contraindications = []patients.Contraindication{patients.Pregnancy}
		write(t, db, func(tx *store.Tx) error { return tx.UpdatePatient(v2, nu.ID, "measured at intake") })

		t.Run("stale_version_is_conflict_and_changes_nothing", func(t *testing.T) {
			stale := v1
			stale.Version, stale.UpdatedAt = 2, t0.Add(2*time.Hour) // also based on version 1
			stale.LegalName = "Augusta Ada King"
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.UpdatePatient(stale, fd.ID, "marriage") })
			wantCode(t, err, ketaflow.EConflict)
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.Patient(a.ID, v1.ID)
				if err != nil {
					t.Fatalf("Patient: %v", err)
				}
				if diff := cmp.Diff(v2, got); diff != "" {
					t.Errorf("patient after refused update mismatch (-want +got):\n%s", diff)
				}
				return nil
			})
		})

		t.Run("update_of_another_clinics_patient_changes_nothing", func(t *testing.T) {
			other := v2
			other.ClinicID, other.Version, other.LegalName = b.ID, 3, "Hijacked"
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.UpdatePatient(other, fd.ID, "x") })
			if err == nil {
				t.Fatalf("got nil, want an error")
			}
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.Patient(a.ID, v1.ID)
				if err != nil || got.LegalName != v2.LegalName || got.Version != 2 {
					t.Errorf("got %q version %d, %v; want %q version 2 unchanged", got.LegalName, got.Version, err, v2.LegalName)
				}
				return nil
			})
		})

		v3 := v2
		v3.Version, v3.UpdatedAt = 3, t0.Add(3*time.Hour)
		v3.Phone = "555 010 0199"
		write(t, db, func(tx *store.Tx) error { return tx.UpdatePatient(v3, fd.ID, "phone number given") })

		read(t, db, func(tx *store.Tx) error {
			got, err := tx.PatientVersions(a.ID, v1.ID)
			if err != nil {
				t.Fatalf("PatientVersions: %v", err)
			}
			want := []patients.Version{
				{PatientID: v1.ID, Version: 1, Record: v1.Record, ChangedBy: fd.ID, ChangedByName: "Fran Front", ChangedAt: t0, Reason: "registered"},
				{PatientID: v1.ID, Version: 2, Record: v2.Record, ChangedBy: nu.ID, ChangedByName: "Nina Nurse", ChangedAt: v2.UpdatedAt, Reason: "measured at intake"},
				{PatientID: v1.ID, Version: 3, Record: v3.Record, ChangedBy: fd.ID, ChangedByName: "Fran Front", ChangedAt: v3.UpdatedAt, Reason: "phone number given"},
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("PatientVersions mismatch (-want +got):\n%s", diff)
			}
			for _, v := range got {
				wantUTC(t, "changed_at", v.ChangedAt)
			}
			others, err := tx.PatientVersions(b.ID, v1.ID)
			if err != nil || len(others) != 0 {
				t.Errorf("versions seen from another clinic: got %d, %v; want none", len(others), err)
			}
			return nil
		})
	})
}

func TestPatientMRNUnique(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := addClinic(t, db, "A")
		b := addClinic(t, db, "B")
		ua := addUser(t, db, a.ID, "fran", "Fran Front", access.FrontDesk)
		ub := addUser(t, db, b.ID, "bea", "Bea Front", access.FrontDesk)
		first := addPatient(t, db, a.ID, ua.ID, record("K000001", "Ada Lovelace", "", "1980-03-14"))
		second := addPatient(t, db, a.ID, ua.ID, record("K000002", "Grace Hopper", "", "1906-12-09"))

		t.Run("same_mrn_in_one_clinic_is_conflict_on_mrn", func(t *testing.T) {
			dup := patients.Patient{ID: ketaflow.NewID(), ClinicID: a.ID, Record: record("K000001", "Alan Turing", "", "1912-06-23"),
				Version: 1, CreatedAt: t0, UpdatedAt: t0}
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.InsertPatient(dup, ua.ID, "registered") })
			if e := wantCode(t, err, ketaflow.EConflict); e.Field != "mrn" {
				t.Errorf("got field %q, want %q", e.Field, "mrn")
			}
			read(t, db, func(tx *store.Tx) error {
				if _, err := tx.Patient(a.ID, dup.ID); !ketaflow.IsCode(err, ketaflow.ENotFound) {
					t.Errorf("the refused patient was saved: got %v, want not found", err)
				}
				return nil
			})
		})

		t.Run("amending_to_a_used_mrn_is_conflict_on_mrn", func(t *testing.T) {
			p := second
			p.Version, p.MRN = 2, first.MRN
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.UpdatePatient(p, ua.ID, "typo") })
			if e := wantCode(t, err, ketaflow.EConflict); e.Field != "mrn" {
				t.Errorf("got field %q, want %q", e.Field, "mrn")
			}
		})

		t.Run("same_mrn_in_two_clinics_is_fine", func(t *testing.T) {
			p := addPatient(t, db, b.ID, ub.ID, record("K000001", "Ada Byron", "", "1980-03-14"))
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.Patient(b.ID, p.ID)
				if err != nil || got.MRN != "K000001" {
					t.Errorf("got %q, %v; want K000001, nil", got.MRN, err)
				}
				return nil
			})
		})
	})
}

func TestWeights(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := addClinic(t, db, "A")
		b := addClinic(t, db, "B")
		fd := addUser(t, db, a.ID, "fran", "Fran Front", access.FrontDesk)
		nu := addUser(t, db, a.ID, "nina", "Nina Nurse", access.Nurse)
		p := addPatient(t, db, a.ID, fd.ID, record("K000001", "Ada Lovelace", "", "1980-03-14"))
		weight := func(kg float64, measured time.Time) patients.Weight {
			return patients.Weight{ID: ketaflow.NewID(), PatientID: p.ID, KG: kg, MeasuredAt: measured, RecordedBy: nu.ID, RecordedAt: t0}
		}
		// Recorded out of order: a weight from last week entered today.
		ws := []patients.Weight{weight(71.5, t0.AddDate(0, 0, -14)), weight(70.2, t0), weight(70.9, t0.AddDate(0, 0, -7))}
		write(t, db, func(tx *store.Tx) error {
			for _, w := range ws {
				if err := tx.InsertWeight(a.ID, w); err != nil {
					return err
				}
			}
			return nil
		})
		// Weights are read with the recorder's display name.
		named := func(w patients.Weight) patients.Weight { w.RecordedByName = nu.Name; return w }

		read(t, db, func(tx *store.Tx) error {
			got, err := tx.Weights(a.ID, p.ID, 0)
			if err != nil {
				t.Fatalf("Weights: %v", err)
			}
			want := []patients.Weight{named(ws[1]), named(ws[2]), named(ws[0])}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Weights (newest first) mismatch (-want +got):\n%s", diff)
			}
			for _, w := range got {
				wantUTC(t, "weight times", w.MeasuredAt, w.RecordedAt)
			}
			got, err = tx.Weights(a.ID, p.ID, 2)
			if err != nil || len(got) != 2 {
				t.Errorf("Weights limit 2: got %d, %v; want 2", len(got), err)
			}
			pt, err := tx.Patient(a.ID, p.ID)
			if err != nil {
				t.Fatalf("Patient: %v", err)
			}
			if diff := cmp.Diff(named(ws[1]), *pt.Weight); pt.Weight == nil || diff != "" {
				t.Errorf("Patient.Weight (the newest) mismatch (-want +got):\n%s", diff)
			}
			got, err = tx.Weights(b.ID, p.ID, 0)
			if err != nil || len(got) != 0 {
				t.Errorf("weights seen from another clinic: got %d, %v; want none", len(got), err)
			}
			return nil
		})
	})
}

func auditEntry(clinicID, action string, at time.Time) audit.Entry {
	return audit.Entry{ClinicID: clinicID, At: at, UserID: "u1", Username: "nina", Role: "nurse", Action: action,
		PatientID: "p1", Category: access.CatClinical, Source: "192.0.2.7", Outcome: audit.OK, Detail: "read " + action}
}

func appendAudit(t *testing.T, db *store.DB, e audit.Entry) audit.Entry {
	t.Helper()
	write(t, db, func(tx *store.Tx) (err error) { e, err = tx.AppendAudit(e, nil); return err })
	return e
}

// verifyChain checks a clinic's stored chain against its recorded head and
// returns the entries in order.
func verifyChain(t *testing.T, db *store.DB, clinicID string) []audit.Entry {
	t.Helper()
	var entries []audit.Entry
	read(t, db, func(tx *store.Tx) error {
		v := audit.NewVerifier(clinicID, nil)
		if err := tx.EachAuditEntry(clinicID, func(e audit.Entry) bool {
			entries = append(entries, e)
			return v.Next(e)
		}); err != nil {
			t.Fatalf("EachAuditEntry: %v", err)
		}
		heads, err := tx.AuditHeads()
		if err != nil {
			t.Fatalf("AuditHeads: %v", err)
		}
		var head store.AuditHead
		for _, h := range heads {
			if h.ClinicID == clinicID {
				head = h
			}
		}
		v.Finish(head.Seq, head.Hash)
		if v.Problem != nil {
			t.Errorf("chain of %s does not verify: %v", clinicID, v.Problem)
		}
		return nil
	})
	return entries
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := ketaflow.NewID(), ketaflow.NewID()
		// Nanoseconds and a zone: AppendAudit must hash what it stores.
		at := time.Date(2026, 11, 25, 9, 0, 0, 123456789, time.FixedZone("EST", -5*3600))
		var got []audit.Entry
		for i, action := range []string{"patient.read", "patient.amend", "weight.record"} {
			got = append(got, appendAudit(t, db, auditEntry(a, action, at.Add(time.Duration(i)*time.Minute))))
			// Clinic B's entries interleave with A's but chain apart.
			appendAudit(t, db, auditEntry(b, "patient.list", at))
		}
		for i, e := range got {
			if e.Seq != int64(i+1) {
				t.Errorf("entry %d: got seq %d, want %d", i, e.Seq, i+1)
			}
			wantPrev := audit.Genesis
			if i > 0 {
				wantPrev = got[i-1].Hash
			}
			if e.PrevHash != wantPrev {
				t.Errorf("entry %d: got prev hash %s, want %s", e.Seq, e.PrevHash, wantPrev)
			}
			if e.Hash != e.ComputeHash(nil) {
				t.Errorf("entry %d: hash does not match content", e.Seq)
			}
		}
		stored := verifyChain(t, db, a)
		if diff := cmp.Diff(got, stored); diff != "" {
			t.Errorf("stored entries mismatch (-want +got):\n%s", diff)
		}
		for _, e := range stored {
			wantUTC(t, "audit at", e.At)
		}

		bs := verifyChain(t, db, b)
		if len(bs) != 3 || bs[0].Seq != 1 || bs[0].PrevHash != audit.Genesis {
			t.Errorf("clinic B chain: got %d entries starting %+v, want 3 starting at seq 1 from genesis", len(bs), bs[0])
		}

		read(t, db, func(tx *store.Tx) error {
			list, err := tx.AuditEntries(a, store.AuditQuery{})
			if err != nil {
				t.Fatalf("AuditEntries: %v", err)
			}
			var seqs []int64
			for _, e := range list {
				seqs = append(seqs, e.Seq)
			}
			if diff := cmp.Diff([]int64{3, 2, 1}, seqs); diff != "" {
				t.Errorf("AuditEntries (newest first) mismatch (-want +got):\n%s", diff)
			}
			list, err = tx.AuditEntries(a, store.AuditQuery{Action: "patient."})
			if err != nil || len(list) != 2 {
				t.Errorf("AuditEntries action prefix patient.: got %d, %v; want 2", len(list), err)
			}
			return nil
		})
	})
}

func TestAuditSystemChain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := appendAudit(t, db, auditEntry(audit.SystemClinic, "auth.login", t0))
		if e.Seq != 1 || e.PrevHash != audit.Genesis {
			t.Errorf("got seq %d prev %s, want 1 from genesis", e.Seq, e.PrevHash)
		}
		verifyChain(t, db, audit.SystemClinic)
	})
}

func TestAuditConcurrentAppendsChain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clinic := ketaflow.NewID()
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- db.Transact(ctx, func(tx *store.Tx) error {
					_, err := tx.AppendAudit(auditEntry(clinic, fmt.Sprintf("a.%d", i), t0), nil)
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent append: %v", err)
			}
		}
		if got := len(verifyChain(t, db, clinic)); got != n {
			t.Errorf("got %d entries, want %d", got, n)
		}
	})
}

// TestAppendOnly checks that the database itself refuses to change or remove
// audit entries, patient versions and weights, whoever connects to it.
func TestAppendOnly(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, d)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			c := addClinic(t, db, "A")
			u := addUser(t, db, c.ID, "nina", "Nina Nurse", access.Nurse)
			p := addPatient(t, db, c.ID, u.ID, record("K000001", "Ada Lovelace", "", "1980-03-14"))
			write(t, db, func(tx *store.Tx) error {
				return tx.InsertWeight(c.ID, patients.Weight{ID: ketaflow.NewID(), PatientID: p.ID, KG: 70, MeasuredAt: t0,
					RecordedBy: u.ID, RecordedAt: t0})
			})
			appendAudit(t, db, auditEntry(c.ID, "patient.read", t0))

			driver := "pgx"
			if d == store.SQLite {
				driver = "sqlite"
				dsn = "file:" + dsn + "?_pragma=busy_timeout(10000)"
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatalf("open raw: %v", err)
			}
			defer raw.Close()

			// The raw connection can write: patients is not append-only.
			if _, err := raw.Exec(`UPDATE patients SET allergies = 'latex'`); err != nil {
				t.Fatalf("raw UPDATE patients: got %v, want it to work (is the raw connection on the right database?)", err)
			}
			tests := []struct {
				name, stmt, table string
			}{
				{"audit_log_update_refused", `UPDATE audit_log SET detail = 'nothing happened'`, "audit_log"},
				{"audit_log_delete_refused", `DELETE FROM audit_log`, "audit_log"},
				{"patient_versions_update_refused", `UPDATE patient_versions SET reason = 'forged'`, "patient_versions"},
				{"patient_versions_delete_refused", `DELETE FROM patient_versions`, "patient_versions"},
				{"weights_update_refused", `UPDATE weights SET kg = 7`, "weights"},
				{"weights_delete_refused", `DELETE FROM weights`, "weights"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, err := raw.Exec(tt.stmt)
					if err == nil {
						t.Fatalf("%s: got nil, want the database to refuse", tt.stmt)
					}
					if !strings.Contains(err.Error(), "append-only") {
						t.Errorf("%s: got %v, want an append-only refusal", tt.stmt, err)
					}
					var n int
					if err := raw.QueryRow(`SELECT count(*) FROM ` + tt.table).Scan(&n); err != nil || n != 1 {
						t.Errorf("%s: got %d rows, %v; want the 1 row kept", tt.table, n, err)
					}
				})
			}
			verifyChain(t, db, c.ID)
		})
	}
}

func TestErrorsAreKetaflowErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// A foreign key to nothing is bad input, not a server fault.
		u := access.User{ID: ketaflow.NewID(), ClinicID: ketaflow.NewID(), Username: "orphan", Name: "Orphan",
			Role: access.Nurse, Active: true, CreatedAt: t0, UpdatedAt: t0}
		err := db.Transact(ctx, func(tx *store.Tx) error { return tx.InsertUser(u, "h") })
		var e *ketaflow.Error
		if !errors.As(err, &e) || e.Code != ketaflow.EInvalid {
			t.Errorf("user of a clinic that does not exist: got %v, want EInvalid", err)
		}
	})
}
