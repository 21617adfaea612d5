package server

import (
	"errors"
	"fmt"
)

// Authorizer turns an authenticated peer into its merged attributes: the
// user name and group name come from name-mangler rules (or the user's
// explicit group), the attributes from the local user, the cached
// attributes of the authentication backend, the group and the defaults.
// It is immutable after construction and safe for concurrent use.
type Authorizer struct {
	Users         map[string]*User
	Groups        map[string]*Group
	UserName      Mangler  // zero = the EAP identity, else the whole IKE identity value
	GroupName     *Mangler // nil = no group derived from the identity
	DefaultGroup  string   // used when no other group applies
	GroupOverride bool     // group attributes beat user attributes
	Defaults      Attributes
}

// AuthzRequest describes the authenticated peer.
type AuthzRequest struct {
	Peer        Identity   // the peer's IKE identity (IDi)
	EAPIdentity string     // the EAP identity, when EAP was used
	Cached      Attributes // attributes the authentication backend returned
}

// Authorization is the outcome: which names were used and the merged
// attributes.
type Authorization struct {
	UserName   string
	User       *User // nil when no local user matched
	GroupName  string
	Attributes Attributes
}

// Authorize resolves names and merges attributes. A peer with no matching
// user or group is not an error: it gets the cached attributes and the
// defaults (authorization is about attributes; authentication decided
// whether the peer may connect). Only a mangler rule that errors for a
// reason other than "no name in this identity" is reported.
func (a *Authorizer) Authorize(req AuthzRequest) (Authorization, error) {
	var out Authorization
	name, err := a.UserName.Name(req.Peer, req.EAPIdentity)
	if err != nil && !errors.Is(err, ErrNoName) {
		return Authorization{}, fmt.Errorf("user name: %w", err)
	}
	out.UserName = name
	out.User = a.Users[name]
	out.GroupName = a.groupName(out.User, req)
	var user, group Attributes
	// Explicit user authorization runs only when the implicit (cached)
	// attributes brought no Framed-IP-Address (seed L1598).
	if out.User != nil && !req.Cached.FramedIP4.IsValid() {
		user = out.User.Attributes
	}
	if g := a.Groups[out.GroupName]; g != nil {
		group = g.Attributes
	} else {
		out.GroupName = ""
	}
	out.Attributes = MergeAuthorization(user, req.Cached, group, a.Defaults, a.GroupOverride)
	return out, nil
}

// groupName picks the user's explicit group, else the mangled group name
// if such a group exists, else the default group.
func (a *Authorizer) groupName(u *User, req AuthzRequest) string {
	if u != nil && u.Group != "" {
		return u.Group
	}
	if a.GroupName != nil {
		if n, err := a.GroupName.Name(req.Peer, req.EAPIdentity); err == nil {
			if _, ok := a.Groups[n]; ok {
				return n
			}
		}
	}
	return a.DefaultGroup
}

// EAPIdentity picks the identity authorization uses after EAP (seed
// L1436-1441): the identity the EAP backend reported with its success,
// else the identity the server queried with EAP-Identity, else the IKE
// identity's value.
func EAPIdentity(fromSuccess, queried string, ike Identity) string {
	switch {
	case fromSuccess != "":
		return fromSuccess
	case queried != "":
		return queried
	}
	return identityValue(ike)
}
