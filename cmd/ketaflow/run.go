package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/demo"
	"github.com/ketaflow/ketaflow/mail"
	"github.com/ketaflow/ketaflow/mllp"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/api"
	"github.com/ketaflow/ketaflow/web/ui"
)

const usage = `ketaflow runs the clinical day of a ketamine and esketamine (Spravato) clinic.

Usage:
  ketaflow serve [--addr :8080] [--demo [--clock manual]]     run the server
                 [--mllp-addr :2575]                          ...and take bedside monitors' HL7 v2 over MLLP
  ketaflow simulate-monitor [--mllp localhost:2575] [--db ...] send the demo's monitors' readings over MLLP
  ketaflow migrate [--db ...]                                 bring the database schema up to date
  ketaflow clinic add --name N --time-zone Z [--db ...]       add a clinic; prints its id
  ketaflow clinic list [--db ...]                             list the clinics with their ids
  ketaflow user add --username U --name N --role R [--db ...] add a staff account
  ketaflow token add --username U --name N [--db ...]         make an API token for a user
  ketaflow audit verify [--checkpoints FILE] [--db ...]       check that no audit entry was altered or removed
  ketaflow audit checkpoints --out FILE [--db ...]            sign the chains' heads and export every checkpoint
  ketaflow bench [--db ...] [--out DIR]                       load a synthetic history and measure the server
  ketaflow export fhir --out DIR [--db ...]                   write the clinic's records as FHIR R4 NDJSON files
  ketaflow backup --out FILE [--db ...]                       copy a SQLite database while the server runs
  ketaflow restore --from FILE [--force] [--db ...]           bring a SQLite backup back (server stopped)
  ketaflow help [COMMAND]                                     explain a command

--db is a SQLite file path (default ketaflow.db) or a postgres:// URL; the
environment variable KETAFLOW_DB sets it too. --audit-key-file (env
KETAFLOW_AUDIT_KEY_FILE) is the audit key, made beside the SQLite file
(ketaflow.db.audit-key) when absent. Run "ketaflow COMMAND --help"
for each command's flags.
`

// cli is one run of the command, with its streams and environment, so that
// tests can run it in-process.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	auditKeyFile   *string // the flag of the command being run
	auditKeyPath   string  // where open found or made the key
}

// Run runs the command line args and returns the exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = c.serve(ctx, rest)
	case "migrate":
		err = c.migrate(ctx, rest)
	case "simulate-monitor":
		err = c.simulateMonitor(ctx, rest)
	case "clinic":
		err = c.sub(ctx, "clinic", rest, map[string]func(context.Context, []string) error{"add": c.clinicAdd, "list": c.clinicList})
	case "user":
		err = c.sub(ctx, "user", rest, map[string]func(context.Context, []string) error{"add": c.userAdd})
	case "token":
		err = c.sub(ctx, "token", rest, map[string]func(context.Context, []string) error{"add": c.tokenAdd})
	case "audit":
		err = c.sub(ctx, "audit", rest, map[string]func(context.Context, []string) error{"verify": c.auditVerify,
			"checkpoints": c.auditCheckpoints})
	case "bench":
		err = c.bench(ctx, rest)
	case "export":
		err = c.sub(ctx, "export", rest, map[string]func(context.Context, []string) error{"fhir": c.exportFHIR})
	case "backup":
		err = c.backup(ctx, rest)
	case "restore":
		err = c.restore(ctx, rest)
	case "help", "-h", "--help":
		if len(rest) > 0 {
			return Run(ctx, append(rest, "--help"), stdin, stdout, stderr, getenv)
		}
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ketaflow: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "ketaflow: %s\n", describe(err))
	return 1
}

var errUsage = errors.New("usage")

// describe is an error as a person at a terminal should read it.
func describe(err error) string {
	var e *ketaflow.Error
	if errors.As(err, &e) && e.Code != ketaflow.EInternal {
		if e.Field != "" && len(e.Fields) > 1 {
			var b strings.Builder
			b.WriteString(e.Fields[0].Message)
			for _, f := range e.Fields[1:] {
				b.WriteString("; " + f.Message)
			}
			return b.String()
		}
		return e.Message
	}
	return err.Error()
}

