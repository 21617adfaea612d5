package eap

// Interop with independent EAP implementations over RADIUS, which is how
// they can be driven without an IKE stack: wpa_supplicant's eapol_test is an
// EAP peer that talks RADIUS to an authentication server. A small RADIUS
// server here wraps our Authenticator, so eapol_test checks our requests,
// our Success/Failure handling and — through the MS-MPPE keys it compares
// with its own MSK — our MS-CHAPv2 MSK layout. Skipped when eapol_test
// (Debian package eapoltest) is not installed.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
)

// RADIUS codes and attributes (RFC 2865, 3579, 2548).
const (
	radAccessRequest   = 1
	radAccessAccept    = 2
	radAccessReject    = 3
	radAccessChallenge = 11
	radUserName        = 1
	radState           = 24
	radVendorSpecific  = 26
	radEAPMessage      = 79
	radMessageAuth     = 80
	msVendorID         = 311
	msMPPESendKey      = 16
	msMPPERecvKey      = 17
	radHeaderLen       = 20
)

type radAttr struct {
	typ  byte
	data []byte
}

type radPacket struct {
	code, id byte
	auth     [16]byte
	attrs    []radAttr
}

func parseRadius(b []byte) (radPacket, error) {
	if len(b) < radHeaderLen || int(binary.BigEndian.Uint16(b[2:4])) > len(b) {
		return radPacket{}, errors.New("short RADIUS packet")
	}
	p := radPacket{code: b[0], id: b[1]}
	copy(p.auth[:], b[4:20])
	rest := b[radHeaderLen:binary.BigEndian.Uint16(b[2:4])]
	for len(rest) >= 2 {
		n := int(rest[1])
		if n < 2 || n > len(rest) {
			return radPacket{}, errors.New("bad RADIUS attribute")
		}
		p.attrs = append(p.attrs, radAttr{rest[0], rest[2:n]})
		rest = rest[n:]
	}
	return p, nil
}

// get concatenates all attributes of one type (EAP-Message is split into
// 253-octet pieces, RFC 3579 3.1).
func (p radPacket) get(typ byte) []byte {
	var out []byte
	for _, a := range p.attrs {
		if a.typ == typ {
			out = append(out, a.data...)
		}
	}
	return out
}

// encodeReply builds a response to req: Message-Authenticator (HMAC-MD5
// over the packet with the request authenticator) first, then the
// Response Authenticator (RFC 2865 3, RFC 3579 3.2).
func encodeReply(code byte, req radPacket, secret []byte, attrs []radAttr) []byte {
	attrs = append(attrs, radAttr{radMessageAuth, make([]byte, 16)})
	b := []byte{code, req.id, 0, 0}
	b = append(b, req.auth[:]...)
	for _, a := range attrs {
		b = append(b, a.typ, byte(2+len(a.data)))
		b = append(b, a.data...)
	}
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	mac := hmac.New(md5.New, secret)
	mac.Write(b)
	copy(b[len(b)-16:], mac.Sum(nil))
	sum := md5.Sum(append(append([]byte{}, b...), secret...))
	copy(b[4:20], sum[:])
	return b
}

// eapAttrs splits an EAP packet into EAP-Message attributes.
func eapAttrs(pkt []byte) []radAttr {
	var out []radAttr
	for len(pkt) > 0 {
		n := min(len(pkt), 253)
		out = append(out, radAttr{radEAPMessage, pkt[:n]})
		pkt = pkt[n:]
	}
	return out
}

// mppeKeyAttr encrypts an MS-MPPE key per RFC 2548 2.4.2.
func mppeKeyAttr(vendorType byte, key, secret []byte, reqAuth [16]byte, salt uint16) radAttr {
	plain := append([]byte{byte(len(key))}, key...)
	for len(plain)%16 != 0 {
		plain = append(plain, 0)
	}
	saltB := []byte{byte(salt>>8) | 0x80, byte(salt)}
	prev := append(append([]byte{}, reqAuth[:]...), saltB...)
	enc := make([]byte, 0, len(plain))
	for i := 0; i < len(plain); i += 16 {
		b := md5.Sum(append(append([]byte{}, secret...), prev...))
		for j := range 16 {
			enc = append(enc, plain[i+j]^b[j])
		}
		prev = enc[i : i+16]
	}
	data := binary.BigEndian.AppendUint32(nil, msVendorID)
	data = append(data, vendorType, byte(2+2+len(enc)))
	data = append(data, saltB...)
	return radAttr{radVendorSpecific, append(data, enc...)}
}

