package esp

import (
	"sync"
	"testing"
)

// TestConcurrentSealOpen seals from several goroutines into one channel
// and opens from several others: every packet opens exactly once, and the
// counters add up. Run with -race to check the shared state.
func TestConcurrentSealOpen(t *testing.T) {
	for _, s := range []suite{suites[0], suites[2], suites[3]} {
		t.Run(s.name, func(t *testing.T) {
			out, in := s.pair(t, true)
			const senders, perSender = 4, 500
			pkts := make(chan []byte, 64)
			var send sync.WaitGroup
			for g := range senders {
				send.Go(func() {
					for i := range perSender {
						pkt, err := trySeal(out, pattern(64+i%100, byte(g)))
						if err != nil {
							t.Errorf("seal: %v", err)
							return
						}
						pkts <- pkt
					}
				})
			}
			go func() { send.Wait(); close(pkts) }()
			var recv sync.WaitGroup
			for range 3 {
				recv.Go(func() {
					for pkt := range pkts {
						if _, _, err := in.Open(pkt); err != nil {
							t.Errorf("open: %v", err)
						}
					}
				})
			}
			recv.Wait()
			so, si := out.Stats(), in.Stats()
			if so.Packets != senders*perSender || si.Packets != so.Packets || si.Bytes != so.Bytes {
				t.Fatalf("out %+v in %+v", so, si)
			}
		})
	}
}
