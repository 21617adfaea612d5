package ike

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexvpn/test/pki"
	"flexvpn/tunnel/ike/wire"
)

// TestLossConverges: every Nth datagram is lost, in both directions;
// retransmissions (and cached responses for requests that arrive twice)
// still bring the SA and its Child SA up. (N=2 would drop every response,
// request and response alternating: no protocol survives that.)
func TestLossConverges(t *testing.T) {
	for _, n := range []int{3, 4, 5} {
		tb := newTestbed(t, pskServer())
		tb.pipe.DropEvery(n)
		if _, err := tb.connect(t, pskClient()); err != nil {
			t.Fatalf("drop every %d: %v", n, err)
		}
		pairChildren(t, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child)
	}
}

// TestReorderedFragments: with a small fragment size the certificate
// IKE_AUTH messages travel in many SKF fragments, delivered in swapped
// pairs; reassembly accepts any order.
func TestReorderedFragments(t *testing.T) {
	ca, gw, cl := certPair(t, pki.RSA2048)
	c, s := certConfigs(ca, gw, cl)
	c.FragmentSize, s.FragmentSize = 200, 200
	tb := newTestbed(t, s)
	tb.pipe.Reorder(true)
	var frags atomic.Int32
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		if h, err := wire.DecodeHeader(pkt); err == nil && h.NextPayload == wire.PayloadSKF {
			frags.Add(1)
			if len(pkt) > 200-28 {
				t.Errorf("fragment of %d bytes exceeds the fragment size", len(pkt))
			}
		}
		return true
	})
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	if frags.Load() < 10 {
		t.Fatalf("only %d fragments for RSA certificate exchanges", frags.Load())
	}
	pairChildren(t, tb.cev.wait(t, EventChildUp).Child, tb.sev.wait(t, EventChildUp).Child)
}

// TestFragmentLoss: the first copy of fragment 2 of every fragmented
// message is lost; the sender retransmits all fragments (requests) or
// the responder resends its whole cached response (duplicates), and
// reassembly drops the fragments it already has.
func TestFragmentLoss(t *testing.T) {
	ca, gw, cl := certPair(t, pki.ECDSAP256)
	c, s := certConfigs(ca, gw, cl)
	c.FragmentSize, s.FragmentSize = 150, 150
	tb := newTestbed(t, s)
	type key struct {
		resp bool
		id   uint32
	}
	var mu sync.Mutex
	lost := map[key]bool{}
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		m, err := wire.Decode(pkt)
		if err != nil || len(m.Payloads) != 1 {
			return true
		}
		f, ok := m.Payloads[0].(*wire.SKF)
		if !ok || f.FragmentNumber != 2 {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		k := key{m.IsResponse(), m.MessageID}
		if lost[k] {
			return true
		}
		lost[k] = true
		return false
	})
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lost) < 2 {
		t.Fatalf("only %d fragmented messages", len(lost))
	}
}

// TestDuplicateAnsweredFromCache: the first IKE_AUTH response is lost;
// the client retransmits the request and the server answers from its
// cache (the same bytes) without processing the request twice.
func TestDuplicateAnsweredFromCache(t *testing.T) {
	tb := newTestbed(t, pskServer())
	var mu sync.Mutex
	var responses [][]byte
	tb.pipe.Filter(func(pkt []byte, from, _ netip.AddrPort) bool {
		h, err := wire.DecodeHeader(pkt)
		if err != nil || h.Exchange != wire.IKE_AUTH || !h.IsResponse() {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		responses = append(responses, append([]byte(nil), pkt...))
		return len(responses) > 1 // lose the first
	})
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(responses) < 2 || !bytes.Equal(responses[0], responses[1]) {
		t.Fatalf("%d responses; resent response differs: %v", len(responses), len(responses) >= 2)
	}
	time.Sleep(20 * time.Millisecond)
	if n := len(tb.sev.all(EventChildUp)); n != 1 {
		t.Fatalf("server installed %d Child SAs, want 1", n)
	}
}

// TestTimeout: nobody answers; after RetransmitN tries the SA ends with
// ErrTimeout and a message that tells the user what to check.
func TestTimeout(t *testing.T) {
	tb := newTestbed(t, pskServer())
	tb.pipe.Filter(func([]byte, netip.AddrPort, netip.AddrPort) bool { return false })
	start := time.Now()
	_, err := tb.connect(t, pskClient())
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v", err)
	}
	// 20+40+80+160+320 ms of waiting for 6 tries.
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("gave up after %v, before the backoff schedule ran out", d)
	}
	if ev := tb.cev.wait(t, EventClosed); ev.Message == "" {
		t.Error("no user message")
	}
}

