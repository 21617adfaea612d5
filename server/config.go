package server

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/BurntSushi/toml"

	"flexvpn/internal/tomlpos"
	"flexvpn/tunnel/ike"
)

// The server configuration file (TOML, strict). server.example.toml
// documents every key. The raw* types mirror the file; Load validates them
// into Config, collecting every problem with its file and line so the
// admin can fix them all in one go.

type rawConfig struct {
	Server        rawServer           `toml:"server"`
	Certificate   rawCertificate      `toml:"certificate"`
	Proposals     rawProposals        `toml:"proposals"`
	Authorization rawAuthorization    `toml:"authorization"`
	ConfigMode    rawAttrs            `toml:"config_mode"`
	Pool          map[string]rawPool  `toml:"pool"`
	Keyring       map[string]rawPeer  `toml:"keyring"`
	User          map[string]rawUser  `toml:"user"`
	Group         map[string]rawGroup `toml:"group"`
	Redirect      rawRedirect         `toml:"redirect"`
	Limits        rawLimits           `toml:"limits"`
}

type rawServer struct {
	Listen             []string `toml:"listen"`
	Identity           string   `toml:"identity"`
	ApplicationVersion *string  `toml:"application_version"`
	DPDInterval        string   `toml:"dpd_interval"`
	QueryIdentity      *bool    `toml:"query_identity"`
	Interface          string   `toml:"interface"`
	AdminSocket        string   `toml:"admin_socket"`
}

type rawCertificate struct {
	Cert string   `toml:"cert"`
	Key  string   `toml:"key"`
	CA   []string `toml:"ca"`
}

type rawProposals struct {
	IKE    []string `toml:"ike"`
	ESP    []string `toml:"esp"`
	Legacy bool     `toml:"legacy"`
}

type rawAuthorization struct {
	UserName      string `toml:"user_name"`
	GroupName     string `toml:"group_name"`
	DefaultGroup  string `toml:"default_group"`
	GroupOverride bool   `toml:"group_override"`
}

// rawAttrs are the attribute keys shared by [config_mode], [group.*] and
// [user.*].
type rawAttrs struct {
	Pool           string   `toml:"pool"`
	Pool6          string   `toml:"pool6"`
	Netmask        string   `toml:"netmask"`
	DNS            []string `toml:"dns"`
	NBNS           []string `toml:"nbns"`
	SplitNetworks  []string `toml:"split_networks"`
	SplitDNS       []string `toml:"split_dns"`
	DefaultDomain  string   `toml:"default_domain"`
	Banner         string   `toml:"banner"`
	BackupGateways []string `toml:"backup_gateways"`
}

type rawPool struct {
	Prefix  string   `toml:"prefix"`
	Gateway string   `toml:"gateway"`
	Exclude []string `toml:"exclude"`
}

type rawPeer struct {
	Address   string `toml:"address"`
	Identity  string `toml:"identity"`
	Key       string `toml:"key"`
	KeyFile   string `toml:"key_file"`
	LocalKey  string `toml:"local_key"`
	RemoteKey string `toml:"remote_key"`
}

type rawUser struct {
	NTHash         string `toml:"nt_hash"`
	GTCHash        string `toml:"gtc_hash"`
	MD5Password    string `toml:"md5_password"`
	Group          string `toml:"group"`
	FramedAddress  string `toml:"framed_address"`
	FramedAddress6 string `toml:"framed_address6"`
	rawAttrs
}

type rawGroup struct {
	rawAttrs
}

type rawRedirect struct {
	On           string       `toml:"on"`
	Policy       string       `toml:"policy"`
	Gateways     []string     `toml:"gateways"`
	LoadPort     *int         `toml:"load_port"`
	LoadKeyFile  string       `toml:"load_key_file"`
	LoadPeers    rawLoadPeers `toml:"load_peers"`
	LoadID       string       `toml:"load_id"`
	LoadInterval string       `toml:"load_interval"`
	// LoadSecretFile is read only to say what replaced it.
	LoadSecretFile *string `toml:"load_secret_file"`
}

