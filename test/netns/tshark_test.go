package netns

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// ikeHeaderHex is a 28-byte IKE_SA_INIT request header (I flag, MID 0).
const ikeHeaderHex = "f6dbfe067548ce24000000000000000021202208000000000000001c"

func TestParseIKEField(t *testing.T) {
	d, err := parseIKEField("1|192.0.2.10||500|192.0.2.1||500|" + ikeHeaderHex + "|")
	if err != nil {
		t.Fatal(err)
	}
	if d.Frame != 1 || d.Src != netip.MustParseAddrPort("192.0.2.10:500") || d.Dst.Port() != 500 {
		t.Errorf("got frame %d %v -> %v", d.Frame, d.Src, d.Dst)
	}
	if d.Exchange() != 34 || d.Response() || !d.Initiator() || d.MessageID() != 0 || len(d.Message) != 28 {
		t.Errorf("header: exch %d resp %v init %v mid %d len %d", d.Exchange(), d.Response(), d.Initiator(), d.MessageID(), len(d.Message))
	}
	// On 4500 the non-ESP marker is stripped; IPv6 addresses work.
	d, err = parseIKEField("7||2001:db8::1|4500||2001:db8::2|4500|00000000" + ikeHeaderHex + "|33,2,3,3,34,41")
	if err != nil {
		t.Fatal(err)
	}
	if d.Src != netip.MustParseAddrPort("[2001:db8::1]:4500") || len(d.Message) != 28 || d.Message[0] != 0xf6 {
		t.Errorf("4500/IPv6: src %v len %d first %#x", d.Src, len(d.Message), d.Message[0])
	}
	if !bytes.Equal(d.PayloadTypes, []byte{33, 34, 41}) {
		t.Errorf("PayloadTypes = %v", d.PayloadTypes)
	}
	if !bytes.Equal(d.Message[:8], []byte{0xf6, 0xdb, 0xfe, 0x06, 0x75, 0x48, 0xce, 0x24}) {
		t.Errorf("SPI bytes = %x", d.Message[:8])
	}
}

func TestParseIKEFieldErrors(t *testing.T) {
	for _, line := range []string{
		"1|192.0.2.10||500|192.0.2.1||500|" + ikeHeaderHex,           // too few columns
		"1|192.0.2.10||500|192.0.2.1||500|" + ikeHeaderHex + "|33,x", // types
		"x|192.0.2.10||500|192.0.2.1||500|" + ikeHeaderHex + "|",     // frame
		"1|bogus||500|192.0.2.1||500|" + ikeHeaderHex + "|",          // address
		"1|192.0.2.10||500|192.0.2.1||500|zz|",                       // hex
		"1|192.0.2.10||4500|192.0.2.1||4500|" + ikeHeaderHex + "|",   // no marker on 4500
		"1|192.0.2.10||500|192.0.2.1||500|00112233|",                 // short
	} {
		if _, err := parseIKEField(line); err == nil {
			t.Errorf("parseIKEField(%q) succeeded", strings.TrimSpace(line))
		}
	}
}
