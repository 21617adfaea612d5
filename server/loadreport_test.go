package server

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

var testLoadSecret = []byte("cluster-secret-0123456789")

func TestLoadReportRoundTrip(t *testing.T) {
	now := time.Unix(1_800_000_000, 123456789)
	in := LoadReport{ID: "192.0.2.2", Seq: 42, Time: now, Sessions: 17, Capacity: 100}
	b, err := AppendLoadReport(nil, in, testLoadSecret)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseLoadReport(b, testLoadSecret)
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != in.ID || out.Seq != in.Seq || !out.Time.Equal(in.Time) || out.Sessions != 17 || out.Capacity != 100 {
		t.Fatalf("got %+v, want %+v", out, in)
	}
}

func TestParseLoadReportRejects(t *testing.T) {
	good, _ := AppendLoadReport(nil, LoadReport{ID: "gw2", Seq: 1, Time: time.Now(), Sessions: 3}, testLoadSecret)
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 1
		return b
	}
	tests := []struct {
		name   string
		b      []byte
		secret []byte
	}{
		{"wrong secret", good, []byte("another-secret")},
		{"sessions changed", flip(len(good) - 33), testLoadSecret},
		{"id changed", flip(6), testLoadSecret},
		{"mac changed", flip(len(good) - 1), testLoadSecret},
		{"bad magic", flip(0), testLoadSecret},
		{"bad version", flip(4), testLoadSecret},
		{"id length lies", flip(5), testLoadSecret},
		{"truncated", good[:len(good)-1], testLoadSecret},
		{"trailing byte", append(append([]byte(nil), good...), 0), testLoadSecret},
		{"empty", nil, testLoadSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseLoadReport(tt.b, tt.secret); !errors.Is(err, ErrLoadReport) {
				t.Fatalf("err = %v, want ErrLoadReport", err)
			}
		})
	}
	if _, err := AppendLoadReport(nil, LoadReport{}, testLoadSecret); !errors.Is(err, ErrLoadReport) {
		t.Fatalf("empty id encoded: %v", err)
	}
}

func TestLoadTable(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	const maxAge = 6 * time.Second
	rep := func(id string, seq uint64, age time.Duration, sessions uint32) LoadReport {
		return LoadReport{ID: id, Seq: seq, Time: now.Add(-age), Sessions: sessions}
	}
	tests := []struct {
		name string
		rep  LoadReport
		ok   bool
		want uint32 // gw2's sessions afterwards
	}{
		{"first report", rep("gw2", 10, 0, 5), true, 5},
		{"replayed sequence", rep("gw2", 10, 0, 1), false, 5},
		{"older sequence", rep("gw2", 9, 0, 1), false, 5},
		{"newer sequence", rep("gw2", 11, time.Second, 7), true, 7},
		{"stale", rep("gw2", 12, maxAge+time.Second, 1), false, 7},
		{"from the future", rep("gw2", 13, -maxAge-time.Second, 1), false, 7},
		{"our own id", rep("self", 1, 0, 0), false, 7},
	}
	tab := newLoadTable("self", maxAge)
	for _, tt := range tests {
		err := tab.update(tt.rep, now)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrLoadReport)) {
			t.Fatalf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if got := tab.fresh(now)["gw2"]; got.Sessions != int(tt.want) {
			t.Fatalf("%s: gw2 sessions %d, want %d", tt.name, got.Sessions, tt.want)
		}
	}
	if _, ok := tab.fresh(now)["self"]; ok {
		t.Fatal("own report kept")
	}
	if got := tab.fresh(now.Add(maxAge + time.Second)); len(got) != 0 {
		t.Fatalf("silent peer still available: %v", got)
	}
	// gw2 (last seq 11) restarts with its clock set back: a lower
	// sequence is a replay while gw2 is recently heard, and accepted once
	// gw2 was silent for twice the report lifetime.
	later := now.Add(maxAge)
	restarted := LoadReport{ID: "gw2", Seq: 3, Time: later, Sessions: 2}
	if err := tab.update(restarted, later); !errors.Is(err, ErrLoadReport) {
		t.Fatalf("lower sequence accepted from a recently heard peer: %v", err)
	}
	later = now.Add(2*maxAge + 2*time.Second)
	restarted.Time = later
	if err := tab.update(restarted, later); err != nil || tab.fresh(later)["gw2"].Sessions != 2 {
		t.Fatalf("restarted peer not heard again: %v", err)
	}
}

