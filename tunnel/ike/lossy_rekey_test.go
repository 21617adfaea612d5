package ike

import "testing"

// TestRekeysUnderLoss: Child and IKE rekeys and a delete still complete
// when every third datagram is lost (responses come from the cache, the
// Delete of the old IKE SA may be lost and is answered under the retired
// keys when retransmitted).
func TestRekeysUnderLoss(t *testing.T) {
	tb := newTestbed(t, pskServer())
	sa, err := tb.connect(t, pskClient())
	if err != nil {
		t.Fatal(err)
	}
	c := tb.cev.wait(t, EventChildUp).Child
	tb.pipe.DropEvery(3)
	if err := sa.RekeyChild(c.InSPI); err != nil {
		t.Fatal(err)
	}
	pairChildren(t, tb.cev.wait(t, EventChildRekeyed).Child, tb.sev.wait(t, EventChildRekeyed).Child)
	sa.RekeyIKE()
	tb.cev.wait(t, EventIKERekeyed)
	tb.sev.wait(t, EventIKERekeyed)
	ci, cr := sa.SPIs()
	si, sr := tb.server.SAs()[0].SPIs()
	if ci != si || cr != sr {
		t.Fatal("SPIs differ after rekey under loss")
	}
	sa.DPD()
	n := sa.Children()
	if len(n) != 1 {
		t.Fatalf("%d children", len(n))
	}
	if err := sa.RekeyChild(n[0].InSPI); err != nil {
		t.Fatal(err)
	}
	pairChildren(t, tb.cev.wait(t, EventChildRekeyed).Child, tb.sev.wait(t, EventChildRekeyed).Child)
}
