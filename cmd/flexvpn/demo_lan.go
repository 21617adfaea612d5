package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

func init() {
	register("demo-lan", "(demo) DNS server for the LAN behind the demo gateway", runDemoLAN)
	register("demo-query", "(demo) resolve a name through a DNS server and print the answer", runDemoQuery)
}

// runDemoLAN answers A queries under -zone with -answer; everything else
// gets NXDOMAIN. It stands in for the corporate DNS server.
func runDemoLAN(args []string) error {
	fs := flag.NewFlagSet("demo-lan", flag.ContinueOnError)
	listen := fs.String("listen", "198.51.100.53:53", "address to serve DNS on")
	zone := fs.String("zone", "corp.example", "zone to answer for")
	answer := fs.String("answer", "198.51.100.10", "address every name in the zone resolves to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := netip.ParseAddr(*answer)
	if err != nil {
		return err
	}
	pc, err := net.ListenPacket("udp", *listen)
	if err != nil {
		return err
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		q := req.Question[0]
		if q.Qtype == dns.TypeA && dns.IsSubDomain(dns.Fqdn(*zone), q.Name) {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   a.AsSlice(),
			})
		} else if !dns.IsSubDomain(dns.Fqdn(*zone), q.Name) {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); srv.Shutdown() }()
	return srv.ActivateAndServe()
}

// runDemoQuery resolves NAME at SERVER and prints "NAME -> ADDR".
func runDemoQuery(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: flexvpn demo-query NAME SERVER:PORT")
	}
	c := &dns.Client{Timeout: 3 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(args[0]), dns.TypeA)
	r, _, err := c.Exchange(m, args[1])
	if err != nil {
		return err
	}
	var addrs []string
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			addrs = append(addrs, a.A.String())
		}
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%s: %s", args[0], dns.RcodeToString[r.Rcode])
	}
	fmt.Printf("%s -> %s\n", args[0], strings.Join(addrs, ", "))
	return nil
}
