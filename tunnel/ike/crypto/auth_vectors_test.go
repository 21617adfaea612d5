package crypto

import (
	"crypto/x509"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

type sigVectorGroup struct {
	File         string
	Method       wire.AuthMethod
	Alg          string
	PublicKeyDer string
	Tests        []struct {
		TcID                      int
		Comment, Msg, Sig, Result string
	}
}

// Wycheproof signature vectors through Verify: ECDSA P1363 (r | s) is
// exactly the RFC 4754 encoding of methods 9-11; RSA and Ed25519 vectors
// go through method 14 with our AlgorithmIdentifier in front.
func TestWycheproofSignatures(t *testing.T) {
	var f struct{ Groups []sigVectorGroup }
	loadJSON(t, "wycheproof_signatures.json", &f)
	algs := map[string][]byte{"pss256": algPSSSHA256, "pkcs1sha256": algRSASHA256, "ed25519": algEd25519}
	ran := 0
	for _, g := range f.Groups {
		pub, err := x509.ParsePKIXPublicKey(unhex(t, g.PublicKeyDer))
		if err != nil {
			t.Fatalf("%s: %v", g.File, err)
		}
		for _, v := range g.Tests {
			auth := unhex(t, v.Sig)
			if g.Method == wire.AuthDigitalSig {
				auth = method14(algs[g.Alg], auth)
			}
			err := Verify(g.Method, pub, unhex(t, v.Msg), auth)
			if (err == nil) != (v.Result == "valid") {
				t.Errorf("%s tc %d (%s): result %s, Verify: %v", g.File, v.TcID, v.Comment, v.Result, err)
			}
			ran++
		}
	}
	if ran < 50 {
		t.Errorf("only %d vectors ran", ran)
	}
}
