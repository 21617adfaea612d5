package ike

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestResponderInstallsChildBeforeAuthResponse proves the first Child SA
// is reported (and so installed in the data plane) before the IKE_AUTH
// response leaves: the initiator may send ESP as soon as it has read it.
func TestResponderInstallsChildBeforeAuthResponse(t *testing.T) {
	tb := newTestbed(t, pskServer())
	var mu sync.Mutex
	seen, childFirst := false, false
	tb.pipe.Filter(func(pkt []byte, from, _ netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err != nil || h.Exchange != wire.IKE_AUTH || !h.IsResponse() || from.Addr() != serverAddr {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		if !seen {
			seen, childFirst = true, len(tb.sev.all(EventChildUp)) == 1 && len(tb.sev.all(EventUp)) == 1
		}
		return true
	})
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !seen || !childFirst {
		t.Fatalf("IKE_AUTH response seen %v, responder's EventUp and EventChildUp before it %v", seen, childFirst)
	}
	ups := tb.sev.all(EventUp)
	child := tb.sev.all(EventChildUp)
	tb.sev.mu.Lock()
	defer tb.sev.mu.Unlock()
	up, cu := -1, -1
	for i, e := range tb.sev.events {
		if e.Kind == EventUp && up < 0 {
			up = i
		}
		if e.Kind == EventChildUp && cu < 0 {
			cu = i
		}
	}
	if len(ups) != 1 || len(child) != 1 || up > cu {
		t.Fatalf("responder events: %d up, %d child-up, up at %d child-up at %d; want one each, up first", len(ups), len(child), up, cu)
	}
}

// TestPSKForPicksKeyPerPeer gives each identity its own key on a
// responder that has no shared PSK at all.
func TestPSKForPicksKeyPerPeer(t *testing.T) {
	keys := map[string][]byte{"alice@example.com": []byte("alice's key"), "bob@example.com": []byte("bob's key")}
	var mu sync.Mutex
	var asked []PeerInfo
	server := pskServer()
	server.PSK = nil
	server.PSKFor = func(p PeerInfo) ([]byte, []byte, error) {
		mu.Lock()
		asked = append(asked, p)
		mu.Unlock()
		k, ok := keys[string(p.ID.Data)]
		if !ok {
			return nil, nil, errors.New("unknown user")
		}
		return k, k, nil
	}
	cases := []struct {
		user string
		key  string
		ok   bool
	}{
		{"alice@example.com", "alice's key", true},
		{"bob@example.com", "bob's key", true},
		{"bob@example.com", "alice's key", false},
		{"carol@example.com", "alice's key", false},
	}
	for _, c := range cases {
		tb := newTestbed(t, server)
		cl := pskClient()
		cl.LocalID, cl.PSK = EmailIdentity(c.user), []byte(c.key)
		_, err := tb.connect(t, cl)
		if c.ok && err != nil {
			t.Fatalf("%s with %q: %v", c.user, c.key, err)
		}
		if !c.ok && !errors.Is(err, ErrAuthFailed) {
			t.Fatalf("%s with %q: got %v, want ErrAuthFailed", c.user, c.key, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != len(cases) || string(asked[0].ID.Data) != "alice@example.com" || !asked[0].Remote.IsValid() {
		t.Fatalf("PSKFor asked %d times, first with %+v", len(asked), asked)
	}
}

// TestPSKForAsymmetricFallback keeps the configured local key when the
// hook returns only the peer's.
func TestPSKForAsymmetricFallback(t *testing.T) {
	server := pskServer()
	server.PSK, server.LocalPSK = nil, []byte("gateway key")
	server.PSKFor = func(PeerInfo) ([]byte, []byte, error) { return nil, []byte("client key"), nil }
	tb := newTestbed(t, server)
	cl := pskClient()
	cl.PSK, cl.LocalPSK, cl.RemotePSK = nil, []byte("client key"), []byte("gateway key")
	if _, err := tb.connect(t, cl); err != nil {
		t.Fatal(err)
	}
}

// TestRedirectedFromInPeerInfo: a redirected client's origin reaches the
// responder's hooks, and a policy that would send it back there (in
// IKE_SA_INIT or IKE_AUTH) is overruled while another target is not.
func TestRedirectedFromInPeerInfo(t *testing.T) {
	old := wire.GatewayID{FQDN: "gw1.example.com"}
	for _, tc := range []struct {
		name   string
		onInit bool
		target wire.GatewayID
		want   error
	}{
		{"init back", true, wire.GatewayID{FQDN: "GW1.example.com."}, nil},
		{"auth back", false, old, nil},
		{"init elsewhere", true, gw2, ErrRedirected},
		{"auth elsewhere", false, gw2, ErrRedirected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []*wire.GatewayID
			s := pskServer()
			s.Redirect = func(_ netip.AddrPort, p *PeerInfo) (wire.GatewayID, bool) {
				if p != nil {
					mu.Lock()
					seen = append(seen, p.RedirectedFrom)
					mu.Unlock()
				}
				return tc.target, tc.onInit == (p == nil)
			}
			s.ConfigProvider = func(ctx context.Context, p PeerInfo, req []wire.CPAttr) ([]wire.CPAttr, error) {
				mu.Lock()
				seen = append(seen, p.RedirectedFrom)
				mu.Unlock()
				return staticConfig(ctx, p, req)
			}
			tb := newTestbed(t, s)
			c := pskClient()
			c.RedirectedFrom = &old
			if _, err := tb.connect(t, c); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("connect: %v, want %v", err, tc.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if !tc.onInit && len(seen) == 0 {
				t.Fatal("no hook saw the peer")
			}
			for _, g := range seen {
				if g == nil || *g != old {
					t.Fatalf("PeerInfo.RedirectedFrom = %v, want %v", g, old)
				}
			}
		})
	}
}

// TestPeerInfoNamesTheSA: every responder hook is told which SA it is
// asked about, the one whose events follow.
func TestPeerInfoNamesTheSA(t *testing.T) {
	var mu sync.Mutex
	var seen []*SA
	note := func(p PeerInfo) {
		mu.Lock()
		seen = append(seen, p.SA)
		mu.Unlock()
	}
	s := pskServer()
	s.PSKFor = func(p PeerInfo) ([]byte, []byte, error) { note(p); return nil, nil, nil }
	s.ConfigProvider = func(ctx context.Context, p PeerInfo, req []wire.CPAttr) ([]wire.CPAttr, error) {
		note(p)
		return staticConfig(ctx, p, req)
	}
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	up := tb.sev.wait(t, EventChildUp)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] == nil || seen[0] != up.SA || seen[1] != up.SA {
		t.Fatalf("hooks saw SAs %v, the Child SA came up on %v", seen, up.SA)
	}
}

// TestInitialContactReplacesOnlyWhenAccepted: a new SA whose
// configuration the policy refused leaves the peer's older SA alone; the
// next accepted one replaces it.
func TestInitialContactReplacesOnlyWhenAccepted(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	s := pskServer()
	s.ConfigProvider = func(ctx context.Context, p PeerInfo, req []wire.CPAttr) ([]wire.CPAttr, error) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 2 {
			// Not AUTHENTICATION_FAILED, which creates no IKE SA at all:
			// this one comes up without a Child SA.
			return nil, &wire.NotifyError{Type: wire.INTERNAL_ADDRESS_FAILURE, Msg: "pool exhausted"}
		}
		return staticConfig(ctx, p, req)
	}
	tb := newTestbed(t, s)
	for i, wantErr := range []bool{false, true, false} {
		if _, err := tb.connect(t, pskClient()); (err != nil) != wantErr {
			t.Fatalf("connect %d: %v", i+1, err)
		}
	}
	first := tb.sev.all(EventUp)[0].SA
	for {
		ev := tb.sev.wait(t, EventClosed)
		if ev.SA == first {
			if !errors.Is(ev.Err, ErrReplaced) {
				t.Fatalf("first SA ended with %v, want ErrReplaced", ev.Err)
			}
			break
		}
	}
	tb.sev.mu.Lock()
	defer tb.sev.mu.Unlock()
	lastUp, closedAt := -1, -1
	for i, e := range tb.sev.events {
		switch {
		case e.Kind == EventUp:
			lastUp = i
		case e.Kind == EventClosed && e.SA == first:
			closedAt = i
		}
	}
	if closedAt < lastUp {
		t.Fatalf("the first SA ended (event %d) before the accepted third came up (event %d)", closedAt, lastUp)
	}
}

// TestPolicyRefusalCreatesNoIKESA: a config hook's AUTHENTICATION_FAILED
// ends the responder's IKE SA too (RFC 7296 2.21.2) instead of leaving
// it up for a peer that gave up on it.
func TestPolicyRefusalCreatesNoIKESA(t *testing.T) {
	s := pskServer()
	s.ConfigProvider = func(context.Context, PeerInfo, []wire.CPAttr) ([]wire.CPAttr, error) {
		return nil, &wire.NotifyError{Type: wire.AUTHENTICATION_FAILED, Msg: "over the cap"}
	}
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, pskClient()); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("connect: %v, want ErrAuthFailed", err)
	}
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrAuthFailed) {
		t.Fatalf("responder SA ended with %v, want ErrAuthFailed", ev.Err)
	}
	if n := len(tb.sev.all(EventUp)); n != 0 {
		t.Fatalf("responder reported %d SAs up", n)
	}
}

