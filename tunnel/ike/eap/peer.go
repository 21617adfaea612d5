package eap

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"unicode"
	"unicode/utf8"
)

// DefaultMethods is the peer's and the authenticator's method preference
// when none is configured: FlexVPN's client offers MS-CHAPv2, MD5, GTC.
var DefaultMethods = []Type{TypeMSCHAPv2, TypeMD5, TypeGTC}

// PeerConfig configures the client side of EAP.
type PeerConfig struct {
	// Identity answers an EAP-Identity request. When empty, the username
	// from Credentials is used (asking for credentials at that point).
	Identity string
	// Methods lists the methods we accept, most preferred first; a Nak
	// lists them in this order. Empty means DefaultMethods.
	Methods []Type
	// Credentials supplies username and password when a method needs them.
	Credentials CredentialFunc
	// Rand provides the MS-CHAPv2 peer challenge; nil means crypto/rand.
	Rand io.Reader
	// Logger receives protocol events; nil discards them. Secrets are
	// never logged.
	Logger *slog.Logger
}

// peerState is where the peer is in the conversation:
//
//	idle ──method request──▶ running ──method finished──▶ finished ──EAP-Success──▶ done
//	  │ (Identity, Notification and Nak keep the state)        EAP-Failure ──▶ failed
type peerState uint8

const (
	peerIdle     peerState = iota // no method started yet
	peerRunning                   // a method started but has not proved itself finished
	peerFinished                  // the method finished; waiting for EAP-Success
	peerDone                      // EAP-Success accepted
	peerFailed                    // EAP-Failure, or a fatal error
)

// Peer is the client side of one EAP conversation. It is driven by Handle
// one request at a time and is not safe for concurrent use.
type Peer struct {
	cfg    PeerConfig
	log    *slog.Logger
	state  peerState
	method Type // the method in use once one started
	nakked bool // we refused a proposal at least once
	creds  *Credentials
	sentID string // identity we sent in EAP-Identity, if asked
	msk    []byte
	err    error // failure reported by the server (MS-CHAPv2 Failure)
	ms     mschapPeer
}

// NewPeer checks cfg and returns a peer ready for the first request.
func NewPeer(cfg PeerConfig) (*Peer, error) {
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: peer needs a credential callback", ErrConfig)
	}
	methods, err := checkMethods(cfg.Methods)
	if err != nil {
		return nil, err
	}
	cfg.Methods = methods
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Peer{cfg: cfg, log: log}, nil
}

// checkMethods validates a method list and applies the default.
func checkMethods(in []Type) ([]Type, error) {
	if len(in) == 0 {
		return slices.Clone(DefaultMethods), nil
	}
	out := make([]Type, 0, len(in))
	for _, t := range in {
		if !t.isAuthMethod() {
			return nil, fmt.Errorf("%w: EAP method %v not supported", ErrConfig, t)
		}
		if slices.Contains(out, t) {
			return nil, fmt.Errorf("%w: EAP method %v listed twice", ErrConfig, t)
		}
		out = append(out, t)
	}
	return out, nil
}

// Done reports whether the server sent EAP-Success after a finished method.
func (p *Peer) Done() bool { return p.state == peerDone }

// MSK returns the Master Session Key for the IKE AUTH payload once Done,
// or nil when the method derives none (MD5, GTC): the engine then uses
// SK_pi/SK_pr (RFC 7296 section 2.16).
func (p *Peer) MSK() []byte {
	if p.state != peerDone {
		return nil
	}
	return p.msk
}

// Method returns the method the server and we agreed on, 0 before that.
func (p *Peer) Method() Type { return p.method }

// Err returns the failure the server reported with an MS-CHAPv2 Failure
// request (a *FailureError), or nil. Handle also returns it on the
// EAP-Failure that follows; Err lets the engine show the server's reason
// when the gateway ends IKE_AUTH without sending that EAP-Failure.
func (p *Peer) Err() error { return p.err }

// Handle processes one EAP packet from the server and returns the response
// to send. It returns (nil, nil) on an accepted EAP-Success (Done is then
// true) and an error wrapping ErrAuthFailed, ErrPasswordExpired,
// ErrAccountRestricted or ErrNoCommonMethod on EAP-Failure. Errors for
// malformed or out-of-place packets wrap ErrMalformed or ErrUnexpected;
// ErrServerNotAuthenticated means the gateway is not trusted. Handle
// returns ctx's error if ctx ends while waiting for credentials.
func (p *Peer) Handle(ctx context.Context, request []byte) ([]byte, error) {
	if p.state == peerDone || p.state == peerFailed {
		return nil, fmt.Errorf("%w: conversation already ended", ErrUnexpected)
	}
	pkt, err := Decode(request)
	if err != nil {
		return nil, err
	}
	p.log.Debug("eap peer received", "packet", pkt.String())
	switch pkt.Code {
	case CodeSuccess:
		return nil, p.onSuccess()
	case CodeFailure:
		return nil, p.onFailure()
	case CodeResponse:
		return nil, fmt.Errorf("%w: peer received an EAP-Response", ErrUnexpected)
	}
	resp, err := p.onRequest(ctx, pkt)
	if err != nil {
		return nil, err
	}
	p.log.Debug("eap peer sends", "packet", resp.String())
	return marshal(resp)
}

