package server

import (
	"errors"

	"flexvpn/tunnel/ike/wire"
)

// Sentinel errors. Callers test them with errors.Is; the wrapping error
// carries the detail (which pool, which identity).
var (
	// ErrPoolExhausted means no free address is left in the pool; the
	// engine answers INTERNAL_ADDRESS_FAILURE.
	ErrPoolExhausted = errors.New("address pool exhausted")
	// ErrAddressInUse means a specific address (a framed address or a
	// client's requested address) is held by another session.
	ErrAddressInUse = errors.New("address in use")
	// ErrAddressNotInPool means an address lies outside the pool or on an
	// address the pool never hands out.
	ErrAddressNotInPool = errors.New("address not in pool")
	// ErrNoPool means the client asked for an address but neither the
	// user's framed address nor a pool applies to it.
	ErrNoPool = errors.New("no address source for this client")
	// ErrUnknownPool means authorization names a pool that is not
	// configured.
	ErrUnknownPool = errors.New("unknown pool")

	// ErrNoName means the name mangler rule does not apply to the peer's
	// identity (for example an FQDN rule and an email identity).
	ErrNoName = errors.New("name mangler found no name in identity")
	// ErrBadIdentity means an identity string or payload could not be
	// parsed.
	ErrBadIdentity = errors.New("bad identity")
	// ErrUnknownUser means authorization found no local user by that name.
	ErrUnknownUser = errors.New("unknown user")

	// ErrSessionLimit means the total session cap is reached.
	ErrSessionLimit = errors.New("session limit reached")
	// ErrIdentityLimit means the per-identity session cap is reached.
	ErrIdentityLimit = errors.New("too many sessions for this identity")
	// ErrNoMatchingSession is what the admin API answers when a
	// disconnect or redirect names no session.
	ErrNoMatchingSession = errors.New("no matching session")

	// ErrNoRedirectTarget means no configured gateway is eligible.
	ErrNoRedirectTarget = errors.New("no eligible redirect target")

	// ErrBadCPAttribute means a CFG_REQUEST attribute has a malformed value.
	ErrBadCPAttribute = errors.New("malformed configuration attribute")

	// ErrCredentials means a certificate or key file could not be parsed.
	ErrCredentials = errors.New("cannot load gateway credentials")
	// ErrNotEstablished means an admin command named a session whose IKE
	// SA is still being set up.
	ErrNotEstablished = errors.New("session not established yet")
	// ErrNotSupported means the engine cannot do what an admin command
	// asks (yet).
	ErrNotSupported = errors.New("not supported yet")
	// ErrServerClosed is returned by a Server after Close.
	ErrServerClosed = errors.New("server closed")
	// ErrAdmin wraps an error the admin socket reported.
	ErrAdmin = errors.New("admin command failed")

	// ErrLoadReport means a gateway load report was malformed, forged,
	// replayed or stale.
	ErrLoadReport = errors.New("rejected load report")

	// ErrConfig wraps every configuration file problem.
	ErrConfig = errors.New("invalid server configuration")
)

// NotifyFor maps a policy error to the Notify type the IKE engine sends
// for it. ok is false when the error has no protocol meaning (the engine
// then uses its generic failure path).
func NotifyFor(err error) (t wire.NotifyType, ok bool) {
	switch {
	case errors.Is(err, ErrPoolExhausted), errors.Is(err, ErrNoPool),
		errors.Is(err, ErrUnknownPool), errors.Is(err, ErrAddressInUse),
		errors.Is(err, ErrAddressNotInPool):
		return wire.INTERNAL_ADDRESS_FAILURE, true
	case errors.Is(err, ErrBadCPAttribute):
		return wire.INVALID_SYNTAX, true
	case errors.Is(err, ErrSessionLimit), errors.Is(err, ErrIdentityLimit):
		return wire.AUTHENTICATION_FAILED, true
	case errors.Is(err, ErrNoName), errors.Is(err, ErrUnknownUser):
		return wire.AUTHENTICATION_FAILED, true
	}
	return 0, false
}

// AsNotify returns a policy error as the *wire.NotifyError the IKE engine
// sends (its ConfigProvider hook passes that type through and turns any
// other error into FAILED_CP_REQUIRED), or err unchanged when it has no
// protocol meaning.
func AsNotify(err error) error {
	t, ok := NotifyFor(err)
	if !ok {
		return err
	}
	return &wire.NotifyError{Type: t, Msg: err.Error()}
}
