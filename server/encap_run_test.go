package server_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"flexvpn/tunnel/ike"
)

// TestServerMakesClientsEncapsulate: our data plane carries ESP in UDP
// only, so a client that is not behind a NAT and does not force
// encapsulation (a road warrior on a public address, Windows' built-in
// client) must still be told to encapsulate: the server's NAT detection
// reports a NAT. The initiator here forces nothing and sits on the same
// loopback as the server, so only the server can make its Child SA
// encapsulated.
func TestServerMakesClientsEncapsulate(t *testing.T) {
	startServer(t, writeConfig(t, t.TempDir(), pskConfig))
	local := netip.MustParseAddr("127.0.0.1")
	r := newSourceRecorder(t, local)
	child := make(chan *ike.ChildSA, 1)
	e, err := ike.NewEndpoint(ike.EndpointConfig{Transport: r, Local: local,
		IKEPort: r.port(r.ike), NATTPort: r.port(r.natt),
		OnEvent: func(ev ike.Event) {
			if ev.Kind == ike.EventChildUp {
				select {
				case child <- ev.Child:
				default:
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	r.serve(e)
	cfg := pskClient("public@example.com")
	cfg.RequestConfig, cfg.ForceEncap, cfg.RetransmitT = true, false, 200*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sa, err := e.Initiate(context.Background(), cfg, netip.AddrPortFrom(gwAddr, ike.PortIKE))
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatalf("initiator: %v", err)
	}
	select {
	case c := <-child:
		if !c.Encap || c.Remote.Port() != ike.PortNATT {
			t.Fatalf("child SA encap=%v remote %s: want ESP in UDP to port %d", c.Encap, c.Remote, ike.PortNATT)
		}
	case <-ctx.Done():
		t.Fatal("no Child SA came up")
	}
}
