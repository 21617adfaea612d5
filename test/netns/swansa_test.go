package netns

import (
	"net/netip"
	"os"
	"reflect"
	"testing"
)

func TestParseListSAs(t *testing.T) {
	b, err := os.ReadFile("testdata/list_sas_pretty.txt")
	if err != nil {
		t.Fatal(err)
	}
	sas, err := ParseListSAs(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(sas) != 2 {
		t.Fatalf("got %d SAs, want 2", len(sas))
	}
	ra := sas[0]
	if ra.Name != "ra" || ra.State != "ESTABLISHED" || ra.Initiator || ra.UniqueID != 1 {
		t.Errorf("ra header = %q %q initiator=%v id=%d", ra.Name, ra.State, ra.Initiator, ra.UniqueID)
	}
	if ra.LocalID != "C=CH, O=flexvpn test, CN=gw.flexvpn.test" {
		t.Errorf("LocalID = %q: a DN with spaces must survive", ra.LocalID)
	}
	if ra.RemoteHost != netip.MustParseAddrPort("192.0.2.10:4500") || ra.SPIi != "5543de28869dd9d6" {
		t.Errorf("RemoteHost = %v, SPIi = %s", ra.RemoteHost, ra.SPIi)
	}
	if ra.Fields["remote-eap-id"] != "alice" || ra.EncrKeyLen != 128 || ra.DHGroup != "CURVE_25519" {
		t.Errorf("fields: eap-id %q keylen %d dh %q", ra.Fields["remote-eap-id"], ra.EncrKeyLen, ra.DHGroup)
	}
	if !reflect.DeepEqual(ra.RemoteVIPs, []netip.Addr{netip.MustParseAddr("10.99.0.1")}) || ra.LocalVIPs != nil {
		t.Errorf("VIPs local %v remote %v", ra.LocalVIPs, ra.RemoteVIPs)
	}
	net, ok := ra.Child("net")
	if !ok {
		t.Fatal("child net missing")
	}
	wantTS := []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("192.0.2.0/24")}
	if !reflect.DeepEqual(net.LocalTS, wantTS) || net.RemoteTS[0] != netip.MustParsePrefix("10.99.0.1/32") {
		t.Errorf("TS local %v remote %v", net.LocalTS, net.RemoteTS)
	}
	if net.State != "INSTALLED" || !net.Encap || net.SPIIn != "b94563d6" || net.BytesOut != 84 || net.PacketsIn != 1 {
		t.Errorf("child = %+v", net)
	}
	if sas[1].State != "CONNECTING" || !sas[1].Initiator || len(sas[1].Children) != 0 {
		t.Errorf("second = %+v", sas[1])
	}
	if _, ok := sas[1].Child("net"); ok {
		t.Error("Child found a child that does not exist")
	}
}

func TestParseListSAsRejectsGarbage(t *testing.T) {
	for _, in := range []string{"a {\n", "}\n", "a {\nb = [\n", "a {\nnot a pair\n}\n"} {
		if _, err := ParseListSAs(in); err == nil {
			t.Errorf("ParseListSAs(%q) succeeded", in)
		}
	}
	sas, err := ParseListSAs("")
	if err != nil || len(sas) != 0 {
		t.Errorf("empty output: %v %v", sas, err)
	}
}
