package ike

import (
	"context"
	"fmt"
	"time"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/eap"
	"flexvpn/tunnel/ike/wire"
)

// EAP in IKE_AUTH (RFC 7296 2.16). The responder authenticates with its
// certificate (or PSK) first; only then does the initiator run EAP, so no
// password goes to an unauthenticated gateway:
//
//	HDR, SK {IDi, [IDr,] SAi2, TSi, TSr, [CP]}       -->  (no AUTH: EAP wanted)
//	                          <--  HDR, SK {IDr, [CERT,] AUTH, EAP(request)}
//	HDR, SK {EAP(response)}  -->  ...  <--  HDR, SK {EAP(success)}
//	HDR, SK {AUTH}           -->
//	                          <--  HDR, SK {AUTH, [CP,] SAr2, TSi, TSr}
//
// The final AUTH payloads are MACs keyed with the MSK, or with SK_pi/SK_pr
// when the method derives no MSK (MD5, GTC).

// eapCredentialTimeout bounds one EAP round on the initiator, which is
// mostly the time a person takes to type a password into the prompt the
// credential callback shows. Only this SA waits: each SA has its own
// goroutine. A variable so that tests can shorten it.
var eapCredentialTimeout = 2 * time.Minute

// EAPClient is the client side of one EAP conversation; *eap.Peer
// implements it.
type EAPClient interface {
	Handle(ctx context.Context, req []byte) ([]byte, error)
	Done() bool
	MSK() []byte
}

// EAPAuthenticator is the server side of one EAP conversation.
type EAPAuthenticator = eap.Authenticator

// eapInitiator drives the initiator's EAP rounds inside ikeAuthTask.
type eapInitiator struct {
	conv    EAPClient
	started bool // the gateway authenticated; we are exchanging EAP
	done    bool // EAP succeeded; the last request carried our AUTH
	pending []wire.Payload
}

// eapResponder is the responder's EAP state.
type eapResponder struct {
	auth     EAPAuthenticator
	identity string
	first    []wire.Payload // the first IKE_AUTH request: SA, TS, CP
	success  bool
}

// round feeds the gateway's EAP packet to the conversation and prepares
// the next request: our EAP response, or our AUTH once EAP succeeded.
func (e *eapInitiator) round(sa *SA, m *message) (step, error) {
	p := first[*wire.EAP](m.payloads)
	if p == nil {
		return 0, fmt.Errorf("%w: gateway sent no EAP payload", ErrProtocol)
	}
	ctx, cancel := context.WithTimeout(sa.ctx, eapCredentialTimeout)
	resp, err := e.conv.Handle(ctx, p.Data)
	cancel()
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return 0, fmt.Errorf("%w: EAP: no credentials within %v", ErrAuthFailed, eapCredentialTimeout)
		}
		return 0, fmt.Errorf("%w: EAP: %w", ErrAuthFailed, err)
	}
	e.started = true
	if !e.conv.Done() {
		e.pending = []wire.Payload{&wire.EAP{Data: resp}}
		return stepAgain, nil
	}
	e.done = true
	key := eapAuthKey(e.conv.MSK(), sa.keys.SKpi)
	e.pending = []wire.Payload{&wire.Auth{Method: wire.AuthSharedKey,
		Data: crypto.SharedKeyAuth(sa.prf, key, sa.signedOctets(true, sa.cfg.LocalID))}}
	return stepAgain, nil
}

// verifyFinal checks the gateway's MSK-keyed AUTH in the last response.
func (e *eapInitiator) verifyFinal(sa *SA, m *message) error {
	auth := first[*wire.Auth](m.payloads)
	if auth == nil {
		return fmt.Errorf("%w: no AUTH after EAP", ErrAuthFailed)
	}
	key := eapAuthKey(e.conv.MSK(), sa.keys.SKpr)
	if err := crypto.VerifySharedKey(sa.prf, key, sa.signedOctets(false, sa.peerID), auth.Data); err != nil {
		return fmt.Errorf("%w: gateway AUTH after EAP does not verify", ErrAuthFailed)
	}
	return nil
}

// eapAuthKey is the MSK, or SK_p when the method derives none.
func eapAuthKey(msk, skp []byte) []byte {
	if len(msk) > 0 {
		return msk
	}
	return skp
}

// startEAP answers the first IKE_AUTH without AUTH: we authenticate
// ourselves and send the first EAP request.
func (sa *SA) startEAP(m *message, id Identity) ([]wire.Payload, func(), error) {
	if !sa.cfg.RemoteID.IsZero() && !sa.cfg.RemoteID.Equal(id) {
		err := fmt.Errorf("%w: peer identity %s is not the expected %s", ErrAuthFailed, id, sa.cfg.RemoteID)
		return nil, nil, &wire.NotifyError{Type: wire.AUTHENTICATION_FAILED, Msg: err.Error(), Err: err}
	}
	sa.peerID = id
	auth, err := sa.cfg.EAPServer(sa.peerInfo())
	if err != nil {
		return nil, nil, err
	}
	req, err := auth.Start(sa.ctx)
	if err != nil {
		return nil, nil, err
	}
	sa.eapState = &eapResponder{auth: auth, first: m.payloads}
	ours, err := sa.ourAuth(sa.signedOctets(false, sa.cfg.LocalID))
	if err != nil {
		return nil, nil, err
	}
	ps := append([]wire.Payload{sa.cfg.LocalID.payload(true)}, ours...)
	return append(ps, &wire.EAP{Data: req}), nil, nil
}

// respondEAP runs one EAP round, or checks the final AUTH and completes
// IKE_AUTH with the saved Child SA and CP request.
func (sa *SA) respondEAP(m *message) ([]wire.Payload, func(), error) {
	st := sa.eapState
	if st.success {
		return sa.finishEAP(m)
	}
	p := first[*wire.EAP](m.payloads)
	if p == nil {
		return nil, nil, notifyErr(wire.INVALID_SYNTAX, "IKE_AUTH without EAP during EAP")
	}
	req, status, err := st.auth.Handle(sa.ctx, p.Data)
	if req == nil && err != nil {
		return nil, nil, err
	}
	ps := []wire.Payload{&wire.EAP{Data: req}}
	switch status {
	case eap.Success:
		st.success, st.identity = true, st.auth.Identity()
	case eap.Failure:
		sa.log.Warn("EAP authentication failed", "peer", sa.peerID, "reason", err)
		return ps, func() { sa.fail(fmt.Errorf("%w: EAP: %v", ErrAuthFailed, err)) }, nil
	}
	return ps, nil, nil
}

func (sa *SA) finishEAP(m *message) ([]wire.Payload, func(), error) {
	auth := first[*wire.Auth](m.payloads)
	key := eapAuthKey(sa.eapState.auth.MSK(), sa.keys.SKpi)
	if auth == nil || crypto.VerifySharedKey(sa.prf, key, sa.signedOctets(true, sa.peerID), auth.Data) != nil {
		err := fmt.Errorf("%w: AUTH after EAP does not verify", ErrAuthFailed)
		sa.log.Warn("peer authentication failed", "peer", sa.peerID, "reason", err)
		return nil, nil, &wire.NotifyError{Type: wire.AUTHENTICATION_FAILED, Msg: err.Error(), Err: err}
	}
	our := &wire.Auth{Method: wire.AuthSharedKey, Data: crypto.SharedKeyAuth(sa.prf,
		eapAuthKey(sa.eapState.auth.MSK(), sa.keys.SKpr), sa.signedOctets(false, sa.cfg.LocalID))}
	return sa.completeAuth(sa.eapState.first, []wire.Payload{our})
}
