package server

import (
	"errors"
	"strings"
	"testing"
)

func TestForwardingWarnings(t *testing.T) {
	cfg, err := Parse("server.toml", []byte("[pool.v4]\nprefix = \"10.9.0.0/24\"\n[pool.v6]\nprefix = \"2001:db8:9::/120\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	v4only, err := Parse("server.toml", []byte("[pool.v4]\nprefix = \"10.9.0.0/24\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	sysctls := func(v4, v6 string) func(string) ([]byte, error) {
		return func(path string) ([]byte, error) {
			switch {
			case strings.Contains(path, "ipv4") && v4 != "":
				return []byte(v4 + "\n"), nil
			case strings.Contains(path, "ipv6") && v6 != "":
				return []byte(v6 + "\n"), nil
			}
			return nil, errors.New("no such file")
		}
	}
	for _, tc := range []struct {
		name   string
		cfg    *Config
		v4, v6 string
		want   []string
	}{
		{"both on", cfg, "1", "1", nil},
		{"both off", cfg, "0", "0", []string{"net.ipv4.ip_forward is 0", "net.ipv6.conf.all.forwarding is 0"}},
		{"v6 off", cfg, "1", "0", []string{"net.ipv6.conf.all.forwarding is 0"}},
		{"no IPv6 pool, v6 off", v4only, "1", "0", nil},
		{"unreadable", cfg, "", "", nil},
	} {
		got := forwardingWarnings(tc.cfg.Pools, sysctls(tc.v4, tc.v6))
		if len(got) != len(tc.want) {
			t.Errorf("%s: %q, want %d warnings", tc.name, got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.HasPrefix(got[i], w) || !strings.Contains(got[i], "sysctl -w") {
				t.Errorf("%s: warning %q, want it to start %q and name the fix", tc.name, got[i], w)
			}
		}
	}
}
