package eap

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// req builds an EAP-Request.
func req(t testing.TB, id uint8, typ Type, data []byte) []byte {
	t.Helper()
	b, err := Packet{Code: CodeRequest, Identifier: id, Type: typ, Data: data}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	eapSuccess = []byte{3, 9, 0, 4}
	eapFailure = []byte{4, 9, 0, 4}
)

func newTestPeer(t *testing.T, cfg PeerConfig) *Peer {
	t.Helper()
	if cfg.Credentials == nil {
		cfg.Credentials = fixedCreds("", testPass, nil)
	}
	if cfg.Identity == "" {
		cfg.Identity = testUser
	}
	p, err := NewPeer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustHandle(t *testing.T, p *Peer, in []byte) Packet {
	t.Helper()
	out, err := p.Handle(context.Background(), in)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	pkt, err := Decode(out)
	if err != nil {
		t.Fatalf("peer sent undecodable %x: %v", out, err)
	}
	return pkt
}

func TestPeerNakListsOurMethodsInOrder(t *testing.T) {
	for _, tt := range []struct {
		methods []Type
		want    []byte
	}{
		{nil, []byte{26, 4, 6}},
		{[]Type{TypeGTC, TypeMD5}, []byte{6, 4}},
	} {
		calls := 0
		p := newTestPeer(t, PeerConfig{Methods: tt.methods, Credentials: fixedCreds("", "x", &calls)})
		resp := mustHandle(t, p, req(t, 7, 13 /* EAP-TLS */, []byte{0x20}))
		if resp.Code != CodeResponse || resp.Identifier != 7 || resp.Type != TypeNak || !bytes.Equal(resp.Data, tt.want) {
			t.Fatalf("got %v %x, want Nak %x", resp, resp.Data, tt.want)
		}
		if calls != 0 {
			t.Fatal("credentials asked for a method we refuse")
		}
	}
}

func TestPeerExpandedNak(t *testing.T) {
	p := newTestPeer(t, PeerConfig{Methods: []Type{TypeMD5, TypeMSCHAPv2}})
	// Expanded request of vendor 0x00137f (illustrative), type 1.
	resp := mustHandle(t, p, req(t, 3, TypeExpanded, []byte{0x00, 0x13, 0x7f, 0, 0, 0, 1}))
	want, _ := hex.DecodeString("00000000000003" + "fe00000000000004" + "fe0000000000001a")
	if resp.Type != TypeExpanded || !bytes.Equal(resp.Data, want) {
		t.Fatalf("expanded Nak %x, want %x", resp.Data, want)
	}
	got, err := parseNak(resp)
	if err != nil || len(got) != 2 || got[0] != TypeMD5 || got[1] != TypeMSCHAPv2 {
		t.Fatalf("parseNak = %v, %v", got, err)
	}
}

func TestPeerIdentityAndNotification(t *testing.T) {
	calls := 0
	p := newTestPeer(t, PeerConfig{Identity: "alice@corp", Credentials: fixedCreds("", "x", &calls)})
	resp := mustHandle(t, p, req(t, 1, TypeIdentity, nil))
	if resp.Type != TypeIdentity || string(resp.Data) != "alice@corp" || resp.Identifier != 1 {
		t.Fatalf("identity response %v %q", resp, resp.Data)
	}
	resp = mustHandle(t, p, req(t, 2, TypeNotification, []byte("maintenance at 22:00\x1b[2J")))
	if resp.Type != TypeNotification || len(resp.Data) != 0 || resp.Identifier != 2 {
		t.Fatalf("notification response %v %x", resp, resp.Data)
	}
	if calls != 0 {
		t.Fatal("credentials asked before any method needed them")
	}
}

func TestPeerIdentityFromCallback(t *testing.T) {
	var got CredentialRequest
	p, err := NewPeer(PeerConfig{Credentials: func(_ context.Context, r CredentialRequest) (Credentials, error) {
		got = r
		return Credentials{Username: "typed-user", Password: "pw"}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	resp := mustHandle(t, p, req(t, 1, TypeIdentity, nil))
	if string(resp.Data) != "typed-user" || got.Method != TypeIdentity {
		t.Fatalf("identity %q, request %+v", resp.Data, got)
	}
}

func TestPeerMD5KnownAnswer(t *testing.T) {
	// MD5(0x2a || "secret" || 10 11 ... 1f), computed independently.
	const want = "9a1aad3726144f558375cb6a5d6688e2"
	p := newTestPeer(t, PeerConfig{Credentials: fixedCreds("", "secret", nil)})
	chal, _ := hex.DecodeString("101112131415161718191a1b1c1d1e1f")
	resp := mustHandle(t, p, req(t, 0x2a, TypeMD5, append([]byte{16}, append(chal, "gw"...)...)))
	if resp.Identifier != 0x2a || resp.Type != TypeMD5 || resp.Data[0] != 16 || hex.EncodeToString(resp.Data[1:17]) != want {
		t.Fatalf("MD5 response %x, want value %s", resp.Data, want)
	}
	if _, err := p.Handle(context.Background(), eapSuccess); err != nil || !p.Done() || p.MSK() != nil {
		t.Fatalf("success: %v done=%v msk=%x", err, p.Done(), p.MSK())
	}
}

func TestPeerGTCSendsPasswordAndShowsPrompt(t *testing.T) {
	var prompt string
	p := newTestPeer(t, PeerConfig{Credentials: func(_ context.Context, r CredentialRequest) (Credentials, error) {
		prompt = r.Prompt
		return Credentials{Password: "tok123"}, nil
	}})
	resp := mustHandle(t, p, req(t, 4, TypeGTC, []byte("Token:\x00")))
	if resp.Type != TypeGTC || string(resp.Data) != "tok123" || prompt != "Token:" {
		t.Fatalf("GTC response %q, prompt %q", resp.Data, prompt)
	}
}

// mschapRound plays an authenticator up to the peer's MS-CHAPv2 Response
// and returns what an honest server would put in "S=".
func mschapRound(t *testing.T, p *Peer, password string) (authResp [authRespLen]byte) {
	t.Helper()
	chal := bytes.Repeat([]byte{0x5a}, challengeLen)
	resp := mustHandle(t, p, req(t, 5, TypeMSCHAPv2, buildMSChallenge(5, chal, "gw")))
	m, err := parseMS(resp.Data)
	if err != nil || m.Op != msResponse || m.ID != 5 {
		t.Fatalf("MS-CHAPv2 response %x: %v", resp.Data, err)
	}
	r, err := parseMSResponse(m.Body)
	if err != nil || r.Name != testUser {
		t.Fatalf("MS-CHAPv2 response body: %+v %v", r, err)
	}
	nt := NTHash(password)
	return authenticatorResponse(nt, r.NTResponse, r.PeerChallenge, chal, testUser)
}

func TestPeerMSCHAPv2AcceptsStrongSwanSuccess(t *testing.T) {
	p := newTestPeer(t, PeerConfig{})
	auth := mschapRound(t, p, testPass)
	// strongSwan sends upper-case hex and a NUL-terminated message.
	msg := formatAuthResponse(auth) + " M=Welcome2strongSwan\x00"
	resp := mustHandle(t, p, req(t, 6, TypeMSCHAPv2, appendMS(msSuccess, 5, []byte(msg))))
	if resp.Type != TypeMSCHAPv2 || !bytes.Equal(resp.Data, []byte{byte(msSuccess)}) {
		t.Fatalf("success ack %x", resp.Data)
	}
	if _, err := p.Handle(context.Background(), eapSuccess); err != nil || len(p.MSK()) != mskLen {
		t.Fatalf("EAP-Success: %v, MSK %x", err, p.MSK())
	}
}

func TestPeerRejectsForgedAuthenticatorResponse(t *testing.T) {
	// A gateway that does not know the password computes "S=" from a guess.
	p := newTestPeer(t, PeerConfig{})
	forged := mschapRound(t, p, "guess")
	_, err := p.Handle(context.Background(), req(t, 6, TypeMSCHAPv2, buildMSSuccess(5, forged, "hi")))
	if !errors.Is(err, ErrServerNotAuthenticated) {
		t.Fatalf("forged S= gave %v", err)
	}
	if _, err := p.Handle(context.Background(), eapSuccess); err == nil || p.Done() || p.MSK() != nil {
		t.Fatal("EAP-Success accepted after a forged authenticator response")
	}
}

func TestPeerRejectsSuccessWithoutProof(t *testing.T) {
	p := newTestPeer(t, PeerConfig{})
	mschapRound(t, p, testPass)
	if _, err := p.Handle(context.Background(), eapSuccess); !errors.Is(err, ErrServerNotAuthenticated) || p.Done() {
		t.Fatalf("EAP-Success skipping the MS-CHAPv2 Success request: %v", err)
	}
	p = newTestPeer(t, PeerConfig{})
	if _, err := p.Handle(context.Background(), eapSuccess); !errors.Is(err, ErrUnexpected) || p.Done() {
		t.Fatalf("EAP-Success without a method: %v", err)
	}
}

func TestPeerMSCHAPv2FailureCodes(t *testing.T) {
	tests := []struct {
		text string
		want error
		code int
		msg  string
	}{
		{"E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=bad password\x00", ErrAuthFailed, 691, "bad password"},
		{"E=648 R=0 V=3", ErrPasswordExpired, 648, ""},
		{"E=647 R=0 V=3 M=account disabled", ErrAccountRestricted, 647, "account disabled"},
		{"garbage", ErrAuthFailed, 691, ""},
	}
	for _, tt := range tests {
		p := newTestPeer(t, PeerConfig{})
		mschapRound(t, p, testPass)
		resp := mustHandle(t, p, req(t, 6, TypeMSCHAPv2, appendMS(msFailure, 5, []byte(tt.text))))
		if !bytes.Equal(resp.Data, []byte{byte(msFailure)}) {
			t.Fatalf("%q: failure ack %x", tt.text, resp.Data)
		}
		if p.Err() == nil {
			t.Fatalf("%q: Err() nil before EAP-Failure", tt.text)
		}
		_, err := p.Handle(context.Background(), eapFailure)
		var fe *FailureError
		if !errors.Is(err, tt.want) || !errors.As(err, &fe) || fe.Code != tt.code || fe.Message != tt.msg {
			t.Fatalf("%q: got %v (%+v)", tt.text, err, fe)
		}
	}
}

func TestPeerRefusesMethodSwitch(t *testing.T) {
	p := newTestPeer(t, PeerConfig{})
	mschapRound(t, p, testPass)
	if _, err := p.Handle(context.Background(), req(t, 6, TypeGTC, nil)); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("switch to GTC: %v", err)
	}
	if _, err := p.Handle(context.Background(), req(t, 6, 13, nil)); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("Nak after a method started: %v", err)
	}
}

func TestPeerCredentialTimeoutAndCancel(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	stuck := func(context.Context, CredentialRequest) (Credentials, error) {
		<-block // a dialog that ignores ctx
		return Credentials{Password: "late"}, nil
	}
	mschap := buildMSChallenge(1, make([]byte, challengeLen), "gw")
	for _, tt := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"timeout", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestPeer(t, PeerConfig{Credentials: stuck})
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := p.Handle(ctx, req(t, 1, TypeMSCHAPv2, mschap))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Handle took %v after ctx ended", d)
			}
		})
	}
}

