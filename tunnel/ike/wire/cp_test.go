package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"testing"
)

// cfgReply is a CP(CFG_REPLY) payload body written by hand: header, then
// attributes laid out as in RFC 7296 3.15.1 and the Unity record format.
const cfgReply = `
02 000000                                  # CFG_REPLY
0001 0004 0a000005                         # INTERNAL_IP4_ADDRESS 10.0.0.5
0002 0004 ffffff00                         # INTERNAL_IP4_NETMASK /24
0003 0004 0a000001                         # INTERNAL_IP4_DNS 10.0.0.1
000a 0010 20010db8000000000000000000000053 # INTERNAL_IP6_DNS 2001:db8::53
0008 0011 20010db8000100000000000000000005 40 # INTERNAL_IP6_ADDRESS 2001:db8:1::5/64
000d 0008 c0a80000 ffff0000                # INTERNAL_IP4_SUBNET 192.168.0.0/16
000f 0011 20010db8ffff00000000000000000000 30 # INTERNAL_IP6_SUBNET 2001:db8:ffff::/48
0019 000c 636f72702e6578616d706c65         # INTERNAL_DNS_DOMAIN corp.example
7000 0005 68656c6c6f                       # UNITY_BANNER hello
7003 0007 612e782c622e79                   # UNITY_SPLITDNS_NAME a.x,b.y
7004 001c 0a010000 ffff0000 000000000000   # UNITY_SPLIT_INCLUDE 10.1.0.0/16
          ac100000 fff00000 000000000000   #   and 172.16.0.0/12
7006 000e c0a80100 ffffff00 000000000000   # UNITY_LOCAL_LAN 192.168.1.0/24
7009 000a 67772e6578616d706c65             # UNITY_BACKUP_SERVERS gw.example
7007 0002 0001                             # UNITY_PFS 1
`

func TestCPConfigFromVector(t *testing.T) {
	body := hx(t, cfgReply)
	cp, err := decodeCP(body)
	if err != nil {
		t.Fatal(err)
	}
	if cp.CfgType != CFG_REPLY || len(cp.Attributes) != 14 {
		t.Fatalf("cp: type %v, %d attributes", cp.CfgType, len(cp.Attributes))
	}
	c, err := ParseCPConfig(cp)
	if err != nil {
		t.Fatal(err)
	}
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	want := CPConfig{
		IP4Address:    addr("10.0.0.5"),
		IP4Netmask:    24,
		IP6Address:    pfx("2001:db8:1::5/64"),
		DNS:           []netip.Addr{addr("10.0.0.1"), addr("2001:db8::53")},
		Subnets:       []netip.Prefix{pfx("192.168.0.0/16"), pfx("2001:db8:ffff::/48")},
		DNSDomains:    []string{"corp.example"},
		Banner:        "hello",
		SplitDNS:      []string{"a.x", "b.y"},
		SplitInclude:  []netip.Prefix{pfx("10.1.0.0/16"), pfx("172.16.0.0/12")},
		LocalLAN:      []netip.Prefix{pfx("192.168.1.0/24")},
		BackupServers: []string{"gw.example"},
		PFS:           true,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("config:\n got %+v\nwant %+v", c, want)
	}
	attrs, err := c.Attributes()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCPConfig(&CP{Attributes: attrs})
	if err != nil || !reflect.DeepEqual(back, want) {
		t.Fatalf("rebuild: %v\n got %+v", err, back)
	}
}

func TestCPAttrBadLengthsAreLocal(t *testing.T) {
	cp := &CP{CfgType: CFG_REPLY, Attributes: []CPAttr{
		{Type: INTERNAL_IP4_ADDRESS, Value: []byte{10, 0, 0, 9}},
		{Type: INTERNAL_IP4_DNS, Value: []byte{1, 2, 3}},                  // short
		{Type: INTERNAL_IP4_SUBNET, Value: hx(t, "0a000000 ff00ff00")},    // holey mask
		{Type: INTERNAL_IP6_ADDRESS, Value: make([]byte, 16)},             // no prefix byte
		{Type: UNITY_SPLIT_INCLUDE, Value: make([]byte, 13)},              // partial record
		{Type: INTERNAL_IP6_SUBNET, Value: append(make([]byte, 16), 129)}, // prefix > 128
		{Type: UNITY_PFS, Value: []byte{1}},
	}}
	c, err := ParseCPConfig(cp)
	if err == nil {
		t.Fatal("no error for malformed attributes")
	}
	if c.IP4Address != netip.MustParseAddr("10.0.0.9") {
		t.Fatalf("good attribute lost: %+v", c)
	}
	for _, sentinel := range []error{ErrBadLength, ErrBadValue} {
		if !errors.Is(err, sentinel) {
			t.Errorf("error %v does not wrap %v", err, sentinel)
		}
	}
	if len(c.DNS)+len(c.Subnets)+len(c.SplitInclude) != 0 || c.IP6Address.IsValid() || c.PFS {
		t.Fatalf("malformed attributes leaked into config: %+v", c)
	}
}

