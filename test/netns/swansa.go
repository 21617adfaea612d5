package netns

import (
	"bufio"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// IKESA is what `swanctl --list-sas` reports about one IKE_SA, enough
// for tests to check state, identities, SPIs and virtual IPs.
type IKESA struct {
	Name       string // connection name
	UniqueID   int
	State      string // ESTABLISHED, CONNECTING, REKEYING, DELETING...
	Initiator  bool
	LocalHost  netip.AddrPort
	RemoteHost netip.AddrPort
	LocalID    string
	RemoteID   string
	SPIi, SPIr string // hex, as strongSwan prints them
	EncrAlg    string // e.g. AES_GCM_16, with EncrKeySize
	EncrKeyLen int
	IntegAlg   string
	PRFAlg     string
	DHGroup    string
	LocalVIPs  []netip.Addr
	RemoteVIPs []netip.Addr
	Children   []ChildSA
	// Fields holds every scalar key of the IKE_SA section as printed.
	Fields map[string]string
}

// ChildSA is one CHILD_SA of an IKESA.
type ChildSA struct {
	Name       string
	UniqueID   int
	State      string // INSTALLED, REKEYING, REKEYED, DELETING...
	Mode       string
	Encap      bool
	SPIIn      string
	SPIOut     string
	EncrAlg    string
	LocalTS    []netip.Prefix
	RemoteTS   []netip.Prefix
	BytesIn    uint64
	BytesOut   uint64
	PacketsIn  uint64
	PacketsOut uint64
	Fields     map[string]string
}

// Child returns the first CHILD_SA with the given config name.
func (sa IKESA) Child(name string) (ChildSA, bool) {
	for _, c := range sa.Children {
		if c.Name == name {
			return c, true
		}
	}
	return ChildSA{}, false
}

// ListSAs returns every IKE_SA the daemon knows, in any state.
func (s *StrongSwan) ListSAs() ([]IKESA, error) {
	out, err := s.Swanctl("--list-sas", "--pretty")
	if err != nil {
		return nil, err
	}
	return ParseListSAs(out)
}

// WaitSA polls until an IKE_SA of connection conn is ESTABLISHED with
// at least one INSTALLED CHILD_SA (or, if children is false, just
// ESTABLISHED), and returns it. It fails the test on timeout.
func (s *StrongSwan) WaitSA(conn string, children bool, timeout time.Duration) IKESA {
	s.t.Helper()
	var got IKESA
	WaitFor(s.t, timeout, func() error {
		sas, err := s.ListSAs()
		if err != nil {
			return err
		}
		for _, sa := range sas {
			if sa.Name == conn && sa.State == "ESTABLISHED" && (!children || hasInstalled(sa)) {
				got = sa
				return nil
			}
		}
		return fmt.Errorf("%w: %s on %s (have %d)", ErrNoSA, conn, s.Host.Name, len(sas))
	})
	return got
}

// WaitNoSAs polls until the daemon lists no IKE_SA at all (after a
// Delete in either direction) and fails the test on timeout.
func (s *StrongSwan) WaitNoSAs(timeout time.Duration) {
	s.t.Helper()
	WaitFor(s.t, timeout, func() error {
		sas, err := s.ListSAs()
		if err == nil && len(sas) != 0 {
			return fmt.Errorf("%s still lists %d IKE_SAs (first %s in %s)", s.Host.Name, len(sas), sas[0].Name, sas[0].State)
		}
		return err
	})
}

func hasInstalled(sa IKESA) bool {
	for _, c := range sa.Children {
		if c.State == "INSTALLED" {
			return true
		}
	}
	return false
}

// viciNode is one section of swanctl's --pretty output.
type viciNode struct {
	name  string
	kv    map[string]string
	lists map[string][]string
	subs  []*viciNode
}

func newViciNode(name string) *viciNode {
	return &viciNode{name: name, kv: map[string]string{}, lists: map[string][]string{}}
}

// ParseListSAs parses `swanctl --list-sas --pretty` output.
func ParseListSAs(out string) ([]IKESA, error) {
	root, err := parsePretty(out)
	if err != nil {
		return nil, err
	}
	var sas []IKESA
	for _, ev := range root.subs {
		if ev.name != "list-sa event" {
			continue
		}
		for _, n := range ev.subs {
			sas = append(sas, ikeSAFromNode(n))
		}
	}
	return sas, nil
}

// parsePretty reads the nested "name {", "key = value", "key = [" ...
// "]" and "}" lines into a tree.
func parsePretty(out string) (*viciNode, error) {
	stack := []*viciNode{newViciNode("")}
	var listKey string
	var inList bool
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		top := stack[len(stack)-1]
		switch {
		case line == "":
		case inList && line == "]":
			inList = false
		case inList:
			top.lists[listKey] = append(top.lists[listKey], line)
		case line == "}":
			if len(stack) == 1 {
				return nil, fmt.Errorf("list-sas line %d: unbalanced }", ln)
			}
			stack = stack[:len(stack)-1]
		case strings.HasSuffix(line, " {"):
			n := newViciNode(strings.TrimSuffix(line, " {"))
			top.subs = append(top.subs, n)
			stack = append(stack, n)
		case strings.HasSuffix(line, " = ["):
			listKey, inList = strings.TrimSuffix(line, " = ["), true
			top.lists[listKey] = nil
		default:
			k, v, ok := strings.Cut(line, " = ")
			if !ok {
				return nil, fmt.Errorf("list-sas line %d: cannot parse %q", ln, line)
			}
			top.kv[k] = v
		}
	}
	if len(stack) != 1 || inList {
		return nil, fmt.Errorf("list-sas: truncated output")
	}
	return stack[0], sc.Err()
}

