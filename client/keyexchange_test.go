package client

import (
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func TestKeyExchangeName(t *testing.T) {
	cases := []struct {
		main uint16
		add  []uint16
		want string
	}{
		{wire.KE_CURVE25519, []uint16{wire.KE_MLKEM768}, "x25519 + ML-KEM-768"},
		{wire.KE_ECP384, []uint16{wire.KE_MLKEM1024, wire.KE_MLKEM768}, "ecp384 + ML-KEM-1024 + ML-KEM-768"},
		{wire.KE_ECP256, nil, "ecp256"},
		{wire.KE_MLKEM768, nil, "ML-KEM-768"},
		{wire.KE_CURVE25519, []uint16{wire.KE_NONE}, "x25519"}, // an optional ADDKE left out
		{0, []uint16{wire.KE_MLKEM768}, "ML-KEM-768"},          // main group not seen
		{wire.KE_CURVE448, nil, "CURVE_448"},                   // no keyword: the registry name
		{0, nil, ""},
	}
	for _, c := range cases {
		if got := keyExchangeName(c.main, c.add); got != c.want {
			t.Errorf("keyExchangeName(%d, %v) = %q, want %q", c.main, c.add, got, c.want)
		}
	}
}

// initMessage encodes an IKE_SA_INIT with a KE payload of group.
func initMessage(t testing.TB, flags wire.Flags, exch wire.ExchangeType, group uint16) []byte {
	t.Helper()
	m := &wire.Message{Header: wire.Header{SPIi: 1, SPIr: 2, Exchange: exch, Flags: flags},
		Payloads: []wire.Payload{&wire.KE{Group: group, Data: make([]byte, 32)}, &wire.Nonce{Data: make([]byte, 32)}}}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInitResponseGroup: only the gateway's IKE_SA_INIT response names
// the main group; our own request, other exchanges and junk do not.
func TestInitResponseGroup(t *testing.T) {
	if g, ok := initResponseGroup(initMessage(t, wire.FlagResponse, wire.IKE_SA_INIT, wire.KE_ECP384)); !ok || g != wire.KE_ECP384 {
		t.Errorf("response: group %d, %v; want %d", g, ok, wire.KE_ECP384)
	}
	for name, pkt := range map[string][]byte{
		"request":   initMessage(t, wire.FlagInitiator, wire.IKE_SA_INIT, wire.KE_ECP384),
		"other":     initMessage(t, wire.FlagResponse, wire.CREATE_CHILD_SA, wire.KE_ECP384),
		"truncated": initMessage(t, wire.FlagResponse, wire.IKE_SA_INIT, wire.KE_ECP384)[:40],
		"empty":     nil,
	} {
		if g, ok := initResponseGroup(pkt); ok {
			t.Errorf("%s: group %d reported", name, g)
		}
	}
}

// FuzzInitResponseGroup: the gateway's bytes never panic the observer.
func FuzzInitResponseGroup(f *testing.F) {
	f.Add(initMessage(f, wire.FlagResponse, wire.IKE_SA_INIT, wire.KE_CURVE25519))
	f.Add(initMessage(f, wire.FlagInitiator, wire.IKE_SA_INIT, wire.KE_CURVE25519))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if g, ok := initResponseGroup(pkt); !ok && g != 0 {
			t.Fatalf("group %d without ok", g)
		}
	})
}

// BenchmarkInitResponseGroupOther: every IKE datagram after the
// handshake passes the observer, which must only read its header.
func BenchmarkInitResponseGroupOther(b *testing.B) {
	pkt := initMessage(b, wire.FlagResponse, wire.INFORMATIONAL, wire.KE_CURVE25519)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := initResponseGroup(pkt); ok {
			b.Fatal("an INFORMATIONAL reported a group")
		}
	}
	if a := testing.AllocsPerRun(100, func() { initResponseGroup(pkt) }); a != 0 {
		b.Fatalf("%v allocations per message", a)
	}
}
