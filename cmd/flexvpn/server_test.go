package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"flexvpn/server"
)

func TestPrintSessions(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var b bytes.Buffer
	printSessions(&b, []server.SessionSnapshot{{ID: 7, Identity: "alice", Peer: netip.MustParseAddrPort("192.0.2.9:4500"),
		IP4: netip.MustParseAddr("203.0.113.5"), Since: now.Add(-90 * time.Second), BytesIn: 10, BytesOut: 20}}, now)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("table:\n%s", b.String())
	}
	f := strings.Fields(lines[1])
	want := []string{"7", "alice", "203.0.113.5", "192.0.2.9:4500", "1m30s", "10", "20"}
	if strings.Join(f, " ") != strings.Join(want, " ") {
		t.Fatalf("row %q, want %q", f, want)
	}
	b.Reset()
	printSessions(&b, nil, now)
	if !strings.Contains(b.String(), "(no sessions)") {
		t.Fatalf("empty table: %q", b.String())
	}
}

func TestAdminFlagsAfterPositional(t *testing.T) {
	a := newAdminFlags("disconnect", "X")
	pos, err := a.parse([]string{"alice", "--socket", "/tmp/x.sock"})
	if err != nil || len(pos) != 1 || pos[0] != "alice" || *a.socket != "/tmp/x.sock" {
		t.Fatalf("pos %v socket %q err %v", pos, *a.socket, err)
	}
}
