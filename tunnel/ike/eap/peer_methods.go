package eap

import (
	"context"
	"fmt"
	"io"
)

// onMD5 answers an MD5-Challenge request: MD5(Identifier||password||challenge).
func (p *Peer) onMD5(ctx context.Context, req Packet) (Packet, error) {
	m, err := parseMD5(req.Data)
	if err != nil {
		return Packet{}, err
	}
	c, err := p.credentials(ctx, CredentialRequest{Method: TypeMD5})
	if err != nil {
		return Packet{}, err
	}
	v := md5Value(req.Identifier, []byte(c.Password), m.Value)
	p.state = peerFinished // MD5 is one round and proves nothing about the server
	return Packet{Code: CodeResponse, Identifier: req.Identifier, Type: TypeMD5, Data: buildMD5(v[:], "")}, nil
}

// onGTC answers a Generic Token Card request with the password; the
// request's text is the prompt to show.
func (p *Peer) onGTC(ctx context.Context, req Packet) (Packet, error) {
	c, err := p.credentials(ctx, CredentialRequest{Method: TypeGTC, Prompt: printable(req.Data)})
	if err != nil {
		return Packet{}, err
	}
	p.state = peerFinished
	return Packet{Code: CodeResponse, Identifier: req.Identifier, Type: TypeGTC, Data: []byte(c.Password)}, nil
}

// mschapPeer is the peer's MS-CHAPv2 state between Challenge and Success.
type mschapPeer struct {
	sentResponse bool
	failed       bool              // a Failure request arrived; only EAP-Failure may follow
	authResp     [authRespLen]byte // what the server must send in "S="
	msk          []byte            // becomes Peer.msk once "S=" verifies
}

// onMSCHAPv2 dispatches on the MS-CHAPv2 OpCode.
func (p *Peer) onMSCHAPv2(ctx context.Context, req Packet) (Packet, error) {
	m, err := parseMS(req.Data)
	if err != nil {
		return Packet{}, err
	}
	switch {
	case p.ms.failed:
	case m.Op == msChallenge && !p.ms.sentResponse:
		return p.onMSChallenge(ctx, req, m)
	case m.Op == msSuccess && p.ms.sentResponse && p.state == peerRunning:
		return p.onMSSuccess(req, m)
	case m.Op == msFailure && p.ms.sentResponse && p.state == peerRunning:
		return p.onMSFailure(req, m)
	}
	return Packet{}, fmt.Errorf("%w: MS-CHAPv2 OpCode %d in this state", ErrUnexpected, m.Op)
}

// onMSChallenge computes the NT-Response, and remembers the authenticator
// response and MSK the server must match.
func (p *Peer) onMSChallenge(ctx context.Context, req Packet, m msMessage) (Packet, error) {
	ch, err := parseMSChallenge(m.Body)
	if err != nil {
		return Packet{}, err
	}
	c, err := p.credentials(ctx, CredentialRequest{Method: TypeMSCHAPv2})
	if err != nil {
		return Packet{}, err
	}
	peerChal := make([]byte, challengeLen)
	if _, err := io.ReadFull(p.cfg.Rand, peerChal); err != nil {
		return Packet{}, fmt.Errorf("MS-CHAPv2 peer challenge: %w", err)
	}
	name := p.username(c)
	user := mschapUsername(name)
	nt := NTHash(c.Password)
	resp := ntResponse(ch.Challenge, peerChal, user, nt)
	p.ms.authResp = authenticatorResponse(nt, resp[:], peerChal, ch.Challenge, user)
	p.ms.msk = mschapv2MSK(nt, resp[:])
	clear(nt)
	p.ms.sentResponse = true
	p.state = peerRunning
	data := buildMSResponse(m.ID, peerChal, resp[:], name)
	return Packet{Code: CodeResponse, Identifier: req.Identifier, Type: TypeMSCHAPv2, Data: data}, nil
}

// onMSSuccess checks the server's proof; only a matching "S=" finishes the
// method. A mismatch is fatal: the gateway does not know our password.
func (p *Peer) onMSSuccess(req Packet, m msMessage) (Packet, error) {
	s, err := parseMSSuccess(m.Body)
	if err == nil && !verifyAuthResponse(s.AuthResponse, p.ms.authResp) {
		err = fmt.Errorf("MS-CHAPv2 authenticator response mismatch: %w", ErrServerNotAuthenticated)
	}
	if err != nil {
		p.state = peerFailed
		return Packet{}, err
	}
	p.msk = p.ms.msk
	p.state = peerFinished
	p.log.Info("eap mschapv2 gateway verified", "message", printable([]byte(s.Message)))
	return Packet{Code: CodeResponse, Identifier: req.Identifier, Type: TypeMSCHAPv2, Data: []byte{byte(msSuccess)}}, nil
}

// onMSFailure records the server's reason and sends the Failure Response
// the draft asks for, so the server can end with EAP-Failure; Handle
// reports the reason then. We do not retry even when R=1: the credentials
// came from the user, and the Limiter on the server counts attempts.
func (p *Peer) onMSFailure(req Packet, m msMessage) (Packet, error) {
	f, err := parseMSFailure(m.Body)
	if err != nil {
		f = msFailureMsg{Code: msErrAuthFailure}
	}
	p.err = failureError(f)
	p.ms.msk = nil
	p.ms.failed = true
	p.log.Info("eap mschapv2 failure from gateway", "code", f.Code, "message", printable([]byte(f.Message)))
	return Packet{Code: CodeResponse, Identifier: req.Identifier, Type: TypeMSCHAPv2, Data: []byte{byte(msFailure)}}, nil
}
