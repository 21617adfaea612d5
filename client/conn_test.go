package client

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"flexvpn/client/profile"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/eap"
	"flexvpn/tunnel/ike/wire"
)

// fakeNet plays the gateways: each host has a scripted list of outcomes,
// one per dial ("ok", "fail", "badpass", "untrusted", "noproposal",
// "redirect:HOST"); sessions end when the test says so.
type fakeNet struct {
	mu       sync.Mutex
	script   map[string][]string
	backups  map[string][]string
	dials    []string
	sessions chan *fakeSession
	applied  []string
	cleared  int
}

func newFakeNet() *fakeNet {
	return &fakeNet{script: map[string][]string{}, backups: map[string][]string{}, sessions: make(chan *fakeSession, 16)}
}

func (f *fakeNet) Resolve(ctx context.Context, host string) (netip.Addr, error) {
	if strings.HasPrefix(host, "nxdomain") {
		return netip.Addr{}, errors.New("no such host")
	}
	// Hosts are named gwN.example → 192.0.2.N.
	var n int
	fmt.Sscanf(host, "gw%d", &n)
	return netip.AddrFrom4([4]byte{192, 0, 2, byte(n)}), nil
}

func (f *fakeNet) Dial(ctx context.Context, t Target) (Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec := t.Host
	if t.RedirectedFrom.IsValid() {
		rec += "(from " + t.RedirectedFrom.String() + ")"
	}
	f.dials = append(f.dials, rec)
	outcomes := f.script[t.Host]
	out := "fail"
	if len(outcomes) > 0 {
		out, f.script[t.Host] = outcomes[0], outcomes[1:]
	}
	switch {
	case out == "ok":
		s := &fakeSession{host: t.Host, reply: Reply{BackupServers: f.backups[t.Host]}, end: make(chan error, 1), closed: make(chan struct{})}
		f.sessions <- s
		return s, nil
	case out == "badpass":
		return nil, fmt.Errorf("ike: authentication failed: EAP: %w", eap.ErrAuthFailed)
	case out == "untrusted":
		return nil, fmt.Errorf("%w: certificate \"CN=gw\" is not trusted", ike.ErrAuthFailed)
	case out == "noproposal":
		return nil, &ike.PeerError{Type: wire.NO_PROPOSAL_CHOSEN}
	case strings.HasPrefix(out, "redirect:"):
		return nil, &RedirectError{Target: strings.TrimPrefix(out, "redirect:")}
	}
	return nil, errors.New("NO_PROPOSAL_CHOSEN")
}

func (f *fakeNet) Apply(gw netip.Addr, r Reply) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, gw.String())
	return nil
}

func (f *fakeNet) Clear() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleared++
	return nil
}

func (f *fakeNet) dialLog() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.dials, " ")
}

type fakeSession struct {
	host   string
	reply  Reply
	end    chan error
	closed chan struct{}
	once   sync.Once
}

