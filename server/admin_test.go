package server_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/server"
)

// serveAdmin runs the admin protocol on a socket in a temporary directory.
func serveAdmin(t *testing.T, s *server.Server) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "fvadm")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "admin.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	go s.ServeAdmin(ln)
	t.Cleanup(func() { ln.Close(); os.RemoveAll(dir) })
	return path
}

func adminCall(t *testing.T, path string, req server.AdminRequest) (server.AdminResponse, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return server.AdminCall(ctx, path, req)
}

// TestAdminSocket: sessions, an unknown op, reload, disconnect (and "no
// matching session") and redirect through the JSON-lines socket.
func TestAdminSocket(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, writeConfig(t, dir, pskConfig))
	sock := serveAdmin(t, s.Server)
	c := mustDial(t, pskClient("alice@example.com"))

	r, err := adminCall(t, sock, server.AdminRequest{Op: server.OpSessions})
	if err != nil || len(r.Sessions) != 1 || r.Sessions[0].IP4 != c.Reply().Addrs[0].Addr() {
		t.Fatalf("sessions = %+v, %v", r.Sessions, err)
	}
	r, err = adminCall(t, sock, server.AdminRequest{Op: server.OpStatus})
	if err != nil || r.Status == nil {
		t.Fatalf("status = %+v, %v", r, err)
	}
	if st := r.Status; st.Sessions != 1 || len(st.Listen) == 0 || st.Listen[0].Addr() != gwAddr || st.DataPlane.IKEIn == 0 {
		t.Errorf("status = %+v: want one session, our listen address and the IKE the client sent", st)
	}
	if _, err := adminCall(t, sock, server.AdminRequest{Op: "bogus"}); !errors.Is(err, server.ErrAdmin) || !strings.Contains(err.Error(), "unknown op") {
		t.Fatalf("bogus op: %v", err)
	}
	r, err = adminCall(t, sock, server.AdminRequest{Op: server.OpReload})
	if err != nil || r.Reload == nil || len(r.Reload.Disconnected) != 0 {
		t.Fatalf("reload = %+v, %v", r.Reload, err)
	}
	if n := len(s.Sessions()); n != 1 {
		t.Fatalf("reload dropped sessions: %d left", n)
	}

	addr := c.Reply().Addrs[0].Addr().String()
	r, err = adminCall(t, sock, server.AdminRequest{Op: server.OpDisconnect, Target: addr})
	if err != nil || len(r.Ended) != 1 {
		t.Fatalf("disconnect %s = %+v, %v", addr, r, err)
	}
	waitEnded(t, c)
	_, err = adminCall(t, sock, server.AdminRequest{Op: server.OpDisconnect, Target: addr})
	if err == nil || !strings.Contains(err.Error(), "no matching session") {
		t.Fatalf("disconnect again: %v", err)
	}

	// Redirect: never to ourselves; otherwise the REDIRECT goes out to
	// the client's session. (That a client follows it is the engine's
	// and the client's job, tested there and with strongSwan in
	// test/e2e.)
	mustDial(t, pskClient("alice@example.com"))
	_, err = adminCall(t, sock, server.AdminRequest{Op: server.OpRedirect, Target: "alice@example.com", To: "127.0.0.78"})
	if err == nil || !strings.Contains(err.Error(), "this gateway") {
		t.Fatalf("redirect to ourselves: %v", err)
	}
	r, err = adminCall(t, sock, server.AdminRequest{Op: server.OpRedirect, Target: "alice@example.com", To: "192.0.2.2"})
	if err != nil || len(r.Ended) != 1 {
		t.Fatalf("redirect = %+v, %v", r, err)
	}
	_, err = adminCall(t, sock, server.AdminRequest{Op: server.OpRedirect, Target: "nobody", To: "192.0.2.2"})
	if err == nil || !strings.Contains(err.Error(), "no matching session") {
		t.Fatalf("redirect of nobody: %v", err)
	}
}

// TestReloadShrinksPool: a reload keeps sessions whose address the new
// pool still offers and disconnects the others; new sessions use the
// new policy at once.
func TestReloadShrinksPool(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, writeConfig(t, dir, pskConfig))
	a := mustDial(t, pskClient("alice@example.com"))
	b := mustDial(t, pskClient("bob@example.com"))
	addrA, addrB := a.Reply().Addrs[0].Addr(), b.Reply().Addrs[0].Addr()
	if addrA != netip.MustParseAddr("203.0.113.2") || addrB != netip.MustParseAddr("203.0.113.3") {
		t.Fatalf("addresses %s %s; the test expects the pool's first two", addrA, addrB)
	}
	// Exclude bob's address and change the DNS server.
	text := strings.Replace(pskConfig, `gateway = "203.0.113.1"`, "gateway = \"203.0.113.1\"\nexclude = [\"203.0.113.3\"]", 1)
	text = strings.Replace(text, `dns = ["198.51.100.53"]`, `dns = ["198.51.100.54"]`, 1)
	next := writeConfig(t, dir, text)
	res, err := s.Reload(context.Background(), next)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Disconnected) != 1 || len(res.NeedRestart) != 0 {
		t.Fatalf("reload result %+v", res)
	}
	waitEnded(t, b)
	list := s.Sessions()
	if len(list) != 1 || list[0].IP4 != addrA {
		t.Fatalf("sessions after reload: %+v", list)
	}
	c := mustDial(t, pskClient("carol@example.com"))
	if got := c.Reply(); got.Addrs[0].Addr() == addrA || got.Addrs[0].Addr() == addrB || got.DNS[0].String() != "198.51.100.54" {
		t.Fatalf("new session after reload: %+v", got)
	}
}

// TestServerIdentityCap: a second session of one identity is refused
// with AUTHENTICATION_FAILED when the cap is one. The client leaves
// INITIAL_CONTACT out, as a second tunnel must.
func TestServerIdentityCap(t *testing.T) {
	text := pskConfig + "\n[limits]\nsessions_per_identity = 1\n"
	s := startServer(t, writeConfig(t, t.TempDir(), text))
	cfg := pskClient("dave@example.com")
	cfg.NoInitialContact = true
	mustDial(t, cfg)
	_, err := dial(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "AUTHENTICATION_FAILED") {
		t.Fatalf("second session of one identity: %v", err)
	}
	if l := s.Sessions(); len(l) != 1 || l[0].Identity != "email:dave@example.com" {
		t.Fatalf("sessions = %+v", l)
	}
	mustDial(t, pskClient("erin@example.com"))
}

// TestServerRedirectNewClients: with [redirect] on, new clients are sent
// to the configured gateway during IKE_SA_INIT or IKE_AUTH and hold no
// session here.
func TestServerRedirectNewClients(t *testing.T) {
	for _, on := range []string{"init", "auth"} {
		t.Run(on, func(t *testing.T) {
			text := pskConfig + "\n[redirect]\non = \"" + on + "\"\ngateways = [\"192.0.2.2\"]\n"
			s := startServer(t, writeConfig(t, t.TempDir(), text))
			_, err := dial(t, pskClient("alice@example.com"))
			var re *client.RedirectError
			if !errors.As(err, &re) || re.Target != "192.0.2.2" {
				t.Fatalf("dial = %v, want a redirect to 192.0.2.2", err)
			}
			if n := len(s.Sessions()); n != 0 {
				t.Fatalf("%d sessions after a redirect", n)
			}
		})
	}
}
