package esp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// unhex decodes hex with any whitespace in it.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// espVector is a complete ESP packet from a published source. plain is the
// decrypted ESP payload including padding, pad length and next header, so
// the expected inner packet and next header are read from its trailer.
type espVector struct {
	name      string
	encr      uint16
	key, salt string
	esn       bool
	seq       uint64 // full sequence number (high half only with ESN)
	packet    string // SPI, low sequence number, IV, ciphertext, ICV
	plain     string
}

// espVectors: the AES-GCM ESP cases of draft-mcgrew-gcm-test-01 section 4
// with 128- and 256-bit keys and a non-reserved SPI, and the ESP example of
// RFC 7634 appendix A. Several use 64-bit ESNs whose high half is only in
// the AAD.
var espVectors = []espVector{
	{"mcgrew-1-esn", wire.ENCR_AES_GCM_16, "4c80cdefbb5d10da906ac73c3613a634", "2e443b68", true, 0x8765432100000000,
		`00004321000000004956ed7e3b244cfe fecf537e729d5b07dc30df528dd22b76 8d1b98736696a6fd348509fa13ceac34
		cfa2436f14a3f3cf65925bf1f4a13c5d 15b21e1884f5ff6247aeabb786b93bce 61bc17d768fd9732459018148f6cbe72
		2fd04796562dfdb4`,
		`45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000 00000000045f736970045f7564700373
		69700963796265726369747902646b00 0021000101020201`},
	{"mcgrew-2", wire.ENCR_AES_GCM_16, "feffe9928665731c6d6a8f9467308308", "cafebabe", false, 0x0a,
		`0000a5f80000000afacedbaddecaf888 deb22cd9b07c72c16e3a65beeb8df304 a5a5897d33ae530f1ba76d5d114d2a5c
		3de81827c10e9a4f51330d0eec416642 cfbb85a5b47e48a4ec3b9ba95d918bd1 83b70d3aa8bc6ee4c309e9d85a41ad4a`,
		`4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100 00010000000000000373697009637962
		65726369747902646b00000100010001`},
	{"mcgrew-3-aes256", wire.ENCR_AES_GCM_16, "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "11223344", false, 2,
		`4a2cbfe3000000020102030405060708 ff425c9b724599df7a3bcd510194e00d 6a78107f1b0b1cbf06efae9d65a5d763
		748a637985771d347f0545659f14e99d ef842d8eb335f4eecfdbf831824b4c49 15956c96`,
		`4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000 7002400020bf0000020405b401010402
		01020201`},
	{"mcgrew-5-esn", wire.ENCR_AES_GCM_16, "3de09874b388e6491988d0c3607eae1f", "57690e43", true, 0x1010101010101010,
		`42f67e3f101010104e280000a2fca1a3 fba2caa4853cf9f0f22cb10d86dd83b0 fec75691cf1a04b00d1138ec9c357917
		65acbd8701ad79845bf9fe3fba487bc9 1755e6662b4c8d0d1f5e22739530320a e0d731cc978ecafaeae88f00e80d6e48`,
		`4500003c99c300008001cb7c40679318 010101010800085c0200430061626364 65666768696a6b6c6d6e6f7071727374
		75767761626364656667686901020201`},
	{"mcgrew-6-esn", wire.ENCR_AES_GCM_16, "3de09874b388e6491988d0c3607eae1f", "57690e43", true, 0x1010101010101010,
		`42f67e3f101010104e280000a2fca1a3 fba2ca845e5df9f0f22c3e6e86dd831e 1fc65792cd1af9130e1379ed369f071f
		35e034be95f112e4e7d05d35`,
		`4500001c42a200008001441f406793b6 e00000020a00f5ff01020201`},
	{"mcgrew-8-esn", wire.ENCR_AES_GCM_16, "abbccddef00112233445566778899aab", "decaf888", true, 1,
		`0000010000000001cafedebaceface74 18a6fd42f72cbf4ab2a2ea901f73d814 e3e7f243d95412e1c349c1d2fbec168f
		9190feebaf2cb01984e65863965d7472 b79da345e0e780191f0d2f0e0f496c22 6f2127b27db35724e7845d68651f57e6
		5f354f75ff17015769623436`,
		`4500004933ba00007f119106c3fb1d10 c2b1d326c02831ce0035dd7b800302d5 00004e20001e8c18d75b81dc91baa047
		6b91b924b280389d92c963bac046ec95 9b6266c04722b14923010101`},
	{"mcgrew-9-aes256-esn", wire.ENCR_AES_GCM_16, "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "73616c74", true, 0x156f3126dd0db99b,
		`17405e67dd0db99b616e640169766563 f2d69ecdbd5a0d5b8d5ef38bad4da58d 1f278fde98ef67549d524a3018d9a57f
		f4d3a31ce673119e451626c2415771e3 b7eebca614c89b35`,
		`45080028732c00004006e9f90a010612 0a01038f06b88023dd6bafbecb712602 50101f646d540001`},
	{"mcgrew-10-esn", wire.ENCR_AES_GCM_16, "3de09874b388e6491988d0c3607eae1f", "57690e43", true, 0x1010101010101010,
		`42f67e3f101010104e280000a2fca1a3 fba2cad12fc1f9f00d3cebf305410db8 3d7784b607323d220f24b0a97d541828
		00cadb0f68d99ef0e0c0c89ae9bea888 4e52d65bc1afd0740f742444747b5b39 ab533163aad4550ee5160975cdb608c5
		769189609763b8e18caa81e2`,
		`45000049333e00007f119182c3fb1d10 c2b1d326c02831ce0035cb458003025b 000001e0001e8c18d65759d52284a035
		2c71475c8880391c764d6e5ee0496b32 5ae270c03899493915010101`},
	{"mcgrew-11-aes256-esn", wire.ENCR_AES_GCM_16, "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "73616c74", true, 0x156f3126dd0db99b,
		`17405e67dd0db99b616e640169766563 d4b7ed86a1777f2ea13d6973d324c69e 7b43f826fb56831226508bebd2dceb18
		d0a6df10e5487df074113e14c641024e 3e6773d91a62ee429b043a10e3efe6b0 12a49363412364f8c0cac587f249e56b
		11e24f30e44ccc76`,
		`636973636f0172756c65730174686501 6e6574776501646566696e6501746865 746563686e6f6c6f6769657301746861
		7477696c6c01646566696e65746f6d6f 72726f7701020201`},
	{"mcgrew-12-empty", wire.ENCR_AES_GCM_16, "7d773d00c144c525ac619d18c84a3f47", "d9664267", false, 0xffffffff,
		`335467aeffffffff43457e9182443bc6 437f866bcb3f699fe9b0822bac961c45 04bef270`,
		`01020201`},
	{"mcgrew-13-esn", wire.ENCR_AES_GCM_16, "abbccddef00112233445566778899aab", "decaf888", true, 1,
		`0000010000000001cafedebaceface74 29c9fc69a197d038ccdd14e2ddfcaa05 43332164412503524303ed3c6c5f2838
		43af8c3e`,
		`746f016265016f72016e6f7401746f01 62650001`},
	{"mcgrew-14-aes256-esn-max", wire.ENCR_AES_GCM_16, "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961", "7475726e", true, 0xffffffffffffffff,
		`796b6963ffffffff333021696765746d f97ab2aa356d8edce17644ac8c78e25d d24dedbb29ebf1b64a274b39b49c3a86
		4cd3d78ca4ae68a32b42458fb57dbe82 1dcc63b9d0937ba2945f669368661a32 9fb4c053`,
		`45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364 65666768696a6b6c6d6e6f7071727374
		01020201`},
	{"rfc7634-appendix-a", wire.ENCR_CHACHA20_POLY1305, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "a0a1a2a3", false, 5,
		`0102030400000005 1011121314151617
		24039428b97f417e3c13753a4f05087b 67c352e6a7fab1b982d466ef407ae5c6 14ee8099d52844eb61aa95dfab4c02f7
		2aa71e7c4c4f64c9befe2facc638e8f3 cbec163fac469b502773f6fb94e664da 9165b82829f641e0
		76aaa8266b7fb0f7b11b369907e1ad43`,
		`45000054a6f200004001e778c6336405 c000020508005b7a3a080000553bec10 0007362708090a0b0c0d0e0f10111213
		1415161718191a1b1c1d1e1f20212223 2425262728292a2b2c2d2e2f30313233 3435363701020204`},
}