// TestDeadPeerDetection: after the SA is up the gateway vanishes; the
// client's empty INFORMATIONAL probes go unanswered and the SA ends with
// a dead-peer error and ChildDown events.
func TestDeadPeerDetection(t *testing.T) {
	tb := newTestbed(t, pskServer())
	c := pskClient()
	c.DPDInterval = 30 * time.Millisecond
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	// While the gateway answers, probes keep the SA alive.
	time.Sleep(150 * time.Millisecond)
	if len(tb.cev.all(EventClosed)) != 0 {
		t.Fatal("SA closed while the peer answers DPD")
	}
	var probes atomic.Int32
	tb.pipe.Filter(func(pkt []byte, from, _ netip.AddrPort) bool {
		if from.Addr() == clientAddr {
			probes.Add(1)
		}
		return from.Addr() != serverAddr
	})
	ev := tb.cev.wait(t, EventClosed)
	if !errors.Is(ev.Err, errDeadPeer) {
		t.Fatalf("closed with %v", ev.Err)
	}
	// A probe may already be on its way when the gateway vanishes, so
	// RetransmitN-1 or RetransmitN copies cross the cut; never more.
	if p := probes.Load(); p < int32(c.RetransmitN-1) || p > int32(c.RetransmitN) {
		t.Errorf("%d probes, want %d tries", p, c.RetransmitN)
	}
	if len(tb.cev.all(EventChildDown)) != 1 {
		t.Error("no ChildDown event")
	}
}

// TestDelete: the client closes; the server sees the Delete and ends
// with ErrPeerDeleted, both report their Child SA gone.
func TestDelete(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sa.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if sa.Err() != nil || sa.State() != StateClosed {
		t.Fatalf("client: %v %v", sa.Err(), sa.State())
	}
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrPeerDeleted) {
		t.Fatalf("server: %v", ev.Err)
	}
	if len(tb.sev.all(EventChildDown)) != 1 || len(tb.cev.all(EventChildDown)) != 1 {
		t.Fatal("child down not reported on both sides")
	}
	if len(tb.server.SAs()) != 0 || len(tb.client.SAs()) != 0 {
		t.Fatal("SAs still registered")
	}
}

// TestDeleteChild: INFORMATIONAL D(ESP) removes the Child SA on both
// sides and keeps the IKE SA.
func TestDeleteChild(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	c := tb.cev.wait(t, EventChildUp).Child
	if err := sa.DeleteChild(c.InSPI); err != nil {
		t.Fatal(err)
	}
	if got := tb.sev.wait(t, EventChildDown).Child; got.OutSPI != c.InSPI {
		t.Fatalf("server deleted %s", got)
	}
	tb.cev.wait(t, EventChildDown)
	if sa.State() != StateEstablished {
		t.Fatal("IKE SA not established after child delete")
	}
}

// TestWindowSize: the gateway announces SET_WINDOW_SIZE 4, so the client
// may keep two requests (a liveness check and a Child rekey) in flight
// at once; with the default window of 1 the second waits for the first
// response. Responses are held back to observe this.
func TestWindowSize(t *testing.T) {
	for _, window := range []int{1, 4} {
		s := pskServer()
		s.WindowSize = window
		tb := newTestbed(t, s)
		sa, err := tb.connect(t, pskClient())
		if err != nil {
			t.Fatal(err)
		}
		child := tb.cev.wait(t, EventChildUp).Child
		release := make(chan struct{})
		var mu sync.Mutex
		ids := map[uint32]bool{}
		tb.pipe.Filter(func(pkt []byte, from, _ netip.AddrPort) bool {
			if from.Addr() == serverAddr {
				<-release
				return true
			}
			if h, err := wire.DecodeHeader(pkt); err == nil {
				mu.Lock()
				ids[h.MessageID] = true
				mu.Unlock()
			}
			return true
		})
		sa.DPD()
		sa.RekeyChild(child.InSPI)
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		got := int32(len(ids))
		mu.Unlock()
		close(release)
		tb.cev.wait(t, EventChildRekeyed)
		want := int32(min(window, 2))
		if got != want {
			t.Errorf("window %d: %d requests in flight, want %d", window, got, want)
		}
	}
}

// TestDPDRetrySchedule: with DPDRetry the probes are spaced evenly, so
// a dead peer is declared after about interval + tries*retry (the seed's
// "dpd 30 6" gives about 66 s; here 30 ms and 10 ms).
func TestDPDRetrySchedule(t *testing.T) {
	tb := newTestbed(t, pskServer())
	c := pskClient()
	c.DPDInterval, c.DPDRetry, c.RetransmitN = 30*time.Millisecond, 10*time.Millisecond, 6
	if _, err := tb.connect(t, c); err != nil {
		t.Fatal(err)
	}
	tb.pipe.Filter(func(_ []byte, from, _ netip.AddrPort) bool { return from.Addr() != serverAddr })
	start := time.Now()
	ev := tb.cev.wait(t, EventClosed)
	d := time.Since(start)
	if !errors.Is(ev.Err, errDeadPeer) {
		t.Fatalf("closed with %v", ev.Err)
	}
	// Exponential backoff from 20 ms would take over a second.
	if d < 60*time.Millisecond || d > 600*time.Millisecond {
		t.Errorf("dead peer declared after %v, want about 90 ms", d)
	}
}
