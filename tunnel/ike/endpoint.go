package ike

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"time"
)

// EndpointConfig configures an Endpoint.
type EndpointConfig struct {
	Transport Transport
	// Local is our address; IKEPort and NATTPort our two ports (defaults
	// 500 and 4500). They feed NAT detection and the float to 4500.
	Local             netip.Addr
	IKEPort, NATTPort uint16
	// Responder, when set, makes the Endpoint accept IKE_SA_INIT requests.
	Responder *Config
	// OnEvent receives every SA's events on that SA's goroutine.
	OnEvent func(Event)
	Logger  *slog.Logger
}

// Endpoint demultiplexes the datagrams of one transport to IKE SAs, creates
// responder SAs, answers with COOKIEs under load and with INVALID_IKE_SPI
// (rate-limited) for protected requests to SAs it does not know.
type Endpoint struct {
	cfg     EndpointConfig
	resp    *Config
	log     *slog.Logger
	cookies *cookieJar

	mu        sync.Mutex
	sas       map[uint64]*SA
	halfOpen  map[halfKey]*SA
	childSPIs map[uint32]bool
	closed    bool
	nextNum   int
	spiLimit  rateLimiter
	redirs    []time.Time // recent redirects, for the loop guard
	wg        sync.WaitGroup
	stats     endpointCounters
}

type halfKey struct {
	remote netip.AddrPort
	spii   uint64
}

// NewEndpoint validates cfg and returns an Endpoint. Start feeding it with
// HandleDatagram (UDPTransport.Serve or Pipe.Attach do that).
func NewEndpoint(cfg EndpointConfig) (*Endpoint, error) {
	if cfg.Transport == nil {
		return nil, fmt.Errorf("%w: no transport", ErrInvalidConfig)
	}
	if cfg.IKEPort == 0 {
		cfg.IKEPort = PortIKE
	}
	if cfg.NATTPort == 0 {
		cfg.NATTPort = PortNATT
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Endpoint{cfg: cfg, log: cfg.Logger, cookies: newCookieJar(),
		sas: map[uint64]*SA{}, halfOpen: map[halfKey]*SA{}, spiLimit: rateLimiter{perSec: 10}}
	if cfg.Responder != nil {
		r, err := cfg.Responder.validate(false)
		if err != nil {
			return nil, err
		}
		e.resp = &r
	}
	return e, nil
}

// Initiate starts an IKE SA to remote with cfg and returns at once; use
// (*SA).WaitUp to wait for it. ctx bounds the SA's life: when it is done
// the SA is deleted. remote is the gateway's IKE port, or its NAT-T port
// (cfg.RemoteNATTPort, default 4500) to start on NAT-T right away.
func (e *Endpoint) Initiate(ctx context.Context, cfg Config, remote netip.AddrPort) (*SA, error) {
	c, err := cfg.validate(true)
	if err != nil {
		return nil, err
	}
	local := netip.AddrPortFrom(e.cfg.Local, e.cfg.IKEPort)
	if remote.Port() == c.RemoteNATTPort {
		local = netip.AddrPortFrom(e.cfg.Local, e.cfg.NATTPort)
	}
	sa, err := e.newSA(c, true, local, remote)
	if err != nil {
		return nil, err
	}
	sa.start(ctx, func() { sa.queue(newIKEInitTask()) })
	return sa, nil
}

// Close deletes every SA (best effort, without waiting for answers) and
// stops them. Called from an SA's event handler or hook, it fails with
// ErrReentrant: it would wait for that SA's goroutine.
func (e *Endpoint) Close() error {
	for _, sa := range e.SAs() {
		if sa.onOwnGoroutine() {
			return ErrReentrant
		}
	}
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	for _, sa := range e.SAs() {
		sa.shutdown()
	}
	e.wg.Wait()
	return nil
}

// SAs returns a snapshot of the SAs the Endpoint knows, each once (a
// rekeyed SA is registered under its old and new SPIs).
func (e *Endpoint) SAs() []*SA {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := map[*SA]bool{}
	out := make([]*SA, 0, len(e.sas))
	for _, sa := range e.sas {
		if !seen[sa] {
			seen[sa] = true
			out = append(out, sa)
		}
	}
	return out
}

// newSA allocates a unique local SPI and registers the SA under it.
func (e *Endpoint) newSA(cfg Config, initiator bool, local, remote netip.AddrPort) (*SA, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	e.nextNum++
	sa := newSA(e, cfg, initiator, e.nextNum, local, remote)
	spi := e.uniqueSPILocked()
	if initiator {
		sa.spii = spi
	} else {
		sa.spir = spi
	}
	e.sas[spi] = sa
	e.wg.Add(1)
	return sa, nil
}

func (e *Endpoint) uniqueSPILocked() uint64 {
	for {
		spi := randomSPI()
		if _, dup := e.sas[spi]; !dup && spi != 0 {
			return spi
		}
	}
}

func randomSPI() uint64 { return binary.BigEndian.Uint64(randomBytes(8)) }

// randomBytes returns n bytes from crypto/rand. The operating system's
// generator does not fail on supported platforms; if it does, nothing
// secure can continue.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("ike: no randomness: " + err.Error())
	}
	return b
}

