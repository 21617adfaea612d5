package ike

import (
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// TestChildRekey: CREATE_CHILD_SA with REKEY_SA, with and without PFS:
//
//	HDR, SK {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}  -->
//	                            <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
//	HDR, SK {D(ESP, old)}  -->   <--  HDR, SK {D(ESP, old')}
//
// Both sides report ChildRekeyed with paired new keys, then ChildDown for
// the old pair.
func TestChildRekey(t *testing.T) {
	for _, pfs := range []bool{false, true} {
		name := "no-pfs"
		if pfs {
			name = "pfs"
		}
		t.Run(name, func(t *testing.T) {
			tb := newTestbed(t, pskServer())
			c := pskClient()
			c.PFSOnRekey = pfs
			sa, err := tb.connect(t, c)
			if err != nil {
				t.Fatal(err)
			}
			old := tb.cev.wait(t, EventChildUp).Child
			oldS := tb.sev.wait(t, EventChildUp).Child
			if err := sa.RekeyChild(old.InSPI); err != nil {
				t.Fatal(err)
			}
			cr := tb.cev.wait(t, EventChildRekeyed)
			sr := tb.sev.wait(t, EventChildRekeyed)
			if cr.OldChild != old || sr.OldChild != oldS {
				t.Fatal("rekey reported for the wrong old SA")
			}
			pairChildren(t, cr.Child, sr.Child)
			if string(cr.Child.Out.Encr) == string(old.Out.Encr) {
				t.Fatal("rekeyed SA kept the old keys")
			}
			if d := tb.cev.wait(t, EventChildDown).Child; d != old {
				t.Fatalf("client deleted %s, want the old SA", d)
			}
			if d := tb.sev.wait(t, EventChildDown).Child; d != oldS {
				t.Fatalf("server deleted %s", d)
			}
			if n := len(sa.Children()); n != 1 {
				t.Fatalf("%d children after rekey", n)
			}
		})
	}
}

// TestSimultaneousChildRekey: both ends rekey the same Child SA at once.
// Both exchanges complete; the SA from the exchange with the lowest nonce
// is deleted by its initiator and the old SA by the other, leaving one
// pair on each side (RFC 7296 2.8.1).
func TestSimultaneousChildRekey(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	cOld := tb.cev.wait(t, EventChildUp).Child
	sOld := tb.sev.wait(t, EventChildUp).Child
	ssa := tb.server.SAs()[0]
	// Hold each request in its sender until both are out, so that each
	// arrives while the other end's own request is outstanding.
	var held atomic.Int32
	sent, release := make(chan struct{}, 2), make(chan struct{})
	tb.pipe.Filter(func(pkt []byte, _, _ netip.AddrPort) bool {
		if isRekeyRequest(pkt) && held.Add(1) <= 2 {
			sent <- struct{}{}
			<-release
		}
		return true
	})
	go sa.RekeyChild(cOld.InSPI)
	go ssa.RekeyChild(sOld.InSPI)
	<-sent
	<-sent
	close(release)
	// Each side installs two new SAs: its own and the peer's.
	for range 2 {
		tb.cev.wait(t, EventChildRekeyed)
		tb.sev.wait(t, EventChildRekeyed)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		cs, ss := sa.Children(), ssa.Children()
		if len(cs) == 1 && len(ss) == 1 && cs[0].OutSPI == ss[0].InSPI && cs[0].InSPI == ss[0].OutSPI {
			pairChildren(t, cs[0], ss[0])
			time.Sleep(100 * time.Millisecond)
			if len(sa.Children()) != 1 || len(ssa.Children()) != 1 {
				t.Fatal("did not stay settled")
			}
			if cs[0] == cOld {
				t.Fatal("old SA survived")
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("did not settle: client %v, server %v", sa.Children(), ssa.Children())
}

// TestIKERekey: CREATE_CHILD_SA rekeys the IKE SA; SPIs and keys change,
// the Child SA survives, the old IKE SA is deleted, and the new one works
// (a Child rekey and a DPD run over it).
func TestIKERekey(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	child := tb.cev.wait(t, EventChildUp).Child
	i0, r0 := sa.SPIs()
	sa.RekeyIKE()
	tb.cev.wait(t, EventIKERekeyed)
	tb.sev.wait(t, EventIKERekeyed)
	i1, r1 := sa.SPIs()
	if i1 == i0 || r1 == r0 {
		t.Fatal("SPIs unchanged")
	}
	ssa := tb.server.SAs()
	if len(ssa) != 1 {
		t.Fatalf("server has %d SAs", len(ssa))
	}
	if si, sr := ssa[0].SPIs(); si != i1 || sr != r1 {
		t.Fatal("server SPIs differ from client's")
	}
	if err := sa.RekeyChild(child.InSPI); err != nil {
		t.Fatal(err)
	}
	pairChildren(t, tb.cev.wait(t, EventChildRekeyed).Child, tb.sev.wait(t, EventChildRekeyed).Child)
	if len(tb.sev.all(EventClosed))+len(tb.cev.all(EventClosed)) != 0 {
		t.Fatal("an SA closed during rekey")
	}
}

// TestRedirectEstablished: the gateway redirects an established client
// (RFC 5685 INFORMATIONAL); the client reports where to go and deletes.
func TestRedirectEstablished(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	gw := wire.GatewayID{Addr: netip.MustParseAddr("192.0.2.3")}
	if err := tb.server.SAs()[0].Redirect(gw); err != nil {
		t.Fatal(err)
	}
	ev := tb.cev.wait(t, EventRedirect)
	if ev.Redirect.Addr != gw.Addr {
		t.Fatalf("redirect to %v", ev.Redirect)
	}
	select {
	case <-sa.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("client did not delete the redirected SA")
	}
	if ev := tb.sev.wait(t, EventClosed); !errors.Is(ev.Err, ErrPeerDeleted) {
		t.Fatalf("server: %v", ev.Err)
	}
}

// TestQueuedRekeyOfDeletedChild: a rekey queued behind the delete of its
// Child SA is dropped; the IKE SA carries on.
func TestQueuedRekeyOfDeletedChild(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	c := tb.cev.wait(t, EventChildUp).Child
	sa.DeleteChild(c.InSPI)
	sa.RekeyChild(c.InSPI) // queued behind the delete (window 1)
	tb.cev.wait(t, EventChildDown)
	sa.DPD()
	time.Sleep(100 * time.Millisecond)
	if sa.State() != StateEstablished || len(tb.cev.all(EventChildRekeyed)) != 0 {
		t.Fatalf("state %v after a stale rekey", sa.State())
	}
}
