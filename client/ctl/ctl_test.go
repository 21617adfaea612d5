package ctl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDecodeRequestStrict(t *testing.T) {
	cases := []struct {
		line string
		want error // nil: accepted
	}{
		{`{"v":1,"op":"up","profile":"corp"}`, nil},
		{`{"v":1,"op":"status"}`, nil},
		{`{"v":1,"op":"trace","profile":"branch-2.lan"}` + "\n", nil},
		{`{"v":2,"op":"status"}`, ErrVersion},
		{`{"op":"status"}`, ErrVersion},
		{`{"v":1,"op":"status","extra":1}`, ErrBadRequest},
		{`{"v":1,"op":"reboot"}`, ErrBadRequest},
		{`{"v":1,"op":"up"}`, ErrBadRequest},
		{`{"v":1,"op":"down","profile":"../etc/passwd"}`, ErrBadRequest},
		{`{"v":1,"op":"down","profile":"-x"}`, ErrBadRequest},
		{`{"v":1,"op":"status"} {"v":1,"op":"status"}`, ErrBadRequest},
		{`{"v":1,"op":"status"}x`, ErrBadRequest},
		{`[1,2]`, ErrBadRequest},
		{``, ErrBadRequest},
		{`{"v":1,"op":"up","profile":"` + strings.Repeat("a", MaxProfileName+1) + `"}`, ErrBadRequest},
		{`{"v":1,"op":"status","profile":"` + strings.Repeat("a", MaxRequestLine) + `"}`, ErrLineTooLong},
	}
	for _, c := range cases {
		_, err := DecodeRequest([]byte(c.line))
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("DecodeRequest(%.60q) = %v, want %v", c.line, err, c.want)
		}
	}
}

func TestDecodeResponseStrict(t *testing.T) {
	for _, line := range []string{
		`{"v":1,"ok":false}`,                       // failure must say why
		`{"v":1,"ok":true,"status":[{"bogus":1}]}`, // unknown nested field
		`{"v":0,"ok":true}`,
		`{"v":1,"ok":true,"status":[{"profile":"a","addrs":["10.0.0.1"]}]}`, // not a prefix
	} {
		if _, err := DecodeResponse([]byte(line)); err == nil {
			t.Errorf("DecodeResponse(%s) accepted", line)
		}
	}
}

func sampleStatus() Status {
	return Status{
		Profile: "corp", Connect: "auto", State: "connected", Gateway: "gw1.example.com",
		Addrs:        []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32"), netip.MustParsePrefix("2001:db8::2/128")},
		DefaultRoute: true, Since: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), LastError: "dpd timeout",
		Trace:  []Event{{Time: time.Date(2026, 11, 27, 7, 59, 0, 0, time.UTC), State: "connecting", Gateway: "gw1.example.com", Message: "connecting\nnow"}},
		Banner: "Authorized use only.", KeyExchange: "x25519 + ML-KEM-768",
		Track: []TrackObject{{Name: "uplink", State: "down", Since: time.Date(2026, 11, 27, 7, 58, 0, 0, time.UTC),
			Reason: "3 probes failed in a row, last: connection refused", LastError: "connection refused"}},
	}
}

func TestRoundTrip(t *testing.T) {
	req := Request{V: Version, Op: OpTrace, Profile: "corp"}
	b, err := EncodeLine(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRequest(b)
	if err != nil || got != req {
		t.Fatalf("request round trip: %+v, %v", got, err)
	}
	resp := Response{V: Version, OK: true, Status: []Status{sampleStatus()}}
	b, err = EncodeLine(resp)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), "\n") != 1 {
		t.Fatalf("response spans lines: %q", b)
	}
	back, err := DecodeResponse(b)
	if err != nil || !reflect.DeepEqual(back, resp) {
		t.Fatalf("response round trip:\n got %+v\nwant %+v\n%v", back, resp, err)
	}
}

func TestReadLineLimit(t *testing.T) {
	r := bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 100)+"\nok\n"), 16)
	if _, err := ReadLine(r, 50); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("long line: %v", err)
	}
	r = bufio.NewReaderSize(strings.NewReader(strings.Repeat("y", 40)+"\nok\npartial"), 16)
	if l, err := ReadLine(r, 40); err != nil || len(l) != 40 {
		t.Fatalf("line at the limit: %q %v", l, err)
	}
	if l, err := ReadLine(r, 40); err != nil || string(l) != "ok" {
		t.Fatalf("second line: %q %v", l, err)
	}
	if _, err := ReadLine(r, 40); err == nil {
		t.Fatal("unterminated line accepted")
	}
}

// fakeBackend records calls and answers from a map of profiles.
type fakeBackend struct {
	mu    sync.Mutex
	state map[string]string
	calls []string
}

func (f *fakeBackend) Up(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "up "+name)
	if _, ok := f.state[name]; !ok {
		return fmt.Errorf("no profile %q", name)
	}
	f.state[name] = "connecting"
	return nil
}

func (f *fakeBackend) Down(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "down "+name)
	f.state[name] = "idle"
	return nil
}

