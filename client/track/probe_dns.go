package track

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/miekg/dns"
)

// DNSProbe succeeds when Name resolves to at least one address: through
// Server when it is set, else through the system resolver.
type DNSProbe struct {
	Name   string
	Server netip.AddrPort // zero: the system resolver
}

// Probe resolves Name.
func (p *DNSProbe) Probe(ctx context.Context) error {
	if !p.Server.IsValid() {
		addrs, err := systemResolver.LookupNetIP(ctx, "ip", p.Name)
		if err != nil {
			return err
		}
		if len(addrs) == 0 {
			return fmt.Errorf("%w: %s", ErrNoAddress, p.Name)
		}
		return nil
	}
	// A name with only IPv6 addresses is as resolvable as one with IPv4.
	found, err := p.query(ctx, dns.TypeA)
	if err == nil && !found {
		found, err = p.query(ctx, dns.TypeAAAA)
	}
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: %s (server %s)", ErrNoAddress, p.Name, p.Server)
	}
	return nil
}

// query asks Server for one record type, retrying over TCP when the UDP
// answer was truncated.
func (p *DNSProbe) query(ctx context.Context, qtype uint16) (bool, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(p.Name), qtype)
	server := p.Server.String()
	r, _, err := (&dns.Client{Net: "udp"}).ExchangeContext(ctx, m, server)
	if err == nil && r.Truncated {
		r, _, err = (&dns.Client{Net: "tcp"}).ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return false, fmt.Errorf("dns server %s: %w", server, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		return false, fmt.Errorf("dns server %s answered %s for %s", server, dns.RcodeToString[r.Rcode], p.Name)
	}
	for _, rr := range r.Answer {
		if t := rr.Header().Rrtype; t == dns.TypeA || t == dns.TypeAAAA {
			return true, nil
		}
	}
	return false, nil
}
