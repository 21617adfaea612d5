package esp

import (
	"fmt"
	"time"
)

// Defaults and bounds for the anti-replay window, in packets.
const (
	DefaultReplayWindow = 4096
	MinReplayWindow     = 1024
	// maxReplayWindow bounds the bitmap (16 KiB) so a config typo cannot
	// allocate gigabytes.
	maxReplayWindow = 1 << 17
)

// Config describes one direction of a Child SA as negotiated by IKE.
type Config struct {
	// SPI is the SPI carried in the ESP header: for an inbound SA the one
	// we chose, for an outbound SA the one the peer chose.
	SPI uint32
	// Encr is an ENCR_* transform ID from tunnel/ike/wire.
	Encr uint16
	// EncrKeyBits is the Key Length attribute (128 or 256 for AES, 256 or
	// 0 for ChaCha20). Zero infers it from len(EncrKey).
	EncrKeyBits uint16
	// Integ is an AUTH_* transform ID; AUTH_NONE (0) for AEAD transforms.
	Integ uint16
	// EncrKey is the encryption key; for AEAD transforms it ends with the
	// 4-byte salt (RFC 4106 8.1, RFC 7634 2).
	EncrKey []byte
	// IntegKey is the HMAC key; empty for AEAD transforms.
	IntegKey []byte
	// ESN enables 64-bit extended sequence numbers (RFC 4303 2.2.1).
	ESN bool
	// ReplayWindow is the inbound anti-replay window in packets: 0 means
	// DefaultReplayWindow, otherwise at least MinReplayWindow.
	ReplayWindow int
	// Lifetime holds the soft and hard limits; zero fields mean no limit.
	Lifetime Lifetime
	// OnLifetime, if set, is called once when a soft limit is reached and
	// once when a hard limit is reached. It runs on the packet path (or a
	// timer goroutine), so it must not block: hand the event to a channel.
	OnLifetime func(LifetimeEvent)
}

// Lifetime holds SA limits. A zero field means "no limit". Bytes count
// inner (plaintext) packet bytes, as RFC 4301 4.4.2.1 suggests.
type Lifetime struct {
	SoftBytes, HardBytes     uint64
	SoftPackets, HardPackets uint64
	SoftTime, HardTime       time.Duration
}

// LimitKind says which limit produced a LifetimeEvent.
type LimitKind uint8

// Limit kinds. LimitSequence is the implicit limit of an outbound SA's
// sequence space: soft at 15/16 of it so the engine rekeys in time, hard
// when Seal first returns ErrSeqExhausted.
const (
	LimitBytes LimitKind = iota + 1
	LimitPackets
	LimitTime
	LimitSequence
)

func (k LimitKind) String() string {
	switch k {
	case LimitBytes:
		return "bytes"
	case LimitPackets:
		return "packets"
	case LimitTime:
		return "time"
	case LimitSequence:
		return "sequence"
	}
	return fmt.Sprintf("LimitKind(%d)", uint8(k))
}

// LifetimeEvent reports that an SA reached a soft or hard limit.
type LifetimeEvent struct {
	SPI      uint32
	Outbound bool
	Hard     bool
	Kind     LimitKind
}

func (c *Config) replayWindow() (int, error) {
	switch w := c.ReplayWindow; {
	case w == 0:
		return DefaultReplayWindow, nil
	case w < MinReplayWindow || w > maxReplayWindow:
		return 0, fmt.Errorf("%w: replay window %d outside [%d, %d]",
			ErrConfig, w, MinReplayWindow, maxReplayWindow)
	default:
		return w, nil
	}
}

func (l *Lifetime) validate() error {
	if l.HardBytes != 0 && l.SoftBytes > l.HardBytes {
		return fmt.Errorf("%w: soft bytes %d above hard %d", ErrConfig, l.SoftBytes, l.HardBytes)
	}
	if l.HardPackets != 0 && l.SoftPackets > l.HardPackets {
		return fmt.Errorf("%w: soft packets %d above hard %d", ErrConfig, l.SoftPackets, l.HardPackets)
	}
	if l.HardTime != 0 && l.SoftTime > l.HardTime {
		return fmt.Errorf("%w: soft time %v above hard %v", ErrConfig, l.SoftTime, l.HardTime)
	}
	if l.SoftTime < 0 || l.HardTime < 0 {
		return fmt.Errorf("%w: negative lifetime", ErrConfig)
	}
	return nil
}