// onSuccess accepts EAP-Success only after a method finished: for
// MS-CHAPv2 that includes checking the server's authenticator response, so
// a gateway cannot skip proving it knows the password.
func (p *Peer) onSuccess() error {
	switch p.state {
	case peerFinished:
		p.state = peerDone
		p.log.Info("eap authentication succeeded", "method", p.method.String())
		return nil
	case peerRunning:
		p.state = peerFailed
		return fmt.Errorf("EAP-Success before %v finished: %w", p.method, ErrServerNotAuthenticated)
	}
	p.state = peerFailed
	return fmt.Errorf("%w: EAP-Success without any authentication method", ErrUnexpected)
}

// onFailure turns EAP-Failure into the most specific error we know.
func (p *Peer) onFailure() error {
	p.state = peerFailed
	switch {
	case p.err != nil:
		return p.err
	case p.method == 0 && p.nakked:
		return fmt.Errorf("gateway rejected our EAP method list %v: %w", p.cfg.Methods, ErrNoCommonMethod)
	}
	return fmt.Errorf("%w (EAP-Failure from the gateway)", ErrAuthFailed)
}

// onRequest answers one EAP-Request.
func (p *Peer) onRequest(ctx context.Context, req Packet) (Packet, error) {
	switch req.Type {
	case TypeIdentity:
		return p.onIdentity(ctx, req)
	case TypeNotification:
		// RFC 3748 5.2: display the text, answer with an empty Notification.
		p.log.Info("eap notification from gateway", "text", printable(req.Data))
		return Packet{Code: CodeResponse, Identifier: req.Identifier, Type: TypeNotification}, nil
	case TypeNak:
		return Packet{}, fmt.Errorf("%w: Nak in a request", ErrMalformed)
	}
	if !slices.Contains(p.cfg.Methods, req.Type) {
		return p.refuse(req)
	}
	if p.method != 0 && p.method != req.Type {
		return Packet{}, fmt.Errorf("%w: gateway switched from %v to %v", ErrUnexpected, p.method, req.Type)
	}
	p.method = req.Type
	switch req.Type {
	case TypeMD5:
		return p.onMD5(ctx, req)
	case TypeGTC:
		return p.onGTC(ctx, req)
	}
	return p.onMSCHAPv2(ctx, req)
}

// refuse answers a method we do not allow with a Nak listing ours; once a
// method has started, RFC 3748 2.1 forbids a Nak and the switch is an error.
func (p *Peer) refuse(req Packet) (Packet, error) {
	if p.method != 0 {
		return Packet{}, fmt.Errorf("%w: gateway switched from %v to %v", ErrUnexpected, p.method, req.Type)
	}
	p.nakked = true
	p.log.Info("eap method refused, sending Nak", "proposed", req.Type.String(), "ours", fmt.Sprint(p.cfg.Methods))
	return nakResponse(req, p.cfg.Methods), nil
}

// onIdentity answers EAP-Identity with the configured identity, or the
// username from the credential callback when none is configured.
func (p *Peer) onIdentity(ctx context.Context, req Packet) (Packet, error) {
	id := p.cfg.Identity
	if id == "" {
		c, err := p.credentials(ctx, CredentialRequest{Method: TypeIdentity, Prompt: printable(req.Data)})
		if err != nil {
			return Packet{}, err
		}
		id = c.Username
	}
	if id == "" {
		return Packet{}, fmt.Errorf("%w: no EAP identity configured or entered", ErrNoCredentials)
	}
	p.sentID = id
	return Packet{Code: CodeResponse, Identifier: req.Identifier, Type: TypeIdentity, Data: []byte(id)}, nil
}

// credentials asks the callback once per conversation and caches the
// answer, so a Nak or a second round does not prompt the user again.
func (p *Peer) credentials(ctx context.Context, req CredentialRequest) (Credentials, error) {
	if p.creds != nil {
		return *p.creds, nil
	}
	if req.Identity == "" {
		req.Identity = p.username(Credentials{})
	}
	c, err := askCredentials(ctx, p.cfg.Credentials, req)
	if err != nil {
		return Credentials{}, err
	}
	if req.Method != TypeIdentity && c.Password == "" {
		return Credentials{}, fmt.Errorf("%w: empty password", ErrNoCredentials)
	}
	p.creds = &c
	return c, nil
}

// username is the name a method authenticates: the one the user typed,
// else the identity sent in EAP-Identity, else the configured identity.
func (p *Peer) username(c Credentials) string {
	switch {
	case c.Username != "":
		return c.Username
	case p.sentID != "":
		return p.sentID
	}
	return p.cfg.Identity
}

// printable renders gateway text for logs and prompts without control
// characters or invalid UTF-8 that could corrupt a terminal.
func printable(b []byte) string {
	b = bytes.TrimRight(b, "\x00")
	out := make([]rune, 0, len(b))
	for _, r := range string(b) {
		if !unicode.IsPrint(r) || r == utf8.RuneError {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
