package wire

import (
	"errors"
	"net/netip"
	"testing"
)

func TestCheckRules(t *testing.T) {
	sa := &SA{Proposals: []Proposal{{Number: 1, Protocol: ProtoIKE}}}
	ke := &KE{Group: KE_CURVE25519}
	no := &Nonce{Data: make([]byte, 32)}
	idi, idr := &ID{IDType: IDFQDN}, &ID{Responder: true, IDType: IDFQDN}
	auth := &Auth{Method: AuthSharedKey}
	tsi := &TS{Selectors: []TrafficSelector{SelectorFromPrefix(netip.MustParsePrefix("0.0.0.0/0"))}}
	tsr := &TS{Responder: true, Selectors: tsi.Selectors}
	eap := &EAP{Data: []byte{1, 1, 0, 4}}
	cookie := NewNotify(COOKIE, []byte{1})
	unknown := &Unknown{PayloadType: 99}
	vid := NewVendorID(VIDFlexVPNSupported)

	tests := []struct {
		name     string
		ex       ExchangeType
		response bool
		ps       []Payload
		ok       bool
	}{
		{"init request", IKE_SA_INIT, false, []Payload{sa, ke, no, vid, unknown}, true},
		{"init request with cookie", IKE_SA_INIT, false, []Payload{cookie, sa, ke, no}, true},
		{"init request without KE", IKE_SA_INIT, false, []Payload{sa, no}, false},
		{"init request two SAs", IKE_SA_INIT, false, []Payload{sa, sa, ke, no}, false},
		{"init request with AUTH", IKE_SA_INIT, false, []Payload{sa, ke, no, auth}, false},
		{"init response", IKE_SA_INIT, true, []Payload{sa, ke, no, &CertReq{}}, true},
		{"init response cookie only", IKE_SA_INIT, true, []Payload{cookie}, true},
		{"init response empty", IKE_SA_INIT, true, nil, false},
		{"auth request psk", IKE_AUTH, false, []Payload{idi, auth, &CP{}, sa, tsi, tsr}, true},
		{"auth request eap start", IKE_AUTH, false, []Payload{idi, idr, &CP{}, sa, tsi, tsr}, true},
		{"auth request childless", IKE_AUTH, false, []Payload{idi, auth}, true},
		{"auth request SA without TS", IKE_AUTH, false, []Payload{idi, auth, sa}, false},
		{"auth request eap round", IKE_AUTH, false, []Payload{eap}, true},
		{"auth request final auth", IKE_AUTH, false, []Payload{auth}, true},
		{"auth request no IDi", IKE_AUTH, false, []Payload{auth, sa, tsi, tsr}, false},
		{"auth response", IKE_AUTH, true, []Payload{idr, &Cert{}, auth, &CP{}, sa, tsi, tsr}, true},
		{"auth response with eap", IKE_AUTH, true, []Payload{idr, &Cert{}, auth, eap}, true},
		{"auth response eap round", IKE_AUTH, true, []Payload{eap}, true},
		{"auth response failure", IKE_AUTH, true, []Payload{NewNotify(AUTHENTICATION_FAILED, nil)}, true},
		{"auth response two AUTH", IKE_AUTH, true, []Payload{idr, auth, auth}, false},
		{"auth response with KE", IKE_AUTH, true, []Payload{idr, auth, ke}, false},
		{"child request", CREATE_CHILD_SA, false, []Payload{NewRekeySA(ProtoESP, []byte{1, 2, 3, 4}), sa, no, tsi, tsr}, true},
		{"ike rekey request", CREATE_CHILD_SA, false, []Payload{sa, no, ke}, true},
		{"child request TSi only", CREATE_CHILD_SA, false, []Payload{sa, no, tsi}, false},
		{"child response error", CREATE_CHILD_SA, true, []Payload{NewNotify(NO_ADDITIONAL_SAS, nil)}, true},
		{"child response no nonce", CREATE_CHILD_SA, true, []Payload{sa, tsi, tsr}, false},
		{"informational empty (DPD)", INFORMATIONAL, false, nil, true},
		{"informational delete", INFORMATIONAL, false, []Payload{NewDeleteIKE()}, true},
		{"informational redirect", INFORMATIONAL, false, []Payload{NewNotify(REDIRECT, nil)}, true},
		{"informational with SA", INFORMATIONAL, true, []Payload{sa}, false},
		{"intermediate", IKE_INTERMEDIATE, false, []Payload{ke}, true},
		{"unknown exchange", ExchangeType(99), false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRules(tt.ex, tt.response, tt.ps)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckRules = %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				wantNotifyErr(t, err, INVALID_SYNTAX)
				if !errors.Is(err, ErrRules) {
					t.Fatalf("error does not wrap ErrRules: %v", err)
				}
			}
		})
	}
}
