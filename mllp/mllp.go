// Package mllp is the listener bedside monitors send HL7 v2 to: the
// Minimal Lower Layer Protocol frames each message as <VT> message <FS><CR>
// on a TCP connection [HL7 v2.5.1 appendix C], and each is answered with
// an ACK before the next. A message is read by package hl7, mapped with
// the clinic's code table, and stored through the app's one ingest core
// (app.IngestMessage), so the JSON batches and HL7 share every rule.
//
// The listener is bounded: a frame longer than MaxFrame is refused and the
// connection closed, bytes outside a frame are skipped without being kept,
// a client that stops mid-message is dropped after FrameTimeout, and at
// most MaxConns connections are served at once. Nothing a client sends
// reaches more than one connection's goroutine.
package mllp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/hl7"
)

// The MLLP frame's bytes.
const (
	StartBlock = 0x0b // <VT>
	EndBlock   = 0x1c // <FS>
	CR         = 0x0d
)

// Limits of the listener.
const (
	// MaxFrame is the longest message taken: a monitor's ORU is a few
	// kilobytes.
	MaxFrame = 1 << 20
	// FrameTimeout is how long a message may take to arrive once begun.
	FrameTimeout = 30 * time.Second
	// IdleTimeout is how long a connection may wait between messages:
	// monitors keep one open and send every few seconds.
	IdleTimeout = 10 * time.Minute
	// MaxConns is how many connections are served at once.
	MaxConns = 512
	// MaxRefusals is how many messages in a row a connection may have
	// refused before it is closed: a sender of garbage is not answered
	// for ever. The first LoggedRefusals of a connection are logged one by
	// one, the rest counted when it closes.
	MaxRefusals    = 100
	LoggedRefusals = 10
)

// Listener serves one clinic's monitors.
type Listener struct {
	App      *app.App
	ClinicID string
	Log      *slog.Logger

	conns sync.WaitGroup
	n     atomic.Int64 // open connections
	seq   atomic.Uint64
}

// Serve accepts connections on ln until ctx ends, then closes ln and waits
// for the connections to finish their message.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	if l.Log == nil {
		l.Log = slog.Default()
	}
	c, err := l.App.Clinic(ctx, l.ClinicID)
	if err != nil {
		return fmt.Errorf("mllp: the clinic %s: %w", l.ClinicID, err)
	}
	loc := c.Location()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	defer l.conns.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			return fmt.Errorf("mllp accept: %w", err)
		}
		if l.n.Add(1) > MaxConns {
			l.n.Add(-1)
			l.Log.Warn("mllp connection refused: too many open", "remote", conn.RemoteAddr().String(), "max", MaxConns)
			conn.Close()
			continue
		}
		l.conns.Add(1)
		go func() {
			defer l.conns.Done()
			defer l.n.Add(-1)
			l.serveConn(ctx, conn, loc)
		}()
	}
}

// errFrame is a frame the listener cannot take: the connection is closed
// after its NAK.
var errFrame = errors.New("frame too large")

func (l *Listener) serveConn(ctx context.Context, conn net.Conn, loc *time.Location) {
	remote := conn.RemoteAddr().String()
	st := &connState{remote: remote}
	defer func() {
		conn.Close()
		if st.refused > LoggedRefusals || st.skipped > 0 {
			l.Log.Warn("mllp connection closed", "remote", remote, "messages_refused", st.refused, "bytes_outside_frames", st.skipped)
		}
	}()
	r := bufio.NewReaderSize(conn, 64<<10)
	for ctx.Err() == nil {
		frame, skipped, err := readFrame(conn, r)
		st.skipped += skipped
		if errors.Is(err, errFrame) {
			l.Log.Warn("mllp message refused: frame too large; connection closed", "remote", remote, "max_bytes", MaxFrame)
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			conn.Write(wrap(hl7.Ack(nil, hl7.AR, "100", fmt.Sprintf("the message is longer than %d bytes", MaxFrame), l.ackID(), l.App.Clock.Now())))
			return
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				l.Log.Info("mllp connection ended", "remote", remote, "reason", err.Error())
			}
			return
		}
		ack, ok := l.handle(ctx, frame, st, loc)
		conn.SetWriteDeadline(time.Now().Add(FrameTimeout))
		if _, err := conn.Write(wrap(ack)); err != nil {
			l.Log.Info("mllp ACK not sent", "remote", remote, "err", err)
			return
		}
		if ok {
			st.inARow = 0
		} else if st.inARow++; st.inARow >= MaxRefusals {
			l.Log.Warn("mllp connection closed after refused messages in a row", "remote", remote, "in_a_row", st.inARow)
			return
		}
	}
}

// connState counts what one connection sent that was refused.
type connState struct {
	remote          string
	refused, inARow int
	skipped         int
}

