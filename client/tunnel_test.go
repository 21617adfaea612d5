package client

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/platform/tunif/tunfake"
	"flexvpn/tunnel/datapath"
	"flexvpn/tunnel/esp"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
	"flexvpn/tunnel/link"
)

// gwAddr is a loopback address of its own, so the test can bind the IKE
// ports 500 and 4500 without colliding with anything else.
var gwAddr = netip.MustParseAddr("127.0.0.77")

// miniGateway is a responder endpoint and data plane on loopback, the
// smallest gateway the client can talk to.
type miniGateway struct {
	tun    *tunfake.TUN
	events chan ike.Event
}

func startMiniGateway(t *testing.T, psk string) *miniGateway {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: binding UDP 500/4500 needs root")
	}
	g := &miniGateway{tun: tunfake.New(tunfake.Config{Name: "gw0"}), events: make(chan ike.Event, 64)}
	var ep *ike.Endpoint
	ready := make(chan struct{})
	dp, err := datapath.New(datapath.Config{
		TUN:        g.tun,
		ListenNATT: netip.AddrPortFrom(gwAddr, 4500),
		ListenIKE:  netip.AddrPortFrom(gwAddr, 500),
		OnIKE: func(pkt []byte, l, r netip.AddrPort) {
			<-ready
			ep.HandleDatagram(pkt, l, r)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lk := link.New(dp, esp.Lifetime{}, nil)
	ep, err = ike.NewEndpoint(ike.EndpointConfig{
		Transport: dp, Local: gwAddr,
		Responder: &ike.Config{
			LocalID: ike.FQDNIdentity("gw.flexvpn.test"),
			PSK:     []byte(psk),
			LocalTS: []wire.TrafficSelector{wire.SelectorFromPrefix(netip.MustParsePrefix("198.51.100.0/24"))},
			ConfigProvider: func(context.Context, ike.PeerInfo, []wire.CPAttr) ([]wire.CPAttr, error) {
				addr, _ := wire.NewCPAddr(wire.INTERNAL_IP4_ADDRESS, netip.MustParseAddr("203.0.113.7"))
				dns, _ := wire.NewCPAddr(wire.INTERNAL_IP4_DNS, netip.MustParseAddr("198.51.100.53"))
				sub, _ := wire.NewCPIP4Subnet(netip.MustParsePrefix("198.51.100.0/24"))
				return []wire.CPAttr{addr, dns, sub,
					wire.NewCPText(wire.INTERNAL_DNS_DOMAIN, "corp.example"),
					wire.NewCPText(wire.UNITY_BANNER, "Authorized use only")}, nil
			},
		},
		OnEvent: func(ev ike.Event) {
			lk.HandleEvent(ev)
			select {
			case g.events <- ev:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	t.Cleanup(func() { ep.Close(); dp.Close() })
	return g
}

// TestTunnelDialerEndToEnd: our client dials a gateway on loopback, gets
// its configuration, and IP packets cross the tunnel both ways.
func TestTunnelDialerEndToEnd(t *testing.T) {
	gw := startMiniGateway(t, "loopback-psk")
	clientTUN := tunfake.New(tunfake.Config{Name: "fv0"})
	d := &TunnelDialer{
		IKE: ike.Config{
			LocalID:  ike.EmailIdentity("alice@example.com"),
			RemoteID: ike.FQDNIdentity("gw.flexvpn.test"),
			PSK:      []byte("loopback-psk"),
		},
		NewTUN: func() (tun.Device, error) { return clientTUN, nil },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, Target{Host: "gw.flexvpn.test", Addr: gwAddr})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	r := sess.Reply()
	if len(r.Addrs) != 1 || r.Addrs[0].Addr().String() != "203.0.113.7" ||
		len(r.Subnets) != 1 || r.Banner != "Authorized use only" || len(r.DNSDomains) != 1 {
		t.Fatalf("reply = %+v", r)
	}
	// The routes follow what the Child SA carries: the gateway's LAN.
	if fmt.Sprint(r.Selectors) != "[198.51.100.0/24]" {
		t.Errorf("reply selectors = %v, want the gateway's TSr [198.51.100.0/24]", r.Selectors)
	}

	// Client → LAN behind the gateway, and the answer back.
	// The gateway's SA may land a moment after the client's: keep sending.
	host, lan := netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("198.51.100.10")
	tunfake.InjectUntilReceived(t, clientTUN, gw.tun.Written(), tunfake.UDP4(host, lan, []byte("query")), "gateway TUN")
	tunfake.InjectUntilReceived(t, gw.tun, clientTUN.Written(), tunfake.UDP4(lan, host, []byte("answer")), "client TUN")

	// Disconnect: the gateway sees its IKE SA end.
	closeCtx, cancelClose := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelClose()
	if err := sess.Close(closeCtx); err != nil {
		t.Fatalf("close: %v", err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-gw.events:
			if ev.Kind == ike.EventClosed {
				return
			}
		case <-deadline:
			t.Fatal("the gateway never saw the SA close")
		}
	}
}

func TestTunnelDialerWrongPSK(t *testing.T) {
	startMiniGateway(t, "right-psk")
	d := &TunnelDialer{
		IKE: ike.Config{LocalID: ike.EmailIdentity("alice@example.com"), PSK: []byte("wrong-psk"),
			RetransmitT: 100 * time.Millisecond},
		NewTUN: func() (tun.Device, error) { return tunfake.New(tunfake.Config{}), nil },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := d.Dial(ctx, Target{Host: "gw.flexvpn.test", Addr: gwAddr})
	if err == nil {
		t.Fatal("dial with a wrong PSK succeeded")
	}
	t.Logf("wrong PSK: %v", err)
}

// TestTunnelSessionReportsRedirectAtOnce: a gateway that redirects an
// established session (RFC 5685) makes Wait return the target right
// away, so the Conn can delete the old SA and follow; it does not wait
// for the old SA to be torn down by someone else.
func TestTunnelSessionReportsRedirectAtOnce(t *testing.T) {
	gw := startMiniGateway(t, "loopback-psk")
	d := &TunnelDialer{
		IKE: ike.Config{LocalID: ike.EmailIdentity("alice@example.com"), RemoteID: ike.FQDNIdentity("gw.flexvpn.test"),
			PSK: []byte("loopback-psk")},
		NewTUN: func() (tun.Device, error) { return tunfake.New(tunfake.Config{}), nil },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, Target{Host: "gw.flexvpn.test", Addr: gwAddr})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer sess.Close(context.Background())
	var gwSA *ike.SA
	for gwSA == nil {
		select {
		case ev := <-gw.events:
			if ev.Kind == ike.EventUp {
				gwSA = ev.SA
			}
		case <-ctx.Done():
			t.Fatal("the gateway never saw the SA up")
		}
	}
	if err := gwSA.Redirect(wire.GatewayID{Addr: netip.MustParseAddr("192.0.2.99")}); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	var re *RedirectError
	if err := sess.Wait(wctx); !errors.As(err, &re) || re.Target != "192.0.2.99" {
		t.Fatalf("Wait = %v, want a redirect to 192.0.2.99", err)
	}
}
