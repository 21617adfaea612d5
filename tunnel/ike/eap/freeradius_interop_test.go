package eap

// Interop of our Peer with FreeRADIUS's EAP authenticator: the test acts as
// the NAS, carrying EAP between our Peer and freeradius in RADIUS. For
// MS-CHAPv2 the MS-MPPE keys FreeRADIUS returns must equal the first 32
// octets of our MSK. Skipped when freeradius is not installed.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const freeradiusSecret = "testing123" // the localhost client of Debian's clients.conf

func TestOurPeerAgainstFreeRADIUS(t *testing.T) {
	port := startFreeRADIUS(t)
	tests := []struct {
		name     string
		methods  []Type // FreeRADIUS proposes MD5; others are reached by Nak
		password string
		want     Type
		wantErr  error
	}{
		{"MD5", nil, testPass, TypeMD5, nil},
		{"MS-CHAPv2 after Nak", []Type{TypeMSCHAPv2}, testPass, TypeMSCHAPv2, nil},
		{"GTC after Nak", []Type{TypeGTC}, testPass, TypeGTC, nil},
		{"MD5 wrong password", nil, "wrong", TypeMD5, ErrAuthFailed},
		{"MS-CHAPv2 wrong password", []Type{TypeMSCHAPv2}, "wrong", TypeMSCHAPv2, ErrAuthFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPeer(PeerConfig{Identity: testUser, Methods: tt.methods, Credentials: fixedCreds("", tt.password, nil)})
			if err != nil {
				t.Fatal(err)
			}
			keys, err := radiusConversation(t, port, p)
			if tt.wantErr != nil {
				var fe *FailureError
				if !errors.Is(err, tt.wantErr) || p.Done() {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				if tt.want == TypeMSCHAPv2 && (!errors.As(err, &fe) || fe.Code != msErrAuthFailure) {
					t.Fatalf("MS-CHAPv2 failure code lost: %v", err)
				}
				return
			}
			if err != nil || !p.Done() || p.Method() != tt.want {
				t.Fatalf("err %v, done %v, method %v", err, p.Done(), p.Method())
			}
			if tt.want != TypeMSCHAPv2 {
				return
			}
			if len(keys) != 32 || !bytes.Equal(keys, p.MSK()[:32]) {
				t.Fatalf("MPPE Recv||Send %X != MSK[:32] %X", keys, p.MSK()[:32])
			}
		})
	}
}

// startFreeRADIUS runs freeradius -X on a loopback port with a private copy
// of Debian's configuration: EAP limited to MD5, GTC and MS-CHAPv2 (no TLS
// certificates needed) and alice in the users file.
func startFreeRADIUS(t *testing.T) int {
	t.Helper()
	bin, err := exec.LookPath("freeradius")
	if err != nil {
		t.Skip("freeradius not installed: skipping FreeRADIUS interop")
	}
	if _, err := os.Stat("/etc/freeradius/3.0/radiusd.conf"); err != nil {
		t.Skip("no /etc/freeradius/3.0 configuration to start from")
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-a", "/etc/freeradius/3.0/.", dir).CombinedOutput(); err != nil {
		// Parts of Debian's configuration are readable by root and freerad only.
		t.Skipf("cannot copy /etc/freeradius/3.0 (not root?): %v %s", err, out)
	}
	writeFreeRADIUSConfig(t, dir)
	var lastErr error
	for range 3 { // a port picked free can be taken before freeradius binds it
		port := freeUDPPort(t)
		writeFreeRADIUSSite(t, dir, port)
		if lastErr = runFreeRADIUS(t, bin, dir); lastErr == nil {
			return port
		}
	}
	t.Fatalf("freeradius did not start: %v", lastErr)
	return 0
}

