package server_test

import (
	"testing"
)

// TestServerCapKeepsOldSessionOnInitialContact: a second connection of
// an identity at its session cap is refused, and its INITIAL_CONTACT
// does not take the first session down with it.
func TestServerCapKeepsOldSessionOnInitialContact(t *testing.T) {
	text := pskConfig + "\n[limits]\nsessions_per_identity = 1\n"
	s := startServer(t, writeConfig(t, t.TempDir(), text))
	first := mustDial(t, pskClient("alice@example.com"))
	if _, err := dial(t, pskClient("alice@example.com")); err == nil {
		t.Fatal("second session was accepted over the per-identity cap")
	}
	exchangePackets(t, s, first, first.Reply().Addrs[0].Addr())
	if n := len(s.Sessions()); n != 1 {
		t.Fatalf("%d sessions, want the first one only", n)
	}
}
