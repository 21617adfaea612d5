package main

import (
	"bytes"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"flexvpn/server"
	"flexvpn/tunnel/datapath"
)

func TestPrintServerStatus(t *testing.T) {
	st := &server.Status{
		Listen:         []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:4500"), netip.MustParseAddrPort("[2001:db8::1]:4500")},
		Sessions:       3,
		MaxSessions:    100,
		DataPlane:      datapath.Stats{PacketsIn: 10, BytesIn: 1000, Drops: datapath.Drops{UnknownSPI: 2, Replay: 1}},
		UndecodableIKE: 7,
		PeerLoads:      []server.PeerLoad{{Gateway: "vpn2.example.com", Sessions: 5, Capacity: 50}},
		LoadReports:    &server.LoadStatsEntry{Accepted: 9, Rejected: map[string]uint64{"bad signature": 2}},
	}
	var b bytes.Buffer
	printServerStatus(&b, st)
	out := b.String()
	for _, want := range []string{
		"192.0.2.1:4500, [2001:db8::1]:4500", "3 of 100", "in 10 packets (1000 bytes)",
		"replay 1, unknown SPI 2", "7 undecodable", "vpn2.example.com 5/50", "accepted 9; rejected: bad signature 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	printServerStatus(&b, &server.Status{})
	if out := b.String(); !regexp.MustCompile(`dropped\s+none`).MatchString(out) || strings.Contains(out, "peer loads") {
		t.Errorf("idle status without load reports:\n%s", out)
	}
}
