package eap

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// RFC 2759 section 9.2 and RFC 3079 section 3.5.3 sample values.
var (
	rfcUser       = "User"
	rfcPassword   = "clientPass"
	rfcAuthChal   = "5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28"
	rfcPeerChal   = "21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E"
	rfcChallenge  = "D0 2E 43 86 BC E9 12 26"
	rfcNTHash     = "44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE"
	rfcNTHashHash = "41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F"
	rfcNTResponse = "82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF"
	rfcAuthResp   = "S=407A5589115FD0D6209F510FE9C04566932CDA56"
	rfcMasterKey  = "FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31"
	// SendStartKey128 of RFC 3079 3.5.3 is the server's send key (Magic3).
	rfcSendStartKey128 = "8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB"
)

func TestRFC2759Vectors(t *testing.T) {
	authChal, peerChal := unhex(t, rfcAuthChal), unhex(t, rfcPeerChal)
	nt := NTHash(rfcPassword)
	if !bytes.Equal(nt, unhex(t, rfcNTHash)) {
		t.Fatalf("NTHash = %X", nt)
	}
	if hh := hashNTHash(nt); !bytes.Equal(hh, unhex(t, rfcNTHashHash)) {
		t.Fatalf("HashNtPasswordHash = %X", hh)
	}
	if ch := challengeHash(peerChal, authChal, rfcUser); !bytes.Equal(ch[:], unhex(t, rfcChallenge)) {
		t.Fatalf("ChallengeHash = %X", ch)
	}
	resp := ntResponse(authChal, peerChal, rfcUser, nt)
	if !bytes.Equal(resp[:], unhex(t, rfcNTResponse)) {
		t.Fatalf("NT-Response = %X", resp)
	}
	ar := authenticatorResponse(nt, resp[:], peerChal, authChal, rfcUser)
	if got := formatAuthResponse(ar); got != rfcAuthResp {
		t.Fatalf("AuthenticatorResponse = %s", got)
	}
	if !verifyAuthResponse(strings.ToLower(rfcAuthResp[2:]), ar) {
		t.Fatal("lower-case hex of the right response rejected")
	}
	if verifyAuthResponse(rfcAuthResp[2:41]+"7", ar) {
		t.Fatal("response differing in the last digit accepted")
	}
}

func TestRFC3079Keys(t *testing.T) {
	nt := NTHash(rfcPassword)
	resp := unhex(t, rfcNTResponse)
	master := masterKey(hashNTHash(nt), resp)
	if !bytes.Equal(master, unhex(t, rfcMasterKey)) {
		t.Fatalf("MasterKey = %X", master)
	}
	serverSend := asymmetricStartKey(master, rfc3079Magic3)
	if !bytes.Equal(serverSend, unhex(t, rfcSendStartKey128)) {
		t.Fatalf("SendStartKey128 = %X", serverSend)
	}
	clientSend := asymmetricStartKey(master, rfc3079Magic2)
	if bytes.Equal(clientSend, serverSend) {
		t.Fatal("client and server send keys must differ")
	}
	msk := mschapv2MSK(nt, resp)
	if len(msk) != mskLen {
		t.Fatalf("MSK length %d", len(msk))
	}
	// strongSwan layout: client send (Magic2) key, server send (Magic3)
	// key, 32 zero octets.
	if !bytes.Equal(msk[:16], clientSend) || !bytes.Equal(msk[16:32], serverSend) {
		t.Fatalf("MSK key order wrong: %X", msk[:32])
	}
	if !bytes.Equal(msk[32:], make([]byte, 32)) {
		t.Fatalf("MSK padding not zero: %X", msk[32:])
	}
}

func TestMSCHAPUsername(t *testing.T) {
	for in, want := range map[string]string{
		"alice":            "alice",
		`CORP\alice`:       "alice",
		`a\b\c`:            "c",
		"alice@corp.local": "alice@corp.local",
		`CORP\`:            "",
	} {
		if got := mschapUsername(in); got != want {
			t.Errorf("mschapUsername(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNTHashNonASCII(t *testing.T) {
	// A supplementary-plane rune takes two UTF-16 units; the hash must
	// differ from that of the same password with the rune dropped.
	if bytes.Equal(NTHash("pa\U0001F600ss"), NTHash("pass")) {
		t.Fatal("non-BMP rune ignored")
	}
	if len(NTHash("")) != ntHashLen {
		t.Fatal("empty password hash length")
	}
}
