package netns

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Names the presets use for connections and children.
const (
	GatewayConn = "gw"  // connection name on a preset gateway
	ClientConn  = "vpn" // connection name on a preset client
	ChildName   = "net" // the CHILD_SA name on both
)

// Preset file names inside the swanctl directory.
const (
	presetCA   = "ca.pem"
	presetCert = "own.pem"
	presetKey  = "own.pem"
)

// GatewaySpec describes a typical remote-access gateway; Config turns it
// into a strongSwan configuration with connection GatewayConn.
type GatewaySpec struct {
	Addr netip.Addr // local address on the inet segment
	ID   string     // IKE identity; default Addr
	// Local auth: pubkey when Cert is set, otherwise psk with PSK.
	PSK       string
	Cert, Key []byte // PEM
	CACert    []byte // trusted for client certificates
	// RemoteAuth is psk (default), pubkey, eap-mschapv2, eap-md5,
	// eap-gtc or eap-dynamic. EAP gateways ask for the EAP identity.
	RemoteAuth string
	RemoteID   string            // default %any
	Users      map[string]string // EAP (and GTC) users and passwords
	Pool       netip.Prefix      // virtual IPv4 pool; none when invalid
	Pool6      netip.Prefix      // virtual IPv6 pool; none when invalid
	DNS        []netip.Addr      // pushed with the pool(s)
	// LocalTS defaults to the LAN behind the gateway (198.51.100.0/24).
	// The gateway must own an address inside LocalTS (give it a LAN with
	// Topology.AddLAN): kernel-libipsec routes the client's virtual IP
	// with such a source address and the CHILD_SA fails without one
	// ("error installing route with policy").
	LocalTS []netip.Prefix
	// RemoteTS defaults to "dynamic": the client's virtual IP. Set it for
	// a router client that announces its own networks. A client's outer
	// (IKE) address cannot be a traffic selector here: kernel-libipsec
	// refuses the route ("conflicts with IKE traffic") and the gateway
	// answers TS_UNACCEPTABLE, so clients without a pool address fail.
	RemoteTS     []netip.Prefix
	Proposals    []string
	ESPProposals []string
	DPD          time.Duration
	// PoolOptions add pool attributes: "split_include", "28672" (Unity
	// banner), "25" (INTERNAL_DNS_DOMAIN)...
	PoolOptions map[string]string
}

// ClientSpec describes a strongSwan road warrior; Config turns it into a
// configuration with connection ClientConn and child ChildName.
type ClientSpec struct {
	Gateway   netip.Addr
	GatewayID string // expected gateway identity; default Gateway
	ID        string // own IKE identity
	// Auth is psk (default), pubkey or eap-mschapv2 / eap-md5 / eap-gtc.
	Auth        string
	PSK         string
	Cert, Key   []byte // PEM, for pubkey
	CACert      []byte // trusted for the gateway certificate
	EAPUser     string // default ID
	EAPPassword string
	// GatewayAuth is how the gateway proves itself: pubkey when CACert
	// is set, otherwise psk.
	VirtualIP  bool           // request an IPv4 address (CP)
	VirtualIP6 bool           // request an IPv6 address (CP)
	RemoteTS   []netip.Prefix // default the gateway's LAN
	// LocalTS defaults to "dynamic" (the virtual IP); a router client
	// sets the networks it announces and must own an address in them.
	LocalTS      []netip.Prefix
	Proposals    []string
	ESPProposals []string
	DPD          time.Duration
	// Fragmentation is the fragmentation option; default "yes".
	Fragmentation string
}

