package ike_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"flexvpn/tunnel/ike"
)

// A client and a gateway on an in-memory network, authenticating with a
// pre-shared key; the client's OnEvent receives the Child SA keys that
// the data plane would install.
func ExampleEndpoint_Initiate() {
	pipe := ike.NewPipe()
	defer pipe.Close()
	client, gateway := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")

	gwCfg := ike.Config{LocalID: ike.FQDNIdentity("vpn.example.com"), PSK: []byte("s3cret s3cret s3cret")}
	gw, _ := ike.NewEndpoint(ike.EndpointConfig{Transport: pipe.Transport(), Local: gateway, Responder: &gwCfg})
	defer gw.Close()
	pipe.Attach(gateway, gw)

	children := make(chan *ike.ChildSA, 1)
	cl, _ := ike.NewEndpoint(ike.EndpointConfig{Transport: pipe.Transport(), Local: client,
		OnEvent: func(e ike.Event) {
			if e.Kind == ike.EventChildUp {
				children <- e.Child
			}
		}})
	defer cl.Close()
	pipe.Attach(client, cl)

	cfg := ike.Config{LocalID: ike.EmailIdentity("alice@example.com"), RemoteID: ike.FQDNIdentity("vpn.example.com"),
		PSK: []byte("s3cret s3cret s3cret")}
	sa, _ := cl.Initiate(context.Background(), cfg, netip.AddrPortFrom(gateway, ike.PortIKE))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sa.WaitUp(ctx); err != nil {
		fmt.Println(err)
		return
	}
	c := <-children
	fmt.Println(sa.State(), sa.Peer(), len(c.Out.Encr) > 0)
	// Output: established vpn.example.com true
}
