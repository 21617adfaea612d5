package server

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// build turns the raw file into a Config, section by section. Each
// section reports its own problems; later sections still run so that one
// pass shows every error.
func (v *validator) build(raw *rawConfig) *Config {
	cfg := &Config{Path: v.path}
	v.buildServer(cfg, &raw.Server)
	v.buildCertificate(cfg, &raw.Certificate, hasEAPUsers(raw.User))
	v.buildProposals(cfg, &raw.Proposals)
	cfg.Pools = v.buildPools(raw.Pool)
	cfg.Authorizer = v.buildAuthorizer(raw, cfg.Pools)
	cfg.Keyring = v.buildKeyring(raw.Keyring)
	v.buildRedirect(cfg, &raw.Redirect)
	v.buildLimits(cfg, &raw.Limits)
	v.checkSecretsMode()
	return cfg
}

func (v *validator) buildServer(cfg *Config, s *rawServer) {
	listen := s.Listen
	if listen == nil {
		listen = []string{"0.0.0.0", "::"}
	}
	cfg.Listen = v.addrs(k("server", "listen"), listen)
	if s.Identity != "" {
		id, err := ParseIdentity(s.Identity)
		if err != nil {
			v.fail(k("server", "identity"), "[server] identity %q: %v; write it like fqdn:vpn.example.com", s.Identity, err)
		}
		cfg.LocalID = id
	}
	cfg.AppVersion = DefaultAppVersion
	if s.ApplicationVersion != nil {
		cfg.AppVersion = *s.ApplicationVersion
	}
	cfg.DPDInterval = DefaultDPDInterval
	if s.DPDInterval != "" {
		d, err := time.ParseDuration(s.DPDInterval)
		if err != nil || d < 0 || (d > 0 && d < time.Second) {
			v.fail(k("server", "dpd_interval"), "[server] dpd_interval %q: write a duration of at least 1s like \"30s\", or \"0s\" to turn DPD off", s.DPDInterval)
		}
		cfg.DPDInterval = d
	}
	cfg.QueryIdentity = s.QueryIdentity == nil || *s.QueryIdentity
	cfg.Interface = cmp.Or(s.Interface, DefaultInterface)
	if len(cfg.Interface) > 15 || strings.ContainsAny(cfg.Interface, "/ \t") {
		v.fail(k("server", "interface"), "[server] interface %q: use a name of at most 15 characters without '/' or spaces, like \"fvs0\"", s.Interface)
	}
	cfg.AdminSocket = cmp.Or(s.AdminSocket, DefaultAdminSocket)
	if !filepath.IsAbs(cfg.AdminSocket) {
		v.fail(k("server", "admin_socket"), "[server] admin_socket %q: use an absolute path like %q", s.AdminSocket, DefaultAdminSocket)
	}
}

func (v *validator) buildCertificate(cfg *Config, c *rawCertificate, hasUsers bool) {
	if (c.Cert == "") != (c.Key == "") {
		v.fail(k("certificate"), "[certificate]: set both cert and key, or neither")
		return
	}
	if c.Cert == "" {
		if hasUsers {
			v.fail(k("user"), "EAP users need the server to authenticate with a certificate; set cert and key in [certificate]")
		}
		return
	}
	cfg.CertFile = v.pemFile(k("certificate", "cert"), c.Cert, false)
	cfg.KeyFile = v.pemFile(k("certificate", "key"), c.Key, true)
	for _, ca := range c.CA {
		cfg.CAFiles = append(cfg.CAFiles, v.pemFile(k("certificate", "ca"), ca, false))
	}
}

func (v *validator) buildProposals(cfg *Config, p *rawProposals) {
	ikeList, espList := p.IKE, p.ESP
	if len(ikeList) == 0 {
		ikeList = DefaultIKEProposals
	}
	if len(espList) == 0 {
		espList = DefaultESPProposals
	}
	cfg.AllowLegacy = p.Legacy
	cfg.IKEProposals = v.proposals(k("proposals", "ike"), ikeList, wire.ProtoIKE, p.Legacy)
	cfg.ESPProposals = v.proposals(k("proposals", "esp"), espList, wire.ProtoESP, p.Legacy)
}

func (v *validator) proposals(key []any, in []string, proto wire.ProtocolID, legacy bool) []ike.Proposal {
	out := make([]ike.Proposal, 0, len(in))
	for _, s := range in {
		p, err := ParseProposal(s, proto, legacy)
		if err != nil {
			v.fail(key, "[proposals] %s: %q %v", key[1], s, err)
			continue
		}
		out = append(out, p)
	}
	return out
}

