package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestTsharkDecryptsSK hands an SK-protected IKE_AUTH message and its keys
// to Wireshark's IKEv2 dissector, an implementation independent of ours:
// it must find the ICV correct and decode the inner Notify. This pins the
// CBC layout (IV, padding, ICV over the whole message), for which there is
// no published vector, and cross-checks GCM.
func TestTsharkDecryptsSK(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the tshark cross-check (about 10 s)")
	}
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed: skipping the independent dissector check")
	}
	// One control run (wrong SK_ai) proves the ICV assertion can fail; the
	// rest cover both block sizes and an AEAD cipher. tshark is slow to
	// start, so the list is short.
	cases := []struct {
		s           Suite
		encr, integ string
		checksICV   bool
		control     bool
	}{
		{suiteCBC128, "AES-CBC-128 [RFC3602]", "HMAC_SHA2_256_128 [RFC4868]", true, true},
		{suite3DES, "3DES [RFC2451]", "HMAC_MD5_96 [RFC2403]", true, false},
		{suiteGCM256, "AES-GCM-256 with 16 octet ICV [RFC5282]", "NONE [RFC4306]", false, false},
	}
	for _, c := range cases {
		t.Run(c.s.String(), func(t *testing.T) {
			t.Parallel()
			const spii, spir = 0x0102030405060708, 0x1112131415161718
			k := testKeys(t, c.s)
			out, _, err := k.Ciphers(c.s, true)
			if err != nil {
				t.Fatal(err)
			}
			pcap := filepath.Join(t.TempDir(), "ike.pcap")
			writePcap(t, pcap, ikeAuthMessage(t, out, spii, spir))
			text := dissect(t, tshark, pcap, spii, spir, k, c.encr, c.integ)
			if !strings.Contains(text, "Notify Message Type: INITIAL_CONTACT (16384)") {
				t.Fatalf("inner Notify not decoded:\n%s", text)
			}
			if c.checksICV && !strings.Contains(text, c.integ+">[correct]") {
				t.Fatalf("ICV not reported correct:\n%s", text)
			}
			if !c.control {
				return
			}
			// Control: with a wrong integrity key the same check must fail,
			// or the assertion above proves nothing.
			k.SKai = bytes.Repeat([]byte{0x5a}, len(k.SKai))
			if text := dissect(t, tshark, pcap, spii, spir, k, c.encr, c.integ); !strings.Contains(text, c.integ+">[incorrect") {
				t.Fatalf("wrong SK_ai not detected:\n%s", text)
			}
		})
	}
}

// dissect runs tshark on pcap with the SA's keys in its IKEv2 decryption
// table and returns the verbose dissection.
func dissect(t *testing.T, tshark, pcap string, spii, spir uint64, k IKEKeys, encr, integ string) string {
	uat := fmt.Sprintf(`uat:ikev2_decryption_table:%016x,%016x,%x,%x,"%s",%x,%x,"%s"`,
		spii, spir, k.SKei, k.SKer, encr, k.SKai, k.SKar, integ)
	out, err := exec.Command(tshark, "-n", "-r", pcap, "-o", uat, "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	return string(out)
}

// ikeAuthMessage builds an IKE_AUTH request whose SK payload carries one
// INITIAL_CONTACT notify.
func ikeAuthMessage(t *testing.T, c SKCipher, spii, spir uint64) []byte {
	inner := []byte{0, 0, 0, 8, 0, 0, 0x40, 0x00} // Notify: proto 0, no SPI, INITIAL_CONTACT
	bodyLen := c.BodyLen(len(inner))
	msg := make([]byte, 32, 32+bodyLen)
	binary.BigEndian.PutUint64(msg[0:], spii)
	binary.BigEndian.PutUint64(msg[8:], spir)
	msg[16], msg[17], msg[18], msg[19] = byte(wire.PayloadSK), 0x20, byte(wire.IKE_AUTH), byte(wire.FlagInitiator)
	binary.BigEndian.PutUint32(msg[20:], 1)
	binary.BigEndian.PutUint32(msg[24:], uint32(32+bodyLen))
	msg[28] = byte(wire.PayloadNotify)
	binary.BigEndian.PutUint16(msg[30:], uint16(4+bodyLen))
	msg, err := c.Seal(msg, msg, inner, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// writePcap writes payload as one UDP 500 -> 500 datagram in a raw-IP
// capture file.
func writePcap(t *testing.T, path string, payload []byte) {
	var b bytes.Buffer
	le := binary.LittleEndian
	for _, v := range []uint32{0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101} { // magic, v2.4, zone, sigfigs, snaplen, LINKTYPE_RAW
		if v == 0x00040002 {
			binary.Write(&b, le, uint16(2))
			binary.Write(&b, le, uint16(4))
			continue
		}
		binary.Write(&b, le, v)
	}
	ip := make([]byte, 28, 28+len(payload))
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(28+len(payload)))
	copy(ip[12:], []byte{192, 0, 2, 1, 192, 0, 2, 2})
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip[:20]))
	binary.BigEndian.PutUint16(ip[20:], 500)
	binary.BigEndian.PutUint16(ip[22:], 500)
	binary.BigEndian.PutUint16(ip[24:], uint16(8+len(payload)))
	pkt := append(ip, payload...)
	for _, v := range []uint32{0, 0, uint32(len(pkt)), uint32(len(pkt))} {
		binary.Write(&b, le, v)
	}
	b.Write(pkt)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i < len(h); i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
