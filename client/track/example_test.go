package track_test

import (
	"context"
	"fmt"

	"flexvpn/client/profile"
	"flexvpn/client/track"
)

// A connect = "track" profile follows its condition: Follow says when to
// bring the tunnel up and down. Here a fake probe stands in for a TCP
// check of the primary gateway.
func ExampleTracker_Follow() {
	p := &profile.Profile{
		Name: "backup", Connect: profile.ConnectTrack, Track: "primary down",
		Objects: []profile.TrackOb{{Name: "primary", Probe: "tcp", Target: "192.0.2.1:443"}},
	}
	tr, err := track.New(track.Config{
		Objects: p.Objects,
		NewProber: func(track.Object) (track.Prober, error) {
			return track.ProbeFunc(func(context.Context) error { return fmt.Errorf("connection refused") }), nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()
	cond, _ := track.ParseCondition(p.Track)
	ctx, cancel := context.WithCancel(context.Background())
	tr.Follow(ctx, cond, func(want bool) {
		fmt.Println("tunnel wanted:", want, "- now", tr.TunnelWanted(p))
		cancel()
	})
	// Output: tunnel wanted: true - now true
}
