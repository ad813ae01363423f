package access

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestKeepForm(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fields  map[string][]string
		kept    []string
		dropped []string
		ok      bool
	}{
		{"typed_vitals_are_kept", map[string][]string{"systolic": {"128"}, "diastolic": {"82"}}, []string{"diastolic", "systolic"}, nil, true},
		{"password_fields_are_never_kept", map[string][]string{"current_password": {"x"}, "new_password": {"y"}, "name": {"curl"}},
			[]string{"name"}, []string{"current_password", "new_password"}, true},
		{"witness_password_is_never_kept", map[string][]string{"witness_password": {"w"}, "ml": {"0.5"}}, []string{"ml"}, []string{"witness_password"}, true},
		{"form_of_only_secrets_is_not_kept", map[string][]string{"password": {"x"}}, []string{}, []string{"password"}, false},
		{"empty_form_is_not_kept", map[string][]string{}, []string{}, nil, false},
		{"form_over_the_limit_is_not_kept", map[string][]string{"note": {strings.Repeat("x", MaxDraftBytes)}}, []string{"note"}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, dropped, ok := KeepForm("/visits/1/vitals", tc.fields)
			kept := []string{}
			for k := range f.Fields {
				kept = append(kept, k)
			}
			if diff := cmp.Diff(tc.kept, kept, sortStrings); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.dropped, dropped); diff != "" || ok != tc.ok {
				t.Errorf("ok %v (want %v); dropped (-want +got):\n%s", ok, tc.ok, diff)
			}
		})
	}
}

var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })

func TestSealedDraftOpensOnlyWithItsKeyDraftAndUser(t *testing.T) {
	key := NewDraftKey()
	f := DraftForm{Action: "/visits/1/vitals", Fields: map[string][]string{"systolic": {"128"}}}
	sealed, err := SealDraft(key, "d1", "u1", f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "128") {
		t.Fatal("the sealed form shows what was typed")
	}
	got, err := OpenDraft(key, "d1", "u1", sealed)
	if err != nil || !cmp.Equal(got, f) {
		t.Fatalf("open with the key: %+v, %v", got, err)
	}
	for _, tc := range []struct{ name, key, id, user string }{
		{"another_key_does_not_open_it", NewDraftKey(), "d1", "u1"},
		{"another_user_does_not_open_it", key, "d1", "u2"},
		{"another_draft_row_does_not_open_it", key, "d2", "u1"},
		{"a_broken_key_does_not_open_it", "not-a-key", "d1", "u1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := OpenDraft(tc.key, tc.id, tc.user, sealed); err == nil {
				t.Error("opened")
			}
		})
	}
}
