package profile

import (
	"strings"
	"testing"
)

func TestPeerHostPort(t *testing.T) {
	base := "[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\n[[peer]]\n"
	cases := []struct {
		peer     string
		host     string
		port     uint16
		natt     int
		wantErr  string
		wantLine string
	}{
		{peer: `host = "gw.example.com"`, host: "gw.example.com"},
		{peer: `host = "192.0.2.1"`, host: "192.0.2.1"},
		{peer: `host = "2001:db8::1"`, host: "2001:db8::1"},
		{peer: `host = "gw.example.com:10500"`, host: "gw.example.com", port: 10500},
		{peer: `host = "192.0.2.1:4500"`, host: "192.0.2.1", port: 4500},
		{peer: `host = "[2001:db8::1]:10500"`, host: "2001:db8::1", port: 10500},
		{peer: "host = \"192.0.2.1:10500\"\nnatt_port = 14500", host: "192.0.2.1", port: 10500, natt: 14500},
		{peer: `host = "gw.example.com:0"`, wantErr: "not a number from 1 to 65535", wantLine: ":5:"},
		{peer: `host = "gw.example.com:70000"`, wantErr: "not a number from 1 to 65535", wantLine: ":5:"},
		{peer: `host = "gw.example.com:ike"`, wantErr: "not a number from 1 to 65535", wantLine: ":5:"},
		{peer: `host = "[2001:db8::1]"`, wantErr: "needs brackets", wantLine: ":5:"},
		{peer: `host = "gw_1..example:500"`, wantErr: "host name with a port", wantLine: ":5:"},
		{peer: `host = "a:b:500"`, wantErr: "not host:port", wantLine: ":5:"},
		{peer: "host = \"192.0.2.1\"\nnatt_port = 65536", wantErr: "natt_port 65536", wantLine: ":6:"},
		{peer: "host = \"192.0.2.1\"\nnatt_port = -1", wantErr: "natt_port -1", wantLine: ":6:"},
	}
	for _, c := range cases {
		p, err := ParseForTest(base + c.peer + "\n")
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "test.toml"+c.wantLine) {
				t.Errorf("%s: err %v, want %q at line %s", c.peer, err, c.wantErr, c.wantLine)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.peer, err)
			continue
		}
		got := p.Peers[0]
		if got.Host != c.host || got.Port != c.port || got.NATTPort != c.natt {
			t.Errorf("%s: host %q port %d natt %d", c.peer, got.Host, got.Port, got.NATTPort)
		}
	}
}

// FuzzSplitHostPort: any host string is split without panicking, and a
// split host is one the loader accepts on its own.
func FuzzSplitHostPort(f *testing.F) {
	for _, s := range []string{"gw.example.com", "gw:500", "[2001:db8::1]:4500", "2001:db8::1", "[::1", "a:b:c", ":500", "[]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, port, msg := splitHostPort(s)
		if msg != "" {
			return
		}
		if h2, p2, msg2 := splitHostPort(host); msg2 != "" || h2 != host || p2 != 0 {
			t.Fatalf("%q split to %q:%d, which does not stand alone (%q %d %s)", s, host, port, h2, p2, msg2)
		}
	})
}
