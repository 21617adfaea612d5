package main

import (
	"strings"
	"testing"
)

// TestFlags: bad command lines are refused before any window opens.
func TestFlags(t *testing.T) {
	if err := run([]string{"corp"}); err == nil || !strings.Contains(err.Error(), "usage: flexvpn-gui") {
		t.Errorf("positional argument: %v", err)
	}
	if err := run([]string{"--no-such-flag"}); err == nil {
		t.Error("unknown flag accepted")
	}
	if err := run([]string{"--version"}); err != nil {
		t.Errorf("--version: %v", err)
	}
}
