package ike

import (
	"context"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"flexvpn/tunnel/ike/wire"
)

var (
	clientAddr = netip.MustParseAddr("192.0.2.1")
	serverAddr = netip.MustParseAddr("192.0.2.2")
	serverIKE  = netip.AddrPortFrom(serverAddr, PortIKE)
)

// recorder collects an endpoint's events.
type recorder struct {
	mu     sync.Mutex
	events []Event
	ch     chan Event
	hook   func(Event) // runs on the SA goroutine, before the event is recorded
}

func newRecorder() *recorder { return &recorder{ch: make(chan Event, 256)} }

// setHook installs f (nil removes it) to run for every event.
func (r *recorder) setHook(f func(Event)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hook = f
}

func (r *recorder) on(e Event) {
	r.mu.Lock()
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(e)
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.ch <- e:
	default:
	}
}

// wait returns the next event of kind k.
func (r *recorder) wait(t *testing.T, k EventKind) Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-r.ch:
			if e.Kind == k {
				return e
			}
		case <-timeout:
			t.Fatalf("no %v event within 10s", k)
		}
	}
}

func (r *recorder) all(k EventKind) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// testbed is a client endpoint and a server endpoint on one Pipe.
type testbed struct {
	pipe           *Pipe
	client, server *Endpoint
	cev, sev       *recorder
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("IKE_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newTestbed(t testing.TB, server Config) *testbed {
	t.Helper()
	tb := &testbed{pipe: NewPipe(), cev: newRecorder(), sev: newRecorder()}
	if server.Logger == nil {
		server.Logger = testLogger(t).With("side", "server")
	}
	var err error
	tb.client, err = NewEndpoint(EndpointConfig{Transport: tb.pipe.Transport(), Local: clientAddr, OnEvent: tb.cev.on})
	if err != nil {
		t.Fatal(err)
	}
	tb.server, err = NewEndpoint(EndpointConfig{Transport: tb.pipe.Transport(), Local: serverAddr, Responder: &server, OnEvent: tb.sev.on})
	if err != nil {
		t.Fatal(err)
	}
	tb.pipe.Attach(clientAddr, tb.client)
	tb.pipe.Attach(serverAddr, tb.server)
	t.Cleanup(func() {
		tb.client.Close()
		tb.server.Close()
		tb.pipe.Close()
	})
	return tb
}

// connect initiates with cfg and waits for the outcome.
func (tb *testbed) connect(t testing.TB, cfg Config) (*SA, error) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t).With("side", "client")
	}
	sa, err := tb.client.Initiate(context.Background(), cfg, serverIKE)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return sa, sa.WaitUp(ctx)
}

// fast makes retransmissions quick so loss tests finish in milliseconds.
func fast(c Config) Config {
	c.RetransmitT = 20 * time.Millisecond
	c.RetransmitN = 6
	return c
}

func pskClient() Config {
	return fast(Config{LocalID: EmailIdentity("alice@example.com"), RemoteID: FQDNIdentity("vpn.example.com"),
		PSK: []byte("correct horse battery staple"), RequestConfig: true})
}

func pskServer() Config {
	return fast(Config{LocalID: FQDNIdentity("vpn.example.com"), PSK: []byte("correct horse battery staple"),
		ConfigProvider: staticConfig})
}

// staticConfig hands out 10.0.0.2/24 with DNS, split DNS and a banner.
func staticConfig(_ context.Context, _ PeerInfo, req []wire.CPAttr) ([]wire.CPAttr, error) {
	return []wire.CPAttr{
		{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{10, 0, 0, 2}},
		{Type: wire.INTERNAL_IP4_NETMASK, Value: []byte{255, 255, 255, 0}},
		{Type: wire.INTERNAL_IP4_DNS, Value: []byte{10, 0, 0, 53}},
		{Type: wire.INTERNAL_DNS_DOMAIN, Value: []byte("corp.example")},
		{Type: wire.UNITY_SPLITDNS_NAME, Value: []byte("corp.example,lab.example")},
		{Type: wire.UNITY_BANNER, Value: []byte("Authorized use only")},
		{Type: wire.INTERNAL_IP4_SUBNET, Value: []byte{198, 51, 100, 0, 255, 255, 255, 0}},
	}, nil
}

// pairChildren checks that the client's and server's Child SAs mirror
// each other: SPIs cross over and i2r keys of one are the other's inbound.
func pairChildren(t *testing.T, c, s *ChildSA) {
	t.Helper()
	if c.OutSPI != s.InSPI || c.InSPI != s.OutSPI {
		t.Fatalf("SPIs do not pair: client %s, server %s", c, s)
	}
	if string(c.Out.Encr) != string(s.In.Encr) || string(c.Out.Integ) != string(s.In.Integ) ||
		string(c.In.Encr) != string(s.Out.Encr) || string(c.In.Integ) != string(s.Out.Integ) {
		t.Fatal("keys do not pair")
	}
	if string(c.Out.Encr) == string(c.In.Encr) {
		t.Fatal("both directions use the same key")
	}
	if c.Encr != s.Encr || c.Integ != s.Integ || c.ESN != s.ESN {
		t.Fatalf("suites differ: %s vs %s", c, s)
	}
}