func writeFreeRADIUSConfig(t *testing.T, dir string) {
	t.Helper()
	eapConf := "eap {\n\tdefault_eap_type = md5\n\ttimer_expire = 60\n\tignore_unknown_eap_types = no\n" +
		"\tmax_sessions = ${max_requests}\n\tmd5 {\n\t}\n\tgtc {\n\t\tauth_type = PAP\n\t}\n\tmschapv2 {\n\t\tsend_error = yes\n\t}\n}\n"
	must(t, os.Remove(filepath.Join(dir, "mods-enabled/eap")))
	must(t, os.RemoveAll(filepath.Join(dir, "sites-enabled")))
	must(t, os.Mkdir(filepath.Join(dir, "sites-enabled"), 0o750))
	must(t, os.WriteFile(filepath.Join(dir, "mods-enabled/eap"), []byte(eapConf), 0o640))
	conf := filepath.Join(dir, "radiusd.conf")
	b, err := os.ReadFile(conf)
	must(t, err)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "raddbdir ="):
			line = "raddbdir = " + dir
		case strings.HasPrefix(trimmed, "user = "), strings.HasPrefix(trimmed, "group = "):
			line = "#" + line // stay the invoking user: the copy is private to it
		case strings.HasPrefix(trimmed, "proxy_requests"):
			line = "proxy_requests = no" // no proxy socket on all interfaces
		}
		out = append(out, line)
	}
	must(t, os.WriteFile(conf, []byte(strings.Join(out, "\n")), 0o640))
	users := filepath.Join(dir, "mods-config/files/authorize")
	old, err := os.ReadFile(users)
	must(t, err)
	entry := fmt.Sprintf("%s Cleartext-Password := %q\n", testUser, testPass)
	must(t, os.WriteFile(users, append([]byte(entry), old...), 0o640))
}

// writeFreeRADIUSSite replaces Debian's sites with one loopback listener
// and only the sections EAP MD5/GTC/MS-CHAPv2 need: files loads alice's
// password, eap drives the methods, pap and mschap check GTC and MS-CHAPv2.
func writeFreeRADIUSSite(t *testing.T, dir string, port int) {
	t.Helper()
	site := fmt.Sprintf(`server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = %d
	}
	authorize {
		files
		eap {
			ok = return
		}
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		Auth-Type MS-CHAP {
			mschap
		}
		eap
	}
	post-auth {
	}
}
`, port)
	must(t, os.WriteFile(filepath.Join(dir, "sites-enabled/flexvpn-test"), []byte(site), 0o640))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// runFreeRADIUS starts the server and waits until it says it is ready;
// t.Cleanup stops it.
func runFreeRADIUS(t *testing.T, bin, dir string) error {
	cmd := exec.Command(bin, "-X", "-d", dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan struct{})
	var mu sync.Mutex
	var lines []string // the last lines of freeradius -X, shown when a test fails
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			mu.Lock()
			lines = append(lines[max(0, len(lines)-199):], sc.Text())
			mu.Unlock()
			if !signalled && strings.Contains(sc.Text(), "Ready to process requests") {
				signalled = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if t.Failed() {
				mu.Lock()
				t.Logf("freeradius -X said:\n%s", strings.Join(lines, "\n"))
				mu.Unlock()
			}
		})
		return nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("not ready after 30s")
	}
}

// radiusConversation plays the NAS: it hands our Peer a local
// EAP-Request/Identity (as a NAS does), then relays EAP in Access-Requests
// until Accept or Reject. It returns MS-MPPE-Recv-Key||Send-Key, if any.
func radiusConversation(t *testing.T, port int, p *Peer) ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	conn, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	must(t, err)
	defer conn.Close()
	eapResp, err := p.Handle(ctx, []byte{1, 0, 0, 5, byte(TypeIdentity)})
	must(t, err)
	var state []byte
	for id := byte(1); id < 30; id++ {
		req, reply := radiusExchange(t, conn, id, eapResp, state)
		eapReq := reply.get(radEAPMessage)
		state = reply.get(radState)
		switch reply.code {
		case radAccessChallenge:
			if eapResp, err = p.Handle(ctx, eapReq); err != nil {
				return nil, err
			}
		case radAccessAccept:
			_, err = p.Handle(ctx, eapReq)
			return mppeKeys(t, reply, req.auth), err
		case radAccessReject:
			_, err = p.Handle(ctx, eapReq)
			if err == nil {
				t.Fatal("peer accepted an Access-Reject's EAP packet")
			}
			return nil, err
		default:
			t.Fatalf("RADIUS code %d", reply.code)
		}
	}
	t.Fatal("RADIUS conversation did not end")
	return nil, nil
}

