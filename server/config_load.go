package server

import (
	"bytes"
	"net/netip"
	"time"
)

// minLoadSecret is the shortest shared secret accepted for load reports:
// an HMAC key much shorter than this can be guessed offline from one
// captured report.
const minLoadSecret = 16

// buildLoadReports validates the load-report keys of [redirect]. Reports
// are on only with load_secret_file; the other keys without it are
// mistakes worth pointing out.
func (v *validator) buildLoadReports(cfg *Config, r *rawRedirect) {
	cfg.LoadPort = DefaultLoadPort
	cfg.LoadInterval = DefaultLoadInterval
	if r.LoadSecretFile == "" {
		for name, set := range map[string]bool{"load_port": r.LoadPort != nil, "load_id": r.LoadID != "", "load_interval": r.LoadInterval != ""} {
			if set {
				v.fail(k("redirect", name), "[redirect] %s is set but load_secret_file is not; load reports need the cluster's shared secret", name)
			}
		}
		return
	}
	cfg.LoadSecret = v.loadSecret(r.LoadSecretFile)
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
	cfg.LoadID = r.LoadID
	if cfg.LoadID == "" {
		cfg.LoadID = firstSpecific(cfg.Listen)
	}
	if cfg.LoadID == "" || len(cfg.LoadID) > loadMaxIDLen {
		v.fail(k("redirect", "load_secret_file"), "[redirect] load reports need this gateway's name as its peers list it in gateways; set load_id (1-%d characters), or listen on a specific address", loadMaxIDLen)
	}
}

// loadSecret reads the shared secret (mode 0600, surrounding whitespace
// ignored so an editor's newline does not split the cluster).
func (v *validator) loadSecret(name string) []byte {
	key := k("redirect", "load_secret_file")
	b, path := v.readFile(key, name, true)
	if b == nil {
		return nil
	}
	b = bytes.TrimSpace(b)
	if len(b) < minLoadSecret {
		v.fail(key, "[redirect] %s holds %d bytes; the load secret needs at least %d, e.g. from openssl rand -hex 32 > %s", path, len(b), minLoadSecret, path)
		return nil
	}
	return b
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
