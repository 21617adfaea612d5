package server

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testLoadKey is a fixed key per gateway name, so tests are repeatable.
func testLoadKey(name string) ed25519.PrivateKey {
	seed := bytes.Repeat([]byte(name+"-seed"), ed25519.SeedSize)[:ed25519.SeedSize]
	return ed25519.NewKeyFromSeed(seed)
}

func testLoadPub(name string) ed25519.PublicKey {
	return testLoadKey(name).Public().(ed25519.PublicKey)
}

// testLoadPeers holds the public keys of the named gateways.
func testLoadPeers(names ...string) map[string]ed25519.PublicKey {
	out := map[string]ed25519.PublicKey{}
	for _, n := range names {
		out[n] = testLoadPub(n)
	}
	return out
}

func rejectReason(err error) LoadRejectReason {
	var le *LoadReportError
	if errors.As(err, &le) && errors.Is(err, ErrLoadReport) {
		return le.Reason
	}
	return 0
}

func TestLoadReportRoundTrip(t *testing.T) {
	in := LoadReport{ID: "192.0.2.2", Epoch: 1_800_000_000_123456789, Seq: 42, Sessions: 17, Capacity: 100}
	b, err := AppendLoadReport([]byte("prefix"), in, testLoadKey("192.0.2.2"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseLoadReport(b[len("prefix"):], testLoadPeers("192.0.2.2"))
	if err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("got %+v, want %+v", out, in)
	}
}

func TestParseLoadReportRejects(t *testing.T) {
	peers := testLoadPeers("gw2", "gw3")
	rep := LoadReport{ID: "gw2", Epoch: 7, Seq: 1, Sessions: 3}
	good, _ := AppendLoadReport(nil, rep, testLoadKey("gw2"))
	// gw3 holds its own key and claims to be gw2.
	forged, _ := AppendLoadReport(nil, rep, testLoadKey("gw3"))
	stranger, _ := AppendLoadReport(nil, LoadReport{ID: "gw9", Epoch: 7, Seq: 1}, testLoadKey("gw9"))
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 1
		return b
	}
	v1 := bytes.Clone(good)
	v1[4] = 1
	tests := []struct {
		name string
		b    []byte
		want LoadRejectReason
	}{
		{"another member's key", forged, LoadBadSignature},
		{"id without a key", stranger, LoadUnknownSender},
		{"sessions changed", flip(len(good) - loadSigLen - 5), LoadBadSignature},
		{"epoch changed", flip(6 + 3), LoadBadSignature},
		{"id changed", flip(6), LoadUnknownSender},
		{"signature changed", flip(len(good) - 1), LoadBadSignature},
		{"version 1", v1, LoadOldVersion},
		{"version 3", flip(4), LoadMalformed},
		{"bad magic", flip(0), LoadMalformed},
		{"id length lies", flip(5), LoadMalformed},
		{"truncated", good[:len(good)-1], LoadMalformed},
		{"trailing byte", append(bytes.Clone(good), 0), LoadMalformed},
		{"header only", good[:loadHeaderLen], LoadMalformed},
		{"empty", nil, LoadMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseLoadReport(tt.b, peers); rejectReason(err) != tt.want {
				t.Fatalf("err = %v, want reason %v", err, tt.want)
			}
		})
	}
	if _, err := ParseLoadReport(good, map[string]ed25519.PublicKey{"gw2": {1, 2, 3}}); rejectReason(err) != LoadBadSignature {
		t.Fatalf("short public key: %v", err)
	}
	if _, err := AppendLoadReport(nil, LoadReport{}, testLoadKey("gw2")); !errors.Is(err, ErrLoadReport) {
		t.Fatalf("empty id encoded: %v", err)
	}
	if _, err := AppendLoadReport(nil, rep, nil); !errors.Is(err, ErrLoadReport) {
		t.Fatalf("no key, yet encoded: %v", err)
	}
}