func (v *validator) buildPools(raw map[string]rawPool) Pools {
	pools := make(Pools, len(raw))
	for _, name := range sortedKeys(raw) {
		rp := raw[name]
		if rp.Prefix == "" {
			v.fail(k("pool", name), "pool %q: prefix is missing; write it like prefix = \"203.0.113.0/24\"", name)
			continue
		}
		prefix := v.prefix(k("pool", name, "prefix"), rp.Prefix, false)
		var gw netip.Addr
		if rp.Gateway != "" {
			gw = v.addr(k("pool", name, "gateway"), rp.Gateway)
		}
		excl := v.prefixes(k("pool", name, "exclude"), rp.Exclude, true)
		if !prefix.IsValid() {
			continue
		}
		p, err := NewPool(name, prefix, gw, excl)
		if err != nil {
			v.fail(k("pool", name), "%v; exclusions must lie inside the prefix and leave at least one address", err)
			continue
		}
		pools[name] = p
	}
	return pools
}

// attrs validates one attribute set; section is the key path of its table.
func (v *validator) attrs(section []any, r *rawAttrs, pools Pools) Attributes {
	key := func(name string) []any { return append(slices.Clone(section), name) }
	a := Attributes{
		Pool4:          v.poolRef(key("pool"), r.Pool, pools, false),
		Pool6:          v.poolRef(key("pool6"), r.Pool6, pools, true),
		DNS:            v.addrs(key("dns"), r.DNS),
		NBNS:           v.addrs(key("nbns"), r.NBNS),
		SplitNetworks:  v.prefixes(key("split_networks"), r.SplitNetworks, true),
		SplitDNS:       v.domains(key("split_dns"), r.SplitDNS),
		Banner:         r.Banner,
		BackupGateways: v.gatewayNames(key("backup_gateways"), r.BackupGateways),
	}
	if r.DefaultDomain != "" {
		if d := v.domains(key("default_domain"), []string{r.DefaultDomain}); len(d) == 1 {
			a.DefaultDomain = d[0]
		}
	}
	if r.Netmask != "" {
		a.Netmask = v.netmask(key("netmask"), r.Netmask)
	}
	for _, n := range a.NBNS {
		if !n.Is4() {
			v.fail(key("nbns"), "%s: NBNS (WINS) servers are IPv4 only; remove %s", where(key("nbns")), n)
		}
	}
	if len(a.SplitDNS) > maxUnityList || len(a.BackupGateways) > maxUnityList {
		v.fail(section, "%s: at most %d split_dns domains and %d backup_gateways are sent; shorten the list", where(section), maxUnityList, maxUnityList)
	}
	if len(a.Banner) > 4096 {
		v.fail(key("banner"), "%s: banner is %d bytes; keep it under 4096", where(key("banner")), len(a.Banner))
	}
	return a
}

func (v *validator) poolRef(key []any, name string, pools Pools, v6 bool) string {
	if name == "" {
		return ""
	}
	p, ok := pools[name]
	switch {
	case !ok:
		v.fail(key, "%s: no pool named %q; define it in a [pool.%s] table", where(key), name, name)
	case p.Is6() != v6 && v6:
		v.fail(key, "%s: pool6 %q is an IPv4 pool; use an IPv6 pool here or move it to pool", where(key), name)
	case p.Is6() != v6:
		v.fail(key, "%s: pool %q is an IPv6 pool; name it in pool6 instead", where(key), name)
	}
	return name
}

func (v *validator) netmask(key []any, s string) netip.Addr {
	m := v.addr4(key, s)
	if !m.IsValid() {
		return m
	}
	b := m.As4()
	ones := 0
	for ones < 32 && b[ones/8]&(0x80>>(ones%8)) != 0 {
		ones++
	}
	if p, _ := m.Prefix(ones); ones < 32 && p.Addr() != m {
		v.fail(key, "%s: netmask %s is not contiguous; write it like 255.255.255.0", where(key), s)
		return netip.Addr{}
	}
	return m
}

// gatewayNames checks backup gateway entries: addresses or host names.
func (v *validator) gatewayNames(key []any, in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, g := range in {
		if _, err := netip.ParseAddr(g); err != nil && !validHostname(g) {
			v.fail(key, "%s: %q is neither an IP address nor a host name; write it like 192.0.2.2 or vpn2.example.com", where(key), g)
			continue
		}
		out = append(out, g)
	}
	return out
}

