package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	Secret   []byte         // shared by the whole cluster
	Listen   netip.AddrPort // where peers' reports arrive
	Peers    []LoadPeer
	Interval time.Duration // 0 = DefaultLoadInterval
	// Own reports our current sessions and capacity (0 = no limit).
	Own    func() (sessions, capacity int)
	Logger *slog.Logger
	Now    func() time.Time // nil = time.Now
}

// LoadReporter sends our load to the peers periodically and keeps the
// latest authenticated report of each peer.
type LoadReporter struct {
	cfg   LoadReporterConfig
	conn  *net.UDPConn
	table *loadTable
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// NewLoadReporter binds cfg.Listen and starts sending and receiving.
func NewLoadReporter(cfg LoadReporterConfig) (*LoadReporter, error) {
	if len(cfg.Secret) == 0 || cfg.Own == nil {
		return nil, fmt.Errorf("%w: load reporter needs a secret and a session counter", ErrConfig)
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
		if err := r.accept(buf[:n]); err != nil {
			r.cfg.Logger.Debug("load report ignored", "from", from, "err", err)
		}
	}
}

func (r *LoadReporter) accept(b []byte) error {
	rep, err := ParseLoadReport(b, r.cfg.Secret)
	if err != nil {
		return err
	}
	return r.table.update(rep, r.cfg.Now())
}

func (r *LoadReporter) send(ctx context.Context) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	seq := uint64(r.cfg.Now().UnixNano()) // survives restarts without going back
	var buf []byte
	for {
		seq++
		sessions, capacity := r.cfg.Own()
		rep := LoadReport{ID: r.cfg.ID, Seq: seq, Time: r.cfg.Now(),
			Sessions: clampU32(sessions), Capacity: clampU32(capacity)}
		var err error
		if buf, err = AppendLoadReport(buf[:0], rep, r.cfg.Secret); err == nil {
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
	return uint32(min(max(n, 0), 1<<32-1))
}

// loadTable keeps each peer's latest accepted report.
type loadTable struct {
	self   string
	maxAge time.Duration
	mu     sync.Mutex
	last   map[string]loadEntry
}

type loadEntry struct {
	rep LoadReport
	at  time.Time // when it arrived
}

func newLoadTable(self string, maxAge time.Duration) *loadTable {
	return &loadTable{self: self, maxAge: maxAge, last: map[string]loadEntry{}}
}

// update accepts rep unless it is our own, replayed (sequence not above
// the last accepted one) or stale (sent more than maxAge ago, or that far
// in the future: clocks of a cluster are expected to agree that well).
// A sender silent for 2*maxAge starts afresh, so a peer that restarts
// with its clock set back is heard again; any report it sent before is
// stale by then, even one stamped maxAge ahead, so no replay gets in.
func (t *loadTable) update(rep LoadReport, now time.Time) error {
	if rep.ID == t.self {
		return fmt.Errorf("%w: our own id %q", ErrLoadReport, rep.ID)
	}
	if age := now.Sub(rep.Time); age > t.maxAge || age < -t.maxAge {
		return fmt.Errorf("%w: %s sent %v ago", ErrLoadReport, rep.ID, age)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev, ok := t.last[rep.ID]; ok && rep.Seq <= prev.rep.Seq && now.Sub(prev.at) <= 2*t.maxAge {
		return fmt.Errorf("%w: %s replayed sequence %d (last %d)", ErrLoadReport, rep.ID, rep.Seq, prev.rep.Seq)
	}
	t.last[rep.ID] = loadEntry{rep: rep, at: now}
	return nil
}

// fresh returns the reports received within maxAge.
func (t *loadTable) fresh(now time.Time) map[string]GatewayLoad {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]GatewayLoad, len(t.last))
	for id, e := range t.last {
		if now.Sub(e.at) <= t.maxAge {
			out[id] = GatewayLoad{Sessions: int(e.rep.Sessions), Capacity: int(e.rep.Capacity)}
		}
	}
	return out
}
