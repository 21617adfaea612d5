package eap

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"sync"
)

// gtcPrompt is the text of our GTC request, shown by the peer's prompt.
const gtcPrompt = "Password"

// mschapv2 stages after the Challenge.
const (
	msAwaitResponse = iota
	msAwaitSuccessAck
	msAwaitFailureAck
)

// methodState is the authenticator's per-method state.
type methodState struct {
	round     int // requests sent after the method's first
	challenge []byte
	msStage   int
	msName    string // backend name of a verified MS-CHAPv2 user
	msMSK     []byte
	msErr     error // why the MS-CHAPv2 Failure request was sent
}

// firstRequest builds the Type-Data of method t's first request.
func (a *localAuth) firstRequest(t Type) ([]byte, error) {
	if t == TypeGTC {
		return []byte(gtcPrompt), nil
	}
	a.m.challenge = make([]byte, challengeLen)
	if _, err := io.ReadFull(a.cfg.Rand, a.m.challenge); err != nil {
		return nil, fmt.Errorf("eap challenge: %w", err)
	}
	if t == TypeMD5 {
		return buildMD5(a.m.challenge, serverName), nil
	}
	return buildMSChallenge(a.id, a.m.challenge, serverName), nil
}

// onMethod hands a response of the current method to its handler.
func (a *localAuth) onMethod(ctx context.Context, pkt Packet) ([]byte, Status, error) {
	switch a.method {
	case TypeMD5:
		return a.onMD5(ctx, pkt)
	case TypeGTC:
		return a.onGTC(ctx, pkt)
	}
	return a.onMSCHAPv2(ctx, pkt)
}

// lookup finds the user for name. A missing user and a store failure both
// end in EAP-Failure; the distinction only reaches the server's log.
func (a *localAuth) lookup(ctx context.Context, name string) (*User, error) {
	u, err := a.cfg.Users.LookupUser(ctx, name)
	if err != nil {
		if errors.Is(err, ErrNoSuchUser) {
			return nil, fmt.Errorf("%w: %w", ErrAuthFailed, err)
		}
		return nil, fmt.Errorf("user store: %w", err)
	}
	if u == nil {
		return nil, fmt.Errorf("%w: %w: %q", ErrAuthFailed, ErrNoSuchUser, name)
	}
	return u, nil
}

// canonical is the name the backend gives the user, else the name used.
func canonical(u *User, name string) string {
	if u.Name != "" {
		return u.Name
	}
	return name
}

// onMD5 checks MD5(Identifier||password||challenge).
func (a *localAuth) onMD5(ctx context.Context, pkt Packet) ([]byte, Status, error) {
	m, err := parseMD5(pkt.Data)
	if err != nil {
		return a.fail(err)
	}
	name := a.Identity()
	u, err := a.lookup(ctx, name)
	if err != nil {
		return a.fail(err)
	}
	if u.Password == "" {
		return a.fail(fmt.Errorf("%w: user %q has no cleartext password, which MD5 needs", ErrAuthFailed, name))
	}
	if !verifyMD5(a.id, []byte(u.Password), a.m.challenge, m.Value) {
		return a.fail(fmt.Errorf("%w: MD5 response mismatch for %q", ErrAuthFailed, name))
	}
	return a.succeed(canonical(u, name), nil)
}

// onGTC checks the cleartext password the peer sent against the stored
// hash (or, lacking one, the stored password).
func (a *localAuth) onGTC(ctx context.Context, pkt Packet) ([]byte, Status, error) {
	name := a.Identity()
	u, err := a.lookup(ctx, name)
	if err != nil {
		if errors.Is(err, ErrNoSuchUser) {
			burnGTCTime(string(pkt.Data))
		}
		return a.fail(err)
	}
	ok, err := checkGTC(u, string(pkt.Data))
	if err != nil {
		return a.fail(fmt.Errorf("user %q: %w", name, err))
	}
	if !ok {
		return a.fail(fmt.Errorf("%w: GTC password mismatch for %q", ErrAuthFailed, name))
	}
	return a.succeed(canonical(u, name), nil)
}

// dummyGTCHash is an argon2id hash of nothing in particular, with the
// default parameters and a fixed salt.
var dummyGTCHash = sync.OnceValue(func() []byte {
	h, _ := HashPassword("", bytes.NewReader(make([]byte, argonSaltLen)))
	return h
})