func (c *cli) sub(ctx context.Context, name string, args []string, cmds map[string]func(context.Context, []string) error) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprintf(c.stdout, "%s", usage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	fn, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(c.stderr, "ketaflow %s: unknown subcommand %q\n", name, args[0])
		return errUsage
	}
	return fn(ctx, args[1:])
}

// flags starts a flag set that prints its own help and adds --db.
func (c *cli) flags(name, summary string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("ketaflow "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", c.env("KETAFLOW_DB", store.DefaultPath), "SQLite file path or postgres:// URL (env KETAFLOW_DB)")
	c.auditKeyFile = fs.String("audit-key-file", c.env("KETAFLOW_AUDIT_KEY_FILE", ""),
		"the audit key: seals every audit entry (HMAC-SHA256) and signs checkpoints (Ed25519); made with mode 0600 when absent (env KETAFLOW_AUDIT_KEY_FILE; default beside the SQLite file, DB.audit-key, or ketaflow-audit.key in the working directory for PostgreSQL)")
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: ketaflow %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.VisitAll(func(f *flag.Flag) {
			arg, help := flag.UnquoteUsage(f)
			fmt.Fprintf(out, "  --%s %s\n      %s", f.Name, arg, help)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(out, " (default %q)", f.DefValue)
			}
			fmt.Fprintln(out)
		})
	}
	return fs, db
}

func (c *cli) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

func (c *cli) env(key, def string) string {
	if v := c.getenv(key); v != "" {
		return v
	}
	return def
}

// open opens and migrates the database and builds the services over it,
// sealing audit entries with the audit key (made when absent).
func (c *cli) open(ctx context.Context, dsn string, log *slog.Logger, opts ...app.Option) (*app.App, func(), error) {
	return c.openKeyed(ctx, dsn, log, true, opts...)
}

// openKeyed is open; with create false a missing audit key is not made
// (audit verify reads; it never seals).
func (c *cli) openKeyed(ctx context.Context, dsn string, log *slog.Logger, create bool, opts ...app.Option) (*app.App, func(), error) {
	var given string
	if c.auditKeyFile != nil {
		given = *c.auditKeyFile
	}
	keyPath := auditKeyPath(given, dsn)
	key, created, err := loadAuditKey(keyPath, create)
	if err != nil {
		return nil, nil, err
	}
	if created {
		fmt.Fprintf(c.stderr, "audit key created: %s (keep a copy off this machine; verify needs it)\n", keyPath)
	}
	c.auditKeyPath = keyPath
	if key != nil {
		opts = append(opts, app.AuditKey(key))
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrate %s: %w", db.Location, err)
	}
	if len(applied) > 0 {
		log.Info("database migrated", "db", db.Location, "applied", applied)
	}
	a := app.New(db, ketaflow.SystemClock{}, log, opts...)
	if err := a.EnsureProtocols(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return a, func() { db.Close() }, nil
}

func (c *cli) logger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: l}))
}

