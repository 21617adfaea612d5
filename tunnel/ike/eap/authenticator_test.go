package eap

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func newTestAuth(t *testing.T, cfg AuthenticatorConfig) Authenticator {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = testUsers(t)
	}
	if cfg.IKEIdentity == "" {
		cfg.IKEIdentity = testUser
	}
	a, err := NewLocalAuthenticator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func start(t *testing.T, a Authenticator) Packet {
	t.Helper()
	b, err := a.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func resp(t testing.TB, id uint8, typ Type, data []byte) []byte {
	t.Helper()
	b, err := Packet{Code: CodeResponse, Identifier: id, Type: typ, Data: data}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exchange feeds one response and decodes the authenticator's answer.
func exchange(t *testing.T, a Authenticator, in []byte) (Packet, Status, error) {
	t.Helper()
	out, st, err := a.Handle(context.Background(), in)
	if out == nil {
		return Packet{}, st, err
	}
	p, derr := Decode(out)
	if derr != nil {
		t.Fatalf("authenticator sent undecodable %x", out)
	}
	return p, st, err
}

func TestAuthenticatorRequestFormats(t *testing.T) {
	a := newTestAuth(t, AuthenticatorConfig{})
	id := start(t, a)
	if id.Code != CodeRequest || id.Type != TypeIdentity || len(id.Data) != 0 {
		t.Fatalf("first request %v %x", id, id.Data)
	}
	ch, st, err := exchange(t, a, resp(t, id.Identifier, TypeIdentity, []byte(testUser)))
	if st != Continue || err != nil || ch.Type != TypeMSCHAPv2 || ch.Identifier != id.Identifier+1 {
		t.Fatalf("challenge %v %v %v", ch, st, err)
	}
	m, err := parseMS(ch.Data)
	if err != nil || m.Op != msChallenge || m.ID != ch.Identifier || int(ch.Data[2])<<8|int(ch.Data[3]) != len(ch.Data) {
		t.Fatalf("MS-CHAPv2 header %x: %v", ch.Data, err)
	}
	c, err := parseMSChallenge(m.Body)
	if err != nil || string(c.Name) != serverName {
		t.Fatalf("challenge body %+v %v", c, err)
	}
}

func TestAuthenticatorRejectsOutOfPlaceResponses(t *testing.T) {
	tests := []struct {
		name string
		// build makes the bad response from the outstanding request.
		build func(t *testing.T, a Authenticator, r Packet) []byte
		want  error
	}{
		{"wrong identifier", func(t *testing.T, _ Authenticator, r Packet) []byte {
			return resp(t, r.Identifier+1, TypeMD5, []byte{16})
		}, ErrUnexpected},
		{"request instead of response", func(t *testing.T, _ Authenticator, r Packet) []byte {
			return req(t, r.Identifier, TypeMD5, []byte{1, 1})
		}, ErrUnexpected},
		{"other method", func(t *testing.T, _ Authenticator, r Packet) []byte {
			return resp(t, r.Identifier, TypeGTC, []byte(testPass))
		}, ErrUnexpected},
		{"garbage", func(*testing.T, Authenticator, Packet) []byte { return []byte{2} }, ErrMalformed},
		{"malformed MD5", func(t *testing.T, _ Authenticator, r Packet) []byte {
			return resp(t, r.Identifier, TypeMD5, []byte{200, 1})
		}, ErrMalformed},
		{"second Nak", func(t *testing.T, a Authenticator, r Packet) []byte {
			next, _, _ := exchange(t, a, resp(t, r.Identifier, TypeNak, []byte{6}))
			return resp(t, next.Identifier, TypeNak, []byte{4})
		}, ErrUnexpected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAuth(t, AuthenticatorConfig{Methods: []Type{TypeMD5, TypeGTC}, NoQueryIdentity: true})
			r := start(t, a)
			p, st, err := exchange(t, a, tt.build(t, a, r))
			if st != Failure || p.Code != CodeFailure || !errors.Is(err, tt.want) {
				t.Fatalf("got %v %v %v, want EAP-Failure and %v", p, st, err, tt.want)
			}
			if _, _, err := a.Handle(context.Background(), resp(t, r.Identifier, TypeMD5, nil)); !errors.Is(err, ErrUnexpected) {
				t.Fatalf("Handle after the end: %v", err)
			}
		})
	}
}

func TestAuthenticatorMSCHAPv2PeerRejectsUs(t *testing.T) {
	// The peer answers our Success request with a Failure (it did not
	// accept our authenticator response): no Success for the server either.
	a := newTestAuth(t, AuthenticatorConfig{NoQueryIdentity: true})
	p := newTestPeer(t, PeerConfig{})
	r := start(t, a)
	out, _ := p.Handle(context.Background(), mustMarshal(t, r))
	succ, st, err := exchange(t, a, out)
	if st != Continue || err != nil {
		t.Fatalf("after response: %v %v", st, err)
	}
	m, _ := parseMS(succ.Data)
	if m.Op != msSuccess {
		t.Fatalf("want a Success request, got op %d", m.Op)
	}
	end, st, err := exchange(t, a, resp(t, succ.Identifier, TypeMSCHAPv2, []byte{byte(msFailure)}))
	if st != Failure || end.Code != CodeFailure || err == nil || a.MSK() != nil {
		t.Fatalf("got %v %v %v msk %x", end, st, err, a.MSK())
	}
}

func mustMarshal(t *testing.T, p Packet) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAuthenticatorMethodNeedsStoredSecret(t *testing.T) {
	users := StaticUsers{
		"nt-only":   {NTHash: NTHash("pw")},
		"hash-only": {PasswordHash: mustHash(t, "pw")},
		"bcrypt":    {PasswordHash: mustBcrypt(t, "pw")},
	}
	for _, tt := range []struct {
		user   string
		method Type
		ok     bool
	}{
		{"nt-only", TypeMSCHAPv2, true},
		{"nt-only", TypeMD5, false},
		{"nt-only", TypeGTC, false},
		{"hash-only", TypeGTC, true},
		{"hash-only", TypeMSCHAPv2, false},
		{"bcrypt", TypeGTC, true},
	} {
		p, a := newPair(t,
			PeerConfig{Identity: tt.user, Credentials: fixedCreds("", "pw", nil), Methods: []Type{tt.method}},
			AuthenticatorConfig{Methods: []Type{tt.method}, Users: users})
		o := converse(t, p, a)
		if (o.status == Success) != tt.ok || (o.peerErr == nil) != tt.ok {
			t.Errorf("%s/%v: status %v, peer %v, auth %v", tt.user, tt.method, o.status, o.peerErr, o.authErr)
		}
	}
}

func mustBcrypt(t *testing.T, pw string) []byte {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestAuthenticatorStoreError(t *testing.T) {
	broken := errors.New("directory unreachable")
	p, a := newPair(t, PeerConfig{Identity: testUser, Credentials: fixedCreds("", testPass, nil)},
		AuthenticatorConfig{Methods: []Type{TypeMD5}, Users: storeFunc(func(context.Context, string) (*User, error) {
			return nil, broken
		})})
	o := converse(t, p, a)
	if o.status != Failure || !errors.Is(o.authErr, broken) || errors.Is(o.authErr, ErrAuthFailed) {
		t.Fatalf("store failure reported as %v", o.authErr)
	}
}

type storeFunc func(context.Context, string) (*User, error)

func (f storeFunc) LookupUser(ctx context.Context, name string) (*User, error) { return f(ctx, name) }

func TestAuthenticatorStartTwiceAndConfig(t *testing.T) {
	a := newTestAuth(t, AuthenticatorConfig{})
	start(t, a)
	if _, err := a.Start(context.Background()); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("second Start: %v", err)
	}
	if _, err := NewLocalAuthenticator(AuthenticatorConfig{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no user store: %v", err)
	}
	if _, err := NewLocalAuthenticator(AuthenticatorConfig{Users: StaticUsers{}, Methods: []Type{TypeNak}}); !errors.Is(err, ErrConfig) {
		t.Fatalf("bad method: %v", err)
	}
}

func TestAuthenticatorAcceptsExpandedNak(t *testing.T) {
	a := newTestAuth(t, AuthenticatorConfig{Methods: []Type{TypeMSCHAPv2, TypeGTC}, NoQueryIdentity: true})
	r := start(t, a)
	nak := nakResponse(Packet{Type: TypeExpanded, Identifier: r.Identifier}, []Type{TypeGTC})
	next, st, err := exchange(t, a, mustMarshal(t, nak))
	if st != Continue || err != nil || next.Type != TypeGTC || !bytes.Equal(next.Data, []byte(gtcPrompt)) {
		t.Fatalf("after expanded Nak: %v %v %v", next, st, err)
	}
}

func TestGTCUnknownUserTakesAsLongAsWrongPassword(t *testing.T) {
	// Both paths must run one argon2id verification; compare the minimum
	// of a few runs to keep scheduler noise out.
	timeOf := func(identity string) time.Duration {
		best := time.Hour
		for range 3 {
			p, a := newPair(t,
				PeerConfig{Identity: identity, Methods: []Type{TypeGTC}, Credentials: fixedCreds("", "wrong", nil)},
				AuthenticatorConfig{Methods: []Type{TypeGTC}, Users: StaticUsers{testUser: {PasswordHash: mustHash(t, testPass)}}})
			req, _ := a.Start(context.Background())
			resp, _ := p.Handle(context.Background(), req)
			req, _, _ = a.Handle(context.Background(), resp)
			resp, _ = p.Handle(context.Background(), req)
			start := time.Now()
			if _, st, _ := a.Handle(context.Background(), resp); st != Failure {
				t.Fatalf("%s: %v", identity, st)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	dummyGTCHash() // computed once, outside the measurement
	known, unknown := timeOf(testUser), timeOf("nobody")
	if unknown < known/5 {
		t.Fatalf("unknown user answered in %v, wrong password in %v", unknown, known)
	}
}
