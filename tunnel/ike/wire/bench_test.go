package wire

import "testing"

// IKE messages are control traffic, not per-packet, but the decoder sits
// on the receive path of every IKE datagram (including floods of forged
// IKE_SA_INIT), so its cost and allocation count are worth watching.

func BenchmarkDecodeInitRequest(b *testing.B) {
	raw := hx(b, initRequest)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeInitRequest(b *testing.B) {
	m, err := Decode(hx(b, initRequest))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeHeader(b *testing.B) {
	raw := hx(b, skMessage)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeHeader(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSK(b *testing.B) {
	raw := hx(b, skMessage)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
