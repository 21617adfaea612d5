package server

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SessionID identifies a session in the registry and the admin API.
type SessionID uint64

// SessionInfo is what the glue knows about a session when it registers it.
type SessionInfo struct {
	Identity string         // the authorized identity (Identity.String() or the EAP name)
	Peer     netip.AddrPort // the client's outer address
	Gateway  string         // which of our gateway addresses/peers it connected to
	IP4, IP6 netip.Addr     // assigned inner addresses, if any
}

// Session is one registered session. Byte counters are updated on the
// packet path with atomics; everything else is guarded by the registry.
type Session struct {
	ID    SessionID
	Since time.Time
	info  SessionInfo
	in    atomic.Uint64
	out   atomic.Uint64
}

// AddBytes counts traffic; it is safe to call from the data path
// concurrently and does not allocate.
func (s *Session) AddBytes(in, out uint64) {
	if in != 0 {
		s.in.Add(in)
	}
	if out != 0 {
		s.out.Add(out)
	}
}

// SessionSnapshot is a point-in-time copy for listing (JSON-friendly).
type SessionSnapshot struct {
	ID       SessionID      `json:"id"`
	Identity string         `json:"identity"`
	Peer     netip.AddrPort `json:"peer"`
	Gateway  string         `json:"gateway,omitempty"`
	IP4      netip.Addr     `json:"ip4,omitzero"`
	IP6      netip.Addr     `json:"ip6,omitzero"`
	Since    time.Time      `json:"since"`
	BytesIn  uint64         `json:"bytes_in"`
	BytesOut uint64         `json:"bytes_out"`
}

// Limits caps sessions; 0 means unlimited.
type Limits struct {
	PerIdentity int
	Total       int
}

// Registry is the in-memory session table with lookups by ID, identity
// and inner address. It is safe for concurrent use.
type Registry struct {
	now func() time.Time

	mu         sync.Mutex
	limits     Limits
	next       SessionID
	byID       map[SessionID]*Session
	byIdentity map[string][]*Session
	byAddr     map[netip.Addr]*Session
}

// NewRegistry returns an empty registry. now is injected for tests; nil
// means time.Now.
func NewRegistry(l Limits, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{now: now, limits: l, byID: make(map[SessionID]*Session),
		byIdentity: make(map[string][]*Session), byAddr: make(map[netip.Addr]*Session)}
}

// SetLimits changes the caps (config reload); existing sessions stay.
func (r *Registry) SetLimits(l Limits) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limits = l
}

// Add registers a session, enforcing the caps and address uniqueness.
func (r *Registry) Add(info SessionInfo) (*Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.limits.Total > 0 && len(r.byID) >= r.limits.Total {
		return nil, fmt.Errorf("%w (%d)", ErrSessionLimit, r.limits.Total)
	}
	if n := len(r.byIdentity[info.Identity]); r.limits.PerIdentity > 0 && n >= r.limits.PerIdentity {
		return nil, fmt.Errorf("%w: %s has %d", ErrIdentityLimit, info.Identity, n)
	}
	if err := r.checkAddrs(nil, info.IP4, info.IP6); err != nil {
		return nil, err
	}
	r.next++
	s := &Session{ID: r.next, Since: r.now(), info: info}
	r.byID[s.ID] = s
	r.byIdentity[info.Identity] = append(r.byIdentity[info.Identity], s)
	r.indexAddrs(s)
	return s, nil
}

// SetAddresses records the inner addresses assigned after registration.
func (r *Registry) SetAddresses(id SessionID, ip4, ip6 netip.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.byID[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrNoMatchingSession, id)
	}
	if err := r.checkAddrs(s, ip4, ip6); err != nil {
		return err
	}
	r.unindexAddrs(s)
	s.info.IP4, s.info.IP6 = ip4, ip6
	r.indexAddrs(s)
	return nil
}