func TestCPAttrBuilders(t *testing.T) {
	pfx := netip.MustParsePrefix
	tests := []struct {
		name string
		attr func() (CPAttr, error)
		want string // hex of type, length, value
	}{
		{"ip4 address", func() (CPAttr, error) { return NewCPAddr(INTERNAL_IP4_ADDRESS, netip.MustParseAddr("192.0.2.7")) }, "0001 0004 c0000207"},
		{"v4-mapped unmapped", func() (CPAttr, error) { return NewCPAddr(INTERNAL_IP4_DNS, netip.MustParseAddr("::ffff:192.0.2.53")) }, "0003 0004 c0000235"},
		{"netmask /20", func() (CPAttr, error) { return NewCPNetmask(20) }, "0002 0004 fffff000"},
		{"netmask /0", func() (CPAttr, error) { return NewCPNetmask(0) }, "0002 0004 00000000"},
		{"ip4 subnet masks host bits", func() (CPAttr, error) { return NewCPIP4Subnet(pfx("10.1.2.3/8")) }, "000d 0008 0a000000 ff000000"},
		{"ip6 address keeps host", func() (CPAttr, error) { return NewCPIP6Address(pfx("2001:db8::7/64")) }, "0008 0011 20010db8000000000000000000000007 40"},
		{"ip6 subnet", func() (CPAttr, error) { return NewCPIP6Subnet(pfx("2001:db8::7/32")) }, "000f 0011 20010db8000000000000000000000000 20"},
		{"split include", func() (CPAttr, error) {
			return NewCPUnitySubnets(UNITY_SPLIT_INCLUDE, []netip.Prefix{pfx("10.0.0.0/8")})
		}, "7004 000e 0a000000 ff000000 000000000000"},
		{"split dns", func() (CPAttr, error) { return NewCPSplitDNS([]string{"corp.example", "lab.example"}) }, "7003 0018 636f72702e6578616d706c652c6c61622e6578616d706c65"},
		{"pfs", func() (CPAttr, error) { return NewCPUint16(UNITY_PFS, 1), nil }, "7007 0002 0001"},
		{"request", func() (CPAttr, error) { return CPRequest(INTERNAL_IP6_ADDRESS), nil }, "0008 0000"},
		{"supported", func() (CPAttr, error) { return NewCPSupportedAttributes(1, 3), nil }, "000e 0004 0001 0003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.attr()
			if err != nil {
				t.Fatal(err)
			}
			got, err := AppendCPAttributes(nil, []CPAttr{a})
			if err != nil {
				t.Fatal(err)
			}
			if want := hx(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %x", got, want)
			}
		})
	}
}

