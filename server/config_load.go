package server

import (
	"bytes"
	"crypto/ed25519"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// loadKeyHelp says how to make the keys; several messages end with it.
const loadKeyHelp = "run `flexvpn server load-key --out load.key` on each gateway, set load_key_file = \"load.key\", " +
	"and paste the public key line it prints into the other gateways' load_peers"

// buildLoadReports validates the load-report keys of [redirect]. Reports
// are on only with load_key_file; the other keys without it are mistakes
// worth pointing out.
func (v *validator) buildLoadReports(cfg *Config, r *rawRedirect) {
	cfg.LoadPort = DefaultLoadPort
	cfg.LoadInterval = DefaultLoadInterval
	if r.LoadSecretFile != nil {
		v.fail(k("redirect", "load_secret_file"), "[redirect] load_secret_file is no longer read: load reports are signed with each gateway's own Ed25519 key instead of one cluster secret; remove it, then %s", loadKeyHelp)
	}
	if r.LoadKeyFile == "" {
		v.loadKeysMissing(r)
		if cfg.RedirectPolicy == RedirectLeastSessions {
			// Without reports no peer is ever less loaded: the policy
			// would silently never redirect.
			v.fail(k("redirect", "policy"), "[redirect] policy \"least-sessions\" needs the gateways' load reports: set load_key_file and load_peers (%s), or use policy = \"static\"", loadKeyHelp)
		}
		return
	}
	rawPeers := v.loadPeerTable(r.LoadPeers)
	keys := &LoadKeys{Private: v.loadKey(r.LoadKeyFile), Peers: v.loadPeers(rawPeers, cfg.RedirectTargets)}
	v.loadPortInterval(cfg, r)
	cfg.LoadID = r.LoadID
	if cfg.LoadID == "" {
		cfg.LoadID = firstSpecific(cfg.Listen)
	}
	if cfg.LoadID == "" || len(cfg.LoadID) > loadMaxIDLen {
		v.fail(k("redirect", "load_key_file"), "[redirect] load reports need this gateway's name as its peers list it in gateways; set load_id (1-%d characters), or listen on a specific address", loadMaxIDLen)
	}
	v.checkOwnLoadKey(keys)
	if cfg.RedirectPolicy == RedirectLeastSessions {
		v.checkLoadCoverage(cfg, rawPeers)
	}
	if keys.Private != nil {
		cfg.LoadKeys = keys
	}
}

// loadKeysMissing fails each load-report key set without load_key_file.
func (v *validator) loadKeysMissing(r *rawRedirect) {
	set := []struct {
		name string
		on   bool
	}{{"load_peers", r.LoadPeers.set}, {"load_port", r.LoadPort != nil}, {"load_id", r.LoadID != ""}, {"load_interval", r.LoadInterval != ""}}
	for _, s := range set {
		if s.on {
			v.fail(k("redirect", s.name), "[redirect] %s is set but load_key_file is not; load reports need this gateway's private key: %s", s.name, loadKeyHelp)
		}
	}
}

// loadKey reads our private key (mode 0600, PEM PKCS#8 Ed25519).
func (v *validator) loadKey(name string) ed25519.PrivateKey {
	key := k("redirect", "load_key_file")
	b, path := v.readFile(key, name, true)
	if b == nil {
		return nil
	}
	priv, err := ParseLoadKeyPEM(b)
	if err != nil {
		v.fail(key, "[redirect] load_key_file %s: %v; make a new one with `flexvpn server load-key --out %s`", path, err, path)
		return nil
	}
	return priv
}

// rawLoadPeers is load_peers as written. It decodes itself because the
// TOML decoder silently drops a value of the wrong type for a map (a list
// of keys would look like no keys at all).
type rawLoadPeers struct {
	set   bool
	table map[string]any // nil when load_peers is not a table
}

// UnmarshalTOML keeps the raw value for loadPeerTable to check.
func (p *rawLoadPeers) UnmarshalTOML(data any) error {
	p.set = true
	p.table, _ = data.(map[string]any)
	return nil
}

// loadPeerTable checks that load_peers is a table of strings.
func (v *validator) loadPeerTable(raw rawLoadPeers) map[string]string {
	if !raw.set {
		return nil
	}
	if raw.table == nil {
		v.fail(k("redirect", "load_peers"), "[redirect] load_peers must be a table of gateway names to public keys, like load_peers = { \"192.0.2.2\" = \"ed25519:BASE64\" }")
		return nil
	}
	out := make(map[string]string, len(raw.table))
	for _, name := range sortedKeys(raw.table) {
		s, ok := raw.table[name].(string)
		if !ok {
			v.fail(k("redirect", "load_peers", name), "[redirect] load_peers %q: write the public key as a string, like \"ed25519:BASE64\"", name)
			continue
		}
		out[name] = s
	}
	return out
}

// loadPeers reads the peers' public keys; each must belong to a gateway.
func (v *validator) loadPeers(raw map[string]string, gateways []RedirectGateway) map[string]ed25519.PublicKey {
	out := make(map[string]ed25519.PublicKey, len(raw))
	for _, name := range sortedKeys(raw) {
		key := k("redirect", "load_peers", name)
		if !slices.ContainsFunc(gateways, func(g RedirectGateway) bool { return g.Name == name }) {
			v.fail(key, "[redirect] load_peers %q is not in gateways; name each peer exactly as gateways does", name)
			continue
		}
		pub, err := ParseLoadPublicKey(strings.TrimSpace(raw[name]))
		if err != nil {
			v.fail(key, "[redirect] load_peers %q: %v; paste what `flexvpn server load-key --pub KEYFILE` prints on that gateway, like \"ed25519:BASE64\"", name, err)
			continue
		}
		for other, p := range out {
			if bytes.Equal(p, pub) {
				v.fail(key, "[redirect] load_peers %q has the same key as %q, so either can speak for the other; give each gateway its own key (flexvpn server load-key --out)", name, other)
			}
		}
		out[name] = pub
	}
	return out
}

// loadPortInterval reads load_port and load_interval over the defaults.
func (v *validator) loadPortInterval(cfg *Config, r *rawRedirect) {
	if r.LoadPort != nil {
		if *r.LoadPort < 1 || *r.LoadPort > 65535 {
			v.fail(k("redirect", "load_port"), "[redirect] load_port %d: write a UDP port between 1 and 65535 (default %d)", *r.LoadPort, DefaultLoadPort)
		} else {
			cfg.LoadPort = uint16(*r.LoadPort)
		}
	}
	if r.LoadInterval != "" {
		d, err := time.ParseDuration(r.LoadInterval)
		if err != nil || d < 100*time.Millisecond || d > time.Minute {
			v.fail(k("redirect", "load_interval"), "[redirect] load_interval %q: write a duration between 100ms and 1m like \"2s\"", r.LoadInterval)
		} else {
			cfg.LoadInterval = d
		}
	}
}

// checkOwnLoadKey catches a configuration copied between gateways with
// our own public key listed for a peer: that peer could then not be told
// from us, nor we from it.
func (v *validator) checkOwnLoadKey(keys *LoadKeys) {
	if keys.Private == nil {
		return
	}
	own := keys.Private.Public().(ed25519.PublicKey)
	for _, name := range sortedKeys(keys.Peers) {
		if own.Equal(keys.Peers[name]) {
			v.fail(k("redirect", "load_peers", name), "[redirect] load_peers %q is this gateway's own public key; each gateway needs its own key pair: %s", name, loadKeyHelp)
		}
	}
}

// checkLoadCoverage: with least-sessions every gateway but ourselves
// needs a key, or its reports cannot be checked and it is never chosen.
func (v *validator) checkLoadCoverage(cfg *Config, peers map[string]string) {
	for _, g := range cfg.RedirectTargets {
		if _, ok := peers[g.Name]; ok || g.Name == cfg.LoadID {
			continue
		}
		v.fail(k("redirect", "gateways"), "[redirect] policy \"least-sessions\": gateway %q has no key in load_peers, so its load reports cannot be checked and it would never be chosen; add \"%s\" = \"ed25519:...\" to load_peers (`flexvpn server load-key --pub KEYFILE` on that gateway prints it)", g.Name, g.Name)
	}
}

// firstSpecific is the first listen address that names one host.
func firstSpecific(addrs []netip.Addr) string {
	for _, a := range addrs {
		if !a.IsUnspecified() {
			return a.String()
		}
	}
	return ""
}
