package esp

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"
)

// events collects lifetime events from the packet path.
type events struct {
	mu  sync.Mutex
	got []LifetimeEvent
	ch  chan LifetimeEvent
}

func newEvents() *events { return &events{ch: make(chan LifetimeEvent, 16)} }

func (e *events) record(ev LifetimeEvent) {
	e.mu.Lock()
	e.got = append(e.got, ev)
	e.mu.Unlock()
	select { // never block the packet path, as OnLifetime requires
	case e.ch <- ev:
	default:
	}
}

func (e *events) list() []LifetimeEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]LifetimeEvent(nil), e.got...)
}

func TestLifetimePacketsOutbound(t *testing.T) {
	ev := newEvents()
	cfg := suites[0].config(0x1000, false)
	cfg.Lifetime = Lifetime{SoftPackets: 5, HardPackets: 10}
	cfg.OnLifetime = ev.record
	out, _ := suites[0].pairWith(t, cfg)
	for i := 1; i <= 12; i++ {
		_, err := trySeal(out, pattern(100, 0))
		if wantErr := i > 10; wantErr != errors.Is(err, ErrHardLifetime) || (!wantErr && err != nil) {
			t.Fatalf("packet %d: err %v", i, err)
		}
		if got, want := len(ev.list()), eventsAfter(i, 5, 10); got != want {
			t.Fatalf("packet %d: %d events, want %d", i, got, want)
		}
	}
	want := []LifetimeEvent{
		{SPI: 0x1000, Outbound: true, Kind: LimitPackets},
		{SPI: 0x1000, Outbound: true, Hard: true, Kind: LimitPackets},
	}
	if got := ev.list(); got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("events %+v, want %+v", got, want)
	}
	st := out.Stats()
	if st.Packets != 10 || st.Bytes != 1000 || st.Drops.HardLifetime != 2 || !out.Expired() {
		t.Fatalf("stats %+v expired %v", st, out.Expired())
	}
}

// eventsAfter is how many events a packet-limited SA has raised after i
// packets: the soft one at the soft limit, the hard one just past the hard.
func eventsAfter(i, soft, hard int) int {
	switch {
	case i > hard:
		return 2
	case i >= soft:
		return 1
	}
	return 0
}

