package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// amenders is how many clients amend one record at once.
const amenders = 50

// Fifty clients amend one patient record at once, each with the ETag it
// read (If-Match), re-reading and trying again after a 412: no amendment
// is lost or made over another unseen. Every success is one new version,
// every refusal a 412, the versions are numbered without a gap, and the
// history holds each success's change exactly once.
func TestConcurrentAmendersLoseNoUpdate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		path := "/api/v1/patients/" + f.PatientA.ID
		var mu sync.Mutex
		successes, refusals := 0, 0
		var phones []string
		var wg sync.WaitGroup
		for i := range amenders {
			wg.Go(func() {
				phone := fmt.Sprintf("+1 555 010 %04d", i)
				for range 2 * amenders {
					resp := f.API("nurse", "GET", path, nil, nil)
					etag := resp.Header.Get("ETag")
					resp = f.API("nurse", "PATCH", path, map[string]any{"reason": "phone number corrected",
						"record": map[string]any{"phone": phone}}, nil, "If-Match", etag)
					mu.Lock()
					switch resp.StatusCode {
					case http.StatusOK:
						successes++
						phones = append(phones, phone)
					case http.StatusPreconditionFailed:
						refusals++
					default:
						t.Errorf("amend: got %d, want 200 or 412", resp.StatusCode)
					}
					mu.Unlock()
					if resp.StatusCode != http.StatusPreconditionFailed {
						return
					}
				}
				t.Errorf("amender %d never got its turn", i)
			})
		}
		wg.Wait()
		var history struct {
			Versions []struct {
				Version int `json:"version"`
				Record  struct {
					Phone string `json:"phone"`
				} `json:"record"`
			} `json:"versions"`
		}
		f.API("nurse", "GET", path+"/versions", nil, &history)
		if got, want := len(history.Versions), 1+successes; got != want {
			t.Errorf("versions: got %d, want %d (the first and one per success)", got, want)
		}
		if successes != amenders {
			t.Errorf("successes: got %d, want %d", successes, amenders)
		}
		var stored []string
		for i, v := range history.Versions {
			if v.Version != i+1 {
				t.Errorf("version %d is numbered %d: the history has a gap", i+1, v.Version)
			}
			if i > 0 {
				stored = append(stored, v.Record.Phone)
			}
		}
		slices.Sort(stored)
		slices.Sort(phones)
		if !slices.Equal(stored, phones) {
			t.Errorf("the history's changes differ from the successes:\nstored %v\nsucceeded %v", stored, phones)
		}
		t.Logf("%d amendments, %d refused with 412 on the way", successes, refusals)
	})
}

// The same for the clinic's protocol, whose versions carry the version
// they were based on: fifty admins' saves at once, each retried on a 412
// from the newest version, make exactly one version per success.
func TestConcurrentProtocolEditorsLoseNoUpdate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		// Fifty values of one setting, none the default (15).
		var values []int
		for v := 1; len(values) < amenders; v++ {
			if v != 15 {
				values = append(values, v)
			}
		}
		var mu sync.Mutex
		successes := 0
		var saved []int
		var wg sync.WaitGroup
		for _, value := range values {
			wg.Go(func() {
				for range 2 * amenders {
					var cur struct {
						Number int `json:"number"`
					}
					f.API("admin", "GET", "/api/v1/protocol", nil, &cur)
					resp := f.API("admin", "POST", "/api/v1/protocol/versions", map[string]any{"based_on": cur.Number,
						"reason": "idle timeout trial", "values": map[string]string{"security.idle_timeout_minutes": strconv.Itoa(value)}}, nil)
					mu.Lock()
					switch resp.StatusCode {
					case http.StatusCreated:
						successes++
						saved = append(saved, value)
					case http.StatusPreconditionFailed, http.StatusConflict:
						// 412: saved since; 409: saved meanwhile, at once.
					default:
						t.Errorf("save: got %d, want 201, 409 or 412", resp.StatusCode)
					}
					mu.Unlock()
					if resp.StatusCode != http.StatusPreconditionFailed && resp.StatusCode != http.StatusConflict {
						return
					}
				}
				t.Errorf("editor of %d never got its turn", value)
			})
		}
		wg.Wait()
		var list struct {
			Versions []struct {
				Number int            `json:"number"`
				Rules  map[string]any `json:"rules"`
			} `json:"versions"`
		}
		f.API("admin", "GET", "/api/v1/protocol/versions", nil, &list)
		if got, want := len(list.Versions), 1+successes; got != want || successes != amenders {
			t.Errorf("versions: got %d for %d successes, want %d and %d successes", got, successes, 1+amenders, amenders)
		}
		var numbers []int
		for _, v := range list.Versions {
			numbers = append(numbers, v.Number)
		}
		slices.Sort(numbers)
		for i, n := range numbers {
			if n != i+1 {
				t.Fatalf("protocol versions %v have a gap", numbers)
			}
		}
		// Each version holds the value its save set, once: read each.
		var got []int
		for n := 2; n <= 1+successes; n++ {
			var v struct {
				Rules struct {
					Security struct {
						Idle int `json:"idle_timeout_minutes"`
					} `json:"security"`
				} `json:"rules"`
			}
			f.API("admin", "GET", "/api/v1/protocol/versions/"+strconv.Itoa(n), nil, &v)
			got = append(got, v.Rules.Security.Idle)
		}
		slices.Sort(got)
		slices.Sort(saved)
		if !slices.Equal(got, saved) {
			t.Errorf("stored values %v, saved %v", got, saved)
		}
	})
}
