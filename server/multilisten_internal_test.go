package server

import (
	"fmt"
	"log/slog"
	"net/netip"
	"testing"
)

// TestListenAddrs: every configured address is served, the default is
// both unspecified addresses, a specific address is left to its family's
// unspecified one when both are listed, and an unspecified address of a
// missing family is dropped.
func TestListenAddrs(t *testing.T) {
	addrs := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, x := range s {
			out = append(out, netip.MustParseAddr(x))
		}
		return out
	}
	noV6 := func(a netip.Addr) bool { return a.Is4() }
	all := func(netip.Addr) bool { return true }
	for _, tc := range []struct {
		listen    []netip.Addr
		available func(netip.Addr) bool
		want      string
	}{
		{nil, all, "[0.0.0.0 ::]"},
		{addrs("0.0.0.0", "::"), all, "[0.0.0.0 ::]"},
		{addrs("192.0.2.1", "198.51.100.1"), all, "[192.0.2.1 198.51.100.1]"},
		{addrs("0.0.0.0", "::"), noV6, "[0.0.0.0]"},
		{addrs("::", "192.0.2.1"), noV6, "[192.0.2.1]"},
		{addrs("2001:db8::1", "0.0.0.0"), noV6, "[2001:db8::1 0.0.0.0]"},             // binding reports a specific one
		{addrs("0.0.0.0", "192.0.2.1", "2001:db8::1"), all, "[0.0.0.0 2001:db8::1]"}, // the wildcard serves 192.0.2.1
		{addrs("192.0.2.1", "::", "2001:db8::1", "192.0.2.1"), all, "[192.0.2.1 ::]"},
		{addrs("::", "2001:db8::1"), noV6, "[2001:db8::1]"},
		{addrs("::"), noV6, "[::]"}, // nothing left: binding reports why
	} {
		got := listenAddrs(&Config{Listen: tc.listen}, tc.available, slog.New(slog.DiscardHandler))
		if fmt.Sprint(got) != tc.want {
			t.Errorf("listenAddrs(%v) = %v, want %s", tc.listen, got, tc.want)
		}
	}
	if !familyAvailable(netip.IPv4Unspecified()) {
		t.Error("familyAvailable says this host has no IPv4")
	}
}
