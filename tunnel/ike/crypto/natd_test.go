package crypto

import (
	"bytes"
	"crypto/sha1"
	"net/netip"
	"testing"
)

func TestNATDetectionHash(t *testing.T) {
	ap := netip.MustParseAddrPort("192.0.2.1:500")
	want := sha1.Sum([]byte{
		1, 2, 3, 4, 5, 6, 7, 8, // SPIi
		0, 0, 0, 0, 0, 0, 0, 0, // SPIr (zero in the IKE_SA_INIT request)
		192, 0, 2, 1, // IP
		0x01, 0xf4, // port
	})
	if got := NATDetectionHash(0x0102030405060708, 0, ap); !bytes.Equal(got, want[:]) {
		t.Fatalf("hash %x, want %x", got, want)
	}
	mapped := netip.AddrPortFrom(netip.MustParseAddr("::ffff:192.0.2.1"), 500)
	if !bytes.Equal(NATDetectionHash(1, 2, ap), NATDetectionHash(1, 2, mapped)) {
		t.Error("IPv4-mapped address hashed differently")
	}
	v6 := netip.MustParseAddrPort("[2001:db8::1]:4500")
	want6 := sha1.Sum(append(append(make([]byte, 16), netip.MustParseAddr("2001:db8::1").AsSlice()...), 0x11, 0x94))
	if got := NATDetectionHash(0, 0, v6); !bytes.Equal(got, want6[:]) {
		t.Fatalf("IPv6 hash %x, want %x", got, want6)
	}
	if bytes.Equal(NATDetectionHash(1, 2, ap), NATDetectionHash(1, 2, netip.MustParseAddrPort("192.0.2.1:4500"))) {
		t.Error("port not hashed")
	}
}
