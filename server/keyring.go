package server

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"flexvpn/tunnel/ike/wire"
)

// The keyring holds pre-shared keys for peers (seed ch.3 "crypto ikev2
// keyring"). As a responder the server looks a key up by the peer's IKE
// identity first, then by its address; among addresses the longest
// matching prefix wins regardless of configuration order, and 0.0.0.0/0 or
// ::/0 is the wildcard key.

// PSK is a pre-shared key pair. For a symmetric key Local and Remote are
// the same bytes. Local is what we compute our AUTH with; Remote verifies
// the peer's AUTH.
type PSK struct {
	Local, Remote []byte
}

// KeyringPeer is one keyring entry. Address (if valid) and Identity (if
// not empty) select the peer; at least one must be set.
type KeyringPeer struct {
	Name     string
	Address  netip.Prefix
	Identity IdentityPattern
	Key      PSK
}

// IdentityPattern matches peer identities: an exact identity
// ("fqdn:host.example.com", "email:user@example.com", "keyid:abc",
// "ipv4:192.0.2.1") or a wildcard domain ("fqdn:*.example.com" matches every
// host under example.com; "email:*@example.com" every user at example.com).
type IdentityPattern struct {
	exact  string // canonical key of an exact identity
	typ    wire.IDType
	suffix string // wildcard: lower-case domain suffix including the leading '.' or '@'
	text   string
}

// ParseIdentityPattern parses a keyring identity.
func ParseIdentityPattern(s string) (IdentityPattern, error) {
	p := IdentityPattern{text: s}
	if typ, val, ok := strings.Cut(s, ":"); ok && strings.HasPrefix(val, "*") {
		switch {
		case strings.EqualFold(typ, "fqdn") && strings.HasPrefix(val, "*.") && len(val) > 2:
			p.typ, p.suffix = wire.IDFQDN, strings.ToLower(val[1:])
			return p, nil
		case strings.EqualFold(typ, "email") && strings.HasPrefix(val, "*@") && len(val) > 2:
			p.typ, p.suffix = wire.IDRFC822, strings.ToLower(val[1:])
			return p, nil
		}
		return IdentityPattern{}, fmt.Errorf("%w: %q: a wildcard is written fqdn:*.example.com or email:*@example.com", ErrBadIdentity, s)
	}
	id, err := ParseIdentity(s)
	if err != nil {
		return IdentityPattern{}, err
	}
	p.exact = identityKey(id)
	return p, nil
}

// IsZero reports whether the pattern is unset.
func (p IdentityPattern) IsZero() bool { return p.exact == "" && p.suffix == "" }

// Wildcard reports whether the pattern is a wildcard domain.
func (p IdentityPattern) Wildcard() bool { return p.suffix != "" }

// String returns the pattern as configured.
func (p IdentityPattern) String() string { return p.text }

// Match reports whether id matches the pattern.
func (p IdentityPattern) Match(id Identity) bool {
	if p.exact != "" {
		return identityKey(id) == p.exact
	}
	if p.suffix == "" || id.Type != p.typ || !printable(id.Data) {
		return false
	}
	v := strings.ToLower(string(id.Data))
	return len(v) > len(p.suffix) && strings.HasSuffix(v, p.suffix)
}

// identityKey is the comparison key of an identity: names compare without
// regard to case (DNS names and, in practice, mail addresses), key IDs and
// addresses byte for byte.
func identityKey(id Identity) string {
	switch id.Type {
	case wire.IDFQDN, wire.IDRFC822:
		return fmt.Sprintf("%d:%s", id.Type, strings.ToLower(string(id.Data)))
	}
	return fmt.Sprintf("%d:%x", id.Type, id.Data)
}

// Keyring answers PSK lookups. It is immutable after NewKeyring and safe
// for concurrent use.
type Keyring struct {
	exact     map[string]*KeyringPeer
	wildcards []*KeyringPeer // longest suffix first
	addrs     []*KeyringPeer // longest prefix first
}

// NewKeyring indexes the peers. The same identity or the same address
// prefix on two peers is an error, since either lookup would then be
// ambiguous.
func NewKeyring(peers []KeyringPeer) (*Keyring, error) {
	k := &Keyring{exact: make(map[string]*KeyringPeer)}
	seenID := make(map[string]string)
	seenAddr := make(map[netip.Prefix]string)
	for i := range peers {
		p := &peers[i]
		if err := k.add(p, seenID, seenAddr); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(k.wildcards, func(a, b *KeyringPeer) int {
		return cmp.Compare(len(b.Identity.suffix), len(a.Identity.suffix))
	})
	slices.SortStableFunc(k.addrs, func(a, b *KeyringPeer) int {
		return cmp.Compare(b.Address.Bits(), a.Address.Bits())
	})
	return k, nil
}

func (k *Keyring) add(p *KeyringPeer, seenID map[string]string, seenAddr map[netip.Prefix]string) error {
	if p.Identity.IsZero() && !p.Address.IsValid() {
		return fmt.Errorf("%w: keyring peer %q has neither address nor identity", ErrConfig, p.Name)
	}
	if !p.Identity.IsZero() {
		key := p.Identity.exact + "*" + p.Identity.suffix
		if other, dup := seenID[key]; dup {
			return fmt.Errorf("%w: keyring peers %q and %q have the same identity %q; keep it on one peer", ErrConfig, other, p.Name, p.Identity)
		}
		seenID[key] = p.Name
		if p.Identity.Wildcard() {
			k.wildcards = append(k.wildcards, p)
		} else {
			k.exact[p.Identity.exact] = p
		}
	}
	if p.Address.IsValid() {
		pfx := p.Address.Masked()
		if other, dup := seenAddr[pfx]; dup {
			return fmt.Errorf("%w: keyring peers %q and %q have the same address %s; keep it on one peer", ErrConfig, other, p.Name, pfx)
		}
		seenAddr[pfx] = p.Name
		p.Address = pfx
		k.addrs = append(k.addrs, p)
	}
	return nil
}

// Lookup finds the key for a peer as a responder: by identity (exact,
// then the longest wildcard domain), then by address (longest prefix,
// then the wildcard). The returned peer must not be modified.
func (k *Keyring) Lookup(id Identity, addr netip.Addr) (*KeyringPeer, bool) {
	if k == nil {
		return nil, false
	}
	if p, ok := k.exact[identityKey(id)]; ok {
		return p, true
	}
	for _, p := range k.wildcards {
		if p.Identity.Match(id) {
			return p, true
		}
	}
	addr = addr.Unmap()
	for _, p := range k.addrs {
		if p.Address.Contains(addr) {
			return p, true
		}
	}
	return nil, false
}
