package datapath

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// mssOpt is the MSS option with value v.
func mssOpt(v uint16) []byte { return []byte{tcpOptMSS, tcpOptMSSLen, byte(v >> 8), byte(v)} }

// mssOf returns the MSS option value in pkt, or 0.
func mssOf(t *testing.T, pkt []byte) uint16 {
	t.Helper()
	tcp, _ := tcpSegment(pkt)
	end := int(tcp[12]>>4) * 4
	for i := tcpHeaderLen; i < end; {
		switch tcp[i] {
		case tcpOptEnd:
			return 0
		case tcpOptNOP:
			i++
		case tcpOptMSS:
			return binary.BigEndian.Uint16(tcp[i+2:])
		default:
			i += int(tcp[i+1])
		}
	}
	return 0
}

func TestClampMSS(t *testing.T) {
	const mtu = 1400
	sack := []byte{4, 2}             // SACK permitted, shifts what follows by 2
	ws := []byte{tcpOptNOP, 3, 3, 7} // NOP + window scale: keeps even alignment
	tests := []struct {
		name    string
		src     netip.Addr
		dst     netip.Addr
		flags   byte
		opts    []byte
		want    uint16
		changed bool
	}{
		{"v4 syn", clientInner, serverLAN, tcpFlagSYN, mssOpt(1460), 1360, true},
		{"v4 syn-ack", serverLAN, clientInner, tcpFlagSYN | 0x10, append(ws, mssOpt(1460)...), 1360, true},
		{"v4 odd alignment", clientInner, serverLAN, tcpFlagSYN, append(append([]byte{tcpOptNOP}, mssOpt(8960)...), 0, 0, 0), 1360, true},
		{"v4 after sack", clientInner, serverLAN, tcpFlagSYN, append(sack, mssOpt(1460)...), 1360, true},
		{"v4 already small", clientInner, serverLAN, tcpFlagSYN, mssOpt(536), 536, false},
		{"v4 not syn", clientInner, serverLAN, 0x10, mssOpt(1460), 1460, false},
		{"v6 syn", clientInner6, serverLAN6, tcpFlagSYN, mssOpt(1440), 1340, true},
		{"v6 odd alignment", clientInner6, serverLAN6, tcpFlagSYN, append(append([]byte{tcpOptNOP}, mssOpt(65495)...), 0, 0, 0), 1340, true},
		{"no mss option", clientInner, serverLAN, tcpFlagSYN, append(ws, sack...), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkt := tcpSYN(tt.src, tt.dst, tt.flags, padOptions(tt.opts))
			if !tcpChecksumOK(pkt) {
				t.Fatal("test packet has a bad checksum")
			}
			if got := clampMSS(pkt, mtu); got != tt.changed {
				t.Errorf("clampMSS changed = %v, want %v", got, tt.changed)
			}
			if got := mssOf(t, pkt); got != tt.want {
				t.Errorf("MSS = %d, want %d", got, tt.want)
			}
			if !tcpChecksumOK(pkt) {
				t.Error("checksum wrong after clamping")
			}
		})
	}
}

// padOptions pads TCP options to a multiple of four bytes with End.
func padOptions(o []byte) []byte {
	for len(o)%4 != 0 {
		o = append(o, tcpOptEnd)
	}
	return o
}

func TestClampMSSIgnoresFragmentsAndJunk(t *testing.T) {
	pkt := tcpSYN(clientInner, serverLAN, tcpFlagSYN, mssOpt(1460))
	frag := append([]byte(nil), pkt...)
	binary.BigEndian.PutUint16(frag[6:], 0x0010) // fragment offset 16*8
	if clampMSS(frag, 1400) {
		t.Error("clamped a non-first fragment")
	}
	badLen := append([]byte(nil), pkt...)
	badLen[ipv4HeaderLen+tcpHeaderLen+1] = 40 // option length beyond the header
	if clampMSS(badLen, 1400) {
		t.Error("clamped through a bogus option length")
	}
	for n := range len(pkt) {
		clampMSS(append([]byte(nil), pkt[:n]...), 1400) // must not panic
	}
}

func TestChecksumReplace(t *testing.T) {
	data := []byte{0x45, 0x00, 0x12, 0x34, 0xab, 0xcd, 0xff, 0xff}
	sum := ^onesSum(0, data)
	old := binary.BigEndian.Uint16(data[4:])
	binary.BigEndian.PutUint16(data[4:], 0x0001)
	if got, want := checksumReplace(sum, old, 0x0001), ^onesSum(0, data); got != want {
		t.Fatalf("incremental %#04x, full %#04x", got, want)
	}
}

// FuzzClampMSS: packets come from the peer (after decryption) and from
// local applications; clamping must never panic, must touch nothing but
// the MSS and checksum bytes, and must keep a valid TCP checksum valid.
func FuzzClampMSS(f *testing.F) {
	f.Add(tcpSYN(clientInner, serverLAN, tcpFlagSYN, mssOpt(1460)), 1400)
	f.Add(tcpSYN(clientInner6, serverLAN6, tcpFlagSYN, padOptions(append([]byte{tcpOptNOP}, mssOpt(9000)...))), 1280)
	f.Add([]byte{0x45, 0, 0, 20}, 1400)
	f.Fuzz(func(t *testing.T, pkt []byte, mtu int) {
		tcp, _ := tcpSegment(pkt)
		valid := tcp != nil && tcpChecksumOK(pkt)
		orig := append([]byte(nil), pkt...)
		if !clampMSS(pkt, mtu) {
			if string(orig) != string(pkt) {
				t.Fatal("clampMSS changed the packet but reported no change")
			}
			return
		}
		if valid && !tcpChecksumOK(pkt) {
			t.Fatal("clamping broke a valid checksum")
		}
		if diff := countDiff(orig, pkt); diff > 4 {
			t.Fatalf("clamping changed %d bytes; only MSS and checksum may change", diff)
		}
	})
}

func countDiff(a, b []byte) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}
