// Package mail sends ketaflow's emails to patients over SMTP, through
// github.com/wneessen/go-mail: a maintained client that speaks STARTTLS,
// SMTP AUTH and contexts, so that ketaflow does not write its own. It is
// the one package that knows SMTP; the app sees it as an app.Sender.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/ketaflow/ketaflow/reminders"
)

// Config is where and as whom ketaflow sends.
type Config struct {
	// URL is smtp://user:password@host:port: STARTTLS is required (a
	// server that does not offer it is refused, so that no patient's email
	// crosses the network in clear); the port defaults to 587 and the user
	// and password may be left out for a server that needs no login.
	URL string
	// From is the sender's address, "Clinic <reminders@clinic.example>".
	From string
	// TLS is the TLS configuration of STARTTLS; nil trusts the system's
	// certificate authorities. Tests give their own.
	TLS *tls.Config
}

// SMTP sends email through one SMTP server. It dials for each message, so
// a server restarted between two messages costs nothing.
type SMTP struct {
	host     string
	port     int
	user     string
	password string
	from     string
	tls      *tls.Config
	// Redacted is the server's URL without the password, for logs.
	Redacted string
}

// New checks the configuration and returns the sender; the error names
// what is wrong.
func New(c Config) (*SMTP, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, fmt.Errorf("the SMTP URL does not parse: give smtp://user:password@host:587")
	}
	if u.Scheme != "smtp" {
		return nil, fmt.Errorf("the SMTP URL must start with smtp:// (STARTTLS), not %q", u.Scheme+"://")
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("the SMTP URL names no host: give smtp://user:password@host:587")
	}
	port := 587
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("the SMTP URL's port %q is not a port number", p)
		}
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return nil, fmt.Errorf("the SMTP URL takes no path or query: give smtp://user:password@host:587")
	}
	from := strings.TrimSpace(c.From)
	if from == "" {
		return nil, fmt.Errorf("give the sender's address (--mail-from), e.g. \"Clinic <reminders@clinic.example>\"")
	}
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("the sender's address %q is not a valid address: %w", from, err)
	}
	s := &SMTP{host: host, port: port, from: from, tls: c.TLS, Redacted: u.Redacted()}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// sendError is a failed send, with whether trying again may help.
type sendError struct {
	err       error
	permanent bool
}

func (e *sendError) Error() string   { return e.err.Error() }
func (e *sendError) Unwrap() error   { return e.err }
func (e *sendError) Permanent() bool { return e.permanent }

// Send sends one message. id becomes its Message-ID, the same on every try
// of the same queued message. A recipient the server refuses for good (a
// 5xx answer to RCPT TO) is a permanent error; every other failure may
// pass.
func (s *SMTP) Send(ctx context.Context, id string, m reminders.Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return &sendError{err: err, permanent: true}
	}
	if err := msg.To(m.To); err != nil {
		return &sendError{err: fmt.Errorf("the address %q is not valid: %w", m.To, err), permanent: true}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(id + "@ketaflow")
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTLSPolicy(gomail.TLSMandatory)}
	if s.tls != nil {
		opts = append(opts, gomail.WithTLSConfig(s.tls))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	if d, ok := ctx.Deadline(); ok {
		opts = append(opts, gomail.WithTimeout(max(time.Second, time.Until(d))))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return &sendError{err: err}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		perm := errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && se.ErrorCode() >= 500
		var ne net.Error
		if errors.As(err, &ne) {
			perm = false
		}
		return &sendError{err: err, permanent: perm}
	}
	return nil
}
