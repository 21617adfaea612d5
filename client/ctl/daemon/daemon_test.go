package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flexvpn/client"
	"flexvpn/client/profile"
)

func TestLoadDirSkipsBrokenProfiles(t *testing.T) {
	dir := t.TempDir()
	writeProfile(t, dir, "corp", "auto", "192.0.2.1")
	os.WriteFile(filepath.Join(dir, "broken.toml"), []byte("name = \"broken\"\nconnect = \"sometimes\"\n"), 0o644)
	dup := writeProfile(t, dir, "dup", "manual", "192.0.2.2")
	os.WriteFile(filepath.Join(dir, "zz.toml"), []byte(strings.Replace(mustRead(t, dup), `"dup"`, `"corp"`, 1)), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a profile"), 0o644)

	got, errs := LoadDir(dir, profile.Load)
	if len(got) != 2 || got["corp"] == nil || got["dup"] == nil {
		t.Fatalf("loaded %v", got)
	}
	if got["corp"].Path != filepath.Join(dir, "corp.toml") {
		t.Errorf("corp loaded from %s; the later duplicate must not replace it", got["corp"].Path)
	}
	all := errors.Join(errs...).Error()
	if !strings.Contains(all, filepath.Join(dir, "broken.toml")+":2:") {
		t.Errorf("broken profile not reported with file:line: %s", all)
	}
	if !strings.Contains(all, "zz.toml") || !strings.Contains(all, "already used") {
		t.Errorf("duplicate name not reported: %s", all)
	}
}

func TestLoadDirMissing(t *testing.T) {
	got, errs := LoadDir(filepath.Join(t.TempDir(), "nope"), profile.Load)
	if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0], os.ErrNotExist) {
		t.Fatalf("missing directory: %v %v", got, errs)
	}
}

func mustRead(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStartAutoKeepManualIdle(t *testing.T) {
	h := newHarness(t)
	writeProfile(t, h.dir, "branch", "auto", "192.0.2.1")
	writeProfile(t, h.dir, "lab", "manual", "192.0.2.2")
	if errs := h.d.Reload(); len(errs) != 0 {
		t.Fatal(errs)
	}
	waitFor(t, "branch connecting", func() bool { return h.state(t, "branch") == "connecting" })
	if s := h.state(t, "lab"); s != "idle" || len(h.buildsOf("lab")) != 0 {
		t.Fatalf("manual profile started: state %s", s)
	}
	if err := h.d.Up("lab"); err != nil {
		t.Fatal(err)
	}
	if err := h.d.Up("lab"); err != nil || len(h.buildsOf("lab")) != 1 {
		t.Fatalf("second up: %v, %d builds", err, len(h.buildsOf("lab")))
	}
	if h.buildsOf("branch")[0].Interface == h.buildsOf("lab")[0].Interface {
		t.Fatal("two running profiles share a TUN interface")
	}
	if err := h.d.Down("lab"); err != nil {
		t.Fatal(err)
	}
	if s := h.state(t, "lab"); s != "idle" {
		t.Fatalf("after down: %s", s)
	}
	if err := h.d.Up("nope"); !errors.Is(err, ErrNoProfile) {
		t.Fatalf("up of unknown profile: %v", err)
	}
	if _, err := h.d.Status("nope", false); !errors.Is(err, ErrNoProfile) {
		t.Fatalf("status of unknown profile: %v", err)
	}
}

func TestReload(t *testing.T) {
	h := newHarness(t)
	writeProfile(t, h.dir, "keep", "auto", "192.0.2.1")
	writeProfile(t, h.dir, "change", "auto", "192.0.2.2")
	gone := writeProfile(t, h.dir, "gone", "auto", "192.0.2.3")
	typo := writeProfile(t, h.dir, "typo", "auto", "192.0.2.4")
	h.d.Reload()
	for _, n := range []string{"keep", "change", "gone", "typo"} {
		waitFor(t, n+" running", func() bool { return h.state(t, n) == "connecting" })
	}

	writeProfile(t, h.dir, "change", "auto", "192.0.2.22")
	os.Remove(gone)
	os.WriteFile(typo, []byte(strings.Replace(mustRead(t, typo), "[auth]", "[auth\n", 1)), 0o644)
	writeProfile(t, h.dir, "new", "manual", "192.0.2.5")
	errs := h.d.Reload()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), typo) {
		t.Fatalf("reload errors %v, want one for %s", errs, typo)
	}
	if n := len(h.buildsOf("keep")); n != 1 {
		t.Errorf("unchanged profile restarted (%d builds)", n)
	}
	changed := h.buildsOf("change")
	if len(changed) != 2 || changed[1].Profile.Peers[0].Host != "192.0.2.22" {
		t.Fatalf("changed profile not restarted with its new settings: %d builds", len(changed))
	}
	waitFor(t, "change running again", func() bool { return h.state(t, "change") == "connecting" })
	if _, err := h.d.Status("gone", false); !errors.Is(err, ErrNoProfile) {
		t.Errorf("removed profile still listed: %v", err)
	}
	if s := h.state(t, "typo"); s != "connecting" {
		t.Errorf("a profile with a broken edit was stopped (%s); it must keep its old settings", s)
	}
	if s := h.state(t, "new"); s != "idle" {
		t.Errorf("new manual profile is %s", s)
	}
	// A directory that disappears stops nothing.
	os.Rename(h.dir, h.dir+".moved")
	if errs := h.d.Reload(); len(errs) != 1 {
		t.Fatalf("reload of a missing directory: %v", errs)
	}
	os.Rename(h.dir+".moved", h.dir)
	all, _ := h.d.Status("", false)
	var names []string
	for _, s := range all {
		names = append(names, s.Profile)
	}
	if strings.Join(names, ",") != "change,keep,new,typo" {
		t.Errorf("status lists %v", names)
	}
}

