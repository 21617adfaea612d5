package esp

import (
	"fmt"
	"sync/atomic"
)

// minSPI is the lowest SPI not reserved (RFC 4303 2.1: 0 is local use,
// 1-255 are reserved by IANA). PeekSPI relies on 0 never being an SPI: it
// is the non-ESP marker on UDP 4500 (RFC 3948 2.2).
const minSPI = 256

// sa holds what both directions share: transform, counters, lifetime.
type sa struct {
	spi    uint32
	tr     transform
	hdr    int // ESP header + IV
	esn    bool
	life   *lifetime
	ctr    counters
	closed atomic.Bool
}

// init sets up s in place (it holds atomics, so it is never copied).
func (s *sa) init(cfg *Config, outbound bool) error {
	if cfg.SPI < minSPI {
		return fmt.Errorf("%w: reserved SPI %#x", ErrConfig, cfg.SPI)
	}
	if err := cfg.Lifetime.validate(); err != nil {
		return err
	}
	tr, err := newTransform(cfg, outbound)
	if err != nil {
		return err
	}
	s.spi, s.tr, s.hdr, s.esn = cfg.SPI, tr, espHeaderLen+tr.ivLen(), cfg.ESN
	s.life = newLifetime(cfg, outbound)
	return nil
}

// refusal returns the error for a closed or hard-expired SA, or nil.
func (s *sa) refusal() error {
	if s.closed.Load() {
		return ErrClosed
	}
	if s.life.expired() {
		return s.ctr.drop(dropHardLifetime)
	}
	return nil
}

// SPI returns the SA's SPI.
func (s *sa) SPI() uint32 { return s.spi }

// Stats returns a snapshot of the SA's counters.
func (s *sa) Stats() Stats { return s.ctr.snapshot() }

// Transform names the cipher suite as a strongSwan proposal keyword, such
// as "aes128gcm16" or "aes256-sha256", with "-esn" appended under ESN.
func (s *sa) Transform() string {
	if s.esn {
		return s.tr.name() + "-esn"
	}
	return s.tr.name()
}

// Expired reports whether a hard lifetime was reached.
func (s *sa) Expired() bool { return s.life.expired() }

// Close retires the SA: its timers stop and later Seal or Open calls fail
// with ErrClosed. It does not wait for calls already in progress.
func (s *sa) Close() {
	s.closed.Store(true)
	s.life.stop()
}

// padLen is the number of pad bytes that align n inner bytes plus the
// two-byte trailer to a multiple of align (RFC 4303 2.4).
func padLen(n, align int) int {
	return (align - (n+trailerLen)%align) % align
}
