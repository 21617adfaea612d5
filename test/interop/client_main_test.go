package interop

import (
	"os"
	"testing"
)

// TestMain only removes the flexvpn binary that buildFlexvpn compiles
// (once, on first use) for every test of this run.
func TestMain(m *testing.M) {
	code := m.Run()
	removeFlexvpnBuild()
	os.Exit(code)
}