// burnGTCTime spends what checking a stored hash costs, so an unknown
// name answers as slowly as a wrong password and timing does not reveal
// which accounts exist.
func burnGTCTime(password string) {
	_, _ = VerifyPassword(dummyGTCHash(), password)
}

func checkGTC(u *User, password string) (bool, error) {
	switch {
	case len(u.PasswordHash) > 0:
		return VerifyPassword(u.PasswordHash, password)
	case u.Password != "":
		return subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1, nil
	}
	return false, fmt.Errorf("%w: no password or password hash stored, which GTC needs", ErrAuthFailed)
}

// onMSCHAPv2 walks Response → Success/Failure request → peer's ack.
func (a *localAuth) onMSCHAPv2(ctx context.Context, pkt Packet) ([]byte, Status, error) {
	m, err := parseMS(pkt.Data)
	if err != nil {
		return a.fail(err)
	}
	switch {
	case a.m.msStage == msAwaitResponse && m.Op == msResponse:
		return a.onMSResponse(ctx, m)
	case a.m.msStage == msAwaitSuccessAck && m.Op == msSuccess:
		return a.succeed(a.m.msName, a.m.msMSK)
	case a.m.msStage == msAwaitSuccessAck && m.Op == msFailure:
		return a.fail(fmt.Errorf("%w: peer rejected our MS-CHAPv2 authenticator response", ErrUnexpected))
	case a.m.msStage == msAwaitFailureAck:
		return a.fail(a.m.msErr)
	}
	return a.fail(fmt.Errorf("%w: MS-CHAPv2 OpCode %d at stage %d", ErrUnexpected, m.Op, a.m.msStage))
}

// onMSResponse verifies the NT-Response. The name inside the Response is
// the account being authenticated (Windows may put "DOMAIN\user" there);
// on success it, or the store's canonical name, becomes the identity.
func (a *localAuth) onMSResponse(ctx context.Context, m msMessage) ([]byte, Status, error) {
	r, err := parseMSResponse(m.Body)
	if err != nil {
		return a.fail(err)
	}
	name := r.Name
	if name == "" {
		name = a.Identity()
	}
	a.claimed = name
	nt, err := a.ntHashFor(ctx, name)
	if err != nil && !errors.Is(err, ErrAuthFailed) {
		return a.fail(err)
	}
	user := mschapUsername(name)
	want := ntResponse(a.m.challenge, r.PeerChallenge, user, nt.hash)
	if err != nil || subtle.ConstantTimeCompare(want[:], r.NTResponse) != 1 {
		if err == nil {
			err = fmt.Errorf("%w: MS-CHAPv2 response mismatch for %q", ErrAuthFailed, name)
		}
		a.m.msStage, a.m.msErr = msAwaitFailureAck, err
		return a.request(buildMSFailure(m.ID, msErrAuthFailure, a.m.challenge, "Authentication failed"))
	}
	auth := authenticatorResponse(nt.hash, r.NTResponse, r.PeerChallenge, a.m.challenge, user)
	a.m.msStage, a.m.msName = msAwaitSuccessAck, canonical(nt.user, name)
	a.m.msMSK = mschapv2MSK(nt.hash, r.NTResponse)
	return a.request(buildMSSuccess(m.ID, auth, "Welcome"))
}

type ntLookup struct {
	user *User
	hash []byte
}

// ntHashFor returns the user's NT hash. For an unknown user it returns a
// random stand-in next to the error, so the response check still runs and
// the timing does not reveal which names exist.
func (a *localAuth) ntHashFor(ctx context.Context, name string) (ntLookup, error) {
	u, err := a.lookup(ctx, name)
	if err == nil {
		switch {
		case len(u.NTHash) == ntHashLen:
			return ntLookup{u, u.NTHash}, nil
		case u.Password != "":
			return ntLookup{u, NTHash(u.Password)}, nil
		}
		err = fmt.Errorf("%w: user %q has no NT hash, which MS-CHAPv2 needs", ErrAuthFailed, name)
	}
	standIn := make([]byte, ntHashLen)
	_, _ = io.ReadFull(a.cfg.Rand, standIn)
	return ntLookup{hash: standIn}, err
}
