package track

import (
	"context"
	"testing"
	"testing/synctest"

	"flexvpn/client/profile"
)

// BenchmarkEligible measures the check client.Conn makes for every
// gateway it considers: it must not allocate.
func BenchmarkEligible(b *testing.B) {
	tr, err := New(Config{
		Objects:   []profile.TrackOb{{Name: "uplink", Probe: "interface", Target: "lo"}},
		NewProber: func(Object) (Prober, error) { return ProbeFunc(func(context.Context) error { return nil }), nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	tr.Close() // the state stays readable; only probing stops
	b.ReportAllocs()
	for b.Loop() {
		tr.Eligible("uplink down")
		tr.Eligible("uplink")
	}
}

func TestEligibleDoesNotAllocate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := fakeTracker(t, map[string]*script{"a": {results: results(".")}}, "a")
		defer tr.Close()
		synctest.Wait()
		if n := testing.AllocsPerRun(100, func() { tr.Eligible("a up") }); n != 0 {
			t.Fatalf("Eligible allocates %v times per call", n)
		}
	})
}
