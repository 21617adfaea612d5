package e2e

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"flexvpn/test/netns"
)

// TestServerShutdown: SIGTERM makes `flexvpn server` delete its sessions
// (strongSwan sees the Delete) and leave the gateway namespace without
// its TUN, policy rule, routes or admin socket, exiting cleanly.
func TestServerShutdown(t *testing.T) {
	netns.RequireStrongSwan(t)
	w := newWorld(t, "stop")
	g := w.gwServer
	spec, identity := swanClientSpec(t, w.ca, "eap-mschapv2")
	swan := netns.StartStrongSwan(t, w.cli, spec.Config())
	if err := swan.Initiate(netns.ChildName); err != nil {
		t.Fatalf("strongSwan initiate: %v\n%s", err, swan.Log())
	}
	swan.WaitSA(netns.ClientConn, true, 15*time.Second)
	g.waitSession(t, identity)
	if rules := w.gw.IP("rule", "show"); !strings.Contains(rules, "5300") {
		t.Fatalf("no policy rule for the pool routes while running:\n%s", rules)
	}
	if routes := w.gw.IP("route", "show", "table", "5300"); !strings.Contains(routes, vpnPool.String()+" dev fvs0") {
		t.Fatalf("pool not routed to fvs0:\n%s", routes)
	}

	if err := g.proc.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("server exit after SIGTERM: %v\n%s", err, g.proc.Output())
	}
	netns.WaitFor(t, 10*time.Second, func() error {
		if !strings.Contains(swan.Log(), "received DELETE for IKE_SA") {
			return fmt.Errorf("strongSwan saw no Delete")
		}
		return nil
	})
	if links := w.gw.IP("-o", "link", "show"); strings.Contains(links, "fvs0") {
		t.Errorf("fvs0 left behind:\n%s", links)
	}
	if rules := w.gw.IP("rule", "show"); strings.Contains(rules, "5300") {
		t.Errorf("policy rule left behind:\n%s", rules)
	}
	if _, err := os.Stat(g.socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("admin socket left behind: %v", err)
	}
}
