package ike

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"flexvpn/tunnel/ike/eap"
)

// TestEAPCredentialTimeout: nobody answers the password prompt. The SA
// gives up after the credential timeout with a sentence saying so, while
// a second SA on the same gateway completes meanwhile (its own goroutine).
func TestEAPCredentialTimeout(t *testing.T) {
	old := eapCredentialTimeout
	eapCredentialTimeout = 300 * time.Millisecond
	defer func() { eapCredentialTimeout = old }()

	c, s := eapConfigs(t, eap.TypeMSCHAPv2, "Secr3t pass")
	c.NoInitialContact = true // two SAs of one identity: neither replaces the other
	stuck := c
	stuck.EAP = func() (EAPClient, error) {
		return eap.NewPeer(eap.PeerConfig{Identity: "alice", Methods: []eap.Type{eap.TypeMSCHAPv2},
			Credentials: func(ctx context.Context, _ eap.CredentialRequest) (eap.Credentials, error) {
				<-ctx.Done() // the user walked away
				return eap.Credentials{}, ctx.Err()
			}})
	}
	tb := newTestbed(t, s)
	done := make(chan error, 1)
	sa, err := tb.client.Initiate(context.Background(), stuck, serverIKE)
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- sa.WaitUp(context.Background()) }()
	if _, err := tb.connect(t, c); err != nil {
		t.Fatalf("a second SA was held up by the waiting one: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrAuthFailed) || !strings.Contains(err.Error(), "no credentials within") {
			t.Fatalf("waiting SA ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the credential wait never timed out")
	}
}
