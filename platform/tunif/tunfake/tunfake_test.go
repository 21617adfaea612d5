package tunfake

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"testing"
	"time"
)

func TestReadBatchesQueuedPackets(t *testing.T) {
	dev := New(Config{BatchSize: 4})
	for i := range 6 {
		if err := dev.Inject([]byte{byte(i), 0xAA}); err != nil {
			t.Fatal(err)
		}
	}
	bufs := make([][]byte, 8)
	for i := range bufs {
		bufs[i] = make([]byte, 16)
	}
	sizes := make([]int, 8)
	n, err := dev.Read(bufs, sizes, 3)
	if err != nil || n != 4 {
		t.Fatalf("first Read = %d, %v; want 4 packets", n, err)
	}
	for i := range n {
		if sizes[i] != 2 || bufs[i][3] != byte(i) || bufs[i][4] != 0xAA {
			t.Errorf("packet %d: size %d bytes %x", i, sizes[i], bufs[i][3:5])
		}
	}
	n, err = dev.Read(bufs, sizes, 0)
	if err != nil || n != 2 || bufs[0][0] != 4 || bufs[1][0] != 5 {
		t.Fatalf("second Read = %d, %v, first bytes %d %d; want packets 4 and 5", n, err, bufs[0][0], bufs[1][0])
	}
}

func TestReadShortBuffer(t *testing.T) {
	dev := New(Config{})
	_ = dev.Inject(make([]byte, 10))
	bufs := [][]byte{make([]byte, 12)}
	if _, err := dev.Read(bufs, []int{0}, 4); err == nil {
		t.Fatal("Read into an 8-byte window of a 10-byte packet succeeded")
	}
}

func TestWriteCopiesAfterOffset(t *testing.T) {
	dev := New(Config{})
	buf := []byte{9, 9, 1, 2, 3}
	if n, err := dev.Write([][]byte{buf}, 2); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	buf[2] = 7 // the fake must have copied
	if got := <-dev.Written(); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Fatalf("written %x, want 010203", got)
	}
}

func TestWriteHookIsSynchronous(t *testing.T) {
	var got []byte
	dev := New(Config{OnWrite: func(p []byte) { got = append(got, p...) }})
	if _, err := dev.Write([][]byte{{0, 5}, {0, 6}}, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte{5, 6}) {
		t.Fatalf("hook saw %x, want 0506", got)
	}
}

func TestCloseUnblocks(t *testing.T) {
	dev := New(Config{})
	if ev := <-dev.Events(); ev == 0 {
		t.Fatal("no EventUp")
	}
	done := make(chan error)
	go func() {
		_, err := dev.Read([][]byte{make([]byte, 8)}, []int{0}, 0)
		done <- err
	}()
	if err := dev.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Read after Close = %v, want os.ErrClosed", err)
	}
	if err := dev.Inject([]byte{1}); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Inject after Close = %v", err)
	}
	if _, err := dev.Write([][]byte{{1}}, 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
	if err := dev.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestUDP4HeaderChecksum(t *testing.T) {
	p := UDP4(netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("198.51.100.10"), []byte("hi"))
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(p[i])<<8 | uint32(p[i+1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	if sum != 0xffff || len(p) != 30 || p[9] != 17 {
		t.Fatalf("bad packet %x (folded sum %04x)", p, sum)
	}
}

func TestInjectUntilReceived(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	pkt := UDP4(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), nil)
	// A pump that starts late: the first injections are not carried.
	go func() {
		time.Sleep(250 * time.Millisecond)
		bufs := [][]byte{make([]byte, 1500)}
		sizes := []int{0}
		n, err := a.Read(bufs, sizes, 0)
		if err == nil && n == 1 {
			b.Write([][]byte{bufs[0][:sizes[0]]}, 0)
		}
	}()
	InjectUntilReceived(t, a, b.Written(), pkt, "late pump")
}
