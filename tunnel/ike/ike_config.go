package ike

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

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

// parseConfigReply converts attributes; a malformed known attribute is a
// protocol error rather than silently ignored configuration.
func parseConfigReply(attrs []wire.CPAttr) (*ConfigReply, error) {
	r := &ConfigReply{Raw: attrs}
	var v4 []netip.Addr
	var masks []int
	for _, a := range attrs {
		if err := r.add(a, &v4, &masks); err != nil {
			return nil, fmt.Errorf("%w: CP attribute %d: %v", ErrProtocol, a.Type, err)
		}
	}
	for i, a := range v4 {
		bits := 32
		if i < len(masks) {
			bits = masks[i]
		}
		r.Addresses = append(r.Addresses, netip.PrefixFrom(a, bits))
	}
	return r, nil
}

func (r *ConfigReply) add(a wire.CPAttr, v4 *[]netip.Addr, masks *[]int) error {
	v := a.Value
	switch a.Type {
	case wire.INTERNAL_IP4_ADDRESS:
		return appendAddr(v4, v, 4)
	case wire.INTERNAL_IP4_NETMASK:
		bits, err := maskBits(v)
		*masks = append(*masks, bits)
		return err
	case wire.INTERNAL_IP6_ADDRESS:
		return appendPrefix6(&r.Addresses, v)
	case wire.INTERNAL_IP4_DNS:
		return appendAddr(&r.DNS, v, 4)
	case wire.INTERNAL_IP6_DNS:
		return appendAddr(&r.DNS, v, 16)
	case wire.INTERNAL_IP4_NBNS:
		return appendAddr(&r.NBNS, v, 4)
	case wire.INTERNAL_IP4_SUBNET:
		return appendPrefix4(&r.Subnets, v)
	case wire.INTERNAL_IP6_SUBNET:
		return appendPrefix6(&r.Subnets, v)
	case wire.UNITY_SPLIT_INCLUDE:
		return appendUnityRecords(&r.SplitInclude, v)
	case wire.UNITY_LOCAL_LAN:
		return appendUnityRecords(&r.LocalLAN, v)
	}
	r.addText(a.Type, v)
	return nil
}

// addText handles the string-valued attributes.
func (r *ConfigReply) addText(t wire.CPAttrType, v []byte) {
	s := strings.TrimRight(string(v), "\x00")
	switch t {
	case wire.INTERNAL_DNS_DOMAIN:
		if s != "" {
			r.Domains = append(r.Domains, s)
		}
	case wire.UNITY_SPLITDNS_NAME:
		r.SplitDNS = append(r.SplitDNS, splitList(s)...)
	case wire.UNITY_DEF_DOMAIN:
		r.DefaultDomain = s
	case wire.UNITY_BANNER:
		r.Banner = s
	case wire.UNITY_BACKUP_SERVERS:
		r.BackupServers = append(r.BackupServers, splitList(s)...)
	case wire.UNITY_SAVE_PASSWD:
		r.SavePassword = len(v) == 2 && binary.BigEndian.Uint16(v) != 0
	case wire.UNITY_PFS:
		r.PFS = len(v) == 2 && binary.BigEndian.Uint16(v) != 0
	case wire.APPLICATION_VERSION:
		r.AppVersion = s
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

func appendAddr(dst *[]netip.Addr, v []byte, n int) error {
	if len(v) == 0 {
		return nil // an empty value answers nothing
	}
	if len(v) != n && !(n == 16 && len(v) == 17) {
		return fmt.Errorf("address of %d bytes", len(v))
	}
	a, _ := netip.AddrFromSlice(v[:n])
	*dst = append(*dst, a)
	return nil
}

func maskBits(v []byte) (int, error) {
	if len(v) != 4 {
		return 0, fmt.Errorf("netmask of %d bytes", len(v))
	}
	m := binary.BigEndian.Uint32(v)
	bits := 0
	for m&0x80000000 != 0 {
		bits++
		m <<= 1
	}
	if m != 0 {
		return 0, fmt.Errorf("non-contiguous netmask %x", v)
	}
	return bits, nil
}

func appendPrefix4(dst *[]netip.Prefix, v []byte) error {
	if len(v) == 0 {
		return nil
	}
	if len(v) != 8 {
		return fmt.Errorf("IPv4 subnet of %d bytes", len(v))
	}
	bits, err := maskBits(v[4:])
	if err != nil {
		return err
	}
	*dst = append(*dst, netip.PrefixFrom(netip.AddrFrom4([4]byte(v[:4])), bits).Masked())
	return nil
}

func appendPrefix6(dst *[]netip.Prefix, v []byte) error {
	if len(v) == 0 {
		return nil
	}
	if len(v) != 17 || v[16] > 128 {
		return fmt.Errorf("IPv6 prefix of %d bytes", len(v))
	}
	*dst = append(*dst, netip.PrefixFrom(netip.AddrFrom16([16]byte(v[:16])), int(v[16])))
	return nil
}

// appendUnityRecords parses Cisco Unity split records: address (4),
// mask (4), protocol (1), reserved (1), source and destination ports.
func appendUnityRecords(dst *[]netip.Prefix, v []byte) error {
	const rec = 14
	if len(v)%rec != 0 {
		return fmt.Errorf("unity split list of %d bytes", len(v))
	}
	for ; len(v) > 0; v = v[rec:] {
		bits, err := maskBits(v[4:8])
		if err != nil {
			return err
		}
		*dst = append(*dst, netip.PrefixFrom(netip.AddrFrom4([4]byte(v[:4])), bits).Masked())
	}
	return nil
}

// respondConfig answers the initiator's CP through the hooks: CFG_REQUEST
// with ConfigProvider (remembering the addresses it assigned, for selector
// narrowing), CFG_SET with ConfigSet; without a CP, ConfigPush may push.
func (sa *SA) respondConfig(ps []wire.Payload) ([]wire.Payload, error) {
	cp := findCP(ps)
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
	pi := PeerInfo{ID: sa.peerID, Remote: sa.remote, Certificate: sa.peerCert, VendorIDs: sa.peer.vendorIDs,
		RedirectedFrom: sa.peer.redirectedBy, SA: sa}
	if sa.eapState != nil {
		pi.EAPIdentity = sa.eapState.identity
	}
	return pi
}
