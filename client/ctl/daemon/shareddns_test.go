package daemon

import (
	"net/netip"
	"reflect"
	"testing"

	"flexvpn/dnsproxy"
	"flexvpn/platform/dnsconfig"
)

type fakeProxy struct {
	cfgs   []dnsproxy.Config
	closed int
}

func (f *fakeProxy) Set(c dnsproxy.Config) error { f.cfgs = append(f.cfgs, c); return nil }
func (f *fakeProxy) Close() error                { f.closed++; return nil }

func route(suffix, up string) dnsproxy.Route {
	return dnsproxy.Route{Suffix: suffix, Upstreams: []netip.AddrPort{netip.MustParseAddrPort(up)}}
}

func TestSharedDNSMerge(t *testing.T) {
	px, res := &fakeProxy{}, &dnsconfig.Fake{}
	s := &SharedDNS{Proxy: px, Resolver: res, Listen: netip.MustParseAddrPort("127.0.0.54:53")}
	// A split profile first, then a full-tunnel one that owns the default
	// route: it is merged first, so its routes win where both have one.
	s.Set("split", []dnsproxy.Route{route(".", "192.0.2.53:53"), route("corp.example", "10.9.0.1:53")}, []string{"corp.example"}, false)
	s.Set("full", []dnsproxy.Route{route(".", "10.8.0.1:53"), route("corp.example", "10.8.0.1:53")}, nil, true)
	want := []dnsproxy.Route{route(".", "10.8.0.1:53"), route("corp.example", "10.8.0.1:53")}
	if got := s.Routes(); !reflect.DeepEqual(got, want) {
		t.Fatalf("merged %v, want %v", got, want)
	}
	last := res.Configs[len(res.Configs)-1]
	if len(last.Nameservers) != 1 || last.Nameservers[0].String() != "127.0.0.54" || !reflect.DeepEqual(last.Search, []string{"corp.example"}) {
		t.Fatalf("resolver config %+v", last)
	}
	s.Remove("full")
	if got := s.Routes(); !reflect.DeepEqual(got, []dnsproxy.Route{route(".", "192.0.2.53:53"), route("corp.example", "10.9.0.1:53")}) {
		t.Fatalf("after the owner left: %v", got)
	}
	if px.closed != 0 {
		t.Fatal("proxy closed while a profile still uses it")
	}
	s.Remove("split")
	s.Remove("split")
	if px.closed != 1 || len(res.Configs[len(res.Configs)-1].Nameservers) != 0 {
		t.Fatalf("last profile gone: proxy closed %d times, resolver %+v", px.closed, res.Configs[len(res.Configs)-1])
	}
}