type rawLimits struct {
	HalfOpen            int `toml:"half_open"`
	SessionsPerIdentity int `toml:"sessions_per_identity"`
	Sessions            int `toml:"sessions"`
}

// Config is a validated server configuration.
type Config struct {
	Path string

	Listen        []netip.Addr // IKE listens on UDP 500 and 4500 of each
	LocalID       Identity     // zero = taken from the certificate
	AppVersion    string       // APPLICATION_VERSION sent in CFG_REPLY
	DPDInterval   time.Duration
	QueryIdentity bool   // EAP: send EAP-Identity first (seed default: on)
	Interface     string // TUN device name
	AdminSocket   string // path of the admin control socket

	CertFile, KeyFile string
	CAFiles           []string

	IKEProposals, ESPProposals []ike.Proposal // for ike.Config
	AllowLegacy                bool           // [proposals] legacy: also accept legacy algorithms

	Keyring    *Keyring
	Authorizer *Authorizer
	Pools      Pools

	RedirectOn      string // "" (off), "init" or "auth"
	RedirectPolicy  RedirectPolicy
	RedirectTargets []RedirectGateway
	// Load reports between the gateways (least-sessions): on when
	// LoadKeys is set: our private key and the peers' public keys.
	LoadKeys     *LoadKeys
	LoadPort     uint16
	LoadID       string // our name in the peers' gateways lists
	LoadInterval time.Duration

	HalfOpenThreshold int // half-open IKE SAs above which cookies are required
	Limits            Limits
}

// Defaults for keys left out.
const (
	DefaultDPDInterval       = 30 * time.Second
	DefaultHalfOpenThreshold = 100
	DefaultAppVersion        = "flexvpn"
	DefaultInterface         = "fvs0"
	DefaultAdminSocket       = "/run/flexvpn/server.sock"
)

// ConfigError is one problem in the configuration file, at File:Line (0
// when the line is unknown), with the fix in Msg.
type ConfigError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap makes every ConfigError match ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// Load reads and validates the configuration at path. Relative file names
// inside it are relative to its directory.
func Load(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))}
	}
	return Parse(path, src)
}

// Parse validates configuration bytes; path names the file in errors, is
// checked for permissions when the file holds secrets, and anchors
// relative file names.
func Parse(path string, src []byte) (*Config, error) {
	var raw rawConfig
	md, err := toml.Decode(string(src), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &ConfigError{File: path, Line: pe.Position.Line, Msg: pe.Message}
		}
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	v := &validator{path: path, pos: tomlpos.New(src)}
	for _, k := range topUndecoded(md.Undecoded()) {
		v.fail(keyPath(k), "unknown key %q; server.example.toml lists the keys each section takes", k.String())
	}
	cfg := v.build(&raw)
	if err := errors.Join(v.errs...); err != nil {
		return nil, err
	}
	return cfg, nil
}

// topUndecoded drops keys inside an unknown table: one error for a
// misspelt section, not one per key in it.
func topUndecoded(keys []toml.Key) []toml.Key {
	var out []toml.Key
	for _, k := range keys {
		if len(out) > 0 && isPrefix(out[len(out)-1], k) {
			continue
		}
		out = append(out, k)
	}
	return out
}

func isPrefix(p, k toml.Key) bool {
	if len(p) >= len(k) {
		return false
	}
	for i := range p {
		if p[i] != k[i] {
			return false
		}
	}
	return true
}

func keyPath(k toml.Key) []any {
	out := make([]any, len(k))
	for i, s := range k {
		out[i] = s
	}
	return out
}

// Authorize is a shortcut for cfg.Authorizer.Authorize.
func (c *Config) Authorize(req AuthzRequest) (Authorization, error) {
	return c.Authorizer.Authorize(req)
}
