package datapath

import "testing"

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want datagramKind
	}{
		{"keepalive", []byte{0xff}, kindKeepalive},
		{"other single byte", []byte{0x00}, kindMalformed},
		{"empty", nil, kindMalformed},
		{"two 0xff", []byte{0xff, 0xff}, kindMalformed},
		{"bare marker", []byte{0, 0, 0, 0}, kindMalformed},
		{"ike", append([]byte{0, 0, 0, 0}, make([]byte, 28)...), kindIKE},
		{"short esp", []byte{0, 0, 1, 0, 0, 0, 0}, kindMalformed},
		{"esp header", []byte{0, 0, 1, 0, 0, 0, 0, 1}, kindESP},
		{"esp with body", append([]byte{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1}, make([]byte, 40)...), kindESP},
	}
	for _, tt := range tests {
		if got := classify(tt.b); got != tt.want {
			t.Errorf("%s: classify = %d, want %d", tt.name, got, tt.want)
		}
	}
}
