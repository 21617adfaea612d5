package ike

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestParseConfigReply(t *testing.T) {
	attrs := []wire.CPAttr{
		{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{10, 0, 0, 7}},
		{Type: wire.INTERNAL_IP4_NETMASK, Value: []byte{255, 255, 0, 0}},
		{Type: wire.INTERNAL_IP6_ADDRESS, Value: append(netip.MustParseAddr("2001:db8::7").AsSlice(), 64)},
		{Type: wire.INTERNAL_IP6_DNS, Value: netip.MustParseAddr("2001:db8::53").AsSlice()},
		{Type: wire.UNITY_SPLIT_INCLUDE, Value: []byte{198, 51, 100, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 203, 0, 113, 0, 255, 255, 255, 128, 0, 0, 0, 0, 0, 0}},
		{Type: wire.UNITY_LOCAL_LAN, Value: []byte{192, 168, 1, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0}},
		{Type: wire.UNITY_BACKUP_SERVERS, Value: []byte("gw2.example.com\ngw3.example.com")},
		{Type: wire.UNITY_DEF_DOMAIN, Value: []byte("example.com")},
		{Type: wire.UNITY_SAVE_PASSWD, Value: []byte{0, 1}},
	}
	r, err := parseConfigReply(attrs)
	if err != nil {
		t.Fatal(err)
	}
	wantAddrs := []netip.Prefix{netip.MustParsePrefix("2001:db8::7/64"), netip.MustParsePrefix("10.0.0.7/16")}
	if len(r.Addresses) != 2 || r.Addresses[0] != wantAddrs[0] || r.Addresses[1] != wantAddrs[1] {
		t.Errorf("addresses %v", r.Addresses)
	}
	if len(r.SplitInclude) != 2 || r.SplitInclude[1] != netip.MustParsePrefix("203.0.113.0/25") {
		t.Errorf("split include %v", r.SplitInclude)
	}
	if len(r.LocalLAN) != 1 || len(r.BackupServers) != 2 || r.DefaultDomain != "example.com" || !r.SavePassword {
		t.Errorf("reply %+v", r)
	}
	if r.DNS[0] != netip.MustParseAddr("2001:db8::53") {
		t.Errorf("dns %v", r.DNS)
	}
}

// TestParseConfigReplyFields: every modelled attribute lands in its field;
// several IPv4 addresses share the one netmask (RFC 7296 3.15.1).
func TestParseConfigReplyFields(t *testing.T) {
	attrs := []wire.CPAttr{
		{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{10, 0, 0, 7}},
		{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{10, 0, 0, 8}},
		{Type: wire.INTERNAL_IP4_NETMASK, Value: []byte{255, 255, 255, 0}},
		{Type: wire.INTERNAL_IP4_DNS, Value: []byte{10, 0, 0, 53}},
		{Type: wire.INTERNAL_IP4_NBNS, Value: []byte{10, 0, 0, 137}},
		{Type: wire.INTERNAL_IP4_SUBNET, Value: []byte{172, 16, 0, 0, 255, 240, 0, 0}},
		{Type: wire.INTERNAL_IP6_SUBNET, Value: append(netip.MustParseAddr("2001:db8:1::").AsSlice(), 48)},
		{Type: wire.INTERNAL_DNS_DOMAIN, Value: []byte("corp.example\x00")},
		{Type: wire.UNITY_SPLITDNS_NAME, Value: []byte("a.example, b.example")},
		{Type: wire.UNITY_BANNER, Value: []byte("welcome")},
		{Type: wire.APPLICATION_VERSION, Value: []byte("gw 1.0")},
		{Type: wire.UNITY_PFS, Value: []byte{0, 1}},
		{Type: wire.UNITY_SAVE_PASSWD, Value: []byte{0, 0}},
	}
	r, err := parseConfigReply(attrs)
	if err != nil {
		t.Fatal(err)
	}
	want := &ConfigReply{
		Addresses:    []netip.Prefix{netip.MustParsePrefix("10.0.0.7/24"), netip.MustParsePrefix("10.0.0.8/24")},
		DNS:          []netip.Addr{netip.MustParseAddr("10.0.0.53")},
		NBNS:         []netip.Addr{netip.MustParseAddr("10.0.0.137")},
		Subnets:      []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("2001:db8:1::/48")},
		Domains:      []string{"corp.example"},
		SplitDNS:     []string{"a.example", "b.example"},
		Banner:       "welcome",
		AppVersion:   "gw 1.0",
		PFS:          true,
		SavePassword: false,
		Raw:          attrs,
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("reply\n got %+v\nwant %+v", r, want)
	}
}

