package ike

import (
	"context"
	"crypto/x509"
	"testing"

	"flexvpn/test/pki"
	"flexvpn/tunnel/ike/wire"
)

// benchHandshakes measures complete in-memory setups (IKE_SA_INIT,
// IKE_AUTH with CP and the first Child SA) per second, both roles'
// crypto on this machine.
func benchHandshakes(b *testing.B, client, server Config) {
	tb := newTestbed(b, server)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sa, err := tb.client.Initiate(context.Background(), client, serverIKE)
		if err != nil {
			b.Fatal(err)
		}
		if err := sa.WaitUp(context.Background()); err != nil {
			b.Fatal(err)
		}
		sa.abort(nil)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
}

func BenchmarkHandshakePSKX25519GCM(b *testing.B) {
	p := []Proposal{{Encr: []Cipher{{wire.ENCR_AES_GCM_16, 256}}, PRF: []uint16{wire.PRF_HMAC_SHA2_256}, KE: []uint16{wire.KE_CURVE25519}}}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	benchHandshakes(b, c, s)
}

// BenchmarkHandshakePSKX25519MLKEM768GCM is the hybrid counterpart of
// BenchmarkHandshakePSKX25519GCM: one more round trip (IKE_INTERMEDIATE,
// fragmented at the default 576 bytes) and ML-KEM-768 on both sides.
func BenchmarkHandshakePSKX25519MLKEM768GCM(b *testing.B) {
	p := []Proposal{{Encr: []Cipher{{wire.ENCR_AES_GCM_16, 256}}, PRF: []uint16{wire.PRF_HMAC_SHA2_256}, KE: []uint16{wire.KE_CURVE25519},
		AddKE: [7][]uint16{{wire.KE_MLKEM768}}}}
	c, s := pskClient(), pskServer()
	c.IKEProposals, s.IKEProposals = p, p
	benchHandshakes(b, c, s)
}

func BenchmarkHandshakeRSA2048(b *testing.B) {
	ca := pki.MustCA(b, pki.RSA2048, "bench CA")
	gw := ca.MustGateway(b, pki.RSA2048, "vpn.example.com", serverAddr)
	cl := ca.MustClient(b, pki.RSA2048, "alice@example.com")
	cas := []*x509.Certificate{ca.Cert.Cert}
	c := Config{LocalID: EmailIdentity("alice@example.com"), RemoteID: FQDNIdentity("vpn.example.com"),
		Certificates: []*x509.Certificate{cl.Cert}, Signer: cl.Key, CAs: cas, RequestConfig: true}
	s := Config{LocalID: FQDNIdentity("vpn.example.com"), Certificates: []*x509.Certificate{gw.Cert}, Signer: gw.Key, CAs: cas,
		ConfigProvider: staticConfig}
	benchHandshakes(b, c, s)
}
