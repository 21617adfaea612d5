package netns

import (
	"errors"
	"fmt"
	"strings"
)

// ikeSAInit is the IKE_SA_INIT exchange type: never encrypted.
const ikeSAInit = 34

// DecryptAll decrypts every protected message of ds with the first key
// set that verifies it, reassembles RFC 7383 fragments, and checks that
// each inner chain parses. The result maps an index of ds to the inner
// chain of that message; a fragmented message sits at the index of its
// first captured fragment, with Fragment and Total zero. Failures are
// joined into the error, each naming its frame.
func DecryptAll(ds []IKEDatagram, c IKECipher, sets []IKEKeys) (map[int]Decrypted, error) {
	out := map[int]Decrypted{}
	frags := map[string][]int{}
	var errs []error
	for i, d := range ds {
		if d.Exchange() == ikeSAInit {
			continue
		}
		dec, err := DecryptIKE(d.Message, c, sets)
		if err != nil {
			errs = append(errs, fmt.Errorf("frame %d: %w", d.Frame, err))
			continue
		}
		if dec.Total == 0 {
			out[i] = dec
			continue
		}
		// A message is its SPIs, direction and message ID.
		k := fmt.Sprintf("%x %v %d", d.Message[:16], d.Response(), d.MessageID())
		frags[k] = append(frags[k], i)
		if len(frags[k]) == int(dec.Total) {
			out[frags[k][0]] = reassemble(ds, frags[k], c, sets)
		}
	}
	for i, dec := range out {
		if _, err := WalkChain(dec.NextPayload, dec.Inner); err != nil {
			errs = append(errs, fmt.Errorf("frame %d: inner chain: %w", ds[i].Frame, err))
		}
	}
	return out, errors.Join(errs...)
}

// reassemble joins the fragments at idx in fragment-number order; the
// first fragment's next-payload names the first inner payload.
func reassemble(ds []IKEDatagram, idx []int, c IKECipher, sets []IKEKeys) Decrypted {
	parts := make([][]byte, len(idx)+1)
	var first uint8
	for _, i := range idx {
		dec, _ := DecryptIKE(ds[i].Message, c, sets)
		if int(dec.Fragment) < len(parts) {
			parts[dec.Fragment] = dec.Inner
		}
		if dec.Fragment == 1 {
			first = dec.NextPayload
		}
	}
	var chain []byte
	for _, p := range parts {
		chain = append(chain, p...)
	}
	return Decrypted{NextPayload: first, Inner: chain}
}

// Dedupe drops retransmissions (byte-identical messages), keeping the
// first of each.
func Dedupe(ds []IKEDatagram) []IKEDatagram {
	seen := map[string]bool{}
	var out []IKEDatagram
	for _, d := range ds {
		if !seen[string(d.Message)] {
			seen[string(d.Message)] = true
			out = append(out, d)
		}
	}
	return out
}

// payloadNames are the RFC 7296 diagram names of IKEv2 payload types.
var payloadNames = map[uint8]string{
	33: "SA", 34: "KE", 35: "IDi", 36: "IDr", 37: "CERT", 38: "CERTREQ", 39: "AUTH",
	40: "No", 41: "N", 42: "D", 43: "V", 44: "TSi", 45: "TSr", 46: "SK", 47: "CP",
	48: "EAP", 53: "SKF",
}

// PayloadNames renders payload types the way RFC 7296 draws exchanges
// ("SA KE No N"); unknown types print as PAYLOAD(n).
func PayloadNames(types []uint8) string {
	names := make([]string, len(types))
	for i, p := range types {
		if n, ok := payloadNames[p]; ok {
			names[i] = n
		} else {
			names[i] = fmt.Sprintf("PAYLOAD(%d)", p)
		}
	}
	return strings.Join(names, " ")
}
