package gui

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHeadlessDeps keeps package gui free of Fyne's cgo drivers: only
// cmd/flexvpn-gui links them, so this package builds, vets and tests
// without a C toolchain, GL headers or a display.
func TestHeadlessDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"fyne.io/fyne/v2/app", "fyne.io/fyne/v2/internal/driver/glfw", "github.com/go-gl/"} {
			if dep == banned || strings.HasPrefix(dep, banned) {
				t.Errorf("package gui links %s; keep it in cmd/flexvpn-gui", dep)
			}
		}
	}
}
