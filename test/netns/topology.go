package netns

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Addressing plan: documentation ranges only (RFC 5737).
var (
	// InetPrefix is the "internet" segment all hosts attach to.
	InetPrefix = netip.MustParsePrefix("192.0.2.0/24")
	// LANPrefix is the segment behind a gateway host.
	LANPrefix = netip.MustParsePrefix("198.51.100.0/24")
	// LANGateway is the gateway's own address on its LAN.
	LANGateway = netip.MustParseAddr("198.51.100.1")
)

// maxHostName keeps "v"+name and "l"+name within IFNAMSIZ-1 (15).
const maxHostName = 12

// topoSeq numbers topologies within this process for unique names.
var topoSeq atomic.Uint32

// sweepOnce runs the stale-namespace sweep once per test binary.
var sweepOnce sync.Once

// Topology is a set of namespaces for one test: an "inet" bridge
// namespace and the hosts attached to it. Create it with NewTopology;
// it is torn down in t.Cleanup.
type Topology struct {
	t      testing.TB
	prefix string
	dir    string
	inet   *Host
	hosts  []*Host
	mu     sync.Mutex
	nlogs  int
	v6     bool
}

// Host is one network namespace. For hosts on the inet segment Addr is
// their 192.0.2.x address on Iface; for LAN hosts it is their
// 198.51.100.x address. A gateway that has a LAN also owns LANAddr. In
// a DualStack topology Addr6 and LANAddr6 are the IPv6 counterparts.
type Host struct {
	Name     string
	NS       string
	Addr     netip.Addr
	Iface    string
	LANAddr  netip.Addr
	Addr6    netip.Addr
	LANAddr6 netip.Addr
	topo     *Topology
}

// NewTopology creates the inet bridge namespace (bridge br0, no address)
// for a test. name is a short tag that appears in namespace names.
func NewTopology(t testing.TB, name string) *Topology {
	t.Helper()
	Require(t)
	sweepOnce.Do(func() {
		sweepStale(t)
		sweepStaleDirs(t)
	})
	tp := &Topology{
		t:      t,
		prefix: fmt.Sprintf("%s%dx%d-%s", nsMarker, os.Getpid(), topoSeq.Add(1), name),
		dir:    t.TempDir(),
	}
	t.Cleanup(tp.teardown)
	tp.inet = tp.newNS("inet")
	tp.inet.IP("link", "add", "br0", "type", "bridge")
	tp.inet.IP("link", "set", "br0", "up")
	return tp
}

// Inet returns the bridge namespace; capture on its "br0" to see every
// packet between hosts.
func (tp *Topology) Inet() *Host { return tp.inet }

// Hosts returns every namespace of the topology, inet first.
func (tp *Topology) Hosts() []*Host { return append([]*Host(nil), tp.hosts...) }

// Dir is the per-test directory holding process logs and captures.
func (tp *Topology) Dir() string { return tp.dir }

// AddHost creates a namespace attached to the inet bridge by a veth
// pair: "eth0" inside the host with addr/24, "v<name>" on the bridge.
func (tp *Topology) AddHost(name string, addr netip.Addr) *Host {
	tp.t.Helper()
	tp.checkName(name)
	if !InetPrefix.Contains(addr) {
		tp.t.Fatalf("netns: host %s address %s is outside %s", name, addr, InetPrefix)
	}
	h := tp.newNS(name)
	h.Addr, h.Iface = addr, "eth0"
	peer := "v" + name
	tp.inet.IP("link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", h.NS)
	tp.inet.IP("link", "set", peer, "master", "br0", "up")
	h.addrUp("eth0", netip.PrefixFrom(addr, InetPrefix.Bits()))
	if tp.v6 {
		h.setupHost6(false)
	}
	return h
}

// AddLAN creates a host on the LAN behind gw (198.51.100.0/24). The first
// call gives gw a bridge "lan0" with 198.51.100.1/24 and turns on IPv4
// forwarding in gw; the LAN host gets a default route via the gateway, so
// it answers VPN clients whose addresses gw routes into a tunnel.
func (tp *Topology) AddLAN(gw *Host, name string, addr netip.Addr) *Host {
	tp.t.Helper()
	tp.checkName(name)
	if !LANPrefix.Contains(addr) || addr == LANGateway {
		tp.t.Fatalf("netns: LAN host %s address %s must be in %s and not %s", name, addr, LANPrefix, LANGateway)
	}
	if !gw.LANAddr.IsValid() {
		gw.IP("link", "add", "lan0", "type", "bridge")
		gw.addrUp("lan0", netip.PrefixFrom(LANGateway, LANPrefix.Bits()))
		gw.mustSysctl("net.ipv4.ip_forward", "1")
		gw.LANAddr = LANGateway
		if tp.v6 {
			gw.setupLAN6()
		}
	}
	h := tp.newNS(name)
	h.Addr, h.Iface = addr, "eth0"
	peer := "l" + name
	gw.IP("link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", h.NS)
	gw.IP("link", "set", peer, "master", "lan0", "up")
	h.addrUp("eth0", netip.PrefixFrom(addr, LANPrefix.Bits()))
	h.IP("route", "add", "default", "via", LANGateway.String())
	if tp.v6 {
		h.setupHost6(true)
	}
	return h
}

// EnableForwarding turns on IPv4 and IPv6 forwarding in h.
func (h *Host) EnableForwarding() {
	h.mustSysctl("net.ipv4.ip_forward", "1")
	h.mustSysctl("net.ipv6.conf.all.forwarding", "1")
}

func (h *Host) mustSysctl(key, value string) {
	h.topo.t.Helper()
	if err := h.Sysctl(key, value); err != nil {
		h.topo.t.Fatalf("netns: %s: sysctl %s=%s: %v", h.Name, key, value, err)
	}
}

// newNS creates namespace prefix-name with loopback up.
func (tp *Topology) newNS(name string) *Host {
	tp.t.Helper()
	h := &Host{Name: name, NS: tp.prefix + "-" + name, topo: tp}
	if out, err := runIP("netns", "add", h.NS); err != nil {
		tp.t.Fatalf("netns: add %s: %v: %s", h.NS, err, out)
	}
	tp.hosts = append(tp.hosts, h)
	h.IP("link", "set", "lo", "up")
	return h
}

// addrUp assigns p to dev and brings dev up.
func (h *Host) addrUp(dev string, p netip.Prefix) {
	h.IP("addr", "add", p.String(), "dev", dev)
	h.IP("link", "set", dev, "up")
}

func (tp *Topology) checkName(name string) {
	tp.t.Helper()
	if name == "" || len(name) > maxHostName || strings.ContainsAny(name, " /-") {
		tp.t.Fatalf("netns: host name %q must be 1..%d chars without space, '/' or '-'", name, maxHostName)
	}
	for _, h := range tp.hosts {
		if h.Name == name {
			tp.t.Fatalf("netns: host %q already exists", name)
		}
	}
}

// teardown kills what runs in each namespace and deletes it, newest
// first. It reports but does not stop on errors so nothing is left.
func (tp *Topology) teardown() {
	for i := len(tp.hosts) - 1; i >= 0; i-- {
		if err := deleteNS(tp.hosts[i].NS); err != nil {
			tp.t.Errorf("netns: teardown: %v", err)
		}
	}
}
