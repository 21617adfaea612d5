package netns

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"testing"
)

// GoBuild builds the main package pkg (e.g. "flexvpn/cmd/flexvpn") into
// t's temporary directory and returns the executable's path, ready for
// Host.Start. Go's build cache makes repeated builds cheap, so there is
// no cache here that could outlive the test.
func GoBuild(t testing.TB, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), path.Base(pkg))
	if b, err := exec.Command(goTool(), "build", "-o", out, pkg).CombinedOutput(); err != nil {
		t.Fatalf("netns: go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// goTool prefers the go command of the toolchain running the tests.
func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}
