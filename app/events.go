package app

import (
	"context"
	"sync"

	"github.com/ketaflow/ketaflow/access"
)

// What changed, for the pages that show it live. An event carries no
// patient data: a page that hears one reads what it shows again, through
// the audited services.
const (
	TopicAlerts = "alerts" // an alert was raised, acknowledged, resolved or escalated
	TopicVisit  = "visit"  // a visit was written (a step, a reading, a fact)
)

// Event says that something of a clinic changed. ID counts up from 1 in
// the process, so that a client that reconnects can say where it was.
type Event struct {
	ID       uint64
	ClinicID string
	Topic    string
	VisitID  string
}

// Broker hands the events the writes publish, after they commit, to the
// clinic's subscribers in this process. A subscriber that falls behind
// (its buffer is full) is dropped: its channel closes, and the page
// reconnects and reads everything again. It is a hub, not a log: an event
// nobody listens for is gone.
//
// It is in one process: with several servers on one PostgreSQL database, an
// event reaches only the pages open on the server that made it, and the
// others show the change when they next read (README, "Run one server per
// database for now"). Carrying events between servers (LISTEN/NOTIFY) is a
// later issue.
type Broker struct {
	mu     sync.Mutex
	seq    uint64
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	clinicID string
	ch       chan Event
}

// subscriberBuffer is how many events a subscriber may fall behind.
const subscriberBuffer = 32

// NewBroker returns a broker with no subscribers.
func NewBroker() *Broker { return &Broker{subs: map[*subscriber]struct{}{}} }

// Subscribe returns a channel of the clinic's events and the function that
// ends the subscription. The channel closes when the subscription ends,
// falls behind, or the broker closes.
func (b *Broker) Subscribe(clinicID string) (<-chan Event, func()) {
	s := &subscriber{clinicID: clinicID, ch: make(chan Event, subscriberBuffer)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(s.ch)
		return s.ch, func() {}
	}
	b.subs[s] = struct{}{}
	return s.ch, func() { b.drop(s) }
}

func (b *Broker) drop(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.ch)
	}
}

// Publish numbers the events and hands them to their clinic's subscribers,
// never waiting for one.
func (b *Broker) Publish(events ...Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range events {
		b.seq++
		e.ID = b.seq
		for s := range b.subs {
			if s.clinicID != e.ClinicID {
				continue
			}
			select {
			case s.ch <- e:
			default:
				delete(b.subs, s)
				close(s.ch)
			}
		}
	}
}

// Close ends every subscription: the server is stopping, and the streams
// that wait on the broker end so that the requests in flight can finish.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for s := range b.subs {
		delete(b.subs, s)
		close(s.ch)
	}
}

// publish hands the events of a committed call to the broker.
// publish hands events to the subscribers once the transaction of ctx has
// committed (at once, unless the request holds one: store.Hold).
func (a *App) publish(ctx context.Context, events []Event) {
	if a.Events != nil && len(events) > 0 {
		a.DB.AfterCommit(ctx, func() { a.Events.Publish(events...) })
	}
}

// Watch subscribes a clinical user to their clinic's events, for a live
// page; the events say only what changed, never what it is. The
// subscription ends when cancel is called or ctx ends.
func (a *App) Watch(ctx context.Context, actor access.Actor) (<-chan Event, func(), error) {
	if err := a.allow(ctx, actor, op{Action: access.AlertRead, Category: access.CatClinical}); err != nil {
		return nil, nil, err
	}
	ch, cancel := a.Events.Subscribe(actor.ClinicID)
	return ch, cancel, nil
}
