package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Config is how the server is reached from outside: the address people
// open, whether it answers over TLS itself, and which proxies in front of
// it may say who the client is.
type Config struct {
	// PublicURL is the address staff and patients open ("https://clinic.example"),
	// the base of every link the server sends out (a questionnaire link).
	// An https URL makes the cookies Secure and __Host- prefixed and turns
	// on HSTS, also when a proxy in front ends TLS. Required.
	PublicURL *url.URL
	// TLS says the binary serves HTTPS itself (--tls-cert).
	TLS bool
	// TrustedProxies are the networks of the reverse proxies in front of
	// the server: only a request from one of them may name the client in
	// X-Forwarded-For, read right to left through trusted hops.
	TrustedProxies []netip.Prefix
}

// ParsePublicURL checks a --public-url: an absolute http or https URL of a
// host, with no path (the server's pages start at /), query or login.
func ParsePublicURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("the public URL must be an absolute http:// or https:// URL like https://clinic.example, not %q", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("the public URL %q must be a scheme and host only (no path, query or login): ketaflow serves from /", s)
	}
	u.Path, u.RawPath = "", ""
	return u, nil
}

// ParseTrustedProxies reads a comma-separated list of CIDR networks or
// single addresses ("10.0.0.0/8, 192.0.2.7").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not a CIDR network (10.0.0.0/8) or an IP address", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// secure says whether the browser reaches the server over HTTPS, so that
// cookies are Secure and may carry the __Host- prefix.
func (c Config) secure() bool { return c.TLS || (c.PublicURL != nil && c.PublicURL.Scheme == "https") }

type configKey struct{}

// reqInfo is what the server works out about a request once, at the door.
type reqInfo struct {
	cfg    *Config
	client string
}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(configKey{}).(*reqInfo); ok {
		return i
	}
	return nil
}

// withInfo stores the server's config and the request's client address
// in its context, for the handlers' cookies, links and audit entries.
func (s *Server) withInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := &reqInfo{cfg: &s.cfg, client: clientAddr(r, s.cfg.TrustedProxies)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), configKey{}, i)))
	})
}

// ClientAddr is the address the request came from, for the audit log and
// the sign-in throttle: the peer, or, when the peer is a trusted proxy,
// the first address of X-Forwarded-For that is not one, read from the
// right (the left part is whatever the client chose to send).
func ClientAddr(r *http.Request) string {
	if i := info(r); i != nil {
		return i.client
	}
	return peerAddr(r)
}

func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddr(r)
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A hop that is not an address cannot be trusted, nor
			// anything left of it: the last good one is the client.
			return addr.String()
		}
		addr = hop.Unmap()
		if !isTrusted(addr, trusted) {
			return addr.String()
		}
	}
	return addr.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// PublicURL is the configured address of the server, with the path
// joined to it: the base of the links it sends, never the request's Host.
func PublicURL(r *http.Request, path string) string {
	if i := info(r); i != nil && i.cfg.PublicURL != nil {
		return strings.TrimSuffix(i.cfg.PublicURL.String(), "/") + path
	}
	// Outside the server (a handler called alone) there is no address to
	// trust; a relative link is the safe answer.
	return path
}

// SecureCookies says whether cookies must be Secure: the browser reaches
// the server over HTTPS (the public URL is https, or TLS is served here).
func SecureCookies(r *http.Request) bool {
	if i := info(r); i != nil {
		return i.cfg.secure()
	}
	return r.TLS != nil
}

// LoginCookieName is the name of the login cookie: __Host-ketaflow_login
// over HTTPS, so that no other host or path may set or shadow it; the
// plain name on http (a demo on localhost), where browsers refuse the
// prefix without Secure.
func LoginCookieName(r *http.Request) string {
	if SecureCookies(r) {
		return SecureLoginCookie
	}
	return LoginCookie
}

// SetLoginCookie sets the login cookie to secret.
func SetLoginCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: LoginCookieName(r), Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: SecureCookies(r)})
}

// ClearLoginCookie removes the login cookie from the browser.
func ClearLoginCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: LoginCookieName(r), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: SecureCookies(r)})
}

// LoginSecret is the login cookie's value, or "" when there is none.
func LoginSecret(r *http.Request) string {
	if c, err := r.Cookie(LoginCookieName(r)); err == nil {
		return c.Value
	}
	return ""
}
