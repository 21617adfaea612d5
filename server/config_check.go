package server

import (
	"encoding/pem"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"flexvpn/internal/tomlpos"
)

// validator collects configuration problems with their lines.
type validator struct {
	path    string
	pos     *tomlpos.Index
	errs    []error
	secrets [][]any // key paths of secrets written inline in the file
}

func (v *validator) fail(key []any, format string, args ...any) {
	v.errs = append(v.errs, &ConfigError{File: v.path, Line: v.pos.Line(key...), Msg: fmt.Sprintf(format, args...)})
}

// k builds a key path.
func k(parts ...any) []any { return parts }

// where names a key for messages: `pool "lan"` or `[server] listen`.
func where(key []any) string {
	if len(key) >= 2 {
		if name, ok := key[1].(string); ok && isMapSection(key[0]) {
			return fmt.Sprintf("%s %q", key[0], name)
		}
	}
	return fmt.Sprintf("[%v]", key[0])
}

func isMapSection(s any) bool {
	switch s {
	case "pool", "keyring", "user", "group":
		return true
	}
	return false
}

func (v *validator) addr(key []any, s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		v.fail(key, "%s: %q is not an IP address; write it like 192.0.2.53 or 2001:db8::53", where(key), s)
		return netip.Addr{}
	}
	return a.Unmap()
}

func (v *validator) addr4(key []any, s string) netip.Addr {
	a := v.addr(key, s)
	if a.IsValid() && !a.Is4() {
		v.fail(key, "%s: %q must be an IPv4 address, like 203.0.113.50", where(key), s)
		return netip.Addr{}
	}
	return a
}

func (v *validator) addr6(key []any, s string) netip.Addr {
	a := v.addr(key, s)
	if a.IsValid() && !a.Is6() {
		v.fail(key, "%s: %q must be an IPv6 address, like 2001:db8:1::50", where(key), s)
		return netip.Addr{}
	}
	return a
}

// addrs parses a list; a nil input stays nil (unset), an empty one empty.
func (v *validator) addrs(key []any, in []string) []netip.Addr {
	if in == nil {
		return nil
	}
	out := make([]netip.Addr, 0, len(in))
	for _, s := range in {
		if a := v.addr(key, s); a.IsValid() {
			out = append(out, a)
		}
	}
	return out
}

// prefix parses "a.b.c.d/n"; with hostOK a bare address means a host.
func (v *validator) prefix(key []any, s string, hostOK bool) netip.Prefix {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked()
	}
	if a, err := netip.ParseAddr(s); err == nil && hostOK && a.Zone() == "" {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen())
	}
	v.fail(key, "%s: %q is not a valid prefix; write it like 203.0.113.0/24 or 2001:db8:1::/64", where(key), s)
	return netip.Prefix{}
}

func (v *validator) prefixes(key []any, in []string, hostOK bool) []netip.Prefix {
	if in == nil {
		return nil
	}
	out := make([]netip.Prefix, 0, len(in))
	for _, s := range in {
		if p := v.prefix(key, s, hostOK); p.IsValid() {
			out = append(out, p)
		}
	}
	return out
}

// domains checks DNS names (split DNS, default domain, FQDN gateways).
func (v *validator) domains(key []any, in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, d := range in {
		d = strings.TrimSuffix(d, ".")
		if !validHostname(d) {
			v.fail(key, "%s: %q is not a domain name; write it like corp.example.com", where(key), d)
			continue
		}
		out = append(out, d)
	}
	return out
}

// validHostname accepts LDH labels of 1-63 characters, 253 in total.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// resolve makes a file name relative to the configuration's directory.
func (v *validator) resolve(name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(v.path), name)
}

// readFile reads a referenced file. Secret files must not be readable by
// group or others: a PSK or private key anyone on the box can read is no
// secret.
func (v *validator) readFile(key []any, name string, secret bool) ([]byte, string) {
	path := v.resolve(name)
	st, err := os.Stat(path)
	if err != nil {
		v.fail(key, "%s: cannot read %s: %v; check the path (relative names start from the config file's directory)", where(key), path, unwrapPathErr(err))
		return nil, path
	}
	if secret && exposed(st) {
		v.fail(key, "%s: %s is readable by group or others (mode %04o); run chmod 600 %s", where(key), path, st.Mode().Perm(), path)
		return nil, path
	}
	b, err := os.ReadFile(path)
	if err != nil {
		v.fail(key, "%s: cannot read %s: %v; make it readable by the server's user", where(key), path, unwrapPathErr(err))
		return nil, path
	}
	return b, path
}

// pemFile checks that a certificate or key file holds PEM data; the IKE
// engine parses it, this only catches the wrong file early.
func (v *validator) pemFile(key []any, name string, secret bool) string {
	b, path := v.readFile(key, name, secret)
	if b == nil {
		return path
	}
	if blk, _ := pem.Decode(b); blk == nil {
		v.fail(key, "%s: %s is not a PEM file; give the PEM (-----BEGIN ...) form", where(key), path)
	}
	return path
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// checkSecretsMode fails when the configuration file itself holds secrets
// but group or others may read it.
func (v *validator) checkSecretsMode() {
	if len(v.secrets) == 0 {
		return
	}
	st, err := os.Stat(v.path)
	if err != nil {
		return // parsed from memory (tests); Load always has the file
	}
	if exposed(st) {
		v.fail(v.secrets[0], "%s holds secrets (keys, NT hashes or MD5 passwords) but is readable by group or others (mode %04o); run chmod 600 %s, or move PSKs to key_file",
			v.path, st.Mode().Perm(), v.path)
	}
}
