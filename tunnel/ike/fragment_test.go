package ike

import (
	"bytes"
	"errors"
	"testing"

	"flexvpn/tunnel/ike/wire"
)

func frag(n, total uint16, first wire.PayloadType) *wire.SKF {
	return &wire.SKF{FragmentNumber: n, TotalFragments: total, FirstPayload: first}
}

// TestReassemblyRules: any order, duplicates dropped, numbers above the
// total rejected, a larger total restarts, a smaller one is ignored.
func TestReassemblyRules(t *testing.T) {
	var r reassembly
	if _, _, done, _ := r.add(7, false, frag(3, 3, 0), []byte("ccc")); done {
		t.Fatal("done after one of three")
	}
	if _, _, done, _ := r.add(7, false, frag(3, 3, 0), []byte("XXX")); done {
		t.Fatal("duplicate completed the message")
	}
	if _, _, _, err := r.add(7, false, frag(4, 3, 0), []byte("d")); !errors.Is(err, ErrFragmentInvalid) {
		t.Fatalf("fragment above total: %v", err)
	}
	if _, _, _, err := r.add(7, false, frag(0, 3, 0), []byte("d")); !errors.Is(err, ErrFragmentInvalid) {
		t.Fatalf("fragment zero: %v", err)
	}
	if _, _, done, _ := r.add(7, false, frag(1, 2, wire.PayloadIDi), []byte("zz")); done {
		t.Fatal("smaller total accepted")
	}
	r.add(7, false, frag(1, 3, wire.PayloadIDi), []byte("aaa"))
	first, whole, done, err := r.add(7, false, frag(2, 3, 0), []byte("bbb"))
	if err != nil || !done || first != wire.PayloadIDi || !bytes.Equal(whole, []byte("aaabbbccc")) {
		t.Fatalf("got %v %q %v %v", first, whole, done, err)
	}
	// A larger total (sender lowered its fragment size) restarts.
	r.add(9, true, frag(1, 2, wire.PayloadSA), []byte("1"))
	r.add(9, true, frag(1, 3, wire.PayloadSA), []byte("x"))
	r.add(9, true, frag(2, 3, 0), []byte("y"))
	if _, whole, done, _ := r.add(9, true, frag(3, 3, 0), []byte("z")); !done || string(whole) != "xyz" {
		t.Fatalf("restart: %q %v", whole, done)
	}
}

func TestReassemblyLimits(t *testing.T) {
	var r reassembly
	if _, _, _, err := r.add(1, false, frag(1, maxFragments+1, 0), nil); err == nil {
		t.Fatal("too many fragments accepted")
	}
	big := make([]byte, maxReassembled/2+1)
	r.add(2, false, frag(1, 3, 0), big)
	if _, _, _, err := r.add(2, false, frag(2, 3, 0), big); err == nil {
		t.Fatal("oversized message accepted")
	}
}

// FuzzReassembly feeds arbitrary fragment sequences: never a panic, and
// a completed message is the concatenation of its fragments.
func FuzzReassembly(f *testing.F) {
	f.Add([]byte{1, 3, 2, 3, 3, 3})
	f.Add([]byte{0, 0, 5, 2, 1, 2})
	f.Fuzz(func(t *testing.T, seq []byte) {
		var r reassembly
		for i := 0; i+1 < len(seq); i += 2 {
			n, total := uint16(seq[i]), uint16(seq[i+1])
			_, whole, done, _ := r.add(uint32(i%3), false, frag(n, total, wire.PayloadIDi), []byte{byte(n)})
			if done && len(whole) != int(total) {
				t.Fatalf("completed %d of %d", len(whole), total)
			}
		}
	})
}
