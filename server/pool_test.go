package server

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
)

func newPool(t testing.TB, prefix, gw string, excl ...string) *Pool {
	t.Helper()
	var ex []netip.Prefix
	for _, e := range excl {
		ex = append(ex, netip.MustParsePrefix(e))
	}
	var g netip.Addr
	if gw != "" {
		g = netip.MustParseAddr(gw)
	}
	p, err := NewPool("test", netip.MustParsePrefix(prefix), g, ex)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// drain allocates until the pool is exhausted and returns what it got.
func drain(t *testing.T, p *Pool) []string {
	t.Helper()
	var got []string
	for i := 0; ; i++ {
		a, err := p.Allocate(fmt.Sprintf("user%d", i), netip.Addr{})
		if errors.Is(err, ErrPoolExhausted) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.String())
		if i > 1000 {
			t.Fatal("pool never exhausted")
		}
	}
}

func TestPoolHandsOutOnlyUsableAddresses(t *testing.T) {
	tests := []struct {
		name, prefix, gw string
		excl             []string
		want             []string
	}{
		{"v4 /29 skips network, broadcast, gateway", "203.0.113.0/29", "203.0.113.1", nil,
			[]string{"203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5", "203.0.113.6"}},
		{"v4 exclusions", "203.0.113.0/29", "", []string{"203.0.113.2/31", "203.0.113.5/32"},
			[]string{"203.0.113.1", "203.0.113.4", "203.0.113.6"}},
		{"v4 /31 uses both", "203.0.113.8/31", "", nil, []string{"203.0.113.8", "203.0.113.9"}},
		{"v4 /32", "203.0.113.9/32", "", nil, []string{"203.0.113.9"}},
		{"gateway outside pool is harmless", "203.0.113.0/30", "192.0.2.1", nil,
			[]string{"203.0.113.1", "203.0.113.2"}},
		{"v6 /126 skips anycast only", "2001:db8:1::/126", "", nil,
			[]string{"2001:db8:1::1", "2001:db8:1::2", "2001:db8:1::3"}},
		{"v6 with gateway", "2001:db8:1::/125", "2001:db8:1::1", []string{"2001:db8:1::6/127"},
			[]string{"2001:db8:1::2", "2001:db8:1::3", "2001:db8:1::4", "2001:db8:1::5"}},
		{"unmasked prefix", "203.0.113.5/30", "", nil, []string{"203.0.113.5", "203.0.113.6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := drain(t, newPool(t, tt.prefix, tt.gw, tt.excl...))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewPoolRejects(t *testing.T) {
	cases := []struct {
		prefix, gw string
		excl       []string
	}{
		{"203.0.113.0/30", "", []string{"203.0.113.0/30"}},
		{"203.0.113.0/30", "", []string{"198.51.100.0/32"}},
		{"203.0.113.0/30", "", []string{"203.0.113.0/29"}},
		{"203.0.113.1/32", "203.0.113.1", nil},
	}
	for _, c := range cases {
		var ex []netip.Prefix
		for _, e := range c.excl {
			ex = append(ex, netip.MustParsePrefix(e))
		}
		var gw netip.Addr
		if c.gw != "" {
			gw = netip.MustParseAddr(c.gw)
		}
		if _, err := NewPool("p", netip.MustParsePrefix(c.prefix), gw, ex); !errors.Is(err, ErrConfig) {
			t.Errorf("%v: err = %v, want ErrConfig", c, err)
		}
	}
	if _, err := NewPool("p", netip.Prefix{}, netip.Addr{}, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("zero prefix: err = %v", err)
	}
}

func TestPoolStickyAddress(t *testing.T) {
	p := newPool(t, "203.0.113.0/28", "203.0.113.1")
	if p.Gateway() != netip.MustParseAddr("203.0.113.1") || p.Name() != "test" {
		t.Fatalf("gateway %s name %s", p.Gateway(), p.Name())
	}
	alice, _ := p.Allocate("alice", netip.Addr{})
	bob, _ := p.Allocate("bob", netip.Addr{})
	p.Release(alice)
	p.Release(bob)
	// Another client comes and goes; the pool moves on rather than reusing
	// alice's address.
	carol, _ := p.Allocate("carol", netip.Addr{})
	if carol == alice || carol == bob {
		t.Fatalf("carol got a just-released address %s", carol)
	}
	again, err := p.Allocate("alice", netip.Addr{})
	if err != nil || again != alice {
		t.Fatalf("alice reconnect got %s, %v; want %s", again, err, alice)
	}
	// While alice holds it, a second session of alice gets another address.
	second, _ := p.Allocate("alice", netip.Addr{})
	if second == alice {
		t.Fatal("same address given twice")
	}
}

func TestPoolHint(t *testing.T) {
	p := newPool(t, "203.0.113.0/28", "203.0.113.1")
	want := netip.MustParseAddr("203.0.113.9")
	if a, _ := p.Allocate("dave", want); a != want {
		t.Fatalf("hint ignored: got %s", a)
	}
	// A taken, unusable or foreign hint falls back to a free address.
	for _, hint := range []string{"203.0.113.9", "203.0.113.1", "203.0.113.15", "192.0.2.1", "2001:db8::1"} {
		a, err := p.Allocate("erin", netip.MustParseAddr(hint))
		if err != nil || !p.Usable(a) || a == want {
			t.Fatalf("hint %s: got %s, %v", hint, a, err)
		}
		p.Release(a)
	}
}

func TestPoolClaimAndRelease(t *testing.T) {
	p := newPool(t, "203.0.113.0/29", "203.0.113.1")
	framed := netip.MustParseAddr("203.0.113.4")
	if err := p.Claim("frank", framed); err != nil {
		t.Fatal(err)
	}
	if err := p.Claim("gina", framed); !errors.Is(err, ErrAddressInUse) {
		t.Fatalf("double claim: %v", err)
	}
	for _, bad := range []string{"203.0.113.1", "203.0.113.7", "203.0.113.0", "198.51.100.4"} {
		if err := p.Claim("gina", netip.MustParseAddr(bad)); !errors.Is(err, ErrAddressNotInPool) {
			t.Errorf("claim %s: %v", bad, err)
		}
	}
	for _, a := range drain(t, p) {
		if a == framed.String() {
			t.Fatal("claimed address handed out")
		}
	}
	if h, ok := p.Holder(framed); !ok || h != "frank" {
		t.Fatalf("holder = %q, %v", h, ok)
	}
	if !p.Release(framed) || p.Release(framed) {
		t.Fatal("release should succeed once")
	}
	if a, err := p.Allocate("gina", netip.Addr{}); err != nil || a != framed {
		t.Fatalf("after release got %s, %v", a, err)
	}
	if n, c := p.Stats(); n != 5 || c != 5 {
		t.Fatalf("stats %d/%d", n, c)
	}
}

func TestPoolHugeIPv6(t *testing.T) {
	p := newPool(t, "2001:db8::/64", "2001:db8::1")
	if _, c := p.Stats(); c != 1<<64-2 { // 2^64 minus anycast and gateway
		t.Fatalf("capacity %d", c)
	}
	a, err := p.Allocate("h", netip.Addr{})
	if err != nil || a != netip.MustParseAddr("2001:db8::2") {
		t.Fatalf("got %s, %v", a, err)
	}
	p48 := newPool(t, "2001:db8::/48", "")
	if _, c := p48.Stats(); c != 1<<64-1 {
		t.Fatalf("capacity %d not saturated", c)
	}
}

// TestPoolConcurrentNoDoubleAllocation races allocations and releases and
// checks that no address is ever held twice.
func TestPoolConcurrentNoDoubleAllocation(t *testing.T) {
	p := newPool(t, "203.0.113.0/27", "203.0.113.1")
	var (
		mu   sync.Mutex
		held = make(map[netip.Addr]int)
		wg   sync.WaitGroup
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []netip.Addr
			for i := 0; i < 500; i++ {
				if i%3 == 2 && len(mine) > 0 {
					a := mine[0]
					mine = mine[1:]
					mu.Lock()
					held[a]--
					mu.Unlock()
					p.Release(a)
					continue
				}
				a, err := p.Allocate(fmt.Sprintf("w%d-%d", w, i%7), netip.Addr{})
				if errors.Is(err, ErrPoolExhausted) {
					continue
				}
				mu.Lock()
				held[a]++
				if held[a] > 1 {
					t.Errorf("%s allocated twice", a)
				}
				mu.Unlock()
				mine = append(mine, a)
			}
		}(w)
	}
	wg.Wait()
}

// FuzzPoolOps runs a random sequence of pool operations against a simple
// model and checks the invariants: no double allocation, only usable
// addresses, exhaustion exactly when the model is full.
func FuzzPoolOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0x80, 3, 0x81, 4})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x40})
	f.Fuzz(func(t *testing.T, ops []byte) {
		p := newPool(t, "203.0.113.0/29", "203.0.113.1", "203.0.113.6/32")
		model := make(map[netip.Addr]bool)
		for _, op := range ops {
			id := fmt.Sprintf("id%d", op&3)
			switch op >> 6 {
			case 0, 1: // allocate, with a hint for op>>6 == 1
				hint := netip.Addr{}
				if op>>6 == 1 {
					hint = netip.AddrFrom4([4]byte{203, 0, 113, op & 7})
				}
				a, err := p.Allocate(id, hint)
				checkAlloc(t, p, model, a, err)
			case 2: // release
				a := netip.AddrFrom4([4]byte{203, 0, 113, op & 7})
				if p.Release(a) != model[a] {
					t.Fatalf("release %s disagrees with model", a)
				}
				delete(model, a)
			case 3: // claim
				a := netip.AddrFrom4([4]byte{203, 0, 113, op & 7})
				err := p.Claim(id, a)
				if (err == nil) == (model[a] || !p.Usable(a)) {
					t.Fatalf("claim %s: %v, model %v", a, err, model[a])
				}
				if err == nil {
					model[a] = true
				}
			}
		}
	})
}

func checkAlloc(t *testing.T, p *Pool, model map[netip.Addr]bool, a netip.Addr, err error) {
	t.Helper()
	if errors.Is(err, ErrPoolExhausted) {
		if len(model) != 4 {
			t.Fatalf("exhausted with %d of 4 leased", len(model))
		}
		return
	}
	if err != nil || model[a] || !p.Usable(a) {
		t.Fatalf("allocate gave %s, %v (held %v, usable %v)", a, err, model[a], p.Usable(a))
	}
	model[a] = true
}
