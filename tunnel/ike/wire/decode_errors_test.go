package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// msgWith wraps a payload chain (first payload type, bytes) in an IKE
// header with a correct length.
func msgWith(t *testing.T, first PayloadType, chain string) []byte {
	t.Helper()
	b := hx(t, "0102030405060708 0000000000000000 00 20 22 08 00000000 00000000")
	b[16] = byte(first)
	b = append(b, hx(t, chain)...)
	binary.BigEndian.PutUint32(b[24:], uint32(len(b)))
	return b
}

func TestDecodeHeaderErrors(t *testing.T) {
	good := msgWith(t, PayloadNone, "")
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		notify NotifyType
		cause  error
	}{
		{"short", func(b []byte) []byte { return b[:27] }, INVALID_SYNTAX, ErrTruncated},
		{"ikev1", func(b []byte) []byte { b[17] = 0x10; return b }, INVALID_MAJOR_VERSION, ErrVersion},
		{"v3", func(b []byte) []byte { b[17] = 0x30; return b }, INVALID_MAJOR_VERSION, ErrVersion},
		{"length below header", func(b []byte) []byte { b[27] = 27; return b }, INVALID_SYNTAX, ErrBadLength},
		{"length beyond datagram", func(b []byte) []byte { b[27] = 29; return b }, INVALID_SYNTAX, ErrTruncated},
		{"huge length", func(b []byte) []byte { b[24] = 0xff; return b }, INVALID_SYNTAX, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.mutate(bytes.Clone(good)))
			wantNotifyErr(t, err, tt.notify)
			if !errors.Is(err, tt.cause) {
				t.Fatalf("error %v does not wrap %v", err, tt.cause)
			}
		})
	}
	if _, err := Decode(good); err != nil {
		t.Fatalf("empty message: %v", err)
	}
	if h, err := DecodeHeader(hx(t, "0102030405060708 0000000000000000 00 21 22 08 00000000 0000001c")); err != nil || h.MinorVersion != 1 {
		t.Fatalf("minor version 1 must be accepted: %v %+v", err, h)
	}
}

func TestDecodeTrailingDatagramBytesIgnored(t *testing.T) {
	b := append(msgWith(t, PayloadVendorID, "00 00 0005 41"), 0xde, 0xad)
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := m.Encode(); !bytes.Equal(out, b[:len(b)-2]) {
		t.Fatalf("re-encode %x", out)
	}
}

func TestDecodeChainErrors(t *testing.T) {
	tests := []struct {
		name  string
		first PayloadType
		chain string
		cause error
	}{
		{"header truncated", PayloadVendorID, "00 00 00", ErrTruncated},
		{"payload length 3", PayloadVendorID, "00 00 0003", ErrBadLength},
		{"payload length past end", PayloadVendorID, "00 00 0009 4142", ErrBadLength},
		{"chain ends early", PayloadVendorID, "00 00 0005 41 00000000", ErrTrailingData},
		{"next payload missing", PayloadVendorID, "2b 00 0005 41", ErrTruncated},
		{"SK not last", PayloadSK, "00 00 0004 2b 00 0004", ErrTrailingData},
		{"SKF fragment 0", PayloadSKF, "00 00 0008 0000 0002", ErrBadValue},
		{"SKF fragment above total", PayloadSKF, "00 00 0008 0003 0002", ErrBadValue},
		{"SKF truncated", PayloadSKF, "00 00 0006 0001", ErrTruncated},
		{"nonce short", PayloadNonce, "00 00 0013 000102030405060708090a0b0c0d0e", ErrBadLength},
		{"ke short", PayloadKE, "00 00 0007 001f00", ErrTruncated},
		{"id short", PayloadIDi, "00 00 0006 0200", ErrTruncated},
		{"auth short", PayloadAUTH, "00 00 0004", ErrTruncated},
		{"cert empty", PayloadCERT, "00 00 0004", ErrTruncated},
		{"certreq empty", PayloadCERTREQ, "00 00 0004", ErrTruncated},
		{"notify spi past end", PayloadNotify, "00 00 0009 03 04 4000 01", ErrBadLength},
		{"delete count mismatch", PayloadDelete, "00 00 000c 03 04 0002 01020304", ErrBadLength},
		{"delete size 0 count 1", PayloadDelete, "00 00 0008 01 00 0001", ErrBadValue},
		{"eap length too big", PayloadEAP, "00 00 0008 01 01 0009", ErrBadLength},
		{"eap length too small", PayloadEAP, "00 00 0008 01 01 0003", ErrBadLength},
		{"cp attribute past end", PayloadCP, "00 00 000c 01 000000 0001 0004", ErrBadLength},
		{"cp attribute header cut", PayloadCP, "00 00 000a 01 000000 0001", ErrTruncated},
		{"ts count too big", PayloadTSi, "00 00 0008 05 000000", ErrBadLength},
		{"ts v4 wrong length", PayloadTSi, "00 00 0018 01 000000 07 00 0010 0000 ffff 0a000000 0aff", ErrBadLength},
		{"ts trailing", PayloadTSi, "00 00 001c 01 000000 07 00 0010 0000 ffff 0a000000 0affffff 00000000", ErrTrailingData},
		{"ts selector length 4", PayloadTSr, "00 00 0014 01 000000 07 00 0004 0000 ffff 00000000", ErrBadLength},
		{"sa empty", PayloadSA, "00 00 0004", ErrBadLength},
		{"sa proposal flag wrong", PayloadSA, "00 00 000c 02 00 0008 01 01 00 00", ErrBadValue},
		{"sa proposal bad last value", PayloadSA, "00 00 000c 05 00 0008 01 01 00 00", ErrBadValue},
		{"sa proposal length short", PayloadSA, "00 00 000c 00 00 0007 01 01 00 00", ErrBadLength},
		{"sa spi beyond proposal", PayloadSA, "00 00 000c 00 00 0008 01 03 04 00", ErrBadLength},
		{"sa transform count high", PayloadSA, "00 00 0014 00 00 0010 01 01 00 02 00 00 0008 01 00 000c", ErrBadLength},
		{"sa transform flag wrong", PayloadSA, "00 00 0014 00 00 0010 01 01 00 01 03 00 0008 01 00 000c", ErrBadValue},
		{"sa transform trailing", PayloadSA, "00 00 0018 00 00 0014 01 01 00 01 00 00 0008 01 00 000c 00000000", ErrTrailingData},
		{"sa attribute truncated", PayloadSA, "00 00 0016 00 00 0012 01 01 00 01 00 00 000a 01 00 000c 800e", ErrTruncated},
		{"sa tlv attribute past end", PayloadSA, "00 00 0018 00 00 0014 01 01 00 01 00 00 000c 01 00 000c 0001 0009", ErrBadLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(msgWith(t, tt.first, tt.chain))
			wantNotifyErr(t, err, INVALID_SYNTAX)
			if !errors.Is(err, tt.cause) {
				t.Fatalf("error %v does not wrap %v", err, tt.cause)
			}
		})
	}
}

