package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// ProtocolVersion is a saved version of a clinic's protocol with its
// author's name.
type ProtocolVersion struct {
	protocol.Version
	CreatedByName string
}

func protocolVersion(r store.ProtocolVersionRow) ProtocolVersion {
	return ProtocolVersion{Version: r.Version, CreatedByName: r.CreatedByName}
}

// protocolCache keeps each clinic's current protocol for a short while: it
// is read on every request (the staff idle timeout lives in it) and changes
// rarely. A save in this process clears it at once; other processes on the
// same PostgreSQL see the change within protocolTTL.
type protocolCache struct {
	mu sync.Mutex
	m  map[string]cachedProtocol
	// gen counts the clears: a read that began before a clear does not
	// store what it read, which may be the version the clear replaced
	// (fifty editors at once kept reading a stale version for protocolTTL).
	gen uint64
}

type cachedProtocol struct {
	v  ProtocolVersion
	at time.Time
}

const protocolTTL = 30 * time.Second

// defaultsAuthor names who wrote version 1 of every clinic's protocol.
const defaultsAuthor = "ketaflow defaults"

// initialProtocol makes version 1 of a new clinic's protocol: the defaults.
func (a *App) initialProtocol(tx *store.Tx, clinicID string, demo bool) error {
	rules, reason := protocol.Default(), "the defaults of ketaflow, from the patient guide, the Spravato label and REMS"
	if demo {
		// The demo clinic's people and passwords are fictional and
		// published (README): a second factor would protect nothing, and
		// would stand between a visitor and the clinic's day. Its admin
		// may turn it on to try it.
		rules.Security.TwoFactorAdmins, rules.Security.TwoFactorPrescribers = false, false
		reason += "; no second factor in the demo clinic, whose logins are published"
	}
	if a.startingRules != nil {
		a.startingRules(&rules)
	}
	return tx.InsertProtocolVersion(protocol.Version{ID: ketaflow.NewID(), ClinicID: clinicID, Number: 1,
		Rules: rules, CreatedAt: a.Clock.Now(), CreatedBy: defaultsAuthor, Reason: reason})
}

// EnsureProtocols gives every clinic without a protocol the defaults as
// version 1 (clinics created before protocols were versioned).
func (a *App) EnsureProtocols(ctx context.Context) error {
	cs, err := a.Clinics(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		err := a.DB.Transact(ctx, func(tx *store.Tx) error {
			_, err := tx.CurrentProtocol(c.ID)
			if ketaflow.IsCode(err, ketaflow.ENotFound) {
				return a.initialProtocol(tx, c.ID, c.Demo)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("protocol of clinic %s: %w", c.Name, err)
		}
	}
	return nil
}

// currentProtocol returns a clinic's current protocol, from the cache when
// fresh. It is not audited: the rules are not patient data.
func (a *App) currentProtocol(ctx context.Context, clinicID string) (ProtocolVersion, error) {
	now := a.Clock.Now()
	a.protocols.mu.Lock()
	c, ok := a.protocols.m[clinicID]
	gen := a.protocols.gen
	a.protocols.mu.Unlock()
	if ok && now.Sub(c.at) < protocolTTL {
		return c.v, nil
	}
	var v ProtocolVersion
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		row, err := tx.CurrentProtocol(clinicID)
		v = protocolVersion(row)
		return err
	})
	if err != nil || a.DB.Held(ctx) {
		return v, err // a held transaction's read may yet roll back
	}
	a.protocols.mu.Lock()
	if a.protocols.m == nil {
		a.protocols.m = map[string]cachedProtocol{}
	}
	if a.protocols.gen == gen {
		a.protocols.m[clinicID] = cachedProtocol{v: v, at: now}
	}
	a.protocols.mu.Unlock()
	return v, nil
}