func TestLoadTableOrdering(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	const maxAge = 6 * time.Second
	rep := func(epoch, seq uint64, sessions uint32) LoadReport {
		return LoadReport{ID: "gw2", Epoch: epoch, Seq: seq, Sessions: sessions}
	}
	tests := []struct {
		name string
		at   time.Duration // arrival, after start
		rep  LoadReport
		want LoadRejectReason // 0 = accepted
		load int              // gw2's sessions afterwards; -1 = not fresh
	}{
		{"first report", 0, rep(100, 10, 5), 0, 5},
		{"same pair again", time.Second, rep(100, 10, 1), LoadReplayed, 5},
		{"lower sequence", time.Second, rep(100, 9, 1), LoadReplayed, 5},
		{"next sequence", 2 * time.Second, rep(100, 11, 7), 0, 7},
		{"our own id", 2 * time.Second, LoadReport{ID: "self", Epoch: 999, Seq: 1}, LoadOwnID, 7},
		{"restart: higher epoch, low sequence", 3 * time.Second, rep(200, 1, 2), 0, 2},
		{"old epoch while heard: replay", 4 * time.Second, rep(100, 12, 0), LoadReplayed, 2},
		{"silent: gone from the fresh loads", 3*time.Second + maxAge + 1, rep(200, 1, 0), LoadReplayed, -1},
		{"restart with the clock back", 20 * time.Second, rep(150, 1, 0), LoadEpochBack, -1},
		{"still ignored much later", time.Hour, rep(150, 99, 0), LoadEpochBack, -1},
		{"restart with the clock right", time.Hour, rep(300, 1, 4), 0, 4},
	}
	tab := newLoadTable("self", maxAge)
	for _, tt := range tests {
		now := start.Add(tt.at)
		if err := tab.update(tt.rep, now); rejectReason(err) != tt.want || (tt.want == 0) != (err == nil) {
			t.Fatalf("%s: err = %v, want reason %v", tt.name, err, tt.want)
		}
		got, ok := tab.fresh(now)["gw2"]
		if (tt.load < 0) == ok || ok && got.Sessions != tt.load {
			t.Fatalf("%s: gw2 load %+v (fresh %v), want %d", tt.name, got, ok, tt.load)
		}
		if _, ok := tab.fresh(now)["self"]; ok {
			t.Fatalf("%s: own report kept", tt.name)
		}
	}
}

func FuzzParseLoadReport(f *testing.F) {
	peers := testLoadPeers("vpn2.example.com")
	good, _ := AppendLoadReport(nil, LoadReport{ID: "vpn2.example.com", Epoch: 1, Seq: 7, Sessions: 2}, testLoadKey("vpn2.example.com"))
	f.Add(good)
	f.Add([]byte("FVLR\x02\x00"))
	f.Add([]byte("FVLR\x01\x03gw2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ParseLoadReport(b, peers)
		if err != nil {
			if rejectReason(err) == 0 {
				t.Fatalf("rejection without a reason: %v", err)
			}
			return
		}
		// Ed25519 signatures are deterministic and Verify takes only the
		// canonical one, so an accepted report re-encodes to itself.
		again, err := AppendLoadReport(nil, rep, testLoadKey("vpn2.example.com"))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted %x but re-encodes to %x (%v)", b, again, err)
		}
	})
}

func BenchmarkLoadReportAccept(b *testing.B) {
	peers := testLoadPeers("gw2")
	tab := newLoadTable("self", time.Minute)
	key := testLoadKey("gw2")
	msgs := make([][]byte, 64)
	for i := range msgs {
		msgs[i], _ = AppendLoadReport(nil, LoadReport{ID: "gw2", Epoch: 1, Seq: uint64(i + 1)}, key)
	}
	now := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rep, err := ParseLoadReport(msgs[i%len(msgs)], peers)
		if err != nil {
			b.Fatal(err)
		}
		rep.Seq = uint64(i) + 1 // above the last, so each is accepted
		if err := tab.update(rep, now); err != nil {
			b.Fatal(err)
		}
	}
}

