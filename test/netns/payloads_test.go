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
		if len(chain) >= 28 {
			_, _ = IKEDatagram{Message: chain}.OuterPayloads()
		}
	})
}
