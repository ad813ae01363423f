package access

import (
	"strings"
	"testing"
	"time"
)

// The RFC 6238 appendix B secret ("12345678901234567890" in base32) and its
// SHA-1 codes, cut to 6 digits: the library and the steps are the
// standard's.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestCheckTOTP(t *testing.T) {
	at := time.Unix(1111111109, 0) // RFC 6238 appendix B: 07081804 → 081804
	step := TOTPStep(at)
	code := TOTPCode(rfcSecret, at)
	if code != "081804" {
		t.Fatalf("RFC 6238 test vector at %d: got %s, want 081804", at.Unix(), code)
	}
	tests := []struct {
		name     string
		code     string
		now      time.Time
		last     int64
		want     CodeCheck
		wantStep int64
	}{
		{"code_of_this_step_is_accepted", code, at, 0, CodeOK, step},
		{"typed_with_a_space_is_accepted", "081 804", at, 0, CodeOK, step},
		{"code_of_the_step_before_is_accepted_one_step_of_skew", code, at.Add(TOTPPeriod), 0, CodeOK, step},
		{"code_of_the_next_step_is_accepted_phone_clock_ahead", code, at.Add(-TOTPPeriod), 0, CodeOK, step},
		{"code_two_steps_old_is_wrong", code, at.Add(2 * TOTPPeriod), 0, CodeWrong, 0},
		{"code_two_steps_ahead_is_wrong", code, at.Add(-2 * TOTPPeriod), 0, CodeWrong, 0},
		{"same_code_again_is_a_replay", code, at, step, CodeUsed, 0},
		{"older_code_after_a_newer_one_is_a_replay", code, at.Add(TOTPPeriod), step + 1, CodeUsed, 0},
		{"wrong_digits_are_wrong", "123456", at, 0, CodeWrong, 0},
		{"five_digits_are_wrong", "08180", at, 0, CodeWrong, 0},
		{"seven_digits_are_wrong", "0818040", at, 0, CodeWrong, 0},
		{"no_secret_accepts_nothing", code, at, 0, CodeWrong, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			secret := rfcSecret
			if tc.name == "no_secret_accepts_nothing" {
				secret = ""
			}
			gotStep, got := CheckTOTP(secret, tc.code, tc.now, tc.last)
			if got != tc.want || (got == CodeOK && gotStep != tc.wantStep) {
				t.Errorf("CheckTOTP(%q at %v, last %d) = step %d, %v; want step %d, %v", tc.code, tc.now.Unix(), tc.last, gotStep, got, tc.wantStep, tc.want)
			}
		})
	}
}

func TestSecondFactorRequired(t *testing.T) {
	def := TwoFactorRule{Admins: true, Prescribers: true}
	all := TwoFactorRule{Admins: true, Prescribers: true, OtherStaff: true}
	tests := []struct {
		name string
		role Role
		rule TwoFactorRule
		want bool
	}{
		{"admin_by_default", Admin, def, true},
		{"prescriber_by_default", Prescriber, def, true},
		{"nurse_not_by_default", Nurse, def, false},
		{"therapist_not_by_default", Therapist, def, false},
		{"frontdesk_not_by_default", FrontDesk, def, false},
		{"nurse_when_the_clinic_asks_all", Nurse, all, true},
		{"frontdesk_when_the_clinic_asks_all", FrontDesk, all, true},
		{"admin_when_turned_off", Admin, TwoFactorRule{Prescribers: true}, false},
		{"prescriber_when_turned_off", Prescriber, TwoFactorRule{Admins: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SecondFactorRequired(tc.role, tc.rule); got != tc.want {
				t.Errorf("SecondFactorRequired(%s, %+v) = %t, want %t", tc.role, tc.rule, got, tc.want)
			}
		})
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, stored := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount || len(stored) != RecoveryCodeCount {
		t.Fatalf("got %d codes and %d stored, want %d", len(codes), len(stored), RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 11 || c[5] != '-' || !LooksLikeRecoveryCode(c) {
			t.Errorf("code %q: want xxxxx-xxxxx from the recovery alphabet", c)
		}
		if seen[c] {
			t.Errorf("code %q made twice", c)
		}
		seen[c] = true
		if strings.Contains(stored[i], NormalizeCode(c)) {
			t.Errorf("stored form %q holds the code itself", stored[i])
		}
		for _, typed := range []string{c, strings.ToUpper(c), strings.ReplaceAll(c, "-", ""), " " + c + " "} {
			if !RecoveryCodeMatches(stored[i], typed) {
				t.Errorf("code %q typed as %q does not match its stored form", c, typed)
			}
		}
		if RecoveryCodeMatches(stored[(i+1)%len(stored)], c) {
			t.Errorf("code %q matches another code's stored form", c)
		}
	}
	// Each code has a salt of its own: one code stored twice differs.
	if a, b := StoreRecoveryCode(codes[0]), StoreRecoveryCode(codes[0]); a == b {
		t.Errorf("a code stored twice gave the same form %q: no salt", a)
	}
	for _, s := range []string{"081804", "abcde-fghjk-m", "ab1de-fghjk", ""} {
		if LooksLikeRecoveryCode(s) {
			t.Errorf("%q taken for a recovery code", s)
		}
	}
}

func TestNewTOTPKeyRoundTrips(t *testing.T) {
	k, err := NewTOTPKey("ketaflow Clinic A", "prescriber")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Secret()) != 32 {
		t.Errorf("secret %q: want 32 base32 characters (160 bits)", k.Secret())
	}
	if u := k.URL(); !strings.HasPrefix(u, "otpauth://totp/") || !strings.Contains(u, "issuer=ketaflow") || !strings.Contains(u, "period=30") {
		t.Errorf("URL %q", u)
	}
	again, err := TOTPKeyFromSecret("ketaflow Clinic A", "prescriber", k.Secret())
	if err != nil || again.Secret() != k.Secret() {
		t.Errorf("rebuilt key %v, %v; want the same secret", again, err)
	}
}