// Protocol returns the actor's clinic's current protocol.
func (a *App) Protocol(ctx context.Context, actor access.Actor) (ProtocolVersion, error) {
	if err := a.allow(ctx, actor, op{Action: access.ProtocolRead, Category: access.CatProtocol}); err != nil {
		return ProtocolVersion{}, err
	}
	return a.currentProtocol(ctx, actor.ClinicID)
}

// ProtocolVersions lists every version of the actor's clinic's protocol,
// newest first.
func (a *App) ProtocolVersions(ctx context.Context, actor access.Actor) ([]ProtocolVersion, error) {
	if err := a.allow(ctx, actor, op{Action: access.ProtocolRead, Category: access.CatProtocol}); err != nil {
		return nil, err
	}
	var out []ProtocolVersion
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.ProtocolVersions(actor.ClinicID)
		for _, r := range rows {
			out = append(out, protocolVersion(r))
		}
		return err
	})
	return out, err
}

// ProtocolVersionByNumber returns one version, so that a visit can show the
// rules it was judged by.
func (a *App) ProtocolVersionByNumber(ctx context.Context, actor access.Actor, number int) (ProtocolVersion, error) {
	if err := a.allow(ctx, actor, op{Action: access.ProtocolRead, Category: access.CatProtocol}); err != nil {
		return ProtocolVersion{}, err
	}
	var v ProtocolVersion
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		row, err := tx.ProtocolVersion(actor.ClinicID, number)
		v = protocolVersion(row)
		return err
	})
	return v, err
}

// SaveProtocol makes a new protocol version from the current one with the
// settings in values changed (key -> text, as the admin form posts them).
// basedOn is the version the admin edited: if another version was saved
// since, the save is refused rather than silently undoing it. Every value is
// checked against its allowed range and the rules against each other; on
// any problem nothing is saved and every problem is named.
func (a *App) SaveProtocol(ctx context.Context, actor access.Actor, basedOn int, values map[string]string, reason string) (ProtocolVersion, []protocol.Change, error) {
	var saved ProtocolVersion
	var changes []protocol.Change
	reason = strings.TrimSpace(reason)
	err := a.do(ctx, actor, op{Action: access.ProtocolEdit, Category: access.CatProtocol}, func(tx *store.Tx, o *op) error {
		cur, err := tx.CurrentProtocol(actor.ClinicID)
		if err != nil {
			return err
		}
		if basedOn != cur.Number {
			return &ketaflow.Error{Code: ketaflow.EPrecondition, Field: "based_on", Message: fmt.Sprintf(
				"version %d was saved since you opened version %d; reload to see it, then make your change again", cur.Number, basedOn)}
		}
		next, err := cur.Rules.Apply(values)
		if err != nil {
			return err
		}
		changes = protocol.Diff(cur.Rules, next)
		if len(changes) == 0 {
			return ketaflow.Invalid("", "nothing was changed")
		}
		if len(reason) < 5 || len(reason) > 500 {
			return ketaflow.Invalid("reason", "say why the protocol changes (5 to 500 characters); it is kept with the version")
		}
		saved = ProtocolVersion{Version: protocol.Version{ID: ketaflow.NewID(), ClinicID: actor.ClinicID, Number: cur.Number + 1,
			Rules: next, CreatedAt: a.Clock.Now(), CreatedBy: actor.UserID, Reason: reason}, CreatedByName: actor.Name}
		if err := tx.InsertProtocolVersion(saved.Version); err != nil {
			return err
		}
		var b strings.Builder
		for i, c := range changes {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s %s -> %s", c.Key, c.From, c.To)
		}
		o.Detail = fmt.Sprintf("version %d: %s; reason: %s", saved.Number, b.String(), reason)
		return nil
	})
	if err == nil {
		forget := func() {
			a.protocols.mu.Lock()
			delete(a.protocols.m, actor.ClinicID)
			a.protocols.gen++
			a.protocols.mu.Unlock()
		}
		forget()
		a.DB.AfterCommit(ctx, forget) // a read before the commit cached the old one
	}
	return saved, changes, err
}
