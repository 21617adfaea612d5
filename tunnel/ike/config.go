package ike

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// Config holds one side's settings for an IKE SA, independent of role.
// The zero value of each optional field selects the documented default;
// call (*Config).withDefaults via the Endpoint, never mutate after use.
type Config struct {
	LocalID  Identity
	RemoteID Identity // expected peer identity; zero accepts whatever the auth proves

	// PSK is a symmetric pre-shared key. LocalPSK/RemotePSK override it for
	// asymmetric keys (ours signs our AUTH, the remote one checks theirs).
	PSK, LocalPSK, RemotePSK []byte
	// PSKFor, on a responder, picks the keys for one peer once its IDi is
	// known, before its AUTH is checked: local signs our AUTH (unless we
	// use a certificate), remote checks theirs. A nil key keeps the one
	// above; an error refuses the peer with AUTHENTICATION_FAILED.
	PSKFor func(peer PeerInfo) (local, remote []byte, err error)

	// Certificate authentication: our chain (leaf first) and its key.
	Certificates []*x509.Certificate
	Signer       crypto.Signer
	// CAs are the trust anchors for the peer's certificate chain; none
	// refuses certificate authentication. We request certificates from them
	// (CERTREQ) by the SHA-1 hash of their public key.
	CAs []*x509.Certificate

	// EAP makes the initiator authenticate with EAP (no AUTH in the first
	// IKE_AUTH); the responder uses EAPServer. See ike_eap.go.
	EAP       func() (EAPClient, error)
	EAPServer func(peer PeerInfo) (EAPAuthenticator, error)

	IKEProposals []Proposal // default DefaultIKEProposals
	ESPProposals []Proposal // default DefaultESPProposals
	AllowLegacy  bool       // adds and accepts legacy groups and ciphers

	FragmentSize  int  // bytes incl. IP+UDP; default 576 (IPv4) / 1280 (IPv6); 68..1500
	NoFragmenting bool // do not offer RFC 7383 fragmentation
	// NoIntermediate plays a peer that predates RFC 9242/9370: no
	// INTERMEDIATE_EXCHANGE_SUPPORTED, no ADDKE offered, and proposals
	// with ADDKE transforms refused as unknown. For tests and for
	// gateways that mishandle the notify.
	NoIntermediate bool

	WindowSize   int           // our receive window; default 1
	RetransmitT  time.Duration // first retransmit timeout; default 500 ms, doubling
	RetransmitN  int           // tries before giving up; default 5
	DPDInterval  time.Duration // 0 disables liveness checks
	DPDRetry     time.Duration // fixed spacing of DPD retries; 0: exponential like other requests
	RekeyIKE     time.Duration // 0: never rekey the IKE SA on our own
	RekeyChild   time.Duration // 0: never rekey the Child SA on our own
	PFSOnRekey   bool          // CREATE_CHILD_SA for a Child rekey includes KE
	ForceEncap   bool          // fake NAT-D so that everything floats to NAT-T
	VendorIDs    [][]byte      // nil: FLEXVPN-SUPPORTED for initiators
	NoVendorIDs  bool          // send no vendor IDs at all
	HalfOpenMax  int           // responder: COOKIEs from this many half-open SAs on; default 20, <0 always
	MaxRedirects int           // redirects reported per endpoint within 5 minutes (RFC 5685 suggests 5, the default)
	// RemoteNATTPort is the gateway's NAT-T port (default 4500), for
	// gateways behind port forwarding or on test rigs. An initiator floats
	// there when a NAT is detected, and when the address given to Initiate
	// has this port it starts there directly, from our own NAT-T port with
	// the non-ESP marker (RFC 7296 2.23 allows starting on NAT-T).
	RemoteNATTPort uint16
	// NoInitialContact keeps INITIAL_CONTACT out of IKE_AUTH: set it for a
	// second tunnel to the same gateway under the same identity, which
	// would otherwise make the gateway drop the first.
	NoInitialContact bool
	// NoSignatureHashes leaves SIGNATURE_HASH_ALGORITHMS out, so that the
	// peer signs with the classic method of its key type (RSA 1, ECDSA
	// 9/10/11), as headends that predate RFC 7427 expect.
	NoSignatureHashes bool
	// Redirect, on a responder, may send a peer to another gateway
	// (RFC 5685): it is asked in IKE_SA_INIT with peer nil and again once
	// IKE_AUTH authenticated the peer. Only peers that announced
	// REDIRECT_SUPPORTED are asked about.
	Redirect func(remote netip.AddrPort, peer *PeerInfo) (wire.GatewayID, bool)
	// RedirectInit, when set, is asked in IKE_SA_INIT instead of Redirect
	// with a nil peer: from is the gateway named in the peer's
	// REDIRECTED_FROM (nil if none or unparsable), so that the policy can
	// pick a gateway other than the one that sent the peer here.
	RedirectInit func(remote netip.AddrPort, from *wire.GatewayID) (wire.GatewayID, bool)
	// RedirectedFrom, on an initiation that follows a redirect, names the
	// gateway that sent us (REDIRECTED_FROM replaces REDIRECT_SUPPORTED).
	RedirectedFrom *wire.GatewayID

	// Child SA traffic selectors; default everything (IPv4 and IPv6).
	LocalTS, RemoteTS []wire.TrafficSelector

	// RequestConfig makes the initiator send a CFG_REQUEST in IKE_AUTH.
	RequestConfig bool
	// ConfigAnnounce are attributes the initiator volunteers, typically
	// INTERNAL_IP4/6_SUBNET for the networks behind a router: added to the
	// CFG_REQUEST, or sent as CFG_SET when RequestConfig is off.
	ConfigAnnounce []wire.CPAttr
	// ConfigProvider answers a CFG_REQUEST on the responder.
	ConfigProvider func(ctx context.Context, peer PeerInfo, req []wire.CPAttr) ([]wire.CPAttr, error)
	// ConfigSet answers an initiator's CFG_SET on the responder with the
	// attributes to acknowledge (CFG_ACK).
	ConfigSet func(ctx context.Context, peer PeerInfo, set []wire.CPAttr) ([]wire.CPAttr, error)
	// ConfigPush gives the responder attributes to push with CFG_SET to an
	// initiator that sent no CP payload; none pushes nothing.
	ConfigPush func(ctx context.Context, peer PeerInfo) []wire.CPAttr
	// ChildSelectors, on a responder, gives one peer's selector policy
	// for all Child SAs of its IKE SA, asked in IKE_AUTH after the CP
	// hooks: local replaces LocalTS (what our side offers), remote
	// replaces RemoteTS and the narrowing to CP-assigned addresses (what
	// the peer may use). A nil list keeps that side's default.
	ChildSelectors func(peer PeerInfo) (local, remote []wire.TrafficSelector)

	Logger *slog.Logger
	Rand   io.Reader // default crypto/rand
}