func (c *cli) serve(ctx context.Context, args []string) error {
	fs, dsn := c.flags("serve", "Runs the ketaflow server: the staff pages and the JSON API (/api/v1/, described at /api/openapi.json).\nMigrates the database on start. SIGTERM or SIGINT stops it gracefully.")
	addr := fs.String("addr", c.env("KETAFLOW_ADDR", ":8080"), "address to listen on (env KETAFLOW_ADDR)")
	loadDemo := fs.Bool("demo", false, "load the fictional demo clinic into an empty database and print its logins")
	clockKind := fs.String("clock", "system", "system, or manual (with --demo only): a training clock that an admin moves forward")
	tlsCert := fs.String("tls-cert", c.env("KETAFLOW_TLS_CERT", ""), "TLS certificate file; with --tls-key serves HTTPS (env KETAFLOW_TLS_CERT)")
	tlsKey := fs.String("tls-key", c.env("KETAFLOW_TLS_KEY", ""), "TLS private key file (env KETAFLOW_TLS_KEY)")
	logLevel := fs.String("log-level", c.env("KETAFLOW_LOG_LEVEL", "info"), "debug, info, warn or error (env KETAFLOW_LOG_LEVEL)")
	publicURL := fs.String("public-url", c.env("KETAFLOW_PUBLIC_URL", ""),
		"the address people open, e.g. https://clinic.example: the base of the links sent to patients; https makes cookies Secure and turns on HSTS, also behind a proxy (env KETAFLOW_PUBLIC_URL; default http://localhost and the port of --addr, https with --tls-cert)")
	trustedProxies := fs.String("trusted-proxy", c.env("KETAFLOW_TRUSTED_PROXIES", ""),
		"comma-separated CIDR networks or addresses of the reverse proxies in front; only they may name the client in X-Forwarded-For (env KETAFLOW_TRUSTED_PROXIES; default none)")
	smtpURL := fs.String("smtp-url", c.env("KETAFLOW_SMTP_URL", ""),
		"the SMTP server that sends the patients' reminders, smtp://user:password@host:587 (STARTTLS required; env KETAFLOW_SMTP_URL; default none: the messages wait in the admin's outbox)")
	mailFrom := fs.String("mail-from", c.env("KETAFLOW_MAIL_FROM", ""),
		"the sender of the reminders, e.g. \"Clinic <reminders@clinic.example>\" (env KETAFLOW_MAIL_FROM; needed with --smtp-url)")
	mllpAddr := fs.String("mllp-addr", c.env("KETAFLOW_MLLP_ADDR", ""),
		"address to take bedside monitors' HL7 v2 messages on over MLLP, e.g. :2575 (env KETAFLOW_MLLP_ADDR; default off)")
	mllpClinic := fs.String("mllp-clinic", c.env("KETAFLOW_MLLP_CLINIC", ""),
		"the id of the clinic whose monitors send to --mllp-addr (env KETAFLOW_MLLP_CLINIC; default the database's only clinic)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	var sender *mail.SMTP
	switch {
	case *smtpURL != "":
		s, err := mail.New(mail.Config{URL: *smtpURL, From: *mailFrom})
		if err != nil {
			return fmt.Errorf("--smtp-url and --mail-from: %w", err)
		}
		sender = s
	case *mailFrom != "":
		return fmt.Errorf("--mail-from needs --smtp-url: the server that sends the mail")
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return fmt.Errorf("give both --tls-cert and --tls-key, or neither")
	}
	cfg := web.Config{TLS: *tlsCert != ""}
	var err error
	if cfg.TrustedProxies, err = web.ParseTrustedProxies(*trustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	if *publicURL != "" {
		if cfg.PublicURL, err = web.ParsePublicURL(*publicURL); err != nil {
			return fmt.Errorf("--public-url: %w", err)
		}
	}
	var opts []app.Option
	switch *clockKind {
	case "system":
	case "manual":
		if !*loadDemo {
			return fmt.Errorf("--clock manual runs only with --demo: a training clock must never stamp a real clinic's records")
		}
		opts = append(opts, app.OnTrainingClock())
	default:
		return fmt.Errorf("--clock must be system or manual, not %q", *clockKind)
	}
	log := c.logger(*logLevel)
	a, closeDB, err := c.open(ctx, *dsn, log, opts...)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := a.TrainingDatabase(ctx); err != nil {
		return err
	}
	if err := a.ResumeTrainingClock(ctx); err != nil {
		return err
	}
	if *loadDemo {
		if err := c.ensureDemo(ctx, a); err != nil {
			return err
		}
	} else if cs, err := a.Clinics(ctx); err == nil && len(cs) == 0 {
		fmt.Fprintln(c.stdout, "No clinic yet: start with --demo to try ketaflow, or add the first admin with\n  ketaflow user add --username admin --name 'Your Name' --role admin --clinic 'Clinic name' --time-zone America/New_York")
	}
	pages, err := ui.New(a, log)
	if err != nil {
		return err
	}
	if *mllpAddr != "" {
		stop, err := c.serveMLLP(ctx, a, log, *mllpAddr, *mllpClinic)
		if err != nil {
			return err
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	if cfg.PublicURL == nil {
		// The demo's default: this machine, at the port listened on.
		cfg.PublicURL = &url.URL{Scheme: scheme, Host: displayAddr(ln.Addr())}
	}
	m := app.Mail{LinkBase: strings.TrimSuffix(cfg.PublicURL.String(), "/")}
	if sender != nil {
		m.Sender = sender
	}
	a.UseMail(m)
	srv, err := web.New(a, log, cfg, api.New(a, log), pages)
	if err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// The live pages' streams end when the server stops, so that the
	// requests in flight can finish.
	hs.RegisterOnShutdown(a.Events.Close)
	go tick(ctx, a, log, escalationClock(a))
	if n, err := a.CheckpointAudit(ctx); err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	} else if n > 0 {
		log.Info("audit checkpoints signed", "chains", n)
	}
	go tick(ctx, a, log, checkpointClock(a))
	go tick(ctx, a, a.Log, mailClock(a))
	if tc := a.Training(); tc != nil {
		fmt.Fprintf(c.stdout, "Training clock: %s, %s ahead of real time; an admin moves it forward from any page (or POST /api/v1/clock).\n",
			tc.Now().Format("Mon 2 Jan 15:04 MST"), ketaflow.HumanDuration(tc.Ahead()))
	}
	fmt.Fprintf(c.stdout, "ketaflow listening on %s://%s (database: %s)\n", scheme, displayAddr(ln.Addr()), a.DB.Location)
	fmt.Fprintf(c.stdout, "audit key: %s (key %s)\n", c.auditKeyPath, a.AuditKeyID())
	if cfg.PublicURL.String() != scheme+"://"+displayAddr(ln.Addr()) {
		fmt.Fprintf(c.stdout, "public URL (for links and cookies): %s\n", cfg.PublicURL)
	}
	if sender != nil {
		fmt.Fprintf(c.stdout, "email: reminders sent through %s\n", sender.Redacted)
	} else {
		fmt.Fprintln(c.stdout, "email: no SMTP server (--smtp-url), so the reminders wait in the admin's outbox")
	}
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// In-flight requests finish; new ones are refused; then the database
	// closes (deferred above), which checkpoints SQLite's WAL.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// serveMLLP starts the listener for bedside monitors' HL7 v2 messages; stop
// ends it and waits for the messages in hand.
func (c *cli) serveMLLP(ctx context.Context, a *app.App, log *slog.Logger, addr, clinicID string) (stop func(), err error) {
	if clinicID == "" {
		cs, err := a.Clinics(ctx)
		if err != nil {
			return nil, err
		}
		if len(cs) != 1 {
			return nil, fmt.Errorf("--mllp-addr: the database has %d clinics; name the one whose monitors send with --mllp-clinic (ketaflow clinic list)", len(cs))
		}
		clinicID = cs[0].ID
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for MLLP on %s: %w", addr, err)
	}
	l := &mllp.Listener{App: a, ClinicID: clinicID, Log: log}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.Serve(lctx, ln) }()
	fmt.Fprintf(c.stdout, "bedside monitors: HL7 v2 over MLLP on %s\n", displayAddr(ln.Addr()))
	return func() {
		cancel()
		if err := <-done; err != nil {
			log.Error("mllp listener", "err", err)
		}
	}, nil
}

// simulateMonitor sends the demo's bedside monitors' readings to a
// server's MLLP listener, as a monitoring gateway would: SpO2 and pulse
// every few seconds for each chair with a session under way, a blood
// pressure every few minutes, and a desaturation episode on the first.
func (c *cli) simulateMonitor(ctx context.Context, args []string) error {
	fs, dsn := c.flags("simulate-monitor", "Sends realistic bedside monitor readings (HL7 v2 ORU^R01 over MLLP) for the demo clinic's chairs\nwith a session under way, with a desaturation episode on the first: start the server with\nserve --demo --mllp-addr :2575, then this beside it. Ctrl-C stops it.")
	addr := fs.String("mllp", c.env("KETAFLOW_MLLP_ADDR", "localhost:2575"), "the server's MLLP listener (env KETAFLOW_MLLP_ADDR)")
	every := fs.Duration("every", 5*time.Second, "how often each monitor sends SpO2 and pulse")
	nibp := fs.Duration("nibp-every", 2*time.Minute, "how often each cuff measures a blood pressure")
	rounds := fs.Int("rounds", 0, "send this many rounds and stop (0: until stopped)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *every < time.Second {
		return fmt.Errorf("--every must be at least 1s")
	}
	a, closeDB, err := c.open(ctx, *dsn, c.logger("warn"))
	if err != nil {
		return err
	}
	beds, err := demo.ActiveBeds(ctx, a)
	var zone *time.Location
	if err == nil {
		var cs []ketaflow.Clinic
		if cs, err = a.Clinics(ctx); err == nil {
			for _, cl := range cs {
				if cl.Name == demo.ClinicName {
					zone = cl.Location()
				}
			}
		}
	}
	closeDB()
	if err != nil {
		return fmt.Errorf("the demo clinic's monitors (load it with serve --demo): %w", err)
	}
	if len(beds) == 0 {
		return fmt.Errorf("no demo chair has a session under way: nothing to monitor")
	}
	for _, b := range beds {
		what := "normal"
		if b.Desats {
			what = "a desaturation for 40 s every 4 min, from the first minute"
		}
		fmt.Fprintf(c.stdout, "monitor %s on %s: %s\n", b.Key, b.Chair, what)
	}
	sim := &demo.Simulator{Addr: *addr, Beds: beds, Every: *every, NIBPEvery: *nibp, Zone: zone, Out: c.stdout}
	return sim.Run(ctx, *rounds)
}

// escalationEvery is how often the server looks for alerts whose time to
// be acknowledged has passed: the escalations that come due while nobody
// reads the alerts then reach the prescriber's screen and the navigation
// count within seconds (reads record the ones they notice themselves).
const escalationEvery = 10 * time.Second

// mailEvery is how often serve looks for reminders that came due.
const mailEvery = 15 * time.Second

// checkpointEvery is how often serve signs the heads of the chains that
// moved (audit.CheckpointEvery entries sign one as well).
const checkpointEvery = time.Hour

// periodic is a round of background work serve runs on a ticker: it
// returns how many things it did, for the log.
type periodic struct {
	every time.Duration
	// holds: the round writes, so on a training server it holds the clock
	// still, as every write request does (web.Server).
	holds      bool
	fail, done string // the log's words for an error and for work done
	run        func(context.Context) (int, error)
}

func escalationClock(a *app.App) periodic {
	return periodic{escalationEvery, true, "record alert escalations", "alert escalations recorded", a.RecordEscalations}
}

func mailClock(a *app.App) periodic {
	return periodic{mailEvery, true, "send queued email", "queued email handled", a.SendDue}
}

func checkpointClock(a *app.App) periodic {
	return periodic{checkpointEvery, false, "audit checkpoint", "audit checkpoints signed", a.CheckpointAudit}
}

// tick runs p every p.every until ctx ends. The ticker only wakes it; the
// time that counts is the app's clock.
func tick(ctx context.Context, a *app.App, log *slog.Logger, p periodic) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			release := func() {}
			if tc := a.Training(); tc != nil && p.holds {
				release = tc.Hold()
			}
			n, err := p.run(ctx)
			release()
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error(p.fail, "err", err)
			case err == nil && n > 0:
				log.Info(p.done, "count", n)
			}
		}
	}
}

