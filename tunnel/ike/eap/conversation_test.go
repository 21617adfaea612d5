package eap

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

const (
	testUser = "alice"
	testPass = "correct horse"
)

// testPassHash is computed once: argon2id is deliberately slow.
var testPassHash = sync.OnceValues(func() ([]byte, error) { return HashPassword(testPass, nil) })

// testUsers holds alice with every credential form the methods need.
func testUsers(t testing.TB) StaticUsers {
	t.Helper()
	h, err := testPassHash()
	if err != nil {
		t.Fatal(err)
	}
	return StaticUsers{testUser: {NTHash: NTHash(testPass), Password: testPass, PasswordHash: h}}
}

// fixedCreds returns a CredentialFunc answering user/pass and counting calls.
func fixedCreds(user, pass string, calls *int) CredentialFunc {
	return func(context.Context, CredentialRequest) (Credentials, error) {
		if calls != nil {
			*calls++
		}
		return Credentials{Username: user, Password: pass}, nil
	}
}

// outcome is what both sides saw at the end of a conversation.
type outcome struct {
	peerErr error
	status  Status
	authErr error
	rounds  int
}

// converse drives peer and authenticator against each other in memory, the
// way the IKE engine relays EAP payloads inside IKE_AUTH: each request goes
// to the peer, each response back to the authenticator, until the
// authenticator ends with Success/Failure (which the peer then sees) or a
// side errors out.
func converse(t *testing.T, p *Peer, a Authenticator) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := a.Start(ctx)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	var o outcome
	for o.rounds = 1; o.rounds < 20; o.rounds++ {
		resp, perr := p.Handle(ctx, req)
		if perr != nil || resp == nil {
			o.peerErr = perr
			return o
		}
		req, o.status, o.authErr = a.Handle(ctx, resp)
		if o.status != Continue {
			if req == nil {
				t.Fatalf("authenticator ended (%v, %v) without a packet", o.status, o.authErr)
			}
			resp, o.peerErr = p.Handle(ctx, req)
			if resp != nil {
				t.Fatalf("peer answered the final %v", o.status)
			}
			return o
		}
	}
	t.Fatal("conversation did not end in 20 rounds")
	return o
}

func newPair(t *testing.T, pc PeerConfig, ac AuthenticatorConfig) (*Peer, Authenticator) {
	t.Helper()
	p, err := NewPeer(pc)
	if err != nil {
		t.Fatal(err)
	}
	if ac.Users == nil {
		ac.Users = testUsers(t)
	}
	a, err := NewLocalAuthenticator(ac)
	if err != nil {
		t.Fatal(err)
	}
	return p, a
}

func TestConversationSuccess(t *testing.T) {
	for _, m := range []Type{TypeMSCHAPv2, TypeMD5, TypeGTC} {
		for _, noQuery := range []bool{false, true} {
			t.Run(m.String()+map[bool]string{false: "/query", true: "/no-query"}[noQuery], func(t *testing.T) {
				calls := 0
				p, a := newPair(t,
					PeerConfig{Identity: testUser, Credentials: fixedCreds("", testPass, &calls)},
					AuthenticatorConfig{Methods: []Type{m}, NoQueryIdentity: noQuery, IKEIdentity: testUser})
				o := converse(t, p, a)
				if o.peerErr != nil || o.status != Success || o.authErr != nil {
					t.Fatalf("peer err %v, auth %v %v", o.peerErr, o.status, o.authErr)
				}
				if !p.Done() || p.Method() != m || a.Method() != m {
					t.Fatalf("done %v, methods %v/%v", p.Done(), p.Method(), a.Method())
				}
				if calls != 1 {
					t.Fatalf("credential callback called %d times, want 1", calls)
				}
				if a.Identity() != testUser {
					t.Fatalf("identity %q", a.Identity())
				}
				checkMSK(t, m, p.MSK(), a.MSK())
			})
		}
	}
}

// checkMSK: MS-CHAPv2 yields the same 64-octet MSK on both sides; MD5 and
// GTC yield none.
func checkMSK(t *testing.T, m Type, peer, auth []byte) {
	t.Helper()
	if m != TypeMSCHAPv2 {
		if peer != nil || auth != nil {
			t.Fatalf("%v produced an MSK", m)
		}
		return
	}
	if len(peer) != mskLen || !bytes.Equal(peer, auth) {
		t.Fatalf("MSK mismatch:\npeer %X\nauth %X", peer, auth)
	}
}

func TestConversationWrongPassword(t *testing.T) {
	for _, m := range []Type{TypeMSCHAPv2, TypeMD5, TypeGTC} {
		t.Run(m.String(), func(t *testing.T) {
			p, a := newPair(t,
				PeerConfig{Identity: testUser, Credentials: fixedCreds("", "wrong", nil)},
				AuthenticatorConfig{Methods: []Type{m}})
			o := converse(t, p, a)
			if o.status != Failure || !errors.Is(o.authErr, ErrAuthFailed) {
				t.Fatalf("authenticator: %v %v", o.status, o.authErr)
			}
			if !errors.Is(o.peerErr, ErrAuthFailed) {
				t.Fatalf("peer error %v, want ErrAuthFailed", o.peerErr)
			}
			if !bytes.Contains([]byte(o.peerErr.Error()), []byte("wrong username or password")) {
				t.Fatalf("peer error %q does not say what went wrong", o.peerErr)
			}
			if p.Done() || p.MSK() != nil || a.MSK() != nil {
				t.Fatal("failed conversation left keys or done state")
			}
			var fe *FailureError
			if m == TypeMSCHAPv2 && (!errors.As(o.peerErr, &fe) || fe.Code != 691 || fe.Message == "") {
				t.Fatalf("MS-CHAPv2 failure lost the server's reason: %v", o.peerErr)
			}
		})
	}
}

