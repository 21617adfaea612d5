package eap

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

func TestWithLimiter(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	l := NewLimiter(LimiterConfig{Now: clk.now})
	srcA, srcB := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.20")
	users := testUsers(t)
	run := func(t *testing.T, src netip.Addr, pass string, noQuery bool, ikeID string) (outcome, Authenticator) {
		t.Helper()
		p, err := NewPeer(PeerConfig{Identity: testUser, Credentials: fixedCreds("", pass, nil)})
		if err != nil {
			t.Fatal(err)
		}
		inner, err := NewLocalAuthenticator(AuthenticatorConfig{Methods: []Type{TypeMD5}, NoQueryIdentity: noQuery, IKEIdentity: ikeID, Users: users})
		if err != nil {
			t.Fatal(err)
		}
		a := WithLimiter(inner, l, src)
		return converse(t, p, a), a
	}

	// Four wrong passwords: refused by the method, not yet by the limiter.
	for range 4 {
		if o, _ := run(t, srcA, "wrong", false, "laptop.example"); !errors.Is(o.authErr, ErrAuthFailed) {
			t.Fatalf("wrong password gave %v", o.authErr)
		}
	}
	// A success clears alice's counter, then five more failures lock her.
	if o, a := run(t, srcA, testPass, false, "laptop.example"); o.status != Success || a.MSK() != nil || a.Identity() != testUser {
		t.Fatalf("success through the wrapper: %v %v", o.status, o.authErr)
	}
	for range 5 {
		run(t, srcA, "wrong", false, "laptop.example")
	}
	// From another source, with an unrelated IKE identity, the lock bites
	// once the EAP-Identity response names alice, even with her password.
	o, a := run(t, srcB, testPass, false, "other.example")
	if o.status != Failure || !errors.Is(o.authErr, ErrTooManyAttempts) || !errors.Is(o.peerErr, ErrAuthFailed) || a.MSK() != nil {
		t.Fatalf("locked identity: status %v, auth %v, peer %v", o.status, o.authErr, o.peerErr)
	}
	// Without the identity query the IKE identity is checked at Start.
	inner, _ := NewLocalAuthenticator(AuthenticatorConfig{NoQueryIdentity: true, IKEIdentity: testUser, Users: users})
	if _, err := WithLimiter(inner, l, srcB).Start(t.Context()); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("Start for a locked identity: %v", err)
	}
	// After the lock expires the right password works again.
	clk.t = clk.t.Add(time.Minute)
	if o, _ := run(t, srcB, testPass, true, testUser); o.status != Success {
		t.Fatalf("after the lock: %v %v", o.status, o.authErr)
	}
}

func TestWithLimiterIgnoresProtocolErrors(t *testing.T) {
	l := NewLimiter(LimiterConfig{IdentityThreshold: 1})
	src := netip.MustParseAddr("192.0.2.1")
	for range 3 {
		inner, _ := NewLocalAuthenticator(AuthenticatorConfig{NoQueryIdentity: true, IKEIdentity: testUser, Users: StaticUsers{}})
		a := WithLimiter(inner, l, src)
		if _, err := a.Start(t.Context()); err != nil {
			t.Fatalf("Start: %v", err)
		}
		if _, st, err := a.Handle(t.Context(), []byte{2, 0}); st != Failure || !errors.Is(err, ErrMalformed) {
			t.Fatalf("garbage: %v %v", st, err)
		}
		if _, _, err := a.Handle(t.Context(), []byte{2, 0}); !errors.Is(err, ErrUnexpected) {
			t.Fatalf("Handle after the end: %v", err)
		}
	}
	if err := l.Allow(testUser, src); err != nil {
		t.Fatalf("malformed packets counted as password failures: %v", err)
	}
}

// TestWithLimiterCountsAbortedMSCHAPv2: strongSwan and Windows answer the
// MS-CHAPv2 Failure request by aborting IKE_AUTH, so the wrapper must count
// the failure when that request goes out, once per conversation.
func TestWithLimiterCountsAbortedMSCHAPv2(t *testing.T) {
	l := NewLimiter(LimiterConfig{IdentityThreshold: 3})
	src := netip.MustParseAddr("192.0.2.1")
	users := testUsers(t)
	type try struct {
		out []byte
		st  Status
		err error
		p   *Peer
		a   Authenticator
	}
	attempt := func(pass string) try {
		t.Helper()
		inner, _ := NewLocalAuthenticator(AuthenticatorConfig{NoQueryIdentity: true, IKEIdentity: testUser, Users: users})
		a := WithLimiter(inner, l, src)
		p := newTestPeer(t, PeerConfig{Credentials: fixedCreds("", pass, nil)})
		req, err := a.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := p.Handle(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		out, st, err := a.Handle(t.Context(), resp)
		return try{out, st, err, p, a}
	}
	// First: the peer acknowledges the Failure request; counted once.
	r := attempt("wrong")
	if r.st != Continue || r.err != nil || !isMSCHAPv2Failure(r.out) {
		t.Fatalf("want an MS-CHAPv2 Failure request, got %v %v", r.st, r.err)
	}
	ack, _ := r.p.Handle(t.Context(), r.out)
	if _, st, _ := r.a.Handle(t.Context(), ack); st != Failure {
		t.Fatalf("after the ack: %v", st)
	}
	// Second: the peer just goes away after the Failure request.
	if r := attempt("wrong"); r.st != Continue || !isMSCHAPv2Failure(r.out) {
		t.Fatalf("second attempt: %v", r.st)
	}
	if err := l.Allow(testUser, src); err != nil {
		t.Fatalf("two failures (threshold 3) already lock: %v", err)
	}
	// Third: this failure reaches the threshold, so the wrapper answers with
	// EAP-Failure instead of the Failure request.
	if r := attempt("wrong"); r.st != Failure || !errors.Is(r.err, ErrTooManyAttempts) || isMSCHAPv2Failure(r.out) {
		t.Fatalf("third attempt: %v %v", r.st, r.err)
	}
	// Locked: Start refuses alice; queried as a decoy with alice inside
	// MS-CHAPv2, the right password gets the same EAP-Failure as a wrong
	// one, so a locked account is no oracle for guesses.
	inner, _ := NewLocalAuthenticator(AuthenticatorConfig{NoQueryIdentity: true, IKEIdentity: testUser, Users: users})
	if _, err := WithLimiter(inner, l, src).Start(t.Context()); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("Start for a locked account: %v", err)
	}
	for _, pass := range []string{testPass, "wrong"} {
		p, _ := NewPeer(PeerConfig{Identity: "decoy", Credentials: fixedCreds(testUser, pass, nil)})
		inner, _ := NewLocalAuthenticator(AuthenticatorConfig{IKEIdentity: "x", Users: users})
		o := converse(t, p, WithLimiter(inner, l, src))
		if o.status != Failure || !errors.Is(o.authErr, ErrTooManyAttempts) {
			t.Fatalf("password %q while locked: %v %v", pass, o.status, o.authErr)
		}
	}
}
