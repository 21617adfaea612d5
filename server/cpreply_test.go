package server

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// render shows attributes as "TYPE=hex" so expectations state the exact
// bytes on the wire.
func render(attrs []wire.CPAttr) []string {
	out := make([]string, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, fmt.Sprintf("%v=%s", a.Type, hex.EncodeToString(a.Value)))
	}
	return out
}

func req(types ...wire.CPAttrType) CPRequest {
	attrs := make([]wire.CPAttr, len(types))
	for i, t := range types {
		attrs[i] = wire.CPAttr{Type: t}
	}
	return ParseCPRequest(attrs)
}

func TestBuildCPReply(t *testing.T) {
	full := Attributes{
		Netmask:        netip.MustParseAddr("255.255.255.0"),
		DNS:            addrs("192.0.2.53", "2001:db8::53"),
		NBNS:           addrs("192.0.2.137", "2001:db8::137"),
		SplitNetworks:  []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8:100::/48")},
		SplitDNS:       []string{"corp.example", "lab.example"},
		DefaultDomain:  "example.com",
		Banner:         "welcome",
		BackupGateways: []string{"192.0.2.2", "vpn2.example.com"},
	}
	lease := Lease{IP4: netip.MustParseAddr("203.0.113.10"), IP6: netip.MustParseAddr("2001:db8:1::10")}
	std := []string{
		"INTERNAL_IP4_DNS=c0000235",
		"INTERNAL_IP6_DNS=20010db8000000000000000000000053",
		"INTERNAL_IP4_NBNS=c0000289",
		"INTERNAL_IP4_SUBNET=c6336400ffffff00",
		"INTERNAL_IP6_SUBNET=20010db8010000000000000000000000" + "30",
	}
	unity := []string{
		"UNITY_SPLIT_INCLUDE=c6336400ffffff00000000000000",
		"UNITY_SPLITDNS_NAME=" + hex.EncodeToString([]byte("corp.example,lab.example")),
		"UNITY_DEF_DOMAIN=" + hex.EncodeToString([]byte("example.com")),
		"UNITY_BANNER=" + hex.EncodeToString([]byte("welcome")),
		"UNITY_BACKUP_SERVERS=" + hex.EncodeToString([]byte("192.0.2.2")),
		"UNITY_BACKUP_SERVERS=" + hex.EncodeToString([]byte("vpn2.example.com")),
	}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		req   CPRequest
		attrs Attributes
		lease Lease
		info  ReplyInfo
		want  []string
	}{
		{"v4 address with netmask, unrequested standard attrs", req(wire.INTERNAL_IP4_ADDRESS), full, Lease{IP4: lease.IP4}, ReplyInfo{},
			cat([]string{"INTERNAL_IP4_ADDRESS=cb00710a", "INTERNAL_IP4_NETMASK=ffffff00"}, std)},
		{"no address unless asked", req(wire.INTERNAL_IP4_DNS), full, lease, ReplyInfo{}, std},
		{"no netmask without address", req(wire.INTERNAL_IP4_ADDRESS, wire.INTERNAL_IP4_NETMASK), full, Lease{}, ReplyInfo{}, std},
		{"no netmask unless authorized", req(wire.INTERNAL_IP4_ADDRESS), Attributes{}, Lease{IP4: lease.IP4}, ReplyInfo{},
			[]string{"INTERNAL_IP4_ADDRESS=cb00710a"}},
		{"v6 address is a /128", req(wire.INTERNAL_IP6_ADDRESS), Attributes{}, lease, ReplyInfo{},
			[]string{"INTERNAL_IP6_ADDRESS=20010db8000100000000000000000010" + "80"}},
		{"split DNS domain only when requested", req(wire.INTERNAL_IP4_ADDRESS, wire.INTERNAL_DNS_DOMAIN), full, Lease{IP4: lease.IP4}, ReplyInfo{},
			cat([]string{"INTERNAL_IP4_ADDRESS=cb00710a", "INTERNAL_IP4_NETMASK=ffffff00"}, std, []string{
				"INTERNAL_DNS_DOMAIN=" + hex.EncodeToString([]byte("corp.example")),
				"INTERNAL_DNS_DOMAIN=" + hex.EncodeToString([]byte("lab.example"))})},
		{"split DNS domain needs DNS servers", req(wire.INTERNAL_DNS_DOMAIN), Attributes{SplitDNS: []string{"corp.example"}}, Lease{}, ReplyInfo{}, nil},
		{"unity when a unity attribute is asked", req(wire.UNITY_BANNER), full, Lease{}, ReplyInfo{AppVersion: "flexvpn 1"}, cat(std, unity)},
		{"unity and version to a Cisco client", req(), full, Lease{}, ReplyInfo{AppVersion: "flexvpn 1", CiscoClient: true},
			cat(std, unity, []string{"APPLICATION_VERSION=" + hex.EncodeToString([]byte("flexvpn 1"))})},
		{"version when asked", req(wire.APPLICATION_VERSION), Attributes{}, Lease{}, ReplyInfo{AppVersion: "v"},
			[]string{"APPLICATION_VERSION=76"}},
		{"nothing configured", req(wire.INTERNAL_IP4_DNS, wire.APPLICATION_VERSION), Attributes{}, Lease{}, ReplyInfo{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(BuildCPReply(tt.req, tt.attrs, tt.lease, tt.info))
			if !reflect.DeepEqual(got, tt.want) && (len(got) > 0 || len(tt.want) > 0) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestUnityListsCapped(t *testing.T) {
	a := Attributes{}
	for i := 0; i < 15; i++ {
		a.SplitDNS = append(a.SplitDNS, fmt.Sprintf("d%d.example", i))
		a.BackupGateways = append(a.BackupGateways, fmt.Sprintf("gw%d.example", i))
	}
	n := map[wire.CPAttrType]int{}
	for _, at := range BuildCPReply(CPRequest{}, a, Lease{}, ReplyInfo{CiscoClient: true}) {
		n[at.Type]++
	}
	if n[wire.UNITY_SPLITDNS_NAME] != 1 || n[wire.UNITY_BACKUP_SERVERS] != 10 {
		t.Fatalf("counts %v", n)
	}
	for _, at := range BuildCPReply(CPRequest{}, a, Lease{}, ReplyInfo{CiscoClient: true}) {
		if at.Type == wire.UNITY_SPLITDNS_NAME && strings.Count(string(at.Value), ",") != 9 {
			t.Fatalf("split DNS %q", at.Value)
		}
	}
}

func TestParseCPRequest(t *testing.T) {
	attrs := []wire.CPAttr{
		{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{203, 0, 113, 9}},
		{Type: wire.INTERNAL_IP6_ADDRESS, Value: append(netip.MustParseAddr("2001:db8:1::9").AsSlice(), 128)},
		{Type: wire.INTERNAL_IP4_SUBNET, Value: []byte{198, 51, 100, 0, 255, 255, 255, 0}},
		{Type: wire.INTERNAL_IP6_SUBNET, Value: append(netip.MustParseAddr("2001:db8:200::1").AsSlice(), 64)},
		{Type: wire.INTERNAL_IP4_SUBNET, Value: []byte{198, 51, 100, 0, 255, 0, 255, 0}}, // non-contiguous
		{Type: wire.INTERNAL_IP4_DNS, Value: []byte{1, 2, 3}},                            // unused value
		{Type: wire.APPLICATION_VERSION, Value: []byte("strongSwan\x00")},
		{Type: wire.INTERNAL_DNS_DOMAIN},
	}
	r := ParseCPRequest(attrs)
	if !r.IP4 || !r.IP6 || r.IP4Hint != netip.MustParseAddr("203.0.113.9") || r.IP6Hint != netip.MustParseAddr("2001:db8:1::9") {
		t.Fatalf("addresses: %+v", r)
	}
	want := []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8:200::/64")}
	if !reflect.DeepEqual(r.Subnets, want) {
		t.Fatalf("subnets %v", r.Subnets)
	}
	if r.AppVersion != "strongSwan" || !r.Asked(wire.INTERNAL_DNS_DOMAIN) || r.Asked(wire.UNITY_BANNER) {
		t.Fatalf("version %q / asked", r.AppVersion)
	}
	if !reflect.DeepEqual(r.Ignored, []wire.CPAttrType{wire.INTERNAL_IP4_SUBNET}) {
		t.Fatalf("ignored %v", r.Ignored)
	}
	// 0.0.0.0 is "any address", not a hint; a short value is ignored.
	r = ParseCPRequest([]wire.CPAttr{{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{0, 0, 0, 0}},
		{Type: wire.INTERNAL_IP6_ADDRESS, Value: []byte{1}}})
	if !r.IP4 || r.IP4Hint.IsValid() || !r.IP6 || r.IP6Hint.IsValid() || len(r.Ignored) != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestAllowedSelectors(t *testing.T) {
	v4 := netip.MustParseAddr("203.0.113.10")
	v6 := netip.MustParseAddr("2001:db8:1::10")
	split := Attributes{SplitNetworks: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}
	sel := func(s ...string) []wire.TrafficSelector {
		var out []wire.TrafficSelector
		for _, p := range s {
			out = append(out, wire.SelectorFromPrefix(netip.MustParsePrefix(p)))
		}
		return out
	}
	tests := []struct {
		name          string
		a             Attributes
		l             Lease
		local, remote []wire.TrafficSelector
	}{
		{"split v4", split, Lease{IP4: v4}, sel("198.51.100.0/24"), sel("203.0.113.10/32")},
		{"full tunnel v4", Attributes{}, Lease{IP4: v4}, sel("0.0.0.0/0"), sel("203.0.113.10/32")},
		{"full tunnel dual", Attributes{}, Lease{IP4: v4, IP6: v6}, sel("0.0.0.0/0", "::/0"), sel("203.0.113.10/32", "2001:db8:1::10/128")},
		{"full tunnel v6 only", Attributes{}, Lease{IP6: v6}, sel("::/0"), sel("2001:db8:1::10/128")},
		{"no lease keeps client TSi", split, Lease{}, sel("198.51.100.0/24"), nil},
		{"uncovered DNS reachable", Attributes{SplitNetworks: split.SplitNetworks, DNS: addrs("198.51.100.53", "192.0.2.53"),
			NBNS: addrs("192.0.2.137")}, Lease{IP4: v4}, sel("198.51.100.0/24", "192.0.2.53/32", "192.0.2.137/32"), sel("203.0.113.10/32")},
		{"full tunnel covers DNS", Attributes{DNS: addrs("192.0.2.53")}, Lease{IP4: v4}, sel("0.0.0.0/0"), sel("203.0.113.10/32")},
	}
	for _, tt := range tests {
		n := AllowedSelectors(tt.a, tt.l)
		if !reflect.DeepEqual(n.Local, tt.local) || !reflect.DeepEqual(n.Remote, tt.remote) {
			t.Errorf("%s: got %+v", tt.name, n)
		}
	}
}

func FuzzParseCPRequest(f *testing.F) {
	f.Add(uint16(wire.INTERNAL_IP4_SUBNET), []byte{198, 51, 100, 0, 255, 255, 255, 0}, uint16(8), []byte{})
	f.Add(uint16(wire.INTERNAL_IP6_ADDRESS), make([]byte, 17), uint16(7), []byte("x"))
	f.Fuzz(func(t *testing.T, t1 uint16, v1 []byte, t2 uint16, v2 []byte) {
		r := ParseCPRequest([]wire.CPAttr{{Type: wire.CPAttrType(t1), Value: v1}, {Type: wire.CPAttrType(t2), Value: v2}})
		for _, p := range r.Subnets {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("bad subnet %v", p)
			}
		}
		// Whatever was asked, the reply builder copes.
		_ = BuildCPReply(r, Attributes{SplitNetworks: r.Subnets}, Lease{IP4: r.IP4Hint, IP6: r.IP6Hint}, ReplyInfo{CiscoClient: true})
	})
}
