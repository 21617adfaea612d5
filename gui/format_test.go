package gui

import (
	"bytes"
	"image/png"
	"net/netip"
	"strings"
	"testing"
	"time"

	"flexvpn/client/ctl"
)

func TestStateLine(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.Local)
	since := now.Add(-90 * time.Second)
	cases := []struct {
		p    Profile
		want string
	}{
		{Profile{State: StateIdle, Since: since, Gateway: "gw1"}, "idle"},
		{Profile{State: StateConnected, Since: since, Gateway: "gw1"}, "connected since 09:58:30 via gw1"},
		{Profile{State: StateFailed, Since: since, Gateway: "gw1"}, "failed since 09:58:30"},
		{Profile{State: StateReconnecting, Since: now.Add(-24 * time.Hour), Gateway: "gw2"}, "reconnecting since Nov 26 10:00:00 via gw2"},
		{Profile{State: StateConnecting}, "connecting"},
	}
	for _, c := range cases {
		if got := stateLine(c.p, now); got != c.want {
			t.Errorf("stateLine(%v) = %q, want %q", c.p.State, got, c.want)
		}
	}
}

func TestAddrsAndTrafficLines(t *testing.T) {
	p := Profile{Addrs: []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32"), netip.MustParsePrefix("2001:db8::2/128")}, DefaultRoute: true}
	if got, want := addrsLine(p), "address 10.8.0.2/32, 2001:db8::2/128 (default route)"; got != want {
		t.Errorf("addrsLine = %q, want %q", got, want)
	}
	if addrsLine(Profile{}) != "" || trafficLine(Profile{}) != "" {
		t.Error("empty profile has address or traffic text")
	}
	p = Profile{PacketsIn: 2, BytesIn: 1536, PacketsOut: 1, BytesOut: 3 << 20}
	if got, want := trafficLine(p), "received 1.5 KiB, sent 3.0 MiB"; got != want {
		t.Errorf("trafficLine = %q, want %q", got, want)
	}
}

func TestTraceTextKeepsGatewayTextOnOneLine(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.Local)
	got := traceText([]ctl.Event{{Time: at, State: "connected", Gateway: "gw\n1", Message: "hello\n\tworld", Err: "a\nb"}})
	if want := "09:00:00  connected    hello world  [gw 1]: a b\n"; got != want {
		t.Errorf("traceText = %q, want %q", got, want)
	}
	// Found by FuzzGatewayText: the state is text from the daemon too.
	got = traceText([]ctl.Event{{Time: at, State: "\f", Message: "m"}})
	if want := "09:00:00               m\n"; got != want {
		t.Errorf("traceText = %q, want %q", got, want)
	}
}

func TestMapState(t *testing.T) {
	for _, c := range []struct {
		daemon string
		wasUp  bool
		want   State
	}{
		{"idle", true, StateIdle}, {"connecting", false, StateConnecting}, {"connecting", true, StateReconnecting},
		{"waiting", false, StateReconnecting}, {"connected", false, StateConnected}, {"failed", true, StateFailed},
		{"sleeping", false, StateUnknown},
	} {
		if got := mapState(c.daemon, c.wasUp); got != c.want {
			t.Errorf("mapState(%q, %v) = %v, want %v", c.daemon, c.wasUp, got, c.want)
		}
	}
}

func TestOverallAndTrayStatus(t *testing.T) {
	ps := []Profile{{Name: "a", State: StateFailed}, {Name: "b", State: StateConnected}, {Name: "c", State: StateIdle}}
	if got := overall(ps, nil); got != StateConnected {
		t.Errorf("overall = %v, want connected", got)
	}
	ps[2].State = StateReconnecting
	if got := overall(ps, nil); got != StateReconnecting {
		t.Errorf("overall = %v, want reconnecting", got)
	}
	if got := overall(ps, ErrNoDaemon); got != StateUnknown {
		t.Errorf("overall without a daemon = %v", got)
	}
	if got := trayStatus(ps, nil); got != "Connected: b" {
		t.Errorf("trayStatus = %q", got)
	}
	if got := trayStatus(nil, ErrNotAllowed); !strings.Contains(got, "Not allowed") {
		t.Errorf("trayStatus = %q", got)
	}
}

func TestIconsAreDistinctPNGs(t *testing.T) {
	seen := map[string]State{}
	for s := range stateColors {
		r := stateIcon(s)
		img, err := png.Decode(bytes.NewReader(r.Content()))
		if err != nil {
			t.Fatalf("%v icon: %v", s, err)
		}
		if b := img.Bounds(); b.Dx() != iconSize || b.Dy() != iconSize {
			t.Errorf("%v icon is %v", s, b)
		}
		if other, dup := seen[string(r.Content())]; dup {
			t.Errorf("%v and %v share an icon", s, other)
		}
		seen[string(r.Content())] = s
	}
	if stateIcon(State(99)) != stateIcon(StateUnknown) {
		t.Error("an unknown state has no icon")
	}
}

func TestKeysLine(t *testing.T) {
	cases := []struct {
		p    Profile
		want string
	}{
		{Profile{State: StateConnected, KeyExchange: "x25519 + ML-KEM-768"}, "Keys: x25519 + ML-KEM-768 (post-quantum)"},
		{Profile{State: StateConnected, KeyExchange: "ML-KEM-1024"}, "Keys: ML-KEM-1024 (post-quantum)"},
		{Profile{State: StateConnected, KeyExchange: "ecp256"}, "Keys: ecp256 (classic)"},
		{Profile{State: StateConnected, KeyExchange: "x25519\n(post-quantum)\t"}, "Keys: x25519 (post-quantum) (classic)"},
		{Profile{State: StateConnected}, ""},
		{Profile{State: StateConnected, KeyExchange: " \n"}, ""},
		{Profile{State: StateReconnecting, KeyExchange: "x25519 + ML-KEM-768"}, ""},
		{Profile{State: StateIdle, KeyExchange: "ecp256"}, ""},
	}
	for _, c := range cases {
		if got := keysLine(c.p); got != c.want {
			t.Errorf("keysLine(%v, %q) = %q, want %q", c.p.State, c.p.KeyExchange, got, c.want)
		}
	}
}

func TestTrackLine(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.Local)
	cases := []struct {
		o    ctl.TrackObject
		want string
	}{
		{ctl.TrackObject{Name: "primary-link", State: "down", Reason: "3 probes failed"}, "primary-link: down (3 probes failed)"},
		{ctl.TrackObject{Name: "wan", State: "up", Since: now.Add(-time.Minute)}, "wan: up since 09:59:00"},
		{ctl.TrackObject{Name: "dns", State: "down", Since: now.Add(-24 * time.Hour), Reason: "2 probes failed", LastError: "timeout"},
			"dns: down since Nov 26 10:00:00 (2 probes failed; last probe: timeout)"},
		{ctl.TrackObject{Name: "gw", LastError: "no\nroute"}, "gw: unknown (last probe: no route)"},
	}
	for _, c := range cases {
		if got := trackLine(c.o, now); got != c.want {
			t.Errorf("trackLine(%+v) = %q, want %q", c.o, got, c.want)
		}
	}
}
