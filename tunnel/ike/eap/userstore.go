package eap

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
)

// User is one account of a local user store. Store only what the allowed
// methods need: MS-CHAPv2 needs NTHash (see NTHash), GTC needs PasswordHash
// (see HashPassword), and MD5-Challenge, which is defined on the shared
// secret itself, needs Password.
type User struct {
	// Name is the backend's canonical name for the user; when set it
	// becomes the EAP identity after success (it beats the queried and the
	// IKE identity).
	Name         string
	NTHash       []byte
	Password     string
	PasswordHash []byte
}

// String keeps stored secrets out of logs that format a User with %v.
func (u User) String() string {
	return fmt.Sprintf("{Name:%q MS-CHAPv2:%v MD5:%v GTC:%v}", u.Name,
		len(u.NTHash) > 0 || u.Password != "", u.Password != "", len(u.PasswordHash) > 0 || u.Password != "")
}

// GoString does the same for %#v.
func (u User) GoString() string { return "eap.User" + u.String() }

// LogValue does the same for log/slog.
func (u User) LogValue() slog.Value { return slog.StringValue(u.String()) }

// UserStore finds users by EAP identity. LookupUser returns an error
// wrapping ErrNoSuchUser when there is no such user.
type UserStore interface {
	LookupUser(ctx context.Context, name string) (*User, error)
}

// StaticUsers is a UserStore over a fixed map from identity to user, for
// small gateways with users in their configuration file, and for tests.
type StaticUsers map[string]User

// LookupUser implements UserStore.
func (s StaticUsers) LookupUser(_ context.Context, name string) (*User, error) {
	u, ok := s[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchUser, name)
	}
	return &u, nil
}

// CheckIdentity returns ErrIPIdentity when id is an IP address: when the
// gateway does not query the EAP identity, the IKE identity is used in its
// place, and an address names a host, not a user.
func CheckIdentity(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty EAP identity", ErrNoCredentials)
	}
	if _, err := netip.ParseAddr(id); err == nil {
		return ErrIPIdentity
	}
	return nil
}