// displayAddr turns ":8080" or "[::]:8080" into "localhost:8080", which a
// browser on this machine can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func (c *cli) ensureDemo(ctx context.Context, a *app.App) error {
	loaded, err := demo.Loaded(ctx, a)
	if err != nil {
		return err
	}
	if !loaded {
		link, _ := os.Readlink("/etc/localtime")
		tz := localZone(c.getenv("TZ"), link, time.Local.String())
		if _, err := demo.Load(ctx, a, tz); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Loaded the demo clinic: %s, in this machine's time zone %s\n", demo.ClinicName, tz)
	}
	fmt.Fprintln(c.stdout, "Demo logins (fictional clinic; never use these for real patients):")
	for _, l := range demo.Logins {
		fmt.Fprintf(c.stdout, "  %-11s %-20s %s, %s\n", l.Username, l.Password, l.Name, l.Role.Label())
	}
	return nil
}

// localZone is this machine's IANA time zone, for the demo clinic: the
// zone $TZ names (a name, or a path into a zoneinfo folder), else the one
// /etc/localtime links to, else time.Local's name; UTC when none of them
// is a zone name ("Local" is not: it is Go's name for an unnamed zone).
func localZone(tzEnv, localtimeLink, localName string) string {
	for _, z := range []string{tzEnv, localtimeLink, localName} {
		z = strings.TrimPrefix(z, ":")
		if _, name, ok := strings.Cut(z, "zoneinfo/"); ok {
			z = name
		}
		if z == "" || z == "Local" || strings.HasPrefix(z, "/") {
			continue
		}
		if _, err := time.LoadLocation(z); err == nil {
			return z
		}
	}
	return "UTC"
}

