package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
)

// What changed, for the pages that show it live. An event carries no
// patient data: a page that hears one reads what it shows again, through
// the audited services.
const (
	TopicAlerts = "alerts" // an alert was raised, acknowledged, resolved or escalated
	TopicVisit  = "visit"  // a visit was written (a step, a reading, a fact)
	// TopicFloor: a chair was added, renamed or taken out of (or back
	// into) service, or the clinic changed how the board names patients.
	TopicFloor = "floor"
	// TopicIntegration: an integration session became due (a discharge),
	// was booked or held; the board's footer and the worklists read
	// again.
	TopicIntegration = "integration"
	// TopicResync says that events may have been missed (another server's,
	// while the connection that hears them was down; or from before the
	// reader's last event, which the server no longer has): a page reads
	// everything it shows again.
	TopicResync = "resync"
)

// Event says that something of a clinic changed. ID counts up from 1 in
// the broker, so that a client that reconnects can say where it was
// (Cursor). An event with no ClinicID (a resync) is for every clinic.
type Event struct {
	ID       uint64
	ClinicID string
	Topic    string
	VisitID  string
}

// Broker hands the events the writes publish, after they commit, to the
// clinic's subscribers in this process, and keeps the last recentEvents
// so that a page that lost its stream can resume from its last event
// without missing one (SubscribeFrom). A subscriber that falls behind (its
// buffer is full) is dropped: its channel closes, and the page reconnects
// from its last event. With PostgreSQL the events of the other servers of
// the database reach it too (App.Relay).
type Broker struct {
	mu sync.Mutex
	// epoch names this broker's numbering: an event id of another server,
	// or of this one before it restarted, is not taken for one of ours.
	epoch  string
	seq    uint64
	recent []Event // the last recentEvents, oldest first
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	clinicID string
	ch       chan Event
}

// subscriberBuffer is how many events a subscriber may fall behind.
const subscriberBuffer = 32

// recentEvents is how many events a broker keeps for the pages that
// reconnect: at one write a second, over ten minutes of a dropped
// connection.
const recentEvents = 1024

// NewBroker returns a broker with no subscribers.
func NewBroker() *Broker {
	b := make([]byte, 4)
	rand.Read(b)
	return &Broker{subs: map[*subscriber]struct{}{}, epoch: hex.EncodeToString(b)}
}

// Subscribers is how many subscriptions the broker holds now (open pages
// and board streams), for the operators' metrics.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Cursor is an event's id on the wire (the SSE id): the broker's epoch and
// the event's number, "3f9a1c02-17".
func (b *Broker) Cursor(e Event) string { return b.cursorAt(e.ID) }

// Latest is the cursor of the last event published, to resume a stream
// from: a page read after it hears what comes next.
func (b *Broker) Latest() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cursorAt(b.seq)
}

func (b *Broker) cursorAt(seq uint64) string { return b.epoch + "-" + strconv.FormatUint(seq, 10) }

// Subscribe returns a channel of the clinic's events and the function that
// ends the subscription. The channel closes when the subscription ends,
// falls behind, or the broker closes.
func (b *Broker) Subscribe(clinicID string) (<-chan Event, func()) {
	_, ch, _, cancel := b.SubscribeFrom(clinicID, "")
	return ch, cancel
}

// SubscribeFrom subscribes as Subscribe does, from after the event whose
// cursor is last: it returns the clinic's events since then that the
// broker still has, to send before those of the channel (nothing is lost
// or repeated between the two). resync is set when last is given and the
// broker cannot say what came after it (an id of another server or of
// this one before a restart, or older than the events kept): the page must
// read everything again.
func (b *Broker) SubscribeFrom(clinicID, last string) (missed []Event, ch <-chan Event, resync bool, cancel func()) {
	missed, ch, resync, _, cancel = b.subscribeFrom(clinicID, last)
	return missed, ch, resync, cancel
}

// subscribeFrom is SubscribeFrom that also returns the cursor of the last
// event published when it subscribed.
func (b *Broker) subscribeFrom(clinicID, last string) (missed []Event, ch <-chan Event, resync bool, at string, cancel func()) {
	s := &subscriber{clinicID: clinicID, ch: make(chan Event, subscriberBuffer)}
	b.mu.Lock()
	defer b.mu.Unlock()
	at = b.cursorAt(b.seq)
	if last != "" {
		missed, resync = b.since(clinicID, last)
	}
	if b.closed {
		close(s.ch)
		return missed, s.ch, resync, at, func() {}
	}
	b.subs[s] = struct{}{}
	return missed, s.ch, resync, at, func() { b.drop(s) }
}

// since lists the clinic's kept events after the cursor last; b.mu is held.
func (b *Broker) since(clinicID, last string) ([]Event, bool) {
	epoch, n, ok := strings.Cut(last, "-")
	seq, err := strconv.ParseUint(n, 10, 64)
	if !ok || err != nil || epoch != b.epoch || seq > b.seq {
		return nil, true
	}
	if len(b.recent) > 0 && seq+1 < b.recent[0].ID {
		return nil, true // the events just after it are no longer kept
	}
	var out []Event
	for _, e := range b.recent {
		if e.ID > seq && eventFor(e, clinicID) {
			out = append(out, e)
		}
	}
	return out, false
}

