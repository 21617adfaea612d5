package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
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

// The running server: one data plane Device on the listen address (UDP
// 500 and 4500, ESP in UDP), the TUN behind it, an IKE Endpoint as
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
	loadRep *LoadReporter // nil without [redirect] load_secret_file

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

// listenAddr is the address the one Device binds: the first configured.
//
// Why only one: a datapath Device owns and reads its TUN, and the Link
// installs every Child SA into one Device, so a second Device would need
// a TUN of its own (and per-client kernel routes to pick it) or a splitter
// that sends each outbound packet to the Device holding that client's SA;
// the Endpoint, too, has one Transport. The clean fix is a Device with one
// socket pair per listen address that sends each SA's ESP and IKE from the
// socket it arrived on (the Endpoint already passes the local address of
// every datagram to SendIKE). Until the datapath has that, list one
// address, or an unspecified one: on Linux the Device then answers IKE
// from the address each request came to.
func listenAddr(cfg *Config) netip.Addr {
	if len(cfg.Listen) == 0 {
		return netip.IPv4Unspecified()
	}
	return cfg.Listen[0]
}

func (s *Server) start(cfg *Config, ec *ike.Config, opts Options) error {
	addr := listenAddr(cfg)
	if len(cfg.Listen) > 1 {
		s.log.Warn("only the first listen address is served (one data plane Device per server); list a single or unspecified address",
			"addr", addr, "ignored", cfg.Listen[1:])
	}
	s.self = cfg.Listen
	ikePort, nattPort := portOr(opts.IKEPort, ike.PortIKE), portOr(opts.NATTPort, ike.PortNATT)
	tdev, err := s.openTUN(cfg, opts)
	if err != nil {
		return err
	}
	var ep atomic.Pointer[ike.Endpoint]
	s.dev, err = datapath.New(datapath.Config{
		TUN:        tdev,
		ListenNATT: netip.AddrPortFrom(addr, nattPort),
		ListenIKE:  netip.AddrPortFrom(addr, ikePort),
		OnIKE: func(pkt []byte, l, r netip.AddrPort) {
			if e := ep.Load(); e != nil {
				e.HandleDatagram(pkt, l, r)
			}
		},
		Logger: s.log.With("component", "datapath"),
	})
	if err != nil {
		tdev.Close()
		return fmt.Errorf("data plane on %s: %w", addr, err)
	}
	s.meter = newMeter(s.dev)
	s.link = link.New(s.meter, esp.Lifetime{}, s.log.With("component", "link"))
	e, err := ike.NewEndpoint(ike.EndpointConfig{Transport: s.dev, Local: addr, IKEPort: ikePort,
		NATTPort: nattPort, Responder: ec, OnEvent: s.onEvent, Logger: s.log})
	if err != nil {
		return err
	}
	s.ep = e
	ep.Store(e)
	if err := s.startLoadReports(cfg); err != nil {
		return err
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
