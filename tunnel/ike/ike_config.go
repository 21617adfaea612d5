package ike

import (
	"fmt"
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// Configuration payloads in IKE_AUTH (RFC 7296 2.19, Cisco Unity):
// the initiator asks with CP(CFG_REQUEST), the responder's provider hook
// answers with CP(CFG_REPLY), which the initiator turns into ConfigReply.

// ConfigReply is the typed CFG_REPLY the initiator received.
type ConfigReply struct {
	Addresses     []netip.Prefix // our inner addresses (IPv4 with netmask, IPv6 with prefix length)
	DNS           []netip.Addr
	NBNS          []netip.Addr
	Subnets       []netip.Prefix    // INTERNAL_IP4/6_SUBNET: networks behind the gateway
	SplitInclude  []netip.Prefix    // UNITY_SPLIT_INCLUDE
	LocalLAN      []netip.Prefix    // UNITY_LOCAL_LAN: excluded from the tunnel
	Domains       []string          // INTERNAL_DNS_DOMAIN (RFC 8598)
	SplitDNS      []string          // UNITY_SPLITDNS_NAME
	DefaultDomain string            // UNITY_DEF_DOMAIN
	Banner        string            // UNITY_BANNER
	BackupServers []string          // UNITY_BACKUP_SERVERS
	SavePassword  bool              // UNITY_SAVE_PASSWD
	PFS           bool              // UNITY_PFS
	AppVersion    string            // APPLICATION_VERSION
	Raw           []wire.CPAttr     // every attribute as received
	Pushed        bool              // the gateway pushed it (CFG_SET) unasked
	Acked         []wire.CPAttrType // CFG_ACK: which announced attributes the gateway took
}

// requestedAttrs is what the initiator asks for.
var requestedAttrs = []wire.CPAttrType{
	wire.INTERNAL_IP4_ADDRESS, wire.INTERNAL_IP4_NETMASK, wire.INTERNAL_IP4_DNS,
	wire.INTERNAL_IP6_ADDRESS, wire.INTERNAL_IP6_DNS, wire.INTERNAL_DNS_DOMAIN,
	wire.UNITY_BANNER, wire.UNITY_DEF_DOMAIN, wire.UNITY_SPLITDNS_NAME,
	wire.UNITY_SPLIT_INCLUDE, wire.UNITY_BACKUP_SERVERS,
}

// configPayload is the initiator's CP: a CFG_REQUEST (with what we
// announce appended), or a CFG_SET when we only announce; nil for none.
func (c *Config) configPayload() *wire.CP {
	if !c.RequestConfig {
		if len(c.ConfigAnnounce) == 0 {
			return nil
		}
		return &wire.CP{CfgType: wire.CFG_SET, Attributes: c.ConfigAnnounce}
	}
	cp := &wire.CP{CfgType: wire.CFG_REQUEST}
	for _, t := range requestedAttrs {
		cp.Attributes = append(cp.Attributes, wire.CPRequest(t))
	}
	cp.Attributes = append(cp.Attributes, c.ConfigAnnounce...)
	return cp
}

// configFromResponse reads the responder's CP: CFG_REPLY answers our
// request, CFG_SET is pushed configuration, CFG_ACK acknowledges what we
// announced.
func configFromResponse(cp *wire.CP) (*ConfigReply, error) {
	switch cp.CfgType {
	case wire.CFG_REPLY, wire.CFG_SET:
		r, err := parseConfigReply(cp.Attributes)
		if r != nil {
			r.Pushed = cp.CfgType == wire.CFG_SET
		}
		return r, err
	case wire.CFG_ACK:
		r := &ConfigReply{Raw: cp.Attributes}
		for _, a := range cp.Attributes {
			r.Acked = append(r.Acked, a.Type)
		}
		return r, nil
	}
	return nil, nil
}

// parseConfigReply builds the reply from wire's typed view of the
// attributes; a malformed known attribute is a protocol error rather than
// silently ignored configuration.
func parseConfigReply(attrs []wire.CPAttr) (*ConfigReply, error) {
	c, err := wire.ParseCPConfig(&wire.CP{CfgType: wire.CFG_REPLY, Attributes: attrs})
	if err != nil {
		return nil, fmt.Errorf("%w: CP attributes: %w", ErrProtocol, err)
	}
	savePassword, err := unityFlag(c.Other, wire.UNITY_SAVE_PASSWD)
	if err != nil {
		return nil, fmt.Errorf("%w: CP attributes: %w", ErrProtocol, err)
	}
	return &ConfigReply{
		Addresses:     innerAddresses(attrs, c.IP4Netmask),
		DNS:           c.DNS,
		NBNS:          c.NBNS,
		Subnets:       c.Subnets,
		SplitInclude:  c.SplitInclude,
		LocalLAN:      c.LocalLAN,
		Domains:       c.DNSDomains,
		SplitDNS:      c.SplitDNS,
		DefaultDomain: c.DefaultDomain,
		Banner:        c.Banner,
		BackupServers: c.BackupServers,
		SavePassword:  savePassword,
		PFS:           c.PFS,
		AppVersion:    c.AppVersion,
		Raw:           attrs,
	}, nil
}

// innerAddresses lists every assigned address, IPv6 before IPv4. CPConfig
// keeps only one address per family, but RFC 7296 3.15.1 lets a responder
// assign several, so they are read from the attributes (which
// ParseCPConfig has already validated). The single INTERNAL_IP4_NETMASK
// applies to every IPv4 address; without one an address is a /32.
func innerAddresses(attrs []wire.CPAttr, ip4Bits int) []netip.Prefix {
	if ip4Bits == 0 {
		ip4Bits = 32
	}
	var v6, v4 []netip.Prefix
	for _, a := range attrs {
		if a.IsEmpty() {
			continue
		}
		switch a.Type {
		case wire.INTERNAL_IP6_ADDRESS:
			if p, err := a.Prefix(); err == nil {
				v6 = append(v6, p)
			}
		case wire.INTERNAL_IP4_ADDRESS:
			if addr, err := a.Addr(); err == nil {
				v4 = append(v4, netip.PrefixFrom(addr, ip4Bits))
			}
		}
	}
	return append(v6, v4...)
}

// unityFlag reads a 2-byte Unity flag such as UNITY_SAVE_PASSWD, which
// CPConfig does not model and leaves among its Other attributes.
func unityFlag(other []wire.CPAttr, t wire.CPAttrType) (bool, error) {
	on := false
	for _, a := range other {
		if a.Type != t {
			continue
		}
		v, err := a.Uint16()
		if err != nil {
			return false, err
		}
		on = v != 0
	}
	return on, nil
}

// respondConfig answers the initiator's CP through the hooks: CFG_REQUEST
// with ConfigProvider (remembering the addresses it assigned, for selector
// narrowing), CFG_SET with ConfigSet; without a CP, ConfigPush may push.
func (sa *SA) respondConfig(ps []wire.Payload) ([]wire.Payload, error) {
	cp := first[*wire.CP](ps)
	switch {
	case cp == nil:
		return sa.pushConfig(), nil
	case cp.CfgType == wire.CFG_SET:
		return sa.ackConfig(cp)
	case cp.CfgType != wire.CFG_REQUEST || sa.cfg.ConfigProvider == nil:
		return nil, nil
	}
	attrs, err := sa.cfg.ConfigProvider(sa.ctx, sa.peerInfo(), cp.Attributes)
	if err != nil {
		sa.log.Info("configuration provider refused", "err", err)
		if ne, ok := err.(*wire.NotifyError); ok {
			return nil, ne
		}
		return nil, notifyErr(wire.FAILED_CP_REQUIRED, "%v", err)
	}
	sa.assigned = assignedAddrs(attrs)
	return []wire.Payload{&wire.CP{CfgType: wire.CFG_REPLY, Attributes: attrs}}, nil
}

func (sa *SA) pushConfig() []wire.Payload {
	if sa.cfg.ConfigPush == nil {
		return nil
	}
	attrs := sa.cfg.ConfigPush(sa.ctx, sa.peerInfo())
	if len(attrs) == 0 {
		return nil
	}
	return []wire.Payload{&wire.CP{CfgType: wire.CFG_SET, Attributes: attrs}}
}

// ackConfig answers CFG_SET; a refusal is not fatal, the peer simply
// gets no CFG_ACK.
func (sa *SA) ackConfig(cp *wire.CP) ([]wire.Payload, error) {
	if sa.cfg.ConfigSet == nil {
		return nil, nil
	}
	attrs, err := sa.cfg.ConfigSet(sa.ctx, sa.peerInfo(), cp.Attributes)
	if err != nil {
		sa.log.Info("announced configuration refused", "err", err)
		return nil, nil
	}
	return []wire.Payload{&wire.CP{CfgType: wire.CFG_ACK, Attributes: attrs}}, nil
}

func (sa *SA) peerInfo() PeerInfo {
	pi := PeerInfo{ID: sa.peerID, Remote: sa.remote, Local: sa.local, Certificate: sa.peerCert, VendorIDs: sa.peer.vendorIDs,
		RedirectedFrom: sa.peer.redirectedBy, SA: sa}
	if sa.eapState != nil {
		pi.EAPIdentity = sa.eapState.identity
	}
	return pi
}
