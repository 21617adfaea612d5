package netns

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Config describes one strongSwan instance: the swanctl.conf content
// (connections, secrets, pools), files for the swanctl directory and a few
// strongswan.conf settings. Zero values mean strongSwan's defaults except
// where a field says otherwise.
type Config struct {
	Conns   []Conn
	Secrets []Secret
	Pools   []Pool
	// Files are written into the swanctl directory; keys are relative
	// paths such as "x509ca/ca.pem", "x509/gw.pem", "private/gw.pem".
	Files map[string][]byte
	// Attrs are attr plugin entries (charon.plugins.attr), for example
	// "dns": "198.51.100.53" or "28672": "banner text" (Unity banner).
	Attrs map[string]string
	// LogLevels override file log levels per subsystem (ike, cfg, enc,
	// net, knl, chd, lib, ...), on top of logLevels below.
	LogLevels map[string]int
	// Settings are extra "key = value" lines in the charon section, for
	// example "fragment_size = 576" or "plugins.eap-mschapv2.foo = bar".
	Settings []string
}

// Conn is one swanctl connection (IKE_SA config).
type Conn struct {
	Name        string
	LocalAddrs  []string
	RemoteAddrs []string
	Proposals   []string // IKE proposals; default "default"
	// Encap forces UDP encapsulation; kernel-libipsec needs ESP in UDP
	// anyway, so strongSwan floats to 4500 regardless.
	Encap    bool
	DPDDelay time.Duration
	Pools    []string
	VIPs     []string // "0.0.0.0" asks for any IPv4 virtual address
	Local    []Auth   // rounds local-1, local-2, ...
	Remote   []Auth   // rounds remote-1, ...
	Children []Child
	// Options are other connection keys, e.g. "rekey_time": "0s",
	// "send_certreq": "no", "unique": "never", "fragmentation": "force".
	Options map[string]string
}

// Auth is one authentication round.
type Auth struct {
	Auth    string // psk, pubkey, eap-mschapv2, eap-md5, eap-gtc, eap-dynamic...
	ID      string
	EAPID   string   // "%any" on a gateway makes it ask for the EAP identity
	Certs   []string // file names under x509/
	CACerts []string // file names under x509ca/ to constrain the peer's CA
	Options map[string]string
}

// Child is one CHILD_SA config.
type Child struct {
	Name         string
	LocalTS      []string
	RemoteTS     []string
	ESPProposals []string // default "default"
	StartAction  string
	DPDAction    string
	Options      map[string]string
}

// Secret is one entry in the secrets section.
type Secret struct {
	Type   string // "ike" (PSK) or "eap" (also used for xauth)
	IDs    []string
	Secret string
}

// Pool is a virtual IP pool with its attributes.
type Pool struct {
	Name    string
	Addrs   string // "203.0.113.0/24" or a range "203.0.113.10-203.0.113.20"
	DNS     []string
	Options map[string]string // e.g. "split_include": "198.51.100.0/24"
}

// confWriter renders the nested strongSwan configuration syntax.
type confWriter struct {
	b     strings.Builder
	depth int
}

func (w *confWriter) open(name string) {
	w.line(name + " {")
	w.depth++
}

func (w *confWriter) close() {
	w.depth--
	w.line("}")
}

func (w *confWriter) line(s string) {
	w.b.WriteString(strings.Repeat("  ", w.depth))
	w.b.WriteString(s)
	w.b.WriteByte('\n')
}

// kv writes key = value, skipping empty values.
func (w *confWriter) kv(key, value string) {
	if value != "" {
		w.line(key + " = " + quote(value))
	}
}

func (w *confWriter) list(key string, values []string) {
	w.kv(key, strings.Join(values, ","))
}

// options writes extra keys in a stable order.
func (w *confWriter) options(m map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		w.kv(k, m[k])
	}
}

// quote quotes values that the parser would otherwise split or mangle.
func quote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\"\\#{}=\n") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

// SwanctlConf renders the swanctl.conf for c.
func (c Config) SwanctlConf() string {
	var w confWriter
	w.open("connections")
	for _, conn := range c.Conns {
		conn.write(&w)
	}
	w.close()
	w.open("pools")
	for _, p := range c.Pools {
		w.open(p.Name)
		w.kv("addrs", p.Addrs)
		w.list("dns", p.DNS)
		w.options(p.Options)
		w.close()
	}
	w.close()
	w.open("secrets")
	for i, s := range c.Secrets {
		s.write(&w, i+1)
	}
	w.close()
	return w.b.String()
}

func (conn Conn) write(w *confWriter) {
	w.open(conn.Name)
	w.kv("version", "2")
	w.list("local_addrs", conn.LocalAddrs)
	w.list("remote_addrs", conn.RemoteAddrs)
	w.list("proposals", conn.Proposals)
	if conn.Encap {
		w.kv("encap", "yes")
	}
	if conn.DPDDelay > 0 {
		w.kv("dpd_delay", durationString(conn.DPDDelay))
	}
	w.list("pools", conn.Pools)
	w.list("vips", conn.VIPs)
	w.options(conn.Options)
	writeRounds(w, "local", conn.Local)
	writeRounds(w, "remote", conn.Remote)
	w.open("children")
	for _, ch := range conn.Children {
		ch.write(w)
	}
	w.close()
	w.close()
}

func writeRounds(w *confWriter, side string, rounds []Auth) {
	for i, a := range rounds {
		w.open(fmt.Sprintf("%s-%d", side, i+1))
		w.kv("auth", a.Auth)
		w.kv("id", a.ID)
		w.kv("eap_id", a.EAPID)
		w.list("certs", a.Certs)
		w.list("cacerts", a.CACerts)
		w.options(a.Options)
		w.close()
	}
}

func (ch Child) write(w *confWriter) {
	w.open(ch.Name)
	w.list("local_ts", ch.LocalTS)
	w.list("remote_ts", ch.RemoteTS)
	w.list("esp_proposals", ch.ESPProposals)
	w.kv("start_action", ch.StartAction)
	w.kv("dpd_action", ch.DPDAction)
	w.options(ch.Options)
	w.close()
}

func (s Secret) write(w *confWriter, n int) {
	w.open(fmt.Sprintf("%s-%d", s.Type, n))
	for i, id := range s.IDs {
		w.kv(fmt.Sprintf("id-%d", i+1), id)
	}
	w.kv("secret", s.Secret)
	w.close()
}

// durationString renders whole seconds the way swanctl expects ("30s").
func durationString(d time.Duration) string {
	return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
}