// TestDefaultRouteOwner: two full tunnels; the second is refused with an
// error naming the first, and runs once the first is down.
func TestDefaultRouteOwner(t *testing.T) {
	h := newHarness(t)
	h.reply = func(name string) *client.Reply {
		if name == "split" {
			return splitTunnel("10.9.0.2", "198.51.100.0/24")
		}
		return fullTunnel("10.8.0.2")
	}
	writeProfile(t, h.dir, "first", "manual", "192.0.2.1")
	writeProfile(t, h.dir, "second", "manual", "192.0.2.2")
	writeProfile(t, h.dir, "split", "manual", "192.0.2.3")
	h.d.Reload()
	h.d.Up("first")
	waitFor(t, "first connected", func() bool { return h.state(t, "first") == "connected" })
	h.d.Up("second")
	waitFor(t, "second refused", func() bool { return h.state(t, "second") == "failed" })
	st, _ := h.d.Status("second", false)
	if !strings.Contains(st[0].LastError, `"first" already owns the default route`) {
		t.Fatalf("second's error %q does not name the owner", st[0].LastError)
	}
	h.d.Up("split")
	waitFor(t, "split connected alongside", func() bool { return h.state(t, "split") == "connected" })

	st, _ = h.d.Status("", false)
	owners := map[string]bool{}
	for _, s := range st {
		owners[s.Profile] = s.DefaultRoute
	}
	if !owners["first"] || owners["second"] || owners["split"] {
		t.Fatalf("default route owners %v", owners)
	}
	first := h.d.profiles["first"].run.slot
	if tbl := h.routers[0].Current().Table; tbl != TableBase+first {
		t.Errorf("first profile's routes in table %d, want %d", tbl, TableBase+first)
	}
	h.d.Down("second")
	st, _ = h.d.Status("second", false)
	if st[0].State != "idle" || !strings.Contains(st[0].LastError, "already owns") {
		t.Fatalf("refused profile after down: %+v", st[0])
	}
	h.d.Down("first")
	h.d.Up("second")
	waitFor(t, "second connected after first went down", func() bool { return h.state(t, "second") == "connected" })
	st, _ = h.d.Status("second", false)
	if !st[0].DefaultRoute || len(st[0].Addrs) != 1 || st[0].Addrs[0].String() != "10.8.0.2/32" {
		t.Fatalf("second status %+v", st[0])
	}
}

func TestShutdownStopsAllAndRefusesStarts(t *testing.T) {
	h := newHarness(t)
	h.reply = func(string) *client.Reply { return fullTunnel("10.8.0.2") }
	writeProfile(t, h.dir, "a", "auto", "192.0.2.1")
	h.d.Reload()
	waitFor(t, "a connected", func() bool { return h.state(t, "a") == "connected" })
	if err := h.d.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if s := h.state(t, "a"); s != "idle" {
		t.Fatalf("after shutdown: %s", s)
	}
	if cfg := h.routers[0].Current(); cfg.Interface != "" {
		t.Fatalf("routes left after shutdown: %+v", cfg)
	}
	if err := h.d.Up("a"); !errors.Is(err, ErrShutdown) {
		t.Fatalf("up after shutdown: %v", err)
	}
}
