package wire

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The fuzz targets assert that decoders never panic, that every decode
// failure is a *NotifyError, and that decode→encode→decode is stable: the
// first re-encoding decodes again and re-encodes to the same bytes. (The
// first re-encoding may differ from arbitrary input because reserved bits
// and the critical bit of known payloads are not kept.)

// seedMessages adds the hand-written vectors and any captured datagrams.
func seedMessages(f *testing.F) {
	f.Add(hx(f, initRequest))
	f.Add(hx(f, skMessage))
	files, _ := filepath.Glob("testdata/*/*.bin")
	more, _ := filepath.Glob("testdata/*.bin")
	for _, name := range append(files, more...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

func FuzzDecode(f *testing.F) {
	seedMessages(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			assertNotifyError(t, err)
			return
		}
		out, err := m.Encode()
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		m2, err := Decode(out)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v\n%x", err, out)
		}
		out2, err := m2.Encode()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("encoding not stable: %v\n%x\n%x", err, out, out2)
		}
	})
}

func FuzzDecodePayloads(f *testing.F) {
	raw := hx(f, initRequest)
	f.Add(byte(PayloadSA), raw[HeaderLen:])
	_, inner, _ := EncodePayloads([]Payload{NewNotify(INITIAL_CONTACT, nil), NewCPRequest(INTERNAL_IP4_ADDRESS)})
	f.Add(byte(PayloadNotify), inner)
	seedInnerChains(f)
	f.Fuzz(func(t *testing.T, first byte, b []byte) {
		ps, err := DecodePayloads(PayloadType(first), b)
		if err != nil {
			assertNotifyError(t, err)
			return
		}
		first2, out, err := EncodePayloads(ps)
		if err != nil {
			t.Fatalf("decoded payloads do not encode: %v", err)
		}
		ps2, err := DecodePayloads(first2, out)
		if err != nil {
			t.Fatalf("re-encoded payloads do not decode: %v", err)
		}
		_, out2, err := EncodePayloads(ps2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("encoding not stable: %v", err)
		}
		_ = CheckRules(IKE_AUTH, first&1 == 1, ps)
	})
}

// seedInnerChains adds the decrypted strongSwan inner chains, each with
// the first payload type taken from its outer SK/SKF payload.
func seedInnerChains(f *testing.F) {
	files, _ := filepath.Glob("testdata/strongswan/*.inner")
	for _, name := range files {
		raw, err1 := os.ReadFile(strings.TrimSuffix(name, ".inner") + ".bin")
		inner, err2 := os.ReadFile(name)
		m, err3 := Decode(raw)
		if err1 != nil || err2 != nil || err3 != nil || len(m.Payloads) == 0 {
			continue
		}
		switch sk := m.Payloads[len(m.Payloads)-1].(type) {
		case *SK:
			f.Add(byte(sk.FirstPayload), inner)
		case *SKF:
			f.Add(byte(sk.FirstPayload), inner)
		}
	}
}

func FuzzCPAttributes(f *testing.F) {
	f.Add(hx(f, cfgReply)[4:])
	f.Add([]byte{0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		attrs, err := DecodeCPAttributes(b)
		if err != nil {
			assertNotifyError(t, err)
			return
		}
		for _, a := range attrs {
			exerciseAttr(a)
		}
		c, _ := ParseCPConfig(&CP{Attributes: attrs})
		rebuilt, err := c.Attributes()
		if err != nil {
			t.Fatalf("parsed config does not build: %v (%+v)", err, c)
		}
		c2, err := ParseCPConfig(&CP{Attributes: rebuilt})
		if err != nil {
			t.Fatalf("rebuilt attributes do not parse: %v", err)
		}
		if !reflect.DeepEqual(normalizeConfig(c), normalizeConfig(c2)) {
			t.Fatalf("config not stable:\n%+v\n%+v", c, c2)
		}
	})
}