func ikeSAFromNode(n *viciNode) IKESA {
	sa := IKESA{
		Name:       n.name,
		UniqueID:   atoi(n.kv["uniqueid"]),
		State:      n.kv["state"],
		Initiator:  n.kv["initiator"] == "yes",
		LocalHost:  addrPort(n.kv["local-host"], n.kv["local-port"]),
		RemoteHost: addrPort(n.kv["remote-host"], n.kv["remote-port"]),
		LocalID:    n.kv["local-id"],
		RemoteID:   n.kv["remote-id"],
		SPIi:       n.kv["initiator-spi"],
		SPIr:       n.kv["responder-spi"],
		EncrAlg:    n.kv["encr-alg"],
		EncrKeyLen: atoi(n.kv["encr-keysize"]),
		IntegAlg:   n.kv["integ-alg"],
		PRFAlg:     n.kv["prf-alg"],
		DHGroup:    n.kv["dh-group"],
		LocalVIPs:  addrs(n.lists["local-vips"]),
		RemoteVIPs: addrs(n.lists["remote-vips"]),
		Fields:     n.kv,
	}
	for _, sub := range n.subs {
		if sub.name != "child-sas" {
			continue
		}
		for _, c := range sub.subs {
			sa.Children = append(sa.Children, childSAFromNode(c))
		}
	}
	return sa
}

func childSAFromNode(n *viciNode) ChildSA {
	return ChildSA{
		Name:       n.kv["name"],
		UniqueID:   atoi(n.kv["uniqueid"]),
		State:      n.kv["state"],
		Mode:       n.kv["mode"],
		Encap:      n.kv["encap"] == "yes",
		SPIIn:      n.kv["spi-in"],
		SPIOut:     n.kv["spi-out"],
		EncrAlg:    n.kv["encr-alg"],
		LocalTS:    prefixes(n.lists["local-ts"]),
		RemoteTS:   prefixes(n.lists["remote-ts"]),
		BytesIn:    atou(n.kv["bytes-in"]),
		BytesOut:   atou(n.kv["bytes-out"]),
		PacketsIn:  atou(n.kv["packets-in"]),
		PacketsOut: atou(n.kv["packets-out"]),
		Fields:     n.kv,
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func atou(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}

func addrPort(host, port string) netip.AddrPort {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, uint16(atoi(port)))
}

func addrs(ss []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// prefixes parses traffic selectors; port/protocol-restricted selectors
// ("10.0.0.0/8[tcp/80]") keep only the prefix.
func prefixes(ss []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		s, _, _ = strings.Cut(s, "[")
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}
