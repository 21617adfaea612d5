package client

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"flexvpn/client/profile"
	"flexvpn/dnsproxy"
)

func pfx(s ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, x := range s {
		out = append(out, netip.MustParsePrefix(x))
	}
	return out
}

func loadProfile(t *testing.T, extra string) *profile.Profile {
	t.Helper()
	src := "[[peer]]\nhost = \"192.0.2.1\"\n[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\n" + extra
	p, err := profile.ParseForTest(src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func routesString(rs []dnsproxy.Route) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%s->%v", r.Suffix, r.Upstreams))
	}
	return strings.Join(s, " ")
}

func TestComputeDesired(t *testing.T) {
	gw := netip.MustParseAddr("192.0.2.1")
	saved := []netip.AddrPort{netip.MustParseAddrPort("192.0.2.53:53")}
	cases := []struct {
		name        string
		profile     string
		reply       Reply
		wantAddrs   string
		wantRoutes  string
		wantExclude string
		wantDNS     string
	}{
		{
			name:        "full tunnel: default route, gateway excluded, all DNS to the tunnel",
			reply:       Reply{Addrs: pfx("203.0.113.7/24"), DNS: []netip.Addr{netip.MustParseAddr("198.51.100.53")}},
			wantAddrs:   "[203.0.113.7/32]",
			wantRoutes:  "[0.0.0.0/0]",
			wantExclude: "[192.0.2.1/32]",
			wantDNS:     ".->[198.51.100.53:53]",
		},
		{
			name: "split tunnel with split DNS and a local LAN exclusion",
			reply: Reply{Addrs: pfx("203.0.113.7/32"), DNS: []netip.Addr{netip.MustParseAddr("198.51.100.53")},
				Subnets: pfx("198.51.100.0/24", "198.51.100.0/24", "203.0.113.0/24"), LocalLAN: pfx("198.51.100.128/25", "192.0.2.0/24"),
				DNSDomains: []string{"Corp.Example.", "corp.example", "lab.example"}},
			wantAddrs:   "[203.0.113.7/32]",
			wantRoutes:  "[198.51.100.0/24 203.0.113.0/24]",
			wantExclude: "[198.51.100.128/25]", // the gateway and 192.0.2.0/24 are not covered by any tunnel route
			wantDNS:     ".->[192.0.2.53:53] corp.example->[198.51.100.53:53] lab.example->[198.51.100.53:53]",
		},
		{
			name:       "route filter drops what the profile does not accept",
			profile:    "[routes]\naccept = [\"198.51.100.0/24\"]\n",
			reply:      Reply{Addrs: pfx("203.0.113.7/32"), Subnets: pfx("198.51.100.64/26", "203.0.113.0/24")},
			wantAddrs:  "[203.0.113.7/32]",
			wantRoutes: "[198.51.100.64/26]",
			wantDNS:    ".->[192.0.2.53:53]",
		},
		{
			name:        "split DNS off sends every query into the tunnel",
			profile:     "[dns]\nsplit = false\n",
			reply:       Reply{Addrs: pfx("203.0.113.7/32", "2001:db8::7/64"), DNS: []netip.Addr{netip.MustParseAddr("2001:db8::53")}, DNSDomains: []string{"corp.example"}},
			wantAddrs:   "[203.0.113.7/32 2001:db8::7/128]",
			wantRoutes:  "[0.0.0.0/0 ::/0]",
			wantExclude: "[192.0.2.1/32]",
			wantDNS:     ".->[[2001:db8::53]:53]",
		},
		{
			name: "no pushed routes: only what the traffic selectors carry, not a full tunnel",
			reply: Reply{Addrs: pfx("203.0.113.7/32"), DNS: []netip.Addr{netip.MustParseAddr("198.51.100.53")},
				Selectors: pfx("198.51.100.0/24")},
			wantAddrs:  "[203.0.113.7/32]",
			wantRoutes: "[198.51.100.0/24]",
			wantDNS:    ".->[198.51.100.53:53]",
		},
		{
			name:        "a full tunnel the selectors allow stays a full tunnel",
			reply:       Reply{Addrs: pfx("203.0.113.7/32"), Selectors: pfx("0.0.0.0/0", "::/0")},
			wantAddrs:   "[203.0.113.7/32]",
			wantRoutes:  "[0.0.0.0/0]",
			wantExclude: "[192.0.2.1/32]",
			wantDNS:     ".->[192.0.2.53:53]",
		},
		{
			name: "pushed routes are cut to the selectors",
			reply: Reply{Addrs: pfx("203.0.113.7/32", "2001:db8::7/128"), Subnets: pfx("198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"),
				Selectors: pfx("198.51.100.128/25", "203.0.113.0/24", "192.0.2.0/24")},
			wantAddrs:  "[203.0.113.7/32 2001:db8::7/128]",
			wantRoutes: "[198.51.100.128/25 203.0.113.0/24]",
			wantDNS:    ".->[192.0.2.53:53]",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := loadProfile(t, c.profile)
			d := ComputeDesired(p, "fv0", 1400, gw, c.reply, saved)
			check := func(what, got, want string) {
				if want == "" {
					want = "[]"
				}
				if got != want {
					t.Errorf("%s = %s, want %s", what, got, want)
				}
			}
			check("addrs", fmt.Sprint(d.Router.Addrs), c.wantAddrs)
			check("routes", fmt.Sprint(d.Router.Routes), c.wantRoutes)
			check("exclude", fmt.Sprint(d.Router.Exclude), c.wantExclude)
			if got := routesString(d.DNS); got != c.wantDNS {
				t.Errorf("dns = %s, want %s", got, c.wantDNS)
			}
		})
	}
}
