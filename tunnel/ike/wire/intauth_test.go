package wire

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestIntAuthA: the A chunk is the header with Next Payload SK and the
// unencrypted, unfragmented length, followed by the SK generic header
// naming the first inner payload, whatever the header said before.
func TestIntAuthA(t *testing.T) {
	h := Header{SPIi: 0x0102030405060708, SPIr: 0x1112131415161718, NextPayload: PayloadSKF, MajorVersion: 2,
		Exchange: IKE_INTERMEDIATE, Flags: FlagInitiator, MessageID: 1, Length: 576}
	a := IntAuthA(h, PayloadKE, 1192)
	if len(a) != 32 {
		t.Fatalf("%d bytes", len(a))
	}
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
		byte(PayloadSK), 0x20, byte(IKE_INTERMEDIATE), byte(FlagInitiator), 0, 0, 0, 1}
	want = binary.BigEndian.AppendUint32(want, 28+4+1192)
	want = append(want, byte(PayloadKE), 0)
	want = binary.BigEndian.AppendUint16(want, 4+1192)
	if !bytes.Equal(a, want) {
		t.Fatalf("got  %x\nwant %x", a, want)
	}
}