func (s *fakeSession) Reply() Reply { return s.reply }
func (s *fakeSession) Wait(ctx context.Context) error {
	select {
	case err := <-s.end:
		return err
	case <-s.closed:
		return errors.New("closed")
	}
}
func (s *fakeSession) Close(ctx context.Context) error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func testProfile(t *testing.T, connect string, hosts ...string) *profile.Profile {
	t.Helper()
	src := fmt.Sprintf("connect = %q\n[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\n", connect)
	for _, h := range hosts {
		src += fmt.Sprintf("[[peer]]\nhost = %q\n", h)
	}
	p, err := profile.ParseForTest(src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// harness runs a Conn in the background with instant, recorded sleeps.
type harness struct {
	conn   *Conn
	net    *fakeNet
	cancel context.CancelFunc
	done   chan error
	sleeps chan time.Duration
}

func start(t *testing.T, p *profile.Profile, n *fakeNet) *harness {
	t.Helper()
	h := &harness{net: n, done: make(chan error, 1), sleeps: make(chan time.Duration, 64)}
	h.conn = NewConn(ConnConfig{
		Profile: p, Dialer: n, Resolver: n, Applier: n,
		BackoffMin: time.Second, BackoffMax: 4 * time.Second,
		Sleep: func(ctx context.Context, d time.Duration) error {
			select {
			case h.sleeps <- d:
			default:
			}
			return ctx.Err()
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.conn.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

func (h *harness) session(t *testing.T) *fakeSession {
	t.Helper()
	select {
	case s := <-h.net.sessions:
		return s
	case <-time.After(5 * time.Second):
		t.Fatalf("no session; dials: %s", h.net.dialLog())
		return nil
	}
}

func (h *harness) waitState(t *testing.T, want State) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.conn.State() != want {
		if time.Now().After(deadline) {
			t.Fatalf("state %v, want %v; dials: %s", h.conn.State(), want, h.net.dialLog())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestConnFailsOverThenReconnectsAfterDPD(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"fail", "ok"}
	n.script["gw2.example"] = []string{"ok"}
	h := start(t, testProfile(t, "auto", "gw1.example", "gw2.example"), n)

	s := h.session(t) // gw1 failed, gw2 took us
	if s.host != "gw2.example" {
		t.Fatalf("connected to %s", s.host)
	}
	h.waitState(t, StateConnected)
	lost := s
	lost.end <- errors.New("DPD: peer not responding")
	s = h.session(t) // DPD moves on: the list wraps to gw1, which now works
	if s.host != "gw1.example" {
		t.Fatalf("after DPD connected to %s", s.host)
	}
	// A session that ended on its own still holds its TUN device and
	// sockets until closed; the next attempt needs the interface name.
	select {
	case <-lost.closed:
	default:
		t.Error("the lost session was not closed before reconnecting")
	}
	h.waitState(t, StateConnected)
	h.cancel()
	if err := <-h.done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	h.done <- nil // for Cleanup
	if got := n.dialLog(); got != "gw1.example gw2.example gw1.example" {
		t.Errorf("dials = %s", got)
	}
	if n.cleared == 0 {
		t.Error("routes and DNS were not cleared on disconnect")
	}
	if st := h.conn.State(); st != StateIdle {
		t.Errorf("state after cancel = %v", st)
	}
}

func TestConnManualGivesUpAfterOneRound(t *testing.T) {
	n := newFakeNet()
	h := start(t, testProfile(t, "manual", "gw1.example", "nxdomain.example"), n)
	err := <-h.done
	h.done <- nil
	if err == nil || !strings.Contains(err.Error(), "NO_PROPOSAL_CHOSEN") && !strings.Contains(err.Error(), "resolve") {
		t.Fatalf("Run = %v, want the last failure", err)
	}
	if h.conn.State() != StateFailed {
		t.Errorf("state = %v, want failed", h.conn.State())
	}
	if got := n.dialLog(); got != "gw1.example" {
		t.Errorf("dials = %s (the unresolvable peer is skipped without a dial)", got)
	}
}

// TestConnStopsOnRejectedPassword: a wrong password is not retried, not
// even in auto mode and not on the next gateway: each try would count
// against the account's lockout at the gateway.
func TestConnStopsOnRejectedPassword(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"badpass"}
	n.script["gw2.example"] = []string{"ok"}
	h := start(t, testProfile(t, "auto", "gw1.example", "gw2.example"), n)
	err := <-h.done
	h.done <- nil
	if !errors.Is(err, eap.ErrAuthFailed) {
		t.Fatalf("Run = %v, want the rejected password", err)
	}
	if h.conn.State() != StateFailed {
		t.Errorf("state = %v, want failed", h.conn.State())
	}
	if got := n.dialLog(); got != "gw1.example" {
		t.Errorf("dials = %s, want only the gateway that rejected us", got)
	}
}

func TestConnAutoBacksOffBetweenRounds(t *testing.T) {
	n := newFakeNet()
	h := start(t, testProfile(t, "auto", "gw1.example"), n)
	var got []time.Duration
	for len(got) < 4 {
		select {
		case d := <-h.sleeps:
			got = append(got, d)
		case <-time.After(5 * time.Second):
			t.Fatalf("no backoff; sleeps %v", got)
		}
	}
	// 1s, 2s, 4s, 4s (capped), each within ±20% jitter.
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, d := range got {
		if d < want[i]*8/10 || d > want[i]*12/10 {
			t.Errorf("sleep %d = %v, want about %v", i, d, want[i])
		}
	}
	waited := false
	for _, ev := range h.conn.cfg.Trace.Events() {
		waited = waited || ev.State == StateWaiting && strings.Contains(ev.Err, "NO_PROPOSAL_CHOSEN")
	}
	if !waited {
		t.Error("no waiting state with the failure in the trace")
	}
}

func TestConnFollowsRedirectsWithinLimit(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"redirect:gw7.example"}
	n.script["gw7.example"] = []string{"ok"}
	h := start(t, testProfile(t, "auto", "gw1.example"), n)
	s := h.session(t)
	if s.host != "gw7.example" {
		t.Fatalf("connected to %s", s.host)
	}
	if got := n.dialLog(); got != "gw1.example gw7.example(from 192.0.2.1)" {
		t.Errorf("dials = %s", got)
	}
}

// TestConnFollowsRedirectOfEstablishedSession: a gateway that redirects
// a connected session (RFC 5685 in INFORMATIONAL) sends the next attempt
// to the target with REDIRECTED_FROM, not back to the list; once the
// session there ends, the list takes over again.
func TestConnFollowsRedirectOfEstablishedSession(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok", "ok"}
	n.script["gw7.example"] = []string{"ok"}
	h := start(t, testProfile(t, "auto", "gw1.example"), n)
	s := h.session(t)
	h.waitState(t, StateConnected)
	s.end <- &RedirectError{Target: "gw7.example"}
	if s = h.session(t); s.host != "gw7.example" {
		t.Fatalf("after the redirect connected to %s", s.host)
	}
	h.waitState(t, StateConnected)
	s.end <- errors.New("DPD: peer not responding")
	if s = h.session(t); s.host != "gw1.example" {
		t.Fatalf("after losing the redirect target connected to %s", s.host)
	}
	if got := n.dialLog(); got != "gw1.example gw7.example(from 192.0.2.1) gw1.example" {
		t.Errorf("dials = %s", got)
	}
}

func TestConnRedirectLoopIsBounded(t *testing.T) {
	n := newFakeNet()
	loop := []string{}
	for i := 0; i < 20; i++ {
		loop = append(loop, "redirect:gw2.example")
	}
	n.script["gw1.example"] = loop
	n.script["gw2.example"] = append([]string(nil), loop...)
	for i := range n.script["gw2.example"] {
		n.script["gw2.example"][i] = "redirect:gw1.example"
	}
	h := start(t, testProfile(t, "manual", "gw1.example"), n)
	err := <-h.done
	h.done <- nil
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("Run = %v, want ErrTooManyRedirects", err)
	}
	if d := strings.Count(n.dialLog(), ".example"); d != 6 {
		t.Errorf("%d dials, want 6 (first + 5 redirects): %s", d, n.dialLog())
	}
}

func TestConnUsesDownloadedBackupsAfterFailure(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok"}
	n.backups["gw1.example"] = []string{"gw5.example", "gw6.example"}
	n.script["gw6.example"] = []string{"ok"}
	h := start(t, testProfile(t, "auto", "gw1.example", "gw2.example"), n)
	s := h.session(t)
	h.waitState(t, StateConnected)
	s.end <- errors.New("DPD")
	s = h.session(t)
	if s.host != "gw6.example" {
		t.Fatalf("connected to %s", s.host)
	}
	if got := n.dialLog(); got != "gw1.example gw5.example gw6.example" {
		t.Errorf("dials = %s", got)
	}
}

func TestConnNetworkChangeRetriesSameGateway(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok", "ok"}
	n.script["gw2.example"] = []string{"ok"}
	h := start(t, testProfile(t, "auto", "gw1.example", "gw2.example"), n)
	first := h.session(t)
	h.waitState(t, StateConnected)
	h.conn.NetworkChanged()
	s := h.session(t)
	if s.host != "gw1.example" {
		t.Fatalf("after a network change connected to %s, want the same gateway", s.host)
	}
	select {
	case <-first.closed:
	default:
		t.Error("the old session was not closed")
	}
}

// failingApplier refuses every desired state.
type failingApplier struct{ *fakeNet }

func (failingApplier) Apply(netip.Addr, Reply) error {
	return errors.New("RTNETLINK answers: Operation not permitted")
}

func TestConnBacksOffWhenRoutesFail(t *testing.T) {
	n := newFakeNet()
	n.script["gw1.example"] = []string{"ok", "ok", "ok"}
	sleeps := make(chan time.Duration, 8)
	c := NewConn(ConnConfig{
		Profile: testProfile(t, "auto", "gw1.example"), Dialer: n, Resolver: n, Applier: failingApplier{n},
		BackoffMin: time.Second, BackoffMax: 8 * time.Second,
		Sleep: func(ctx context.Context, d time.Duration) error {
			sleeps <- d
			if len(sleeps) == 2 {
				return context.Canceled // stop after two rounds
			}
			return nil
		},
	})
	if err := c.Run(context.Background()); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := n.dialLog(); got != "gw1.example gw1.example" {
		t.Errorf("dials = %s: every failed apply must be followed by a backoff", got)
	}
	if d := <-sleeps; d < 800*time.Millisecond {
		t.Errorf("first backoff %v", d)
	}
}

func TestConnNoEligiblePeerWaitsInsteadOfSpinning(t *testing.T) {
	n := newFakeNet()
	slept := 0
	c := NewConn(ConnConfig{
		Profile: testProfile(t, "auto", "gw1.example"), Dialer: n, Resolver: n, Applier: n,
		Eligible: func(Peer) bool { return false },
		Sleep: func(ctx context.Context, d time.Duration) error {
			slept++
			if slept == 3 {
				return context.Canceled
			}
			return nil
		},
	})
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil || slept != 3 || n.dialLog() != "" {
			t.Fatalf("Run = %v, slept %d, dials %q", err, slept, n.dialLog())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run spins without waiting when no gateway is eligible")
	}
}

func TestConnCancelledBeforeDialDoesNotDial(t *testing.T) {
	n := newFakeNet()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := NewConn(ConnConfig{Profile: testProfile(t, "auto", "gw1.example"), Dialer: n, Resolver: n, Applier: n})
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n.dialLog() != "" {
		t.Errorf("dialed %q after cancellation", n.dialLog())
	}
}