func (c *cli) migrate(ctx context.Context, args []string) error {
	fs, dsn := c.flags("migrate", "Applies every database migration not applied yet (serve does this on start too).")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(c.stdout, "%s is up to date\n", db.Location)
	} else {
		fmt.Fprintf(c.stdout, "%s: applied migrations %v\n", db.Location, applied)
	}
	return nil
}

func (c *cli) clinicAdd(ctx context.Context, args []string) error {
	fs, dsn := c.flags("clinic add", "Adds a clinic to the database (one PostgreSQL database can hold many) and prints its id.\nStaff it with \"ketaflow user add --clinic-id ID\"; its users see only its patients.")
	name := fs.String("name", "", "the clinic's name as staff see it")
	tz := fs.String("time-zone", "", "the clinic's IANA time zone, e.g. America/New_York; times are shown in it")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	a, closeDB, err := c.open(ctx, *dsn, c.logger("warn"))
	if err != nil {
		return err
	}
	defer closeDB()
	cl, err := a.CreateClinic(ctx, *name, *tz)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, cl.ID)
	fmt.Fprintf(c.stderr, "added clinic %s (%s); add its first admin with\n  ketaflow user add --clinic-id %s --username admin --name 'Your Name' --role admin\n",
		cl.Name, cl.TimeZone, cl.ID)
	return nil
}

