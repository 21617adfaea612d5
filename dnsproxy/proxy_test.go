package dnsproxy

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// upstream is a loopback DNS server answering every A query with addr and
// recording what it saw. With big set it pads the answer past 512 bytes so
// UDP clients see TC.
type upstream struct {
	addr   netip.AddrPort
	answer netip.Addr
	big    bool
	seen   chan string
	srv    []*dns.Server
}

func startUpstream(t *testing.T, answer string, big bool) *upstream {
	t.Helper()
	u := &upstream{answer: netip.MustParseAddr(answer), big: big, seen: make(chan string, 64)}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	u.addr = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	h := dns.HandlerFunc(u.serve)
	u.srv = []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}}
	for _, s := range u.srv {
		go s.ActivateAndServe()
	}
	t.Cleanup(func() {
		for _, s := range u.srv {
			s.Shutdown()
		}
	})
	return u
}

func (u *upstream) serve(w dns.ResponseWriter, req *dns.Msg) {
	u.seen <- w.RemoteAddr().Network() + " " + req.Question[0].Name
	m := new(dns.Msg)
	m.SetReply(req)
	n := 1
	if u.big {
		n = 40 // 40 A records ≈ 640 bytes: more than 512
	}
	for i := 0; i < n; i++ {
		rr, _ := dns.NewRR(fmt.Sprintf("%s 60 IN A %s", req.Question[0].Name, u.answer))
		m.Answer = append(m.Answer, rr)
	}
	if u.big && w.RemoteAddr().Network() == "udp" {
		m.Truncate(dns.MinMsgSize)
	}
	w.WriteMsg(m)
}

func startProxy(t *testing.T, routes []Route) (*Proxy, string) {
	t.Helper()
	p := New(nil, nil)
	err := p.Set(Config{
		Listen:  []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")},
		Routes:  routes,
		Timeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, p.ListenAddrs()[0].String()
}

func query(t *testing.T, network, server, name string) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 3 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	resp, _, err := c.Exchange(m, server)
	if err != nil {
		t.Fatalf("query %s over %s: %v", name, network, err)
	}
	return resp
}

func firstA(t *testing.T, m *dns.Msg) string {
	t.Helper()
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String()
		}
	}
	t.Fatalf("no A record in %v", m)
	return ""
}

func TestSplitRouting(t *testing.T) {
	corp := startUpstream(t, "198.51.100.10", false)
	lab := startUpstream(t, "198.51.100.20", false)
	public := startUpstream(t, "203.0.113.1", false)
	_, addr := startProxy(t, []Route{
		{Suffix: ".", Upstreams: []netip.AddrPort{public.addr}},
		{Suffix: "corp.example", Upstreams: []netip.AddrPort{corp.addr}},
		{Suffix: "lab.corp.example.", Upstreams: []netip.AddrPort{lab.addr}},
	})
	cases := []struct{ name, want string }{
		{"intranet.corp.example", "198.51.100.10"},
		{"CORP.EXAMPLE", "198.51.100.10"},
		{"host.lab.corp.example", "198.51.100.20"}, // most specific suffix wins
		{"notcorp.example", "203.0.113.1"},         // suffix match is by label, not by string
		{"www.example.org", "203.0.113.1"},
	}
	for _, c := range cases {
		if got := firstA(t, query(t, "udp", addr, c.name)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestTruncatedAnswerRetriedOverTCP(t *testing.T) {
	big := startUpstream(t, "198.51.100.30", true)
	p, addr := startProxy(t, []Route{{Suffix: ".", Upstreams: []netip.AddrPort{big.addr}}})

	// Over TCP the client gets all records: the proxy asked upstream over TCP.
	resp := query(t, "tcp", addr, "big.example")
	if len(resp.Answer) != 40 || resp.Truncated {
		t.Fatalf("tcp: got %d answers truncated=%v, want 40 untruncated", len(resp.Answer), resp.Truncated)
	}
	// Over UDP without EDNS0 the proxy retries upstream over TCP, then hands
	// the client a truncated answer so that it can retry over TCP itself.
	resp = query(t, "udp", addr, "big.example")
	if !resp.Truncated {
		t.Fatalf("udp: want TC set on a >512 byte answer, got %d answers", len(resp.Answer))
	}
	if p.Stats().TCPRetries != 1 {
		t.Errorf("TCPRetries = %d, want 1", p.Stats().TCPRetries)
	}
	var nets []string
	for len(big.seen) > 0 {
		nets = append(nets, strings.Fields(<-big.seen)[0])
	}
	if got := strings.Join(nets, ","); got != "tcp,udp,tcp" {
		t.Errorf("upstream saw %s, want tcp,udp,tcp", got)
	}
}

func TestServfailWhenNoUpstreamAnswers(t *testing.T) {
	// A UDP socket that never answers stands in for a dead tunnel resolver.
	dead, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	deadAP := dead.LocalAddr().(*net.UDPAddr).AddrPort()
	alive := startUpstream(t, "198.51.100.40", false)

	p, addr := startProxy(t, []Route{
		{Suffix: "corp.example", Upstreams: []netip.AddrPort{deadAP}},
		{Suffix: "fallback.example", Upstreams: []netip.AddrPort{deadAP, alive.addr}},
	})
	if resp := query(t, "udp", addr, "x.corp.example"); resp.Rcode != dns.RcodeServerFailure {
		t.Errorf("dead upstream: rcode %s, want SERVFAIL", dns.RcodeToString[resp.Rcode])
	}
	// Upstreams are tried in order: the second answers.
	if got := firstA(t, query(t, "udp", addr, "x.fallback.example")); got != "198.51.100.40" {
		t.Errorf("fallback: got %s", got)
	}
	// No "." route: names outside every suffix get SERVFAIL, counted as NoRoute.
	if resp := query(t, "udp", addr, "www.example.org"); resp.Rcode != dns.RcodeServerFailure {
		t.Errorf("no route: rcode %s, want SERVFAIL", dns.RcodeToString[resp.Rcode])
	}
	st := p.Stats()
	if st.NoRoute != 1 || st.ServFail != 2 || st.Queries != 3 {
		t.Errorf("stats = %+v", st)
	}
}

func TestSetSwapsRoutesWithoutRebinding(t *testing.T) {
	a := startUpstream(t, "198.51.100.1", false)
	b := startUpstream(t, "198.51.100.2", false)
	p, addr := startProxy(t, []Route{{Suffix: ".", Upstreams: []netip.AddrPort{a.addr}}})
	if got := firstA(t, query(t, "udp", addr, "h.example")); got != "198.51.100.1" {
		t.Fatalf("before: %s", got)
	}
	// The same listen address (port 0 resolved) keeps the sockets.
	err := p.Set(Config{Listen: p.listen, Routes: []Route{{Suffix: ".", Upstreams: []netip.AddrPort{b.addr}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := firstA(t, query(t, "udp", addr, "h.example")); got != "198.51.100.2" {
		t.Fatalf("after: %s", got)
	}
}

func TestCompileRejectsBadRoutes(t *testing.T) {
	up := []netip.AddrPort{netip.MustParseAddrPort("192.0.2.53:53")}
	bad := []Route{
		{Suffix: "corp.example"},             // no upstream
		{Suffix: "bad..name", Upstreams: up}, // not a domain
		{Suffix: "ok.example", Upstreams: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.53:0")}}, // port 0
	}
	for _, r := range bad {
		if _, err := compile([]Route{r}); err == nil {
			t.Errorf("compile(%+v) succeeded, want error", r)
		}
	}
}
