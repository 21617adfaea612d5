package server

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"flexvpn/tunnel/ike"
)

// idleServer is a Server with no engine or data plane: enough for the
// admin protocol, whose commands then find no sessions.
func idleServer() *Server {
	s := &Server{log: slog.New(slog.DiscardHandler), reg: NewRegistry(Limits{}, nil),
		pending: map[*ike.SA]*live{}, bySA: map[*ike.SA]*live{}, peers: map[*ike.SA]ike.Identity{}}
	s.cfg.Store(&Config{Path: "/nonexistent/flexvpn-server.toml"})
	return s
}

// FuzzAdminConn feeds arbitrary lines to the admin protocol: it must
// never panic and must answer every line with one JSON object.
func FuzzAdminConn(f *testing.F) {
	for _, seed := range []string{
		`{"op":"sessions"}`, `{"op":"disconnect","target":"alice"}`, `{"op":"redirect","target":"1","to":"192.0.2.2"}`,
		`{"op":"reload"}`, `{"op":"redirect","target":"1","to":""}`, `not json`, `{"op":7}`, `[]`, `{}`,
	} {
		f.Add(seed)
	}
	s := idleServer()
	f.Fuzz(func(t *testing.T, line string) {
		line = strings.ReplaceAll(line, "\n", " ")
		a, b := net.Pipe()
		go s.serveAdminConn(a)
		defer b.Close()
		b.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := b.Write([]byte(line + "\n")); err != nil {
			t.Fatal(err)
		}
		resp, err := bufio.NewReader(b).ReadBytes('\n')
		if err != nil {
			t.Fatalf("no answer to %q: %v", line, err)
		}
		var r AdminResponse
		if err := json.Unmarshal(resp, &r); err != nil {
			t.Fatalf("answer %q is not JSON: %v", resp, err)
		}
		if r.OK && !strings.Contains(line, "sessions") {
			t.Fatalf("%q succeeded on a server without sessions: %s", line, resp)
		}
	})
}

// FuzzReadAdminResponse: the CLI's decoder of the server's answer.
func FuzzReadAdminResponse(f *testing.F) {
	f.Add(`{"ok":true,"sessions":[{"id":1,"identity":"alice","peer":"192.0.2.2:4500","ip4":"203.0.113.2","since":"2026-01-01T00:00:00Z","bytes_in":1,"bytes_out":2}]}`)
	f.Add(`{"ok":false,"error":"no matching session"}`)
	f.Add(`{"ok":true,"reload":{"need_restart":["proposals"]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := readAdminResponse(strings.NewReader(s))
		if err == nil && !r.OK {
			t.Fatalf("%q: no error for a failed answer", s)
		}
	})
}
