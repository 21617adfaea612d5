package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func info(identity, ip4 string) SessionInfo {
	si := SessionInfo{Identity: identity, Peer: netip.MustParseAddrPort("192.0.2.100:4500"), Gateway: "192.0.2.1"}
	if ip4 != "" {
		si.IP4 = netip.MustParseAddr(ip4)
	}
	return si
}

func TestRegistryLimits(t *testing.T) {
	tests := []struct {
		name    string
		limits  Limits
		adds    []SessionInfo
		wantErr []error
	}{
		{"unlimited", Limits{}, []SessionInfo{info("a", ""), info("a", ""), info("a", "")}, []error{nil, nil, nil}},
		{"per identity", Limits{PerIdentity: 1}, []SessionInfo{info("a", ""), info("b", ""), info("a", "")},
			[]error{nil, nil, ErrIdentityLimit}},
		{"total", Limits{Total: 2}, []SessionInfo{info("a", ""), info("b", ""), info("c", "")},
			[]error{nil, nil, ErrSessionLimit}},
		{"address unique", Limits{}, []SessionInfo{info("a", "203.0.113.2"), info("b", "203.0.113.2"), info("b", "203.0.113.3")},
			[]error{nil, ErrAddressInUse, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry(tt.limits, func() time.Time { return t0 })
			for i, si := range tt.adds {
				_, err := r.Add(si)
				if !errors.Is(err, tt.wantErr[i]) || (tt.wantErr[i] == nil) != (err == nil) {
					t.Fatalf("add %d: err = %v, want %v", i, err, tt.wantErr[i])
				}
			}
		})
	}
}

func TestRegistryLookupsAndRemove(t *testing.T) {
	r := NewRegistry(Limits{PerIdentity: 2}, func() time.Time { return t0 })
	a1, _ := r.Add(info("email:alice@example.com", "203.0.113.2"))
	a2, _ := r.Add(info("email:alice@example.com", "203.0.113.3"))
	b, _ := r.Add(info("fqdn:branch.example.com", ""))
	if err := r.SetAddresses(b.ID, netip.MustParseAddr("203.0.113.4"), netip.MustParseAddr("2001:db8:1::4")); err != nil {
		t.Fatal(err)
	}
	if err := r.SetAddresses(b.ID, netip.MustParseAddr("203.0.113.2"), netip.Addr{}); !errors.Is(err, ErrAddressInUse) {
		t.Fatalf("steal address: %v", err)
	}
	if err := r.SetAddresses(99, netip.Addr{}, netip.Addr{}); !errors.Is(err, ErrNoMatchingSession) {
		t.Fatalf("unknown id: %v", err)
	}
	find := []struct {
		q    string
		want []SessionID
	}{
		{fmt.Sprint(a2.ID), []SessionID{a2.ID}},
		{"203.0.113.2", []SessionID{a1.ID}},
		{"2001:db8:1::4", []SessionID{b.ID}},
		{"::ffff:203.0.113.4", []SessionID{b.ID}},
		{"email:alice@example.com", []SessionID{a1.ID, a2.ID}},
		{"alice@example.com", []SessionID{a1.ID, a2.ID}},
		{"branch.example.com", []SessionID{b.ID}},
	}
	for _, f := range find {
		got, err := r.Find(f.q)
		if err != nil || !reflect.DeepEqual(got, f.want) {
			t.Errorf("Find(%q) = %v, %v; want %v", f.q, got, err, f.want)
		}
	}
	for _, q := range []string{"42", "198.51.100.1", "bob@example.com", ""} {
		if _, err := r.Find(q); !errors.Is(err, ErrNoMatchingSession) || !strings.Contains(err.Error(), "no matching session") {
			t.Errorf("Find(%q) err = %v", q, err)
		}
	}
	if !r.Remove(a1.ID) || r.Remove(a1.ID) {
		t.Fatal("remove should succeed once")
	}
	if _, ok := r.ByAddress(netip.MustParseAddr("203.0.113.2")); ok {
		t.Fatal("address still indexed after remove")
	}
	if got := r.ByIdentity("email:alice@example.com"); len(got) != 1 || got[0] != a2 {
		t.Fatalf("ByIdentity = %v", got)
	}
	// The freed per-identity slot is usable again; the freed address too.
	if _, err := r.Add(info("email:alice@example.com", "203.0.113.2")); err != nil {
		t.Fatal(err)
	}
	r.Remove(b.ID)
	if _, ok := r.ByAddress(netip.MustParseAddr("2001:db8:1::4")); ok || r.Count() != 2 {
		t.Fatal("b not fully removed")
	}
	if s, ok := r.Get(a2.ID); !ok || s != a2 {
		t.Fatal("Get")
	}
}

func TestRegistrySnapshotAndList(t *testing.T) {
	r := NewRegistry(Limits{}, func() time.Time { return t0 })
	s, _ := r.Add(info("email:alice@example.com", "203.0.113.2"))
	r.Add(info("fqdn:b.example.com", ""))
	s.AddBytes(100, 0)
	s.AddBytes(20, 7)
	snap, ok := r.Snapshot(s.ID)
	want := SessionSnapshot{ID: s.ID, Identity: "email:alice@example.com", Peer: netip.MustParseAddrPort("192.0.2.100:4500"),
		Gateway: "192.0.2.1", IP4: netip.MustParseAddr("203.0.113.2"), Since: t0, BytesIn: 120, BytesOut: 7}
	if !ok || snap != want {
		t.Fatalf("snapshot %+v", snap)
	}
	list := r.List()
	if len(list) != 2 || list[0] != want || list[1].ID != s.ID+1 {
		t.Fatalf("list %+v", list)
	}
	j, err := json.Marshal(list[1])
	if err != nil || strings.Contains(string(j), "ip4") || !strings.Contains(string(j), `"identity":"fqdn:b.example.com"`) {
		t.Fatalf("json %s %v", j, err)
	}
	if _, ok := r.Snapshot(99); ok {
		t.Fatal("snapshot of unknown id")
	}
	r.SetLimits(Limits{Total: 1})
	if _, err := r.Add(info("c", "")); !errors.Is(err, ErrSessionLimit) || r.Count() != 2 {
		t.Fatalf("reload limits: %v", err)
	}
}

func TestRegistryConcurrent(t *testing.T) {
	r := NewRegistry(Limits{Total: 50, PerIdentity: 3}, nil)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				s, err := r.Add(info(fmt.Sprintf("id%d", i%5), ""))
				if err != nil {
					continue
				}
				s.AddBytes(1, 1)
				r.List()
				r.Remove(s.ID)
			}
		}(w)
	}
	wg.Wait()
	if r.Count() != 0 {
		t.Fatalf("%d sessions left", r.Count())
	}
}

func BenchmarkSessionAddBytes(b *testing.B) {
	r := NewRegistry(Limits{}, nil)
	s, _ := r.Add(info("a", ""))
	b.ReportAllocs()
	for b.Loop() {
		s.AddBytes(1400, 1400)
	}
	if allocs := testing.AllocsPerRun(100, func() { s.AddBytes(1, 1) }); allocs != 0 {
		b.Fatalf("AddBytes allocates %v", allocs)
	}
}

func BenchmarkRegistryByAddress(b *testing.B) {
	r := NewRegistry(Limits{}, nil)
	for i := 0; i < 1000; i++ {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)})
		r.Add(SessionInfo{Identity: fmt.Sprint(i), IP6: a})
	}
	dst := netip.MustParseAddr("2001:db8::1c8")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.ByAddress(dst); !ok {
			b.Fatal("not found")
		}
	}
}