func TestLifetimeBytesInbound(t *testing.T) {
	ev := newEvents()
	cfg := suites[3].config(0x1000, true)
	cfg.Lifetime = Lifetime{SoftBytes: 1000, HardBytes: 2000}
	cfg.OnLifetime = ev.record
	out, in := suites[3].pairWith(t, cfg)
	// 300-byte packets: soft at the 4th (1200), hard refuses the 7th (2100).
	for i := 1; i <= 8; i++ {
		pkt, err := trySeal(out, pattern(300, byte(i)))
		if i >= 7 {
			if !errors.Is(err, ErrHardLifetime) {
				t.Fatalf("seal %d: err %v", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seal %d: %v", i, err)
		}
		mustOpen(t, in, pkt, pattern(300, byte(i)))
	}
	if st := in.Stats(); st.Bytes != 1800 || st.Packets != 6 {
		t.Fatalf("inbound stats %+v", st)
	}
	// Each direction reports soft then hard, outbound and inbound apart.
	var soft, hard int
	for _, e := range ev.list() {
		if e.Kind != LimitBytes {
			t.Fatalf("event %+v", e)
		}
		if e.Hard {
			hard++
		} else {
			soft++
		}
	}
	if soft != 2 || hard != 1 { // inbound never crossed its hard limit
		t.Fatalf("soft %d hard %d events: %+v", soft, hard, ev.list())
	}
}

func TestLifetimeTime(t *testing.T) {
	ev := newEvents()
	cfg := suites[0].config(0x1000, false)
	cfg.Lifetime = Lifetime{SoftTime: 20 * time.Millisecond, HardTime: 60 * time.Millisecond}
	cfg.OnLifetime = ev.record
	out, in := suites[0].pairWith(t, cfg)
	mustOpen(t, in, sealCopy(t, out, pattern(10, 0)), pattern(10, 0))
	var got []LifetimeEvent
	timeout := time.After(10 * time.Second)
	for len(got) < 4 {
		select {
		case e := <-ev.ch:
			got = append(got, e)
		case <-timeout:
			t.Fatalf("only events %+v", got)
		}
	}
	for _, e := range got {
		if e.Kind != LimitTime {
			t.Fatalf("event %+v", e)
		}
	}
	if _, err := trySeal(out, pattern(10, 0)); !errors.Is(err, ErrHardLifetime) {
		t.Fatalf("seal after hard time: %v", err)
	}
	if _, _, err := in.Open(make([]byte, 64)); !errors.Is(err, ErrHardLifetime) {
		t.Fatalf("open after hard time: %v", err)
	}
}

func TestSequenceSoftLimit(t *testing.T) {
	ev := newEvents()
	cfg := suites[0].config(0x1000, false)
	cfg.OnLifetime = ev.record
	out, _ := suites[0].pairWith(t, cfg)
	out.seq.Store(out.seqSoft - 2)
	sealCopy(t, out, nil)
	if len(ev.list()) != 0 {
		t.Fatalf("early event %+v", ev.list())
	}
	sealCopy(t, out, nil)
	sealCopy(t, out, nil)
	if got := ev.list(); len(got) != 1 || got[0].Kind != LimitSequence || got[0].Hard {
		t.Fatalf("events %+v", got)
	}
}

func TestSeqExhaustion(t *testing.T) {
	for _, c := range []struct {
		esn  bool
		last uint64
	}{{false, math.MaxUint32}, {true, math.MaxUint64}} {
		ev := newEvents()
		cfg := suites[0].config(0x1000, c.esn)
		cfg.OnLifetime = ev.record
		out, in := suites[0].pairWith(t, cfg)
		out.seq.Store(c.last - 2)
		in.window.top = c.last - 2
		for range 2 {
			pkt := sealCopy(t, out, pattern(20, 1))
			mustOpen(t, in, pkt, pattern(20, 1))
		}
		for range 3 {
			if _, err := trySeal(out, pattern(20, 1)); !errors.Is(err, ErrSeqExhausted) {
				t.Fatalf("esn %v: err %v", c.esn, err)
			}
		}
		if out.LastSeq() != c.last || out.Stats().Drops.SeqExhausted != 3 || !out.Expired() {
			t.Fatalf("esn %v: last %#x, stats %+v, expired %v", c.esn, out.LastSeq(), out.Stats(), out.Expired())
		}
		want := []LifetimeEvent{
			{SPI: 0x1000, Outbound: true, Kind: LimitSequence},
			{SPI: 0x1000, Outbound: true, Hard: true, Kind: LimitSequence},
		}
		if got := ev.list(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("esn %v: events %+v, want %+v", c.esn, got, want)
		}
	}
}

// TestSeqExhaustionConcurrent races many goroutines for the last few
// sequence numbers: each is used exactly once and none wraps.
func TestSeqExhaustionConcurrent(t *testing.T) {
	out, _ := suites[0].pair(t, false)
	const left = 100
	out.seq.Store(math.MaxUint32 - left)
	var mu sync.Mutex
	seen := map[uint32]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				pkt, err := trySeal(out, pattern(8, 0))
				if err != nil {
					continue
				}
				mu.Lock()
				seq := uint32(pkt[4])<<24 | uint32(pkt[5])<<16 | uint32(pkt[6])<<8 | uint32(pkt[7])
				if seen[seq] || seq <= math.MaxUint32-left {
					t.Errorf("seq %#x reused or out of range", seq)
				}
				seen[seq] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != left || out.Stats().Drops.SeqExhausted != 8*50-left {
		t.Fatalf("%d packets sealed, stats %+v", len(seen), out.Stats())
	}
}

func TestClose(t *testing.T) {
	out, in := suites[0].pair(t, false)
	pkt := sealCopy(t, out, pattern(10, 0))
	out.Close()
	in.Close()
	if _, err := trySeal(out, pattern(10, 0)); !errors.Is(err, ErrClosed) {
		t.Fatalf("seal after close: %v", err)
	}
	if _, _, err := in.Open(pkt); !errors.Is(err, ErrClosed) {
		t.Fatalf("open after close: %v", err)
	}
}

func TestLifetimeConfigRejected(t *testing.T) {
	bad := []Lifetime{
		{SoftBytes: 10, HardBytes: 5},
		{SoftPackets: 10, HardPackets: 5},
		{SoftTime: time.Hour, HardTime: time.Minute},
		{HardTime: -1},
	}
	for _, l := range bad {
		cfg := suites[0].config(0x1000, false)
		cfg.Lifetime = l
		if _, err := NewOutbound(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err %v", l, err)
		}
	}
}
