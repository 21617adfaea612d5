//go:build linux

package esp

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// cpuMeter measures the CPU time of the benchmark's own thread. On a
// machine shared with other busy processes wall time per op mostly
// measures waiting for a core; thread CPU time stays the cost per core.
type cpuMeter struct {
	b       *testing.B
	started time.Duration
	total   time.Duration
}

func startCPU(b *testing.B) *cpuMeter {
	runtime.LockOSThread()
	m := &cpuMeter{b: b}
	m.resume()
	return m
}

func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

func (m *cpuMeter) pause()  { m.total += threadCPU() - m.started }
func (m *cpuMeter) resume() { m.started = threadCPU() }

// report adds cpu-ns/op and cpu-MB/s next to the wall-clock figures.
func (m *cpuMeter) report(bytesPerOp int) {
	m.pause()
	runtime.UnlockOSThread()
	if m.b.N == 0 || m.total <= 0 {
		return
	}
	perOp := float64(m.total.Nanoseconds()) / float64(m.b.N)
	m.b.ReportMetric(perOp, "cpu-ns/op")
	m.b.ReportMetric(float64(bytesPerOp)*1e3/perOp, "cpu-MB/s")
}
