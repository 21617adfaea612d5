package ike

import (
	"errors"
	"testing"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// rawTask sends fixed payloads in an INFORMATIONAL request and hands the
// response's payloads to got.
type rawTask struct {
	ps  []wire.Payload
	got chan []wire.Payload
}

func (rawTask) kind() taskKind                      { return taskDPD }
func (rawTask) exchange() wire.ExchangeType         { return wire.INFORMATIONAL }
func (t rawTask) build(*SA) ([]wire.Payload, error) { return t.ps, nil }
func (t rawTask) process(_ *SA, m *message) (step, error) {
	t.got <- m.payloads
	return stepDone, nil
}

// TestUnknownCriticalInsideSK: an authenticated request whose inner
// chain holds an unknown critical payload is answered with
// UNSUPPORTED_CRITICAL_PAYLOAD; an established SA survives it.
func TestUnknownCriticalInsideSK(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []wire.Payload, 1)
	sa.do(func() {
		sa.queue(rawTask{ps: []wire.Payload{&wire.Unknown{PayloadType: 222, Critical: true, Data: []byte("x")}}, got: got})
	})
	select {
	case ps := <-got:
		if findNotify(ps, wire.UNSUPPORTED_CRITICAL_PAYLOAD) == nil {
			t.Fatalf("answer %+v", ps)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer")
	}
	if s := tb.server.SAs()[0]; s.State() != StateEstablished {
		t.Fatalf("server SA %v", s.State())
	}
}

// TestOutOfWindowRequestDropped: a request whose message ID is beyond
// the responder's window is dropped without an answer (RFC 7296 2.3);
// the requester's retransmissions run out.
func TestOutOfWindowRequestDropped(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []wire.Payload, 1)
	sa.do(func() {
		sa.tm.nextID += 3
		sa.queue(rawTask{got: got})
	})
	select {
	case ps := <-got:
		t.Fatalf("out-of-window request answered: %+v", ps)
	case <-sa.Done():
	}
	if !errors.Is(sa.Err(), ErrTimeout) {
		t.Fatalf("client ended with %v", sa.Err())
	}
	if s := tb.server.SAs()[0]; s.State() != StateEstablished {
		t.Fatalf("server SA %v", s.State())
	}
}

// TestPayloadRulesEnforced: an INFORMATIONAL request carrying a KE
// payload fits no form of the exchange and is refused with
// INVALID_SYNTAX; the established SA stays up.
func TestPayloadRulesEnforced(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []wire.Payload, 1)
	sa.do(func() {
		sa.queue(rawTask{ps: []wire.Payload{&wire.KE{Group: 31, Data: make([]byte, 32)}}, got: got})
	})
	select {
	case ps := <-got:
		if findNotify(ps, wire.INVALID_SYNTAX) == nil {
			t.Fatalf("answer %+v", ps)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer")
	}
	if s := tb.server.SAs()[0]; s.State() != StateEstablished {
		t.Fatalf("server SA %v", s.State())
	}
}