func (c *cli) clinicList(ctx context.Context, args []string) error {
	fs, dsn := c.flags("clinic list", "Lists the clinics of the database with their ids (for user add --clinic-id) and time zones.")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	a, closeDB, err := c.open(ctx, *dsn, c.logger("warn"))
	if err != nil {
		return err
	}
	defer closeDB()
	cs, err := a.Clinics(ctx)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		fmt.Fprintln(c.stdout, "no clinic yet: add one with ketaflow clinic add --name NAME --time-zone ZONE")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTIME ZONE")
	for _, cl := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", cl.ID, cl.Name, cl.TimeZone)
	}
	return tw.Flush()
}

func (c *cli) userAdd(ctx context.Context, args []string) error {
	fs, dsn := c.flags("user add", "Adds a staff account. The password is read from the environment variable KETAFLOW_PASSWORD\nor, if that is unset, generated and printed once. Without a clinic in the database,\n--clinic and --time-zone create it; with several, --clinic-id (see \"ketaflow clinic list\")\nor --clinic NAME says which one the user joins.")
	username := fs.String("username", "", "login name (3-40 lowercase letters, digits, . _ -)")
	name := fs.String("name", "", "the person's name as staff see it")
	role := fs.String("role", "", "frontdesk, nurse, prescriber, therapist or admin")
	clinicName := fs.String("clinic", "", "the clinic to join by name, or to create when the database has none")
	tz := fs.String("time-zone", "", "clinic time zone (IANA, e.g. America/New_York), when creating the first clinic")
	clinicID := fs.String("clinic-id", "", "the id of the clinic to join (ketaflow clinic list shows them)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	log := c.logger("warn")
	a, closeDB, err := c.open(ctx, *dsn, log)
	if err != nil {
		return err
	}
	defer closeDB()
	password, generated := c.getenv("KETAFLOW_PASSWORD"), false
	if password == "" {
		b := make([]byte, 12)
		rand.Read(b)
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	in := app.NewUser{Username: *username, Name: *name, Role: access.Role(strings.ToLower(*role)), Password: password}
	clinic, err := c.pickClinic(ctx, a, *clinicID, *clinicName)
	var u access.User
	switch {
	case errors.Is(err, errNoClinic):
		if *clinicName == "" || *tz == "" {
			return fmt.Errorf("the database has no clinic yet: give --clinic NAME and --time-zone ZONE to create it")
		}
		if clinic, u, err = a.CreateClinicWithUser(ctx, *clinicName, *tz, in); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "created clinic %s (%s)\n", clinic.Name, clinic.TimeZone)
	case err != nil:
		return err
	default:
		if *tz != "" && *tz != clinic.TimeZone {
			return fmt.Errorf("clinic %s is in time zone %s: --time-zone only creates the first clinic (an admin changes the zone under Clinic)", clinic.Name, clinic.TimeZone)
		}
		if u, err = a.AddUserFromCommandLine(ctx, clinic.ID, in); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "added %s (%s) to %s\n", u.Username, u.Role.Label(), clinic.Name)
	if generated {
		fmt.Fprintf(c.stdout, "password: %s\n(shown once; they can change it under Account)\n", password)
	}
	return nil
}

var errNoClinic = errors.New("no clinic")

// pickClinic finds the clinic a command works on: the one given by id, the
// one of that name, or the only one. A name that no clinic has is refused
// rather than joined to another clinic: a second clinic is made with
// "clinic add".
func (c *cli) pickClinic(ctx context.Context, a *app.App, id, name string) (ketaflow.Clinic, error) {
	cs, err := a.Clinics(ctx)
	if err != nil {
		return ketaflow.Clinic{}, err
	}
	name = strings.TrimSpace(name)
	switch {
	case id != "":
		for _, cl := range cs {
			if cl.ID == id {
				return cl, nil
			}
		}
		return ketaflow.Clinic{}, fmt.Errorf("no clinic has the id %q; ketaflow clinic list shows the clinics and their ids", id)
	case len(cs) == 0:
		return ketaflow.Clinic{}, errNoClinic
	case name != "":
		var named []ketaflow.Clinic
		for _, cl := range cs {
			if strings.EqualFold(cl.Name, name) {
				named = append(named, cl)
			}
		}
		switch len(named) {
		case 1:
			return named[0], nil
		case 0:
			return ketaflow.Clinic{}, fmt.Errorf("no clinic is named %q; to add one, run\n  ketaflow clinic add --name %q --time-zone ZONE\nthen give its id to user add --clinic-id", name, name)
		}
		cs = named
	case len(cs) == 1:
		return cs[0], nil
	}
	var names []string
	for _, cl := range cs {
		names = append(names, cl.ID+" "+cl.Name)
	}
	return ketaflow.Clinic{}, fmt.Errorf("the database holds several clinics; give --clinic-id, one of:\n  %s", strings.Join(names, "\n  "))
}

func (c *cli) tokenAdd(ctx context.Context, args []string) error {
	fs, dsn := c.flags("token add", "Makes an API token for a user, for a program that calls the JSON API with\n\"Authorization: Bearer TOKEN\". The token is printed once. It ends after the clinic's\nsetting (security.api_token_days, 90 days by default) and is revoked when the user's\npassword changes.")
	username := fs.String("username", "", "the user the token acts as")
	name := fs.String("name", "", "what will use the token")
	scopes := fs.String("scopes", "read,write", "what the token may do: read, write, device (device ingest), comma-separated")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	a, closeDB, err := c.open(ctx, *dsn, c.logger("warn"))
	if err != nil {
		return err
	}
	defer closeDB()
	secret, err := a.CreateAPITokenFromCommandLine(ctx, *username, *name, *scopes)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, secret)
	return nil
}

