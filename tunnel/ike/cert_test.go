package ike

import (
	"crypto/x509"
	"errors"
	"testing"

	"flexvpn/test/pki"
	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// certPair issues a gateway and a client certificate from one CA.
func certPair(t *testing.T, kt pki.KeyType) (ca *pki.CA, gw, cl *pki.Cert) {
	ca = pki.MustCA(t, kt, "flexvpn test CA")
	gw = ca.MustGateway(t, kt, "vpn.example.com", serverAddr)
	cl = ca.MustClient(t, kt, "alice@example.com")
	return
}

func certConfigs(ca *pki.CA, gw, cl *pki.Cert) (client, server Config) {
	cas := []*x509.Certificate{ca.Cert.Cert}
	client = fast(Config{LocalID: EmailIdentity("alice@example.com"), RemoteID: FQDNIdentity("vpn.example.com"),
		Certificates: []*x509.Certificate{cl.Cert}, Signer: cl.Key, CAs: cas})
	server = fast(Config{LocalID: FQDNIdentity("vpn.example.com"),
		Certificates: []*x509.Certificate{gw.Cert}, Signer: gw.Key, CAs: cas})
	return
}

// TestCertificateAuth: both sides sign with RFC 7427 (method 14, the
// peers exchanged SIGNATURE_HASH_ALGORITHMS) and verify the other's chain
// and identity, for RSA, ECDSA and Ed25519 keys.
func TestCertificateAuth(t *testing.T) {
	for _, kt := range []pki.KeyType{pki.RSA2048, pki.ECDSAP256, pki.Ed25519} {
		t.Run(kt.String(), func(t *testing.T) {
			ca, gw, cl := certPair(t, kt)
			c, s := certConfigs(ca, gw, cl)
			tb := newTestbed(t, s)
			if _, err := tb.connect(t, c); err != nil {
				t.Fatal(err)
			}
			sup := tb.sev.wait(t, EventUp)
			if !sup.Peer.Equal(EmailIdentity("alice@example.com")) {
				t.Errorf("server sees %s", sup.Peer)
			}
			pairChildren(t, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child)
		})
	}
}

// TestServerCertClientPSKMix: asymmetric methods — the gateway signs
// with its certificate while the client uses a PSK.
func TestServerCertClientPSK(t *testing.T) {
	ca, gw, cl := certPair(t, pki.ECDSAP256)
	c, s := certConfigs(ca, gw, cl)
	c.Certificates, c.Signer = nil, nil
	c.LocalPSK = []byte("client secret")
	s.RemotePSK = []byte("client secret")
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
}

// TestUntrustedCertificate: the client trusts another CA, so it cannot
// verify the gateway; it tells the gateway with AUTHENTICATION_FAILED.
func TestUntrustedCertificate(t *testing.T) {
	ca, gw, cl := certPair(t, pki.ECDSAP256)
	c, s := certConfigs(ca, gw, cl)
	other := pki.MustCA(t, pki.ECDSAP256, "someone else")
	c.CAs = []*x509.Certificate{other.Cert.Cert}
	tb := newTestbed(t, s)
	_, err := tb.connect(t, c)
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("client: %v", err)
	}
	ev := tb.sev.wait(t, EventClosed)
	if !errors.Is(ev.Err, ErrAuthFailed) {
		t.Fatalf("server: %v", ev.Err)
	}
}

// TestIdentityMismatch: the gateway's certificate is valid but we expect
// a different identity.
func TestIdentityMismatch(t *testing.T) {
	ca, gw, cl := certPair(t, pki.ECDSAP256)
	c, s := certConfigs(ca, gw, cl)
	c.RemoteID = FQDNIdentity("other.example.com")
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, c); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("client: %v", err)
	}
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrAuthFailed) {
		t.Fatalf("server: %v", ev.Err)
	}
}

// TestIdentityNotInCertificate: the gateway claims an identity its
// certificate does not contain.
func TestIdentityNotInCertificate(t *testing.T) {
	ca, gw, cl := certPair(t, pki.ECDSAP256)
	c, s := certConfigs(ca, gw, cl)
	s.LocalID = FQDNIdentity("evil.example.com")
	c.RemoteID = Identity{}
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, c); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("client: %v", err)
	}
}