func (v *validator) buildAuthorizer(raw *rawConfig, pools Pools) *Authorizer {
	ra := &raw.Authorization
	a := &Authorizer{
		Users:         make(map[string]*User, len(raw.User)),
		Groups:        make(map[string]*Group, len(raw.Group)),
		GroupOverride: ra.GroupOverride,
		Defaults:      v.attrs(k("config_mode"), &raw.ConfigMode, pools),
	}
	if ra.UserName != "" {
		m, err := ParseMangler(ra.UserName)
		if err != nil {
			v.fail(k("authorization", "user_name"), "[authorization] user_name %q: write one of %s", ra.UserName, ManglerSyntax)
		}
		a.UserName = m
	}
	if ra.GroupName != "" {
		m, err := ParseMangler(ra.GroupName)
		if err != nil {
			v.fail(k("authorization", "group_name"), "[authorization] group_name %q: write one of %s", ra.GroupName, ManglerSyntax)
		}
		a.GroupName = &m
	}
	for _, name := range sortedKeys(raw.Group) {
		g := raw.Group[name]
		a.Groups[name] = &Group{Name: name, Attributes: v.attrs(k("group", name), &g.rawAttrs, pools)}
	}
	if ra.DefaultGroup != "" && a.Groups[ra.DefaultGroup] == nil {
		v.fail(k("authorization", "default_group"), "[authorization] default_group %q: no such group; define [group.%s]", ra.DefaultGroup, ra.DefaultGroup)
	}
	a.DefaultGroup = ra.DefaultGroup
	for _, name := range sortedKeys(raw.User) {
		u := raw.User[name]
		a.Users[name] = v.user(name, &u, a.Groups, pools)
	}
	return a
}

func (v *validator) user(name string, r *rawUser, groups map[string]*Group, pools Pools) *User {
	u := &User{Name: name, Group: r.Group, GTCHash: r.GTCHash}
	u.Attributes = v.attrs(k("user", name), &r.rawAttrs, pools)
	if r.NTHash != "" {
		v.secrets = append(v.secrets, k("user", name, "nt_hash"))
		h, err := hex.DecodeString(r.NTHash)
		if err != nil || len(h) != 16 {
			v.fail(k("user", name, "nt_hash"), "user %q: nt_hash must be 32 hex digits, the NT hash (MD4 of the UTF-16LE password) that MS-CHAPv2 needs", name)
		}
		u.NTHash = h
	}
	if r.GTCHash != "" {
		if !validPasswordHash(r.GTCHash) {
			v.fail(k("user", name, "gtc_hash"), "user %q: gtc_hash is not an argon2id or bcrypt hash; make one with `htpasswd -nbBC 10 %s PASSWORD` and keep the part after the colon", name, name)
		}
	}
	if r.MD5Password != "" {
		v.secrets = append(v.secrets, k("user", name, "md5_password"))
		u.MD5Password = []byte(r.MD5Password)
	}
	if r.Group != "" && groups[r.Group] == nil {
		v.fail(k("user", name, "group"), "user %q: no group named %q; define [group.%s]", name, r.Group, r.Group)
	}
	if r.FramedAddress != "" {
		u.Attributes.FramedIP4 = v.addr4(k("user", name, "framed_address"), r.FramedAddress)
	}
	if r.FramedAddress6 != "" {
		u.Attributes.FramedIP6 = v.addr6(k("user", name, "framed_address6"), r.FramedAddress6)
	}
	return u
}

func (v *validator) buildKeyring(raw map[string]rawPeer) *Keyring {
	peers := make([]KeyringPeer, 0, len(raw))
	for _, name := range sortedKeys(raw) {
		if p, ok := v.peer(name, raw[name]); ok {
			peers = append(peers, p)
		}
	}
	kr, err := NewKeyring(peers)
	if err != nil {
		v.fail(k("keyring"), "%v", strings.TrimPrefix(err.Error(), ErrConfig.Error()+": "))
		return &Keyring{}
	}
	return kr
}

func (v *validator) peer(name string, r rawPeer) (KeyringPeer, bool) {
	p := KeyringPeer{Name: name}
	ok := true
	if r.Address == "" && r.Identity == "" {
		v.fail(k("keyring", name), "keyring %q: set address (like 198.51.100.0/24 or 0.0.0.0/0) or identity (like fqdn:*.example.com)", name)
		ok = false
	}
	if r.Address != "" {
		p.Address = v.prefix(k("keyring", name, "address"), r.Address, true)
		ok = ok && p.Address.IsValid()
	}
	if r.Identity != "" {
		pat, err := ParseIdentityPattern(r.Identity)
		if err != nil {
			v.fail(k("keyring", name, "identity"), "keyring %q: identity %q: %v", name, r.Identity, err)
			ok = false
		}
		p.Identity = pat
	}
	key, keyOK := v.peerKey(name, r)
	p.Key = key
	return p, ok && keyOK
}

