// Package profile is the client's connection profile: a TOML file per VPN
// with the gateways, how to authenticate, how to verify the gateway, and
// what to do with routes and DNS. Load validates everything up front and
// reports problems as "file:line: what is wrong; how to fix it".
package profile

import (
	"net/netip"
	"time"

	"flexvpn/tunnel/ike"
)

// Connect modes (seed chapter 5).
const (
	ConnectAuto   = "auto"   // connect at start, retry forever
	ConnectManual = "manual" // connect on command; a failed first try needs the user again, a lost tunnel is retried until disconnect
	ConnectTrack  = "track"  // connect while a tracked object is in a state
)

// Auth methods.
const (
	AuthEAP  = "eap"
	AuthPSK  = "psk"
	AuthCert = "cert"
)

// Profile is one VPN connection.
type Profile struct {
	Name    string    `toml:"name"`
	Connect string    `toml:"connect"`
	Track   string    `toml:"track"` // for connect = "track": "OBJECT up|down"
	Peers   []Peer    `toml:"peer"`
	Auth    Auth      `toml:"auth"`
	Gateway Gateway   `toml:"gateway"`
	IKE     IKE       `toml:"ike"`
	Routes  Routes    `toml:"routes"`
	DNS     DNS       `toml:"dns"`
	Objects []TrackOb `toml:"track_object"`

	// Path is the file the profile came from; Secrets is read from
	// Auth.SecretsFile (never from the profile itself).
	Path    string  `toml:"-"`
	Secrets Secrets `toml:"-"`
}

// Peer is a gateway in the static list.
type Peer struct {
	Seq int `toml:"seq"`
	// Host is written "gw.example.com", "192.0.2.1", "2001:db8::1", or
	// with the gateway's IKE port (a port forward): "gw.example.com:10500",
	// "[2001:db8::1]:10500". Load splits the port off into Port, so after
	// Load Host is the bare name or address.
	Host  string `toml:"host"`
	Track string `toml:"track"`
	// NATTPort is the gateway's NAT-T port (0: 4500). When it equals the
	// IKE port the client starts on NAT-T at once (one forwarded port).
	NATTPort int `toml:"natt_port"`
	// Port is the IKE port from Host (0: 500).
	Port uint16 `toml:"-"`
}

// Auth says how the client proves itself.
type Auth struct {
	Method      string   `toml:"method"`
	Identity    string   `toml:"identity"` // IKE identity: email, FQDN, IP or DN
	EAPUsername string   `toml:"eap_username"`
	EAPMethods  []string `toml:"eap_methods"` // order offered; default mschapv2, md5, gtc
	SecretsFile string   `toml:"secrets_file"`
	Cert        string   `toml:"cert"`
	Key         string   `toml:"key"`
}

// Gateway says how the gateway is verified.
type Gateway struct {
	CA       string `toml:"ca"`       // PEM bundle of trusted CAs (cert and EAP)
	Identity string `toml:"identity"` // expected identity; default: the peer host
}

// IKE tunes the protocol.
type IKE struct {
	AllowLegacy  bool     `toml:"allow_legacy"` // DH 2/5, 3DES, MD5, SHA1 for old headends
	FragmentMTU  int      `toml:"fragment_mtu"` // 68..1500; 0 = 576 (IPv4) / 1280 (IPv6)
	DPDInterval  Duration `toml:"dpd_interval"`
	DPDRetry     Duration `toml:"dpd_retry"`
	MaxRedirects int      `toml:"max_redirects"`
	NoEncap      bool     `toml:"no_force_encap"` // allow raw ESP; default UDP 4500 always
	// IKEProposals and ESPProposals are offered in order, each written
	// like "aes256gcm16-prfsha384-x25519-ke1_mlkem768" (the server's
	// [proposals] keywords); empty: the engine's modern defaults.
	IKEProposals []string `toml:"ike_proposals"`
	ESPProposals []string `toml:"esp_proposals"`

	ikeProps, espProps []ike.Proposal
}

// Routes filters what the gateway pushes.
type Routes struct {
	// Accept limits pushed networks to these prefixes (default: any).
	Accept []string `toml:"accept"`
	// Exclude keeps these networks off the tunnel in addition to LOCAL_LAN.
	Exclude []string `toml:"exclude"`
	// Advertise are networks behind a router client, sent in CFG_REQUEST.
	Advertise []string `toml:"advertise"`

	accept, exclude, advertise []netip.Prefix
}

// DNS controls the split-DNS proxy.
type DNS struct {
	// Split (default true) sends only pushed domains to the tunnel servers.
	Split *bool `toml:"split"`
	// Listen is where the proxy serves (default 127.0.0.53:53 is taken by
	// systemd-resolved, so 127.0.0.54:53... set by the platform).
	Listen []string `toml:"listen"`
}

// TrackOb is a tracked object: a reachability probe or an interface.
type TrackOb struct {
	Name      string   `toml:"name"`
	Probe     string   `toml:"probe"` // icmp, tcp, dns, interface
	Target    string   `toml:"target"`
	Interval  Duration `toml:"interval"`
	Threshold int      `toml:"threshold"`
}

// Secrets are read from the 0600 secrets file.
type Secrets struct {
	Password string `toml:"password"`
	PSK      string `toml:"psk"`
}

// AcceptPrefixes returns the parsed route filter (empty: accept any).
func (r Routes) AcceptPrefixes() []netip.Prefix { return r.accept }

// ExcludePrefixes returns the parsed exclusions.
func (r Routes) ExcludePrefixes() []netip.Prefix { return r.exclude }

// AdvertisePrefixes returns the parsed advertised networks.
func (r Routes) AdvertisePrefixes() []netip.Prefix { return r.advertise }

// SplitDNS reports whether split DNS is on (the default).
func (d DNS) SplitDNS() bool { return d.Split == nil || *d.Split }

// Duration is a time.Duration written as "30s" in TOML.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }
