package daemon

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReloadNoticesChangedFiles: a renewed certificate or CA bundle at
// the same path restarts the profile on reload; a file rewritten with
// the same bytes does not.
func TestReloadNoticesChangedFiles(t *testing.T) {
	h := newHarness(t)
	ca := filepath.Join(h.dir, "ca.pem")
	os.WriteFile(ca, []byte("first CA"), 0o644)
	path := writeProfile(t, h.dir, "corp", "auto", "192.0.2.1")
	os.WriteFile(path, []byte(mustRead(t, path)+"[gateway]\nca = \"ca.pem\"\n"), 0o644)
	writeProfile(t, h.dir, "other", "auto", "192.0.2.2")
	h.d.Reload()
	waitFor(t, "corp running", func() bool { return h.state(t, "corp") == "connecting" })

	os.WriteFile(ca, []byte("first CA"), 0o644) // same bytes, new mtime
	if errs := h.d.Reload(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if n := len(h.buildsOf("corp")); n != 1 {
		t.Fatalf("a rewrite with the same content restarted the profile (%d builds)", n)
	}

	os.WriteFile(ca, []byte("renewed CA"), 0o644)
	if errs := h.d.Reload(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if n := len(h.buildsOf("corp")); n != 2 {
		t.Fatalf("a changed CA file did not restart the profile (%d builds)", n)
	}
	if n := len(h.buildsOf("other")); n != 1 {
		t.Errorf("a profile not using the file was restarted (%d builds)", n)
	}
	waitFor(t, "corp running again", func() bool { return h.state(t, "corp") == "connecting" })

	// The new digest is remembered: the next reload changes nothing.
	h.d.Reload()
	if n := len(h.buildsOf("corp")); n != 2 {
		t.Errorf("reload after the restart restarted again (%d builds)", n)
	}
}

// TestReloadTakesNewFilesOfStoppedProfile: a profile that is not
// running keeps the digest of what it will read at its next start.
func TestReloadTakesNewFilesOfStoppedProfile(t *testing.T) {
	h := newHarness(t)
	ca := filepath.Join(h.dir, "ca.pem")
	os.WriteFile(ca, []byte("first CA"), 0o644)
	path := writeProfile(t, h.dir, "lab", "manual", "192.0.2.1")
	os.WriteFile(path, []byte(mustRead(t, path)+"[gateway]\nca = \"ca.pem\"\n"), 0o644)
	h.d.Reload()
	os.WriteFile(ca, []byte("renewed CA"), 0o644)
	h.d.Reload()
	h.d.mu.Lock()
	e := h.d.profiles["lab"]
	got, want := e.files, digestFiles(e.prof)
	h.d.mu.Unlock()
	if !got.equal(want) {
		t.Errorf("the stopped profile keeps the old digest")
	}
	if n := len(h.buildsOf("lab")); n != 0 {
		t.Errorf("a manual profile was started by reload (%d builds)", n)
	}
}
