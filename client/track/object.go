package track

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"flexvpn/client/profile"
)

// Probe kinds, as written in a profile's probe = "...".
const (
	ProbeICMP      = "icmp"
	ProbeTCP       = "tcp"
	ProbeDNS       = "dns"
	ProbeInterface = "interface"
)

// Defaults and bounds for objects.
const (
	// DefaultInterval is the probe period when a profile sets none.
	DefaultInterval = 10 * time.Second
	// MinInterval keeps a typo ("10ms") from flooding a target.
	MinInterval = 100 * time.Millisecond
	// DefaultThreshold is how many failed probes in a row take an object down.
	DefaultThreshold = 3
	// MaxTimeout bounds one probe, whatever the interval: a target that
	// needs longer than this to answer is as good as down.
	MaxTimeout = 5 * time.Second
)

// Object is a validated [[track_object]] with defaults filled in.
type Object struct {
	Name      string
	Probe     string // ProbeICMP, ProbeTCP, ProbeDNS or ProbeInterface
	Target    string
	Interval  time.Duration // from the start of one probe to the next
	Threshold int
	// Timeout bounds one probe: three quarters of Interval (the rest is
	// slack so probes never overlap), at most MaxTimeout.
	Timeout time.Duration
}

// Compile validates a profile's objects and fills in defaults. Every
// problem is reported (joined), each naming the object and the fix.
func Compile(objs []profile.TrackOb) ([]Object, error) {
	var errs []error
	out := make([]Object, 0, len(objs))
	seen := map[string]bool{}
	for i, ob := range objs {
		o, err := compileOne(i, ob)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[o.Name] {
			errs = append(errs, invalid(o.Name, "the name is used twice; give each [[track_object]] its own name"))
			continue
		}
		seen[o.Name] = true
		out = append(out, o)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Validate reports what Compile would reject.
func Validate(objs []profile.TrackOb) error {
	_, err := Compile(objs)
	return err
}

func compileOne(i int, ob profile.TrackOb) (Object, error) {
	if strings.TrimSpace(ob.Name) == "" || strings.ContainsAny(ob.Name, " \t") {
		return Object{}, fmt.Errorf("%w: [[track_object]] #%d: name %q must be one word; set name = \"uplink\"", ErrInvalidObject, i+1, ob.Name)
	}
	o := Object{Name: ob.Name, Probe: ob.Probe, Target: strings.TrimSpace(ob.Target),
		Interval: time.Duration(ob.Interval), Threshold: ob.Threshold}
	if err := o.fillTiming(); err != nil {
		return Object{}, err
	}
	if o.Target == "" {
		return Object{}, invalid(o.Name, "target is missing; "+targetHint(o.Probe))
	}
	if err := checkTarget(o); err != nil {
		return Object{}, err
	}
	return o, nil
}

func (o *Object) fillTiming() error {
	switch {
	case o.Interval == 0:
		o.Interval = DefaultInterval
	case o.Interval < MinInterval:
		return invalid(o.Name, fmt.Sprintf("interval %v is too short; use at least %v (e.g. interval = \"10s\")", o.Interval, MinInterval))
	}
	switch {
	case o.Threshold == 0:
		o.Threshold = DefaultThreshold
	case o.Threshold < 0:
		return invalid(o.Name, fmt.Sprintf("threshold %d is negative; set how many failed probes in a row mean down, e.g. threshold = 3", o.Threshold))
	}
	o.Timeout = min(o.Interval*3/4, MaxTimeout)
	return nil
}

func checkTarget(o Object) error {
	switch o.Probe {
	case ProbeICMP:
		if !validHost(o.Target) {
			return invalid(o.Name, fmt.Sprintf("icmp target %q is not an address or host name; %s", o.Target, targetHint(o.Probe)))
		}
	case ProbeTCP:
		if _, err := splitHostPort(o.Target); err != nil {
			return invalid(o.Name, fmt.Sprintf("tcp target %q: %v; %s", o.Target, err, targetHint(o.Probe)))
		}
	case ProbeDNS:
		if _, _, err := splitDNSTarget(o.Target); err != nil {
			return invalid(o.Name, fmt.Sprintf("dns target %q: %v; %s", o.Target, err, targetHint(o.Probe)))
		}
	case ProbeInterface:
		if strings.ContainsAny(o.Target, " /\t") {
			return invalid(o.Name, fmt.Sprintf("interface target %q is not an interface name; %s", o.Target, targetHint(o.Probe)))
		}
	default:
		return invalid(o.Name, fmt.Sprintf("probe %q is not one of icmp, tcp, dns, interface", o.Probe))
	}
	return nil
}

func invalid(name, msg string) error {
	return fmt.Errorf("%w: track_object %q: %s", ErrInvalidObject, name, msg)
}

// targetHint shows what a target of each probe looks like.
func targetHint(probe string) string {
	switch probe {
	case ProbeICMP:
		return `write it like target = "192.0.2.1" or "gw.example.com"`
	case ProbeTCP:
		return `write it like target = "192.0.2.1:443" or "[2001:db8::1]:443"`
	case ProbeDNS:
		return `write it like target = "www.example.com" (system resolver) or "www.example.com@192.0.2.53"`
	case ProbeInterface:
		return `write it like target = "eth0"`
	}
	return `set probe = "icmp", "tcp", "dns" or "interface"`
}

// splitHostPort accepts host:port with a numeric port (a service name
// would depend on /etc/services of the machine the profile lands on).
func splitHostPort(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", errors.New("it needs a port")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	if !validHost(host) {
		return "", fmt.Errorf("host %q is not an address or host name", host)
	}
	return host, nil
}

// splitDNSTarget splits "name[@server[:port]]". The server must be an
// address: resolving the resolver would need the thing being tested.
func splitDNSTarget(s string) (string, netip.AddrPort, error) {
	name, server, hasServer := strings.Cut(s, "@")
	name = strings.TrimSuffix(name, ".")
	if !validHost(name) {
		return "", netip.AddrPort{}, fmt.Errorf("name %q is not a host name", name)
	}
	if !hasServer {
		return name, netip.AddrPort{}, nil
	}
	if ap, err := netip.ParseAddrPort(server); err == nil && ap.Port() != 0 {
		return name, ap, nil
	}
	a, err := netip.ParseAddr(strings.Trim(server, "[]"))
	if err != nil {
		return "", netip.AddrPort{}, fmt.Errorf("server %q is not an address or address:port", server)
	}
	return name, netip.AddrPortFrom(a, 53), nil
}

// validHost accepts an IP address or a DNS name.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
