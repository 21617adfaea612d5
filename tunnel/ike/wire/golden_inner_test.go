package wire

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGoldenStrongSwanInner checks the decrypted inner chains the capture
// tooling stores next to protected messages (<name>.inner, see
// testdata/strongswan/README.md): each decodes from the SK/SKF Next
// Payload of <name>.bin, re-encodes to identical bytes, has the listed
// payload types, passes CheckRules for its exchange, and every Notify and
// CP attribute of a type we model parses with its typed helper.
func TestGoldenStrongSwanInner(t *testing.T) {
	files, _ := filepath.Glob("testdata/strongswan/*.inner")
	if len(files) == 0 {
		t.Skip("no decrypted strongSwan captures (*.inner) in testdata/strongswan yet")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			m, ps := decodeInnerGolden(t, f)
			if err := CheckRules(m.Exchange, m.IsResponse(), ps); err != nil {
				t.Errorf("%v: %v", m, err)
			}
			checkTypedHelpers(t, ps)
		})
	}
}

// decodeInnerGolden returns the outer message and the decoded inner chain.
func decodeInnerGolden(t *testing.T, path string) (*Message, []Payload) {
	t.Helper()
	raw, err1 := os.ReadFile(strings.TrimSuffix(path, ".inner") + ".bin")
	inner, err2 := os.ReadFile(path)
	if err1 != nil || err2 != nil {
		t.Fatalf("read: %v %v", err1, err2)
	}
	m, err := Decode(raw)
	if err != nil {
		t.Fatalf("outer: %v", err)
	}
	ps, err := DecodePayloads(innerFirst(t, m), inner)
	if err != nil {
		t.Fatalf("inner: %v", err)
	}
	if _, out, err := EncodePayloads(ps); err != nil || !bytes.Equal(out, inner) {
		t.Fatalf("inner re-encode differs (%v):\n got %x\nwant %x", err, out, inner)
	}
	if want, err := os.ReadFile(path + ".payloads"); err == nil {
		var got []string
		for _, p := range ps {
			got = append(got, p.Type().String())
		}
		if w := outerTypes(string(want)); strings.Join(w, " ") != strings.Join(got, " ") {
			t.Fatalf("inner payloads %v, want %v", got, w)
		}
	}
	return m, ps
}

func innerFirst(t *testing.T, m *Message) PayloadType {
	t.Helper()
	switch sk := m.Payloads[len(m.Payloads)-1].(type) {
	case *SK:
		return sk.FirstPayload
	case *SKF:
		if sk.FragmentNumber != 1 {
			t.Fatalf("inner chain stored next to fragment %d", sk.FragmentNumber)
		}
		return sk.FirstPayload
	}
	t.Fatalf("%v is not protected", m)
	return 0
}

// checkTypedHelpers runs the typed parser of every modelled Notify and
// every CP payload through ParseCPConfig: real peers' data must parse.
func checkTypedHelpers(t *testing.T, ps []Payload) {
	t.Helper()
	for _, p := range ps {
		switch v := p.(type) {
		case *Notify:
			if err := parseKnownNotify(v); err != nil {
				t.Errorf("%v: %v", v.NotifyType, err)
			}
		case *CP:
			if _, err := ParseCPConfig(v); err != nil {
				t.Errorf("CP(%v): %v", v.CfgType, err)
			}
		case *Delete:
			if v.Protocol == ProtoESP {
				if _, err := v.ESPSPIs(); err != nil {
					t.Errorf("delete: %v", err)
				}
			}
		}
	}
}

func parseKnownNotify(n *Notify) error {
	var err error
	switch n.NotifyType {
	case NAT_DETECTION_SOURCE_IP, NAT_DETECTION_DESTINATION_IP:
		_, err = ParseNATDetection(n)
	case COOKIE:
		_, err = ParseCookie(n)
	case INVALID_KE_PAYLOAD:
		_, err = ParseInvalidKEPayload(n)
	case SET_WINDOW_SIZE:
		_, err = ParseSetWindowSize(n)
	case REKEY_SA:
		_, _, err = ParseRekeySA(n)
	case SIGNATURE_HASH_ALGORITHMS:
		_, err = ParseSignatureHashAlgorithms(n)
	case REDIRECT:
		_, err = ParseRedirect(n)
	case REDIRECTED_FROM:
		_, err = ParseRedirectedFrom(n)
	case AUTH_LIFETIME:
		_, err = ParseAuthLifetime(n)
	}
	return err
}

// TestGoldenStrongSwanConfigReply reads the gateway's CFG_REPLY out of the
// EAP scenario's decrypted IKE_AUTH responses and checks the values the
// capture scenario configures (testdata/strongswan/README.md): an address
// from 10.99.0.0/24, DNS 198.51.100.53, the Unity banner and split-DNS
// name. This is our CP layer reading a real peer's attributes.
func TestGoldenStrongSwanConfigReply(t *testing.T) {
	files, _ := filepath.Glob("testdata/strongswan/eap_ike_auth_resp*.inner")
	var replies []CPConfig
	for _, f := range files {
		_, ps := decodeInnerGolden(t, f)
		for _, p := range ps {
			if cp, ok := p.(*CP); ok && cp.CfgType == CFG_REPLY {
				c, err := ParseCPConfig(cp)
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				replies = append(replies, c)
			}
		}
	}
	if len(replies) == 0 {
		t.Skip("no decrypted EAP IKE_AUTH response with CFG_REPLY in testdata/strongswan")
	}
	c := replies[len(replies)-1]
	pool := netip.MustParsePrefix("10.99.0.0/24")
	if !pool.Contains(c.IP4Address) {
		t.Errorf("address %v not from %v", c.IP4Address, pool)
	}
	if !slices.Contains(c.DNS, netip.MustParseAddr("198.51.100.53")) {
		t.Errorf("DNS %v", c.DNS)
	}
	if c.Banner != "flexvpn sanity banner" || !slices.Contains(c.SplitDNS, "corp.flexvpn.test") {
		t.Errorf("banner %q split DNS %q", c.Banner, c.SplitDNS)
	}
}
