package server

import (
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestRespondConfig(t *testing.T) {
	cfg, err := Parse("server.toml", []byte(`
[server]
application_version = "flexvpn-test"
[pool.one]
prefix = "203.0.113.8/31"
exclude = ["203.0.113.9"]
[config_mode]
pool = "one"
dns = ["198.51.100.53"]
split_networks = ["198.51.100.0/24"]
banner = "hello"
`))
	if err != nil {
		t.Fatal(err)
	}
	authz, err := cfg.Authorize(AuthzRequest{Peer: mustID(t, "email:a@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	ask := []wire.CPAttr{{Type: wire.INTERNAL_IP4_ADDRESS}, {Type: wire.INTERNAL_IP4_DNS}}
	resp, err := cfg.RespondConfig("email:a@example.com", authz, ask, [][]byte{[]byte("FLEXVPN-SUPPORTED")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Lease.IP4 != netip.MustParseAddr("203.0.113.8") || len(resp.Narrowing.Local) != 1 || len(resp.Narrowing.Remote) != 1 {
		t.Fatalf("lease %+v narrowing %+v", resp.Lease, resp.Narrowing)
	}
	got := map[wire.CPAttrType]int{}
	for _, a := range resp.Attributes {
		got[a.Type]++
	}
	if got[wire.INTERNAL_IP4_ADDRESS] != 1 || got[wire.UNITY_BANNER] != 1 || got[wire.APPLICATION_VERSION] != 1 || got[wire.UNITY_SPLIT_INCLUDE] != 1 {
		t.Fatalf("reply types %v", got)
	}
	// The one address is taken: the next client gets INTERNAL_ADDRESS_FAILURE.
	_, err = cfg.RespondConfig("email:b@example.com", authz, ask, nil)
	ne, ok := err.(*wire.NotifyError)
	if !ok || ne.Type != wire.INTERNAL_ADDRESS_FAILURE {
		t.Fatalf("err = %v", err)
	}
	cfg.Pools.Release(resp.Lease)
	if resp, err = cfg.RespondConfig("email:b@example.com", authz, ask, nil); err != nil || resp.Lease.IP4 != netip.MustParseAddr("203.0.113.8") {
		t.Fatalf("after release: %+v %v", resp.Lease, err)
	}
	for _, a := range resp.Attributes {
		if a.Type == wire.UNITY_BANNER {
			t.Fatal("Unity attribute to a non-Cisco client that did not ask")
		}
	}
}

func TestIsCiscoClient(t *testing.T) {
	for _, tt := range []struct {
		vids [][]byte
		want bool
	}{
		{nil, false},
		{[][]byte{[]byte("strongSwan")}, false},
		{[][]byte{[]byte("x"), []byte("FLEXVPN-SUPPORTED")}, true},
		{[][]byte{[]byte("CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.")}, true},
		{[][]byte{[]byte("FLEXVPN")}, false},
	} {
		if got := IsCiscoClient(tt.vids); got != tt.want {
			t.Errorf("%q: %v", tt.vids, got)
		}
	}
}
