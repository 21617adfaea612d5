package eap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEapolTestPeerAgainstOurAuthenticator runs wpa_supplicant's EAP peer
// (eapol_test) against our local authenticator through the RADIUS shim.
// For MS-CHAPv2 eapol_test also compares its own MSK with the MS-MPPE keys
// we derived, so a success proves both sides derive the same MSK.
func TestEapolTestPeerAgainstOurAuthenticator(t *testing.T) {
	bin, err := exec.LookPath("eapol_test")
	if err != nil {
		t.Skip("eapol_test not installed (Debian package eapoltest): skipping wpa_supplicant interop")
	}
	tests := []struct {
		eap, password string
		method        Type
		wantOK        bool
	}{
		{"MSCHAPV2", testPass, TypeMSCHAPv2, true},
		{"MSCHAPV2", "wrong", TypeMSCHAPv2, false},
		{"MD5", testPass, TypeMD5, true},
		{"MD5", "wrong", TypeMD5, false},
		{"GTC", testPass, TypeGTC, true},
		{"GTC", "wrong", TypeGTC, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/ok=%v", tt.eap, tt.wantOK), func(t *testing.T) {
			users := testUsers(t)
			// Offer MS-CHAPv2 first so MD5 and GTC runs also exercise the
			// peer's Nak and our switch to the method it asks for.
			srv := startRadiusServer(t, "testing123", func(id string) (Authenticator, error) {
				return NewLocalAuthenticator(AuthenticatorConfig{
					Methods: []Type{TypeMSCHAPv2, TypeMD5, TypeGTC}, NoQueryIdentity: true, IKEIdentity: id, Users: users})
			})
			out, runErr := runEapolTest(t, bin, srv.port(), tt.eap, tt.password, tt.method != TypeMSCHAPv2)
			var res radResult
			select {
			case res = <-srv.results:
			case <-time.After(5 * time.Second):
				t.Fatalf("authenticator never finished; eapol_test said:\n%s", out)
			}
			if tt.wantOK {
				if runErr != nil || res.st != Success || res.identity != testUser {
					t.Fatalf("want success: eapol_test %v, authenticator %v %v\n%s", runErr, res.st, res.err, out)
				}
				return
			}
			if runErr == nil || res.st != Failure || !errors.Is(res.err, ErrAuthFailed) {
				t.Fatalf("want failure: eapol_test %v, authenticator %v %v\n%s", runErr, res.st, res.err, out)
			}
		})
	}
}

// runEapolTest writes a one-network configuration and runs eapol_test
// against our RADIUS shim; noKeys tells it not to expect MS-MPPE keys
// (methods without an MSK).
func runEapolTest(t *testing.T, bin string, port int, method, password string, noKeys bool) (string, error) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "eapol.conf")
	body := fmt.Sprintf("network={\n\tkey_mgmt=IEEE8021X\n\teap=%s\n\tidentity=%q\n\tpassword=%q\n\teapol_flags=0\n}\n",
		method, testUser, password)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", conf, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-s", "testing123", "-t", "10"}
	if noKeys {
		args = append(args, "-n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	text := string(out)
	if err == nil && !strings.Contains(text, "SUCCESS") {
		err = errors.New("eapol_test did not report SUCCESS")
	}
	return tail(text, 40), err
}

// tail keeps the last n lines of eapol_test's chatty output for messages.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