// readFrame reads the next frame: bytes before <VT> are skipped (counted,
// not kept); the frame ends at <FS><CR> (or <FS> alone, as some senders
// end it). A frame longer than MaxFrame is errFrame.
func readFrame(conn net.Conn, r *bufio.Reader) (frame []byte, skipped int, err error) {
	conn.SetReadDeadline(time.Now().Add(IdleTimeout))
	for {
		b, err := r.ReadByte()
		if err != nil {
			return nil, skipped, err
		}
		if b == StartBlock {
			break
		}
		skipped++
	}
	conn.SetReadDeadline(time.Now().Add(FrameTimeout))
	var buf []byte
	for {
		chunk, err := r.ReadSlice(EndBlock)
		if len(buf)+len(chunk) > MaxFrame+1 {
			return nil, skipped, errFrame
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(buf) > 0 {
				return nil, skipped, io.ErrUnexpectedEOF
			}
			return nil, skipped, err
		}
		buf = buf[:len(buf)-1] // the <FS>
		if next, err := r.Peek(1); err == nil && next[0] == CR {
			r.ReadByte()
		}
		// A <VT> inside means the sender began again: keep the last one.
		for i := len(buf) - 1; i >= 0; i-- {
			if buf[i] == StartBlock {
				buf = buf[i+1:]
				break
			}
		}
		return buf, skipped, nil
	}
}

func wrap(msg []byte) []byte {
	out := make([]byte, 0, len(msg)+3)
	out = append(out, StartBlock)
	out = append(out, msg...)
	return append(out, EndBlock, CR)
}

func (l *Listener) ackID() string {
	return fmt.Sprintf("KF%d%06d", l.App.Clock.Now().Unix(), l.seq.Add(1)%1000000)
}

// handle answers one message with its ACK: AA when it was stored, AR when
// it is no message ketaflow takes (or was stored already: a resend of the
// same control id), AE when what it holds is wrong or it could not be
// stored now (a monitor resends then). Refusals are logged (the first
// LoggedRefusals of a connection one by one). ok reports an AA.
func (l *Listener) handle(ctx context.Context, frame []byte, st *connState, loc *time.Location) (ack []byte, ok bool) {
	remote := st.remote
	now := l.App.Clock.Now()
	logRefusal := func(args ...any) {
		st.refused++
		if st.refused <= LoggedRefusals {
			l.Log.Warn("hl7 message refused", append([]any{"remote", remote}, args...)...)
		}
	}
	m, err := hl7.Parse(frame)
	if err != nil {
		var pe *hl7.ParseError
		code := "100"
		if errors.As(err, &pe) {
			code = pe.Code
		}
		logRefusal("ack", "AR", "code", code, "reason", err.Error(), "bytes", len(frame))
		return hl7.Ack(nil, hl7.AR, code, "not an HL7 v2 message: "+err.Error(), l.ackID(), now), false
	}
	h := m.Header()
	refuse := func(ack hl7.AckCode, code, text string) ([]byte, bool) {
		logRefusal("sender", h.Sender(), "control_id", h.ControlID, "ack", string(ack), "code", code, "reason", text)
		return hl7.Ack(m, ack, code, text, l.ackID(), now), false
	}
	codes, err := l.App.MonitorCodesOf(ctx, l.ClinicID)
	if err != nil {
		l.Log.Error("hl7 device codes not read", "err", err)
		return refuse(hl7.AE, "207", "ketaflow could not read its code table now; send the message again")
	}
	obs, err := hl7.ORU(m, codes, loc)
	if err != nil {
		var rj *hl7.Reject
		if errors.As(err, &rj) {
			return refuse(hl7.AckCode(rj.Ack), rj.Code, rj.Text)
		}
		return refuse(hl7.AE, "207", err.Error())
	}
	release := func() {}
	if tc := l.App.Training(); tc != nil {
		release = tc.Hold()
	}
	got, err := l.App.IngestMessage(ctx, app.MonitorActor(l.ClinicID, remote),
		app.Batch{Source: "hl7", Sender: h.Sender(), MessageID: h.ControlID, Readings: obs.Readings})
	release()
	switch {
	case ketaflow.IsCode(err, ketaflow.EInvalid):
		return refuse(hl7.AE, "102", invalidWords(err))
	case err != nil:
		l.Log.Error("hl7 message not stored", "remote", remote, "control_id", h.ControlID, "err", err)
		return refuse(hl7.AE, "207", "ketaflow could not store the message now; send it again")
	case got.Duplicate:
		return refuse(hl7.AR, "205", fmt.Sprintf("message %s was stored at %s already; it is not stored again", h.ControlID,
			got.FirstAt.UTC().Format("2006-01-02 15:04:05Z")))
	}
	text := fmt.Sprintf("stored %d readings", got.Stored)
	if n := len(got.Unassigned); n > 0 {
		text += fmt.Sprintf(", %d without a visit: %s", n, got.Unassigned[0].Reason)
	}
	if obs.Skipped > 0 {
		text += fmt.Sprintf("; %d observations not taken (codes ketaflow does not know, or not obtained)", obs.Skipped)
	}
	return hl7.Ack(m, hl7.AA, "", text, l.ackID(), now), true
}

// invalidWords says what is wrong with the readings: each field (the
// reading's place in the message, oldest first) and what it must be.
func invalidWords(err error) string {
	e := ketaflow.AsError(err)
	if e == nil || len(e.Fields) == 0 {
		return ketaflow.ErrorMessage(err)
	}
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return strings.Join(parts, "; ")
}
