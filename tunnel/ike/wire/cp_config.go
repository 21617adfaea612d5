package wire

import (
	"errors"
	"net/netip"
)

// CPConfig is the typed content of a CFG_REPLY or CFG_SET: what the client
// needs to configure addresses, routes and DNS, and what the server fills
// in. ParseCPConfig and (CPConfig).Attributes convert to and from the raw
// attribute list.
type CPConfig struct {
	IP4Address    netip.Addr     // INTERNAL_IP4_ADDRESS
	IP4Netmask    int            // INTERNAL_IP4_NETMASK as prefix length; 0 when absent
	IP6Address    netip.Prefix   // INTERNAL_IP6_ADDRESS
	DNS           []netip.Addr   // INTERNAL_IP4_DNS and INTERNAL_IP6_DNS, in order
	NBNS          []netip.Addr   // INTERNAL_IP4_NBNS
	Subnets       []netip.Prefix // INTERNAL_IP4_SUBNET and INTERNAL_IP6_SUBNET
	DNSDomains    []string       // INTERNAL_DNS_DOMAIN, one per attribute (RFC 8598)
	AppVersion    string         // APPLICATION_VERSION
	Banner        string         // UNITY_BANNER
	DefaultDomain string         // UNITY_DEF_DOMAIN
	SplitDNS      []string       // UNITY_SPLITDNS_NAME
	SplitInclude  []netip.Prefix // UNITY_SPLIT_INCLUDE
	LocalLAN      []netip.Prefix // UNITY_LOCAL_LAN (split exclude)
	BackupServers []string       // UNITY_BACKUP_SERVERS
	PFS           bool           // UNITY_PFS present and non-zero
	Other         []CPAttr       // attributes not modelled above, kept raw
}

