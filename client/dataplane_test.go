package client

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/platform/tunif/tunfake"
	"flexvpn/tunnel/ike"
)

// failingTUN is a fake TUN whose reads start failing on demand, the way a
// real one does when its interface is deleted under us (EIO).
type failingTUN struct {
	*tunfake.TUN
	broken chan struct{}
	once   sync.Once
}

func newFailingTUN() *failingTUN {
	return &failingTUN{TUN: tunfake.New(tunfake.Config{Name: "fv0"}), broken: make(chan struct{})}
}

func (f *failingTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	n, err := f.TUN.Read(bufs, sizes, offset)
	select {
	case <-f.broken:
		return 0, &os.PathError{Op: "read", Path: "/dev/net/tun", Err: syscall.EIO}
	default:
		return n, err
	}
}

// breakReads makes the pending and every later Read fail; the injected
// packet only wakes the Read blocked in the fake.
func (f *failingTUN) breakReads() {
	f.once.Do(func() { close(f.broken) })
	_ = f.Inject(tunfake.UDP4(gwAddr, gwAddr, []byte("wake")))
}

func pskDialer(newTUN func() (tun.Device, error)) *TunnelDialer {
	return &TunnelDialer{
		IKE: ike.Config{LocalID: ike.EmailIdentity("alice@example.com"), RemoteID: ike.FQDNIdentity("gw.flexvpn.test"),
			PSK: []byte("loopback-psk")},
		NewTUN: newTUN,
	}
}

// TestTunnelSessionEndsWhenDataPlaneStops: a TUN whose reads fail makes
// the data plane close itself; the session must end with that reason
// instead of looking up while carrying nothing, and closing it must not
// wait for a Delete that has no socket left to leave by.
func TestTunnelSessionEndsWhenDataPlaneStops(t *testing.T) {
	startMiniGateway(t, "loopback-psk")
	dev := newFailingTUN()
	d := pskDialer(func() (tun.Device, error) { return dev, nil })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, Target{Host: "gw.flexvpn.test", Addr: gwAddr})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	dev.breakReads()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := sess.Wait(wctx); !errors.Is(err, ErrDataPlaneStopped) {
		t.Fatalf("Wait = %v, want ErrDataPlaneStopped", err)
	}
	began := time.Now()
	_ = sess.Close(ctx)
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("Close took %v: it waited for a Delete that cannot be sent", took)
	}
}

// staticResolver resolves every name to one address.
type staticResolver struct{}

func (staticResolver) Resolve(context.Context, string) (netip.Addr, error) { return gwAddr, nil }

// TestConnRedialsAfterDataPlaneStops: the Conn treats a dead data plane
// like a lost tunnel: it dials again with a new TUN device and a new SA,
// and packets cross the new tunnel both ways.
func TestConnRedialsAfterDataPlaneStops(t *testing.T) {
	gw := startMiniGateway(t, "loopback-psk")
	first := newFailingTUN()
	second := tunfake.New(tunfake.Config{Name: "fv0"})
	tuns := make(chan tun.Device, 2)
	tuns <- first
	tuns <- second
	n := newFakeNet()
	c := NewConn(ConnConfig{
		Profile: testProfile(t, "manual", "gw.flexvpn.test"),
		Dialer: pskDialer(func() (tun.Device, error) {
			select {
			case d := <-tuns:
				return d, nil
			default:
				return nil, errors.New("test: no third TUN")
			}
		}),
		Resolver: staticResolver{}, Applier: n,
	})
	states := c.Watch()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()

	waitConnected(t, states)
	first.breakReads()
	waitConnected(t, states)
	if len(tuns) != 0 {
		t.Fatal("connected again without a new TUN device")
	}
	host, lan := netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("198.51.100.10")
	tunfake.InjectUntilReceived(t, second, gw.tun.Written(), tunfake.UDP4(host, lan, []byte("query")), "gateway TUN")
	tunfake.InjectUntilReceived(t, gw.tun, second.Written(), tunfake.UDP4(lan, host, []byte("answer")), "new client TUN")
	lost := false
	for _, ev := range c.cfg.Trace.Events() {
		lost = lost || strings.Contains(ev.Err, ErrDataPlaneStopped.Error())
	}
	if !lost {
		t.Errorf("the trace does not say the data plane stopped: %+v", c.cfg.Trace.Events())
	}
}

func waitConnected(t *testing.T, states <-chan State) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case s := <-states:
			if s == StateConnected {
				return
			}
			if s == StateFailed {
				t.Fatal("the connection failed")
			}
		case <-deadline:
			t.Fatal("not connected within 20 s")
		}
	}
}

