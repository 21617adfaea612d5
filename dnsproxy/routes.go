package dnsproxy

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// Route sends queries for names at or below Suffix to Upstreams, tried in
// order. Suffix "." matches every name.
type Route struct {
	Suffix    string
	Upstreams []netip.AddrPort
}

// table is an immutable, compiled route list, most specific suffix first.
type table struct {
	routes []Route
}

// compile canonicalises suffixes, merges duplicates (first wins, as the
// caller listed them by priority) and orders the routes by label count so
// that the first match is the most specific.
func compile(routes []Route) (*table, error) {
	seen := make(map[string]bool, len(routes))
	var out []Route
	for _, r := range routes {
		suffix, err := canonicalSuffix(r.Suffix)
		if err != nil {
			return nil, err
		}
		if len(r.Upstreams) == 0 {
			return nil, fmt.Errorf("dns route %q has no upstream servers", r.Suffix)
		}
		for _, u := range r.Upstreams {
			if !u.IsValid() || u.Port() == 0 {
				return nil, fmt.Errorf("dns route %q: invalid upstream %v", r.Suffix, u)
			}
		}
		if seen[suffix] {
			continue
		}
		seen[suffix] = true
		out = append(out, Route{Suffix: suffix, Upstreams: append([]netip.AddrPort(nil), r.Upstreams...)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		return dns.CountLabel(out[i].Suffix) > dns.CountLabel(out[j].Suffix)
	})
	return &table{routes: out}, nil
}

func canonicalSuffix(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "." {
		return ".", nil
	}
	s = dns.CanonicalName(strings.TrimPrefix(s, "."))
	if _, ok := dns.IsDomainName(s); !ok {
		return "", fmt.Errorf("dns route suffix %q is not a domain name", s)
	}
	return s, nil
}

// lookup returns the route for qname, or nil when nothing matches (no "."
// route configured).
func (t *table) lookup(qname string) *Route {
	name := dns.CanonicalName(qname)
	for i := range t.routes {
		if dns.IsSubDomain(t.routes[i].Suffix, name) {
			return &t.routes[i]
		}
	}
	return nil
}
