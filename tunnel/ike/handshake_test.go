package ike

import (
	"errors"
	"net/netip"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

// TestPSKHandshake runs the whole setup in memory:
//
//	client                                   server
//	IKE_SA_INIT  SA, KE(31), Ni, NAT-D ...   -->
//	                                         <--  SA(AES-GCM), KE, Nr, NAT-D
//	IKE_AUTH     IDi, IDr, AUTH(PSK), CP(REQ), SA, TSi, TSr  -->
//	                                         <--  IDr, AUTH, CP(REPLY), SA, TSi, TSr
//
// and checks both sides' view: identities, the CP reply, paired Child SAs.
func TestPSKHandshake(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	up := tb.cev.wait(t, EventUp)
	if !up.Peer.Equal(FQDNIdentity("vpn.example.com")) {
		t.Errorf("client sees peer %s", up.Peer)
	}
	rep := up.Config
	if rep == nil || len(rep.Addresses) != 1 || rep.Addresses[0] != netip.MustParsePrefix("10.0.0.2/24") {
		t.Fatalf("CP reply addresses: %+v", rep)
	}
	if len(rep.DNS) != 1 || rep.DNS[0] != netip.MustParseAddr("10.0.0.53") || rep.Banner != "Authorized use only" ||
		len(rep.SplitDNS) != 2 || rep.Domains[0] != "corp.example" || rep.Subnets[0] != netip.MustParsePrefix("198.51.100.0/24") {
		t.Errorf("CP reply: %+v", rep)
	}
	sup := tb.sev.wait(t, EventUp)
	if !sup.Peer.Equal(EmailIdentity("alice@example.com")) {
		t.Errorf("server sees peer %s", sup.Peer)
	}
	cc := tb.cev.wait(t, EventChildUp).Child
	sc := tb.sev.wait(t, EventChildUp).Child
	pairChildren(t, cc, sc)
	if cc.Encr != wire.ENCR_AES_GCM_16 || cc.EncrKeyBits != 256 || len(cc.Out.Encr) != 36 {
		t.Errorf("child suite %s, key %d bytes", cc, len(cc.Out.Encr))
	}
	// The server narrowed TSi to the address it assigned (no FlexVPN VID
	// check here: the client sends FLEXVPN-SUPPORTED, so no narrowing).
	if len(sc.RemoteTS) == 0 {
		t.Error("server child has no remote selectors")
	}
	if sa.State() != StateEstablished {
		t.Errorf("state %v", sa.State())
	}
}

// TestWrongPSK: the server cannot verify the client's AUTH and answers
// AUTHENTICATION_FAILED; both sides end with ErrAuthFailed.
func TestWrongPSK(t *testing.T) {
	tb := newTestbed(t, pskServer())
	c := pskClient()
	c.PSK = []byte("wrong")
	_, err := tb.connect(t, c)
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("client error %v, want ErrAuthFailed", err)
	}
	ev := tb.sev.wait(t, EventClosed)
	if !errors.Is(ev.Err, ErrAuthFailed) {
		t.Fatalf("server error %v", ev.Err)
	}
}

// TestInitialContact: a client that reconnects after losing its state
// sends INITIAL_CONTACT; the gateway drops its older SA of that identity.
func TestInitialContact(t *testing.T) {
	tb := newTestbed(t, pskServer())
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	first := tb.sev.wait(t, EventUp).SA
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	ev := tb.sev.wait(t, EventClosed)
	if ev.SA != first || !errors.Is(ev.Err, ErrReplaced) {
		t.Fatalf("closed %v with %v, want the first SA replaced", ev.SA, ev.Err)
	}
	if n := len(tb.server.SAs()); n != 1 {
		t.Fatalf("gateway has %d SAs", n)
	}
}

// TestNoInitialContact: a second tunnel under the same identity leaves
// the first alone.
func TestNoInitialContact(t *testing.T) {
	tb := newTestbed(t, pskServer())
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	c := pskClient()
	c.NoInitialContact = true
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	if n := len(tb.server.SAs()); n != 2 || len(tb.sev.all(EventClosed)) != 0 {
		t.Fatalf("gateway has %d SAs, %d closed", n, len(tb.sev.all(EventClosed)))
	}
}
