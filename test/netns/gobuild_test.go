package netns

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoBuildRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	// A tiny main package in a temporary module keeps this independent of
	// the rest of the repository.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module fvbuildtest\n\ngo 1.22\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() { println(\"built ok\") }\n")
	t.Chdir(dir)
	p1 := GoBuild(t, "fvbuildtest")
	out, err := exec.Command(p1).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "built ok") {
		t.Errorf("running %s: %v %s", p1, err, out)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