func TestUnknownPayloads(t *testing.T) {
	// Non-critical unknown payload 99 between two vendor IDs is kept.
	raw := msgWith(t, PayloadVendorID, "63 00 0005 41  2b 00 0006 beef  00 00 0005 42")
	m, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := m.Payloads[1].(*Unknown)
	if !ok || u.PayloadType != 99 || u.Critical || !bytes.Equal(u.Data, []byte{0xbe, 0xef}) {
		t.Fatalf("unknown payload = %#v", m.Payloads[1])
	}
	if out, err := m.Encode(); err != nil || !bytes.Equal(out, raw) {
		t.Fatalf("re-encode = %x, %v", out, err)
	}

	// The same payload with the critical bit set rejects the message.
	raw[HeaderLen+5+1] = 0x80
	_, err = Decode(raw)
	ne := wantNotifyErr(t, err, UNSUPPORTED_CRITICAL_PAYLOAD)
	if !bytes.Equal(ne.Data, []byte{99}) || !errors.Is(err, ErrCritical) {
		t.Fatalf("critical error data %x, err %v", ne.Data, err)
	}
	if n := ne.Notify(); n.NotifyType != UNSUPPORTED_CRITICAL_PAYLOAD || !bytes.Equal(n.Data, []byte{99}) {
		t.Fatalf("Notify() = %+v", n)
	}

	// The critical bit on a known payload is ignored (RFC 7296 3.2).
	raw = msgWith(t, PayloadVendorID, "00 80 0005 41")
	if _, err := Decode(raw); err != nil {
		t.Fatalf("critical known payload: %v", err)
	}

	// A critical Unknown built by the caller keeps its bit on the wire.
	_, b, err := EncodePayloads([]Payload{&Unknown{PayloadType: 120, Critical: true, Data: []byte{1}}})
	if err != nil || b[1] != 0x80 {
		t.Fatalf("critical unknown encode = %x, %v", b, err)
	}
}

func TestDecodePayloadsRejectsNestedSK(t *testing.T) {
	_, err := DecodePayloads(PayloadSK, hx(t, "00 00 0008 01020304"))
	wantNotifyErr(t, err, INVALID_SYNTAX)
	ps, err := DecodePayloads(PayloadNone, nil)
	if err != nil || len(ps) != 0 {
		t.Fatalf("empty inner chain: %v %v", ps, err)
	}
	_, err = DecodePayloads(PayloadNone, []byte{0})
	wantNotifyErr(t, err, INVALID_SYNTAX)
}