func TestCertMatchesIdentity(t *testing.T) {
	ca, gw, _ := certPair(t, pki.ECDSAP256)
	_ = ca
	ok := []Identity{FQDNIdentity("VPN.example.com"), IPIdentity(serverAddr), DNIdentity(gw.Cert.RawSubject)}
	for _, id := range ok {
		if err := certMatchesIdentity(gw.Cert, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	bad := []Identity{FQDNIdentity("example.com"), IPIdentity(clientAddr), EmailIdentity("vpn@example.com"), KeyIDIdentity([]byte("x"))}
	for _, id := range bad {
		if err := certMatchesIdentity(gw.Cert, id); err == nil {
			t.Errorf("%s matched", id)
		}
	}
}

// TestClassicSignatureMethods: without SIGNATURE_HASH_ALGORITHMS from
// the peer we sign with the method of our key type (RSA 1, ECDSA 9), as
// pre-RFC 7427 headends expect, and verify the peer's classic AUTH.
func TestClassicSignatureMethods(t *testing.T) {
	for _, tc := range []struct {
		kt   pki.KeyType
		want wire.AuthMethod
	}{{pki.RSA2048, wire.AuthRSASig}, {pki.ECDSAP256, wire.AuthECDSA256}} {
		t.Run(tc.kt.String(), func(t *testing.T) {
			ca, gw, cl := certPair(t, tc.kt)
			c, s := certConfigs(ca, gw, cl)
			c.NoSignatureHashes, s.NoSignatureHashes = true, true
			tb := newTestbed(t, s)
			sa, err := tb.connect(t, c)
			if err != nil {
				t.Fatal(err)
			}
			var m, sm wire.AuthMethod
			sa.do(func() { m = sa.localAuth })
			ssa := tb.server.SAs()[0]
			ssa.do(func() { sm = ssa.localAuth })
			if m != tc.want || sm != tc.want {
				t.Fatalf("client signed with method %d, server with %d, want %d", m, sm, tc.want)
			}
		})
	}
}

// TestSignFallsBackToClassicMethod: a peer whose SIGNATURE_HASH_ALGORITHMS
// lists no hash we sign with (only SHA-1) gets our AUTH in the classic
// method of our key type instead of a failed IKE_AUTH; one that lists
// SHA2-256 gets method 14. The AUTH verifies with our certificate's key.
func TestSignFallsBackToClassicMethod(t *testing.T) {
	for _, tc := range []struct {
		kt      pki.KeyType
		classic wire.AuthMethod
	}{{pki.RSA2048, wire.AuthRSASig}, {pki.ECDSAP256, wire.AuthECDSA256}} {
		t.Run(tc.kt.String(), func(t *testing.T) {
			ca, gw, cl := certPair(t, tc.kt)
			c, s := certConfigs(ca, gw, cl)
			tb := newTestbed(t, s)
			sa, err := tb.connect(t, c)
			if err != nil {
				t.Fatal(err)
			}
			octets := []byte("signed octets")
			for _, peer := range []struct {
				hashes []wire.HashAlgorithm
				want   wire.AuthMethod
			}{
				{[]wire.HashAlgorithm{wire.HashSHA1}, tc.classic},
				{nil, tc.classic},
				{[]wire.HashAlgorithm{wire.HashSHA1, wire.HashSHA2_256}, wire.AuthDigitalSig},
			} {
				var ps []wire.Payload
				sa.do(func() {
					sa.peer.hashes = peer.hashes
					ps, err = sa.ourAuth(octets)
				})
				if err != nil {
					t.Fatalf("peer hashes %v: %v", peer.hashes, err)
				}
				auth := first[*wire.Auth](ps)
				if auth == nil || auth.Method != peer.want {
					t.Fatalf("peer hashes %v: AUTH %+v, want method %d", peer.hashes, auth, peer.want)
				}
				if err := crypto.Verify(auth.Method, cl.Cert.PublicKey, octets, auth.Data); err != nil {
					t.Fatalf("peer hashes %v: %v", peer.hashes, err)
				}
			}
		})
	}
}
