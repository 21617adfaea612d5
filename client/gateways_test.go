package client

import (
	"strings"
	"testing"
)

func hosts(ps ...Peer) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Host)
	}
	return strings.Join(s, ",")
}

// walk calls Next n times and records where it went.
func walk(g *GatewayList, n int, el Eligibility) string {
	var out []string
	for i := 0; i < n; i++ {
		p, wrapped, ok := g.Next(el)
		if !ok {
			out = append(out, "none")
			continue
		}
		if wrapped {
			out = append(out, "|")
		}
		out = append(out, p.Host)
	}
	return strings.Join(out, " ")
}

func threePeers() []Peer {
	// Listed out of order on purpose: Seq decides.
	return []Peer{
		{Seq: 20, Host: "gw2.example"},
		{Seq: 10, Host: "192.0.2.1"},
		{Seq: 30, Host: "gw3.example", Track: "lte"},
	}
}

func TestGatewayListOrderAndWrap(t *testing.T) {
	g := NewGatewayList(threePeers())
	if got := walk(g, 4, nil); got != "192.0.2.1 gw2.example gw3.example | 192.0.2.1" {
		t.Errorf("walk = %q", got)
	}
}

func TestGatewayListTrackedPeerSkipped(t *testing.T) {
	lteDown := func(p Peer) bool { return p.Track != "lte" }
	g := NewGatewayList(threePeers())
	if got := walk(g, 3, lteDown); got != "192.0.2.1 gw2.example | 192.0.2.1" {
		t.Errorf("walk = %q", got)
	}
	none := func(Peer) bool { return false }
	if got := walk(g, 1, none); got != "| none" && got != "none" {
		t.Errorf("no eligible peer: %q", got)
	}
}

// TestDownloadedBackupList narrates the seed's rules: a pushed list goes
// right after the peer that sent it, is tried in order on failure, and is
// dropped once the client reaches the next static peer.
func TestDownloadedBackupList(t *testing.T) {
	g := NewGatewayList(threePeers())
	g.Next(nil) // 192.0.2.1
	g.Connected([]string{"bk1.example", "bk2.example", "192.0.2.1"})
	if got := hosts(g.order()...); got != "192.0.2.1,bk1.example,bk2.example,gw2.example,gw3.example" {
		t.Fatalf("order after download = %s (the sender itself must not be listed twice)", got)
	}
	// The gateway dies: the downloaded peers come next, then gw2, and the
	// downloaded list is gone once the client moves to gw2.
	if got := walk(g, 3, nil); got != "bk1.example bk2.example gw2.example" {
		t.Errorf("walk = %q", got)
	}
	if got := hosts(g.order()...); got != "192.0.2.1,gw2.example,gw3.example" {
		t.Errorf("downloaded list not dropped: %s", got)
	}
}

func TestConnectedThroughDownloadedPeerKeepsList(t *testing.T) {
	g := NewGatewayList(threePeers())
	g.Next(nil)
	g.Connected([]string{"bk1.example", "bk2.example"})
	g.Next(nil) // bk1
	g.Connected([]string{"other.example"})
	if got := hosts(g.order()...); got != "192.0.2.1,bk1.example,bk2.example,gw2.example,gw3.example" {
		t.Errorf("order = %s", got)
	}
	if p, _ := g.Current(); p.Host != "bk1.example" {
		t.Errorf("current = %s", p.Host)
	}
}

func TestNewStaticPeerReplacesDownloadedList(t *testing.T) {
	g := NewGatewayList(threePeers())
	g.Next(nil)
	g.Connected([]string{"bk1.example"})
	g.MoveTo(Peer{Seq: 20, Host: "gw2.example"})
	g.Connected([]string{"bk9.example"})
	if got := hosts(g.order()...); got != "192.0.2.1,gw2.example,bk9.example,gw3.example" {
		t.Errorf("order = %s", got)
	}
}

func TestPreferredReactivation(t *testing.T) {
	primaryUp := true
	el := func(p Peer) bool { return p.Host != "192.0.2.1" || primaryUp }
	g := NewGatewayList(threePeers())
	g.Next(el)
	if _, ok := g.Preferred(el); ok {
		t.Fatal("on the primary: nothing is preferred")
	}
	primaryUp = false
	g.Next(el) // primary fails over to gw2
	if _, ok := g.Preferred(el); ok {
		t.Fatal("primary still down: stay on gw2")
	}
	primaryUp = true
	p, ok := g.Preferred(el)
	if !ok || p.Host != "192.0.2.1" {
		t.Fatalf("Preferred = %v %v, want the primary back", p, ok)
	}
	// A downloaded peer behind gw2 never beats gw2's own position logic:
	g.Connected([]string{"bk.example"})
	g.Next(el) // bk.example
	if p, ok := g.Preferred(func(p Peer) bool { return p.Host != "192.0.2.1" }); !ok || p.Host != "gw2.example" {
		t.Errorf("from a downloaded peer the anchor is preferred: %v %v", p, ok)
	}
}