// TestParseConfigReplyDefaults: an IPv4 address without a netmask is a
// host address, and empty attributes (a gateway echoing the request)
// configure nothing.
func TestParseConfigReplyDefaults(t *testing.T) {
	r, err := parseConfigReply([]wire.CPAttr{
		{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{192, 0, 2, 9}},
		wire.CPRequest(wire.INTERNAL_IP4_ADDRESS),
		wire.CPRequest(wire.INTERNAL_IP4_NETMASK),
		wire.CPRequest(wire.INTERNAL_IP6_DNS),
		wire.CPRequest(wire.UNITY_PFS),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Addresses) != 1 || r.Addresses[0] != netip.MustParsePrefix("192.0.2.9/32") {
		t.Errorf("addresses %v", r.Addresses)
	}
	if len(r.DNS) != 0 || r.PFS {
		t.Errorf("reply %+v", r)
	}
}

func TestParseConfigReplyRejectsMalformed(t *testing.T) {
	bad := []struct {
		attr wire.CPAttr
		why  error
	}{
		{wire.CPAttr{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{1, 2, 3}}, wire.ErrBadLength},
		{wire.CPAttr{Type: wire.INTERNAL_IP4_NETMASK, Value: []byte{255, 0, 255, 0}}, wire.ErrBadValue},
		{wire.CPAttr{Type: wire.UNITY_SPLIT_INCLUDE, Value: make([]byte, 13)}, wire.ErrBadLength},
		{wire.CPAttr{Type: wire.UNITY_LOCAL_LAN, Value: []byte{10, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0}}, wire.ErrBadValue},
		{wire.CPAttr{Type: wire.INTERNAL_IP6_SUBNET, Value: make([]byte, 16)}, wire.ErrBadLength},
		{wire.CPAttr{Type: wire.INTERNAL_IP6_ADDRESS, Value: append(make([]byte, 16), 129)}, wire.ErrBadValue},
		{wire.CPAttr{Type: wire.INTERNAL_IP6_DNS, Value: make([]byte, 17)}, wire.ErrBadLength},
		{wire.CPAttr{Type: wire.INTERNAL_IP4_SUBNET, Value: []byte{10, 0, 0, 0, 255, 0, 255, 0}}, wire.ErrBadValue},
		{wire.CPAttr{Type: wire.UNITY_PFS, Value: []byte{1}}, wire.ErrBadLength},
		{wire.CPAttr{Type: wire.UNITY_SAVE_PASSWD, Value: []byte{0, 0, 1}}, wire.ErrBadLength},
	}
	for _, b := range bad {
		good := wire.CPAttr{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{10, 0, 0, 1}}
		r, err := parseConfigReply([]wire.CPAttr{good, b.attr})
		if !errors.Is(err, ErrProtocol) || !errors.Is(err, b.why) || r != nil {
			t.Errorf("%v: reply %v, err %v; want nil reply and %v", b.attr.Type, r, err, b.why)
		}
	}
}

// TestConfigPushAndAnnounce: a router client announces its LAN with
// CFG_SET and gets CFG_ACK; a gateway pushes configuration (CFG_SET) to
// a client that asked for none.
func TestConfigPushAndAnnounce(t *testing.T) {
	lan := wire.CPAttr{Type: wire.INTERNAL_IP4_SUBNET, Value: []byte{192, 168, 7, 0, 255, 255, 255, 0}}
	s := pskServer()
	var announced []wire.CPAttr
	s.ConfigSet = func(_ context.Context, _ PeerInfo, set []wire.CPAttr) ([]wire.CPAttr, error) {
		announced = set
		return []wire.CPAttr{wire.CPRequest(wire.INTERNAL_IP4_SUBNET)}, nil
	}
	s.ConfigPush = func(context.Context, PeerInfo) []wire.CPAttr {
		return []wire.CPAttr{{Type: wire.UNITY_BANNER, Value: []byte("pushed")}}
	}
	tb := newTestbed(t, s)

	c := pskClient()
	c.RequestConfig, c.ConfigAnnounce = false, []wire.CPAttr{lan}
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	up := tb.cev.wait(t, EventUp)
	if up.Config == nil || len(up.Config.Acked) != 1 || up.Config.Acked[0] != wire.INTERNAL_IP4_SUBNET {
		t.Fatalf("CFG_ACK %+v", up.Config)
	}
	if len(announced) != 1 || string(announced[0].Value) != string(lan.Value) {
		t.Fatalf("gateway saw %v", announced)
	}

	c.ConfigAnnounce = nil
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	up = tb.cev.wait(t, EventUp)
	if up.Config == nil || !up.Config.Pushed || up.Config.Banner != "pushed" {
		t.Fatalf("pushed config %+v", up.Config)
	}
}
