package track

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// dnsServer serves a tiny zone on loopback UDP and TCP (same port):
// v4.test has an A, v6.test only an AAAA, big.test answers truncated
// over UDP, anything else is NXDOMAIN.
func dnsServer(t *testing.T) netip.AddrPort {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(tcp.Addr().String())
	udp, err := net.ListenPacket("udp", ap.String())
	if err != nil {
		tcp.Close()
		t.Skipf("udp port %d taken by someone else: %v", ap.Port(), err)
	}
	for _, srv := range []*dns.Server{{PacketConn: udp, Handler: dns.HandlerFunc(answer)}, {Listener: tcp, Handler: dns.HandlerFunc(answer)}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return ap
}

func answer(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	_, overTCP := w.RemoteAddr().(*net.TCPAddr)
	switch {
	case q.Name == "v4.test." && q.Qtype == dns.TypeA:
		m.Answer = append(m.Answer, &dns.A{Hdr: hdr(q, dns.TypeA), A: net.IPv4(192, 0, 2, 1)})
	case q.Name == "v6.test." && q.Qtype == dns.TypeAAAA:
		m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr(q, dns.TypeAAAA), AAAA: net.ParseIP("2001:db8::1")})
	case q.Name == "big.test." && !overTCP:
		m.Truncated = true
	case q.Name == "big.test." && q.Qtype == dns.TypeA:
		m.Answer = append(m.Answer, &dns.A{Hdr: hdr(q, dns.TypeA), A: net.IPv4(192, 0, 2, 2)})
	case q.Name == "v4.test.", q.Name == "v6.test.", q.Name == "empty.test.", q.Name == "big.test.":
	default:
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

func hdr(q dns.Question, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: q.Name, Rrtype: t, Class: dns.ClassINET, Ttl: 60}
}

func TestDNSProbeAgainstServer(t *testing.T) {
	server := dnsServer(t)
	tests := []struct {
		name string
		want string // "" = success, else a word of the error
	}{
		{"v4.test", ""},
		{"v6.test", ""},
		{"big.test", ""},
		{"empty.test", "no address"},
		{"missing.test", "NXDOMAIN"},
	}
	for _, tc := range tests {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err := (&DNSProbe{Name: tc.name, Server: server}).Probe(ctx)
		cancel()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

func TestDNSProbeNoServer(t *testing.T) {
	// A UDP port nobody serves: the query is refused or times out.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(pc.LocalAddr().String())
	pc.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	if err := (&DNSProbe{Name: "v4.test", Server: ap}).Probe(ctx); err == nil {
		t.Fatal("probe against no server succeeded")
	}
}

func TestDNSProbeThroughTracker(t *testing.T) {
	server := dnsServer(t)
	tr := realTracker(t, ProbeDNS, "v4.test@"+server.String())
	waitState(t, tr, "obj", Up)
	tr2 := realTracker(t, ProbeDNS, "missing.test@"+server.String())
	waitState(t, tr2, "obj", Down)
}

func TestDNSProbeSystemResolver(t *testing.T) {
	// "localhost" resolves from /etc/hosts on every system we run on; a
	// name under .invalid (RFC 6761) never resolves.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := (&DNSProbe{Name: "localhost"}).Probe(ctx); err != nil {
		t.Fatalf("localhost: %v", err)
	}
	if err := (&DNSProbe{Name: "flexvpn-track.invalid"}).Probe(ctx); err == nil {
		t.Fatal("a .invalid name resolved")
	}
}
