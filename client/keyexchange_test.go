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
