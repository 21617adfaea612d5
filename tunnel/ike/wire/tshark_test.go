package wire

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTsharkDissectsOurEncoding feeds messages built with this package to
// Wireshark's independent IKEv2 dissector and requires that it finds every
// payload and reports no malformed field. All payload kinds go in the
// clear so tshark can see them (it cannot open SK without keys).
func TestTsharkDissectsOurEncoding(t *testing.T) {
	tshark, err1 := exec.LookPath("tshark")
	text2pcap, err2 := exec.LookPath("text2pcap")
	if err1 != nil || err2 != nil {
		t.Skip("tshark/text2pcap not installed (apt-get install tshark)")
	}
	msgs := showcaseMessages(t)
	dir := t.TempDir()
	var dump bytes.Buffer
	wantPayloads := 0
	for _, m := range msgs {
		b, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		writeHexdump(&dump, b)
		wantPayloads += len(m.Payloads)
	}
	txt, pcap := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.pcap")
	if err := os.WriteFile(txt, dump.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, text2pcap, "-q", "-u", "500,500", txt, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(ctx, tshark, "-n", "-r", pcap, "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	text := string(out)
	for _, bad := range []string{"Malformed", "[Expert Info (Error", "Dissector bug"} {
		if strings.Contains(text, bad) {
			t.Fatalf("tshark reports %q:\n%s", bad, text)
		}
	}
	if got := strings.Count(text, "\n    Payload: "); got != wantPayloads {
		t.Fatalf("tshark saw %d top-level payloads, want %d:\n%s", got, wantPayloads, text)
	}
	for _, want := range []string{"Key Length: 256", "INTERNAL_IP4_ADDRESS", "(t=28676,l=14)", "REDIRECT", "Curve25519"} {
		if !strings.Contains(text, want) {
			t.Errorf("tshark output lacks %q", want)
		}
	}
}

// writeHexdump writes b in the offset/bytes form text2pcap reads.
func writeHexdump(w *bytes.Buffer, b []byte) {
	for off := 0; off < len(b); off += 16 {
		fmt.Fprintf(w, "%06x", off)
		for _, c := range b[off:min(off+16, len(b))] {
			fmt.Fprintf(w, " %02x", c)
		}
		w.WriteByte('\n')
	}
}

// showcaseMessages builds one message per group of payload kinds.
func showcaseMessages(t *testing.T) []*Message {
	pfx := netip.MustParsePrefix
	cfg := CPConfig{
		IP4Address: netip.MustParseAddr("10.0.0.5"), IP4Netmask: 24,
		DNS:          []netip.Addr{netip.MustParseAddr("10.0.0.1")},
		Subnets:      []netip.Prefix{pfx("10.10.0.0/16"), pfx("2001:db8:10::/48")},
		DNSDomains:   []string{"corp.example"},
		SplitInclude: []netip.Prefix{pfx("10.20.0.0/16")},
		SplitDNS:     []string{"corp.example"}, Banner: "hi",
	}
	attrs, err := cfg.Attributes()
	if err != nil {
		t.Fatal(err)
	}
	redirect, err := NewRedirect(GatewayID{Addr: netip.MustParseAddr("192.0.2.20")}, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	h := Header{SPIi: 0x0102030405060708, SPIr: 0x1112131415161718, Exchange: INFORMATIONAL, Flags: FlagInitiator}
	init := Header{SPIi: 0x0102030405060708, Exchange: IKE_SA_INIT, Flags: FlagInitiator}
	var nat [NATDetectionLen]byte
	return []*Message{
		{Header: init, Payloads: []Payload{
			&SA{Proposals: []Proposal{{Number: 1, Protocol: ProtoIKE, Transforms: []Transform{
				{Type: TransformENCR, ID: ENCR_AES_GCM_16, KeyLength: 256}, {Type: TransformPRF, ID: PRF_HMAC_SHA2_256},
				{Type: TransformKE, ID: KE_CURVE25519}}}}},
			&KE{Group: KE_CURVE25519, Data: make([]byte, 32)}, &Nonce{Data: make([]byte, 32)},
			NewNATDetectionSourceIP(nat), NewNotify(IKEV2_FRAGMENTATION_SUPPORTED, nil),
			NewSignatureHashAlgorithms(HashSHA2_256), NewVendorID(VIDFlexVPNSupported),
		}},
		{Header: h, Payloads: []Payload{
			&ID{IDType: IDFQDN, Data: []byte("client.example")}, &ID{Responder: true, IDType: IDIPv4, Data: []byte{192, 0, 2, 1}},
			&Cert{Encoding: CertX509Signature, Data: []byte{0x30, 0}}, &CertReq{Encoding: CertX509Signature, Authorities: make([]byte, 20)},
			&Auth{Method: AuthSharedKey, Data: make([]byte, 32)}, &EAP{Data: []byte{2, 1, 0, 6, 1, 'u'}},
		}},
		{Header: h, Payloads: []Payload{
			&CP{CfgType: CFG_REPLY, Attributes: attrs},
			&TS{Selectors: []TrafficSelector{SelectorFromPrefix(pfx("10.0.0.5/32"))}},
			&TS{Responder: true, Selectors: []TrafficSelector{SelectorFromPrefix(pfx("0.0.0.0/0")), SelectorFromPrefix(pfx("::/0"))}},
		}},
		{Header: h, Payloads: []Payload{NewDeleteESP(1, 2), NewDeleteIKE(), redirect, NewRekeySA(ProtoESP, []byte{1, 2, 3, 4})}},
	}
}
