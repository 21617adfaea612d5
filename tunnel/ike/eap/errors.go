package eap

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test them with errors.Is; the messages of those a
// user may see are sentences that say what to do.
var (
	// ErrMalformed: the bytes are not a valid EAP packet or method message.
	ErrMalformed = errors.New("eap: malformed packet")
	// ErrUnexpected: a well-formed packet that does not fit the conversation.
	ErrUnexpected = errors.New("eap: unexpected packet")
	// ErrAuthFailed: the server rejected our credentials (peer side) or the
	// peer's credentials did not verify (authenticator side).
	ErrAuthFailed = errors.New("wrong username or password")
	// ErrPasswordExpired: MS-CHAPv2 error 648.
	ErrPasswordExpired = errors.New("password expired: change it with your administrator, then log in again")
	// ErrAccountRestricted: MS-CHAPv2 errors 646, 647 and 649.
	ErrAccountRestricted = errors.New("account not allowed to log in now (disabled, restricted hours or no dial-in permission): ask your administrator")
	// ErrServerNotAuthenticated: the gateway's MS-CHAPv2 authenticator
	// response did not prove that it knows the password, or it sent
	// EAP-Success before the method finished.
	ErrServerNotAuthenticated = errors.New("gateway failed to prove it knows the password: possible impostor, not connecting")
	// ErrNoCommonMethod: the other side offers no EAP method we allow.
	ErrNoCommonMethod = errors.New("no EAP method in common with the other side: check the allowed EAP methods on both ends")
	// ErrNoCredentials: the credential callback returned nothing usable.
	ErrNoCredentials = errors.New("no credentials provided")
	// ErrNoSuchUser: UserStore.LookupUser found no such user.
	ErrNoSuchUser = errors.New("eap: no such user")
	// ErrTooManyAttempts: Limiter refuses an attempt; see *LockedOutError.
	ErrTooManyAttempts = errors.New("too many failed login attempts: try again later")
	// ErrIPIdentity: an IP address cannot serve as the EAP identity.
	ErrIPIdentity = errors.New("the IKE identity is an IP address, which cannot be the EAP identity: configure an EAP username or a non-IP local identity")
	// ErrConfig: invalid PeerConfig or AuthenticatorConfig.
	ErrConfig = errors.New("eap: invalid configuration")
)

// FailureError is the peer's error for an MS-CHAPv2 Failure request: it
// keeps the server's error code and message next to the sentinel (Err) that
// classifies it.
type FailureError struct {
	Err     error  // ErrAuthFailed, ErrPasswordExpired or ErrAccountRestricted
	Code    int    // MS-CHAPv2 "E=" code, e.g. 691
	Message string // the server's "M=" text, may be empty
}

func (e *FailureError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%v (MS-CHAPv2 error %d)", e.Err, e.Code)
	}
	return fmt.Sprintf("%v (MS-CHAPv2 error %d, server says %q)", e.Err, e.Code, e.Message)
}

func (e *FailureError) Unwrap() error { return e.Err }