func (c *cli) auditVerify(ctx context.Context, args []string) error {
	fs, dsn := c.flags("audit verify", "Recomputes the hash chain of every clinic found in the audit log, keyed entries with the\naudit key, compares each chain with its signed checkpoints (and those of --checkpoints, a\ncopy exported off the machine), and names the first entry that was altered, removed or\nreordered, or a tail cut off with its head rewound. Exits 1 if any was.")
	exported := fs.String("checkpoints", "", "a file written by ketaflow audit checkpoints --out, kept off this machine")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	var cps []audit.Checkpoint
	if *exported != "" {
		var err error
		if cps, err = readCheckpoints(*exported); err != nil {
			return err
		}
	}
	a, closeDB, err := c.openKeyed(ctx, *dsn, c.logger("warn"), false)
	if err != nil {
		return err
	}
	defer closeDB()
	if a.AuditKeyID() == "" {
		fmt.Fprintf(c.stdout, "no audit key at %s: legacy entries and hash links only; keyed entries and checkpoints cannot be checked\n", c.auditKeyPath)
	}
	r, err := a.VerifyAudit(ctx, cps...)
	if err != nil {
		return err
	}
	if len(r.Problems) == 0 {
		fmt.Fprintf(c.stdout, "audit log intact: %d entries in %d chains verified (%d legacy, unkeyed), %d signed checkpoints matched\n",
			r.Entries, r.Chains, r.Legacy, r.Checkpoints)
		return nil
	}
	for _, p := range r.Problems {
		fmt.Fprintf(c.stdout, "TAMPERED: %s\n", p)
	}
	return fmt.Errorf("audit log altered: %d problem(s) found", len(r.Problems))
}