// Config builds the gateway configuration.
func (g GatewaySpec) Config() Config {
	cfg := Config{Files: map[string][]byte{}}
	conn := Conn{
		Name:       GatewayConn,
		LocalAddrs: []string{g.Addr.String()},
		Proposals:  g.Proposals,
		DPDDelay:   g.DPD,
		Options:    map[string]string{"fragmentation": "yes"},
	}
	local := Auth{Auth: "psk", ID: orDefault(g.ID, g.Addr.String())}
	if g.Cert != nil {
		local.Auth, local.Certs = "pubkey", []string{presetCert}
		cfg.Files["x509/"+presetCert], cfg.Files["private/"+presetKey] = g.Cert, g.Key
	}
	if g.CACert != nil {
		cfg.Files["x509ca/"+presetCA] = g.CACert
	}
	remote := Auth{Auth: orDefault(g.RemoteAuth, "psk"), ID: orDefault(g.RemoteID, "%any")}
	if strings.HasPrefix(remote.Auth, "eap") {
		remote.EAPID = "%any"
	}
	conn.Local, conn.Remote = []Auth{local}, []Auth{remote}
	if g.PSK != "" {
		cfg.Secrets = append(cfg.Secrets, Secret{Type: "ike", IDs: []string{local.ID}, Secret: g.PSK})
	}
	for _, u := range sortedKeys(g.Users) {
		cfg.Secrets = append(cfg.Secrets, Secret{Type: "eap", IDs: []string{u}, Secret: g.Users[u]})
	}
	for i, p := range []netip.Prefix{g.Pool, g.Pool6} {
		if !p.IsValid() {
			continue
		}
		name := []string{"pool4", "pool6"}[i]
		conn.Pools = append(conn.Pools, name)
		cfg.Pools = append(cfg.Pools, Pool{Name: name, Addrs: p.String(), DNS: addrStrings(g.DNS), Options: g.PoolOptions})
	}
	ts := g.LocalTS
	if ts == nil {
		ts = []netip.Prefix{LANPrefix}
	}
	conn.Children = []Child{{Name: ChildName, LocalTS: prefixStrings(ts), RemoteTS: prefixStrings(g.RemoteTS),
		ESPProposals: g.ESPProposals}}
	cfg.Conns = []Conn{conn}
	return cfg
}

// Config builds the client configuration.
func (c ClientSpec) Config() Config {
	cfg := Config{Files: map[string][]byte{}}
	conn := Conn{
		Name:        ClientConn,
		RemoteAddrs: []string{c.Gateway.String()},
		Proposals:   c.Proposals,
		Encap:       true,
		DPDDelay:    c.DPD,
		Options:     map[string]string{"fragmentation": orDefault(c.Fragmentation, "yes")},
	}
	if c.VirtualIP {
		conn.VIPs = append(conn.VIPs, "0.0.0.0")
	}
	if c.VirtualIP6 {
		conn.VIPs = append(conn.VIPs, "::")
	}
	local := Auth{Auth: orDefault(c.Auth, "psk"), ID: c.ID}
	switch {
	case local.Auth == "pubkey":
		local.Certs = []string{presetCert}
		cfg.Files["x509/"+presetCert], cfg.Files["private/"+presetKey] = c.Cert, c.Key
	case strings.HasPrefix(local.Auth, "eap"):
		local.EAPID = orDefault(c.EAPUser, c.ID)
		cfg.Secrets = append(cfg.Secrets, Secret{Type: "eap", IDs: []string{local.EAPID}, Secret: c.EAPPassword})
	}
	remote := Auth{Auth: "psk", ID: orDefault(c.GatewayID, c.Gateway.String())}
	if c.CACert != nil {
		remote.Auth = "pubkey"
		cfg.Files["x509ca/"+presetCA] = c.CACert
	}
	if local.Auth == "psk" || remote.Auth == "psk" {
		cfg.Secrets = append(cfg.Secrets, Secret{Type: "ike", IDs: []string{remote.ID}, Secret: c.PSK})
	}
	conn.Local, conn.Remote = []Auth{local}, []Auth{remote}
	ts := c.RemoteTS
	if ts == nil {
		ts = []netip.Prefix{LANPrefix}
	}
	conn.Children = []Child{{Name: ChildName, LocalTS: prefixStrings(c.LocalTS), RemoteTS: prefixStrings(ts),
		ESPProposals: c.ESPProposals}}
	cfg.Conns = []Conn{conn}
	return cfg
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func addrStrings(as []netip.Addr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
