package track

import (
	"errors"
	"strings"
	"testing"
	"time"

	"flexvpn/client/profile"
)

func dur(d time.Duration) profile.Duration { return profile.Duration(d) }

func TestCompileDefaults(t *testing.T) {
	objs, err := Compile([]profile.TrackOb{
		{Name: "gw", Probe: "tcp", Target: "192.0.2.1:443"},
		{Name: "wan", Probe: "interface", Target: "eth0", Interval: dur(2 * time.Second), Threshold: 5},
		{Name: "slow", Probe: "icmp", Target: "gw.example.com", Interval: dur(time.Minute)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Object{
		{Name: "gw", Probe: "tcp", Target: "192.0.2.1:443", Interval: DefaultInterval, Threshold: DefaultThreshold, Timeout: MaxTimeout},
		{Name: "wan", Probe: "interface", Target: "eth0", Interval: 2 * time.Second, Threshold: 5, Timeout: 1500 * time.Millisecond},
		{Name: "slow", Probe: "icmp", Target: "gw.example.com", Interval: time.Minute, Threshold: DefaultThreshold, Timeout: MaxTimeout},
	}
	for i := range want {
		if objs[i] != want[i] {
			t.Errorf("object %d: %+v, want %+v", i, objs[i], want[i])
		}
	}
}

func TestCompileAcceptsTargets(t *testing.T) {
	for _, ob := range []profile.TrackOb{
		{Name: "a", Probe: "tcp", Target: "[2001:db8::1]:443"},
		{Name: "b", Probe: "tcp", Target: "gw.example.com:8443"},
		{Name: "c", Probe: "dns", Target: "www.example.com"},
		{Name: "d", Probe: "dns", Target: "www.example.com@192.0.2.53"},
		{Name: "e", Probe: "dns", Target: "www.example.com@192.0.2.53:5353"},
		{Name: "f", Probe: "dns", Target: "www.example.com@2001:db8::53"},
		{Name: "g", Probe: "dns", Target: "www.example.com@[2001:db8::53]:53"},
		{Name: "h", Probe: "icmp", Target: "2001:db8::1"},
		{Name: "i", Probe: "icmp", Target: "fe80::1%eth0"},
	} {
		if err := Validate([]profile.TrackOb{ob}); err != nil {
			t.Errorf("%+v: %v", ob, err)
		}
	}
}

// TestCompileErrorsNameObjectAndFix checks that every rejection names the
// object and says what to write instead.
func TestCompileErrorsNameObjectAndFix(t *testing.T) {
	tests := []struct {
		ob   profile.TrackOb
		want []string
	}{
		{profile.TrackOb{Name: "x", Probe: "http", Target: "a"}, []string{`"x"`, `probe "http"`, "icmp, tcp, dns, interface"}},
		{profile.TrackOb{Name: "x", Probe: "tcp", Target: "192.0.2.1"}, []string{`"x"`, "needs a port", `"192.0.2.1:443"`}},
		{profile.TrackOb{Name: "x", Probe: "tcp", Target: "192.0.2.1:http"}, []string{`"x"`, "1 to 65535"}},
		{profile.TrackOb{Name: "x", Probe: "tcp", Target: "192.0.2.1:0"}, []string{`"x"`, "1 to 65535"}},
		{profile.TrackOb{Name: "x", Probe: "tcp", Target: "bad host!:80"}, []string{`"x"`, "not an address or host name"}},
		{profile.TrackOb{Name: "x", Probe: "icmp"}, []string{`"x"`, "target is missing", `target = "192.0.2.1"`}},
		{profile.TrackOb{Name: "x", Probe: "icmp", Target: "a..b"}, []string{`"x"`, "not an address or host name"}},
		{profile.TrackOb{Name: "x", Probe: "dns", Target: "example.com@dns.example"}, []string{`"x"`, "not an address", "@192.0.2.53"}},
		{profile.TrackOb{Name: "x", Probe: "interface", Target: "eth 0"}, []string{`"x"`, `target = "eth0"`}},
		{profile.TrackOb{Name: "x", Probe: "icmp", Target: "192.0.2.1", Interval: dur(time.Millisecond)}, []string{`"x"`, "too short", "at least"}},
		{profile.TrackOb{Name: "x", Probe: "icmp", Target: "192.0.2.1", Threshold: -1}, []string{`"x"`, "negative", "threshold = 3"}},
		{profile.TrackOb{Name: "", Probe: "icmp", Target: "192.0.2.1"}, []string{"#1", "one word"}},
	}
	for _, tc := range tests {
		err := Validate([]profile.TrackOb{tc.ob})
		if !errors.Is(err, ErrInvalidObject) {
			t.Errorf("%+v: err %v, want ErrInvalidObject", tc.ob, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %q lacks %q", tc.ob, err, w)
			}
		}
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	err := Validate([]profile.TrackOb{
		{Name: "a", Probe: "tcp", Target: "192.0.2.1"},
		{Name: "b", Probe: "ping", Target: "192.0.2.1"},
		{Name: "c", Probe: "icmp", Target: "192.0.2.1"},
		{Name: "c", Probe: "icmp", Target: "192.0.2.2"},
	})
	for _, w := range []string{`"a"`, `"b"`, `"c": the name is used twice`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}
