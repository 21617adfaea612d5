package eap

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
)

// WithLimiter wraps an Authenticator so that the Limiter governs it: Start
// refuses a locked source or IKE identity, each step refuses once the EAP
// identity becomes known and is locked, and the outcome is recorded —
// Failed for wrong credentials (ErrAuthFailed), Succeeded on success.
// Protocol errors are not counted: they do not test a password.
func WithLimiter(a Authenticator, l *Limiter, src netip.Addr) Authenticator {
	return &limitedAuth{Authenticator: a, l: l, src: src}
}

type limitedAuth struct {
	Authenticator
	l    *Limiter
	src  netip.Addr
	done bool // the wrapper ended the conversation or saw its end
	ok   bool // it ended in Success
}

func (w *limitedAuth) Start(ctx context.Context) ([]byte, error) {
	if err := w.l.Allow(w.Identity(), w.src); err != nil {
		w.done = true
		return nil, err
	}
	return w.Authenticator.Start(ctx)
}

func (w *limitedAuth) Handle(ctx context.Context, response []byte) ([]byte, Status, error) {
	if w.done {
		return nil, Failure, fmt.Errorf("%w: conversation already ended", ErrUnexpected)
	}
	out, st, err := w.Authenticator.Handle(ctx, response)
	switch st {
	case Continue:
		// The queried identity is known from the first response on.
		if lockErr := w.l.Allow(w.Identity(), w.src); lockErr != nil {
			return w.refuse(response, lockErr)
		}
	case Success:
		w.done, w.ok = true, true
		w.l.Succeeded(w.Identity(), w.src)
	case Failure:
		w.done = true
		if errors.Is(err, ErrAuthFailed) {
			w.l.Failed(w.Identity(), w.src)
		}
	}
	return out, st, err
}

// refuse ends the conversation with EAP-Failure answering response.
func (w *limitedAuth) refuse(response []byte, why error) ([]byte, Status, error) {
	w.done = true
	var id uint8
	if p, err := Decode(response); err == nil {
		id = p.Identifier
	}
	b, err := marshal(Packet{Code: CodeFailure, Identifier: id})
	if err != nil {
		why = errors.Join(why, err)
	}
	return b, Failure, why
}

// MSK is nil unless the conversation succeeded through the wrapper, so a
// refused conversation never exposes a key.
func (w *limitedAuth) MSK() []byte {
	if !w.ok {
		return nil
	}
	return w.Authenticator.MSK()
}
