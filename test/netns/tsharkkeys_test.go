package netns

import (
	"bytes"
	"strings"
	"testing"
)

// TestTsharkDecryptArgsAccepted feeds every supported suite to tshark:
// a wrong UAT syntax or algorithm name makes tshark refuse the option.
func TestTsharkDecryptArgsAccepted(t *testing.T) {
	t.Parallel()
	RequireTshark(t)
	spi := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	var rows []TsharkIKESA
	// tshark checks key lengths: encryption key (+4 salt for GCM), and
	// the HMAC key length of the PRF-sized integrity key.
	for _, c := range []struct {
		c      IKECipher
		ek, ak int
	}{
		{IKECipher{Encr: "AES_CBC", KeyLen: 128, Integ: "HMAC_SHA2_256_128"}, 16, 32},
		{IKECipher{Encr: "AES_CBC", KeyLen: 256, Integ: "HMAC_SHA2_512_256"}, 32, 64},
		{IKECipher{Encr: "AES_CBC", KeyLen: 192, Integ: "HMAC_SHA2_384_192"}, 24, 48},
		{IKECipher{Encr: "AES_CBC", KeyLen: 128, Integ: "HMAC_SHA1_96"}, 16, 20},
		{IKECipher{Encr: "AES_GCM_16", KeyLen: 256}, 36, 0},
	} {
		k := IKEKeys{EI: bytes.Repeat([]byte{1}, c.ek), ER: bytes.Repeat([]byte{2}, c.ek),
			AI: bytes.Repeat([]byte{3}, c.ak), AR: bytes.Repeat([]byte{4}, c.ak)}
		rows = append(rows, TsharkIKESA{SPIi: spi, SPIr: spi, Keys: k, Cipher: c.c})
	}
	args, err := TsharkDecryptArgs(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 2*len(rows) || !strings.Contains(args[1], `,"AES-CBC-128 [RFC3602]",`) {
		t.Fatalf("args = %q", args)
	}
	pcap := writePcap(t, []udpFrame{{500, mustHex(ikeHeaderHex)}})
	if n, err := CountFrames(pcap, "isakmp", args...); err != nil || n != 1 {
		t.Fatalf("tshark with decryption table: %d frames, %v", n, err)
	}
	if _, err := TsharkDecryptArgs([]TsharkIKESA{{Cipher: IKECipher{Encr: "CHACHA20_POLY1305"}}}); err == nil {
		t.Error("ChaCha20 accepted though Wireshark 4.0 cannot decrypt it")
	}
}
