package ike

import (
	"errors"
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// Sentinel errors. Callers match them with errors.Is.
var (
	ErrClosed          = errors.New("ike: endpoint closed")
	ErrTimeout         = errors.New("ike: peer did not answer")
	ErrAuthFailed      = errors.New("ike: authentication failed")
	ErrNoProposal      = errors.New("ike: no proposal chosen")
	ErrInvalidConfig   = errors.New("ike: invalid configuration")
	ErrProtocol        = errors.New("ike: protocol violation")
	ErrSADeleted       = errors.New("ike: SA deleted")
	ErrPeerDeleted     = errors.New("ike: peer deleted the SA")
	ErrRedirected      = errors.New("ike: gateway redirected us")
	ErrRedirectLoop    = errors.New("ike: too many redirects")
	ErrNoChild         = errors.New("ike: child SA not found")
	ErrFragmentInvalid = errors.New("ike: invalid fragment")
	ErrReplaced        = errors.New("ike: replaced by a new SA of the same peer (INITIAL_CONTACT)")
	// ErrRekeyRefused ends a post-quantum hybrid IKE SA whose rekey the
	// peer refused for its proposals. Unlike ErrNoProposal it is worth
	// reconnecting: that reauthenticates with a fresh hybrid SA.
	ErrRekeyRefused = errors.New("ike: peer refused to rekey the hybrid IKE SA")
	// ErrReentrant: an SA method that waits for the SA's goroutine was
	// called from it (an event handler or hook); call it from a
	// goroutine of your own.
	ErrReentrant = errors.New("ike: SA method called from the SA's own goroutine (event handler or hook)")
)

// PeerError is a failure notify received from the peer. It wraps a
// sentinel so that errors.Is(err, ErrAuthFailed) works for
// AUTHENTICATION_FAILED and errors.Is(err, ErrNoProposal) for
// NO_PROPOSAL_CHOSEN.
type PeerError struct {
	Type wire.NotifyType
	Hint string // what the user can do about it, if we know
}

func (e *PeerError) Error() string {
	s := "ike: peer answered " + e.Type.String()
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Unwrap maps well-known notifies to sentinels.
func (e *PeerError) Unwrap() error {
	switch e.Type {
	case wire.AUTHENTICATION_FAILED:
		return ErrAuthFailed
	case wire.NO_PROPOSAL_CHOSEN:
		return ErrNoProposal
	}
	return ErrProtocol
}

// notifyErr builds the *wire.NotifyError the engine answers with.
func notifyErr(t wire.NotifyType, format string, args ...any) *wire.NotifyError {
	return &wire.NotifyError{Type: t, Msg: fmt.Sprintf(format, args...)}
}

// legacyHint is the sentence shown when a peer refuses our modern proposals.
const legacyHint = "the gateway accepts none of our proposals; if it is an older " +
	"headend (for example the IOS 16.10 smart default with DH groups 5/2), enable " +
	"AllowLegacy (profile: allow_legacy = true) or configure a modern proposal on the gateway"

func asPeerError(err error, pe **PeerError) bool { return errors.As(err, pe) }

func isErr(err, target error) bool { return errors.Is(err, target) }
