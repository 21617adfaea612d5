package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"flexvpn/tunnel/datapath"
	"flexvpn/tunnel/esp"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
	"flexvpn/tunnel/link"
)

// TunnelDialer is the production Dialer: one attempt creates a TUN device,
// a data plane on fresh UDP sockets, an IKE endpoint sharing them, and
// initiates the IKE SA; the session owns all of it until Close.
type TunnelDialer struct {
	// IKE is the initiator configuration (see IKEConfig).
	IKE ike.Config
	// NewTUN creates the tunnel interface for one attempt.
	NewTUN func() (tun.Device, error)
	// IKEPort is the gateway's IKE port (default 500).
	IKEPort uint16
	// Lifetime bounds each ESP SA; the engine rekeys at the soft limit.
	Lifetime esp.Lifetime
	Logger   *slog.Logger

	// Tests replace the system lookups.
	lookup  ifaceLookup
	hasAddr addrLookup
}

// Dial implements Dialer.
func (d *TunnelDialer) Dial(ctx context.Context, t Target) (Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // no handshake for an attempt already called off
	}
	local, err := sourceAddr(t.Addr)
	if err != nil {
		return nil, fmt.Errorf("no route to gateway %s: %w", t.Addr, err)
	}
	dev, err := d.newTUN()
	if err != nil {
		return nil, err
	}
	s := newTunnelSession(d.logger())
	var ep atomic.Pointer[ike.Endpoint]
	dp, err := datapath.New(datapath.Config{
		TUN:        dev,
		ListenNATT: netip.AddrPortFrom(local, 0),
		ListenIKE:  netip.AddrPortFrom(local, 0),
		OnIKE: func(pkt []byte, l, r netip.AddrPort) {
			if e := ep.Load(); e != nil {
				e.HandleDatagram(pkt, l, r)
			}
		},
		Logger: s.log,
	})
	if err != nil {
		dev.Close()
		return nil, err
	}
	s.dp = dp
	go s.watchDataPlane()
	s.watch = d.systemWatch(dev, local)
	go s.watchSystem(s.watch, watchEvery)
	s.link = link.New(dp, d.Lifetime, s.log)
	e, err := ike.NewEndpoint(ike.EndpointConfig{
		Transport: dp, Local: local,
		IKEPort: dp.IKELocalAddr().Port(), NATTPort: dp.LocalAddr().Port(),
		OnEvent: s.onEvent, Logger: s.log,
	})
	if err != nil {
		s.closing.Store(true) // not a failure of the data plane
		dp.Close()
		return nil, err
	}
	ep.Store(e)
	s.ep = e
	cfg := d.ikeConfig(t)
	s.wantDN, cfg.RemoteID = splitDN(cfg.RemoteID)
	if err := s.start(ctx, cfg, netip.AddrPortFrom(t.Addr, d.port(t))); err != nil {
		return nil, err
	}
	return s, nil
}

// systemWatch says what a session on dev, bound to local, watches. The
// interface is a kernel device's (one with a file), or any device's when
// a test supplies the lookup.
func (d *TunnelDialer) systemWatch(dev tun.Device, local netip.Addr) *systemWatch {
	w := &systemWatch{lookup: d.lookup, local: local, hasAddr: d.hasAddr}
	if w.lookup == nil {
		w.lookup = lookupInterface
	}
	if w.hasAddr == nil {
		w.hasAddr = hostHasAddr
	}
	if dev.File() != nil || d.lookup != nil {
		w.iface, _ = dev.Name()
	}
	return w
}

func (d *TunnelDialer) newTUN() (tun.Device, error) {
	if d.NewTUN == nil {
		return nil, errors.New("client: TunnelDialer.NewTUN is not set")
	}
	return d.NewTUN()
}

// ikeConfig completes the profile's IKE config for one target: expected
// gateway identity defaults to the host we dial, and a redirected attempt
// carries REDIRECTED_FROM.
func (d *TunnelDialer) ikeConfig(t Target) ike.Config {
	cfg := d.IKE
	if cfg.RemoteID.IsZero() && len(cfg.CAs) > 0 {
		cfg.RemoteID = HostIdentity(t.Host)
	}
	if t.RedirectedFrom.IsValid() {
		cfg.RedirectedFrom = &wire.GatewayID{Addr: t.RedirectedFrom}
	}
	if t.NATTPort != 0 {
		cfg.RemoteNATTPort = t.NATTPort
	}
	cfg.RequestConfig = true
	cfg.ForceEncap = true
	return cfg
}