// eventFor reports whether an event is for a clinic's subscribers.
func eventFor(e Event, clinicID string) bool { return e.ClinicID == "" || e.ClinicID == clinicID }

func (b *Broker) drop(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.ch)
	}
}

// Publish numbers the events, keeps them, and hands them to their clinic's
// subscribers, never waiting for one.
func (b *Broker) Publish(events ...Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range events {
		b.seq++
		e.ID = b.seq
		if len(b.recent) == recentEvents {
			b.recent = append(b.recent[:0], b.recent[1:]...)
		}
		b.recent = append(b.recent, e)
		for s := range b.subs {
			if !eventFor(e, s.clinicID) {
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

// EventsChannel is the PostgreSQL channel on which the servers of one
// database tell each other of their events.
const EventsChannel = "ketaflow_events"

// relayed is an event as it travels between servers: who sent it, so
// that a server does not hear its own events twice, and what changed.
type relayed struct {
	Origin   string `json:"o"`
	ClinicID string `json:"c"`
	Topic    string `json:"t"`
	VisitID  string `json:"v,omitempty"`
}

// publish hands events to the subscribers once the transaction of ctx has
// committed (at once, unless the request holds one: store.Hold): to the
// broker, and, on PostgreSQL, to the other servers of the database
// (Relay).
func (a *App) publish(ctx context.Context, events []Event) {
	if a.Events != nil && len(events) > 0 {
		a.DB.AfterCommit(ctx, func() { a.broadcast(events) })
	}
}

// broadcast sends committed events. A notice that cannot be sent is
// logged: the write has committed, and the other servers' pages show it
// when they next read.
func (a *App) broadcast(events []Event) {
	a.Events.Publish(events...)
	if a.DB.Dialect != store.Postgres {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, e := range events {
		payload, _ := json.Marshal(relayed{Origin: a.origin, ClinicID: e.ClinicID, Topic: e.Topic, VisitID: e.VisitID})
		if err := a.DB.Notify(ctx, EventsChannel, string(payload)); err != nil {
			a.Log.Error("tell the other servers of an event", "topic", e.Topic, "err", err)
		}
	}
}

// Relay hands this server's broker the events that the other servers of
// its PostgreSQL database publish (LISTEN/NOTIFY), until ctx ends; listening
// is called each time it is listening (first when it starts). Each time
// it listens again after losing its connection, it publishes a resync:
// what the others did meanwhile was not heard, and the live pages read
// everything again. On SQLite it returns at once: one process writes it.
func (a *App) Relay(ctx context.Context, listening func()) {
	started := false
	a.DB.Listen(ctx, EventsChannel, store.Listener{
		Listening: func() {
			if started {
				a.Events.Publish(Event{Topic: TopicResync})
			}
			started = true
			if listening != nil {
				listening()
			}
		},
		Heard: func(payload string) {
			var r relayed
			if err := json.Unmarshal([]byte(payload), &r); err != nil || r.ClinicID == "" || r.Topic == "" {
				a.Log.Warn("an event from another server does not read", "payload", payload)
				return
			}
			if r.Origin == a.origin {
				return // published here already
			}
			a.Events.Publish(Event{ClinicID: r.ClinicID, Topic: r.Topic, VisitID: r.VisitID})
		},
		Lost: func(err error) { a.Log.Warn("listening for the other servers' events: connecting again", "err", err) },
	})
}

// newOrigin names an App among the servers of a database.
func newOrigin() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
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

// BoardWatch is the floor board's stream: the clinic's events after the
// reader's last one (see Broker.SubscribeFrom), for every role that may
// see the board. Like Watch it names no patient.
type BoardWatch struct {
	Missed []Event
	Events <-chan Event
	// Resync: the events after the reader's last cannot be told; the page
	// reads the board again.
	Resync bool
	// At is the cursor of the last event published when the stream began:
	// the stream says it first, so that a page that loses it before any
	// event resumes from there.
	At     string
	Cancel func()
	broker *Broker
}

// Cursor is an event's id on the wire.
func (w BoardWatch) Cursor(e Event) string { return w.broker.Cursor(e) }

// WatchBoard subscribes the reader to the events that change the floor
// board, from after their last event (last is the SSE Last-Event-ID, ""
// for a new page).
func (a *App) WatchBoard(ctx context.Context, actor access.Actor, last string) (BoardWatch, error) {
	if err := a.allow(ctx, actor, op{Action: access.VisitList, Category: access.CatVisit}); err != nil {
		return BoardWatch{}, err
	}
	missed, ch, resync, at, cancel := a.Events.subscribeFrom(actor.ClinicID, last)
	return BoardWatch{Missed: missed, Events: ch, Resync: resync, At: at, Cancel: cancel, broker: a.Events}, nil
}