// ParseCPConfig reads the attributes of cp. An attribute whose value does
// not fit its type is skipped and reported in the returned error (joined
// per attribute); everything else is still filled in. Empty attributes
// (requests) are ignored.
func ParseCPConfig(cp *CP) (CPConfig, error) {
	var c CPConfig
	var errs []error
	for _, a := range cp.Attributes {
		if a.IsEmpty() {
			continue
		}
		if err := c.add(a); err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

// add stores one non-empty attribute.
func (c *CPConfig) add(a CPAttr) (err error) {
	switch a.Type {
	case INTERNAL_IP4_ADDRESS:
		c.IP4Address, err = a.Addr()
	case INTERNAL_IP4_NETMASK:
		c.IP4Netmask, err = a.NetmaskPrefixLen()
	case INTERNAL_IP6_ADDRESS:
		c.IP6Address, err = a.Prefix()
	case INTERNAL_IP4_DNS, INTERNAL_IP6_DNS:
		c.DNS, err = appendAddr(c.DNS, a)
	case INTERNAL_IP4_NBNS:
		c.NBNS, err = appendAddr(c.NBNS, a)
	case INTERNAL_IP4_SUBNET, INTERNAL_IP6_SUBNET:
		var p netip.Prefix
		if p, err = a.Prefix(); err == nil {
			c.Subnets = append(c.Subnets, p)
		}
	case INTERNAL_DNS_DOMAIN:
		if d := a.Text(); d != "" {
			c.DNSDomains = append(c.DNSDomains, d)
		}
	case APPLICATION_VERSION:
		c.AppVersion = a.Text()
	case UNITY_BANNER:
		c.Banner = a.Text()
	case UNITY_DEF_DOMAIN:
		c.DefaultDomain = a.Text()
	default:
		return c.addUnityList(a)
	}
	return err
}

// addUnityList handles the list-valued Unity attributes and UNITY_PFS.
func (c *CPConfig) addUnityList(a CPAttr) error {
	var err error
	var names []string
	var prefixes []netip.Prefix
	switch a.Type {
	case UNITY_SPLITDNS_NAME:
		names, err = a.SplitDNSNames()
		c.SplitDNS = append(c.SplitDNS, names...)
	case UNITY_BACKUP_SERVERS:
		names, err = a.BackupServers()
		c.BackupServers = append(c.BackupServers, names...)
	case UNITY_SPLIT_INCLUDE:
		prefixes, err = a.UnitySubnets()
		c.SplitInclude = append(c.SplitInclude, prefixes...)
	case UNITY_LOCAL_LAN:
		prefixes, err = a.UnitySubnets()
		c.LocalLAN = append(c.LocalLAN, prefixes...)
	case UNITY_PFS:
		var v uint16
		v, err = a.Uint16()
		c.PFS = err == nil && v != 0
	default:
		c.Other = append(c.Other, a)
	}
	return err
}

func appendAddr(list []netip.Addr, a CPAttr) ([]netip.Addr, error) {
	addr, err := a.Addr()
	if err != nil {
		return list, err
	}
	return append(list, addr), nil
}

// Attributes builds the attribute list for c, in a fixed order: address,
// netmask, IPv6 address, DNS, NBNS, subnets, domains, version, Unity.
func (c CPConfig) Attributes() ([]CPAttr, error) {
	b := attrBuilder{}
	if c.IP4Address.IsValid() {
		b.add(NewCPAddr(INTERNAL_IP4_ADDRESS, c.IP4Address))
	}
	if c.IP4Netmask > 0 {
		b.add(NewCPNetmask(c.IP4Netmask))
	}
	if c.IP6Address.IsValid() {
		b.add(NewCPIP6Address(c.IP6Address))
	}
	c.appendAddrs(&b)
	for _, d := range c.DNSDomains {
		b.put(NewCPText(INTERNAL_DNS_DOMAIN, d))
	}
	c.appendUnity(&b)
	b.attrs = append(b.attrs, c.Other...)
	return b.attrs, b.err
}

func (c CPConfig) appendAddrs(b *attrBuilder) {
	for _, d := range c.DNS {
		t := INTERNAL_IP6_DNS
		if d.Is4() {
			t = INTERNAL_IP4_DNS
		}
		b.add(NewCPAddr(t, d))
	}
	for _, n := range c.NBNS {
		b.add(NewCPAddr(INTERNAL_IP4_NBNS, n))
	}
	for _, p := range c.Subnets {
		if p.Addr().Is4() {
			b.add(NewCPIP4Subnet(p))
		} else {
			b.add(NewCPIP6Subnet(p))
		}
	}
}

func (c CPConfig) appendUnity(b *attrBuilder) {
	if c.AppVersion != "" {
		b.put(NewCPText(APPLICATION_VERSION, c.AppVersion))
	}
	if c.Banner != "" {
		b.put(NewCPText(UNITY_BANNER, c.Banner))
	}
	if c.DefaultDomain != "" {
		b.put(NewCPText(UNITY_DEF_DOMAIN, c.DefaultDomain))
	}
	if len(c.SplitDNS) > 0 {
		b.add(NewCPSplitDNS(c.SplitDNS))
	}
	if len(c.SplitInclude) > 0 {
		b.add(NewCPUnitySubnets(UNITY_SPLIT_INCLUDE, c.SplitInclude))
	}
	if len(c.LocalLAN) > 0 {
		b.add(NewCPUnitySubnets(UNITY_LOCAL_LAN, c.LocalLAN))
	}
	if len(c.BackupServers) > 0 {
		attrs, err := NewCPBackupServers(c.BackupServers)
		b.attrs, b.err = append(b.attrs, attrs...), errors.Join(b.err, err)
	}
	if c.PFS {
		b.put(NewCPUint16(UNITY_PFS, 1))
	}
}

// attrBuilder collects attributes and the first errors from builders.
type attrBuilder struct {
	attrs []CPAttr
	err   error
}

func (b *attrBuilder) add(a CPAttr, err error) {
	if err != nil {
		b.err = errors.Join(b.err, err)
		return
	}
	b.attrs = append(b.attrs, a)
}

func (b *attrBuilder) put(a CPAttr) { b.attrs = append(b.attrs, a) }
