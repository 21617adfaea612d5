package ike

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// The gateway in these tests listens on 10500 (IKE) and 14500 (NAT-T),
// as behind a port forward: nothing answers on 500 or 4500.
const (
	rigIKEPort  = 10500
	rigNATTPort = 14500
)

// portLog records the server ports the client sent to.
type portLog struct {
	mu    sync.Mutex
	ports map[uint16]int
}

func (l *portLog) count(p uint16) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ports[p]
}

// newRigTestbed is newTestbed with the server on the rig ports; the pipe
// drops what the client sends to any other server port, as a real
// network would.
func newRigTestbed(t *testing.T) (*testbed, *portLog) {
	t.Helper()
	tb := &testbed{pipe: NewPipe(), cev: newRecorder(), sev: newRecorder()}
	server := pskServer()
	server.Logger = testLogger(t).With("side", "server")
	var err error
	tb.client, err = NewEndpoint(EndpointConfig{Transport: tb.pipe.Transport(), Local: clientAddr, OnEvent: tb.cev.on})
	if err != nil {
		t.Fatal(err)
	}
	tb.server, err = NewEndpoint(EndpointConfig{Transport: tb.pipe.Transport(), Local: serverAddr,
		IKEPort: rigIKEPort, NATTPort: rigNATTPort, Responder: &server, OnEvent: tb.sev.on})
	if err != nil {
		t.Fatal(err)
	}
	tb.pipe.Attach(clientAddr, tb.client)
	tb.pipe.Attach(serverAddr, tb.server)
	log := &portLog{ports: map[uint16]int{}}
	tb.pipe.Filter(func(_ []byte, _, to netip.AddrPort) bool {
		if to.Addr() != serverAddr {
			return true
		}
		log.mu.Lock()
		defer log.mu.Unlock()
		log.ports[to.Port()]++
		return to.Port() == rigIKEPort || to.Port() == rigNATTPort
	})
	t.Cleanup(func() {
		tb.client.Close()
		tb.server.Close()
		tb.pipe.Close()
	})
	return tb, log
}

func rigClient() Config {
	c := pskClient()
	c.RemoteNATTPort = rigNATTPort
	return c
}

// initiateRig starts the client towards the server at port and waits
// until the SA is up and both Child SAs are installed.
func initiateRig(t *testing.T, tb *testbed, cfg Config, port uint16) (*SA, *ChildSA, *ChildSA) {
	t.Helper()
	cfg.Logger = testLogger(t).With("side", "client")
	sa, err := tb.client.Initiate(context.Background(), cfg, netip.AddrPortFrom(serverAddr, port))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	return sa, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child
}

// TestFloatToConfiguredNATTPort: with a (faked) NAT the initiator floats
// from the gateway's IKE port to its configured NAT-T port, not to 4500,
// and the Child SAs are UDP-encapsulated towards that port.
//
//	IKE_SA_INIT  client:500  -> gw:10500
//	IKE_AUTH     client:4500 -> gw:14500
func TestFloatToConfiguredNATTPort(t *testing.T) {
	tb, ports := newRigTestbed(t)
	cfg := rigClient()
	cfg.ForceEncap = true
	sa, cc, sc := initiateRig(t, tb, cfg, rigIKEPort)
	if got := sa.Remote(); got.Port() != rigNATTPort {
		t.Fatalf("client talks to %v, want port %d", got, rigNATTPort)
	}
	if ports.count(rigIKEPort) != 1 || ports.count(rigNATTPort) == 0 {
		t.Fatalf("sent to IKE port %d times, NAT-T port %d times; want 1 and some",
			ports.count(rigIKEPort), ports.count(rigNATTPort))
	}
	if !cc.Encap || cc.Remote.Port() != rigNATTPort || cc.Local.Port() != PortNATT {
		t.Fatalf("client child encap=%v %v -> %v", cc.Encap, cc.Local, cc.Remote)
	}
	if !sc.Encap || sc.Local.Port() != rigNATTPort {
		t.Fatalf("server child encap=%v local %v", sc.Encap, sc.Local)
	}
	pairChildren(t, cc, sc)
}

// TestStartOnNATTPort: an initiator given the gateway's NAT-T port starts
// there (RFC 7296 2.23) and never touches the IKE port. No NAT is
// detected, yet ESP is encapsulated because the SA runs on NAT-T.
func TestStartOnNATTPort(t *testing.T) {
	tb, ports := newRigTestbed(t)
	sa, cc, sc := initiateRig(t, tb, rigClient(), rigNATTPort)
	if ports.count(rigIKEPort) != 0 || ports.count(rigNATTPort) < 2 {
		t.Fatalf("sent to IKE port %d times, NAT-T port %d times; want 0 and at least 2",
			ports.count(rigIKEPort), ports.count(rigNATTPort))
	}
	if got := sa.Remote(); got.Port() != rigNATTPort {
		t.Fatalf("client talks to %v", got)
	}
	if !cc.Encap || !sc.Encap || cc.Local.Port() != PortNATT {
		t.Fatalf("child encap client=%v (local %v) server=%v", cc.Encap, cc.Local, sc.Encap)
	}
}

// TestNoNATStaysOnIKEPort: without a NAT the SA stays on the gateway's
// IKE port and ESP is not encapsulated.
func TestNoNATStaysOnIKEPort(t *testing.T) {
	tb, ports := newRigTestbed(t)
	sa, cc, sc := initiateRig(t, tb, rigClient(), rigIKEPort)
	if ports.count(rigNATTPort) != 0 || sa.Remote().Port() != rigIKEPort {
		t.Fatalf("moved to NAT-T without a NAT: %d datagrams, remote %v", ports.count(rigNATTPort), sa.Remote())
	}
	if cc.Encap || sc.Encap {
		t.Fatalf("ESP encapsulated without NAT or NAT-T: client %v server %v", cc.Encap, sc.Encap)
	}
}

// TestUDPNonStandardNATT: the same over real loopback sockets, where a
// float to 4500 would reach nobody.
func TestUDPNonStandardNATT(t *testing.T) {
	for _, start := range []string{"ike", "natt"} {
		t.Run(start, func(t *testing.T) {
			ctr, str := listenLoopback(t), listenLoopback(t)
			cIKE, cNATT := ctr.LocalAddrs()
			sIKE, sNATT := str.LocalAddrs()
			s := pskServer()
			srv, err := NewEndpoint(EndpointConfig{Transport: str, Local: sIKE.Addr(), IKEPort: sIKE.Port(), NATTPort: sNATT.Port(), Responder: &s})
			if err != nil {
				t.Fatal(err)
			}
			cli, err := NewEndpoint(EndpointConfig{Transport: ctr, Local: cIKE.Addr(), IKEPort: cIKE.Port(), NATTPort: cNATT.Port()})
			if err != nil {
				t.Fatal(err)
			}
			str.Serve(srv)
			ctr.Serve(cli)
			t.Cleanup(func() { cli.Close(); srv.Close() })
			cfg := pskClient()
			cfg.RemoteNATTPort = sNATT.Port()
			cfg.ForceEncap = true
			remote := sIKE
			if start == "natt" {
				cfg.ForceEncap = false
				remote = sNATT
			}
			sa, err := cli.Initiate(context.Background(), cfg, remote)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := sa.WaitUp(ctx); err != nil {
				t.Fatal(err)
			}
			if got := sa.Remote(); got != sNATT {
				t.Fatalf("client talks to %v, want %v", got, sNATT)
			}
		})
	}
}