// checkpointFile is what audit checkpoints --out writes: the checkpoints
// with the public key that checks them.
type checkpointFile struct {
	KeyID       string             `json:"key_id"`
	PublicKey   string             `json:"ed25519_public_key"`
	Checkpoints []audit.Checkpoint `json:"checkpoints"`
}

func (c *cli) auditCheckpoints(ctx context.Context, args []string) error {
	fs, dsn := c.flags("audit checkpoints", "Signs the head of every chain that moved, then writes every signed checkpoint to --out\n(JSON), to keep off this machine: audit verify --checkpoints FILE then detects a tail cut\noff or a head rewound since, even by someone who can write the database.")
	out := fs.String("out", "", "the file to write (- for standard output)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("give --out FILE")
	}
	a, closeDB, err := c.open(ctx, *dsn, c.logger("warn"))
	if err != nil {
		return err
	}
	defer closeDB()
	if _, err := a.CheckpointAudit(ctx); err != nil {
		return err
	}
	cps, err := a.AuditCheckpoints(ctx)
	if err != nil {
		return err
	}
	f := checkpointFile{KeyID: a.AuditKeyID(), PublicKey: a.AuditPublicKey(), Checkpoints: cps}
	if f.Checkpoints == nil {
		f.Checkpoints = []audit.Checkpoint{}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if *out == "-" {
		_, err = c.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return fmt.Errorf("write checkpoints: %w", err)
	}
	fmt.Fprintf(c.stdout, "%d checkpoints written to %s\n", len(cps), *out)
	return nil
}

func readCheckpoints(path string) ([]audit.Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--checkpoints: %w", err)
	}
	var f checkpointFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("--checkpoints %s: not a file of ketaflow audit checkpoints: %w", path, err)
	}
	return f.Checkpoints, nil
}
