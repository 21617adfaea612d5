package ike

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"flexvpn/test/pki"
	"flexvpn/tunnel/ike/eap"
)

// eapConfigs: the gateway proves itself with an ECDSA certificate, the
// client authenticates with EAP (no certificate, no PSK).
func eapConfigs(t *testing.T, method eap.Type, password string) (client, server Config) {
	ca, gw, _ := certPair(t, pki.ECDSAP256)
	client = fast(Config{LocalID: EmailIdentity("alice@example.com"), RemoteID: FQDNIdentity("vpn.example.com"),
		CAs: []*x509.Certificate{ca.Cert.Cert}, RequestConfig: true,
		EAP: func() (EAPClient, error) {
			return eap.NewPeer(eap.PeerConfig{Methods: []eap.Type{method},
				Credentials: func(context.Context, eap.CredentialRequest) (eap.Credentials, error) {
					return eap.Credentials{Username: "alice", Password: password}, nil
				}})
		}})
	hash, err := eap.HashPassword("Secr3t pass", nil)
	if err != nil {
		t.Fatal(err)
	}
	users := eap.StaticUsers{"alice": {NTHash: eap.NTHash("Secr3t pass"), Password: "Secr3t pass", PasswordHash: hash}}
	server = fast(Config{LocalID: FQDNIdentity("vpn.example.com"),
		Certificates: []*x509.Certificate{gw.Cert}, Signer: gw.Key, ConfigProvider: staticConfig,
		EAPServer: func(p PeerInfo) (EAPAuthenticator, error) {
			return eap.NewLocalAuthenticator(eap.AuthenticatorConfig{Methods: []eap.Type{method},
				IKEIdentity: p.ID.String(), Users: users})
		}})
	return client, server
}

// TestEAP runs EAP inside IKE_AUTH after the gateway's certificate AUTH:
//
//	IDi, IDr, CP, SA, TSi, TSr (no AUTH)   -->   <-- IDr, CERT, AUTH, EAP(Identity)
//	EAP(...)                               -->   <-- EAP(...)        (method rounds)
//	                                             <-- EAP(Success)
//	AUTH (MSK or SK_pi keyed)              -->   <-- AUTH, CP, SA, TSi, TSr
//
// MS-CHAPv2 derives an MSK; MD5 and GTC do not, so SK_pi/SK_pr key AUTH.
func TestEAP(t *testing.T) {
	for _, m := range []eap.Type{eap.TypeMSCHAPv2, eap.TypeMD5, eap.TypeGTC} {
		t.Run(m.String(), func(t *testing.T) {
			c, s := eapConfigs(t, m, "Secr3t pass")
			tb := newTestbed(t, s)
			if _, err := tb.connect(t, c); err != nil {
				t.Fatal(err)
			}
			if up := tb.cev.wait(t, EventUp); up.Config == nil || len(up.Config.Addresses) != 1 {
				t.Fatalf("no CP reply after EAP: %+v", up.Config)
			}
			pairChildren(t, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child)
		})
	}
}

// TestEAPWrongPassword: the gateway's authenticator refuses; the client
// gets EAP-Failure and both sides end with ErrAuthFailed.
func TestEAPWrongPassword(t *testing.T) {
	c, s := eapConfigs(t, eap.TypeMSCHAPv2, "wrong")
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, c); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("client: %v", err)
	}
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrAuthFailed) {
		t.Fatalf("server: %v", ev.Err)
	}
}