// port is the gateway's IKE port: the target's, else the dialer's, else
// 500. The engine starts on NAT-T at once when it equals the NAT-T port.
func (d *TunnelDialer) port(t Target) uint16 {
	switch {
	case t.Port != 0:
		return t.Port
	case d.IKEPort != 0:
		return d.IKEPort
	}
	return ike.PortIKE
}

func (d *TunnelDialer) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// splitDN takes an expected DN out of the engine's hands (see
// checkPeerDN); other identities stay with the engine.
func splitDN(id ike.Identity) (dn []byte, engine ike.Identity) {
	if id.Type == wire.IDDERDN {
		return id.Data, ike.Identity{}
	}
	return nil, id
}

// HostIdentity is the identity a gateway reached as host must prove: its
// address or its name.
func HostIdentity(host string) ike.Identity {
	if a, err := netip.ParseAddr(host); err == nil {
		return ike.IPIdentity(a)
	}
	return ike.FQDNIdentity(host)
}

// sourceAddr is the local address the kernel would use towards dst.
func sourceAddr(dst netip.Addr) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 500)))
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// tunnelSession is one established tunnel.
type tunnelSession struct {
	log  *slog.Logger
	ep   *ike.Endpoint
	dp   *datapath.Device
	link *link.Link
	sa   *ike.SA

	ended     chan struct{} // closed when the session is over (endErr says why)
	childUp   chan struct{} // closed at the first Child SA
	moved     chan struct{} // closed when the gateway redirects us
	dpDead    chan struct{} // closed when the data plane stopped on its own
	closing   atomic.Bool   // set before we stop the data plane ourselves
	mu        sync.Mutex
	reply     Reply
	selectors []netip.Prefix // the first Child SA's remote TS
	redirect  string
	endErr    error
	wantDN    []byte // the gateway's expected DN, checked once the SA is up
	watch     *systemWatch
	closeOnce sync.Once
	kex       string // see KeyExchange
}

func newTunnelSession(log *slog.Logger) *tunnelSession {
	return &tunnelSession{log: log, ended: make(chan struct{}), childUp: make(chan struct{}),
		moved: make(chan struct{}), dpDead: make(chan struct{})}
}

// watchDataPlane ends the session when the data plane closes itself (its
// TUN device failed). The IKE SA does not notice, or only at its next
// DPD timeout if DPD is on: without this watch the tunnel would look up
// while carrying nothing.
func (s *tunnelSession) watchDataPlane() {
	<-s.dp.Done()
	if s.closing.Load() {
		return
	}
	s.log.Error("the data plane stopped: its TUN device failed; ending the session")
	close(s.dpDead)
	s.finish(ErrDataPlaneStopped)
}

// finish ends the session with err unless it has already ended.
func (s *tunnelSession) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishLocked(err)
}

func (s *tunnelSession) finishLocked(err error) {
	select {
	case <-s.ended:
	default:
		s.endErr = err
		close(s.ended)
	}
}

func (s *tunnelSession) start(ctx context.Context, cfg ike.Config, remote netip.AddrPort) error {
	// The SA lives until Close, not until the dial context ends.
	sa, err := s.ep.Initiate(context.WithoutCancel(ctx), cfg, remote)
	if err != nil {
		s.teardown()
		return err
	}
	s.sa = sa
	if err := s.waitUp(ctx); err != nil {
		s.teardown()
		return s.dialError(err)
	}
	if s.wantDN != nil {
		if err := checkPeerDN(s.wantDN, sa.Peer()); err != nil {
			s.closeAfterRefusal(ctx)
			return err
		}
	}
	// The engine reports the IKE SA up just before it installs the
	// Child SA; the routes depend on the Child SA's selectors.
	if err := s.waitChild(ctx); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), childWait)
		defer cancel()
		_ = s.Close(cctx)
		return err
	}
	return nil
}

