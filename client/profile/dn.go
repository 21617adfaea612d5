package profile

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// DNPrefix marks a distinguished-name identity: dn:CN=alice,O=Example.
const DNPrefix = "dn:"

// dnTypes are the attribute names a DN may use (RFC 4514 3 and the ones
// certificates commonly carry); others are written as dotted OIDs.
var dnTypes = map[string]asn1.ObjectIdentifier{
	"CN": {2, 5, 4, 3}, "SN": {2, 5, 4, 4}, "SERIALNUMBER": {2, 5, 4, 5}, "C": {2, 5, 4, 6},
	"L": {2, 5, 4, 7}, "ST": {2, 5, 4, 8}, "STREET": {2, 5, 4, 9}, "O": {2, 5, 4, 10},
	"OU": {2, 5, 4, 11}, "TITLE": {2, 5, 4, 12}, "POSTALCODE": {2, 5, 4, 17},
	"GIVENNAME": {2, 5, 4, 42}, "DC": {0, 9, 2342, 19200300, 100, 1, 25},
	"UID": {0, 9, 2342, 19200300, 100, 1, 1}, "EMAILADDRESS": {1, 2, 840, 113549, 1, 9, 1},
}

// dnAliases are other spellings people copy from OpenSSL and strongSwan.
var dnAliases = map[string]string{"S": "ST", "E": "EMAILADDRESS", "EMAIL": "EMAILADDRESS", "GN": "GIVENNAME"}

// IsDN reports whether an identity as written is a distinguished name
// and returns the name without its "dn:" prefix. Without the prefix any
// identity with '=' is one: no email, address or host name has it.
func IsDN(identity string) (string, bool) {
	s := strings.TrimSpace(identity)
	if len(s) >= len(DNPrefix) && strings.EqualFold(s[:len(DNPrefix)], DNPrefix) {
		return s[len(DNPrefix):], true
	}
	return s, strings.Contains(s, "=")
}

// ParseDN reads a distinguished name written the RFC 4514 way, most
// significant RDN last ("CN=gw.example.com,O=Example,C=US", the order
// `flexvpn server`, Go and `openssl x509 -nameopt RFC2253` print), and
// returns it in certificate (ASN.1) order. It accepts '+' for
// multi-valued RDNs, backslash escapes (\, \+ \" \\ \< \> \; \= \# and
// \XX hex pairs), double-quoted values and spaces around separators.
func ParseDN(s string) (pkix.RDNSequence, error) {
	// Only leading spaces go: a trailing one may be escaped ("CN=a\ ").
	p := &dnParser{s: strings.TrimLeft(s, " ")}
	if strings.TrimSpace(p.s) == "" {
		return nil, errors.New("the distinguished name is empty")
	}
	var rdns pkix.RDNSequence
	var rdn []pkix.AttributeTypeAndValue
	for {
		atv, sep, err := p.attribute()
		if err != nil {
			return nil, err
		}
		rdn = append(rdn, atv)
		if sep == '+' {
			continue
		}
		rdns = append(rdns, rdn)
		rdn = nil
		if sep == 0 {
			break
		}
	}
	slices.Reverse(rdns)
	return rdns, nil
}

// dnParser walks a DN string; pos is the next byte to read.
type dnParser struct {
	s   string
	pos int
}

// attribute reads "type=value" and the separator after it (',' or '+';
// 0 at the end).
func (p *dnParser) attribute() (pkix.AttributeTypeAndValue, byte, error) {
	eq := strings.IndexByte(p.s[p.pos:], '=')
	if eq < 0 {
		return pkix.AttributeTypeAndValue{}, 0, fmt.Errorf("%q has no '=': write each part as TYPE=value", p.s[p.pos:])
	}
	oid, err := dnType(strings.TrimSpace(p.s[p.pos : p.pos+eq]))
	if err != nil {
		return pkix.AttributeTypeAndValue{}, 0, err
	}
	p.pos += eq + 1
	val, err := p.value()
	if err != nil {
		return pkix.AttributeTypeAndValue{}, 0, err
	}
	sep, err := p.separator()
	return pkix.AttributeTypeAndValue{Type: oid, Value: val}, sep, err
}

func dnType(name string) (asn1.ObjectIdentifier, error) {
	upper := strings.ToUpper(name)
	if alias, ok := dnAliases[upper]; ok {
		upper = alias
	}
	if oid, ok := dnTypes[upper]; ok {
		return oid, nil
	}
	if oid, ok := parseOID(name); ok {
		return oid, nil
	}
	if name == "" {
		return nil, errors.New("an attribute type is missing before '='")
	}
	return nil, fmt.Errorf("unknown attribute type %q: use CN, O, OU, C, ST, L, DC, UID, E or a dotted OID", name)
}

