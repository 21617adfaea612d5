package server

import (
	"net/netip"
	"reflect"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(s))
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

func TestBuildCPSet(t *testing.T) {
	a := Attributes{FramedIP4: netip.MustParseAddr("203.0.113.9"), Netmask: netip.MustParseAddr("255.255.255.0"),
		DNS: addrs("192.0.2.53"), Banner: "hi"}
	got := render(BuildCPSet(a, ReplyInfo{}))
	want := []string{"INTERNAL_IP4_DNS=c0000235"} // no address, no netmask, no Unity for a non-Cisco client
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	if got := BuildCPSet(Attributes{}, ReplyInfo{AppVersion: "v"}); len(got) != 0 {
		t.Fatalf("nothing to push, got %v", render(got))
	}
	if got := render(BuildCPSet(a, ReplyInfo{CiscoClient: true})); len(got) != 2 || got[1] != "UNITY_BANNER=6869" {
		t.Fatalf("cisco: %v", got)
	}
}

func TestAcceptAnnouncedAndAck(t *testing.T) {
	pools := Pools{"lan": newPool(t, "203.0.113.0/24", "203.0.113.1")}
	a := Attributes{SplitNetworks: prefixes("198.51.100.0/24")}
	announced := prefixes("192.0.2.128/25", "198.51.100.128/25", "203.0.113.0/28", "0.0.0.0/0", "2001:db8:300::/48", "10.0.0.0/8")
	acc, rej := AcceptAnnounced(announced, a, pools)
	if !reflect.DeepEqual(acc, prefixes("192.0.2.128/25", "2001:db8:300::/48", "10.0.0.0/8")) ||
		!reflect.DeepEqual(rej, prefixes("198.51.100.128/25", "203.0.113.0/28", "0.0.0.0/0")) {
		t.Fatalf("accepted %v rejected %v", acc, rej)
	}
	set := ParseCPRequest([]wire.CPAttr{{Type: wire.APPLICATION_VERSION, Value: []byte("router 1")}})
	got := render(BuildCPAck(set, acc))
	if !reflect.DeepEqual(got, []string{"INTERNAL_IP4_SUBNET=", "INTERNAL_IP6_SUBNET=", "APPLICATION_VERSION="}) {
		t.Fatalf("ack %v", got)
	}
	if got := BuildCPAck(CPRequest{}, nil); len(got) != 0 {
		t.Fatalf("empty ack %v", render(got))
	}
}
