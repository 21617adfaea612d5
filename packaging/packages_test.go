package packaging

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

const testVersion = "1.2.3+test"

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	buildLog  []byte
)

// builtPackages runs build.sh once per test binary for a small matrix:
// deb and rpm for amd64, ipk for one MIPS router and x86_64, and the GUI
// packages for the host.
func builtPackages(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds three binaries and nFPM; skipped with -short")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("build.sh needs bash")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "flexvpn-pkg-")
		if buildErr != nil {
			return
		}
		formats := []string{"deb", "rpm", "ipk"}
		if haveGUILibs() {
			formats = append(formats, "gui")
		}
		cmd := exec.Command("bash", append([]string{"packaging/build.sh"}, formats...)...)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "OUT="+buildDir, "VERSION="+testVersion,
			"DEB_ARCHES=amd64", "IPK_TARGETS=mips_24kc=mips x86_64=amd64")
		buildLog, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("build.sh: %v\n%s", buildErr, buildLog)
	}
	return buildDir
}

// haveGUILibs reports whether flexvpn-gui can be built here: cgo and the
// GL/X11 headers Fyne's GLFW needs (.ci/run installs them).
func haveGUILibs() bool {
	if _, err := exec.LookPath("gcc"); err != nil {
		return false
	}
	return exec.Command("pkg-config", "--exists", "gl", "x11", "xcursor", "xrandr", "xinerama", "xi", "xxf86vm").Run() == nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantFile(t *testing.T, files map[string]entry, path string, mode int64) entry {
	t.Helper()
	e, ok := files[path]
	if !ok {
		t.Fatalf("package lacks %s", path)
	}
	if e.mode != mode {
		t.Errorf("%s: mode %o, want %o", path, e.mode, mode)
	}
	return e
}

// TestDeb: the Debian package installs the binary, both systemd units,
// a private profiles directory and the examples, with maintainer
// scripts that are valid shell, and its binary reports the version the
// package carries.
func TestDeb(t *testing.T) {
	dir := builtPackages(t)
	members, err := readAr(mustRead(t, filepath.Join(dir, "flexvpn_"+testVersion+"_amd64.deb")))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(members["debian-binary"]); got != "2.0\n" {
		t.Errorf("debian-binary = %q", got)
	}
	control, err := readTarGz(members["control.tar.gz"])
	if err != nil {
		t.Fatal(err)
	}
	fields := controlFields(control["control"].data)
	for k, want := range map[string]string{"Package": "flexvpn", "Version": testVersion, "Architecture": "amd64"} {
		if fields[k] != want {
			t.Errorf("control %s = %q, want %q", k, fields[k], want)
		}
	}
	for _, script := range []string{"postinst", "prerm", "postrm"} {
		checkShell(t, script, wantFile(t, control, script, 0o755).data)
	}
	if !bytes.Contains(control["postinst"].data, []byte("groupadd --system flexvpn")) {
		t.Error("postinst does not create the flexvpn group the control socket is shared with")
	}
	data, err := readTarGz(members["data.tar.gz"])
	if err != nil {
		t.Fatal(err)
	}
	bin := wantFile(t, data, "usr/bin/flexvpn", 0o755)
	wantFile(t, data, "lib/systemd/system/flexvpn.service", 0o644)
	wantFile(t, data, "lib/systemd/system/flexvpn-server.service", 0o644)
	wantFile(t, data, "etc/flexvpn/profiles", 0o750)
	wantFile(t, data, "usr/share/doc/flexvpn/examples/profile.toml", 0o644)
	wantFile(t, data, "usr/share/doc/flexvpn/examples/server.toml", 0o644)
	if _, ok := data["etc/init.d/flexvpn"]; ok {
		t.Error("the deb carries the OpenWrt init script")
	}
	checkELF(t, bin.data, elf.EM_X86_64, elf.ELFDATA2LSB)
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		checkVersion(t, bin.data)
	}
}

// TestIPK: the OpenWrt package carries a soft-float MIPS binary for the
// target it names, the procd init script and no systemd units.
func TestIPK(t *testing.T) {
	dir := builtPackages(t)
	outer, err := readTarGz(mustRead(t, filepath.Join(dir, "flexvpn_"+testVersion+"_mips_24kc.ipk")))
	if err != nil {
		t.Fatal(err)
	}
	control, err := readTarGz(outer["control.tar.gz"].data)
	if err != nil {
		t.Fatal(err)
	}
	fields := controlFields(control["control"].data)
	if fields["Architecture"] != "mips_24kc" || fields["Version"] != testVersion {
		t.Errorf("control: Architecture %q Version %q", fields["Architecture"], fields["Version"])
	}
	for _, script := range []string{"postinst", "prerm"} {
		s := wantFile(t, control, script, 0o755).data
		checkShell(t, script, s)
		if !bytes.Contains(s, []byte("IPKG_INSTROOT")) {
			t.Errorf("%s touches services even inside an image build", script)
		}
	}
	data, err := readTarGz(outer["data.tar.gz"].data)
	if err != nil {
		t.Fatal(err)
	}
	initScript := wantFile(t, data, "etc/init.d/flexvpn", 0o755).data
	checkShell(t, "init.d/flexvpn", initScript)
	for _, want := range []string{"USE_PROCD=1", "procd_set_param respawn", "\"$PROG\" daemon --profiles", "cleanup"} {
		if !bytes.Contains(initScript, []byte(want)) {
			t.Errorf("init script lacks %q", want)
		}
	}
	bin := wantFile(t, data, "usr/bin/flexvpn", 0o755)
	checkELF(t, bin.data, elf.EM_MIPS, elf.ELFDATA2MSB)
	for name := range data {
		if strings.Contains(name, "systemd") {
			t.Errorf("the ipk carries %s", name)
		}
	}
}