// radiusEAPServer serves RADIUS on loopback with one local Authenticator
// per conversation, keyed by the State attribute.
type radiusEAPServer struct {
	conn    net.PacketConn
	secret  []byte
	newAuth func(identity string) (Authenticator, error)
	mu      sync.Mutex
	convs   map[string]Authenticator
	results chan radResult
	next    int
}

type radResult struct {
	st       Status
	err      error
	identity string
	msk      []byte
}

func startRadiusServer(t *testing.T, secret string, newAuth func(string) (Authenticator, error)) *radiusEAPServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &radiusEAPServer{conn: conn, secret: []byte(secret), newAuth: newAuth,
		convs: map[string]Authenticator{}, results: make(chan radResult, 4)}
	done := make(chan struct{})
	t.Cleanup(func() { conn.Close(); <-done })
	go func() {
		defer close(done)
		s.serve()
	}()
	return s
}

func (s *radiusEAPServer) port() int { return s.conn.LocalAddr().(*net.UDPAddr).Port }

func (s *radiusEAPServer) serve() {
	buf := make([]byte, 4096)
	for {
		n, from, err := s.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		req, err := parseRadius(buf[:n])
		if err != nil || req.code != radAccessRequest {
			continue
		}
		if reply := s.handle(req); reply != nil {
			_, _ = s.conn.WriteTo(reply, from)
		}
	}
}

// handle runs one Access-Request through the conversation it belongs to.
// The first one carries the peer's EAP-Response/Identity (the NAS asked
// for it), so the Authenticator starts with the identity already known.
func (s *radiusEAPServer) handle(req radPacket) []byte {
	ctx := context.Background()
	eapMsg := req.get(radEAPMessage)
	state := string(req.get(radState))
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.convs[state]
	if !ok {
		p, err := Decode(eapMsg)
		if err != nil || p.Type != TypeIdentity {
			return nil
		}
		if a, err = s.newAuth(string(p.Data)); err != nil {
			return nil
		}
		first, err := a.Start(ctx)
		if err != nil {
			return nil
		}
		s.next++
		state = fmt.Sprintf("conv-%d", s.next)
		s.convs[state] = a
		return s.challenge(req, first, state)
	}
	out, st, err := a.Handle(ctx, eapMsg)
	switch st {
	case Continue:
		return s.challenge(req, out, state)
	case Success:
		s.results <- radResult{st, err, a.Identity(), a.MSK()}
		attrs := eapAttrs(out)
		if msk := a.MSK(); msk != nil {
			// RADIUS keys are named from the server's side: Recv-Key is
			// what the server receives with (MSK[0:16], the client's send
			// key), Send-Key follows.
			attrs = append(attrs,
				mppeKeyAttr(msMPPERecvKey, msk[:16], s.secret, req.auth, 1),
				mppeKeyAttr(msMPPESendKey, msk[16:32], s.secret, req.auth, 2))
		}
		return encodeReply(radAccessAccept, req, s.secret, attrs)
	}
	s.results <- radResult{st, err, a.Identity(), nil}
	return encodeReply(radAccessReject, req, s.secret, eapAttrs(out))
}

func (s *radiusEAPServer) challenge(req radPacket, eapPkt []byte, state string) []byte {
	attrs := append(eapAttrs(eapPkt), radAttr{radState, []byte(state)})
	return encodeReply(radAccessChallenge, req, s.secret, attrs)
}

func TestRadiusCodecSelfCheck(t *testing.T) {
	// The reply's Response Authenticator must verify the way a NAS checks it.
	req := radPacket{code: radAccessRequest, id: 7, auth: [16]byte{1, 2, 3}}
	b := encodeReply(radAccessAccept, req, []byte("s"), eapAttrs(bytes.Repeat([]byte{1}, 300)))
	p, err := parseRadius(b)
	if err != nil || len(p.get(radEAPMessage)) != 300 {
		t.Fatalf("parse back: %v", err)
	}
	check := append([]byte{}, b...)
	copy(check[4:20], req.auth[:])
	if sum := md5.Sum(append(check, 's')); !bytes.Equal(sum[:], b[4:20]) {
		t.Fatal("response authenticator does not verify")
	}
}