// startTestReporter runs a loopback reporter named id, reporting
// sessions and hearing the named peers.
func startTestReporter(t *testing.T, id string, sessions int, interval time.Duration, hears []string, to ...LoadPeer) *LoadReporter {
	t.Helper()
	r, err := NewLoadReporter(LoadReporterConfig{ID: id, Interval: interval,
		Keys:   LoadKeys{Private: testLoadKey(id), Peers: testLoadPeers(hears...)},
		Listen: netip.MustParseAddrPort("127.0.0.1:0"), Peers: to,
		Own: func() (int, int) { return sessions, 0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func loopbackPeer(r *LoadReporter) LoadPeer {
	return LoadPeer{Host: "127.0.0.1", Port: r.LocalAddr().Port()}
}

// TestLoadReportersLeastSessions runs three reporters on loopback: the
// gateway deciding hears gw2 (idle) and gw3 (busy) and picks gw2. gw3
// then holds its own key and speaks for gw2 (full), and a captured
// genuine gw2 report is replayed: nothing changes the choice.
func TestLoadReportersLeastSessions(t *testing.T) {
	const interval = 100 * time.Millisecond
	me := startTestReporter(t, "self", 50, interval, []string{"gw2", "gw3"})
	sniffer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sniffer.Close()
	sniff := LoadPeer{Host: "127.0.0.1", Port: uint16(sniffer.LocalAddr().(*net.UDPAddr).Port)}
	startTestReporter(t, "gw2", 5, interval, nil, loopbackPeer(me), sniff)
	startTestReporter(t, "gw3", 30, interval, nil, loopbackPeer(me))

	gws := []RedirectGateway{{Name: "gw2"}, {Name: "gw3"}}
	choose := func() string {
		g, _ := ChooseRedirect(RedirectInput{Policy: RedirectLeastSessions, Gateways: gws, Loads: me.Loads(), OwnSessions: 50})
		return g.Name
	}
	waitFor(t, func() bool { return len(me.Loads()) == 2 })
	if name := choose(); name != "gw2" {
		t.Fatalf("chose %q; want gw2", name)
	}

	captured := make([]byte, loadMaxMsgSize)
	sniffer.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := sniffer.Read(captured)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := AppendLoadReport(nil, LoadReport{ID: "gw2", Epoch: 1 << 63, Seq: 1, Sessions: 100, Capacity: 100}, testLoadKey("gw3"))
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(me.LocalAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Watch over several intervals: gw2's genuine reports keep coming,
	// the fake ones must never show.
	for deadline := time.Now().Add(10 * interval); time.Now().Before(deadline); time.Sleep(interval / 2) {
		conn.Write(forged)
		conn.Write(captured[:n])
		// A slow machine may let a genuine report expire; that makes a
		// peer unavailable, never the fake load visible.
		if l, ok := me.Loads()["gw2"]; ok && l.Sessions != 5 {
			t.Fatalf("gw2 load %+v after forged reports", l)
		}
		if name := choose(); name == "gw3" {
			t.Fatal("chose gw3 after it spoke for gw2")
		}
	}
	st := me.Stats()
	if st.Rejected[LoadBadSignature] == 0 || st.Rejected[LoadReplayed] == 0 || st.Accepted == 0 {
		t.Fatalf("stats %+v: want forgeries, replays and genuine reports counted", st)
	}
}

// TestLoadReporterUnknownSender: reports from a gateway whose key we do
// not hold are dropped and counted, never used.
func TestLoadReporterUnknownSender(t *testing.T) {
	const interval = 30 * time.Millisecond
	me := startTestReporter(t, "self", 9, interval, []string{"gw2"})
	startTestReporter(t, "gw4", 0, interval, nil, loopbackPeer(me))
	waitFor(t, func() bool { return me.Stats().Rejected[LoadUnknownSender] >= 2 })
	if l := me.Loads(); len(l) != 0 {
		t.Fatalf("loads %v from a sender without a key", l)
	}
}

func TestLoadReporterSilentPeerUnavailable(t *testing.T) {
	const interval = 30 * time.Millisecond
	me := startTestReporter(t, "self", 9, interval, []string{"gw2"})
	peer, err := NewLoadReporter(LoadReporterConfig{ID: "gw2", Interval: interval,
		Keys:   LoadKeys{Private: testLoadKey("gw2")},
		Listen: netip.MustParseAddrPort("127.0.0.1:0"), Peers: []LoadPeer{loopbackPeer(me)},
		Own: func() (int, int) { return 1, 0 }})
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

// TestLoadReporterWarnsOnce: what an admin must fix (a version-1 peer, a
// peer without a key, a peer restarted with its clock back) is logged
// once with the fix, while every dropped report is counted.
func TestLoadReporterWarnsOnce(t *testing.T) {
	logs := &syncWriter{w: &bytes.Buffer{}}
	var offset atomic.Int64
	start := time.Now()
	r, err := NewLoadReporter(LoadReporterConfig{ID: "self", Interval: time.Hour,
		Keys:   LoadKeys{Private: testLoadKey("self"), Peers: testLoadPeers("gw2")},
		Listen: netip.MustParseAddrPort("127.0.0.1:0"), Own: func() (int, int) { return 0, 0 },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Now:    func() time.Time { return start.Add(time.Duration(offset.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	from := netip.MustParseAddrPort("192.0.2.2:4501")
	send := func(id string, epoch, seq uint64) {
		b, _ := AppendLoadReport(nil, LoadReport{ID: id, Epoch: epoch, Seq: seq}, testLoadKey(id))
		r.accept(b, from)
	}
	v1, _ := AppendLoadReport(nil, LoadReport{ID: "gw2", Epoch: 1, Seq: 1}, testLoadKey("gw2"))
	v1[4] = 1
	stale := func() { offset.Add(int64(time.Duration(loadStaleIntervals+1) * time.Hour)) }

	r.accept(v1, from)
	r.accept(v1, from)
	send("gw9", 1, 1)
	send("gw9", 1, 2)
	send("gw2", 100, 1)
	stale()
	send("gw2", 50, 1) // restarted with the clock back
	send("gw2", 50, 2)
	send("gw2", 200, 1) // restarted again, clock right: heard
	stale()
	send("gw2", 150, 1) // back again: warned again

	out := logs.String()
	for _, want := range []struct {
		text string
		n    int
	}{
		{"version 1", 1}, {"without a configured key", 1}, {"clock behind", 2},
		{"fix=\"set the clock of gw2 right (run NTP), then restart this gateway\"", 2},
	} {
		if got := strings.Count(out, want.text); got != want.n {
			t.Errorf("%q logged %d times, want %d:\n%s", want.text, got, want.n, out)
		}
	}
	st := r.Stats()
	if st.Accepted != 2 || st.Rejected[LoadOldVersion] != 2 || st.Rejected[LoadUnknownSender] != 2 || st.Rejected[LoadEpochBack] != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// syncWriter serialises writes from the reporter's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func TestLoadStatsJSON(t *testing.T) {
	in := LoadStats{Accepted: 3, Rejected: map[LoadRejectReason]uint64{LoadBadSignature: 2, LoadEpochBack: 1}}
	b, err := json.Marshal(in)
	if err != nil || !strings.Contains(string(b), `"bad signature":2`) {
		t.Fatalf("json %s, %v", b, err)
	}
	var out LoadStats
	if err := json.Unmarshal(b, &out); err != nil || out.Accepted != 3 || len(out.Rejected) != 2 || out.Rejected[LoadEpochBack] != 1 {
		t.Fatalf("read back %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"Rejected":{"nonsense":1}}`), &out); err == nil {
		t.Fatal("unknown reason read")
	}
}
