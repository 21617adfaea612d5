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

// TestSymlinkedResolvConfComesBackAsLink: under systemd-resolved or on
// OpenWrt resolv.conf is a link; our file replaces the link while up,
// the link's target is never written, and both a clean close and crash
// cleanup put the same link back.
func TestSymlinkedResolvConfComesBackAsLink(t *testing.T) {
	for _, crash := range []bool{false, true} {
		dir := t.TempDir()
		target := filepath.Join(dir, "stub-resolv.conf")
		if err := os.WriteFile(target, []byte(original), 0o644); err != nil {
			t.Fatal(err)
		}
		path, backup := filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "run", "resolv.conf.orig")
		if err := os.Symlink("stub-resolv.conf", path); err != nil {
			t.Fatal(err)
		}
		r := NewResolvConf(path, backup)
		if err := r.Set(Config{Nameservers: []netip.Addr{netip.MustParseAddr("127.0.0.54")}}); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink != 0 {
			t.Fatalf("while up: %v, %v: want our own file in place of the link", fi, err)
		}
		if read(t, target) != original {
			t.Fatal("the link's target was written")
		}
		if s := r.Saved(); len(s) != 2 || s[0].String() != "192.0.2.53:53" {
			t.Fatalf("Saved = %v, want the servers the link pointed at", s)
		}
		if crash {
			err := Restore(path, backup)
			if err != nil {
				t.Fatal(err)
			}
		} else if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if got, err := os.Readlink(path); err != nil || got != "stub-resolv.conf" {
			t.Fatalf("crash=%v: after restore Readlink = %q, %v; want the original link", crash, got, err)
		}
		for _, f := range []string{backup, linkBackup(backup)} {
			if _, err := os.Lstat(f); !os.IsNotExist(err) {
				t.Errorf("crash=%v: %s left behind", crash, f)
			}
		}
	}
}

// TestPlainFileForgetsAnOldLink: a link record left from an earlier run
// must not turn a plain resolv.conf into a link on restore.
func TestPlainFileForgetsAnOldLink(t *testing.T) {
	r, path, backup := setup(t)
	os.MkdirAll(filepath.Dir(backup), 0o755)
	os.WriteFile(linkBackup(backup), []byte("elsewhere"), 0o644)
	if err := r.Set(Config{Nameservers: []netip.Addr{netip.MustParseAddr("127.0.0.54")}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() || read(t, path) != original {
		t.Fatalf("restored %v, %v: want the original plain file", fi, err)
	}
}