func TestConversationUnknownUser(t *testing.T) {
	for _, m := range []Type{TypeMSCHAPv2, TypeMD5, TypeGTC} {
		t.Run(m.String(), func(t *testing.T) {
			p, a := newPair(t,
				PeerConfig{Identity: "mallory", Credentials: fixedCreds("", testPass, nil)},
				AuthenticatorConfig{Methods: []Type{m}})
			o := converse(t, p, a)
			if !errors.Is(o.authErr, ErrNoSuchUser) || !errors.Is(o.authErr, ErrAuthFailed) {
				t.Fatalf("authenticator error %v", o.authErr)
			}
			if !errors.Is(o.peerErr, ErrAuthFailed) {
				t.Fatalf("peer error %v", o.peerErr)
			}
		})
	}
}

func TestConversationNakNegotiation(t *testing.T) {
	tests := []struct {
		name       string
		peer, auth []Type
		want       Type // 0: no common method
	}{
		{"server proposes MD5, peer only MS-CHAPv2", []Type{TypeMSCHAPv2}, []Type{TypeMD5, TypeMSCHAPv2}, TypeMSCHAPv2},
		{"server proposes MS-CHAPv2, peer only GTC", []Type{TypeGTC}, []Type{TypeMSCHAPv2, TypeMD5, TypeGTC}, TypeGTC},
		{"peer's preference wins among common", []Type{TypeMD5, TypeGTC}, []Type{TypeMSCHAPv2, TypeGTC, TypeMD5}, TypeMD5},
		{"no Nak when the proposal is allowed", []Type{TypeGTC, TypeMD5}, []Type{TypeMD5}, TypeMD5},
		{"nothing in common", []Type{TypeMSCHAPv2}, []Type{TypeMD5, TypeGTC}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, a := newPair(t,
				PeerConfig{Identity: testUser, Methods: tt.peer, Credentials: fixedCreds("", testPass, nil)},
				AuthenticatorConfig{Methods: tt.auth})
			o := converse(t, p, a)
			if tt.want == 0 {
				if !errors.Is(o.authErr, ErrNoCommonMethod) || !errors.Is(o.peerErr, ErrNoCommonMethod) {
					t.Fatalf("want no common method on both sides, got peer %v, auth %v", o.peerErr, o.authErr)
				}
				return
			}
			if o.status != Success || o.peerErr != nil || a.Method() != tt.want || p.Method() != tt.want {
				t.Fatalf("got %v/%v (%v, %v), want %v", p.Method(), a.Method(), o.peerErr, o.authErr, tt.want)
			}
		})
	}
}

func TestConversationIdentityPrecedence(t *testing.T) {
	users := testUsers(t)
	users["CORP\\bob"] = User{Name: "bob@corp", NTHash: NTHash("pw2"), Password: "pw2"}
	users["carol"] = User{Password: "pw3"}
	tests := []struct {
		name     string
		peerID   string
		creds    Credentials
		method   Type
		noQuery  bool
		ikeID    string
		want     string
		wantAuth bool
	}{
		{"backend name beats queried identity", "CORP\\bob", Credentials{Password: "pw2"}, TypeMSCHAPv2, false, "10.0.0.1", "bob@corp", true},
		{"queried identity beats IKE identity", "carol", Credentials{Password: "pw3"}, TypeMD5, false, "client.example", "carol", true},
		{"IKE identity without query", "ignored", Credentials{Password: "pw3"}, TypeMD5, true, "carol", "carol", true},
		{"MS-CHAPv2 name beats queried identity", "anonymous", Credentials{Username: testUser, Password: testPass}, TypeMSCHAPv2, false, "x", testUser, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, a := newPair(t,
				PeerConfig{Identity: tt.peerID, Credentials: fixedCreds(tt.creds.Username, tt.creds.Password, nil)},
				AuthenticatorConfig{Methods: []Type{tt.method}, NoQueryIdentity: tt.noQuery, IKEIdentity: tt.ikeID, Users: users})
			o := converse(t, p, a)
			if (o.status == Success) != tt.wantAuth {
				t.Fatalf("status %v (%v / %v)", o.status, o.peerErr, o.authErr)
			}
			if a.Identity() != tt.want {
				t.Fatalf("Identity() = %q, want %q", a.Identity(), tt.want)
			}
		})
	}
}

func TestAuthenticatorRefusesIPIdentityWithoutQuery(t *testing.T) {
	a, err := NewLocalAuthenticator(AuthenticatorConfig{NoQueryIdentity: true, IKEIdentity: "192.0.2.7", Users: StaticUsers{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Start(context.Background()); !errors.Is(err, ErrIPIdentity) {
		t.Fatalf("Start = %v, want ErrIPIdentity", err)
	}
}

func TestCheckIdentity(t *testing.T) {
	for id, want := range map[string]error{
		"alice": nil, "alice@example.com": nil, `CORP\alice`: nil,
		"192.0.2.1": ErrIPIdentity, "2001:db8::1": ErrIPIdentity, "": ErrNoCredentials,
	} {
		if err := CheckIdentity(id); !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("CheckIdentity(%q) = %v, want %v", id, err, want)
		}
	}
}
