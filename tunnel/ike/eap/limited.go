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
// Failed for wrong credentials (an MS-CHAPv2 Failure request, or Failure
// with ErrAuthFailed), Succeeded on success. Protocol errors are not
// counted: they do not test a password.
func WithLimiter(a Authenticator, l *Limiter, src netip.Addr) Authenticator {
	return &limitedAuth{Authenticator: a, l: l, src: src}
}

type limitedAuth struct {
	Authenticator
	l       *Limiter
	src     netip.Addr
	done    bool // the wrapper ended the conversation or saw its end
	ok      bool // it ended in Success
	counted bool // a failure was recorded for this conversation
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
		if isMSCHAPv2Failure(out) {
			w.failed()
		}
		// The identity is known from the first response on, and may change
		// to the name inside the method. Checking after the method decided
		// (and for both of its answers) keeps a locked account from telling
		// right from wrong guesses: both get EAP-Failure.
		if lockErr := w.l.Allow(w.Identity(), w.src); lockErr != nil {
			return w.refuse(response, lockErr)
		}
	case Success:
		// A parallel conversation may have locked the account meanwhile.
		if lockErr := w.l.Allow(w.Identity(), w.src); lockErr != nil {
			return w.refuse(response, lockErr)
		}
		w.done, w.ok = true, true
		w.l.Succeeded(w.Identity(), w.src)
	case Failure:
		w.done = true
		if errors.Is(err, ErrAuthFailed) {
			w.failed()
		}
	}
	return out, st, err
}

// failed records one failure per conversation.
func (w *limitedAuth) failed() {
	if !w.counted {
		w.counted = true
		w.l.Failed(w.Identity(), w.src)
	}
}

// isMSCHAPv2Failure reports whether req is an MS-CHAPv2 Failure request.
// It is the verdict on the password: strongSwan and Windows peers answer
// it by tearing down IKE_AUTH, not with a Failure response, so waiting for
// the final EAP-Failure would miss most failures. Looking at the packet
// rather than inside the Authenticator also covers a RADIUS server's
// Failure request passed through.
func isMSCHAPv2Failure(req []byte) bool {
	p, err := Decode(req)
	return err == nil && p.Code == CodeRequest && p.Type == TypeMSCHAPv2 &&
		len(p.Data) > 0 && msOpCode(p.Data[0]) == msFailure
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
