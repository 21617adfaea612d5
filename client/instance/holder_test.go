package instance

import (
	"testing"
	"time"
)

func TestHolderRoundTripAndNames(t *testing.T) {
	h := Holder{Kind: KindConnect, Profile: "corp", PID: 42, Since: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	got, ok := parseHolder(h.encode())
	if !ok || got != h {
		t.Fatalf("round trip = %+v %v", got, ok)
	}
	for _, tc := range []struct {
		h    Holder
		want string
	}{
		{h, "flexvpn connect (profile corp, pid 42)"},
		{Holder{Kind: KindDaemon, PID: 7}, "flexvpn daemon (pid 7)"},
		{Holder{}, "flexvpn instance"},
	} {
		if s := tc.h.String(); s != tc.want {
			t.Errorf("%+v names itself %q, want %q", tc.h, s, tc.want)
		}
	}
}

func TestParseHolderRefusesWhatIsNotAHolder(t *testing.T) {
	for _, in := range []string{"", "garbage", `{"pid":-1}`, `{"kind":"` + string(make([]byte, 40)) + `"}`, "[1,2]"} {
		if h, ok := parseHolder([]byte(in)); ok {
			t.Errorf("parseHolder(%q) = %+v, want refused", in, h)
		}
	}
}

func FuzzParseHolder(f *testing.F) {
	f.Add([]byte(`{"kind":"daemon","pid":1,"since":"2026-11-27T10:00:00Z"}`))
	f.Add([]byte(`{"kind":"connect","profile":"corp","pid":42}`))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ok := parseHolder(b)
		if !ok {
			return
		}
		again, ok := parseHolder(h.encode())
		if !ok || again.Kind != h.Kind || again.Profile != h.Profile || again.PID != h.PID || !again.Since.Equal(h.Since) {
			t.Fatalf("%q: re-encoded holder %+v reads back as %+v", b, h, again)
		}
	})
}
