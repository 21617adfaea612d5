package server_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"flexvpn/tunnel/ike"
)

// TestServerDPD: a client that vanishes without a Delete is found dead
// by DPD and its session and address are released.
func TestServerDPD(t *testing.T) {
	text := strings.Replace(pskConfig, `dpd_interval = "0s"`, `dpd_interval = "1s"`, 1)
	s := startServer(t, writeConfig(t, t.TempDir(), text))
	addr := netip.MustParseAddr("127.0.0.1")
	tr, err := ike.ListenUDP(addr, freePort(t), freePort(t))
	if err != nil {
		t.Fatal(err)
	}
	ikeAddr, nattAddr := tr.LocalAddrs()
	ep, err := ike.NewEndpoint(ike.EndpointConfig{Transport: tr, Local: addr, IKEPort: ikeAddr.Port(), NATTPort: nattAddr.Port()})
	if err != nil {
		t.Fatal(err)
	}
	tr.Serve(ep)
	defer ep.Close()
	cfg := pskClient("gone@example.com")
	cfg.RequestConfig = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sa, err := ep.Initiate(context.Background(), cfg, netip.AddrPortFrom(gwAddr, 500))
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	waitSessions(t, s, 1)
	tr.Close() // the client's network is gone: no Delete, no answers
	deadline := time.Now().Add(20 * time.Second)
	for len(s.Sessions()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("dead client's session still listed: %+v", s.Sessions())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
