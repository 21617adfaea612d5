package netns

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TsharkIKESA is one row of Wireshark's ikev2_decryption_table: the keys
// of one IKE SA, identified by its SPIs.
type TsharkIKESA struct {
	SPIi, SPIr []byte
	Keys       IKEKeys
	Cipher     IKECipher
}

// MatchIKEKeys finds, for every IKE SA (SPI pair) in ds, the key set
// that decrypts its protected messages. SAs none of sets decrypts are
// left out.
func MatchIKEKeys(ds []IKEDatagram, c IKECipher, sets []IKEKeys) []TsharkIKESA {
	var rows []TsharkIKESA
	done := map[string]bool{}
	for _, d := range ds {
		spis := string(d.Message[:16])
		if done[spis] || d.Exchange() == 34 {
			continue
		}
		for _, k := range sets {
			if _, err := DecryptIKE(d.Message, c, []IKEKeys{k}); err == nil {
				rows = append(rows, TsharkIKESA{SPIi: d.Message[:8], SPIr: d.Message[8:16], Keys: k, Cipher: c})
				done[spis] = true
				break
			}
		}
	}
	return rows
}

// TsharkDecryptArgs returns tshark options that make it decrypt and
// dissect the SK payloads of the given IKE SAs.
func TsharkDecryptArgs(rows []TsharkIKESA) ([]string, error) {
	var args []string
	for _, r := range rows {
		encr, integ, err := wiresharkAlgs(r.Cipher)
		if err != nil {
			return nil, err
		}
		// UAT syntax: byte fields are bare hex, enum names are quoted.
		fields := []string{hex.EncodeToString(r.SPIi), hex.EncodeToString(r.SPIr),
			hex.EncodeToString(r.Keys.EI), hex.EncodeToString(r.Keys.ER), strconv.Quote(encr),
			hex.EncodeToString(r.Keys.AI), hex.EncodeToString(r.Keys.AR), strconv.Quote(integ)}
		args = append(args, "-o", "uat:ikev2_decryption_table:"+strings.Join(fields, ","))
	}
	return args, nil
}

// wiresharkAlgs maps strongSwan's algorithm names to the value names of
// Wireshark 4.0's IKEv2 decryption table. Wireshark cannot decrypt
// ChaCha20-Poly1305 IKE SAs.
func wiresharkAlgs(c IKECipher) (encr, integ string, err error) {
	switch c.Encr {
	case "AES_CBC":
		encr = fmt.Sprintf("AES-CBC-%d [RFC3602]", c.KeyLen)
	case "AES_GCM_16":
		encr = fmt.Sprintf("AES-GCM-%d with 16 octet ICV [RFC5282]", c.KeyLen)
	default:
		return "", "", fmt.Errorf("tshark cannot decrypt IKE cipher %s", c.Encr)
	}
	switch c.Integ {
	case "":
		integ = "NONE [RFC4306]"
	case "HMAC_SHA1_96":
		integ = "HMAC_SHA1_96 [RFC2404]"
	case "HMAC_SHA2_256_128", "HMAC_SHA2_384_192", "HMAC_SHA2_512_256":
		integ = c.Integ + " [RFC4868]"
	default:
		return "", "", fmt.Errorf("tshark cannot check IKE integrity %s", c.Integ)
	}
	return encr, integ, nil
}

// CheckNoMalformedDecrypted is CheckNoMalformed with the IKE SAs in pcap
// decrypted by the keys swan logged (start it with Config.LogLevels =
// KeyLogLevels), so tshark also dissects every inner payload. The cipher
// is the IKE SA's (IKESA.Cipher). It fails the test if no IKE SA in the
// capture could be decrypted, and returns the number of IKE frames.
func CheckNoMalformedDecrypted(t testing.TB, pcap string, swan *StrongSwan, c IKECipher) int {
	t.Helper()
	ds, err := IKEDatagrams(pcap)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	rows := MatchIKEKeys(ds, c, ParseIKEKeys(swan.Log()))
	if len(rows) == 0 {
		t.Fatalf("netns: no logged key set decrypts the IKE SAs in %s (is %s logging with KeyLogLevels?)", pcap, swan.Host.Name)
	}
	args, err := TsharkDecryptArgs(rows)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	return CheckNoMalformed(t, pcap, args...)
}