// TestChildSelectorsPerPeer: the hook's lists replace LocalTS and the
// CP-address narrowing for the peer's Child SAs, and it sees the peer.
func TestChildSelectorsPerPeer(t *testing.T) {
	lan := wire.SelectorFromPrefix(netip.MustParsePrefix("198.51.100.0/24"))
	host := wire.SelectorFromPrefix(netip.MustParsePrefix("10.0.0.2/32"))
	behind := wire.SelectorFromPrefix(netip.MustParsePrefix("192.0.2.64/26"))
	var mu sync.Mutex
	var asked []Identity
	s := pskServer()
	s.ChildSelectors = func(p PeerInfo) ([]wire.TrafficSelector, []wire.TrafficSelector) {
		mu.Lock()
		asked = append(asked, p.ID)
		mu.Unlock()
		return []wire.TrafficSelector{lan}, []wire.TrafficSelector{host, behind}
	}
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	c := tb.sev.wait(t, EventChildUp).Child
	if fmt.Sprint(c.LocalTS) != fmt.Sprint([]wire.TrafficSelector{lan}) ||
		fmt.Sprint(c.RemoteTS) != fmt.Sprint([]wire.TrafficSelector{host, behind}) {
		t.Fatalf("Child SA selectors local %v remote %v", c.LocalTS, c.RemoteTS)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || !asked[0].Equal(EmailIdentity("alice@example.com")) {
		t.Fatalf("hook asked about %v", asked)
	}
}

// TestRefusedTunnelDeletesGatewaySA: an initiator that gives up because
// the gateway refused its configuration or Child SA deletes the IKE SA
// the gateway kept, instead of leaving it to DPD.
func TestRefusedTunnelDeletesGatewaySA(t *testing.T) {
	s := pskServer()
	s.ConfigProvider = func(context.Context, PeerInfo, []wire.CPAttr) ([]wire.CPAttr, error) {
		return nil, &wire.NotifyError{Type: wire.INTERNAL_ADDRESS_FAILURE, Msg: "pool exhausted"}
	}
	tb := newTestbed(t, s)
	var pe *PeerError
	if _, err := tb.connect(t, pskClient()); !errors.As(err, &pe) || pe.Type != wire.INTERNAL_ADDRESS_FAILURE {
		t.Fatalf("connect: %v, want the gateway's INTERNAL_ADDRESS_FAILURE", err)
	}
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrPeerDeleted) {
		t.Fatalf("gateway SA ended with %v, want ErrPeerDeleted", ev.Err)
	}
}