// TestTunnelSessionEndsWhenItsInterfaceIsDeleted: a deleted interface
// leaves the TUN's reads blocked, so only the interface watch ends the
// session; the sockets still work, so the gateway is told (Delete).
func TestTunnelSessionEndsWhenItsInterfaceIsDeleted(t *testing.T) {
	gw := startMiniGateway(t, "loopback-psk")
	var mu sync.Mutex
	present := true
	d := pskDialer(func() (tun.Device, error) { return tunfake.New(tunfake.Config{Name: "fv0"}), nil })
	d.lookup = func(name string) (ifaceState, bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return ifaceState{Index: 7, Up: true}, present && name == "fv0", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, Target{Host: "gw.flexvpn.test", Addr: gwAddr})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	mu.Lock()
	present = false
	mu.Unlock()
	wctx, wcancel := context.WithTimeout(ctx, 3*watchEvery)
	defer wcancel()
	if err := sess.Wait(wctx); !errors.Is(err, ErrInterfaceGone) || !strings.Contains(err.Error(), "fv0") {
		t.Fatalf("Wait = %v, want ErrInterfaceGone naming fv0", err)
	}
	if err := sess.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	for {
		select {
		case ev := <-gw.events:
			if ev.Kind == ike.EventClosed {
				return
			}
		case <-ctx.Done():
			t.Fatal("the gateway was not told the session ended")
		}
	}
}

// TestTunnelSessionEndsWhenItsLocalAddressGoes: sockets bound to an
// address the host lost (a new Wi-Fi, a new lease) send nothing; the
// session ends so the Conn redials from the new address. One missed
// check is forgiven: an address being replaced may vanish for a moment.
func TestTunnelSessionEndsWhenItsLocalAddressGoes(t *testing.T) {
	startMiniGateway(t, "loopback-psk")
	var mu sync.Mutex
	var gone bool
	var missed int
	d := pskDialer(func() (tun.Device, error) { return tunfake.New(tunfake.Config{}), nil })
	d.hasAddr = func(a netip.Addr) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if gone {
			missed++
		}
		return !gone, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := d.Dial(ctx, Target{Host: "gw.flexvpn.test", Addr: gwAddr})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer sess.Close(ctx)
	mu.Lock()
	gone = true
	mu.Unlock()
	wctx, wcancel := context.WithTimeout(ctx, (addrGoneAfter+2)*watchEvery)
	defer wcancel()
	if err := sess.Wait(wctx); !errors.Is(err, ErrLocalAddressGone) {
		t.Fatalf("Wait = %v, want ErrLocalAddressGone", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if missed != addrGoneAfter {
		t.Errorf("ended after %d missed checks, want %d", missed, addrGoneAfter)
	}
}

func TestSystemWatchForgivesABriefMiss(t *testing.T) {
	has := []bool{true, false, true, false, true}
	w := &systemWatch{local: gwAddr, hasAddr: func(netip.Addr) (bool, error) {
		h := has[0]
		has = has[1:]
		return h, nil
	}}
	for range 5 {
		if err := w.check(); err != nil {
			t.Fatalf("check = %v after isolated misses", err)
		}
	}
}

func TestSystemWatchInterface(t *testing.T) {
	for _, tc := range []struct {
		name   string
		states []ifaceState // after the first, which the watch starts from
		want   error
	}{
		{"renamed away", []ifaceState{{Index: 0}}, ErrInterfaceGone},
		{"replaced", []ifaceState{{Index: 8, Up: true}}, ErrInterfaceGone},
		{"down for a moment", []ifaceState{{Index: 7}, {Index: 7, Up: true}, {Index: 7}, {Index: 7, Up: true}}, nil},
		{"set down", []ifaceState{{Index: 7}, {Index: 7}}, ErrInterfaceDown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			states := tc.states
			w := &systemWatch{iface: "fv0", index: 7, local: gwAddr,
				hasAddr: func(netip.Addr) (bool, error) { return true, nil },
				lookup: func(string) (ifaceState, bool, error) {
					st := states[0]
					states = states[1:]
					return st, st.Index != 0, nil
				}}
			w.applied.Store(true)
			var err error
			for len(states) > 0 && err == nil {
				err = w.check()
			}
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("check = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestSystemWatchWaitsForTheRoutes: the interface is down until the
// routes are applied (the handshake may wait for a password); that is
// no reason to end the session.
func TestSystemWatchWaitsForTheRoutes(t *testing.T) {
	w := &systemWatch{iface: "fv0", index: 7, local: gwAddr,
		hasAddr: func(netip.Addr) (bool, error) { return true, nil },
		lookup:  func(string) (ifaceState, bool, error) { return ifaceState{Index: 7}, true, nil }}
	for range 5 {
		if err := w.check(); err != nil {
			t.Fatalf("check before the routes were applied = %v", err)
		}
	}
	w.applied.Store(true)
	var err error
	for range addrGoneAfter {
		err = w.check()
	}
	if !errors.Is(err, ErrInterfaceDown) {
		t.Fatalf("check of an interface down after the routes = %v, want ErrInterfaceDown", err)
	}
}
