package interop

import (
	"context"
	"crypto/x509"
	"net/netip"
	"sync"
	"testing"
	"time"

	"flexvpn/test/netns"
	"flexvpn/test/pki"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/eap"
	"flexvpn/tunnel/ike/wire"
)

// eapResponderCase is one strongSwan road warrior logging in with EAP to
// our responder.
type eapResponderCase struct {
	name     string
	method   string // strongSwan's auth keyword
	typ      eap.Type
	password string
	ok       bool
}

// TestStrongSwanClientEAPToOurResponder: a strongSwan client (EAP peer
// behind our RSA gateway certificate) logs in to our IKE responder,
// whose EAP authenticator checks a local user store, first with the
// EAP-Identity query (FlexVPN's query-identity default). A good password
// establishes the IKE SA and Child SA with the virtual IP from our CP
// provider, the EAP identity is the queried one and, for MS-CHAPv2, both
// sides derive the MSK (strongSwan's AUTH after EAP verifies only then).
// A wrong password is refused by our side.
func TestStrongSwanClientEAPToOurResponder(t *testing.T) {
	netns.RequireStrongSwan(t)
	netns.RequireTshark(t)
	for _, tc := range []eapResponderCase{
		{name: "mschapv2", method: "eap-mschapv2", typ: eap.TypeMSCHAPv2, password: eapPassword, ok: true},
		{name: "mschapv2-wrong", method: "eap-mschapv2", typ: eap.TypeMSCHAPv2, password: "wrong", ok: false},
		{name: "md5", method: "eap-md5", typ: eap.TypeMD5, password: eapPassword, ok: true},
		{name: "gtc", method: "eap-gtc", typ: eap.TypeGTC, password: eapPassword, ok: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runEAPResponderCase(t, tc)
		})
	}
}

// eapSeen records what our responder's hooks saw, from the SA goroutine.
type eapSeen struct {
	mu       sync.Mutex
	auth     eap.Authenticator
	eapID    string
	cpCalled bool
}

func (s *eapSeen) get() (eap.Authenticator, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth, s.eapID, s.cpCalled
}

func runEAPResponderCase(t *testing.T, tc eapResponderCase) {
	topo := netns.NewTopology(t, "e"+tc.name)
	cli := topo.AddHost("cli", cliAddr)
	gw := topo.AddHost("gw", gwAddr)
	topo.AddLAN(gw, "lan", lanAddr)
	capture := topo.Inet().Capture("br0", "udp")

	ca := pki.MustCA(t, pki.RSA2048, "flexvpn EAP interop CA")
	gwCert := ca.MustGateway(t, pki.RSA2048, gwFQDN, gwAddr)
	vip := netip.MustParseAddr("203.0.113.7")
	seen := &eapSeen{}
	resp := eapResponderConfig(t, tc, gwCert, vip, seen)
	ev := newIKEEvents()
	ourEndpoint(t, gw, gwAddr, &resp, ev)

	spec := netns.ClientSpec{Gateway: gwAddr, GatewayID: gwFQDN, ID: "alice@flexvpn.test", EAPUser: "alice",
		Auth: tc.method, CACert: ca.CertPEM, EAPPassword: tc.password, VirtualIP: true}
	swan := netns.StartStrongSwan(t, cli, spec.Config())
	err := swan.Initiate(netns.ChildName)
	if !tc.ok {
		if err == nil {
			t.Fatalf("strongSwan logged in with a wrong password")
		}
		if _, _, cp := seen.get(); cp {
			t.Errorf("our responder handed out configuration to a failed login")
		}
		netns.CheckNoMalformed(t, capture.Stop())
		return
	}
	if err != nil {
		t.Fatalf("strongSwan initiate: %v\n%s", err, swan.Log())
	}
	csa := swan.WaitSA(netns.ClientConn, true, 15*time.Second)
	up := ev.wait(t, ike.EventUp, 5*time.Second)
	if !up.Peer.Equal(ike.EmailIdentity("alice@flexvpn.test")) {
		t.Errorf("peer IKE identity %s", up.Peer)
	}
	if len(csa.LocalVIPs) != 1 || csa.LocalVIPs[0] != vip {
		t.Errorf("strongSwan virtual IPs %v, want %v", csa.LocalVIPs, vip)
	}
	auth, eapID, _ := seen.get()
	if eapID != "alice" || auth == nil || auth.Identity() != "alice" || auth.Method() != tc.typ {
		t.Errorf("EAP identity %q, authenticator %v", eapID, auth)
	}
	if tc.typ == eap.TypeMSCHAPv2 && len(auth.MSK()) != 64 {
		t.Errorf("MS-CHAPv2 MSK is %d bytes, want 64", len(auth.MSK()))
	}
	if err := swan.Terminate(netns.ClientConn); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, ike.EventClosed, 10*time.Second)
	if n := netns.CheckNoMalformed(t, capture.Stop()); n < 8 {
		t.Errorf("only %d IKE frames captured; EAP takes at least 4 IKE_AUTH round trips", n)
	}
}

// eapResponderConfig: our gateway proves itself with an RSA certificate,
// checks alice's password with the one method under test, and gives out
// vip with a DNS server.
func eapResponderConfig(t *testing.T, tc eapResponderCase, gwCert *pki.Cert, vip netip.Addr, seen *eapSeen) ike.Config {
	users := eap.StaticUsers{"alice": {NTHash: eap.NTHash(eapPassword), Password: eapPassword}}
	return ike.Config{
		LocalID: ike.FQDNIdentity(gwFQDN), Certificates: []*x509.Certificate{gwCert.Cert}, Signer: gwCert.Key,
		Logger:  ikeLogger(t, "flexvpn"),
		LocalTS: []wire.TrafficSelector{wire.SelectorFromPrefix(netns.LANPrefix)},
		ConfigProvider: func(_ context.Context, p ike.PeerInfo, _ []wire.CPAttr) ([]wire.CPAttr, error) {
			seen.mu.Lock()
			seen.eapID, seen.cpCalled = p.EAPIdentity, true
			seen.mu.Unlock()
			return []wire.CPAttr{
				{Type: wire.INTERNAL_IP4_ADDRESS, Value: vip.AsSlice()},
				{Type: wire.INTERNAL_IP4_DNS, Value: tunnelDNS.AsSlice()},
			}, nil
		},
		EAPServer: func(p ike.PeerInfo) (ike.EAPAuthenticator, error) {
			a, err := eap.NewLocalAuthenticator(eap.AuthenticatorConfig{IKEIdentity: p.ID.String(), Users: users,
				Methods: []eap.Type{tc.typ}, Logger: ikeLogger(t, "eap")})
			seen.mu.Lock()
			seen.auth = a
			seen.mu.Unlock()
			return a, err
		},
	}
}
