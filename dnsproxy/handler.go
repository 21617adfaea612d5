package dnsproxy

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// ServeDNS implements dns.Handler: route by the question name, forward,
// answer SERVFAIL when no upstream could.
func (p *Proxy) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	p.queries.Add(1)
	clientNet := w.RemoteAddr().Network()
	resp := p.resolve(req, clientNet)
	if clientNet == "udp" {
		// An answer fetched over TCP may exceed what the UDP client can take:
		// truncate it to the client's size so it retries over TCP itself.
		resp.Truncate(udpSize(req))
	}
	_ = w.WriteMsg(resp)
}

// resolve forwards req and always returns a reply for the client.
func (p *Proxy) resolve(req *dns.Msg, clientNet string) *dns.Msg {
	if len(req.Question) != 1 {
		return failure(req, dns.RcodeFormatError)
	}
	route := p.routes.Load().lookup(req.Question[0].Name)
	if route == nil {
		p.noRoute.Add(1)
		return p.servfail(req)
	}
	timeout := time.Duration(p.timeout.Load())
	for _, up := range route.Upstreams {
		resp, err := p.forward(req, up, clientNet, timeout)
		if err != nil {
			p.log.Debug("upstream failed", "upstream", up, "name", req.Question[0].Name, "err", err)
			continue
		}
		p.forwarded.Add(1)
		resp.Id = req.Id
		return resp
	}
	return p.servfail(req)
}

// forward asks one upstream, over UDP first unless the client came over
// TCP, and retries over TCP when the UDP answer was truncated.
func (p *Proxy) forward(req *dns.Msg, up netip.AddrPort, clientNet string, timeout time.Duration) (*dns.Msg, error) {
	network := "udp"
	if clientNet == "tcp" {
		network = "tcp"
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	resp, err := p.exchange.Exchange(ctx, req, network, up)
	if err == nil && resp.Truncated && network == "udp" {
		p.tcpRetries.Add(1)
		resp, err = p.exchange.Exchange(ctx, req, "tcp", up)
	}
	if err != nil {
		return nil, err
	}
	if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused {
		return nil, fmt.Errorf("upstream answered %s", dns.RcodeToString[resp.Rcode])
	}
	return resp, nil
}

func (p *Proxy) servfail(req *dns.Msg) *dns.Msg {
	p.servFail.Add(1)
	return failure(req, dns.RcodeServerFailure)
}

func failure(req *dns.Msg, rcode int) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(req, rcode)
	return m
}

// clientExchanger is the production Exchanger.
type clientExchanger struct{}

func (clientExchanger) Exchange(ctx context.Context, m *dns.Msg, network string, up netip.AddrPort) (*dns.Msg, error) {
	c := &dns.Client{Net: network, UDPSize: dns.DefaultMsgSize}
	// The client's own EDNS0 size decides truncation upstream; keep theirs.
	q := m.Copy()
	resp, _, err := c.ExchangeContext(ctx, q, up.String())
	return resp, err
}

// udpSize is the largest UDP answer the client accepts.
func udpSize(req *dns.Msg) int {
	if opt := req.IsEdns0(); opt != nil && int(opt.UDPSize()) > dns.MinMsgSize {
		return int(opt.UDPSize())
	}
	return dns.MinMsgSize
}