// radiusExchange sends one Access-Request and returns it with the reply.
func radiusExchange(t *testing.T, conn net.Conn, id byte, eapPkt, state []byte) (radPacket, radPacket) {
	t.Helper()
	req := radPacket{code: radAccessRequest, id: id}
	_, _ = io.ReadFull(rand.Reader, req.auth[:])
	attrs := append([]radAttr{{radUserName, []byte(testUser)}}, eapAttrs(eapPkt)...)
	if len(state) > 0 {
		attrs = append(attrs, radAttr{radState, state})
	}
	attrs = append(attrs, radAttr{radMessageAuth, make([]byte, 16)})
	b := []byte{radAccessRequest, id, 0, 0}
	b = append(b, req.auth[:]...)
	for _, a := range attrs {
		b = append(append(b, a.typ, byte(2+len(a.data))), a.data...)
	}
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	mac := hmac.New(md5.New, []byte(freeradiusSecret))
	mac.Write(b)
	copy(b[len(b)-16:], mac.Sum(nil))
	must(t, conn.SetDeadline(time.Now().Add(15*time.Second)))
	_, err := conn.Write(b)
	must(t, err)
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	must(t, err)
	reply, err := parseRadius(buf[:n])
	must(t, err)
	if reply.id != id {
		t.Fatalf("reply id %d to request %d", reply.id, id)
	}
	return req, reply
}

// mppeKeys decrypts MS-MPPE-Recv-Key and -Send-Key (RFC 2548 2.4.2) and
// returns them concatenated in that order, or nil when absent.
func mppeKeys(t *testing.T, reply radPacket, reqAuth [16]byte) []byte {
	t.Helper()
	keys := map[byte][]byte{}
	for _, a := range reply.attrs {
		d := a.data
		if a.typ != radVendorSpecific || len(d) < 8 || binary.BigEndian.Uint32(d) != msVendorID {
			continue
		}
		if vt := d[4]; vt == msMPPERecvKey || vt == msMPPESendKey {
			if end := 4 + int(d[5]); end <= len(d) && end >= 6 {
				keys[vt] = decryptMPPE(t, d[6:end], reqAuth)
			}
		}
	}
	if keys[msMPPERecvKey] == nil || keys[msMPPESendKey] == nil {
		return nil
	}
	return append(keys[msMPPERecvKey], keys[msMPPESendKey]...)
}

func decryptMPPE(t *testing.T, v []byte, reqAuth [16]byte) []byte {
	t.Helper()
	if len(v) < 2+16 || (len(v)-2)%16 != 0 {
		t.Fatalf("MPPE key attribute of %d octets", len(v))
	}
	salt, enc := v[:2], v[2:]
	prev := append(append([]byte{}, reqAuth[:]...), salt...)
	plain := make([]byte, 0, len(enc))
	for i := 0; i < len(enc); i += 16 {
		b := md5.Sum(append([]byte(freeradiusSecret), prev...))
		for j := range 16 {
			plain = append(plain, enc[i+j]^b[j])
		}
		prev = enc[i : i+16]
	}
	if int(plain[0]) > len(plain)-1 {
		t.Fatalf("MPPE key length %d", plain[0])
	}
	return plain[1 : 1+int(plain[0])]
}
