package profile

import (
	"strings"
	"testing"
)

func TestPeerTrackConditions(t *testing.T) {
	base := "[auth]\nmethod = \"psk\"\nidentity = \"r1.example.com\"\n" +
		"[[track_object]]\nname = \"uplink\"\nprobe = \"tcp\"\ntarget = \"192.0.2.9:443\"\n"
	cases := []struct {
		track string
		ok    bool
	}{
		{"uplink", true},
		{"uplink up", true},
		{"uplink down", true},
		{" uplink  down ", true},
		{"uplink sideways", false},
		{"uplink up now", false},
		{"other", false},
		{"other down", false},
		{"   ", false},
	}
	for _, c := range cases {
		src := base + "[[peer]]\nhost = \"192.0.2.1\"\ntrack = \"" + c.track + "\"\n"
		_, err := ParseForTest(src)
		if c.ok && err != nil {
			t.Errorf("track %q: %v", c.track, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "test.toml:10:")) {
			t.Errorf("track %q: err %v, want one at test.toml:10", c.track, err)
		}
	}
}
