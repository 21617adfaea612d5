package client

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"flexvpn/client/profile"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// rekeyRefused is the engine's error for a hybrid IKE SA whose rekey the
// gateway refused, here also carrying the gateway's NO_PROPOSAL_CHOSEN
// (which alone would stop a manual run).
func rekeyRefused() error {
	return errors.Join(fmt.Errorf("%w: reconnect to set up a fresh one", ike.ErrRekeyRefused),
		&ike.PeerError{Type: wire.NO_PROPOSAL_CHOSEN})
}

// trackProfile is a connect = "track" profile over hosts.
func trackProfile(t *testing.T, hosts ...string) *profile.Profile {
	t.Helper()
	src := "connect = \"track\"\ntrack = \"uplink up\"\n[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\n" +
		"[[track_object]]\nname = \"uplink\"\nprobe = \"interface\"\ntarget = \"eth0\"\n"
	for _, h := range hosts {
		src += fmt.Sprintf("[[peer]]\nhost = %q\n", h)
	}
	p, err := profile.ParseForTest(src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConnReconnectsAfterRefusedHybridRekey: when the gateway refuses to
// rekey a hybrid IKE SA the engine closes it, and every connect mode
// reconnects to the same gateway (which reauthenticates with a fresh SA)
// instead of stopping or failing over.
func TestConnReconnectsAfterRefusedHybridRekey(t *testing.T) {
	for _, mode := range []string{profile.ConnectAuto, profile.ConnectManual, profile.ConnectTrack} {
		t.Run(mode, func(t *testing.T) {
			var p *profile.Profile
			if mode == profile.ConnectTrack {
				p = trackProfile(t, "gw1.example", "gw2.example")
			} else {
				p = testProfile(t, mode, "gw1.example", "gw2.example")
			}
			n := newFakeNet()
			n.script["gw1.example"] = []string{"ok", "ok"}
			n.script["gw2.example"] = []string{"ok"}
			h := start(t, p, n)
			s := h.session(t)
			h.waitState(t, StateConnected)
			s.end <- rekeyRefused()
			if s = h.session(t); s.host != "gw1.example" {
				t.Fatalf("reconnected to %s, want the same gateway", s.host)
			}
			h.waitState(t, StateConnected)
			select {
			case err := <-h.done:
				h.done <- err
				t.Fatalf("Run ended: %v", err)
			default:
			}
			if got := n.dialLog(); got != "gw1.example gw1.example" {
				t.Errorf("dials = %s", got)
			}
			found := false
			for _, ev := range h.conn.cfg.Trace.Events() {
				found = found || strings.Contains(ev.Message, "refused to rekey") && strings.Contains(ev.Err, "refused to rekey")
			}
			if !found {
				t.Errorf("no trace event says the rekey was refused: %+v", h.conn.cfg.Trace.Events())
			}
		})
	}
}

// TestRefusedRekeyNeverStopsAtOnce: even reported with NO_PROPOSAL_CHOSEN
// (which stops a manual run), a refused hybrid rekey is retried.
func TestRefusedRekeyNeverStopsAtOnce(t *testing.T) {
	for _, mode := range []string{profile.ConnectAuto, profile.ConnectManual} {
		c := NewConn(ConnConfig{Profile: testProfile(t, mode, "gw1.example")})
		if why, stop := c.stopsAtOnce(rekeyRefused()); stop {
			t.Errorf("%s: a refused rekey stops the run: %s", mode, why)
		}
		if _, stop := c.stopsAtOnce(&ike.PeerError{Type: wire.NO_PROPOSAL_CHOSEN}); stop != (mode == profile.ConnectManual) {
			t.Errorf("%s: NO_PROPOSAL_CHOSEN alone stops = %v", mode, stop)
		}
	}
}
