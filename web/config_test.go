package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientAddrTrustsOnlyConfiguredProxies (issue 13, finding 5): the
// client's address is the peer's, unless the peer is a trusted proxy; then
// X-Forwarded-For is read from the right, through trusted hops only, and
// the first address that is not one is the client. What a client writes
// at the left is never believed.
func TestClientAddrTrustsOnlyConfiguredProxies(t *testing.T) {
	t.Parallel()
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.7, ::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer string
		forwarded  []string
		trusted    []netip.Prefix
		want       string
	}{
		{"no_proxy_configured_ignores_the_header", "198.51.100.4:5000", []string{"203.0.113.1"}, nil, "198.51.100.4"},
		{"untrusted_peer_ignores_the_header", "198.51.100.4:5000", []string{"203.0.113.1"}, trusted, "198.51.100.4"},
		{"trusted_peer_names_the_client", "10.1.2.3:5000", []string{"203.0.113.1"}, trusted, "203.0.113.1"},
		{"spoofed_left_part_is_ignored", "10.1.2.3:5000", []string{"6.6.6.6, 203.0.113.1"}, trusted, "203.0.113.1"},
		{"through_two_trusted_hops", "10.1.2.3:5000", []string{"6.6.6.6, 203.0.113.1, 192.0.2.7"}, trusted, "203.0.113.1"},
		{"several_headers_read_as_one_list", "10.1.2.3:5000", []string{"6.6.6.6", "203.0.113.1, 10.9.9.9"}, trusted, "203.0.113.1"},
		{"all_hops_trusted_gives_the_leftmost", "10.1.2.3:5000", []string{"10.4.4.4"}, trusted, "10.4.4.4"},
		{"a_hop_that_is_no_address_stops_the_walk", "10.1.2.3:5000", []string{"203.0.113.1, garbage"}, trusted, "10.1.2.3"},
		{"no_header_gives_the_proxy", "10.1.2.3:5000", nil, trusted, "10.1.2.3"},
		{"ipv6_proxy", "[::1]:5000", []string{"2001:db8::5"}, trusted, "2001:db8::5"},
		{"ipv4_mapped_hop", "10.1.2.3:5000", []string{"::ffff:203.0.113.1"}, trusted, "203.0.113.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, h := range tt.forwarded {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := clientAddr(r, tt.trusted); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTrustedProxiesNamesWhatIsWrong(t *testing.T) {
	t.Parallel()
	if _, err := ParseTrustedProxies("10.0.0.0/8, proxy.internal"); err == nil {
		t.Error("a host name was accepted as a trusted proxy")
	}
	for _, bad := range []string{"example.com", "ftp://clinic.example", "https://clinic.example/ketaflow", "https://u:p@clinic.example", "/relative"} {
		if _, err := ParsePublicURL(bad); err == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
	if u, err := ParsePublicURL("https://clinic.example/"); err != nil || u.String() != "https://clinic.example" {
		t.Errorf("https://clinic.example/: got %v, %v", u, err)
	}
}
