package ike

import (
	"context"
	"errors"
	"testing"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// reentrantCalls makes, from an event handler, every call that waits for
// the SA goroutine and reports those that did not fail with ErrReentrant.
// Had any of them waited, the handler would never return.
func reentrantCalls(sa *SA, ep *Endpoint, child *ChildSA) []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var bad []string
	for name, err := range map[string]error{
		"Close":          sa.Close(ctx),
		"RekeyChild":     sa.RekeyChild(child.InSPI),
		"DeleteChild":    sa.DeleteChild(child.InSPI),
		"RekeyIKE":       sa.RekeyIKE(),
		"DPD":            sa.DPD(),
		"Redirect":       sa.Redirect(wire.GatewayID{}),
		"Endpoint.Close": ep.Close(),
	} {
		if !errors.Is(err, ErrReentrant) {
			bad = append(bad, name+": "+errString(err))
		}
	}
	return bad
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// TestSAMethodsFromHandler: an event handler that calls back into its SA
// gets ErrReentrant at once from the methods that would wait for the SA
// goroutine (the handler runs on it), and correct answers from the
// reads; the SA carries on afterwards.
func TestSAMethodsFromHandler(t *testing.T) {
	tb := newTestbed(t, pskServer())
	type report struct {
		bad      []string
		children int
		spii     uint64
		remoteOK bool
	}
	reports := make(chan report, 1)
	tb.cev.setHook(func(ev Event) {
		if ev.Kind != EventChildUp {
			return
		}
		r := report{bad: reentrantCalls(ev.SA, tb.client, ev.Child), children: len(ev.SA.Children()), remoteOK: ev.SA.Remote() == serverIKE}
		r.spii, _ = ev.SA.SPIs()
		reports <- r
	})
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-reports:
		if len(r.bad) > 0 {
			t.Errorf("calls from the handler did not fail with ErrReentrant: %v", r.bad)
		}
		if spii, _ := sa.SPIs(); r.children != 1 || r.spii != spii || !r.remoteOK {
			t.Errorf("reads from the handler: %d children, SPIi %x (want %x), remote ok %v", r.children, r.spii, spii, r.remoteOK)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler deadlocked")
	}
	tb.cev.setHook(nil)
	if err := sa.RekeyChild(sa.Children()[0].InSPI); err != nil {
		t.Fatal(err)
	}
	tb.cev.wait(t, EventChildRekeyed)
	if err := sa.WaitUp(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSAMethodsFromHook: a responder hook calling back into its SA
// through PeerInfo.SA is refused the same way, and the peer still gets
// its tunnel.
func TestSAMethodsFromHook(t *testing.T) {
	s := pskServer()
	errs := make(chan []error, 1)
	s.ChildSelectors = func(p PeerInfo) (local, remote []wire.TrafficSelector) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		errs <- []error{p.SA.WaitUp(ctx), p.SA.RekeyIKE(), p.SA.Close(ctx)}
		return nil, nil
	}
	tb := newTestbed(t, s)
	if _, err := tb.connect(t, pskClient()); err != nil {
		t.Fatal(err)
	}
	for i, err := range <-errs {
		if !errors.Is(err, ErrReentrant) {
			t.Errorf("call %d from the hook: %v, want ErrReentrant", i, err)
		}
	}
}

// BenchmarkGoroutineID: the cost every waiting SA method pays to tell
// whether it runs on the SA goroutine.
func BenchmarkGoroutineID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		goroutineID()
	}
}
