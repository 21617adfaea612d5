package eap

import (
	"context"
	"fmt"
	"log/slog"
)

// Credentials are what the user types: the EAP username and password.
type Credentials struct {
	Username string // empty means "use PeerConfig.Identity"
	Password string
}

// String keeps the password out of logs and error messages that format
// Credentials with %v.
func (c Credentials) String() string {
	return fmt.Sprintf("{Username:%q Password:<redacted>}", c.Username)
}

// GoString does the same for %#v.
func (c Credentials) GoString() string { return "eap.Credentials" + c.String() }

// LogValue does the same for log/slog.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username), slog.String("password", "<redacted>"))
}

// CredentialRequest tells the credential callback why it is asked, so a
// prompt can say what the gateway wants.
type CredentialRequest struct {
	Method   Type   // the EAP method that needs the secret (TypeIdentity: only the username)
	Identity string // the EAP identity already sent, if any
	Prompt   string // the gateway's text (GTC prompt), may be empty
}

// CredentialFunc supplies credentials: the CLI prompts on the terminal, the
// GUI shows a dialog, a router reads a 0600 secrets file. It should return
// when ctx is done; Peer.Handle stops waiting then either way.
type CredentialFunc func(ctx context.Context, req CredentialRequest) (Credentials, error)

type credResult struct {
	c   Credentials
	err error
}

// askCredentials runs fn in its own goroutine so that Handle can give up on
// ctx even when fn blocks on a terminal or dialog that ignores ctx. The
// channel is buffered: a late answer is dropped without leaking a blocked
// goroutine.
func askCredentials(ctx context.Context, fn CredentialFunc, req CredentialRequest) (Credentials, error) {
	ch := make(chan credResult, 1)
	go func() {
		c, err := fn(ctx, req)
		ch <- credResult{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return Credentials{}, fmt.Errorf("credentials for EAP %v: %w", req.Method, r.err)
		}
		return r.c, nil
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("waiting for credentials for EAP %v: %w", req.Method, context.Cause(ctx))
	}
}
