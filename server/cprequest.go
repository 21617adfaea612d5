package server

import (
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// CPRequest is what a client's CFG_REQUEST asks for, decoded from
// untrusted attributes. Malformed values never fail the exchange: the
// attribute still counts as "asked for" and its value is ignored and
// listed in Ignored, so the glue can log it.
type CPRequest struct {
	IP4, IP6         bool       // the client asked for an address of that family
	IP4Hint, IP6Hint netip.Addr // the address the client would like (e.g. its previous one)
	// Subnets are networks a router client announces behind itself
	// (INTERNAL_IP4/6_SUBNET with a value).
	Subnets    []netip.Prefix
	AppVersion string // the client's APPLICATION_VERSION, if sent
	Ignored    []wire.CPAttrType
	asked      map[wire.CPAttrType]bool
}

// maxAnnouncedSubnets bounds what one client may announce, so a hostile
// request cannot make the server hold an unbounded route list.
const maxAnnouncedSubnets = 64

// ParseCPRequest decodes the attributes of a CFG_REQUEST (or CFG_SET from
// a router client). It never fails and never panics.
func ParseCPRequest(attrs []wire.CPAttr) CPRequest {
	req := CPRequest{asked: make(map[wire.CPAttrType]bool, len(attrs))}
	for _, a := range attrs {
		req.asked[a.Type] = true
		if !a.IsEmpty() && !req.take(a) {
			req.Ignored = append(req.Ignored, a.Type)
		}
	}
	req.IP4 = req.asked[wire.INTERNAL_IP4_ADDRESS]
	req.IP6 = req.asked[wire.INTERNAL_IP6_ADDRESS]
	return req
}

// take records a valued attribute; it reports false if the value is
// malformed or not meaningful in a request.
func (r *CPRequest) take(a wire.CPAttr) bool {
	switch a.Type {
	case wire.INTERNAL_IP4_ADDRESS, wire.INTERNAL_IP6_ADDRESS:
		addr, err := a.Addr()
		if err == nil && !addr.IsUnspecified() {
			if a.Type == wire.INTERNAL_IP4_ADDRESS {
				r.IP4Hint = addr
			} else {
				r.IP6Hint = addr
			}
		}
		return err == nil
	case wire.INTERNAL_IP4_SUBNET, wire.INTERNAL_IP6_SUBNET:
		p, err := a.Prefix()
		if err != nil || len(r.Subnets) >= maxAnnouncedSubnets {
			return false
		}
		r.Subnets = append(r.Subnets, p.Masked())
		return true
	case wire.APPLICATION_VERSION:
		r.AppVersion = a.Text()
		return true
	}
	// Other attributes carry values the server does not use (a client's
	// own DNS, say); they are not errors.
	return true
}

// Asked reports whether the request included an attribute of type t.
func (r *CPRequest) Asked(t wire.CPAttrType) bool { return r.asked[t] }

// askedUnity reports whether the client asked for any Cisco Unity
// attribute, which marks it as a client that understands them.
func (r *CPRequest) askedUnity() bool {
	for t := range r.asked {
		if t >= wire.UNITY_BANNER && t <= wire.UNITY_DDNS_HOSTNAME {
			return true
		}
	}
	return false
}
