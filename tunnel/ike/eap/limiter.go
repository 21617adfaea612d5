package eap

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Limiter slows down password guessing. It counts authentication failures
// per EAP identity and per source address; once a counter reaches its
// threshold, further attempts for that identity or from that source are
// refused for BaseDelay, doubling with each further failure up to
// MaxDelay. A counter is forgotten after Window without failures.
//
// The server calls Allow before starting EAP for a peer, then Failed or
// Succeeded with the outcome. Limiter is pure bookkeeping with an injected
// clock and safe for concurrent use.
type Limiter struct {
	cfg     LimiterConfig
	mu      sync.Mutex
	entries map[string]*limitEntry
}

// LimiterConfig tunes a Limiter; zero fields take the defaults shown.
type LimiterConfig struct {
	IdentityThreshold int           // failures per identity before backoff: 5
	SourceThreshold   int           // failures per source before backoff: 20 (offices share a NAT address)
	Window            time.Duration // quiet time after which failures are forgotten: 15 min
	BaseDelay         time.Duration // first refusal: 1 s
	MaxDelay          time.Duration // longest refusal: 5 min
	MaxEntries        int           // bound on tracked identities and sources: 65536
	Now               func() time.Time
}

// limitEntry is one counter. Failures older than Window before the latest
// one do not count; lockedUntil is when attempts are allowed again.
type limitEntry struct {
	failures    int
	last        time.Time
	lockedUntil time.Time
}

// LockedOutError is Allow's refusal; it wraps ErrTooManyAttempts.
type LockedOutError struct {
	RetryAfter time.Duration
	By         string // "identity" or "source"
}

func (e *LockedOutError) Error() string {
	return fmt.Sprintf("%v (%s locked for another %v)", ErrTooManyAttempts, e.By, e.RetryAfter.Round(time.Second))
}

func (e *LockedOutError) Unwrap() error { return ErrTooManyAttempts }

// NewLimiter returns a Limiter with cfg's zero fields set to the defaults.
func NewLimiter(cfg LimiterConfig) *Limiter {
	setDefault(&cfg.IdentityThreshold, 5)
	setDefault(&cfg.SourceThreshold, 20)
	setDefault(&cfg.Window, 15*time.Minute)
	setDefault(&cfg.BaseDelay, time.Second)
	setDefault(&cfg.MaxDelay, 5*time.Minute)
	setDefault(&cfg.MaxEntries, 1<<16)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{cfg: cfg, entries: make(map[string]*limitEntry)}
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// limitKey is one counter's key with the threshold that applies to it.
type limitKey struct {
	key       string
	by        string
	threshold int
}

// keys returns the counters an attempt touches. Identities are compared
// case-insensitively so "Alice" and "alice" share a counter; IPv6 sources
// are grouped by /64, which one attacker usually holds whole.
func (l *Limiter) keys(identity string, src netip.Addr) []limitKey {
	out := make([]limitKey, 0, 2)
	if identity != "" {
		out = append(out, limitKey{"id:" + strings.ToLower(identity), "identity", l.cfg.IdentityThreshold})
	}
	if src.IsValid() {
		src = src.Unmap()
		p := netip.PrefixFrom(src, src.BitLen())
		if src.Is6() {
			p, _ = src.Prefix(64)
		}
		out = append(out, limitKey{"src:" + p.String(), "source", l.cfg.SourceThreshold})
	}
	return out
}

// Allow returns nil when an attempt for identity from src may proceed, else
// a *LockedOutError saying how long to wait.
func (l *Limiter) Allow(identity string, src netip.Addr) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	var worst *LockedOutError
	for _, k := range l.keys(identity, src) {
		e := l.entries[k.key]
		if e == nil || !now.Before(e.lockedUntil) {
			continue
		}
		if wait := e.lockedUntil.Sub(now); worst == nil || wait > worst.RetryAfter {
			worst = &LockedOutError{RetryAfter: wait, By: k.by}
		}
	}
	if worst != nil {
		return worst
	}
	return nil
}

// Failed records a failed attempt.
func (l *Limiter) Failed(identity string, src netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	for _, k := range l.keys(identity, src) {
		e := l.entry(k.key, now)
		if now.Sub(e.last) > l.cfg.Window {
			e.failures = 0
		}
		e.failures++
		e.last = now
		if e.failures >= k.threshold {
			e.lockedUntil = now.Add(l.delay(e.failures - k.threshold))
		}
	}
}

// Succeeded clears the identity's counter. The source's counter stays: an
// attacker holding one valid account must not be able to reset the
// counter of the address it guesses other accounts from.
func (l *Limiter) Succeeded(identity string, src netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range l.keys(identity, netip.Addr{}) {
		delete(l.entries, k.key)
	}
}

// delay is BaseDelay doubled n times, capped at MaxDelay.
func (l *Limiter) delay(n int) time.Duration {
	d := l.cfg.BaseDelay
	for range n {
		if d >= l.cfg.MaxDelay/2 {
			return l.cfg.MaxDelay
		}
		d *= 2
	}
	return min(d, l.cfg.MaxDelay)
}

// entry returns the counter for key, making room when the table is full.
func (l *Limiter) entry(key string, now time.Time) *limitEntry {
	if e := l.entries[key]; e != nil {
		return e
	}
	if len(l.entries) >= l.cfg.MaxEntries {
		l.prune(now)
	}
	e := &limitEntry{}
	l.entries[key] = e
	return e
}

// prune drops forgotten counters; if none are, it evicts the one with the
// oldest failure so the table stays bounded under a flood of sources.
func (l *Limiter) prune(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, e := range l.entries {
		if now.Sub(e.last) > l.cfg.Window && !now.Before(e.lockedUntil) {
			delete(l.entries, k)
			continue
		}
		if oldestKey == "" || e.last.Before(oldest) {
			oldestKey, oldest = k, e.last
		}
	}
	if len(l.entries) >= l.cfg.MaxEntries {
		delete(l.entries, oldestKey)
	}
}

// Len returns the number of tracked counters (for metrics and tests).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}
