package server

import (
	"encoding/asn1"
	"fmt"
	"strings"

	"flexvpn/tunnel/ike/wire"
)

// The name mangler (seed ch.4, "crypto ikev2 name-mangler") derives the
// authorization user or group name from the peer's IKE identity or from its
// EAP identity, so one rule can map many peers onto one group
// ("email domain") or each peer onto its own user ("email username").

// manglerSource says which identity a rule reads.
type manglerSource uint8

const (
	fromFQDN manglerSource = iota + 1
	fromEmail
	fromDN
	fromEAP
)

// Mangler is one parsed name-mangler rule. The zero Mangler is the identity
// rule: the whole peer identity value is the name.
type Mangler struct {
	source manglerSource
	part   string // all, hostname, domain, username, prefix, suffix, dn
	dn     string // DN field name when part == "dn" or source == fromDN
	delim  byte   // EAP prefix/suffix delimiter
	text   string // the rule as written, for String
}

// dnFields maps the seed's DN field names to their attribute OIDs and the
// short names used in textual DNs.
var dnFields = map[string]struct {
	oid   asn1.ObjectIdentifier
	short string
}{
	"common-name":       {asn1.ObjectIdentifier{2, 5, 4, 3}, "CN"},
	"country":           {asn1.ObjectIdentifier{2, 5, 4, 6}, "C"},
	"locality":          {asn1.ObjectIdentifier{2, 5, 4, 7}, "L"},
	"state":             {asn1.ObjectIdentifier{2, 5, 4, 8}, "ST"},
	"organization":      {asn1.ObjectIdentifier{2, 5, 4, 10}, "O"},
	"organization-unit": {asn1.ObjectIdentifier{2, 5, 4, 11}, "OU"},
	"domain":            {asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, "DC"},
}

// ManglerSyntax lists the accepted rule forms; configuration errors quote it.
const ManglerSyntax = `"fqdn all|hostname|domain", "email all|username|domain", ` +
	`"dn common-name|country|domain|locality|organization|organization-unit|state", ` +
	`"eap all", "eap prefix|suffix delimiter @|\|.", "eap dn <field>"`

// ParseMangler parses a rule such as "email domain", "dn organization-unit"
// or `eap prefix delimiter \`. The word "delimiter" is optional.
func ParseMangler(s string) (Mangler, error) {
	f := strings.Fields(s)
	m := Mangler{text: strings.Join(f, " ")}
	bad := fmt.Errorf("%w: name mangler %q: write one of %s", ErrConfig, s, ManglerSyntax)
	if len(f) < 2 {
		return Mangler{}, bad
	}
	switch f[0] {
	case "fqdn":
		m.source = fromFQDN
		return m, oneOf(len(f) == 2, f[1], bad, "all", "hostname", "domain", &m.part)
	case "email":
		m.source = fromEmail
		return m, oneOf(len(f) == 2, f[1], bad, "all", "username", "domain", &m.part)
	case "dn":
		m.source, m.part = fromDN, "dn"
		return m, dnField(len(f) == 2, f[1], bad, &m.dn)
	case "eap":
		m.source = fromEAP
		return m, parseEAPRule(f[1:], bad, &m)
	}
	return Mangler{}, bad
}

func oneOf(ok bool, word string, bad error, a, b, c string, dst *string) error {
	if !ok || (word != a && word != b && word != c) {
		return bad
	}
	*dst = word
	return nil
}

func dnField(ok bool, word string, bad error, dst *string) error {
	if _, known := dnFields[word]; !ok || !known {
		return bad
	}
	*dst = word
	return nil
}

