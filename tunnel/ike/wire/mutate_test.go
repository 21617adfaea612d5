package wire

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestMutatedGoldens is a deterministic slice of fuzzing that runs on
// every go test: each golden message is truncated at every length and has
// every byte flipped, and each variant must either decode and re-encode
// stably or fail with a *NotifyError. It covers real strongSwan layouts
// that the random fuzzer may take long to reach.
func TestMutatedGoldens(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.bin")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(raw); n++ {
			checkVariant(t, f, raw[:n])
		}
		for i := range raw {
			for _, x := range []byte{0xff, 0x01, 0x80} {
				v := bytes.Clone(raw)
				v[i] ^= x
				checkVariant(t, f, v)
			}
		}
	}
}

func checkVariant(t *testing.T, name string, b []byte) {
	t.Helper()
	m, err := Decode(b)
	if err != nil {
		if _, ok := err.(*NotifyError); !ok {
			t.Fatalf("%s: %x: error %T %v", name, b, err, err)
		}
		return
	}
	out, err := m.Encode()
	if err != nil {
		t.Fatalf("%s: %x: decoded but does not encode: %v", name, b, err)
	}
	m2, err := Decode(out)
	if err != nil {
		t.Fatalf("%s: re-encoded message does not decode: %v", name, err)
	}
	if out2, err := m2.Encode(); err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("%s: encoding not stable", name)
	}
}
