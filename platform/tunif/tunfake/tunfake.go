// Package tunfake is an in-memory tun.Device for tests: the test plays the
// operating system, injecting packets the data plane will read and receiving
// the packets the data plane writes. It never touches the kernel, so tests
// using it need no privileges.
package tunfake

import (
	"io"
	"os"
	"sync"

	"golang.zx2c4.com/wireguard/tun"
)

// Config sets up a fake device. Zero values pick small test-friendly defaults.
type Config struct {
	Name      string // reported by Name; default "fake0"
	MTU       int    // reported by MTU; default 1400
	BatchSize int    // reported by BatchSize and the most packets one Read returns; default 1
	Queue     int    // capacity of the inject and written queues; default 256
	// OnWrite, when set, receives every written packet synchronously instead
	// of the Written channel. The slice is only valid during the call; this
	// keeps benchmarks free of the copy a channel would need.
	OnWrite func(pkt []byte)
}

// TUN is the fake device. Its methods are safe for concurrent use.
type TUN struct {
	cfg       Config
	in        chan []byte
	out       chan []byte
	events    chan tun.Event
	closed    chan struct{}
	closeOnce sync.Once
}

var _ tun.Device = (*TUN)(nil)

// New returns a fake device that reports EventUp once.
func New(cfg Config) *TUN {
	cfg = withDefaults(cfg)
	t := &TUN{
		cfg:    cfg,
		in:     make(chan []byte, cfg.Queue),
		out:    make(chan []byte, cfg.Queue),
		events: make(chan tun.Event, 1),
		closed: make(chan struct{}),
	}
	t.events <- tun.EventUp
	return t
}

func withDefaults(cfg Config) Config {
	if cfg.Name == "" {
		cfg.Name = "fake0"
	}
	if cfg.MTU <= 0 {
		cfg.MTU = 1400
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 256
	}
	return cfg
}

// Inject queues pkt as if the OS had routed it into the interface; the data
// plane will read it. pkt must not be modified until it has been read, but
// the same read-only slice may be injected many times. It blocks while the
// queue is full and fails with os.ErrClosed after Close.
func (t *TUN) Inject(pkt []byte) error {
	select {
	case <-t.closed:
		return os.ErrClosed
	default:
	}
	select {
	case <-t.closed:
		return os.ErrClosed
	case t.in <- pkt:
		return nil
	}
}

// Written delivers copies of the packets the data plane wrote, in order,
// unless Config.OnWrite is set.
func (t *TUN) Written() <-chan []byte { return t.out }

// File returns nil: there is no kernel file behind the fake.
func (t *TUN) File() *os.File { return nil }

// Read blocks for one injected packet, then takes as many more as are
// already queued, up to the batch size.
func (t *TUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	limit := min(len(bufs), t.cfg.BatchSize)
	var pkt []byte
	select {
	case <-t.closed:
		return 0, os.ErrClosed
	case pkt = <-t.in:
	}
	n := 0
	for {
		if len(bufs[n])-offset < len(pkt) {
			return n, io.ErrShortBuffer
		}
		sizes[n] = copy(bufs[n][offset:], pkt)
		n++
		if n == limit {
			return n, nil
		}
		select {
		case pkt = <-t.in:
		default:
			return n, nil
		}
	}
}

// Write hands each bufs[i][offset:] to OnWrite, or a copy of it to Written.
func (t *TUN) Write(bufs [][]byte, offset int) (int, error) {
	for i, b := range bufs {
		if offset < 0 || offset > len(b) {
			return i, io.ErrShortBuffer
		}
		if err := t.deliver(b[offset:]); err != nil {
			return i, err
		}
	}
	return len(bufs), nil
}

func (t *TUN) deliver(pkt []byte) error {
	select {
	case <-t.closed:
		return os.ErrClosed
	default:
	}
	if t.cfg.OnWrite != nil {
		t.cfg.OnWrite(pkt)
		return nil
	}
	cp := append([]byte(nil), pkt...)
	select {
	case <-t.closed:
		return os.ErrClosed
	case t.out <- cp:
		return nil
	}
}

// MTU returns the configured MTU.
func (t *TUN) MTU() (int, error) { return t.cfg.MTU, nil }

// Name returns the configured name.
func (t *TUN) Name() (string, error) { return t.cfg.Name, nil }

// Events reports EventUp once and is closed by Close.
func (t *TUN) Events() <-chan tun.Event { return t.events }

// BatchSize returns the configured batch size.
func (t *TUN) BatchSize() int { return t.cfg.BatchSize }

// Close unblocks pending Read, Write and Inject calls; later calls fail with
// os.ErrClosed. It is idempotent.
func (t *TUN) Close() error {
	t.closeOnce.Do(func() {
		close(t.closed)
		close(t.events)
	})
	return nil
}
