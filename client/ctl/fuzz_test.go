package ctl

import (
	"bufio"
	"bytes"
	"testing"
)

func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{`{"v":1,"op":"up","profile":"corp"}`, `{"v":1,"op":"status"}`, `{"v":1,"op":"trace","profile":"a"}`, `{"v":1,"op":"watch"}`, `{}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		req, err := DecodeRequest(line)
		if err != nil {
			return
		}
		b, err := EncodeLine(req)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeRequest(b)
		if err != nil || again != req {
			t.Fatalf("re-decode %q: %+v %v", b, again, err)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	b, _ := EncodeLine(Response{V: Version, OK: true, Status: []Status{sampleStatus()}})
	f.Add(b)
	f.Add([]byte(`{"v":1,"ok":false,"error":"x"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		resp, err := DecodeResponse(line)
		if err != nil {
			return
		}
		b, err := EncodeLine(resp)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeResponse(b)
		if err != nil {
			t.Fatalf("re-decode %q: %v", b, err)
		}
		b2, _ := EncodeLine(again)
		if !bytes.Equal(b, b2) {
			t.Fatalf("unstable encoding:\n%s\n%s", b, b2)
		}
	})
}

// FuzzReadLine: the framing never returns more than the limit and never
// panics, whatever the stream.
func FuzzReadLine(f *testing.F) {
	f.Add([]byte("abc\ndef\n"), 4)
	f.Fuzz(func(t *testing.T, stream []byte, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		r := bufio.NewReaderSize(bytes.NewReader(stream), 16)
		for {
			l, err := ReadLine(r, max)
			if err != nil {
				return
			}
			if len(l) > max || bytes.IndexByte(l, '\n') >= 0 {
				t.Fatalf("line %q exceeds %d or holds a newline", l, max)
			}
		}
	})
}
