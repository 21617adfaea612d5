package wire

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// hx decodes hex written with spaces, newlines and '#' comments, so test
// vectors can be laid out field by field like the RFC diagrams.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	var sb strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		sb.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(sb.String())
	if err != nil {
		t.Fatalf("bad test hex: %v", err)
	}
	return b
}

// wantNotifyErr checks that err is a *NotifyError of type want.
func wantNotifyErr(t *testing.T, err error, want NotifyType) *NotifyError {
	t.Helper()
	ne, ok := err.(*NotifyError)
	if !ok {
		t.Fatalf("error %v (%T) is not a *NotifyError", err, err)
	}
	if ne.Type != want {
		t.Fatalf("notify error type %v, want %v (%v)", ne.Type, want, err)
	}
	return ne
}

// roundTripPayload encodes p alone, decodes it back and checks that the
// decoded payload encodes to the same bytes. It returns the decoded one.
func roundTripPayload(t *testing.T, p Payload) Payload {
	t.Helper()
	first, b, err := EncodePayloads([]Payload{p})
	if err != nil {
		t.Fatalf("encode %v: %v", p.Type(), err)
	}
	ps, err := DecodePayloads(first, b)
	if err != nil {
		t.Fatalf("decode %v: %v", p.Type(), err)
	}
	if len(ps) != 1 {
		t.Fatalf("decoded %d payloads, want 1", len(ps))
	}
	_, b2, err := EncodePayloads(ps)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("round trip differs:\n %x\n %x", b, b2)
	}
	return ps[0]
}