// PeerInfo describes an authenticated peer to the responder's hooks.
type PeerInfo struct {
	ID          Identity
	EAPIdentity string
	Remote      netip.AddrPort
	// Local is our address the peer talks to: on a multi-homed gateway,
	// which of its addresses the client chose.
	Local       netip.AddrPort
	Certificate *x509.Certificate
	VendorIDs   [][]byte
	// RedirectedFrom is the gateway that redirected the peer to us
	// (REDIRECTED_FROM in its IKE_SA_INIT), nil if none: redirecting it
	// back there would make a loop.
	RedirectedFrom *wire.GatewayID
	// SA is the IKE SA the hook is asked about, so that what a hook
	// decides can be tied to the SA's events without matching addresses.
	// Hooks run on its goroutine: see Event for the methods they may
	// call; the others fail with ErrReentrant.
	SA *SA
}

// VendorFlexVPN is the vendor ID a FlexVPN client sends.
var VendorFlexVPN = []byte("FLEXVPN-SUPPORTED")

// Defaults for Config.
const (
	defaultRetransmit  = 500 * time.Millisecond
	defaultTries       = 5
	defaultHalfOpenMax = 20
	defaultFrag4       = 576
	defaultFrag6       = 1280
)

// validate checks c and returns a copy with defaults filled in.
func (c Config) validate(initiator bool) (Config, error) {
	if c.LocalID.IsZero() {
		return c, fmt.Errorf("%w: LocalID is empty", ErrInvalidConfig)
	}
	if c.IKEProposals == nil {
		c.IKEProposals = DefaultIKEProposals()
		if c.AllowLegacy {
			c.IKEProposals = append(c.IKEProposals, LegacyIKEProposal())
		}
	}
	if c.ESPProposals == nil {
		c.ESPProposals = DefaultESPProposals()
		if c.AllowLegacy {
			c.ESPProposals = append(c.ESPProposals, LegacyESPProposal())
		}
	}
	if err := c.checkProposals(); err != nil {
		return c, err
	}
	if err := c.checkAuth(initiator); err != nil {
		return c, err
	}
	if c.FragmentSize != 0 && (c.FragmentSize < 68 || c.FragmentSize > 1500) {
		return c, fmt.Errorf("%w: FragmentSize %d outside 68..1500", ErrInvalidConfig, c.FragmentSize)
	}
	c.fillTimers()
	if c.VendorIDs == nil && initiator && !c.NoVendorIDs {
		c.VendorIDs = [][]byte{VendorFlexVPN}
	}
	if c.NoVendorIDs {
		c.VendorIDs = nil
	}
	if c.LocalTS == nil {
		c.LocalTS = everything()
	}
	if c.RemoteTS == nil {
		c.RemoteTS = everything()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func (c *Config) fillTimers() {
	if c.WindowSize <= 0 {
		c.WindowSize = 1
	}
	if c.RetransmitT <= 0 {
		c.RetransmitT = defaultRetransmit
	}
	if c.RetransmitN <= 0 {
		c.RetransmitN = defaultTries
	}
	if c.HalfOpenMax == 0 {
		c.HalfOpenMax = defaultHalfOpenMax
	}
	if c.MaxRedirects <= 0 {
		c.MaxRedirects = 5
	}
	if c.RemoteNATTPort == 0 {
		c.RemoteNATTPort = PortNATT
	}
}

func (c *Config) checkProposals() error {
	if len(c.IKEProposals) == 0 || len(c.ESPProposals) == 0 {
		return fmt.Errorf("%w: empty proposal list", ErrInvalidConfig)
	}
	for _, p := range append(append([]Proposal(nil), c.IKEProposals...), c.ESPProposals...) {
		if p.hasLegacy() && !c.AllowLegacy {
			return fmt.Errorf("%w: proposal has legacy transforms (3DES, MD5, SHA1, DH 1/2/5); set AllowLegacy to use them", ErrInvalidConfig)
		}
		if len(p.Encr) == 0 {
			return fmt.Errorf("%w: proposal without encryption", ErrInvalidConfig)
		}
	}
	for _, p := range c.IKEProposals {
		if len(p.PRF) == 0 || len(p.KE) == 0 {
			return fmt.Errorf("%w: IKE proposal needs PRF and KE", ErrInvalidConfig)
		}
		if err := p.checkAddKE(); err != nil {
			return err
		}
	}
	for _, p := range c.ESPProposals {
		if slices.ContainsFunc(p.AddKE[:], func(ids []uint16) bool { return len(ids) > 0 }) {
			return fmt.Errorf("%w: additional key exchanges in ESP proposals are not supported", ErrInvalidConfig)
		}
	}
	return nil
}

func (c *Config) checkAuth(initiator bool) error {
	hasPSK := c.PSK != nil || c.LocalPSK != nil
	hasCert := len(c.Certificates) > 0 && c.Signer != nil
	perPeer := !initiator && c.PSKFor != nil
	if !hasPSK && !hasCert && !perPeer && !(initiator && c.EAP != nil) {
		return fmt.Errorf("%w: no local authentication (PSK, certificate or EAP)", ErrInvalidConfig)
	}
	return nil
}

func (c *Config) localPSK() []byte {
	if c.LocalPSK != nil {
		return c.LocalPSK
	}
	return c.PSK
}

func (c *Config) remotePSK() []byte {
	if c.RemotePSK != nil {
		return c.RemotePSK
	}
	return c.PSK
}

// fragmentSize returns the configured size or the family default.
func (c *Config) fragmentSize(remote netip.Addr) int {
	if c.FragmentSize != 0 {
		return c.FragmentSize
	}
	if remote.Unmap().Is4() {
		return defaultFrag4
	}
	return defaultFrag6
}

// everything is the all-addresses selector pair (IPv4 and IPv6).
func everything() []wire.TrafficSelector {
	return []wire.TrafficSelector{
		{Type: wire.TSIPv4AddrRange, EndPort: 65535, Start: netip.IPv4Unspecified(), End: netip.AddrFrom4([4]byte{255, 255, 255, 255})},
		{Type: wire.TSIPv6AddrRange, EndPort: 65535, Start: netip.IPv6Unspecified(), End: netip.AddrFrom16([16]byte{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff})},
	}
}