func parseOID(s string) (asn1.ObjectIdentifier, bool) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, false
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, part := range parts {
		n := 0
		for _, c := range []byte(part) {
			if c < '0' || c > '9' || n > 1<<24 {
				return nil, false
			}
			n = n*10 + int(c-'0')
		}
		if part == "" {
			return nil, false
		}
		oid[i] = n
	}
	// X.660: three roots, and 40 arcs under the first two.
	valid := oid[0] <= 2 && (oid[0] == 2 || oid[1] < 40)
	return oid, valid
}

// value reads one attribute value, quoted or not, and unescapes it.
func (p *dnParser) value() (string, error) {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
	if p.pos < len(p.s) && p.s[p.pos] == '#' {
		return "", errors.New("hex-encoded (#...) attribute values are not supported; write the value as text")
	}
	quoted := p.pos < len(p.s) && p.s[p.pos] == '"'
	if quoted {
		p.pos++
	}
	var b []byte
	trailing := 0 // unescaped spaces at the end of b, trimmed unless quoted
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case quoted && c == '"':
			p.pos++
			return p.finish(b, 0)
		case !quoted && (c == ',' || c == '+' || c == ';'):
			return p.finish(b, trailing)
		case c == '\\':
			e, err := p.escape()
			if err != nil {
				return "", err
			}
			b, trailing = append(b, e), 0
			continue
		case c == ' ':
			trailing++
		default:
			trailing = 0
		}
		b = append(b, c)
		p.pos++
	}
	if quoted {
		return "", errors.New("a quoted value has no closing '\"'")
	}
	return p.finish(b, trailing)
}

func (p *dnParser) finish(b []byte, trailing int) (string, error) {
	b = b[:len(b)-trailing]
	switch {
	case len(b) == 0:
		return "", errors.New("an attribute value is empty")
	case !utf8.Valid(b):
		return "", errors.New("an attribute value is not valid UTF-8")
	}
	return string(b), nil
}

// escape reads "\c" or "\XX" and returns the byte it stands for.
func (p *dnParser) escape() (byte, error) {
	rest := p.s[p.pos+1:]
	if len(rest) >= 2 && isHex(rest[0]) && isHex(rest[1]) {
		v, _ := hex.DecodeString(rest[:2])
		p.pos += 3
		return v[0], nil
	}
	if len(rest) >= 1 && strings.IndexByte(`,+"\<>;=# `, rest[0]) >= 0 {
		p.pos += 2
		return rest[0], nil
	}
	return 0, fmt.Errorf("bad escape at %q: a backslash must be followed by one of , + \" \\ < > ; = # space or two hex digits", p.s[p.pos:])
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// separator consumes the spaces and the ',' ';' or '+' after a value.
func (p *dnParser) separator() (byte, error) {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
	if p.pos == len(p.s) {
		return 0, nil
	}
	c := p.s[p.pos]
	if c != ',' && c != '+' && c != ';' {
		return 0, fmt.Errorf("unexpected %q after a quoted value; separate parts with ','", p.s[p.pos:])
	}
	p.pos++
	if strings.TrimSpace(p.s[p.pos:]) == "" {
		return 0, fmt.Errorf("the name ends with %q: remove it or add the missing part", string(c))
	}
	if c == ';' {
		c = ','
	}
	return c, nil
}

// FormatDN writes rdns (certificate order) the way ParseDN reads it.
func FormatDN(rdns pkix.RDNSequence) string {
	var b strings.Builder
	for i := len(rdns) - 1; i >= 0; i-- {
		for j, atv := range rdns[i] {
			switch {
			case j > 0:
				b.WriteByte('+')
			case i < len(rdns)-1:
				b.WriteByte(',')
			}
			b.WriteString(typeName(atv.Type) + "=" + formatValue(atv.Value))
		}
	}
	return b.String()
}

func typeName(oid asn1.ObjectIdentifier) string {
	best := ""
	for name, o := range dnTypes {
		if o.Equal(oid) && (best == "" || len(name) < len(best)) {
			best = name
		}
	}
	if best == "EMAILADDRESS" {
		return "E"
	}
	if best != "" {
		return best
	}
	return oid.String()
}

// formatValue escapes what ParseDN would otherwise read as syntax.
func formatValue(v any) string {
	s, ok := v.(string)
	if !ok {
		der, err := asn1.Marshal(v)
		if err != nil {
			return "#?"
		}
		return "#" + hex.EncodeToString(der)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(`,+"\<>;=`, c) >= 0,
			c == '#' && i == 0,
			c == ' ' && (i == 0 || i == len(s)-1):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
