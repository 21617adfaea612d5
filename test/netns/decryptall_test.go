package netns

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"testing"
)

// sealSKF builds a response carrying one GCM-sealed SKF fragment.
func sealSKF(key []byte, mid uint32, frag, total uint16, next uint8, chunk []byte) []byte {
	m := make([]byte, 28, 128)
	copy(m, "SPI_I___SPI_R___")
	m[16], m[17], m[18], m[19] = 53, 0x20, 35, 0x20
	binary.BigEndian.PutUint32(m[20:], mid)
	plain := append(append([]byte{}, chunk...), 0) // pad length 0
	iv := []byte{9, 9, 9, 9, 9, 9, 9, byte(frag)}
	bodyLen := 8 + len(plain) + 16
	hdr := []byte{next, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(hdr[2:], uint16(8+bodyLen))
	binary.BigEndian.PutUint16(hdr[4:], frag)
	binary.BigEndian.PutUint16(hdr[6:], total)
	m = append(m, hdr...)
	binary.BigEndian.PutUint32(m[24:], uint32(len(m)+bodyLen))
	block, _ := aes.NewCipher(key[:16])
	aead, _ := cipher.NewGCM(block)
	ct := aead.Seal(nil, append(append([]byte{}, key[16:20]...), iv...), plain, m)
	return append(append(m, iv...), ct...)
}

func TestDecryptAllReassemblesFragments(t *testing.T) {
	key := bytes.Repeat([]byte{4}, 20)
	// Inner chain: a Notify (41) of 8 bytes, then a Vendor ID (43) of 6.
	chain := []byte{43, 0, 0, 8, 0, 0, 0x40, 0x00, 0, 0, 0, 6, 'h', 'i'}
	f1 := sealSKF(key, 1, 1, 2, 41, chain[:5])
	f2 := sealSKF(key, 1, 2, 2, 0, chain[5:])
	ds := []IKEDatagram{{Frame: 7, Message: f2}, {Frame: 8, Message: f1}, {Frame: 9, Message: f1}}
	ds = Dedupe(ds)
	if len(ds) != 2 {
		t.Fatalf("Dedupe kept %d of a retransmitted pair", len(ds))
	}
	out, err := DecryptAll(ds, IKECipher{Encr: "AES_GCM_16", KeyLen: 128}, []IKEKeys{{ER: key}})
	if err != nil {
		t.Fatal(err)
	}
	// Fragment 2 arrived first, so the message sits at index 0.
	dec, ok := out[0]
	if !ok || len(out) != 1 || dec.NextPayload != 41 || !bytes.Equal(dec.Inner, chain) {
		t.Fatalf("DecryptAll = %+v", out)
	}
	types, _ := InnerPayloadTypes(dec.NextPayload, dec.Inner)
	if PayloadNames(types) != "N V" || PayloadNames([]uint8{99}) != "PAYLOAD(99)" {
		t.Errorf("PayloadNames = %q", PayloadNames(types))
	}
	if _, err := DecryptAll(ds, IKECipher{Encr: "AES_GCM_16"}, []IKEKeys{{ER: bytes.Repeat([]byte{5}, 20)}}); err == nil {
		t.Error("DecryptAll with the wrong key reported no error")
	}
}
