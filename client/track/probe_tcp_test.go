package track

import (
	"context"
	"net"
	"testing"
	"time"
)

func TestTCPProbeOpenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{})
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			close(accepted)
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := (&TCPProbe{Addr: ln.Addr().String()}).Probe(ctx); err != nil {
		t.Fatalf("probe of a listening port: %v", err)
	}
	select {
	case <-accepted:
	case <-ctx.Done():
		t.Fatal("the listener never saw the connection")
	}
}

func TestTCPProbeClosedPort(t *testing.T) {
	// Listen and close to get a port nobody holds.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := (&TCPProbe{Addr: addr}).Probe(ctx); err == nil {
		t.Fatalf("probe of closed port %s succeeded", addr)
	}
}

// TestTCPProbeThroughTracker runs the real probe under a tracker: the
// object comes up against the listener and goes down once it is closed.
func TestTCPProbeThroughTracker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	tr := realTracker(t, ProbeTCP, ln.Addr().String())
	waitState(t, tr, "obj", Up)
	ln.Close()
	waitState(t, tr, "obj", Down)
}
