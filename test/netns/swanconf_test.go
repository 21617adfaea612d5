package netns

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestSwanctlConfRendering(t *testing.T) {
	cfg := Config{
		Conns: []Conn{{
			Name: "ra", LocalAddrs: []string{"192.0.2.1"}, Proposals: []string{"aes128gcm16-prfsha256-x25519"},
			Encap: true, DPDDelay: 1500 * time.Millisecond, Pools: []string{"p4", "p6"}, VIPs: []string{"0.0.0.0", "::"},
			Local:    []Auth{{Auth: "pubkey", ID: "gw.flexvpn.test", Certs: []string{"gw.pem"}}},
			Remote:   []Auth{{Auth: "eap-mschapv2", EAPID: "%any"}},
			Children: []Child{{Name: "net", LocalTS: []string{"198.51.100.0/24", "2001:db8:0:100::/64"}, StartAction: "none"}},
			Options:  map[string]string{"send_certreq": "no", "fragmentation": "yes"},
		}},
		Pools:   []Pool{{Name: "p4", Addrs: "10.99.0.0/24", DNS: []string{"198.51.100.53"}, Options: map[string]string{"28672": "Hello, world"}}},
		Secrets: []Secret{{Type: "eap", IDs: []string{"alice"}, Secret: `pa"ss\word`}},
	}
	got := cfg.SwanctlConf()
	for _, want := range []string{
		"connections {\n  ra {\n    version = 2\n",
		"local_addrs = 192.0.2.1\n",
		"encap = yes\n",
		"dpd_delay = 2s\n",
		"pools = p4,p6\n",
		"vips = 0.0.0.0,::\n",
		"fragmentation = yes\n    send_certreq = no\n", // options sorted
		"local-1 {\n      auth = pubkey\n      id = gw.flexvpn.test\n      certs = gw.pem\n",
		"remote-1 {\n      auth = eap-mschapv2\n      eap_id = %any\n",
		"local_ts = 198.51.100.0/24,2001:db8:0:100::/64\n",
		"28672 = \"Hello, world\"\n",
		"eap-1 {\n    id-1 = alice\n    secret = \"pa\\\"ss\\\\word\"\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("swanctl.conf lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "{") != strings.Count(got, "}") {
		t.Errorf("unbalanced braces:\n%s", got)
	}
}

func TestStrongswanConfRendering(t *testing.T) {
	cfg := Config{Attrs: map[string]string{"dns": "198.51.100.53"}, LogLevels: map[string]int{"ike": 4},
		Settings: []string{"fragment_size = 576"}}
	got := cfg.strongswanConf(swanPaths{vici: "/tmp/x/vici", log: "/tmp/x/charon.log"})
	load := got[strings.Index(got, "load = "):]
	load = load[:strings.Index(load, "\n")]
	if strings.Index(load, "kernel-libipsec") > strings.Index(load, "kernel-netlink") || strings.Contains(load, " tpm") {
		t.Errorf("plugin order or tpm wrong: %s", load)
	}
	for _, want := range []string{
		"load_modular = no\n",
		"socket = unix:///tmp/x/vici\n",
		"path = /tmp/x/charon.log\n",
		"ike = 4\n", // override
		"cfg = 2\n", // default kept
		"fragment_size = 576\n",
		"attr {\n      dns = 198.51.100.53\n",
		"backend = generic\n",
		"charon-systemd {\n  journal {\n    default = -1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("strongswan.conf lacks %q:\n%s", want, got)
		}
	}
}

func TestPresetsRender(t *testing.T) {
	g := GatewaySpec{Addr: mustAddr("192.0.2.1"), PSK: "k", Users: map[string]string{"b": "2", "a": "1"},
		RemoteTS: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}}.Config()
	conf := g.SwanctlConf()
	if !strings.Contains(conf, "id = 192.0.2.1") || strings.Index(conf, "id-1 = a") > strings.Index(conf, "id-1 = b") {
		t.Errorf("gateway preset: default ID or user order wrong:\n%s", conf)
	}
	if !strings.Contains(conf, "local_ts = 198.51.100.0/24\n        remote_ts = 203.0.113.0/24\n") {
		t.Errorf("gateway preset: traffic selectors wrong:\n%s", conf)
	}
	c := ClientSpec{Gateway: mustAddr("192.0.2.1"), ID: "alice", Auth: "eap-md5", EAPPassword: "pw", CACert: []byte("ca")}.Config()
	conf = c.SwanctlConf()
	if !strings.Contains(conf, "eap_id = alice") || !strings.Contains(conf, "auth = pubkey") || strings.Contains(conf, "ike-") {
		t.Errorf("EAP client preset: want eap_id, gateway pubkey and no PSK secret:\n%s", conf)
	}
	if string(c.Files["x509ca/"+presetCA]) != "ca" {
		t.Errorf("CA file not placed: %v", c.Files)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