func TestCPAttrBuilderRejects(t *testing.T) {
	pfx := netip.MustParsePrefix
	bad := map[string]error{}
	_, bad["v6 in v4 attr"] = NewCPAddr(INTERNAL_IP4_ADDRESS, netip.MustParseAddr("2001:db8::1"))
	_, bad["v4 in v6 attr"] = NewCPAddr(INTERNAL_IP6_DNS, netip.MustParseAddr("192.0.2.1"))
	_, bad["non-address type"] = NewCPAddr(UNITY_BANNER, netip.MustParseAddr("192.0.2.1"))
	_, bad["netmask 33"] = NewCPNetmask(33)
	_, bad["v6 ip4 subnet"] = NewCPIP4Subnet(pfx("2001:db8::/32"))
	_, bad["v4 ip6 address"] = NewCPIP6Address(pfx("192.0.2.0/24"))
	_, bad["v6 unity"] = NewCPUnitySubnets(UNITY_LOCAL_LAN, []netip.Prefix{pfx("2001:db8::/32")})
	_, bad["unity wrong type"] = NewCPUnitySubnets(UNITY_BANNER, nil)
	_, bad["split dns comma"] = NewCPSplitDNS([]string{"a,b"})
	_, bad["backup empty"] = NewCPBackupServers([]string{""})
	for name, err := range bad {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCPAccessorsRejectWrongType(t *testing.T) {
	a := NewCPText(UNITY_BANNER, "x")
	if _, err := a.Addr(); !errors.Is(err, ErrWrongAttr) {
		t.Errorf("Addr: %v", err)
	}
	if _, err := a.Prefix(); !errors.Is(err, ErrWrongAttr) {
		t.Errorf("Prefix: %v", err)
	}
	if _, err := a.UnitySubnets(); !errors.Is(err, ErrWrongAttr) {
		t.Errorf("UnitySubnets: %v", err)
	}
	if _, err := a.SplitDNSNames(); !errors.Is(err, ErrWrongAttr) {
		t.Errorf("SplitDNSNames: %v", err)
	}
}

func TestCPTextAndLists(t *testing.T) {
	if got := NewCPText(UNITY_BANNER, "Welcome\x00\x00").Text(); got != "Welcome" {
		t.Errorf("Text = %q", got)
	}
	names, _ := NewCPText(UNITY_SPLITDNS_NAME, "a.example, b.example,,c\x00").SplitDNSNames()
	if !slices.Equal(names, []string{"a.example", "b.example", "c"}) {
		t.Errorf("SplitDNSNames = %q", names)
	}
	servers, _ := NewCPText(UNITY_BACKUP_SERVERS, "gw1.example, 192.0.2.9\ngw3").BackupServers()
	if !slices.Equal(servers, []string{"gw1.example", "192.0.2.9", "gw3"}) {
		t.Errorf("BackupServers = %q", servers)
	}
	attrs, err := NewCPBackupServers([]string{"gw1.example", "2001:db8::1"})
	if err != nil || len(attrs) != 2 || attrs[1].Text() != "2001:db8::1" {
		t.Errorf("NewCPBackupServers = %v, %v", attrs, err)
	}
}

func TestNewCPRequest(t *testing.T) {
	cp := NewCPRequest(INTERNAL_IP4_ADDRESS, INTERNAL_IP4_DNS, UNITY_SPLIT_INCLUDE)
	p := roundTripPayload(t, cp).(*CP)
	if p.CfgType != CFG_REQUEST || len(p.Attributes) != 3 || !p.Attributes[2].IsEmpty() || p.Attributes[2].Type != UNITY_SPLIT_INCLUDE {
		t.Fatalf("request = %+v", p)
	}
	if got := len(p.Get(INTERNAL_IP4_DNS)); got != 1 {
		t.Fatalf("Get = %d", got)
	}
	if !p.Has(UNITY_SPLIT_INCLUDE) || p.Has(UNITY_BANNER) {
		t.Fatal("Has wrong")
	}
}

func TestCPAttrString(t *testing.T) {
	a, _ := NewCPIP4Subnet(netip.MustParsePrefix("10.0.0.0/8"))
	for attr, want := range map[*CPAttr]string{
		&a:                           "INTERNAL_IP4_SUBNET=10.0.0.0/8",
		{Type: INTERNAL_IP4_ADDRESS}: "INTERNAL_IP4_ADDRESS=?",
		{Type: UNITY_BANNER, Value: []byte("hi")}:     "UNITY_BANNER=hi",
		{Type: UNITY_FW_TYPE, Value: []byte{1, 2, 3}}: "UNITY_FW_TYPE=[3 bytes]",
	} {
		if got := attr.String(); got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	}
}

func TestCPSupportedAttributesAndNetmask(t *testing.T) {
	a := NewCPSupportedAttributes(INTERNAL_IP4_ADDRESS, UNITY_SPLIT_INCLUDE)
	got, err := a.SupportedAttributes()
	if err != nil || !slices.Equal(got, []CPAttrType{INTERNAL_IP4_ADDRESS, UNITY_SPLIT_INCLUDE}) {
		t.Fatalf("SupportedAttributes = %v %v", got, err)
	}
	if _, err := (CPAttr{Type: SUPPORTED_ATTRIBUTES, Value: []byte{1}}).SupportedAttributes(); !errors.Is(err, ErrBadLength) {
		t.Errorf("odd length: %v", err)
	}
	if _, err := NewCPText(UNITY_BANNER, "x").SupportedAttributes(); !errors.Is(err, ErrWrongAttr) {
		t.Errorf("wrong type: %v", err)
	}
	if _, err := (CPAttr{Type: INTERNAL_IP4_NETMASK, Value: hx(t, "ff00ff00")}).NetmaskPrefixLen(); !errors.Is(err, ErrBadValue) {
		t.Errorf("holey netmask: %v", err)
	}
	if _, err := (CPAttr{Type: INTERNAL_IP4_NETMASK, Value: []byte{255}}).NetmaskPrefixLen(); !errors.Is(err, ErrBadLength) {
		t.Errorf("short netmask: %v", err)
	}
	if n, err := (CPAttr{Type: INTERNAL_IP4_NETMASK, Value: hx(t, "ffffffff")}).NetmaskPrefixLen(); err != nil || n != 32 {
		t.Errorf("/32 netmask: %d %v", n, err)
	}
}

func TestCPConfigAttributesRejectsBadValues(t *testing.T) {
	for name, c := range map[string]CPConfig{
		"dns invalid":         {DNS: []netip.Addr{{}}},
		"subnet invalid":      {Subnets: []netip.Prefix{{}}},
		"split include v6":    {SplitInclude: []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}},
		"split dns with ','":  {SplitDNS: []string{"a,b"}},
		"backup server empty": {BackupServers: []string{""}},
		"netmask 40":          {IP4Netmask: 40},
	} {
		if _, err := c.Attributes(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