func FuzzParseLoadReport(f *testing.F) {
	good, _ := AppendLoadReport(nil, LoadReport{ID: "vpn2.example.com", Seq: 7, Time: time.Unix(1, 0), Sessions: 2}, testLoadSecret)
	f.Add(good)
	f.Add([]byte("FVLR\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ParseLoadReport(b, testLoadSecret)
		if err != nil {
			return
		}
		again, err := AppendLoadReport(nil, rep, testLoadSecret)
		if err != nil || string(again) != string(b) {
			t.Fatalf("accepted %x but re-encodes to %x (%v)", b, again, err)
		}
	})
}

// TestLoadReportersLeastSessions runs three reporters on loopback: the
// gateway deciding hears gw2 (busy) and gw3 (idle) and picks gw3; a
// forged and a stale report claiming gw2 is empty change nothing.
func TestLoadReportersLeastSessions(t *testing.T) {
	const interval = 100 * time.Millisecond
	start := func(id string, sessions int, peers ...LoadPeer) *LoadReporter {
		r, err := NewLoadReporter(LoadReporterConfig{ID: id, Secret: testLoadSecret, Interval: interval,
			Listen: netip.MustParseAddrPort("127.0.0.1:0"), Peers: peers,
			Own: func() (int, int) { return sessions, 0 }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	me := start("self", 50)
	to := LoadPeer{Host: "127.0.0.1", Port: me.LocalAddr().Port()}
	start("gw2", 30, to)
	start("gw3", 5, to)

	gws := []RedirectGateway{{Name: "gw2"}, {Name: "gw3"}}
	choose := func() (string, error) {
		g, err := ChooseRedirect(RedirectInput{Policy: RedirectLeastSessions, Gateways: gws,
			Loads: me.Loads(), OwnSessions: 50})
		return g.Name, err
	}
	waitFor(t, func() bool { return len(me.Loads()) == 2 })
	if name, err := choose(); err != nil || name != "gw3" {
		t.Fatalf("chose %q, %v; want gw3", name, err)
	}

	// gw2 claims 0 sessions: once with the wrong key, once too old.
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(me.LocalAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	forged, _ := AppendLoadReport(nil, LoadReport{ID: "gw2", Seq: 1 << 62, Time: time.Now()}, []byte("guessed"))
	stale, _ := AppendLoadReport(nil, LoadReport{ID: "gw2", Seq: 1 << 62, Time: time.Now().Add(-time.Minute)}, testLoadSecret)
	for range 5 {
		conn.Write(forged)
		conn.Write(stale)
	}
	// Watch over several intervals: the genuine reports keep coming, the
	// fake ones must never show.
	deadline := time.Now().Add(10 * interval)
	for time.Now().Before(deadline) {
		// A slow machine may let a genuine report expire; that makes a
		// peer unavailable, never the fake load visible.
		if l, ok := me.Loads()["gw2"]; ok && l.Sessions != 30 {
			t.Fatalf("gw2 load %+v after forged/stale reports", l)
		}
		if name, _ := choose(); name == "gw2" {
			t.Fatal("chose gw2 after its forged/stale zero-load reports")
		}
		time.Sleep(interval / 2)
	}
}

func TestLoadReporterSilentPeerUnavailable(t *testing.T) {
	const interval = 30 * time.Millisecond
	me, err := NewLoadReporter(LoadReporterConfig{ID: "self", Secret: testLoadSecret, Interval: interval,
		Listen: netip.MustParseAddrPort("127.0.0.1:0"), Own: func() (int, int) { return 9, 0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer me.Close()
	peer, err := NewLoadReporter(LoadReporterConfig{ID: "gw2", Secret: testLoadSecret, Interval: interval,
		Listen: netip.MustParseAddrPort("127.0.0.1:0"),
		Peers:  []LoadPeer{{Host: "127.0.0.1", Port: me.LocalAddr().Port()}},
		Own:    func() (int, int) { return 1, 0 }})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, ok := me.Loads()["gw2"]; return ok })
	peer.Close()
	waitFor(t, func() bool { _, ok := me.Loads()["gw2"]; return !ok })
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met in 10s")
}