// peerKey reads the one key source of a keyring peer: key, key_file, or
// local_key with remote_key (asymmetric keys, seed ch.3).
func (v *validator) peerKey(name string, r rawPeer) (PSK, bool) {
	sources := 0
	for _, s := range []string{r.Key, r.KeyFile, r.LocalKey + r.RemoteKey} {
		if s != "" {
			sources++
		}
	}
	switch {
	case sources != 1:
		v.fail(k("keyring", name), "keyring %q: set exactly one of key, key_file, or local_key with remote_key", name)
	case r.Key != "":
		v.secrets = append(v.secrets, k("keyring", name, "key"))
		return PSK{Local: []byte(r.Key), Remote: []byte(r.Key)}, true
	case r.KeyFile != "":
		b, _ := v.readFile(k("keyring", name, "key_file"), r.KeyFile, true)
		b = bytes.TrimRight(b, "\r\n")
		if len(b) == 0 {
			v.fail(k("keyring", name, "key_file"), "keyring %q: key_file is empty or unreadable; put the key on its first line", name)
			return PSK{}, false
		}
		return PSK{Local: b, Remote: b}, true
	case r.LocalKey == "" || r.RemoteKey == "":
		v.fail(k("keyring", name), "keyring %q: an asymmetric key needs both local_key and remote_key", name)
	default:
		v.secrets = append(v.secrets, k("keyring", name, "local_key"))
		return PSK{Local: []byte(r.LocalKey), Remote: []byte(r.RemoteKey)}, true
	}
	return PSK{}, false
}

func (v *validator) buildRedirect(cfg *Config, r *rawRedirect) {
	switch r.On {
	case "", "off":
	case "init", "auth":
		cfg.RedirectOn = r.On
	default:
		v.fail(k("redirect", "on"), "[redirect] on %q: write \"init\" (IKE_SA_INIT, preferred), \"auth\" (IKE_AUTH) or \"off\"", r.On)
	}
	cfg.RedirectPolicy = RedirectStatic
	if r.Policy != "" {
		p, err := ParseRedirectPolicy(r.Policy)
		if err != nil {
			v.fail(k("redirect", "policy"), "[redirect] policy %q: write \"static\" or \"least-sessions\"", r.Policy)
		}
		cfg.RedirectPolicy = p
	}
	for _, g := range v.gatewayNames(k("redirect", "gateways"), r.Gateways) {
		rg := RedirectGateway{Name: g}
		if a, err := netip.ParseAddr(g); err == nil {
			rg.ID.Addr = a.Unmap()
		} else {
			rg.ID.FQDN = g
		}
		cfg.RedirectTargets = append(cfg.RedirectTargets, rg)
	}
	if cfg.RedirectOn != "" && len(cfg.RedirectTargets) == 0 {
		v.fail(k("redirect", "on"), "[redirect] is on but gateways is empty; list the gateways clients may be sent to")
	}
	v.buildLoadReports(cfg, r)
}

func (v *validator) buildLimits(cfg *Config, r *rawLimits) {
	for _, f := range []struct {
		name string
		val  int
	}{{"half_open", r.HalfOpen}, {"sessions_per_identity", r.SessionsPerIdentity}, {"sessions", r.Sessions}} {
		if f.val < 0 {
			v.fail(k("limits", f.name), "[limits] %s is %d; use 0 for the default/unlimited or a positive number", f.name, f.val)
		}
	}
	cfg.HalfOpenThreshold = r.HalfOpen
	if cfg.HalfOpenThreshold <= 0 {
		cfg.HalfOpenThreshold = DefaultHalfOpenThreshold
	}
	cfg.Limits = Limits{PerIdentity: max(r.SessionsPerIdentity, 0), Total: max(r.Sessions, 0)}
}

// hasEAPUsers reports whether any user has EAP credentials; users that
// only carry attributes (certificate or PSK peers) need no server cert.
func hasEAPUsers(users map[string]rawUser) bool {
	for _, u := range users {
		if u.NTHash != "" || u.GTCHash != "" || u.MD5Password != "" {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for name := range m {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
