package main

import (
	"os/exec"
	"strings"
	"testing"
)

// goList runs `go list` with args and returns its output lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// TestRouterBinaryDeps keeps the headless binary free of GUI and cgo-only
// dependencies: it must stay a small static binary for arm/mips routers.
func TestRouterBinaryDeps(t *testing.T) {
	for _, dep := range goList(t, "-deps", ".") {
		if strings.HasPrefix(dep, "fyne.io/") {
			t.Errorf("cmd/flexvpn links %s; the GUI belongs in cmd/flexvpn-gui", dep)
		}
	}
}

// TestLayering enforces ARCHITECTURE.md: tunnel/... never imports client,
// server or platform packages.
func TestLayering(t *testing.T) {
	pkgs := goList(t, "-f", "{{.ImportPath}}:{{join .Imports \",\"}}", "flexvpn/tunnel/...")
	for _, line := range pkgs {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, imp := range strings.Split(imports, ",") {
			for _, banned := range []string{"flexvpn/client", "flexvpn/server", "flexvpn/platform"} {
				if imp == banned || strings.HasPrefix(imp, banned+"/") {
					t.Errorf("%s imports %s (tunnel/... must not)", pkg, imp)
				}
			}
		}
	}
}