// closeAfterRefusal deletes an SA we refused after it came up.
func (s *tunnelSession) closeAfterRefusal(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), childWait)
	defer cancel()
	_ = s.Close(cctx)
}

// waitUp waits for the IKE SA, giving up when the data plane dies: the
// handshake cannot finish without its sockets.
func (s *tunnelSession) waitUp(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-s.dpDead:
			cancel(ErrDataPlaneStopped)
		case <-ctx.Done():
		}
	}()
	err := s.sa.WaitUp(ctx)
	if cause := context.Cause(ctx); err != nil && errors.Is(cause, ErrDataPlaneStopped) {
		return cause
	}
	return err
}

// childWait bounds the gap between IKE SA up and Child SA up, which the
// engine reports back to back.
const childWait = 5 * time.Second

func (s *tunnelSession) waitChild(ctx context.Context) error {
	t := time.NewTimer(childWait)
	defer t.Stop()
	select {
	case <-s.childUp:
		return nil
	case <-s.ended:
		s.mu.Lock()
		defer s.mu.Unlock()
		if errors.Is(s.endErr, ErrDataPlaneStopped) {
			return s.endErr
		}
		return fmt.Errorf("the IKE SA ended before its Child SA was installed: %w", s.endErr)
	case <-t.C:
		return errors.New("the gateway set up no Child SA: check its traffic selectors")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dialError turns an engine redirect into the Conn's RedirectError.
func (s *tunnelSession) dialError(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(err, ike.ErrRedirected) && s.redirect != "" {
		return &RedirectError{Target: s.redirect}
	}
	return err
}

// onEvent runs on the SA's goroutine: keep it short.
func (s *tunnelSession) onEvent(ev ike.Event) {
	s.link.HandleEvent(ev)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ev.Kind {
	case ike.EventIKERekeyed:
		s.noteKeysLocked(ev)
	case ike.EventUp:
		s.noteKeysLocked(ev)
		if ev.Config != nil {
			s.reply = ReplyFromConfig(ev.Config)
		}
	case ike.EventChildUp:
		select {
		case <-s.childUp:
		default:
			s.selectors = link.SelectorPrefixes(ev.Child.RemoteTS)
			close(s.childUp)
		}
	case ike.EventRedirect:
		s.redirect = ev.Redirect.String()
		select {
		case <-s.moved:
		default:
			close(s.moved)
		}
	case ike.EventClosed:
		s.finishLocked(ev.Err)
	}
}

// Applied implements Applied: the interface is up from now on.
func (s *tunnelSession) Applied() { s.watch.applied.Store(true) }

func (s *tunnelSession) Reply() Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reply
	r.Selectors = s.selectors
	return r
}

// Wait returns as soon as the gateway redirects us, without waiting for
// the old SA to go: the caller closes it (Delete) and follows the target.
func (s *tunnelSession) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.ended:
	case <-s.moved:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.redirect != "" {
		return &RedirectError{Target: s.redirect}
	}
	if s.endErr == nil {
		return errors.New("the gateway closed the tunnel")
	}
	return s.endErr
}

func (s *tunnelSession) Close(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		if s.sa != nil && !s.dataPlaneDead() {
			err = s.sa.Close(ctx) // Delete, answered or given up
		}
		s.teardown()
	})
	return err
}

// dataPlaneDead reports that the data plane stopped on its own: its
// sockets are gone, so a Delete could not leave.
func (s *tunnelSession) dataPlaneDead() bool {
	select {
	case <-s.dpDead:
		return true
	default:
		return false
	}
}

func (s *tunnelSession) teardown() {
	s.closing.Store(true)
	s.ep.Close()
	s.dp.Close()
}

// ReplyFromConfig converts the engine's typed CP reply.
func ReplyFromConfig(c *ike.ConfigReply) Reply {
	r := Reply{
		Addrs: c.Addresses, DNS: c.DNS, NBNS: c.NBNS, LocalLAN: c.LocalLAN,
		DefaultDomain: c.DefaultDomain, Banner: c.Banner,
		BackupServers: c.BackupServers, AppVersion: c.AppVersion,
	}
	r.Subnets = append(append(r.Subnets, c.Subnets...), c.SplitInclude...)
	r.DNSDomains = append(append(r.DNSDomains, c.Domains...), c.SplitDNS...)
	return r
}
