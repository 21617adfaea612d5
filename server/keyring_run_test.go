package server_test

import (
	"errors"
	"strings"
	"testing"

	"flexvpn/tunnel/ike"
)

// TestServerPerPeerKeys: a keyring of per-identity keys and no catch-all
// entry serves each user with its own key and refuses a borrowed one.
func TestServerPerPeerKeys(t *testing.T) {
	text := strings.Replace(pskConfig, `[keyring.any]
address = "0.0.0.0/0"
key = "loopback-psk"
`, `[keyring.alice]
identity = "email:alice@example.com"
key = "alice-psk"

[keyring.bob]
identity = "email:bob@example.com"
key = "bob-psk"
`, 1)
	if text == pskConfig {
		t.Fatal("test config still has the catch-all entry")
	}
	startServer(t, writeConfig(t, t.TempDir(), text))
	for _, u := range []string{"alice", "bob"} {
		c := pskClient(u + "@example.com")
		c.PSK = []byte(u + "-psk")
		checkReply(t, mustDial(t, c).Reply(), "203.0.113.")
	}
	c := pskClient("bob@example.com")
	c.PSK = []byte("alice-psk")
	if _, err := dial(t, c); !errors.Is(err, ike.ErrAuthFailed) {
		t.Fatalf("bob with alice's key: %v, want authentication failure", err)
	}
}
