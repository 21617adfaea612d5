package ike

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// TestRekeyTimers: RekeyChild and RekeyIKE make the initiator rekey on
// its own, repeatedly.
func TestRekeyTimers(t *testing.T) {
	tb := newTestbed(t, pskServer())
	c := pskClient()
	c.RekeyChild, c.RekeyIKE = 40*time.Millisecond, 70*time.Millisecond
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		tb.sev.wait(t, EventChildRekeyed)
	}
	tb.sev.wait(t, EventIKERekeyed)
	if n := len(tb.sev.all(EventClosed)); n != 0 {
		t.Fatalf("%d SAs closed", n)
	}
}

// TestContextCancelDeletes: the SA lives as long as Initiate's context;
// cancelling it deletes the SA at the gateway too.
func TestContextCancelDeletes(t *testing.T) {
	tb := newTestbed(t, pskServer())
	ctx, cancel := context.WithCancel(context.Background())
	c := pskClient()
	c.Logger = testLogger(t)
	sa, err := tb.client.Initiate(ctx, c, serverIKE)
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.WaitUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	cancel()
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrPeerDeleted) {
		t.Fatalf("gateway: %v", ev.Err)
	}
	select {
	case <-sa.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SA still running after its context ended")
	}
}

// TestIPv6Transport: the whole setup over IPv6 addresses (fragment size
// defaults to 1280 there).
func TestIPv6Transport(t *testing.T) {
	p := NewPipe()
	defer p.Close()
	c6, s6 := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	cev, sev := newRecorder(), newRecorder()
	s := pskServer()
	cli, err := NewEndpoint(EndpointConfig{Transport: p.Transport(), Local: c6, OnEvent: cev.on})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewEndpoint(EndpointConfig{Transport: p.Transport(), Local: s6, Responder: &s, OnEvent: sev.on})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	defer srv.Close()
	p.Attach(c6, cli)
	p.Attach(s6, srv)
	sa, err := cli.Initiate(context.Background(), pskClient(), netip.AddrPortFrom(s6, PortIKE))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	pairChildren(t, cev.wait(t, EventChildUp).Child, sev.wait(t, EventChildUp).Child)
	var room int
	sa.do(func() { room = sa.messageRoom() })
	if room != 1280-40-8 {
		t.Errorf("IPv6 message room %d", room)
	}
}

// TestEndpointCloseDeletes: closing the client endpoint sends a Delete
// for its established SA, so the gateway does not wait for DPD.
func TestEndpointCloseDeletes(t *testing.T) {
	tb := newTestbed(t, pskServer())
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	tb.client.Close()
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrPeerDeleted) {
		t.Fatalf("gateway: %v", ev.Err)
	}
}
