package eap_test

import (
	"context"
	"fmt"

	"flexvpn/tunnel/ike/eap"
)

// Example shows how the IKE engine relays EAP between the two roles: each
// request from the authenticator goes to the peer in an IKE_AUTH response,
// each peer response comes back in the next IKE_AUTH request.
func Example() {
	ctx := context.Background()
	users := eap.StaticUsers{"alice": {NTHash: eap.NTHash("s3cret")}}
	server, err := eap.NewLocalAuthenticator(eap.AuthenticatorConfig{IKEIdentity: "alice", Users: users})
	if err != nil {
		panic(err)
	}
	client, err := eap.NewPeer(eap.PeerConfig{
		Identity: "alice",
		Credentials: func(ctx context.Context, req eap.CredentialRequest) (eap.Credentials, error) {
			return eap.Credentials{Password: "s3cret"}, nil // a prompt in real life
		},
	})
	if err != nil {
		panic(err)
	}

	req, _ := server.Start(ctx)
	for {
		resp, err := client.Handle(ctx, req)
		if err != nil || client.Done() {
			fmt.Println("client:", client.Done(), err)
			break
		}
		var st eap.Status
		req, st, err = server.Handle(ctx, resp)
		fmt.Println("server:", st, err)
	}
	fmt.Println(server.Method(), server.Identity(), len(client.MSK()), len(server.MSK()))
	// Output:
	// server: continue <nil>
	// server: continue <nil>
	// server: success <nil>
	// client: true <nil>
	// MS-CHAPv2 alice 64 64
}