// exerciseAttr calls every typed accessor; only panics matter here.
func exerciseAttr(a CPAttr) {
	_, _ = a.Addr()
	_, _ = a.Prefix()
	_, _ = a.NetmaskPrefixLen()
	_, _ = a.UnitySubnets()
	_, _ = a.SplitDNSNames()
	_, _ = a.BackupServers()
	_, _ = a.Uint16()
	_, _ = a.SupportedAttributes()
	_ = a.Text()
	_ = a.String()
}

// normalizeConfig makes empty and nil slices compare equal.
func normalizeConfig(c CPConfig) CPConfig {
	v := reflect.ValueOf(&c).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	for i := range c.Other {
		if len(c.Other[i].Value) == 0 {
			c.Other[i].Value = nil
		}
	}
	return c
}

// assertNotifyError requires a *NotifyError at top level, not merely in
// the chain: the engine type-asserts decode errors.
func assertNotifyError(t *testing.T, err error) {
	t.Helper()
	ne, ok := err.(*NotifyError)
	if !ok {
		t.Fatalf("decode error %v (%T) is not a *NotifyError", err, err)
	}
	if ne.Type != INVALID_SYNTAX && ne.Type != UNSUPPORTED_CRITICAL_PAYLOAD && ne.Type != INVALID_MAJOR_VERSION {
		t.Fatalf("decode error with unexpected notify %v", ne.Type)
	}
	if ne.Err == nil {
		t.Fatalf("decode error %v wraps no sentinel", err)
	}
}

// FuzzNotifyData runs every typed Notify parser on arbitrary data and
// checks that whatever parses rebuilds to the same notification data.
func FuzzNotifyData(f *testing.F) {
	f.Add(hx(f, "01 04 c000020a 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"))
	f.Add(hx(f, "03 0b 6777322e6578616d706c65"))
	f.Add([]byte{0, 19})
	f.Fuzz(func(t *testing.T, data []byte) {
		n := func(typ NotifyType) *Notify { return &Notify{NotifyType: typ, Data: data} }
		if r, err := ParseRedirect(n(REDIRECT)); err == nil {
			rebuilt, err := NewRedirect(r.Gateway, r.Nonce)
			if err != nil || !bytes.Equal(rebuilt.Data, data) {
				t.Fatalf("redirect %+v rebuilt %x, %v", r, rebuilt, err)
			}
		}
		if gw, err := ParseRedirectedFrom(n(REDIRECTED_FROM)); err == nil {
			rebuilt, err := NewRedirectedFrom(gw)
			if err != nil || !bytes.Equal(rebuilt.Data, data) {
				t.Fatalf("redirected from %+v: %v", gw, err)
			}
		}
		if algs, err := ParseSignatureHashAlgorithms(n(SIGNATURE_HASH_ALGORITHMS)); err == nil {
			if !bytes.Equal(NewSignatureHashAlgorithms(algs...).Data, data) {
				t.Fatal("signature hash algorithms rebuild differs")
			}
		}
		if g, err := ParseInvalidKEPayload(n(INVALID_KE_PAYLOAD)); err == nil && !bytes.Equal(NewInvalidKEPayload(g).Data, data) {
			t.Fatal("invalid ke rebuild differs")
		}
		if w, err := ParseSetWindowSize(n(SET_WINDOW_SIZE)); err == nil && !bytes.Equal(NewSetWindowSize(w).Data, data) {
			t.Fatal("window size rebuild differs")
		}
		if l, err := ParseAuthLifetime(n(AUTH_LIFETIME)); err == nil && !bytes.Equal(NewAuthLifetime(l).Data, data) {
			t.Fatal("auth lifetime rebuild differs")
		}
		if h, err := ParseNATDetection(n(NAT_DETECTION_SOURCE_IP)); err == nil && !bytes.Equal(h[:], data) {
			t.Fatal("nat-d differs")
		}
		if c, err := ParseCookie(n(COOKIE)); err == nil && !bytes.Equal(c, data) {
			t.Fatal("cookie differs")
		}
		_, _ = (&CertReq{Encoding: CertX509Signature, Authorities: data}).AuthorityHashes()
		_, _ = (&Delete{SPIs: [][]byte{data}}).ESPSPIs()
	})
}
