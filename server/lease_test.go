package server

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func testPools(t *testing.T) Pools {
	return Pools{
		"lan":  newPool(t, "203.0.113.0/29", "203.0.113.1"), // .2-.6
		"lan6": newPool(t, "2001:db8:1::/126", ""),          // ::1-::3
		"tiny": newPool(t, "203.0.113.8/32", ""),
	}
}

func TestPoolsAssign(t *testing.T) {
	v4, v6 := req(wire.INTERNAL_IP4_ADDRESS), req(wire.INTERNAL_IP6_ADDRESS)
	both := req(wire.INTERNAL_IP4_ADDRESS, wire.INTERNAL_IP6_ADDRESS)
	tests := []struct {
		name     string
		req      CPRequest
		a        Attributes
		want4    string
		want6    string
		wantErr  error
		wantPool bool // the v4 address is pool-managed
	}{
		{name: "pool v4", req: v4, a: Attributes{Pool4: "lan"}, want4: "203.0.113.2", wantPool: true},
		{name: "not asked", req: req(wire.INTERNAL_IP4_DNS), a: Attributes{Pool4: "lan"}},
		{name: "framed beats pool", req: v4, a: Attributes{Pool4: "lan", FramedIP4: netip.MustParseAddr("192.0.2.200")}, want4: "192.0.2.200"},
		{name: "framed inside pool is claimed", req: v4, a: Attributes{FramedIP4: netip.MustParseAddr("203.0.113.5")}, want4: "203.0.113.5", wantPool: true},
		{name: "dual", req: both, a: Attributes{Pool4: "lan", Pool6: "lan6"}, want4: "203.0.113.2", want6: "2001:db8:1::1", wantPool: true},
		{name: "v6 without source is skipped", req: both, a: Attributes{Pool4: "lan"}, want4: "203.0.113.2", wantPool: true},
		{name: "v6 only", req: v6, a: Attributes{Pool6: "lan6"}, want6: "2001:db8:1::1"},
		{name: "no source at all", req: v4, a: Attributes{}, wantErr: ErrNoPool},
		{name: "unknown pool", req: v4, a: Attributes{Pool4: "nope"}, wantErr: ErrUnknownPool},
		{name: "family mismatch", req: v4, a: Attributes{Pool4: "lan6"}, wantErr: ErrUnknownPool},
		{name: "v6 pool error releases v4", req: both, a: Attributes{Pool4: "lan", Pool6: "lan"}, wantErr: ErrUnknownPool},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := testPools(t)
			l, err := ps.Assign("alice", tt.req, tt.a)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := addrStr(l.IP4); got != tt.want4 {
				t.Errorf("IP4 = %s, want %s", got, tt.want4)
			}
			if got := addrStr(l.IP6); got != tt.want6 {
				t.Errorf("IP6 = %s, want %s", got, tt.want6)
			}
			if n, _ := ps["lan"].Stats(); (n == 1) != tt.wantPool {
				t.Errorf("lan pool holds %d", n)
			}
			ps.Release(l)
			for name, p := range ps {
				if n, _ := p.Stats(); n != 0 {
					t.Errorf("pool %s still holds %d after release", name, n)
				}
			}
		})
	}
}

func addrStr(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func TestPoolsAssignExhaustedAndFramedConflict(t *testing.T) {
	ps := testPools(t)
	a := Attributes{Pool4: "tiny"}
	if _, err := ps.Assign("a", req(wire.INTERNAL_IP4_ADDRESS), a); err != nil {
		t.Fatal(err)
	}
	_, err := ps.Assign("b", req(wire.INTERNAL_IP4_ADDRESS), a)
	if nt, ok := NotifyFor(err); !errors.Is(err, ErrPoolExhausted) || !ok || nt != wire.INTERNAL_ADDRESS_FAILURE {
		t.Fatalf("err = %v → %v", err, nt)
	}
	framed := Attributes{FramedIP4: netip.MustParseAddr("203.0.113.8")}
	if _, err := ps.Assign("c", req(wire.INTERNAL_IP4_ADDRESS), framed); !errors.Is(err, ErrAddressInUse) {
		t.Fatalf("framed conflict: %v", err)
	}
	// The pool's gateway address is not the pool's to manage: used as is.
	gw := Attributes{FramedIP4: netip.MustParseAddr("203.0.113.1")}
	if l, err := ps.Assign("d", req(wire.INTERNAL_IP4_ADDRESS), gw); err != nil || l.Pool4 != "" {
		t.Fatalf("gateway framed: %+v %v", l, err)
	}
}

func TestNotifyFor(t *testing.T) {
	other := errors.New("other")
	if _, ok := NotifyFor(other); ok || AsNotify(other) != other {
		t.Fatal("unrelated error mapped")
	}
	ne, ok := AsNotify(fmt.Errorf("pool lan: %w", ErrPoolExhausted)).(*wire.NotifyError)
	if !ok || ne.Type != wire.INTERNAL_ADDRESS_FAILURE || !strings.Contains(ne.Msg, "pool lan") {
		t.Fatalf("AsNotify = %#v", ne)
	}
	if nt, ok := NotifyFor(ErrSessionLimit); !ok || nt != wire.AUTHENTICATION_FAILED {
		t.Fatalf("session limit → %v", nt)
	}
}

func TestPoolsAdopt(t *testing.T) {
	old := Pools{
		"lan":  newPool(t, "203.0.113.0/28", "203.0.113.1"),
		"gone": newPool(t, "198.51.100.0/30", ""),
	}
	v4 := req(wire.INTERNAL_IP4_ADDRESS)
	var leases []Lease
	for _, id := range []string{"a", "b", "c"} {
		l, err := old.Assign(id, v4, Attributes{Pool4: "lan"})
		if err != nil {
			t.Fatal(err)
		}
		leases = append(leases, l)
	}
	g, _ := old.Assign("d", v4, Attributes{Pool4: "gone"})
	old.Release(leases[2]) // c disconnected; its address stays remembered
	// The reload shrinks lan so that b's address (.3) becomes excluded
	// and drops the "gone" pool.
	fresh := Pools{"lan": newPool(t, "203.0.113.0/28", "203.0.113.1", "203.0.113.3/32")}
	orphaned := fresh.Adopt(old)
	if want := []netip.Addr{g.IP4, leases[1].IP4}; !reflect.DeepEqual(orphaned, want) {
		t.Fatalf("orphaned %v, want %v", orphaned, want)
	}
	if h, ok := fresh["lan"].Holder(leases[0].IP4); !ok || h != "a" {
		t.Fatalf("a's lease not carried: %q", h)
	}
	// The lease from before the reload releases into the new pool.
	fresh.Release(leases[0])
	if _, ok := fresh["lan"].Holder(leases[0].IP4); ok {
		t.Fatal("old lease did not release into the new pool")
	}
	// c gets its remembered address back from the new pool.
	l, err := fresh.Assign("c", v4, Attributes{Pool4: "lan"})
	if err != nil || l.IP4 != leases[2].IP4 {
		t.Fatalf("c got %v, %v; want %v", l.IP4, err, leases[2].IP4)
	}
}
