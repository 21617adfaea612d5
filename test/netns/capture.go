package netns

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// captureStartTimeout bounds how long dumpcap may take to open the
// interface; it is slow to start on a loaded machine.
const captureStartTimeout = 20 * time.Second

// Capture is a running dumpcap writing a pcap file.
type Capture struct {
	// Path is the pcap file; complete only after Stop.
	Path string
	proc *Process
}

// Capture starts dumpcap on iface in h with a BPF filter ("" for all)
// and returns once it is capturing, so traffic sent afterwards is in the
// file. The file lives in the topology directory; Stop it before reading.
// Capture on the inet namespace's "br0" to see both directions of every
// host.
func (h *Host) Capture(iface, filter string) *Capture {
	t := h.topo.t
	t.Helper()
	RequireTshark(t)
	path := strings.TrimSuffix(h.topo.newLogPath(h.Name+"-"+iface), ".log") + ".pcap"
	args := []string{"dumpcap", "-q", "-P", "-i", iface, "-w", path}
	if filter != "" {
		args = append(args, "-f", filter)
	}
	c := &Capture{Path: path, proc: h.Start(args...)}
	err := Poll(captureStartTimeout, func() error {
		if err := c.proc.Err(); err != nil {
			return fmt.Errorf("%w: %s", err, c.proc.Output())
		}
		if !strings.Contains(c.proc.Output(), "File:") {
			return fmt.Errorf("dumpcap on %s/%s not capturing yet", h.Name, iface)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("netns: capture: %v", err)
	}
	return c
}

// captureSettle is how long the file must stay unchanged before Stop
// ends dumpcap: libpcap hands packets over in blocks with a timeout of
// up to a second, and dumpcap drops a pending block on SIGINT.
const captureSettle = 1200 * time.Millisecond

// Stop waits until the pcap has stopped growing for captureSettle (at
// most 10 s), ends dumpcap with SIGINT and returns the pcap path.
func (c *Capture) Stop() string {
	last, since := int64(-1), time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if st, err := os.Stat(c.Path); err == nil && st.Size() != last {
			last, since = st.Size(), time.Now()
		}
		if time.Since(since) >= captureSettle {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = c.proc.Signal(syscall.SIGINT)
	return c.Path
}

// Name is the pcap's base name, handy in failure messages.
func (c *Capture) Name() string { return filepath.Base(c.Path) }
