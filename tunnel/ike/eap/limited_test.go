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
	l := NewLimiter(LimiterConfig{IdentityThreshold: 2})
	src := netip.MustParseAddr("192.0.2.1")
	users := testUsers(t)
	for i := range 2 {
		if err := l.Allow(testUser, src); err != nil {
			t.Fatalf("attempt %d refused early: %v", i, err)
		}
		inner, _ := NewLocalAuthenticator(AuthenticatorConfig{NoQueryIdentity: true, IKEIdentity: testUser, Users: users})
		a := WithLimiter(inner, l, src)
		p := newTestPeer(t, PeerConfig{Credentials: fixedCreds("", "wrong", nil)})
		req, err := a.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := p.Handle(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		failReq, st, err := a.Handle(t.Context(), resp)
		if st != Continue || err != nil || !isMSCHAPv2Failure(failReq) {
			t.Fatalf("want an MS-CHAPv2 Failure request, got %v %v", st, err)
		}
		if i == 0 { // the first peer acknowledges; that must not count twice
			ack, _ := p.Handle(t.Context(), failReq)
			if _, st, _ := a.Handle(t.Context(), ack); st != Failure {
				t.Fatalf("after the ack: %v", st)
			}
			if err := l.Allow(testUser, src); err != nil {
				t.Fatalf("one failed conversation counted twice: %v", err)
			}
		}
		// the second peer just goes away, like strongSwan
	}
	if err := l.Allow(testUser, src); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("aborted conversation not counted: %v", err)
	}
}
