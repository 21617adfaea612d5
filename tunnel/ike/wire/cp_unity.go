package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// Cisco Unity configuration attributes (private range 28672-28682), as
// FlexVPN headends send them in IKEv2 CFG_REPLY.
//
// UNITY_SPLIT_INCLUDE and UNITY_LOCAL_LAN (split exclude) hold a sequence
// of 14-byte records:
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        IPv4 network                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        IPv4 netmask                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          Protocol             |         Source port           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |       Destination port        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Only Cisco's own client reads the protocol/port part (strongSwan's
// unity plugin notes this); every other implementation writes zeros and
// ignores it, and so do we.
//
// UNITY_SPLITDNS_NAME is text: domain names separated by commas (spaces
// around them are tolerated).
// UNITY_BACKUP_SERVERS is text naming backup gateways (addresses or
// FQDNs). Its exact layout is not publicly documented, so the parser
// accepts commas, whitespace and NULs as separators and several
// attributes, and the builder emits one attribute per gateway, which every
// reading of the format accepts.
// UNITY_PFS, UNITY_SAVE_PASSWD and UNITY_NATT_PORT carry a 2-byte value.

// UnityRecordLen is the size of one UNITY_SPLIT_INCLUDE/LOCAL_LAN record.
const UnityRecordLen = 14

// NewCPUnitySubnets builds UNITY_SPLIT_INCLUDE or UNITY_LOCAL_LAN from
// IPv4 prefixes (Unity has no IPv6 form).
func NewCPUnitySubnets(t CPAttrType, prefixes []netip.Prefix) (CPAttr, error) {
	if t != UNITY_SPLIT_INCLUDE && t != UNITY_LOCAL_LAN {
		return CPAttr{}, fmt.Errorf("cp: %v is not a Unity subnet list: %w", t, ErrWrongAttr)
	}
	v := make([]byte, 0, UnityRecordLen*len(prefixes))
	for _, p := range prefixes {
		if !p.IsValid() || !p.Addr().Is4() {
			return CPAttr{}, fmt.Errorf("cp: %v with prefix %v: %w", t, p, ErrBadValue)
		}
		v = appendIP4Subnet(v, p)
		v = append(v, 0, 0, 0, 0, 0, 0)
	}
	return CPAttr{Type: t, Value: v}, nil
}

// UnitySubnets parses UNITY_SPLIT_INCLUDE or UNITY_LOCAL_LAN records.
func (a CPAttr) UnitySubnets() ([]netip.Prefix, error) {
	if a.Type != UNITY_SPLIT_INCLUDE && a.Type != UNITY_LOCAL_LAN {
		return nil, fmt.Errorf("cp: %v is not a Unity subnet list: %w", a.Type, ErrWrongAttr)
	}
	if len(a.Value)%UnityRecordLen != 0 {
		return nil, fmt.Errorf("cp: %v of %d bytes: %w", a.Type, len(a.Value), ErrBadLength)
	}
	out := make([]netip.Prefix, 0, len(a.Value)/UnityRecordLen)
	for v := a.Value; len(v) > 0; v = v[UnityRecordLen:] {
		p, err := parseIP4Subnet(v[:8])
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// NewCPSplitDNS builds UNITY_SPLITDNS_NAME from domain names.
func NewCPSplitDNS(names []string) (CPAttr, error) {
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, ", \x00") {
			return CPAttr{}, fmt.Errorf("cp: split DNS name %q: %w", n, ErrBadValue)
		}
	}
	return NewCPText(UNITY_SPLITDNS_NAME, strings.Join(names, ",")), nil
}

// SplitDNSNames returns the domain names of UNITY_SPLITDNS_NAME.
func (a CPAttr) SplitDNSNames() ([]string, error) {
	if a.Type != UNITY_SPLITDNS_NAME {
		return nil, fmt.Errorf("cp: %v is not a split DNS list: %w", a.Type, ErrWrongAttr)
	}
	return splitList(a.Value, ", \t\r\n"), nil
}

// NewCPBackupServers builds one UNITY_BACKUP_SERVERS attribute per
// gateway (an address or FQDN each).
func NewCPBackupServers(servers []string) ([]CPAttr, error) {
	out := make([]CPAttr, 0, len(servers))
	for _, s := range servers {
		if s == "" || strings.ContainsAny(s, ", \t\r\n\x00") {
			return nil, fmt.Errorf("cp: backup server %q: %w", s, ErrBadValue)
		}
		out = append(out, NewCPText(UNITY_BACKUP_SERVERS, s))
	}
	return out, nil
}

// BackupServers returns the gateways listed in UNITY_BACKUP_SERVERS.
func (a CPAttr) BackupServers() ([]string, error) {
	if a.Type != UNITY_BACKUP_SERVERS {
		return nil, fmt.Errorf("cp: %v is not a backup server list: %w", a.Type, ErrWrongAttr)
	}
	return splitList(a.Value, ", \t\r\n"), nil
}

// splitList splits text on any of seps (and NUL) dropping empty items.
func splitList(v []byte, seps string) []string {
	return strings.FieldsFunc(string(v), func(r rune) bool {
		return r == 0 || strings.ContainsRune(seps, r)
	})
}

// NewCPUint16 builds a 2-byte attribute such as UNITY_PFS.
func NewCPUint16(t CPAttrType, v uint16) CPAttr {
	return CPAttr{Type: t, Value: binary.BigEndian.AppendUint16(nil, v)}
}

// Uint16 returns the value of a 2-byte attribute such as UNITY_PFS.
func (a CPAttr) Uint16() (uint16, error) {
	if len(a.Value) != 2 {
		return 0, fmt.Errorf("cp: %v of %d bytes, want 2: %w", a.Type, len(a.Value), ErrBadLength)
	}
	return binary.BigEndian.Uint16(a.Value), nil
}
