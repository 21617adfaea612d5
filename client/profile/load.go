package profile

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"flexvpn/internal/tomlpos"
)

// Error is a problem in a profile, located at File:Line (0 when the line
// is unknown), with the fix in the message.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Defaults applied by Load.
const (
	DefaultDPDInterval  = 30 * time.Second
	DefaultDPDRetry     = 6 * time.Second
	DefaultMaxRedirects = 5
)

// Load reads, validates and completes the profile at path, including its
// secrets file. Every error names the file and line and says how to fix it.
func Load(path string) (*Profile, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Parse is Load on bytes already read; path is used for messages and to
// resolve relative file names.
func Parse(path string, src []byte) (*Profile, error) {
	return parse(path, src, true)
}

func parse(path string, src []byte, checkFiles bool) (*Profile, error) {
	var p Profile
	md, err := toml.Decode(string(src), &p)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: path, Line: pe.Position.Line, Msg: pe.Message}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	v := &validator{path: path, pos: tomlpos.New(src), skipFiles: !checkFiles}
	for _, k := range md.Undecoded() {
		v.fail([]any{k.String()}, "unknown key %q; check the spelling against the documented keys", k.String())
	}
	p.Path = path
	v.check(&p)
	if err := errors.Join(v.errs...); err != nil {
		return nil, err
	}
	return &p, nil
}

// validator collects every problem so the user can fix them in one go.
type validator struct {
	path      string
	pos       *tomlpos.Index
	errs      []error
	skipFiles bool
}

func (v *validator) fail(key []any, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.path, Line: v.pos.Line(key...), Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) check(p *Profile) {
	if p.Name == "" {
		p.Name = strings.TrimSuffix(baseName(p.Path), ".toml")
	}
	for _, f := range []*string{&p.Auth.SecretsFile, &p.Auth.Cert, &p.Auth.Key, &p.Gateway.CA} {
		*f = resolve(p.Path, *f)
	}
	v.checkConnect(p)
	v.checkPeers(p)
	v.checkAuth(p)
	v.checkGateway(p)
	v.checkIKE(p)
	p.Routes.accept = v.prefixes([]any{"routes", "accept"}, p.Routes.Accept)
	p.Routes.exclude = v.prefixes([]any{"routes", "exclude"}, p.Routes.Exclude)
	p.Routes.advertise = v.prefixes([]any{"routes", "advertise"}, p.Routes.Advertise)
	for i, l := range p.DNS.Listen {
		if _, err := netip.ParseAddrPort(l); err != nil {
			v.fail([]any{"dns", "listen"}, "dns.listen[%d] %q is not address:port; write it like 127.0.0.54:53", i, l)
		}
	}
}

func (v *validator) checkConnect(p *Profile) {
	switch p.Connect {
	case "":
		p.Connect = ConnectManual
	case ConnectAuto, ConnectManual:
	case ConnectTrack:
		obj, state, ok := strings.Cut(p.Track, " ")
		if !ok || (state != "up" && state != "down") || !v.hasObject(p, obj) {
			v.fail([]any{"track"}, `connect = "track" needs track = "OBJECT up" or "OBJECT down" naming a [[track_object]]`)
		}
	default:
		v.fail([]any{"connect"}, "connect %q is not one of auto, manual, track", p.Connect)
	}
}

func (v *validator) hasObject(p *Profile, name string) bool {
	for _, o := range p.Objects {
		if o.Name == name {
			return true
		}
	}
	return false
}

func (v *validator) checkPeers(p *Profile) {
	if len(p.Peers) == 0 {
		v.fail(nil, `no gateway: add a [[peer]] table with host = "gw.example.com"`)
	}
	seqs := map[int]bool{}
	for i := range p.Peers {
		peer := &p.Peers[i]
		if peer.Seq == 0 {
			peer.Seq = (i + 1) * 10
		}
		if seqs[peer.Seq] {
			v.fail([]any{"peer", i, "seq"}, "peer seq %d is used twice; give each peer its own seq (lower is preferred)", peer.Seq)
		}
		seqs[peer.Seq] = true
		v.peerAddress(i, peer)
		if peer.Track != "" {
			v.peerTrack(p, i, peer.Track)
		}
	}
}

// peerTrack checks a peer's track: "OBJECT", "OBJECT up" or "OBJECT
// down", naming one of the profile's objects.
func (v *validator) peerTrack(p *Profile, i int, track string) {
	key := []any{"peer", i, "track"}
	f := strings.Fields(track)
	if len(f) == 0 || len(f) > 2 || len(f) == 2 && f[1] != "up" && f[1] != "down" {
		v.fail(key, `peer track %q must be "OBJECT", "OBJECT up" or "OBJECT down"`, track)
		return
	}
	if !v.hasObject(p, f[0]) {
		v.fail(key, "peer track %q names no [[track_object]]; add one with name = %q", track, f[0])
	}
}

func (v *validator) checkAuth(p *Profile) {
	a := &p.Auth
	if a.Identity == "" {
		v.fail([]any{"auth", "identity"}, `auth.identity is missing; set your IKE identity, e.g. identity = "user@example.com"`)
	}
	v.identity([]any{"auth", "identity"}, "auth.identity", a.Identity)
	switch a.Method {
	case AuthEAP:
		v.checkEAP(a)
	case AuthPSK:
		if a.SecretsFile == "" && !v.skipFiles {
			v.fail([]any{"auth"}, `auth.method "psk" needs secrets_file with psk = "..." (a file of mode 0600)`)
		}
	case AuthCert:
		v.file([]any{"auth", "cert"}, "auth.cert", a.Cert, false)
		v.file([]any{"auth", "key"}, "auth.key", a.Key, true)
	default:
		v.fail([]any{"auth", "method"}, "auth.method %q is not one of eap, psk, cert", a.Method)
	}
	if a.SecretsFile != "" {
		v.secrets(p)
	}
}

