package ike

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// captureTransport records what an endpoint sends.
type captureTransport struct {
	mu   sync.Mutex
	sent []*wire.Message
}

func (c *captureTransport) SendIKE(pkt []byte, _, _ netip.AddrPort) error {
	m, err := wire.Decode(pkt)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.sent = append(c.sent, m)
	c.mu.Unlock()
	return nil
}

func (c *captureTransport) wait(t *testing.T, n int) []*wire.Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		got := append([]*wire.Message(nil), c.sent...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("endpoint sent fewer than %d messages", n)
	return nil
}

func (c *captureTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sent)
}

func captureServer(t *testing.T) (*Endpoint, *captureTransport) {
	ct := &captureTransport{}
	s := pskServer()
	ep, err := NewEndpoint(EndpointConfig{Transport: ct, Local: serverAddr, Responder: &s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep, ct
}

func encode(t *testing.T, m *wire.Message) []byte {
	t.Helper()
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var clientIKE = netip.AddrPortFrom(clientAddr, PortIKE)

// TestUnknownCriticalPayload: an IKE_SA_INIT carrying a payload type we
// do not know with the critical bit set is refused with
// UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 2.5); the same payload without
// the critical bit is skipped.
func TestUnknownCriticalPayload(t *testing.T) {
	ep, ct := captureServer(t)
	crit := &wire.Message{Header: wire.Header{SPIi: 0x1111, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagInitiator},
		Payloads: []wire.Payload{&wire.Unknown{PayloadType: 200, Critical: true, Data: []byte{1, 2, 3}}}}
	ep.HandleDatagram(encode(t, crit), serverIKE, clientIKE)
	got := ct.wait(t, 1)[0]
	n := findNotify(got.Payloads, wire.UNSUPPORTED_CRITICAL_PAYLOAD)
	if !got.IsResponse() || got.SPIi != 0x1111 || n == nil {
		t.Fatalf("answer %+v", got)
	}
	if len(n.Data) != 1 || n.Data[0] != 200 {
		t.Errorf("notify data %x, want the payload type 200", n.Data)
	}
	// Non-critical: skipped; the request still lacks SA/KE/Nonce, so the
	// answer is INVALID_SYNTAX rather than UNSUPPORTED_CRITICAL_PAYLOAD.
	crit.Payloads[0].(*wire.Unknown).Critical = false
	crit.SPIi = 0x2222
	ep.HandleDatagram(encode(t, crit), serverIKE, clientIKE)
	got = ct.wait(t, 2)[1]
	if findNotify(got.Payloads, wire.UNSUPPORTED_CRITICAL_PAYLOAD) != nil || findNotify(got.Payloads, wire.INVALID_SYNTAX) == nil {
		t.Fatalf("non-critical unknown payload: answer %+v", got.Payloads)
	}
}

// TestInvalidIKESPI: a protected request for an SA we do not know gets an
// unprotected INVALID_IKE_SPI with the SPIs and Message ID copied, at most
// ten per second; a response for an unknown SA gets nothing (RFC 7296
// 2.21.4).
func TestInvalidIKESPI(t *testing.T) {
	ep, ct := captureServer(t)
	req := &wire.Message{Header: wire.Header{SPIi: 0xaaaa, SPIr: 0xbbbb, Exchange: wire.INFORMATIONAL, Flags: wire.FlagInitiator, MessageID: 7},
		Payloads: []wire.Payload{&wire.SK{FirstPayload: wire.PayloadNone, Body: make([]byte, 32)}}}
	ep.HandleDatagram(encode(t, req), serverIKE, clientIKE)
	got := ct.wait(t, 1)[0]
	if !got.IsResponse() || got.IsInitiator() || got.SPIi != 0xaaaa || got.SPIr != 0xbbbb || got.MessageID != 7 ||
		findNotify(got.Payloads, wire.INVALID_IKE_SPI) == nil {
		t.Fatalf("answer %+v %+v", got.Header, got.Payloads)
	}
	resp := *req
	resp.Flags |= wire.FlagResponse
	ep.HandleDatagram(encode(t, &resp), serverIKE, clientIKE)
	for range 30 {
		ep.HandleDatagram(encode(t, req), serverIKE, clientIKE)
	}
	time.Sleep(20 * time.Millisecond)
	if n := ct.count(); n > 11 {
		t.Fatalf("%d INVALID_IKE_SPI answers, the rate limit allows 10 per second", n)
	}
}

// TestRetransmittedInitAnsweredFromCache: a retransmitted IKE_SA_INIT
// request reaches the half-open SA, which resends the identical response
// instead of creating a second SA.
func TestRetransmittedInitAnsweredFromCache(t *testing.T) {
	tb := newTestbed(t, pskServer())
	var mu sync.Mutex
	var first []byte
	var inits []wire.Header
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err != nil || h.Exchange != wire.IKE_SA_INIT {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		inits = append(inits, h)
		if h.IsResponse() && first == nil {
			first = append([]byte(nil), pkt...)
			return false // lose the first response
		}
		return true
	})
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	if n := len(tb.server.SAs()); n != 1 {
		t.Fatalf("server has %d SAs", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(inits) != 4 || inits[1].SPIr != inits[3].SPIr {
		t.Fatalf("IKE_SA_INIT messages %+v", inits)
	}
}
