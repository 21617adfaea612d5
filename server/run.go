package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/platform/router"
	"flexvpn/tunnel/datapath"
	"flexvpn/tunnel/esp"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/eap"
	"flexvpn/tunnel/link"
)

// The running server: one data plane Device on every listen address (UDP
// 500 and 4500 on each, ESP in UDP), the TUN behind it, an IKE Endpoint as
// responder, a Link installing Child SAs, and the session Registry fed
// from the engine's hooks and events.
//
//	client ──UDP 500/4500──▶ Device ──IKE──▶ Endpoint ──hooks──▶ policy (this package)
//	                           │ ESP              │ events
//	                           ▼                  ▼
//	                          TUN ◀── Link ◀── Child SAs     Registry ◀── sessions
//
// Per-client routes are the Link's outbound table inside the Device; the
// kernel only needs the pools routed to the TUN (Router) and forwarding
// enabled towards the LAN.

// Options are the runtime's injectable parts. Zero values select the
// real ones.
type Options struct {
	// TUN replaces the TUN device the server would create (tests pass a
	// tunfake). The Server owns and closes it. With an injected TUN no
	// Router is used unless one is given.
	TUN tun.Device
	// Router configures the TUN's addresses and the pool routes; nil
	// with a real TUN means the system router.
	Router router.Router
	// IKEPort and NATTPort default to 500 and 4500.
	IKEPort, NATTPort uint16
	// MTU of the TUN device; 0 means the platform default.
	MTU    int
	Logger *slog.Logger
}

// Server is a running headend. Create it with New, stop it with Close.
type Server struct {
	log *slog.Logger
	cfg atomic.Pointer[Config]
	// policy is held for reading while a configuration's pools assign or
	// release addresses, and for writing while a reload moves the leases
	// to the new pools, so no address is handed out twice in between.
	policy  sync.RWMutex
	reg     *Registry
	limiter *eap.Limiter
	dev     *datapath.Device
	meter   *meter
	link    *link.Link
	ep      *ike.Endpoint
	router  router.Router
	tunName string
	self    []netip.Addr
	loadRep *LoadReporter // nil without [redirect] load_key_file

	mu      sync.Mutex
	pending map[*ike.SA]*live // CP answered, Child SA not up yet
	bySA    map[*ike.SA]*live
	peers   map[*ike.SA]ike.Identity // from EventUp, for sessions without CP
	closed  bool
}

// New starts a server for cfg: it binds the sockets, creates the TUN and
// begins answering IKE. Close undoes everything.
func New(cfg *Config, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: log, reg: NewRegistry(cfg.Limits, nil), limiter: eap.NewLimiter(eap.LimiterConfig{}),
		pending: map[*ike.SA]*live{}, bySA: map[*ike.SA]*live{}, peers: map[*ike.SA]ike.Identity{}}
	s.cfg.Store(cfg)
	cr, err := cfg.LoadCredentials()
	if err != nil {
		return nil, err
	}
	ec, err := s.engineConfig(cfg, cr)
	if err != nil {
		return nil, err
	}
	if err := s.start(cfg, ec, opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// listenAddr is the first configured listen address (0.0.0.0 when none):
// what load reports bind and sessions name as their gateway.
func listenAddr(cfg *Config) netip.Addr {
	if len(cfg.Listen) == 0 {
		return netip.IPv4Unspecified()
	}
	return cfg.Listen[0]
}

// listenAddrs are the addresses the data plane serves, UDP 500 and 4500
// on each: every configured one (the default is 0.0.0.0 and ::). The
// one Device holds a socket pair per address and sends each client's
// ESP, keepalives and IKE from the address the client talks to; the
// Endpoint answers every request from the local address it came to, so
// its one Local only matters for exchanges the server starts.
//
// Go binds "::" IPv6-only, so "0.0.0.0" and "::" sit side by side, and
// each serves every address of its family (on Linux, which reports and
// sets the local address per datagram). A specific address of a family
// whose unspecified address is listed too is left to that socket: it
// could not be bound beside it, and listing it still makes it ours for
// redirects and the load-report name. An unspecified address of a family
// the host lacks (a kernel booted with ipv6.disable=1) is dropped with a
// warning rather than keeping the server down; a specific address that
// cannot be bound is a configuration error. available reports whether a
// family can be bound.
func listenAddrs(cfg *Config, available func(unspecified netip.Addr) bool, log *slog.Logger) []netip.Addr {
	if len(cfg.Listen) == 0 {
		return []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()}
	}
	var wild4, wild6 bool // an unspecified address of the family is served
	for _, a := range cfg.Listen {
		if a.IsUnspecified() && available(a) {
			wild4, wild6 = wild4 || a.Is4(), wild6 || a.Is6()
		}
	}
	addrs := make([]netip.Addr, 0, len(cfg.Listen))
	for _, a := range cfg.Listen {
		switch {
		case a.IsUnspecified() && !available(a):
			log.Warn("not listening on "+a.String()+": the host has no such address family", "addr", a)
		case !a.IsUnspecified() && (a.Is4() && wild4 || a.Is6() && wild6):
			log.Debug("listen address served by the unspecified address of its family", "addr", a)
		case !slices.Contains(addrs, a):
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return cfg.Listen[:1] // let binding report why
	}
	return addrs
}

// familyAvailable reports whether a socket of unspecified address a's
// family can be bound.
func familyAvailable(a netip.Addr) bool {
	network := "udp4"
	if a.Is6() {
		network = "udp6"
	}
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, 0)))
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