// randomBytes draws from the configured source (tests make it
// deterministic).
func (sa *SA) randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(sa.rand(), b); err != nil {
		panic("ike: no randomness: " + err.Error())
	}
	return b
}

// newLocalSPI reserves a fresh SPI for sa (IKE rekey).
func (e *Endpoint) newLocalSPI(sa *SA) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	spi := e.uniqueSPILocked()
	e.sas[spi] = sa
	return spi
}

// releaseSPI forgets one of sa's SPIs: a rekey that lost, or an IKE SA
// retired long enough ago that the peer no longer uses it.
func (e *Endpoint) releaseSPI(spi uint64, sa *SA) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sas[spi] == sa {
		delete(e.sas, spi)
	}
}

// unregister drops every trace of sa; called from its goroutine when it ends.
func (e *Endpoint) unregister(sa *SA) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for spi, s := range e.sas {
		if s == sa {
			delete(e.sas, spi)
		}
	}
	e.dropHalfOpenLocked(sa)
}

// established removes sa from the half-open set.
func (e *Endpoint) established(sa *SA) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dropHalfOpenLocked(sa)
}

func (e *Endpoint) dropHalfOpenLocked(sa *SA) {
	for k, s := range e.halfOpen {
		if s == sa {
			delete(e.halfOpen, k)
		}
	}
}

func (e *Endpoint) emit(ev Event) {
	if e.cfg.OnEvent != nil {
		e.cfg.OnEvent(ev)
	}
}

// send hands a datagram to the transport.
func (e *Endpoint) send(pkt []byte, local, remote netip.AddrPort) error {
	return e.cfg.Transport.SendIKE(pkt, local, remote)
}

// rateLimiter allows perSec events per second.
type rateLimiter struct {
	perSec int
	second int64
	count  int
}

func (r *rateLimiter) allow(now time.Time) bool {
	if s := now.Unix(); s != r.second {
		r.second, r.count = s, 0
	}
	r.count++
	return r.count <= r.perSec
}

// replaceOlder ends the other responder SAs of sa's peer identity: with
// INITIAL_CONTACT the peer says it has lost them (RFC 7296 2.4), so they
// go without a Delete exchange. It runs on sa's goroutine and must not
// wait for the others'.
func (e *Endpoint) replaceOlder(sa *SA) {
	id := sa.Peer()
	for _, o := range e.SAs() {
		if o != sa && !o.initiator && o.Peer().Equal(id) {
			sa.log.Info("INITIAL_CONTACT replaces an older SA", "old", o.String(), "peer", id)
			go o.abort(ErrReplaced)
		}
	}
}

// redirectWindow is RFC 5685's suggested loop-detection period.
const redirectWindow = 5 * time.Minute

// allowRedirect records a redirect and reports whether fewer than max
// happened within redirectWindow (RFC 5685 10: a client must not follow
// redirects in a loop).
func (e *Endpoint) allowRedirect(max int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	kept := e.redirs[:0]
	for _, t := range e.redirs {
		if now.Sub(t) < redirectWindow {
			kept = append(kept, t)
		}
	}
	e.redirs = append(kept, now)
	return len(e.redirs) <= max
}