func (f *fakeBackend) Status(name string, trace bool) ([]Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("status %s %v", name, trace))
	var out []Status
	for n, s := range f.state {
		if name == "" || n == name {
			st := Status{Profile: n, State: s}
			if trace {
				st.Trace = []Event{{State: s, Message: "m"}}
			}
			out = append(out, st)
		}
	}
	return out, nil
}

func startServer(t *testing.T, b Backend) (*Client, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ctl.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Backend: b, IdleTimeout: 5 * time.Second, WatchInterval: 5 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &Client{Path: path}, path
}

func TestClientServer(t *testing.T) {
	b := &fakeBackend{state: map[string]string{"corp": "idle"}}
	c, _ := startServer(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Up(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, "corp", true)
	if err != nil || len(st) != 1 || st[0].State != "connecting" || len(st[0].Trace) != 1 {
		t.Fatalf("status = %+v, %v", st, err)
	}
	err = c.Up(ctx, "nope")
	if !errors.Is(err, ErrDaemon) || !strings.Contains(err.Error(), `no profile "nope"`) {
		t.Fatalf("up of a missing profile: %v", err)
	}
	if err := c.Down(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	want := []string{"up corp", "status corp true", "up nope", "down corp"}
	if !reflect.DeepEqual(b.calls, want) {
		t.Errorf("backend calls %q, want %q", b.calls, want)
	}
}

// TestServerRefusesGarbage: a malformed or oversized line gets one error
// response and the connection is closed; the backend never sees it.
func TestServerRefusesGarbage(t *testing.T) {
	b := &fakeBackend{state: map[string]string{}}
	_, path := startServer(t, b)
	for _, line := range []string{
		`{"v":1,"op":"up","profile":"x","sudo":true}`,
		strings.Repeat("z", MaxRequestLine+10),
	} {
		conn, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "%s\n", line)
		r := bufio.NewReader(conn)
		l, err := ReadLine(r, MaxResponseLine)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := DecodeResponse(l)
		if err != nil || resp.OK || resp.Error == "" {
			t.Fatalf("response %+v, %v", resp, err)
		}
		if _, err := r.ReadByte(); err == nil {
			t.Fatal("connection left open after a bad request")
		}
		conn.Close()
	}
	if len(b.calls) != 0 {
		t.Errorf("backend called: %q", b.calls)
	}
}

func TestClientNoDaemon(t *testing.T) {
	c := &Client{Path: filepath.Join(t.TempDir(), "missing.sock")}
	if err := c.Up(context.Background(), "corp"); !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("err = %v, want ErrNoDaemon", err)
	}
	if err := c.Up(context.Background(), "bad name"); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("invalid name sent: %v", err)
	}
}

func (f *fakeBackend) set(name, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state[name] = state
}

// TestWatch: the stream starts with the current status, sends each change
// once (not every poll), and ends cleanly when the client cancels.
func TestWatch(t *testing.T) {
	b := &fakeBackend{state: map[string]string{"corp": "idle"}}
	c, _ := startServer(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var seen []string
	err := c.Watch(ctx, "corp", func(st []Status) error {
		seen = append(seen, st[0].State)
		switch len(seen) {
		case 1:
			b.set("corp", "connecting")
		case 2:
			time.Sleep(50 * time.Millisecond) // ten polls without a change
			b.set("corp", "connected")
		case 3:
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("watch ended with %v", err)
	}
	if strings.Join(seen, ",") != "idle,connecting,connected" {
		t.Fatalf("watch saw %v", seen)
	}
	if ctx.Err() == nil {
		t.Fatal("watch returned before the client cancelled")
	}
}

// TestWatchEndsWithServer: closing the server ends a watch with an error
// the GUI can show, not a hang.
func TestWatchEndsWithServer(t *testing.T) {
	b := &fakeBackend{state: map[string]string{"corp": "idle"}}
	path := filepath.Join(t.TempDir(), "ctl.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Backend: b, WatchInterval: 5 * time.Millisecond}
	go srv.Serve(ln)
	got := make(chan error, 1)
	go func() {
		got <- (&Client{Path: path}).Watch(context.Background(), "", func([]Status) error {
			go srv.Close()
			return nil
		})
	}()
	select {
	case err := <-got:
		if err == nil {
			t.Fatal("watch of a closed server returned nil")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not end when the server closed")
	}
}

// TestKeyExchangeOnTheWire: the field keeps the name front ends and
// scripts read, and is left out when unknown.
func TestKeyExchangeOnTheWire(t *testing.T) {
	b, err := EncodeLine(Status{Profile: "pq", KeyExchange: "x25519 + ML-KEM-768"})
	if err != nil || !strings.Contains(string(b), `"key_exchange":"x25519 + ML-KEM-768"`) {
		t.Fatalf("encoded %s, %v", b, err)
	}
	if b, _ = EncodeLine(Status{Profile: "classic"}); strings.Contains(string(b), "key_exchange") {
		t.Fatalf("empty key exchange encoded: %s", b)
	}
}