func parseEAPRule(f []string, bad error, m *Mangler) error {
	switch f[0] {
	case "all":
		m.part = "all"
		if len(f) != 1 {
			return bad
		}
		return nil
	case "dn":
		m.part = "dn"
		return dnField(len(f) == 2, f[len(f)-1], bad, &m.dn)
	case "prefix", "suffix":
		m.part = f[0]
		f = f[1:]
		if len(f) == 2 && f[0] == "delimiter" {
			f = f[1:]
		}
		if len(f) != 1 || (f[0] != "@" && f[0] != `\` && f[0] != ".") {
			return bad
		}
		m.delim = f[0][0]
		return nil
	}
	return bad
}

// String returns the rule as written (normalised spacing).
func (m Mangler) String() string {
	if m.text == "" {
		return "identity"
	}
	return m.text
}

// Name derives the name from the peer identity or, for EAP rules, from the
// EAP identity (which falls back to the IKE identity's text when the
// server did not learn a separate EAP identity, as the seed describes).
// ErrNoName is returned when the rule does not fit the identity.
func (m Mangler) Name(peer Identity, eapIdentity string) (string, error) {
	var name string
	switch m.source {
	case 0:
		// No rule: the whole identity the peer authenticated with, which
		// after EAP is the EAP identity (the local users are EAP users).
		name = eapIdentity
		if name == "" {
			name = identityValue(peer)
		}
	case fromFQDN:
		name = m.fqdnPart(peer)
	case fromEmail:
		name = m.emailPart(peer)
	case fromDN:
		name = dnValue(peer, m.dn)
	case fromEAP:
		if eapIdentity == "" {
			eapIdentity = identityValue(peer)
		}
		name = m.eapPart(eapIdentity)
	}
	if name == "" {
		return "", fmt.Errorf("%w: rule %q, identity %s", ErrNoName, m, peer)
	}
	return name, nil
}

// identityValue is the identity's value without the type prefix, or "" for
// types that have no text form.
func identityValue(id Identity) string {
	s := id.String()
	if _, v, ok := strings.Cut(s, ":"); ok && !strings.HasPrefix(s, "id") {
		return v
	}
	return ""
}

func (m Mangler) fqdnPart(id Identity) string {
	if id.Type != wire.IDFQDN || !printable(id.Data) {
		return ""
	}
	host, domain, _ := strings.Cut(string(id.Data), ".")
	return pick(m.part, string(id.Data), host, domain)
}

func (m Mangler) emailPart(id Identity) string {
	if id.Type != wire.IDRFC822 || !printable(id.Data) {
		return ""
	}
	s := string(id.Data)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return ""
	}
	return pick(m.part, s, s[:at], s[at+1:])
}

// pick returns all, the first part (hostname/username) or the second part
// (domain) according to the rule's part.
func pick(part, all, first, second string) string {
	switch part {
	case "all":
		return all
	case "hostname", "username":
		return first
	}
	return second
}

func (m Mangler) eapPart(eapID string) string {
	switch m.part {
	case "all":
		return eapID
	case "dn":
		return textDNValue(eapID, dnFields[m.dn].short)
	}
	i := strings.IndexByte(eapID, m.delim)
	if i < 0 {
		return ""
	}
	if m.part == "prefix" {
		return eapID[:i]
	}
	return eapID[i+1:]
}

// dnValue returns the named field of a DER DN identity. "domain" joins all
// DC components with dots (DC=vpn,DC=example,DC=com → vpn.example.com);
// other fields return their first occurrence.
func dnValue(id Identity, field string) string {
	rdns, ok := id.DN()
	if !ok {
		return ""
	}
	oid := dnFields[field].oid
	var parts []string
	for _, rdn := range rdns {
		for _, atv := range rdn {
			if v, isStr := atv.Value.(string); isStr && atv.Type.Equal(oid) && v != "" {
				parts = append(parts, v)
			}
		}
	}
	return joinDN(field, parts)
}

func joinDN(field string, parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	if field == "domain" {
		return strings.Join(parts, ".")
	}
	return parts[0]
}

// textDNValue reads a field from a textual DN such as
// "CN=alice,OU=eng,O=Example" (the form EAP-TLS and some clients use as the
// EAP identity). Escaped commas ("\,") stay inside values.
func textDNValue(dn, short string) string {
	var parts []string
	for _, rdn := range splitUnescaped(dn, ',') {
		k, v, ok := strings.Cut(strings.TrimSpace(rdn), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), short) && v != "" {
			parts = append(parts, strings.ReplaceAll(strings.TrimSpace(v), `\,`, ","))
		}
	}
	field := ""
	if short == "DC" {
		field = "domain"
	}
	return joinDN(field, parts)
}

func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
