package netns

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// ikeMessage builds header + payloads; each payload is (type, body) and
// chains to the next.
func ikeMessage(first uint8, payloads ...Payload) []byte {
	m := make([]byte, 28)
	m[16], m[17], m[18], m[19] = first, 0x20, 34, 0x20
	for i, p := range payloads {
		next := uint8(0)
		if i+1 < len(payloads) {
			next = payloads[i+1].Type
		}
		h := []byte{next, 0, 0, 0}
		binary.BigEndian.PutUint16(h[2:], uint16(4+len(p.Body)))
		m = append(append(m, h...), p.Body...)
	}
	binary.BigEndian.PutUint32(m[24:], uint32(len(m)))
	return m
}

func TestOuterPayloadsAndNotifyTypes(t *testing.T) {
	invalidKE := Payload{Type: NotifyPayload, Body: []byte{0, 0, 0, 17, 0, 31}}
	vid := Payload{Type: 43, Body: []byte("FLEXVPN-SUPPORTED")}
	d := IKEDatagram{Message: ikeMessage(NotifyPayload, invalidKE, vid)}
	ps, err := d.OuterPayloads()
	if err != nil || len(ps) != 2 || ps[1].Type != 43 || string(ps[1].Body) != "FLEXVPN-SUPPORTED" {
		t.Fatalf("OuterPayloads = %+v, %v", ps, err)
	}
	if got := NotifyTypes(ps); !reflect.DeepEqual(got, []uint16{17}) {
		t.Errorf("NotifyTypes = %v, want [17]", got)
	}
	// An SK payload's next-payload names the inner chain; the walk stops.
	sk := ikeMessage(46, Payload{Type: 46, Body: make([]byte, 24)})
	sk[28] = 35 // first inner payload: IDi
	ps, err = IKEDatagram{Message: sk}.OuterPayloads()
	if err != nil || len(ps) != 1 || ps[0].Type != 46 {
		t.Errorf("SK message: %+v, %v", ps, err)
	}
	bad := ikeMessage(NotifyPayload, invalidKE)
	bad[31] = 200 // payload length past the end
	if _, err := (IKEDatagram{Message: bad}).OuterPayloads(); err == nil {
		t.Error("accepted a payload longer than the message")
	}
}

func TestCPAttributes(t *testing.T) {
	// CFG_REPLY: INTERNAL_IP4_ADDRESS 10.99.0.1, Unity banner "hi".
	cp := Payload{Type: CPPayload, Body: []byte{2, 0, 0, 0, 0, 1, 0, 4, 10, 99, 0, 1, 0x70, 0x00, 0, 2, 'h', 'i'}}
	typ, attrs, ok := CPAttributes([]Payload{{Type: 41, Body: []byte{0, 0, 0, 16}}, cp})
	if !ok || typ != 2 || len(attrs) != 2 || attrs[0].Type != 1 || attrs[1].Type != 28672 || string(attrs[1].Value) != "hi" {
		t.Fatalf("CPAttributes = %d %+v %v", typ, attrs, ok)
	}
	cp.Body = cp.Body[:len(cp.Body)-1] // banner cut short
	if _, _, ok := CPAttributes([]Payload{cp}); ok {
		t.Error("accepted a truncated attribute")
	}
	if _, _, ok := CPAttributes(nil); ok {
		t.Error("found a CP payload in nothing")
	}
}

func FuzzWalkChain(f *testing.F) {
	f.Add(uint8(41), []byte{0, 0, 0, 10, 0, 0, 0, 17, 0, 31})
	f.Fuzz(func(t *testing.T, first uint8, chain []byte) {
		ps, _ := WalkChain(first, chain)
		total := 0
		for _, p := range ps {
			total += 4 + len(p.Body)
		}
		if total > len(chain) {
			t.Fatalf("payloads cover %d bytes of %d", total, len(chain))
		}
		_ = NotifyTypes(ps)
		_, _, _ = CPAttributes(ps)
		if len(chain) >= 28 {
			_, _ = IKEDatagram{Message: chain}.OuterPayloads()
		}
	})
}
