package server

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// Admin operations of a running Server; the admin socket (admin.go)
// exposes them, and tests call them directly.

// Sessions lists the sessions with their current byte counts.
func (s *Server) Sessions() []SessionSnapshot {
	list := s.reg.List()
	for i := range list {
		in, out := s.meter.bytes(list[i].IP4, list[i].IP6)
		list[i].BytesIn += in
		list[i].BytesOut += out
	}
	return list
}

// Disconnect deletes the sessions query names (an ID, an inner address or
// an identity) with an INFORMATIONAL Delete, waiting for each peer's
// answer up to a few seconds. It returns the IDs it ended.
func (s *Server) Disconnect(ctx context.Context, query string) ([]SessionID, error) {
	targets, err := s.resolve(query)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, closeWait)
	defer cancel()
	var ids []SessionID
	var errs []error
	for _, l := range targets {
		if err := l.sa.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("session %d: %w", l.id, err))
		}
		s.end(l) // the SA is gone or given up on either way
		ids = append(ids, l.id)
	}
	return ids, errors.Join(errs...)
}

// Redirect asks the clients of the sessions query names to move to gw
// (RFC 5685 in INFORMATIONAL); each client then connects there and
// deletes its session here itself.
func (s *Server) Redirect(query, gw string) ([]SessionID, error) {
	to, err := ParseGatewayID(gw)
	if err != nil {
		return nil, err
	}
	if s.isSelf(to) {
		return nil, fmt.Errorf("%w: %s is this gateway", ErrNoRedirectTarget, gw)
	}
	targets, err := s.resolve(query)
	if err != nil {
		return nil, err
	}
	var ids []SessionID
	var errs []error
	for _, l := range targets {
		if err := l.sa.Redirect(to); err != nil {
			errs = append(errs, fmt.Errorf("session %d: %w", l.id, err))
			continue
		}
		ids = append(ids, l.id)
	}
	return ids, errors.Join(errs...)
}

// ParseGatewayID reads a redirect target: an address or a host name.
func ParseGatewayID(s string) (wire.GatewayID, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return wire.GatewayID{Addr: a.Unmap()}, nil
	}
	if s == "" || len(s) > 253 || strings.ContainsAny(s, " /:@") {
		return wire.GatewayID{}, fmt.Errorf("%w: %q is neither an address nor a host name", ErrNoRedirectTarget, s)
	}
	return wire.GatewayID{FQDN: s}, nil
}

func (s *Server) isSelf(g wire.GatewayID) bool {
	for _, a := range s.self {
		if g.Addr.IsValid() && a == g.Addr {
			return true
		}
	}
	return false
}

// resolve maps an admin query to established sessions. A session is
// registered during IKE_AUTH, a moment before its Child SA is up and
// ties it to its IKE SA, so an unbound match is given bindWait.
func (s *Server) resolve(query string) ([]*live, error) {
	deadline := time.Now().Add(bindWait)
	for {
		ids, err := s.reg.Find(query)
		if err != nil {
			return nil, err
		}
		out, unbound := s.bound(ids)
		if unbound == 0 || time.Now().After(deadline) {
			if len(out) == 0 {
				return nil, fmt.Errorf("%w: %q", ErrNotEstablished, query)
			}
			return out, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// bindWait bounds how long an admin command waits for a session that is
// still completing IKE_AUTH.
const bindWait = 2 * time.Second

func (s *Server) bound(ids []SessionID) (out []*live, unbound int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if l := s.liveByIDLocked(id); l != nil {
			out = append(out, l)
		} else {
			unbound++
		}
	}
	return out, unbound
}

func (s *Server) liveByIDLocked(id SessionID) *live {
	for _, l := range s.bySA {
		if l.id == id {
			return l
		}
	}
	return nil
}

// ReloadResult says what a reload changed.
type ReloadResult struct {
	// Disconnected are sessions whose addresses the new pools no longer
	// offer.
	Disconnected []SessionID `json:"disconnected,omitempty"`
	// NeedRestart names settings that changed but only take effect when
	// the server restarts (they are fixed in the running engine).
	NeedRestart []string `json:"need_restart,omitempty"`
}

// Reload switches to next without dropping sessions: the pools adopt the
// current leases, and authorization, users, caps and redirect policy
// apply to new sessions at once. Sessions whose address the new pools no
// longer offer are disconnected.
func (s *Server) Reload(ctx context.Context, next *Config) (ReloadResult, error) {
	if _, err := next.LoadCredentials(); err != nil {
		return ReloadResult{}, err
	}
	s.policy.Lock()
	prev := s.cfg.Load()
	res := ReloadResult{NeedRestart: restartOnly(prev, next)}
	orphans := next.Pools.Adopt(prev.Pools)
	s.cfg.Store(next)
	s.reg.SetLimits(next.Limits)
	s.policy.Unlock()
	for _, a := range orphans {
		ids, err := s.Disconnect(ctx, a.String())
		if err != nil && !errors.Is(err, ErrNoMatchingSession) {
			s.log.Warn("reload: cannot disconnect orphaned session", "addr", a, "err", err)
		}
		res.Disconnected = append(res.Disconnected, ids...)
	}
	if err := s.applyRoutes(next); err != nil {
		return res, err
	}
	s.log.Info("configuration reloaded", "disconnected", res.Disconnected, "need_restart", res.NeedRestart)
	return res, nil
}

// restartOnly lists the settings the running engine keeps.
func restartOnly(a, b *Config) []string {
	var out []string
	check := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			out = append(out, name)
		}
	}
	check("server.listen", a.Listen, b.Listen)
	check("server.identity", a.LocalID, b.LocalID)
	check("server.interface", a.Interface, b.Interface)
	check("server.admin_socket", a.AdminSocket, b.AdminSocket)
	check("server.dpd_interval", a.DPDInterval, b.DPDInterval)
	check("certificate", []any{a.CertFile, a.KeyFile, a.CAFiles}, []any{b.CertFile, b.KeyFile, b.CAFiles})
	check("proposals", []any{a.IKEProposals, a.ESPProposals, a.AllowLegacy}, []any{b.IKEProposals, b.ESPProposals, b.AllowLegacy})
	check("limits.half_open", a.HalfOpenThreshold, b.HalfOpenThreshold)
	check("redirect load reports", []any{a.LoadKeys, a.LoadPort, a.LoadID, a.LoadInterval},
		[]any{b.LoadKeys, b.LoadPort, b.LoadID, b.LoadInterval})
	if a.LoadKeys != nil {
		check("redirect.gateways (load report peers)", a.RedirectTargets, b.RedirectTargets)
	}
	check("split networks (our traffic selectors)", a.Authorizer.reachable(), b.Authorizer.reachable())
	check("EAP users present", a.Authorizer.hasEAPUsers(), b.Authorizer.hasEAPUsers())
	// Keys are looked up per peer in the current config, but whether the
	// engine has a key hook at all is fixed when it starts.
	check("keyring present", a.Keyring.size() > 0, b.Keyring.size() > 0)
	return out
}
