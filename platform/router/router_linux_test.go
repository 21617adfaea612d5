//go:build linux

package router

import (
	"net/netip"
	"strings"
	"testing"
)

func prefixes(s ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, x := range s {
		out = append(out, netip.MustParsePrefix(x))
	}
	return out
}

// TestLinuxTranscript narrates a tunnel's life: connect with split routes,
// a reconnect that changes one route and the address, an identical Set
// that does nothing, and the teardown.
func TestLinuxTranscript(t *testing.T) {
	rec := &RecordingRunner{}
	r := New(rec)
	steps := []struct {
		name string
		cfg  Config
		want string
	}{
		{
			name: "connect",
			cfg: Config{Interface: "fv0", MTU: 1400, Addrs: prefixes("203.0.113.5/32"),
				Routes:  prefixes("198.51.100.0/24", "2001:db8::/32"),
				Exclude: prefixes("192.0.2.1/32")},
			want: `
ip link set dev fv0 mtu 1400
ip link set dev fv0 up
ip -4 addr replace 203.0.113.5/32 dev fv0
ip -4 route replace throw 192.0.2.1/32 table 5300
ip -4 route replace 198.51.100.0/24 dev fv0 table 5300
ip -6 route replace 2001:db8::/32 dev fv0 table 5300
ip -4 rule add priority 5300 lookup 5300
ip -6 rule add priority 5300 lookup 5300`,
		},
		{
			name: "new address and one route changed",
			cfg: Config{Interface: "fv0", MTU: 1400, Addrs: prefixes("203.0.113.6/32"),
				Routes:  prefixes("198.51.100.0/25", "2001:db8::/32"),
				Exclude: prefixes("192.0.2.1/32")},
			want: `
ip -4 route del 198.51.100.0/24 dev fv0 table 5300
ip -4 addr del 203.0.113.5/32 dev fv0
ip -4 addr replace 203.0.113.6/32 dev fv0
ip -4 route replace 198.51.100.0/25 dev fv0 table 5300`,
		},
		{
			name: "same config again is a no-op",
			cfg: Config{Interface: "fv0", MTU: 1400, Addrs: prefixes("203.0.113.6/32"),
				Routes:  prefixes("2001:db8::/32", "198.51.100.0/25"),
				Exclude: prefixes("192.0.2.1/32")},
			want: ``,
		},
		{
			name: "teardown",
			cfg:  Config{},
			want: `
ip -4 rule del priority 5300 lookup 5300
ip -6 rule del priority 5300 lookup 5300
ip -4 route flush table 5300
ip -6 route flush table 5300
ip -4 addr del 203.0.113.6/32 dev fv0`,
		},
	}
	for _, s := range steps {
		rec.Commands = nil
		if err := r.Set(s.cfg); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := strings.Join(rec.Commands, "\n")
		if want := strings.TrimPrefix(s.want, "\n"); got != want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", s.name, got, want)
		}
	}
}

func TestLinuxFailureKeepsGoingAndReports(t *testing.T) {
	rec := &RecordingRunner{Fail: "ip -4 route replace 198.51.100.0/24"}
	r := New(rec)
	err := r.Set(Config{Interface: "fv0", Routes: prefixes("198.51.100.0/24", "203.0.113.0/24")})
	if err == nil || !strings.Contains(err.Error(), "198.51.100.0/24") {
		t.Fatalf("err = %v, want the failing route named", err)
	}
	if !strings.Contains(strings.Join(rec.Commands, "\n"), "203.0.113.0/24") {
		t.Errorf("the route after the failing one was not applied: %q", rec.Commands)
	}
}
