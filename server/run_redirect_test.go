package server_test

import (
	"errors"
	"net/netip"
	"testing"

	"flexvpn/client"
	"flexvpn/tunnel/ike/wire"
)

// TestServerInitRedirectSkipsOrigin: with two gateways to redirect to in
// IKE_SA_INIT, a fresh client goes to the first, and a client that the
// first gateway sent here (REDIRECTED_FROM) goes to the second instead
// of staying.
func TestServerInitRedirectSkipsOrigin(t *testing.T) {
	text := pskConfig + "\n[redirect]\non = \"init\"\ngateways = [\"127.0.0.80\", \"127.0.0.81\"]\n"
	startServer(t, writeConfig(t, t.TempDir(), text))

	_, err := dial(t, pskClient("alice@example.com"))
	var re *client.RedirectError
	if !errors.As(err, &re) || re.Target != "127.0.0.80" {
		t.Fatalf("fresh client: %v, want a redirect to 127.0.0.80", err)
	}
	c := pskClient("bob@example.com")
	c.RedirectedFrom = &wire.GatewayID{Addr: netip.MustParseAddr("127.0.0.80")}
	_, err = dial(t, c)
	if !errors.As(err, &re) || re.Target != "127.0.0.81" {
		t.Fatalf("client from 127.0.0.80: %v, want a redirect to 127.0.0.81", err)
	}
}
