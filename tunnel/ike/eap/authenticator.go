package eap

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
)

// Status is the outcome of one Authenticator step.
type Status uint8

const (
	// Continue: send the returned request and wait for the next response.
	Continue Status = iota
	// Success: the returned request is an EAP-Success to send; MSK and
	// Identity are final.
	Success
	// Failure: the returned request is an EAP-Failure to send; the error
	// says why (for logs and the Limiter, never for the peer).
	Failure
)

func (s Status) String() string {
	switch s {
	case Continue:
		return "continue"
	case Success:
		return "success"
	case Failure:
		return "failure"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Authenticator is the server side of one EAP conversation, driven by the
// IKE engine one message at a time. NewLocalAuthenticator checks a
// UserStore; a RADIUS pass-through can implement the same interface.
type Authenticator interface {
	// Start returns the first request.
	Start(ctx context.Context) (request []byte, err error)
	// Handle consumes the peer's response and returns the next packet to
	// send with the conversation's status. On Failure the packet is an
	// EAP-Failure and err tells why; a nil packet with an error means
	// nothing can be sent (e.g. Handle after the end).
	Handle(ctx context.Context, response []byte) (request []byte, st Status, err error)
	// MSK is the Master Session Key after Success, nil for methods
	// without one (MD5, GTC).
	MSK() []byte
	// Identity is the EAP identity by the precedence backend's identity,
	// then the queried identity, then the IKE identity. Before success,
	// a name the method itself carries (the MS-CHAPv2 Response's Name)
	// counts as the backend's claim, so failures are charged to the
	// account that was actually tried.
	Identity() string
	// Method is the method in use, 0 before one is proposed.
	Method() Type
}

// AuthenticatorConfig configures NewLocalAuthenticator.
type AuthenticatorConfig struct {
	// Methods we offer, preferred first; the first is proposed. Empty
	// means DefaultMethods.
	Methods []Type
	// NoQueryIdentity turns off the EAP-Identity request sent first by
	// default (IOS "query-identity", which Windows clients need); the IKE
	// identity is then the EAP identity.
	NoQueryIdentity bool
	// IKEIdentity is the peer's IKE identity (IDi) as text.
	IKEIdentity string
	// Users looks up accounts.
	Users UserStore
	// Rand provides identifiers and challenges; nil means crypto/rand.
	Rand io.Reader
	// Logger receives protocol events; nil discards them.
	Logger *slog.Logger
}

// authState is the local authenticator's position:
//
//	idle ─Start─▶ identity ─Identity─▶ method ─(Nak ▶ method)…─▶ done
//	   └──Start (no query)──────────────▲               └────────▶ failed
type authState uint8

const (
	authIdle authState = iota
	authIdentity
	authMethod
	authDone
	authFailed
)

// localAuth authenticates against a UserStore.
type localAuth struct {
	cfg     AuthenticatorConfig
	log     *slog.Logger
	state   authState
	id      uint8 // Identifier of the outstanding request
	method  Type
	nakked  bool // the peer already refused one proposal
	queried string
	backend string // User.Name after success
	claimed string // the account a method checked (MS-CHAPv2 Name), success or not
	msk     []byte
	m       methodState
}

// NewLocalAuthenticator returns an Authenticator backed by cfg.Users.
func NewLocalAuthenticator(cfg AuthenticatorConfig) (Authenticator, error) {
	if cfg.Users == nil {
		return nil, fmt.Errorf("%w: authenticator needs a user store", ErrConfig)
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
	return &localAuth{cfg: cfg, log: log}, nil
}

func (a *localAuth) MSK() []byte {
	if a.state != authDone {
		return nil
	}
	return a.msk
}

func (a *localAuth) Method() Type { return a.method }

func (a *localAuth) Identity() string {
	switch {
	case a.backend != "":
		return a.backend
	case a.claimed != "":
		return a.claimed
	case a.queried != "":
		return a.queried
	}
	return a.cfg.IKEIdentity
}

// Start sends EAP-Identity, or proposes the first method right away when
// the identity query is off (the IKE identity must then name a user).
func (a *localAuth) Start(ctx context.Context) ([]byte, error) {
	if a.state != authIdle {
		return nil, fmt.Errorf("%w: Start called twice", ErrUnexpected)
	}
	var b [1]byte
	if _, err := io.ReadFull(a.cfg.Rand, b[:]); err != nil {
		return nil, fmt.Errorf("eap identifier: %w", err)
	}
	a.id = b[0]
	if a.cfg.NoQueryIdentity {
		if err := CheckIdentity(a.cfg.IKEIdentity); err != nil {
			a.state = authFailed
			return nil, err
		}
		return a.propose(a.cfg.Methods[0])
	}
	a.state = authIdentity
	return marshal(Packet{Code: CodeRequest, Identifier: a.id, Type: TypeIdentity})
}

// Handle implements Authenticator.
func (a *localAuth) Handle(ctx context.Context, response []byte) ([]byte, Status, error) {
	if a.state == authIdle || a.state == authDone || a.state == authFailed {
		return nil, Failure, fmt.Errorf("%w: no EAP request outstanding", ErrUnexpected)
	}
	pkt, err := Decode(response)
	if err != nil {
		return a.fail(err)
	}
	if pkt.Code != CodeResponse || pkt.Identifier != a.id {
		return a.fail(fmt.Errorf("%w: %v, expected a response with id %d", ErrUnexpected, pkt, a.id))
	}
	a.log.Debug("eap authenticator received", "packet", pkt.String())
	if a.state == authIdentity {
		return a.onIdentity(pkt)
	}
	if pkt.Type == TypeNak || pkt.Type == TypeExpanded {
		return a.onNak(pkt)
	}
	if pkt.Type != a.method {
		return a.fail(fmt.Errorf("%w: %v response to a %v request", ErrUnexpected, pkt.Type, a.method))
	}
	return a.onMethod(ctx, pkt)
}

// onIdentity records the queried identity and proposes our first method.
func (a *localAuth) onIdentity(pkt Packet) ([]byte, Status, error) {
	if pkt.Type != TypeIdentity {
		return a.fail(fmt.Errorf("%w: %v response to an Identity request", ErrUnexpected, pkt.Type))
	}
	a.queried = string(pkt.Data)
	a.log.Info("eap identity", "identity", printable(pkt.Data))
	return a.next(a.propose(a.cfg.Methods[0]))
}

// onNak picks the first method the peer desires that we also offer. A Nak
// is only valid as the answer to a method's first request, and only once.
func (a *localAuth) onNak(pkt Packet) ([]byte, Status, error) {
	if a.nakked || a.m.round > 0 {
		return a.fail(fmt.Errorf("%w: Nak in the middle of %v", ErrUnexpected, a.method))
	}
	desired, err := parseNak(pkt)
	if err != nil {
		return a.fail(err)
	}
	a.nakked = true
	for _, t := range desired {
		if slices.Contains(a.cfg.Methods, t) && t != a.method {
			a.log.Info("eap peer refused method", "proposed", a.method.String(), "chosen", t.String())
			return a.next(a.propose(t))
		}
	}
	return a.fail(fmt.Errorf("peer wants %v, we offer %v: %w", desired, a.cfg.Methods, ErrNoCommonMethod))
}

// propose starts method t with a fresh identifier.
func (a *localAuth) propose(t Type) ([]byte, error) {
	a.method = t
	a.m = methodState{}
	a.state = authMethod
	a.id++
	data, err := a.firstRequest(t)
	if err != nil {
		a.state = authFailed
		return nil, err
	}
	return marshal(Packet{Code: CodeRequest, Identifier: a.id, Type: t, Data: data})
}

// next wraps a request builder's result as a Continue step.
func (a *localAuth) next(req []byte, err error) ([]byte, Status, error) {
	if err != nil {
		return a.fail(err)
	}
	return req, Continue, nil
}

// request sends another request of the current method.
func (a *localAuth) request(data []byte) ([]byte, Status, error) {
	a.id++
	a.m.round++
	return a.next(marshal(Packet{Code: CodeRequest, Identifier: a.id, Type: a.method, Data: data}))
}

// succeed ends with EAP-Success, echoing the response's identifier
// (RFC 3748 section 4.2).
func (a *localAuth) succeed(backendName string, msk []byte) ([]byte, Status, error) {
	a.state, a.backend, a.msk = authDone, backendName, msk
	a.log.Info("eap authentication succeeded", "identity", a.Identity(), "method", a.method.String())
	b, err := marshal(Packet{Code: CodeSuccess, Identifier: a.id})
	if err != nil {
		return a.fail(err)
	}
	return b, Success, nil
}

// fail ends with EAP-Failure and returns why.
func (a *localAuth) fail(why error) ([]byte, Status, error) {
	a.state = authFailed
	a.msk = nil
	a.log.Info("eap authentication failed", "identity", a.Identity(), "method", a.method.String(), "reason", why.Error())
	b, err := marshal(Packet{Code: CodeFailure, Identifier: a.id})
	if err != nil {
		why = errors.Join(why, err)
	}
	return b, Failure, why
}
