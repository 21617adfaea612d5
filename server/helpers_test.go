package server_test

import (
	"log/slog"
	"os"
	"testing"

	"golang.zx2c4.com/wireguard/tun"
)

// testLogger sends the server's log to the test log (shown on failure
// or with -v).
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// discardTUN is a TUN that never yields packets and drops writes, for
// benchmarks that only exercise the control plane.
type discardTUN struct {
	closed chan struct{}
	events chan tun.Event
}

func newDiscardTUN() *discardTUN {
	return &discardTUN{closed: make(chan struct{}), events: make(chan tun.Event)}
}

func (d *discardTUN) File() *os.File { return nil }
func (d *discardTUN) Read([][]byte, []int, int) (int, error) {
	<-d.closed
	return 0, os.ErrClosed
}
func (d *discardTUN) Write(bufs [][]byte, _ int) (int, error) { return len(bufs), nil }
func (d *discardTUN) MTU() (int, error)                       { return 1400, nil }
func (d *discardTUN) Name() (string, error)                   { return "discard0", nil }
func (d *discardTUN) Events() <-chan tun.Event                { return d.events }
func (d *discardTUN) BatchSize() int                          { return 1 }
func (d *discardTUN) Close() error {
	select {
	case <-d.closed:
	default:
		close(d.closed)
	}
	return nil
}