// inbound builds the receiving SA for v with its window placed just below
// v.seq, so ESN inference yields v's high half as it would mid-stream.
func (v espVector) inbound(t *testing.T) *Inbound {
	t.Helper()
	key := append(unhex(t, v.key), unhex(t, v.salt)...)
	pkt := unhex(t, v.packet)
	spi, _ := PeekSPI(pkt)
	in, err := NewInbound(Config{SPI: spi, Encr: v.encr, EncrKey: key, ESN: v.esn})
	if err != nil {
		t.Fatalf("NewInbound: %v", err)
	}
	in.window.top = v.seq - 1
	return in
}

func TestKnownAnswerOpen(t *testing.T) {
	for _, v := range espVectors {
		t.Run(v.name, func(t *testing.T) {
			plain := unhex(t, v.plain)
			n := len(plain)
			wantNH, wantPayload := plain[n-1], plain[:n-2-int(plain[n-2])]
			pkt := unhex(t, v.packet)
			got, nh, err := v.inbound(t).Open(pkt)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if nh != wantNH || !bytes.Equal(got, wantPayload) {
				t.Fatalf("Open = %x nh %d, want %x nh %d", got, nh, wantPayload, wantNH)
			}
		})
	}
}

// TestKnownAnswerTamper flips every bit of each vector in turn: each flip
// must fail and be counted, never yield a payload. Flips in the SPI fail
// the SPI check, flips in the sequence number may land outside the window,
// and every other flip fails authentication.
func TestKnownAnswerTamper(t *testing.T) {
	for _, v := range espVectors {
		orig := unhex(t, v.packet)
		in := v.inbound(t)
		for bit := range len(orig) * 8 {
			pkt := bytes.Clone(orig)
			pkt[bit/8] ^= 1 << (bit % 8)
			_, _, err := in.Open(pkt)
			ok := errors.Is(err, ErrAuth) ||
				(bit < 32 && errors.Is(err, ErrMalformed)) ||
				(bit >= 32 && bit < 64 && errors.Is(err, ErrReplay))
			if !ok {
				t.Fatalf("%s bit %d: err %v", v.name, bit, err)
			}
		}
		st := in.Stats()
		if st.Packets != 0 || st.Drops.Total() != uint64(len(orig)*8) || st.Drops.Auth < uint64(len(orig)*8-64) {
			t.Fatalf("%s: stats %+v after %d flips", v.name, st, len(orig)*8)
		}
		// The untouched packet still opens: failures did not move the window.
		if _, _, err := in.Open(orig); err != nil {
			t.Fatalf("%s: original after tampering: %v", v.name, err)
		}
	}
}

// TestESNHighBitsAuthenticated opens an ESN vector with the window at the
// start of the SA: inference then picks high bits 0, which are not the
// sender's, so the ICV must fail.
func TestESNHighBitsAuthenticated(t *testing.T) {
	v := espVectors[3]
	if !v.esn || uint32(v.seq>>32) == 0 || uint32(v.seq) == 0 {
		t.Fatalf("vector %s does not exercise ESN", v.name)
	}
	in := v.inbound(t)
	in.window.top = 0
	if _, _, err := in.Open(unhex(t, v.packet)); !errors.Is(err, ErrAuth) {
		t.Fatalf("err %v, want ErrAuth", err)
	}
}
