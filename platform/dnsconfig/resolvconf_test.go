package dnsconfig

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const original = "# from DHCP\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nsearch home.example\n"

func setup(t *testing.T) (*ResolvConf, string, string) {
	t.Helper()
	dir := t.TempDir()
	path, backup := filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "run", "resolv.conf.orig")
	if err := os.WriteFile(path, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}
	return NewResolvConf(path, backup), path, backup
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSetAndClose(t *testing.T) {
	r, path, backup := setup(t)
	if got := r.Saved(); len(got) != 2 || got[0].String() != "192.0.2.53:53" {
		t.Fatalf("Saved before Set = %v", got)
	}
	cfg := Config{Nameservers: []netip.Addr{netip.MustParseAddr("127.0.0.54")}, Search: []string{"corp.example"}}
	if err := r.Set(cfg); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(cfg); err != nil { // idempotent; must not back up our own file
		t.Fatal(err)
	}
	got := read(t, path)
	if !strings.HasPrefix(got, marker) || !strings.Contains(got, "nameserver 127.0.0.54\nsearch corp.example\n") {
		t.Fatalf("resolv.conf = %q", got)
	}
	if read(t, backup) != original {
		t.Fatal("backup is not the original")
	}
	if s := r.Saved(); len(s) != 2 {
		t.Errorf("Saved while set = %v", s)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if read(t, path) != original {
		t.Fatalf("not restored: %q", read(t, path))
	}
	if _, err := os.Stat(backup); !os.IsNotExist(err) {
		t.Error("backup left behind")
	}
}

// TestCrashRecovery: a daemon died with our file in place; the next one
// must treat the backup as the original and cleanup must restore it.
func TestCrashRecovery(t *testing.T) {
	r, path, backup := setup(t)
	r.Set(Config{Nameservers: []netip.Addr{netip.MustParseAddr("127.0.0.54")}})
	// "crash": a new instance on the same files.
	r2 := NewResolvConf(path, backup)
	if err := r2.Set(Config{Nameservers: []netip.Addr{netip.MustParseAddr("127.0.0.55")}}); err != nil {
		t.Fatal(err)
	}
	if s := r2.Saved(); len(s) != 2 || s[0].String() != "192.0.2.53:53" {
		t.Fatalf("Saved after crash = %v, want the original servers", s)
	}
	if err := Restore(path, backup); err != nil {
		t.Fatal(err)
	}
	if read(t, path) != original {
		t.Fatal("cleanup did not restore the original")
	}
}

func TestRestoreLeavesForeignFileAlone(t *testing.T) {
	_, path, backup := setup(t)
	os.MkdirAll(filepath.Dir(backup), 0o755)
	os.WriteFile(backup, []byte("stale"), 0o644)
	if err := Restore(path, backup); err != nil {
		t.Fatal(err)
	}
	if read(t, path) != original {
		t.Fatal("a resolv.conf we did not write was replaced")
	}
}