// TestGUIDeb: the desktop package carries flexvpn-gui, a menu entry and
// an autostart entry that starts it in the tray, depends on the very
// version of the daemon package it talks to, and its binary reports that
// version.
func TestGUIDeb(t *testing.T) {
	dir := builtPackages(t)
	if !haveGUILibs() {
		t.Skip("no GL/X11 headers here (.ci/run installs them): flexvpn-gui was not packaged")
	}
	arch := runtime.GOARCH
	members, err := readAr(mustRead(t, filepath.Join(dir, "flexvpn-gui_"+testVersion+"_"+arch+".deb")))
	if err != nil {
		t.Fatal(err)
	}
	control, err := readTarGz(members["control.tar.gz"])
	if err != nil {
		t.Fatal(err)
	}
	fields := controlFields(control["control"].data)
	if !strings.Contains(fields["Depends"], "flexvpn (= "+testVersion+")") || !strings.Contains(fields["Depends"], "libgl1") {
		t.Errorf("Depends = %q: want the same flexvpn version and the GL library", fields["Depends"])
	}
	if got := string(control["conffiles"].data); !strings.Contains(got, "/etc/xdg/autostart/flexvpn-gui.desktop") {
		t.Errorf("conffiles = %q: an admin's edit of the autostart entry must survive upgrades", got)
	}
	data, err := readTarGz(members["data.tar.gz"])
	if err != nil {
		t.Fatal(err)
	}
	menu := wantFile(t, data, "usr/share/applications/flexvpn-gui.desktop", 0o644).data
	autostart := wantFile(t, data, "etc/xdg/autostart/flexvpn-gui.desktop", 0o644).data
	for name, want := range map[string]string{"menu entry": "Exec=flexvpn-gui\n", "autostart entry": "Exec=flexvpn-gui --hidden\n"} {
		entry := menu
		if name == "autostart entry" {
			entry = autostart
		}
		if !bytes.HasPrefix(entry, []byte("[Desktop Entry]\n")) || !bytes.Contains(entry, []byte(want)) {
			t.Errorf("%s lacks %q:\n%s", name, want, entry)
		}
	}
	bin := wantFile(t, data, "usr/bin/flexvpn-gui", 0o755)
	// The real front end, not the stub a build without the gui tag makes.
	if f, err := elf.NewFile(bytes.NewReader(bin.data)); err != nil {
		t.Fatal(err)
	} else if libs, _ := f.ImportedLibraries(); !slices.Contains(libs, "libGL.so.1") {
		t.Errorf("flexvpn-gui links %v: want the Fyne build (libGL.so.1)", libs)
	}
	if runtime.GOOS == "linux" {
		path := filepath.Join(t.TempDir(), "flexvpn-gui")
		if err := os.WriteFile(path, bin.data, 0o755); err != nil {
			t.Fatal(err)
		}
		// stdout only: Fyne complains about LANG=C on stderr at init.
		out, err := exec.Command(path, "--version").Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != "flexvpn-gui "+testVersion {
			t.Errorf("flexvpn-gui --version = %q, %v", got, err)
		}
	}
}

// TestRPM: the RPM is written and names itself in its lead.
func TestRPM(t *testing.T) {
	dir := builtPackages(t)
	matches, _ := filepath.Glob(filepath.Join(dir, "flexvpn-[0-9]*.rpm"))
	if len(matches) != 1 {
		t.Fatalf("rpm files: %v", matches)
	}
	b := mustRead(t, matches[0])
	if len(b) < 96 || !bytes.Equal(b[:4], []byte{0xed, 0xab, 0xee, 0xdb}) {
		t.Fatal("not an RPM (lead magic)")
	}
	if name := string(bytes.TrimRight(b[10:76], "\x00")); !strings.HasPrefix(name, "flexvpn-1.2.3") {
		t.Errorf("rpm lead names %q", name)
	}
	if !bytes.Contains(b, []byte("/usr/lib/systemd/system")) {
		t.Error("rpm lacks the systemd unit directory")
	}
}

// checkShell parses a script with sh -n.
func checkShell(t *testing.T, name string, script []byte) {
	t.Helper()
	cmd := exec.Command("sh", "-n")
	cmd.Stdin = bytes.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s is not valid shell: %v\n%s", name, err, out)
	}
}

func checkELF(t *testing.T, b []byte, machine elf.Machine, order elf.Data) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("binary: %v", err)
	}
	if f.Machine != machine || f.Data != order {
		t.Errorf("binary is %v %v, want %v %v", f.Machine, f.Data, machine, order)
	}
	if f.Type != elf.ET_EXEC {
		t.Errorf("binary type %v: want a static executable", f.Type)
	}
}

// checkVersion runs the packaged binary: `flexvpn version` must print the
// package's version.
func checkVersion(t *testing.T, bin []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flexvpn")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("flexvpn version: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "flexvpn "+testVersion {
		t.Errorf("flexvpn version = %q, want %q", got, "flexvpn "+testVersion)
	}
}