func (v *validator) checkEAP(a *Auth) {
	if len(a.EAPMethods) == 0 {
		a.EAPMethods = []string{"mschapv2", "md5", "gtc"}
	}
	for _, m := range a.EAPMethods {
		if m != "mschapv2" && m != "md5" && m != "gtc" {
			v.fail([]any{"auth", "eap_methods"}, "EAP method %q is not supported; use mschapv2, md5 or gtc", m)
		}
	}
	// Without an EAP username the IKE identity is the EAP identity, and an
	// address cannot be one (seed chapter 5).
	if _, err := netip.ParseAddr(a.Identity); err == nil && a.EAPUsername == "" {
		v.fail([]any{"auth", "identity"}, "an IP address identity cannot be the EAP identity; set auth.eap_username or use an email or FQDN identity")
	}
	if _, dn := IsDN(a.Identity); dn && a.EAPUsername == "" {
		v.fail([]any{"auth", "identity"}, "a distinguished-name identity cannot be the EAP identity; set auth.eap_username")
	}
}

func (v *validator) checkGateway(p *Profile) {
	needsCA := p.Auth.Method == AuthEAP || p.Auth.Method == AuthCert
	if needsCA || p.Gateway.CA != "" {
		v.file([]any{"gateway", "ca"}, "gateway.ca", p.Gateway.CA, false)
	}
	v.identity([]any{"gateway", "identity"}, "gateway.identity", p.Gateway.Identity)
}

// identity checks an identity written as a distinguished name; the other
// forms (address, email, host name) need no checking here.
func (v *validator) identity(key []any, name, id string) {
	dn, ok := IsDN(id)
	if !ok {
		return
	}
	if _, err := ParseDN(dn); err != nil {
		v.fail(key, "%s %q is not a distinguished name: %v; write it like dn:CN=gw.example.com,O=Example,C=US (most significant part last)", name, id, err)
	}
}

func (v *validator) checkIKE(p *Profile) {
	ike := &p.IKE
	if ike.FragmentMTU != 0 && (ike.FragmentMTU < 68 || ike.FragmentMTU > 1500) {
		v.fail([]any{"ike", "fragment_mtu"}, "ike.fragment_mtu %d is outside 68..1500", ike.FragmentMTU)
	}
	if ike.DPDInterval == 0 {
		ike.DPDInterval = Duration(DefaultDPDInterval)
	}
	if ike.DPDRetry == 0 {
		ike.DPDRetry = Duration(DefaultDPDRetry)
	}
	if ike.MaxRedirects == 0 {
		ike.MaxRedirects = DefaultMaxRedirects
	}
	if ike.MaxRedirects < 0 {
		v.fail([]any{"ike", "max_redirects"}, "ike.max_redirects must be 0 (default 5) or more")
	}
	v.checkProposals(ike)
}

// file checks that a referenced file exists and, for secrets, that only
// its owner can read it.
func (v *validator) file(key []any, name, path string, secret bool) {
	if v.skipFiles {
		return
	}
	if path == "" {
		v.fail(key, "%s is missing; it must name a PEM file", name)
		return
	}
	st, err := os.Stat(path)
	if err != nil {
		v.fail(key, "%s %q cannot be read: %v", name, path, errors.Unwrap(err))
		return
	}
	if secret && st.Mode().Perm()&0o077 != 0 {
		v.fail(key, "%s %q is readable by others (mode %04o); run: chmod 600 %s", name, path, st.Mode().Perm(), path)
	}
}

func (v *validator) secrets(p *Profile) {
	key := []any{"auth", "secrets_file"}
	if v.skipFiles {
		return
	}
	v.file(key, "auth.secrets_file", p.Auth.SecretsFile, true)
	src, err := os.ReadFile(p.Auth.SecretsFile)
	if err != nil {
		return
	}
	md, err := toml.Decode(string(src), &p.Secrets)
	if err != nil {
		// Never echo the parser's message: it may quote the secret.
		v.fail(key, "secrets file %q is not valid TOML; it holds password = \"...\" and/or psk = \"...\"", p.Auth.SecretsFile)
		return
	}
	if len(md.Undecoded()) > 0 {
		v.fail(key, "secrets file %q has unknown keys; only password and psk are allowed", p.Auth.SecretsFile)
	}
	if p.Auth.Method == AuthPSK && p.Secrets.PSK == "" {
		v.fail(key, "secrets file %q has no psk = \"...\"", p.Auth.SecretsFile)
	}
}

func (v *validator) prefixes(key []any, in []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range in {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			v.fail(key, "%q is not a network prefix; write it like 198.51.100.0/24 or 2001:db8::/32", s)
			continue
		}
		if pfx != pfx.Masked() {
			v.fail(key, "%q has host bits set; did you mean %s?", s, pfx.Masked())
			continue
		}
		out = append(out, pfx)
	}
	return out
}

func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 || strings.HasPrefix(h, ".") {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, c := range label {
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

// resolve makes a file name relative to the profile's directory absolute.
func resolve(profilePath, name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(profilePath), name)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
