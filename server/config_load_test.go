package server

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConfigLoadReports(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef\n"
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"load.key": secret, "open.key": secret, "short.key": "tooshort\n"},
		map[string]os.FileMode{"open.key": 0o644})
	load := func(redirect string) (*Config, error) {
		path := filepath.Join(dir, "server.toml")
		src := "[server]\nlisten = [\"0.0.0.0\", \"192.0.2.1\"]\n[redirect]\ngateways = [\"192.0.2.2\"]\n" + redirect
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return Load(path)
	}

	cfg, err := load("load_secret_file = \"load.key\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg.LoadSecret) != strings.TrimSpace(secret) || cfg.LoadPort != DefaultLoadPort ||
		cfg.LoadInterval != DefaultLoadInterval || cfg.LoadID != "192.0.2.1" {
		t.Fatalf("defaults: %q %d %v %q", cfg.LoadSecret, cfg.LoadPort, cfg.LoadInterval, cfg.LoadID)
	}
	cfg, err = load("load_secret_file = \"load.key\"\nload_port = 4600\nload_id = \"vpn1.example.com\"\nload_interval = \"500ms\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LoadPort != 4600 || cfg.LoadID != "vpn1.example.com" || cfg.LoadInterval != 500*time.Millisecond {
		t.Fatalf("explicit: %d %q %v", cfg.LoadPort, cfg.LoadID, cfg.LoadInterval)
	}
	if cfg, err = load(""); err != nil || cfg.LoadSecret != nil {
		t.Fatalf("off by default: %v %q", err, cfg.LoadSecret)
	}

	bad := []struct{ redirect, want string }{
		{"load_port = 4600\n", "server.toml:5: [redirect] load_port is set but load_secret_file is not"},
		{"load_secret_file = \"open.key\"\n", "readable by group or others"},
		{"load_secret_file = \"short.key\"\n", "needs at least 16"},
		{"load_secret_file = \"missing.key\"\n", "cannot read"},
		{"load_secret_file = \"load.key\"\nload_port = 70000\n", "server.toml:6: [redirect] load_port 70000"},
		{"load_secret_file = \"load.key\"\nload_interval = \"fast\"\n", "load_interval \"fast\""},
		{"load_secret_file = \"load.key\"\nload_interval = \"10ms\"\n", "between 100ms and 1m"},
		{"load_secret_file = \"load.key\"\nload_id = \"" + strings.Repeat("a", 256) + "\"\n", "set load_id"},
	}
	for _, tt := range bad {
		_, err := load(tt.redirect)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.redirect, err, tt.want)
		}
	}
}

// TestReloadLoadReportsNeedRestart: the load-report socket and its peers
// are fixed when the server starts, so a reload that changes them says so.
func TestReloadLoadReportsNeedRestart(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"load.key": "0123456789abcdef0123456789abcdef"}, nil)
	parse := func(redirect string) *Config {
		cfg, err := Parse(filepath.Join(dir, "server.toml"), []byte("[server]\nlisten = [\"192.0.2.1\"]\n[redirect]\n"+redirect))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	base := parse("gateways = [\"192.0.2.2\"]\nload_secret_file = \"load.key\"\n")
	tests := []struct {
		redirect string
		want     []string
	}{
		{"gateways = [\"192.0.2.2\"]\nload_secret_file = \"load.key\"\n", nil},
		{"gateways = [\"192.0.2.2\"]\nload_secret_file = \"load.key\"\nload_port = 4600\n", []string{"redirect load reports"}},
		{"gateways = [\"192.0.2.3\"]\nload_secret_file = \"load.key\"\n", []string{"redirect.gateways (load report peers)"}},
		{"gateways = [\"192.0.2.2\"]\n", []string{"redirect load reports"}},
	}
	for _, tt := range tests {
		if got := restartOnly(base, parse(tt.redirect)); !slices.Equal(got, tt.want) {
			t.Errorf("%q: need restart %q, want %q", tt.redirect, got, tt.want)
		}
	}
}
