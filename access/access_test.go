package access

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
)

// TestMatrix is the whole permission model of PRODUCT.md ("Who uses it"),
// action by action. Changing who may do what changes this table.
func TestMatrix(t *testing.T) {
	t.Parallel()
	want := map[Action][]Role{
		PatientList:         {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		PatientCreate:       {FrontDesk, Nurse, Prescriber, Admin},
		PatientRead:         {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		PatientReadClinical: {Nurse, Prescriber, Therapist},
		PatientAmend:        {FrontDesk, Nurse, Prescriber, Admin},
		PatientAmendClinic:  {Nurse, Prescriber},
		WeightRecord:        {Nurse, Prescriber},
		// The whole record leaves the clinic only with a clinician; the
		// report's rates hold no patient's data.
		RecordExport: {Nurse, Prescriber, Therapist},
		ReportRead:   {Nurse, Prescriber, Therapist, Admin},
		UserList:     {Admin},
		UserManage:   {Admin},
		// Deciding an account request: another admin, or for a reset the
		// person themself; app/accountrequests.go decides which.
		UserApprove:     {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		AuditRead:       {Admin},
		MetricsRead:     {Admin},
		TokenCreate:     {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		TokenRevoke:     {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		TokenList:       {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		PasswordChange:  {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		TwoFactorManage: {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		// Break-glass: a named admin or clinician, never front desk; the
		// app refuses it to a role that reads the whole record already.
		BreakGlassOpen:     {Nurse, Prescriber, Therapist, Admin},
		BreakGlassReview:   {Admin},
		ProtocolRead:       {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		IntegrationList:    {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		IntegrationRead:    {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		IntegrationBook:    {Therapist},
		IntegrationHold:    {Therapist},
		IntegrationNote:    {Therapist},
		JournalHandOff:     {Nurse, Prescriber, Therapist},
		ProtocolEdit:       {Admin},
		OutboxRead:         {Admin},
		ClinicEdit:         {Admin},
		ClockAdvance:       {Admin},
		ChairList:          {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		VisitList:          {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		VisitRead:          {FrontDesk, Nurse, Prescriber, Therapist, Admin},
		VisitBook:          {FrontDesk, Nurse, Prescriber},
		VisitMove:          {FrontDesk, Nurse, Prescriber},
		VitalsRecord:       {Nurse, Prescriber},
		FastingRecord:      {Nurse, Prescriber},
		RideRecord:         {FrontDesk, Nurse, Prescriber},
		ComfortRecord:      {FrontDesk, Nurse, Prescriber},
		QuestionnaireEnter: {Nurse, Prescriber},
		QuestionnaireAmend: {Nurse, Prescriber},
		TabletHandOff:      {FrontDesk, Nurse, Prescriber},
		QuestionnaireRead:  {Nurse, Prescriber, Therapist},
		LinkCreate:         {FrontDesk, Nurse, Prescriber},
		AlertRead:          {Nurse, Prescriber, Therapist},
		AlertAssess:        {Prescriber},
		AlertAcknowledge:   {Nurse, Prescriber},
		AlertResolve:       {Nurse, Prescriber},
		GateOverride:       {Prescriber},
		RouteAdvice:        {Nurse, Prescriber},
		DoseOrder:          {Prescriber},
		DosePrepare:        {Nurse, Prescriber},
		SessionRecord:      {Nurse, Prescriber},
		DischargeRecord:    {Nurse, Prescriber},
		REMSRead:           {Nurse, Prescriber},
		REMSSubmit:         {Nurse, Prescriber},
		REMSIncomplete:     {Prescriber},
		FloorSheet:         {Nurse, Prescriber},
		LedgerRead:         {Nurse, Prescriber, Admin},
		LedgerReceive:      {Nurse, Prescriber},
		LedgerDraw:         {Nurse, Prescriber},
		LedgerGive:         {Nurse, Prescriber},
		LedgerWaste:        {Nurse, Prescriber},
		LedgerCount:        {Nurse, Prescriber},
		LedgerAdjust:       {Nurse, Prescriber, Admin},
		// A monitoring gateway's token is a nurse's, a prescriber's or the
		// admin's who set it up; front desk and therapists send no readings.
		DeviceIngest: {Nurse, Prescriber, Admin},
	}
	var actions []Action
	for a := range want {
		actions = append(actions, a)
	}
	if diff := cmp.Diff(sorted(actions), Actions()); diff != "" {
		t.Fatalf("Actions mismatch (-want +got):\n%s", diff)
	}
	for _, action := range Actions() {
		var got []Role
		for _, r := range StaffRoles {
			if Can(r, action) {
				got = append(got, r)
			}
		}
		if diff := cmp.Diff(want[action], got); diff != "" {
			t.Errorf("%s: roles mismatch (-want +got):\n%s", action, diff)
		}
	}
}

func sorted(as []Action) []Action {
	out := append([]Action(nil), as...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestCan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		role   Role
		action Action
		want   bool
	}{
		{"frontdesk_can_register_patient", FrontDesk, PatientCreate, true},
		{"frontdesk_can_read_demographics", FrontDesk, PatientRead, true},
		{"frontdesk_cannot_read_clinical", FrontDesk, PatientReadClinical, false},
		{"frontdesk_cannot_amend_clinical", FrontDesk, PatientAmendClinic, false},
		{"frontdesk_cannot_record_weight", FrontDesk, WeightRecord, false},
		{"nurse_can_read_clinical", Nurse, PatientReadClinical, true},
		{"nurse_can_record_weight", Nurse, WeightRecord, true},
		{"nurse_cannot_manage_users", Nurse, UserManage, false},
		{"nurse_cannot_read_audit", Nurse, AuditRead, false},
		{"prescriber_can_amend_clinical", Prescriber, PatientAmendClinic, true},
		{"prescriber_cannot_manage_users", Prescriber, UserManage, false},
		{"therapist_can_read_clinical", Therapist, PatientReadClinical, true},
		{"therapist_cannot_amend_clinical", Therapist, PatientAmendClinic, false},
		{"therapist_cannot_record_weight", Therapist, WeightRecord, false},
		{"therapist_cannot_register_patient", Therapist, PatientCreate, false},
		{"admin_can_manage_users", Admin, UserManage, true},
		{"admin_can_read_audit", Admin, AuditRead, true},
		{"admin_cannot_read_clinical_without_break_glass", Admin, PatientReadClinical, false},
		{"admin_cannot_amend_clinical", Admin, PatientAmendClinic, false},
		{"admin_cannot_record_weight", Admin, WeightRecord, false},
		{"everyone_changes_own_password", FrontDesk, PasswordChange, true},
		{"frontdesk_cannot_see_questionnaire_answers", FrontDesk, QuestionnaireRead, false},
		{"nurse_cannot_override_gate", Nurse, GateOverride, false},
		{"prescriber_overrides_gate", Prescriber, GateOverride, true},
		{"nurse_cannot_change_protocol", Nurse, ProtocolEdit, false},
		{"only_prescriber_assesses_safety_alert", Nurse, AlertAssess, false},
		{"therapist_cannot_record_vitals", Therapist, VitalsRecord, false},
		{"only_prescriber_orders_dose", Nurse, DoseOrder, false},
		{"nurse_prepares_dose", Nurse, DosePrepare, true},
		{"frontdesk_cannot_see_doses", FrontDesk, DosePrepare, false},
		{"therapist_cannot_change_doses", Therapist, DoseOrder, false},
		{"unknown_role_can_do_nothing", Role("superuser"), PatientList, false},
		{"empty_role_can_do_nothing", Role(""), PatientRead, false},
		{"unknown_action_is_refused", Admin, Action("patient.delete"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Can(tt.role, tt.action); got != tt.want {
				t.Errorf("Can(%q, %q): got %v, want %v", tt.role, tt.action, got, tt.want)
			}
		})
	}
}

func TestActorCheck(t *testing.T) {
	t.Parallel()
	nurse := Actor{UserID: "0193a0c4-7f3e-7b2a-9c1d-2e4f6a8b0c1d", ClinicID: "c", Username: "nina", Name: "Nina", Role: Nurse}
	tests := []struct {
		name   string
		actor  Actor
		action Action
		want   ketaflow.Code
	}{
		{"allowed_action_passes", nurse, PatientReadClinical, ""},
		{"empty_actor_is_unauthorized", Actor{}, PatientList, ketaflow.EUnauthorized},
		{"empty_actor_is_unauthorized_even_with_role", Actor{Role: Admin}, PatientList, ketaflow.EUnauthorized},
		{"logged_in_without_permission_is_forbidden", nurse, UserManage, ketaflow.EForbidden},
		{"logged_in_with_no_role_is_forbidden", Actor{UserID: "u"}, PatientList, ketaflow.EForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.actor.Check(tt.action)
			if got := ketaflow.ErrorCode(err); got != tt.want {
				t.Fatalf("got code %q (%v), want %q", got, err, tt.want)
			}
			var e *ketaflow.Error
			if err != nil && !errors.As(err, &e) {
				t.Errorf("got %T, want *ketaflow.Error", err)
			}
		})
	}
}

func TestActorCheckForbiddenNamesRoleAndAction(t *testing.T) {
	t.Parallel()
	err := Actor{UserID: "u", Role: FrontDesk}.Check(PatientReadClinical)
	msg := ketaflow.ErrorMessage(err)
	for _, want := range []string{"Front desk", string(PatientReadClinical)} {
		if !strings.Contains(msg, want) {
			t.Errorf("got message %q, want it to contain %q", msg, want)
		}
	}
}

func TestUserActor(t *testing.T) {
	t.Parallel()
	u := User{ID: "u1", ClinicID: "c1", Username: "nina", Name: "Nina Nurse", Role: Nurse, Active: true}
	want := Actor{UserID: "u1", ClinicID: "c1", Username: "nina", Name: "Nina Nurse", Role: Nurse, Source: "192.0.2.1"}
	if diff := cmp.Diff(want, u.Actor("192.0.2.1")); diff != "" {
		t.Errorf("Actor mismatch (-want +got):\n%s", diff)
	}
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for _, r := range StaffRoles {
		got, err := ParseRole("role", string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q): got %q, %v; want %q, nil", r, got, err, r)
		}
		if r.Label() == string(r) {
			t.Errorf("role %q has no label for people", r)
		}
	}
	for _, s := range []string{"", "Admin", "root", " nurse"} {
		_, err := ParseRole("role", s)
		if got := fieldOf(t, err); got != "role" {
			t.Errorf("ParseRole(%q): got field %q, want %q", s, got, "role")
		}
	}
}

// fieldOf returns the field an EInvalid error names, "" for nil.
func fieldOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *ketaflow.Error
	if !errors.As(err, &e) || e.Code != ketaflow.EInvalid {
		t.Fatalf("got %v, want an EInvalid *ketaflow.Error", err)
	}
	return e.Field
}

func TestPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery staple"
	h := testPasswords.Hash(pw)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("got hash %q, want the PHC argon2id format with the current parameters", h)
	}
	if !VerifyPassword(h, pw) {
		t.Errorf("VerifyPassword(hash, right password): got false, want true")
	}
	if h2 := testPasswords.Hash(pw); h2 == h {
		t.Errorf("two hashes of one password are equal (%q): the salt is not random", h)
	}
}

func TestVerifyPasswordRefuses(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery staple"
	h := testPasswords.Hash(pw)
	parts := strings.Split(h, "$") // "", argon2id, v=19, m=..,t=..,p=.., salt, key
	with := func(i int, s string) string {
		p := append([]string(nil), parts...)
		p[i] = s
		return strings.Join(p, "$")
	}
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name     string
		hash, pw string
	}{
		{"wrong_password", h, "correct horse battery stapler"},
		{"empty_password", h, ""},
		{"password_differs_in_case", h, strings.ToUpper(pw)},
		{"tampered_key", with(5, flip(parts[5])), pw},
		{"tampered_salt", with(4, flip(parts[4])), pw},
		{"tampered_cost", with(3, "m=2048,t=1,p=1"), pw},
		{"other_algorithm", with(1, "argon2i"), pw},
		{"other_version", with(2, "v=16"), pw},
		{"zero_passes", with(3, "m=1024,t=0,p=1"), pw},
		{"zero_lanes", with(3, "m=1024,t=1,p=0"), pw},
		{"lanes_overflow", with(3, "m=1024,t=1,p=256"), pw},
		{"key_not_base64", with(5, "!!!"), pw},
		{"empty_key", with(5, ""), pw},
		{"missing_part", strings.Join(parts[:5], "$"), pw},
		{"extra_part", h + "$x", pw},
		{"empty_hash", "", pw},
		{"plain_text_stored", pw, pw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if VerifyPassword(tt.hash, tt.pw) {
				t.Errorf("VerifyPassword(%q, %q): got true, want false", tt.hash, tt.pw)
			}
		})
	}
}

func TestVerifyPasswordUsesParametersStoredInHash(t *testing.T) {
	t.Parallel()
	h := hashPassword("an older password", Argon2Params{MemoryKiB: 2048, Time: 2, Threads: 2})
	if !strings.Contains(h, "$m=2048,t=2,p=2$") {
		t.Fatalf("got hash %q, want it to carry m=2048,t=2,p=2", h)
	}
	if !VerifyPassword(h, "an older password") {
		t.Errorf("a hash made with other parameters no longer verifies")
	}
}

// A dummy hash that failed to parse would be refused at once, and a wrong
// username would answer faster than a wrong password.
func TestDummyHashCostsAFullVerification(t *testing.T) {
	t.Parallel()
	ps := NewPasswords(Argon2Params{MemoryKiB: 2048, Time: 1, Threads: 1})
	if !VerifyPassword(ps.dummy(), dummyPassword) {
		t.Errorf("VerifyPassword(dummy, dummyPassword): got false, want true")
	}
	if want := "$m=2048,t=1,p=1$"; !strings.Contains(ps.dummy(), want) {
		t.Errorf("got dummy hash %q, want it made at the cost of new hashes (%s)", ps.dummy(), want)
	}
}

// testPasswords hashes cheaply: the cost is stored in each hash.
var testPasswords = NewPasswords(CheapArgon2())

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		// Length: 12 to 128 characters [ASVS 2.1.1, 2.1.2].
		{"12_character_phrase_ok", "tulip-anchor", true},
		{"short_phrase_refused", "tulip anch", false},
		{"11_random_characters_refused", "k9#Vr2!mQx7", false},
		{"12_characters_ok", "k9#Vr2!mQx7z", true},
		{"128_characters_ok", strings.Repeat("river stone ", 10) + "lamp ket", true},
		{"129_characters_refused", strings.Repeat("river stone ", 10) + "lamp kett", false},
		{"length_counts_characters_not_bytes", "été hiver été", true},
		{"multibyte_too_short_refused", "été hiver é", false},
		{"multibyte_128_characters_ok", strings.Repeat("hiver été ", 12) + "lune sel", true},
		{"only_spaces_refused", strings.Repeat(" ", 12), false},
		{"spaces_inside_ok", "correct horse battery", true},
		// Common passwords and what people do to them [ASVS 2.1.7].
		{"one_letter_repeated_refused", "aaaaaaaaaa" + "aa", false},
		{"digit_walk_refused", "1234567890", false},
		{"digit_walk_of_12_refused", "123456789012", false},
		{"digit_walk_backwards_refused", "210987654321", false},
		{"keyboard_walk_refused", "qwertyuiop[]", false},
		{"keyboard_columns_refused", "1qaz2wsx3edc", false},
		{"short_unit_repeated_refused", "abcabcabcabc", false},
		{"common_password_with_digits_refused", "password12", false},
		{"common_password_padded_to_12_refused", "password1234", false},
		{"common_password_with_symbols_refused", "Password2024!", false},
		{"leetspeak_refused", "P@ssw0rd2026", false},
		{"spaced_out_refused", "pass word 12345", false},
		{"product_name_with_digits_refused", "ketaflow2026", false},
		{"common_word_inside_a_phrase_ok", "password of the cellar door", true},
		{"random_digits_ok", "738291046518", true},
		{"demo_login_ok", "nurse2-ketaflow", true},
		{"empty_refused", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckPassword("new_password", tt.pw)
			want := ""
			if !tt.ok {
				want = "new_password"
			}
			if got := fieldOf(t, err); got != want {
				t.Errorf("got field %q (%v), want %q", got, err, want)
			}
		})
	}
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
	if got, want := HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashToken(abc): got %q, want %q", got, want)
	}
	if HashToken("a") == HashToken("b") {
		t.Errorf("different secrets hash alike")
	}
}

func TestNewToken(t *testing.T) {
	t.Parallel()
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`) // 32 bytes, unpadded base64url
	seen := map[string]bool{}
	for range 50 {
		secret, hash := NewToken("kf_")
		rest, ok := strings.CutPrefix(secret, "kf_")
		if !ok {
			t.Fatalf("got secret %q, want prefix kf_", secret)
		}
		if !urlSafe.MatchString(rest) {
			t.Errorf("got secret body %q, want 43 URL-safe base64 characters", rest)
		}
		if got := HashToken(secret); hash != got {
			t.Errorf("got hash %q, want HashToken(secret) %q", hash, got)
		}
		if seen[secret] {
			t.Fatalf("NewToken returned %q twice", secret)
		}
		seen[secret] = true
	}
}

func TestLoginLive(t *testing.T) {
	t.Parallel()
	login := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	const idle = 30 * time.Minute
	fresh := Login{CreatedAt: login, LastSeenAt: login, ExpiresAt: login.Add(12 * time.Hour)}
	ended := login.Add(time.Minute)
	tests := []struct {
		name string
		s    Login
		now  time.Time
		want bool
	}{
		{"live_right_after_login", fresh, login, true},
		{"live_just_before_idle_timeout", fresh, login.Add(idle - time.Nanosecond), true},
		{"not_live_exactly_at_idle_timeout", fresh, login.Add(idle), false},
		{"not_live_after_idle_timeout", fresh, login.Add(idle + time.Second), false},
		{"request_resets_idle_clock", func() Login { s := fresh; s.LastSeenAt = login.Add(time.Hour); return s }(),
			login.Add(time.Hour + idle - time.Second), true},
		{"live_just_before_absolute_expiry", func() Login { s := fresh; s.LastSeenAt = login.Add(12*time.Hour - time.Minute); return s }(),
			login.Add(12*time.Hour - time.Nanosecond), true},
		{"not_live_at_absolute_expiry_even_if_active", func() Login { s := fresh; s.LastSeenAt = login.Add(12*time.Hour - time.Minute); return s }(),
			login.Add(12 * time.Hour), false},
		{"not_live_once_ended", func() Login { s := fresh; s.EndedAt = &ended; return s }(), login.Add(2 * time.Minute), false},
		{"not_live_once_ended_even_before_end_time", func() Login { s := fresh; s.EndedAt = &ended; return s }(), login, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.s.Live(tt.now, idle); got != tt.want {
				t.Errorf("Live(%s): got %v, want %v", tt.now.Sub(login), got, tt.want)
			}
		})
	}
}

func TestValidateNewUser(t *testing.T) {
	t.Parallel()
	const pw = "a long enough password"
	tests := []struct {
		name     string
		username string
		display  string
		role     Role
		password string
		want     []string
	}{
		{"valid_user", "nina.nurse", "Nina Nurse", Nurse, pw, nil},
		{"username_3_characters_ok", "abc", "A", Admin, pw, nil},
		{"username_2_characters_refused", "ab", "A", Admin, pw, []string{"username"}},
		{"username_40_characters_ok", strings.Repeat("a", 40), "A", Admin, pw, nil},
		{"username_41_characters_refused", strings.Repeat("a", 41), "A", Admin, pw, []string{"username"}},
		{"username_uppercase_refused_before_normalize", "Nina", "A", Admin, pw, []string{"username"}},
		{"username_starting_with_dot_refused", ".nina", "A", Admin, pw, []string{"username"}},
		{"username_with_at_refused", "nina@clinic", "A", Admin, pw, []string{"username"}},
		{"username_with_space_refused", "nina nurse", "A", Admin, pw, []string{"username"}},
		{"name_required", "nina", "", Nurse, pw, []string{"name"}},
		{"name_only_spaces_refused", "nina", "   ", Nurse, pw, []string{"name"}},
		{"name_100_characters_ok", "nina", strings.Repeat("n", 100), Nurse, pw, nil},
		{"name_101_characters_refused", "nina", strings.Repeat("n", 101), Nurse, pw, []string{"name"}},
		{"role_unknown_refused", "nina", "Nina", Role("superuser"), pw, []string{"role"}},
		{"role_required", "nina", "Nina", Role(""), pw, []string{"role"}},
		{"password_too_short_refused", "nina", "Nina", Nurse, "short", []string{"password"}},
		{"every_fault_listed_in_form_order", "N", "", Role("x"), "", []string{"username", "name", "role", "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateNewUser(tt.username, tt.display, tt.role, tt.password)
			var got []string
			if err != nil {
				var e *ketaflow.Error
				if !errors.As(err, &e) || e.Code != ketaflow.EInvalid {
					t.Fatalf("got %v, want an EInvalid *ketaflow.Error", err)
				}
				if e.Field != e.Fields[0].Field {
					t.Errorf("got Field %q, want the first of Fields %q", e.Field, e.Fields[0].Field)
				}
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalizeUsername(t *testing.T) {
	t.Parallel()
	if got, want := NormalizeUsername("  Nina.Nurse\t"), "nina.nurse"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := ValidateNewUser(NormalizeUsername(" Nina "), "Nina", Nurse, "a long enough password"); err != nil {
		t.Errorf("got %v for a normalized username, want nil", err)
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	if err := ValidateName("Nina Nurse"); err != nil {
		t.Errorf("ValidateName(Nina Nurse): got %v, want nil", err)
	}
	if got := fieldOf(t, ValidateName(" ")); got != "name" {
		t.Errorf("ValidateName(blank): got field %q, want %q", got, "name")
	}
}
