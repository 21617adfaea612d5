package netns

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// swanPlugins is the explicit load list (load_modular = no). Order
// matters: kernel-libipsec must come before kernel-netlink so userspace
// ESP wins (the kernel here has no ESP). tpm is left out on purpose: there
// is no TPM daemon.
var swanPlugins = []string{
	"random", "nonce", "x509", "revocation", "constraints", "pubkey",
	"pkcs1", "pkcs7", "pkcs8", "pkcs12", "pem", "openssl", "curve25519",
	"gmp", "aes", "sha1", "sha2", "md5", "hmac", "kdf", "gcm", "chapoly",
	"kernel-libipsec", "kernel-netlink", "socket-default", "vici",
	"updown", "eap-identity", "eap-mschapv2", "eap-md5", "eap-gtc",
	"xauth-generic", "attr", "unity", "resolve",
}

// logLevels are the default file log levels: enough to follow every
// exchange (ike/cfg/enc 2 shows parsed and generated payloads) without
// key material, which needs level 4.
var logLevels = map[string]int{
	"default": 1, "ike": 2, "cfg": 2, "enc": 1, "net": 1, "chd": 2, "knl": 1,
}

// swanPaths are the files one instance uses.
type swanPaths struct {
	dir, conf, swanctlDir, runDir, resolv, log, vici string
}

// strongswanConf renders a self-contained strongswan.conf.
func (c Config) strongswanConf(p swanPaths) string {
	var w confWriter
	w.open("charon")
	w.kv("load_modular", "no")
	w.line("load = " + strings.Join(swanPlugins, " "))
	// Keep the default 16 threads: kernel-libipsec, kernel-netlink and the
	// receiver hold several permanently; with 8, vici requests starve.
	w.kv("install_virtual_ip", "yes")
	w.kv("retransmit_tries", "3")
	w.kv("retransmit_timeout", "2.0")
	for _, s := range c.Settings {
		w.line(s)
	}
	w.open("plugins")
	w.open("vici")
	w.kv("socket", "unix://"+p.vici)
	w.close()
	// An eap-gtc server checks passwords through an XAuth backend; the
	// generic one uses the EAP/XAuth secrets instead of PAM.
	w.open("eap-gtc")
	w.kv("backend", "generic")
	w.close()
	w.open("resolve")
	w.kv("file", "/etc/resolv.conf")
	w.close()
	c.writeAttrs(&w)
	w.close()
	c.writeFilelog(&w, p.log)
	w.close()
	// charon-systemd reads its own section first and falls back to
	// "charon"; silence its journal logger, which has no journald here.
	w.open("charon-systemd")
	w.open("journal")
	w.kv("default", "-1")
	w.close()
	w.close()
	return w.b.String()
}

func (c Config) writeAttrs(w *confWriter) {
	if len(c.Attrs) == 0 {
		return
	}
	w.open("attr")
	w.options(c.Attrs)
	w.close()
}

func (c Config) writeFilelog(w *confWriter, path string) {
	levels := maps.Clone(logLevels)
	maps.Copy(levels, c.LogLevels)
	w.open("filelog")
	w.open("test")
	w.kv("path", path)
	w.kv("time_format", "%H:%M:%S")
	w.kv("ike_name", "yes")
	w.kv("flush_line", "yes")
	for _, k := range slices.Sorted(maps.Keys(levels)) {
		w.kv(k, fmt.Sprint(levels[k]))
	}
	w.close()
	w.close()
}
