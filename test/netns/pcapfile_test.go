package netns

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// writePcap writes a classic pcap of Ethernet/IPv4/UDP frames from
// 192.0.2.10 to 192.0.2.1, one per payload, with the given ports.
func writePcap(t *testing.T, frames []udpFrame) string {
	t.Helper()
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 1) // Ethernet
	for i, f := range frames {
		p := f.bytes()
		for _, v := range []uint32{uint32(i), 0, uint32(len(p)), uint32(len(p))} {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		b = append(b, p...)
	}
	path := filepath.Join(t.TempDir(), "test.pcap")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type udpFrame struct {
	port    uint16
	payload []byte
}

func (f udpFrame) bytes() []byte {
	udp := binary.BigEndian.AppendUint16(nil, f.port)
	udp = binary.BigEndian.AppendUint16(udp, f.port)
	udp = binary.BigEndian.AppendUint16(udp, uint16(8+len(f.payload)))
	udp = append(udp, 0, 0) // no UDP checksum
	udp = append(udp, f.payload...)
	ip := []byte{0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 10, 192, 0, 2, 1}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
	binary.BigEndian.PutUint16(ip[10:], inetChecksum(ip))
	eth := []byte{2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 8, 0}
	return append(append(eth, ip...), udp...)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// badHeaderHex claims an SA payload and 1000 bytes but has neither.
const badHeaderHex = "f6dbfe067548ce2400000000000000002120220800000000000003e8"

func TestCheckNoMalformedOnCraftedPcap(t *testing.T) {
	t.Parallel()
	RequireTshark(t)
	good := mustHex(ikeHeaderHex)
	marked := append([]byte{0, 0, 0, 0}, good...)
	ok := writePcap(t, []udpFrame{{500, good}, {4500, marked}, {4500, []byte{0xff}}})
	if n := CheckNoMalformed(t, ok); n != 2 {
		t.Errorf("counted %d IKE frames, want 2 (500 and 4500 with marker; keepalive is not IKE)", n)
	}
	ds, err := IKEDatagrams(ok)
	if err != nil || len(ds) != 2 {
		t.Fatalf("IKEDatagrams = %d, %v", len(ds), err)
	}
	if ds[1].Frame != 2 || ds[1].Src.Port() != 4500 || string(ds[1].Message) != string(good) {
		t.Errorf("second datagram: frame %d port %d msg %x", ds[1].Frame, ds[1].Src.Port(), ds[1].Message)
	}
	bad := writePcap(t, []udpFrame{{500, good}, {500, mustHex(badHeaderHex)}})
	r := &recorder{TB: t}
	CheckNoMalformed(r, bad)
	if len(r.errors) != 1 {
		t.Errorf("CheckNoMalformed reported %d errors for a truncated IKE message, want 1: %v", len(r.errors), r.errors)
	}
}

func TestClassifyFrames(t *testing.T) {
	out := "1|eth:ethertype:ip:udp:isakmp||IKE_SA_INIT|\n" +
		"2|eth:ethertype:ip:udp:isakmp|6291456,8388608|x|bad length\n" +
		"3|eth:ethertype:ip:udp:udpencap:isakmp|6291456|x|just a warning\n" +
		"4|eth:ethertype:ip:udp:esp||ESP [Malformed Packet]|\n"
	ike, bad := classifyFrames(out)
	if ike != 3 || len(bad) != 2 || bad[0][0] != '2' || bad[1][0] != '4' {
		t.Errorf("classifyFrames = %d, %q; want 3 IKE frames, frames 2 and 4 flagged", ike, bad)
	}
}
