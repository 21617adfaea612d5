package eap

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, s := range [][]byte{
		{1, 7, 0, 5, 1}, {2, 7, 0, 10, 1, 'a', 'l', 'i', 'c', 'e'}, {3, 9, 0, 4}, {4, 9, 0, 4},
		{2, 1, 0, 8, 3, 26, 4, 6}, {1, 1, 0, 12, 254, 0, 0, 0, 0, 0, 0, 3},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Decode(in)
		if err != nil {
			return
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatalf("decoded %x but cannot encode %+v: %v", in, p, err)
		}
		q, err := Decode(b)
		if err != nil || q.Code != p.Code || q.Identifier != p.Identifier || q.Type != p.Type || !bytes.Equal(q.Data, p.Data) {
			t.Fatalf("unstable: %+v -> %x -> %+v (%v)", p, b, q, err)
		}
		if len(b) > len(in) {
			t.Fatalf("re-encoding grew %d -> %d", len(in), len(b))
		}
	})
}

// splitPackets cuts fuzz input into packets, each prefixed by a 1-octet
// length, so one input drives a whole conversation.
func splitPackets(in []byte) [][]byte {
	var out [][]byte
	for len(in) > 0 {
		n := min(int(in[0]), len(in)-1)
		out = append(out, in[1:1+n])
		in = in[1+n:]
	}
	return out
}

func lengthPrefixed(pkts ...[]byte) []byte {
	var out []byte
	for _, p := range pkts {
		out = append(out, byte(len(p)))
		out = append(out, p...)
	}
	return out
}

func FuzzPeerHandle(f *testing.F) {
	chal := buildMSChallenge(5, bytes.Repeat([]byte{1}, 16), "gw")
	f.Add(lengthPrefixed(req(f, 1, TypeIdentity, nil), req(f, 2, TypeMSCHAPv2, chal),
		req(f, 3, TypeMSCHAPv2, appendMS(msSuccess, 5, []byte("S=0000000000000000000000000000000000000000 M=x"))), eapSuccess))
	f.Add(lengthPrefixed(req(f, 2, TypeMSCHAPv2, chal), req(f, 3, TypeMSCHAPv2, appendMS(msFailure, 5, []byte("E=691 R=0 M=no"))), eapFailure))
	f.Add(lengthPrefixed(req(f, 1, 13, nil), req(f, 2, TypeMD5, []byte{16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}), eapSuccess))
	f.Add(lengthPrefixed(req(f, 1, TypeGTC, []byte("pw?")), req(f, 1, TypeNotification, []byte("hi")), eapSuccess))
	f.Add(lengthPrefixed(req(f, 1, TypeExpanded, []byte{0, 0, 0, 0, 0, 0, 1})))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := NewPeer(PeerConfig{Credentials: fixedCreds("u", "p", nil), Rand: bytes.NewReader(make([]byte, 64))})
		if err != nil {
			t.Fatal(err)
		}
		for _, pkt := range splitPackets(in) {
			resp, err := p.Handle(context.Background(), pkt)
			if err == nil && resp != nil {
				if _, derr := Decode(resp); derr != nil {
					t.Fatalf("peer sent undecodable %x", resp)
				}
			}
		}
		if p.Done() && p.Method() == 0 {
			t.Fatal("done without a method")
		}
	})
}

func FuzzAuthenticatorHandle(f *testing.F) {
	f.Add(uint8(0), lengthPrefixed([]byte{2, 0, 0, 10, 1, 'a', 'l', 'i', 'c', 'e'}, []byte{2, 1, 0, 6, 3, 4}))
	f.Add(uint8(1), lengthPrefixed([]byte{2, 1, 0, 22, 4, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
	resp := appendMS(msResponse, 1, []byte{49}, make([]byte, 49), []byte("alice"))
	pkt := append(binary.BigEndian.AppendUint16([]byte{2, 1}, uint16(5+len(resp))), byte(TypeMSCHAPv2))
	f.Add(uint8(6), lengthPrefixed(append(pkt, resp...), []byte{2, 2, 0, 6, 26, 3}))
	f.Fuzz(func(t *testing.T, mode uint8, in []byte) {
		methods := [][]Type{nil, {TypeMD5}, {TypeMSCHAPv2}, {TypeGTC, TypeMD5}}
		a, err := NewLocalAuthenticator(AuthenticatorConfig{
			Methods: methods[int(mode)%len(methods)], NoQueryIdentity: mode&4 != 0, IKEIdentity: "alice",
			Users: StaticUsers{"alice": {NTHash: NTHash("p"), Password: "p"}}, Rand: bytes.NewReader(make([]byte, 256)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Start(context.Background()); err != nil {
			return
		}
		for _, pkt := range splitPackets(in) {
			out, st, err := a.Handle(context.Background(), pkt)
			if st == Success && (err != nil || out == nil) {
				t.Fatalf("success with err %v / packet %x", err, out)
			}
		}
	})
}
