package esp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tsharkSuites are the transforms Wireshark 4.0 can decrypt and check,
// named as its esp_sa table spells them (it has no ESN and no ChaCha20).
var tsharkSuites = []struct {
	suite      suite
	encr, auth string
}{
	{suites[0], "AES-GCM with 16 octet ICV [RFC4106]", "NULL"},
	{suites[1], "AES-GCM with 16 octet ICV [RFC4106]", "NULL"},
	{suites[3], "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]"},
	{suites[4], "AES-CBC [RFC3602]", "HMAC-SHA-384-192 [RFC4868]"},
	{suites[5], "AES-CBC [RFC3602]", "HMAC-SHA-512-256 [RFC4868]"},
	{suites[6], "AES-CBC [RFC3602]", "HMAC-SHA-1-96 [RFC2404]"},
}

// TestTsharkDecodesOurESP hands packets sealed by Outbound to Wireshark's
// ESP dissector, an implementation that shares no code with ours, and
// expects it to verify the ICV, decrypt, and find our ICMP inner packet.
func TestTsharkDecodesOurESP(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark); skipping the independent ESP decode")
	}
	if testing.Short() {
		t.Skip("starts tshark; skipped with -short")
	}
	var pcap bytes.Buffer
	writePcapHeader(&pcap)
	var args []string
	var want []string
	for i, ts := range tsharkSuites {
		spi := uint32(0x1000 + i)
		cfg := ts.suite.config(spi, false)
		out, err := NewOutbound(cfg)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "-o", fmt.Sprintf(`uat:esp_sa:"IPv4","*","*","0x%08x","%s","0x%x","%s","0x%x"`,
			spi, ts.encr, cfg.EncrKey, ts.auth, cfg.IntegKey))
		for seq := 1; seq <= 3; seq++ {
			inner := icmpEcho(seq, 20*seq+i)
			writePcapRecord(&pcap, outerIPv4(sealCopy(t, out, inner)))
			pad := padLen(len(inner), out.tr.align())
			want = append(want, fmt.Sprintf("0x%08x,%d,%d,0x04,1,%d", spi, seq, pad, seq))
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "esp.pcap")
	if err := os.WriteFile(file, pcap.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"-n", "-r", file,
		"-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE",
		"-T", "fields", "-E", "separator=,",
		"-e", "esp.spi", "-e", "esp.sequence", "-e", "esp.pad_len", "-e", "esp.protocol",
		"-e", "esp.icv_good", "-e", "icmp.seq"}, args...)
	cmd := exec.Command(tshark, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir)
	cmd.WaitDelay = 30 * time.Second
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	got := strings.Fields(strings.TrimSpace(string(outb)))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tshark saw\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// icmpEcho builds an IPv4 ICMP echo request with n payload bytes.
func icmpEcho(seq, n int) []byte {
	p := make([]byte, 20+8+n)
	p[0], p[8], p[9] = 0x45, 64, 1
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	copy(p[12:], []byte{198, 51, 100, 1, 198, 51, 100, 2})
	binary.BigEndian.PutUint16(p[10:], checksum(p[:20]))
	icmp := p[20:]
	icmp[0] = 8
	binary.BigEndian.PutUint16(icmp[4:], 0x77)
	binary.BigEndian.PutUint16(icmp[6:], uint16(seq))
	binary.BigEndian.PutUint16(icmp[2:], checksum(icmp))
	return p
}

// outerIPv4 wraps an ESP packet in an IPv4 header with protocol 50.
func outerIPv4(esp []byte) []byte {
	p := make([]byte, 20, 20+len(esp))
	p[0], p[8], p[9] = 0x45, 64, 50
	binary.BigEndian.PutUint16(p[2:], uint16(20+len(esp)))
	copy(p[12:], []byte{192, 0, 2, 1, 192, 0, 2, 2})
	binary.BigEndian.PutUint16(p[10:], checksum(p))
	return append(p, esp...)
}

func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// writePcapHeader writes a classic pcap header for raw IP packets
// (LINKTYPE_RAW = 101).
func writePcapHeader(w *bytes.Buffer) {
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], 101)
	w.Write(h)
}

func writePcapRecord(w *bytes.Buffer, pkt []byte) {
	h := make([]byte, 16)
	binary.LittleEndian.PutUint32(h[8:], uint32(len(pkt)))
	binary.LittleEndian.PutUint32(h[12:], uint32(len(pkt)))
	w.Write(h)
	w.Write(pkt)
}