func TestPeerCallbackErrorAndEmptyPassword(t *testing.T) {
	denied := errors.New("user pressed cancel")
	p := newTestPeer(t, PeerConfig{Credentials: func(context.Context, CredentialRequest) (Credentials, error) {
		return Credentials{}, denied
	}})
	if _, err := p.Handle(context.Background(), req(t, 1, TypeGTC, nil)); !errors.Is(err, denied) {
		t.Fatalf("callback error lost: %v", err)
	}
	p = newTestPeer(t, PeerConfig{Credentials: fixedCreds("u", "", nil)})
	if _, err := p.Handle(context.Background(), req(t, 1, TypeGTC, nil)); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("empty password: %v", err)
	}
}

func TestNewPeerConfigErrors(t *testing.T) {
	creds := fixedCreds("", "x", nil)
	for _, cfg := range []PeerConfig{
		{Identity: "a"},
		{Identity: "a", Credentials: creds, Methods: []Type{TypeIdentity}},
		{Identity: "a", Credentials: creds, Methods: []Type{TypeMD5, TypeMD5}},
		{Identity: "a", Credentials: creds, Methods: []Type{13}},
	} {
		if _, err := NewPeer(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("NewPeer(%+v) = %v, want ErrConfig", cfg.Methods, err)
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	c := Credentials{Username: "alice", Password: "hunter2"}
	u := &User{Name: "alice", Password: "hunter2", NTHash: NTHash("hunter2"), PasswordHash: []byte("$argon2id$hunter2")}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("secrets", "c", c, "u", *u)
	nt := fmt.Sprintf("%x", u.NTHash)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
		fmt.Sprint(u), fmt.Sprintf("%+v", *u), fmt.Sprintf("%#v", *u), logged.String()} {
		if strings.Contains(s, "hunter2") || strings.Contains(strings.ToLower(s), nt[:8]) || !strings.Contains(s, "alice") {
			t.Errorf("formatted secrets: %q", s)
		}
	}
}
