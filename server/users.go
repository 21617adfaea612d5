package server

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"flexvpn/tunnel/ike/eap"
)

// User is a local user for EAP authentication and user authorization.
// Secrets are stored in the weakest form each EAP method allows: MS-CHAPv2
// needs only the NT hash, GTC checks a slow hash, and only EAP-MD5 (a
// challenge over the cleartext) needs the password itself.
type User struct {
	Name        string
	NTHash      []byte // 16 bytes, MD4 of the UTF-16LE password (eap.NTHash); nil disables MS-CHAPv2
	GTCHash     string // argon2id PHC string (eap.HashPassword) or bcrypt hash; empty disables GTC
	MD5Password []byte // cleartext; nil disables EAP-MD5
	Group       string // explicit group; empty = derived by the group mangler
	Attributes  Attributes
}

// CheckGTC reports whether password matches the user's GTC hash.
func (u *User) CheckGTC(password []byte) bool {
	if u.GTCHash == "" {
		return false
	}
	ok, err := eap.VerifyPassword([]byte(u.GTCHash), string(password))
	return ok && err == nil
}

// CheckNTHash compares an NT hash in constant time.
func (u *User) CheckNTHash(h []byte) bool {
	return len(u.NTHash) == 16 && subtle.ConstantTimeCompare(u.NTHash, h) == 1
}

// validPasswordHash checks the form of a stored GTC hash without the cost
// of verifying against it (a bcrypt or argon2id check takes tens of
// milliseconds; a config with many users must still load quickly).
func validPasswordHash(h string) bool {
	if strings.HasPrefix(h, "$2") {
		_, err := bcrypt.Cost([]byte(h))
		return err == nil
	}
	f := strings.Split(h, "$")
	return len(f) == 6 && f[0] == "" && f[1] == "argon2id" && strings.HasPrefix(f[2], "v=") &&
		strings.HasPrefix(f[3], "m=") && f[4] != "" && f[5] != ""
}

// Group is a named set of group authorization attributes.
type Group struct {
	Name       string
	Attributes Attributes
}

// EAPUsers adapts the local users to the EAP authenticator's UserStore.
// The EAP identity is looked up as a user name first, then through the
// user_name rule (so "alice@example.com" finds user "alice" under
// "eap prefix @" or "email username"). The returned user keeps the EAP
// identity as is (Name is left empty), so authorization later mangles the
// same identity the same way.
type EAPUsers struct {
	Authorizer *Authorizer
}

// LookupUser implements eap.UserStore.
func (s EAPUsers) LookupUser(_ context.Context, name string) (*eap.User, error) {
	u := s.find(name)
	if u == nil {
		return nil, fmt.Errorf("%w: %q", eap.ErrNoSuchUser, name)
	}
	return &eap.User{NTHash: u.NTHash, Password: string(u.MD5Password), PasswordHash: []byte(u.GTCHash)}, nil
}

func (s EAPUsers) find(eapID string) *User {
	a := s.Authorizer
	if u := a.Users[eapID]; u != nil {
		return u
	}
	peer, err := ParseIdentity(eapID)
	if err != nil {
		return nil
	}
	if n, err := a.UserName.Name(peer, eapID); err == nil {
		return a.Users[n]
	}
	return nil
}
