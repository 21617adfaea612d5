package dnsproxy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Config is the whole desired state of the proxy.
type Config struct {
	// Listen are the addresses to serve on, UDP and TCP each.
	Listen []netip.AddrPort
	// Routes are the split-DNS routes; add a "." route with the saved OS
	// resolvers as the fallback.
	Routes []Route
	// Timeout bounds one upstream exchange (default 2 s).
	Timeout time.Duration
}

// Stats counts what the proxy did.
type Stats struct {
	Queries, Forwarded, TCPRetries, ServFail, NoRoute uint64
}

// Exchanger sends one query to one upstream. The default uses miekg/dns
// clients; tests may substitute their own.
type Exchanger interface {
	Exchange(ctx context.Context, m *dns.Msg, network string, upstream netip.AddrPort) (*dns.Msg, error)
}

// Proxy is a split-DNS forwarder. Its zero value is not usable; call New.
type Proxy struct {
	log      *slog.Logger
	exchange Exchanger
	routes   atomic.Pointer[table]
	timeout  atomic.Int64

	queries, forwarded, tcpRetries, servFail, noRoute atomic.Uint64

	mu      sync.Mutex
	servers []*dns.Server
	listen  []netip.AddrPort
}

// New returns a proxy with no routes and no listeners; call Set.
func New(log *slog.Logger, ex Exchanger) *Proxy {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if ex == nil {
		ex = clientExchanger{}
	}
	p := &Proxy{log: log.With("component", "dns"), exchange: ex}
	p.routes.Store(&table{})
	p.timeout.Store(int64(2 * time.Second))
	return p
}

// Set applies cfg: it swaps the route table atomically and (re)binds the
// listeners only when the listen set changed, so a route update never drops
// a query in flight.
func (p *Proxy) Set(cfg Config) error {
	t, err := compile(cfg.Routes)
	if err != nil {
		return err
	}
	if cfg.Timeout > 0 {
		p.timeout.Store(int64(cfg.Timeout))
	}
	p.routes.Store(t)
	p.mu.Lock()
	defer p.mu.Unlock()
	if sameAddrs(p.listen, cfg.Listen) {
		return nil
	}
	p.shutdownLocked()
	for _, ap := range cfg.Listen {
		if err := p.listenLocked(ap); err != nil {
			p.shutdownLocked()
			return err
		}
	}
	p.listen = append([]netip.AddrPort(nil), cfg.Listen...)
	return nil
}

// Close stops all listeners.
func (p *Proxy) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shutdownLocked()
	p.listen = nil
	return nil
}

// Stats returns a snapshot of the counters.
func (p *Proxy) Stats() Stats {
	return Stats{
		Queries:    p.queries.Load(),
		Forwarded:  p.forwarded.Load(),
		TCPRetries: p.tcpRetries.Load(),
		ServFail:   p.servFail.Load(),
		NoRoute:    p.noRoute.Load(),
	}
}

// ListenAddrs returns the bound addresses (with real ports when port 0 was
// asked for), UDP first.
func (p *Proxy) ListenAddrs() []net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []net.Addr
	for _, s := range p.servers {
		if s.PacketConn != nil {
			out = append(out, s.PacketConn.LocalAddr())
		} else if s.Listener != nil {
			out = append(out, s.Listener.Addr())
		}
	}
	return out
}

func (p *Proxy) listenLocked(ap netip.AddrPort) error {
	pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return err
	}
	// Bind TCP to the port UDP actually got, so port 0 gives one port for both.
	tcpAP := netip.AddrPortFrom(ap.Addr(), uint16(pc.LocalAddr().(*net.UDPAddr).Port))
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(tcpAP))
	if err != nil {
		pc.Close()
		return err
	}
	udp := &dns.Server{PacketConn: pc, Handler: p, UDPSize: dns.DefaultMsgSize}
	tcp := &dns.Server{Listener: ln, Handler: p}
	p.servers = append(p.servers, udp, tcp)
	for _, s := range []*dns.Server{udp, tcp} {
		go func() {
			if err := s.ActivateAndServe(); err != nil && !errors.Is(err, net.ErrClosed) {
				p.log.Warn("dns listener stopped", "err", err)
			}
		}()
	}
	p.log.Info("dns proxy listening", "addr", tcpAP)
	return nil
}

func (p *Proxy) shutdownLocked() {
	for _, s := range p.servers {
		_ = s.Shutdown()
	}
	p.servers = nil
}

func sameAddrs(a, b []netip.AddrPort) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
