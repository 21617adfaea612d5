package esp

import (
	"bytes"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// HMAC test case 1 of RFC 4868 section 2.7.2 (key 0x0b repeated to the
// key length, data "Hi There") and RFC 2202 for SHA-1, full-length outputs;
// ESP uses the leading ICV bytes (RFC 4868 2.6, RFC 2404).
var hmacVectors = []struct {
	integ uint16
	full  string
}{
	{wire.AUTH_HMAC_SHA1_96, "b617318655057264e28bc0b6fb378c8ef146be00"},
	{wire.AUTH_HMAC_SHA2_256_128, "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"},
	{wire.AUTH_HMAC_SHA2_384_192, "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee9737a959796489bddbc4c5df61d5b3297b4fb68dab9f1b582c2"},
	{wire.AUTH_HMAC_SHA2_512_256, "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8ac2878ebd5803f6f0b61dbce5e251ff8789a4722c1be65aea45fd464e89f8f5b"},
}

func TestHMACKnownAnswer(t *testing.T) {
	wantICV := map[uint16]int{wire.AUTH_HMAC_SHA1_96: 12, wire.AUTH_HMAC_SHA2_256_128: 16, wire.AUTH_HMAC_SHA2_384_192: 24, wire.AUTH_HMAC_SHA2_512_256: 32}
	for _, v := range hmacVectors {
		_, keyLen, icv, err := integSpec(v.integ)
		if err != nil || icv != wantICV[v.integ] {
			t.Fatalf("integSpec(%d) = icv %d, %v", v.integ, icv, err)
		}
		cfg := Config{Encr: wire.ENCR_AES_CBC, EncrKey: make([]byte, 16), Integ: v.integ, IntegKey: bytes.Repeat([]byte{0x0b}, keyLen)}
		tr, err := newCBCTransform(&cfg, false)
		if err != nil {
			t.Fatal(err)
		}
		w := tr.workers.Get().(*cbcWorker)
		got := tr.mac(w, []byte("Hi There"), 8, 0)
		if want := unhex(t, v.full); !bytes.Equal(got, want) {
			t.Errorf("integ %d: HMAC %x, want %x", v.integ, got, want)
		}
	}
}

// A hand-checked AES-128-CBC + HMAC-SHA-256-128 packet computed with the
// openssl command line (an independent implementation):
//
//	PT=450000140001000040ff0000c0000201c63364050102030405060708090a0a04
//	echo $PT | xxd -r -p | openssl enc -aes-128-cbc -K $K -iv $IV -nopad
//	echo $SPI$SEQ$IV$CT [$SEQHI] | xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt hexkey:$MK
//
// The inner packet is a 20-byte IPv4 header, padded with 1..10 to 32 bytes.
const (
	cbcKey      = "000102030405060708090a0b0c0d0e0f"
	cbcMacKey   = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	cbcIV       = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	cbcInner    = "450000140001000040ff0000c0000201c6336405"
	cbcCT       = "69973aa5ed12bab4af464f0526cfe52bcb2deceb24efa251c93f2e27edc4af23"
	cbcPacket   = "0000123400000001" + cbcIV + cbcCT + "f4d01d6a0086211eca4cc1076110e1fa"
	cbcPacketHi = "0000123400000005" + cbcIV + cbcCT + "2b7e3c27da43e50ecbfeb6fa4e5bd69e" // ESN seq 1<<32 | 5
)

func cbcKATConfig(t *testing.T, esn bool) Config {
	return Config{SPI: 0x1234, Encr: wire.ENCR_AES_CBC, EncrKeyBits: 128, Integ: wire.AUTH_HMAC_SHA2_256_128,
		EncrKey: unhex(t, cbcKey), IntegKey: unhex(t, cbcMacKey), ESN: esn}
}

// fixedIV stands in for the IV generator so Seal output can be compared
// with the packet above.
type fixedIV []byte

func (f fixedIV) BlockSize() int          { return len(f) }
func (f fixedIV) Encrypt(dst, src []byte) { copy(dst, f) }
func (f fixedIV) Decrypt(dst, src []byte) { panic("unused") }

func TestCBCKnownAnswer(t *testing.T) {
	cases := []struct {
		name   string
		esn    bool
		seq    uint64
		packet string
	}{
		{"plain", false, 1, cbcPacket},
		{"esn", true, 1<<32 | 5, cbcPacketHi},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := cbcKATConfig(t, c.esn)
			out, err := NewOutbound(cfg)
			if err != nil {
				t.Fatal(err)
			}
			out.tr.(*cbcTransform).ivGen = fixedIV(unhex(t, cbcIV))
			out.seq.Store(c.seq - 1)
			if got, want := sealCopy(t, out, unhex(t, cbcInner)), unhex(t, c.packet); !bytes.Equal(got, want) {
				t.Fatalf("Seal\n got %x\nwant %x", got, want)
			}
			in, err := NewInbound(cfg)
			if err != nil {
				t.Fatal(err)
			}
			in.window.top = c.seq - 1
			mustOpen(t, in, unhex(t, c.packet), unhex(t, cbcInner))
		})
	}
}