func (s *Server) start(cfg *Config, ec *ike.Config, opts Options) error {
	addrs := listenAddrs(cfg, familyAvailable, s.log)
	s.self = cfg.Listen
	ikePort, nattPort := portOr(opts.IKEPort, ike.PortIKE), portOr(opts.NATTPort, ike.PortNATT)
	tdev, err := s.openTUN(cfg, opts)
	if err != nil {
		return err
	}
	var ep atomic.Pointer[ike.Endpoint]
	s.dev, err = datapath.New(datapath.Config{
		TUN:        tdev,
		ListenNATT: netip.AddrPortFrom(addrs[0], nattPort),
		ListenIKE:  netip.AddrPortFrom(addrs[0], ikePort),
		ListenAlso: addrs[1:],
		OnIKE: func(pkt []byte, l, r netip.AddrPort) {
			if e := ep.Load(); e != nil {
				e.HandleDatagram(pkt, l, r)
			}
		},
		Logger: s.log.With("component", "datapath"),
	})
	if err != nil {
		tdev.Close()
		return fmt.Errorf("data plane on %v: %w", addrs, err)
	}
	s.log.Info("listening", "addrs", addrs, "ike_port", ikePort, "natt_port", nattPort)
	s.meter = newMeter(s.dev)
	s.link = link.New(s.meter, esp.Lifetime{}, s.log.With("component", "link"))
	e, err := ike.NewEndpoint(ike.EndpointConfig{Transport: s.dev, Local: addrs[0], IKEPort: ikePort,
		NATTPort: nattPort, Responder: ec, OnEvent: s.onEvent, Logger: s.log})
	if err != nil {
		return err
	}
	s.ep = e
	ep.Store(e)
	if err := s.startLoadReports(cfg); err != nil {
		return err
	}
	if opts.TUN == nil {
		s.warnForwarding(cfg)
	}
	return s.applyRoutes(cfg)
}

func portOr(p, def uint16) uint16 {
	if p == 0 {
		return def
	}
	return p
}

// Config returns the configuration in force.
func (s *Server) Config() *Config { return s.cfg.Load() }

// Registry is the session table (read it; sessions are added and removed
// by the server).
func (s *Server) Registry() *Registry { return s.reg }

// Close deletes every session (a Delete to each peer, best effort, in
// parallel), stops the engine and releases the sockets, TUN and routes.
func (s *Server) Close() error {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already {
		return nil
	}
	if s.ep != nil {
		s.deleteAll()
		s.ep.Close()
	}
	// Routes and addresses first: closing the Device removes the TUN,
	// and with it the interface the router would name.
	var errs []error
	if s.loadRep != nil {
		errs = append(errs, s.loadRep.Close())
	}
	if s.router != nil {
		errs = append(errs, s.router.Close())
	}
	if s.dev != nil {
		errs = append(errs, s.dev.Close())
	}
	return errors.Join(errs...)
}

// deleteAll sends a Delete on every IKE SA and waits a little for the
// answers, so clients learn at once that the server went away.
func (s *Server) deleteAll() {
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	var wg sync.WaitGroup
	for _, sa := range s.ep.SAs() {
		wg.Go(func() { _ = sa.Close(ctx) })
	}
	wg.Wait()
}
