package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"sync"
	"time"
)

// DefaultLoadPort is the UDP port gateways exchange load reports on.
const DefaultLoadPort = 4501

// DefaultLoadInterval is how often a gateway reports its load.
const DefaultLoadInterval = 2 * time.Second

// loadStaleIntervals is how many report intervals a report stays valid:
// a peer silent for longer is unavailable for least-sessions.
const loadStaleIntervals = 3

// LoadPeer is a gateway we report our load to. Host is an address or a
// host name, resolved at each send so a moved peer is followed.
type LoadPeer struct {
	Host string
	Port uint16
}

// LoadReporterConfig configures a LoadReporter.
type LoadReporterConfig struct {
	ID       string         // our name in the peers' gateways lists
	Keys     LoadKeys       // ours signs, the peers' (by id) verify
	Listen   netip.AddrPort // where peers' reports arrive
	Peers    []LoadPeer
	Interval time.Duration // 0 = DefaultLoadInterval
	// Own reports our current sessions and capacity (0 = no limit).
	Own    func() (sessions, capacity int)
	Logger *slog.Logger
	// Now is the clock (nil = time.Now): its wall time at start is our
	// epoch, and it times the peers' reports as they arrive.
	Now func() time.Time
}

// LoadReporter sends our load to the peers periodically and keeps the
// latest authenticated report of each peer.
type LoadReporter struct {
	cfg   LoadReporterConfig
	epoch uint64
	conn  *net.UDPConn
	table *loadTable
	count loadCounters
	warn  onceSet
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// NewLoadReporter binds cfg.Listen and starts sending and receiving.
func NewLoadReporter(cfg LoadReporterConfig) (*LoadReporter, error) {
	if len(cfg.Keys.Private) != ed25519.PrivateKeySize || cfg.Own == nil {
		return nil, fmt.Errorf("%w: load reporter needs an Ed25519 private key and a session counter", ErrConfig)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultLoadInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(cfg.Listen))
	if err != nil {
		return nil, fmt.Errorf("load reports on %s: %w", cfg.Listen, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &LoadReporter{cfg: cfg, conn: conn, stop: cancel,
		epoch: uint64(max(cfg.Now().UnixNano(), 0)),
		table: newLoadTable(cfg.ID, loadStaleIntervals*cfg.Interval)}
	r.wg.Go(r.receive)
	r.wg.Go(func() { r.send(ctx) })
	return r, nil
}

// LocalAddr is the bound address (useful with port 0).
func (r *LoadReporter) LocalAddr() netip.AddrPort {
	return r.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Loads returns the fresh reports by sender id; it is a LoadSource's
// peer half.
func (r *LoadReporter) Loads() map[string]GatewayLoad {
	return r.table.fresh(r.cfg.Now())
}

// Stats counts the reports received so far, accepted and dropped.
func (r *LoadReporter) Stats() LoadStats { return r.count.snapshot() }

// Close stops reporting and releases the socket.
func (r *LoadReporter) Close() error {
	r.stop()
	err := r.conn.Close()
	r.wg.Wait()
	return err
}

func (r *LoadReporter) receive() {
	buf := make([]byte, loadMaxMsgSize+1)
	for {
		n, from, err := r.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		r.accept(buf[:n], from)
	}
}

// accept takes one datagram: verified, ordered, counted.
func (r *LoadReporter) accept(b []byte, from netip.AddrPort) {
	rep, err := ParseLoadReport(b, r.cfg.Keys.Peers)
	if err == nil {
		err = r.table.update(rep, r.cfg.Now())
	}
	var le *LoadReportError
	if !errors.As(err, &le) {
		r.count.accepted.Add(1)
		r.warn.rearm(loadWarnKey{LoadEpochBack, rep.ID})
		return
	}
	r.count.reject(le.Reason)
	r.explain(le, from)
}

// explain logs a dropped report: the ones an admin must fix once, at
// warning level with the fix; the rest (forgeries, replays, noise) at
// debug level, since anyone can send them.
func (r *LoadReporter) explain(le *LoadReportError, from netip.AddrPort) {
	log := r.cfg.Logger
	switch le.Reason {
	case LoadOldVersion:
		if r.warn.first(loadWarnKey{reason: le.Reason}) {
			log.Warn("load report of version 1 (cluster shared secret) ignored", "from", from,
				"fix", "upgrade that gateway: reports are now signed with each gateway's own key (flexvpn server load-key)")
		}
	case LoadUnknownSender:
		if r.warn.first(loadWarnKey{reason: le.Reason}) {
			log.Warn("load report from an id without a configured key ignored", "id", le.ID, "from", from,
				"fix", "if that is a peer gateway, add its public key to [redirect] load_peers (flexvpn server load-key --pub on it prints it), and check its load_id")
		}
	case LoadEpochBack:
		if r.warn.first(loadWarnKey{le.Reason, le.ID}) {
			log.Warn("load peer restarted with its clock behind its previous start (or its old reports are replayed); its reports are ignored until this gateway restarts",
				"peer", le.ID, "from", from, "fix", "set the clock of "+le.ID+" right (run NTP), then restart this gateway")
		}
	}
	log.Debug("load report ignored", "from", from, "reason", le.Reason, "err", le)
}

func (r *LoadReporter) send(ctx context.Context) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	var buf []byte
	for seq := uint64(1); ; seq++ {
		sessions, capacity := r.cfg.Own()
		rep := LoadReport{ID: r.cfg.ID, Epoch: r.epoch, Seq: seq,
			Sessions: clampU32(sessions), Capacity: clampU32(capacity)}
		var err error
		if buf, err = AppendLoadReport(buf[:0], rep, r.cfg.Keys.Private); err == nil {
			r.sendAll(ctx, buf)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *LoadReporter) sendAll(ctx context.Context, msg []byte) {
	for _, p := range r.cfg.Peers {
		addrs, err := lookupHost(ctx, p.Host)
		if err != nil {
			r.cfg.Logger.Debug("load peer unresolved", "peer", p.Host, "err", err)
			continue
		}
		for _, a := range addrs {
			if _, err := r.conn.WriteToUDPAddrPort(msg, netip.AddrPortFrom(a, p.Port)); err != nil {
				r.cfg.Logger.Debug("load report not sent", "peer", p.Host, "err", err)
			}
		}
	}
}

func lookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

func clampU32(n int) uint32 {
	// int64: on 32-bit routers (mips, arm) int cannot hold MaxUint32.
	return uint32(min(max(int64(n), 0), math.MaxUint32))
}

// loadWarnKey names a warning given once: per reason, and per peer for
// the reasons only an authenticated peer can cause (so the set stays as
// small as the configured peers).
type loadWarnKey struct {
	reason LoadRejectReason
	id     string
}

// onceSet remembers which warnings were given.
type onceSet struct {
	mu   sync.Mutex
	seen map[loadWarnKey]bool
}

// first reports whether k is new, and marks it.
func (o *onceSet) first(k loadWarnKey) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen[k] {
		return false
	}
	if o.seen == nil {
		o.seen = map[loadWarnKey]bool{}
	}
	o.seen[k] = true
	return true
}

// rearm lets k warn again: the peer it concerned is heard normally.
func (o *onceSet) rearm(k loadWarnKey) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.seen, k)
}