func (r *Registry) checkAddrs(self *Session, addrs ...netip.Addr) error {
	for _, a := range addrs {
		if other, taken := r.byAddr[a.Unmap()]; a.IsValid() && taken && other != self {
			return fmt.Errorf("%w: %s by session %d", ErrAddressInUse, a, other.ID)
		}
	}
	return nil
}

func (r *Registry) indexAddrs(s *Session) {
	for _, a := range []netip.Addr{s.info.IP4, s.info.IP6} {
		if a.IsValid() {
			r.byAddr[a.Unmap()] = s
		}
	}
}

func (r *Registry) unindexAddrs(s *Session) {
	for _, a := range []netip.Addr{s.info.IP4, s.info.IP6} {
		if a.IsValid() && r.byAddr[a.Unmap()] == s {
			delete(r.byAddr, a.Unmap())
		}
	}
}

// Remove drops a session; it reports whether it was registered.
func (r *Registry) Remove(id SessionID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.byID[id]
	if !ok {
		return false
	}
	delete(r.byID, id)
	r.unindexAddrs(s)
	list := slices.DeleteFunc(r.byIdentity[s.info.Identity], func(x *Session) bool { return x == s })
	if len(list) == 0 {
		delete(r.byIdentity, s.info.Identity)
	} else {
		r.byIdentity[s.info.Identity] = list
	}
	return true
}

// Get looks a session up by ID.
func (r *Registry) Get(id SessionID) (*Session, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.byID[id]
	return s, ok
}

// ByAddress looks a session up by an inner address.
func (r *Registry) ByAddress(a netip.Addr) (*Session, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.byAddr[a.Unmap()]
	return s, ok
}

// ByIdentity returns the sessions of an identity, oldest first.
func (r *Registry) ByIdentity(identity string) []*Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.byIdentity[identity])
}

// Count returns the number of sessions.
func (r *Registry) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID)
}

// Find resolves an admin argument (`flexvpn server disconnect
// ID|identity|address`): a session ID, an inner address, or an identity,
// either in full ("email:alice@example.com") or without its type prefix
// ("alice@example.com"). No match is ErrNoMatchingSession, whose message
// is what the admin sees.
func (r *Registry) Find(query string) ([]SessionID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, err := strconv.ParseUint(query, 10, 64); err == nil {
		if _, ok := r.byID[SessionID(id)]; ok {
			return []SessionID{SessionID(id)}, nil
		}
	}
	if a, err := netip.ParseAddr(query); err == nil {
		if s, ok := r.byAddr[a.Unmap()]; ok {
			return []SessionID{s.ID}, nil
		}
	}
	var ids []SessionID
	for identity, list := range r.byIdentity {
		if identity == query || identityValueOf(identity) == query {
			for _, s := range list {
				ids = append(ids, s.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoMatchingSession, query)
	}
	slices.Sort(ids)
	return ids, nil
}

func identityValueOf(identity string) string {
	if _, v, ok := strings.Cut(identity, ":"); ok {
		return v
	}
	return identity
}

// snapshot copies one session; the caller holds r.mu.
func (s *Session) snapshot() SessionSnapshot {
	return SessionSnapshot{ID: s.ID, Identity: s.info.Identity, Peer: s.info.Peer, Gateway: s.info.Gateway,
		IP4: s.info.IP4, IP6: s.info.IP6, Since: s.Since, BytesIn: s.in.Load(), BytesOut: s.out.Load()}
}

// Snapshot returns a copy of one session.
func (r *Registry) Snapshot(id SessionID) (SessionSnapshot, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.byID[id]
	if !ok {
		return SessionSnapshot{}, false
	}
	return s.snapshot(), true
}

// List returns snapshots of all sessions ordered by ID.
func (r *Registry) List() []SessionSnapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]SessionSnapshot, 0, len(r.byID))
	for _, s := range r.byID {
		out = append(out, s.snapshot())
	}
	slices.SortFunc(out, func(a, b SessionSnapshot) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
