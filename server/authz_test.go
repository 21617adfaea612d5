package server

import (
	"context"
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"flexvpn/tunnel/ike/eap"
)

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, 0, len(s))
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

func TestMergeAuthorization(t *testing.T) {
	user := Attributes{FramedIP4: netip.MustParseAddr("203.0.113.50"), Banner: "user banner"}
	cached := Attributes{Banner: "cached banner", DefaultDomain: "cached.example", DNS: addrs("192.0.2.53")}
	group := Attributes{Banner: "group banner", DefaultDomain: "group.example", Pool4: "lan",
		DNS: addrs("192.0.2.54"), SplitDNS: []string{"corp.example"}}
	defaults := Attributes{Banner: "default banner", NBNS: addrs("192.0.2.137"), SplitDNS: []string{"default.example"}}

	tests := []struct {
		name                        string
		user, cached, group, dflt   Attributes
		override                    bool
		wantBanner, wantDomain      string
		wantDNS                     []netip.Addr
		wantPool                    string
		wantSplitDNS                []string
		wantFramed, wantNBNSDefault bool
	}{
		{name: "user beats cached beats group", user: user, cached: cached, group: group, dflt: defaults,
			wantBanner: "user banner", wantDomain: "cached.example", wantDNS: addrs("192.0.2.53"),
			wantPool: "lan", wantSplitDNS: []string{"corp.example"}, wantFramed: true, wantNBNSDefault: true},
		{name: "group override beats merged user", user: user, cached: cached, group: group, dflt: defaults, override: true,
			wantBanner: "group banner", wantDomain: "group.example", wantDNS: addrs("192.0.2.54"),
			wantPool: "lan", wantSplitDNS: []string{"corp.example"}, wantFramed: true, wantNBNSDefault: true},
		{name: "cached alone", cached: cached, dflt: defaults,
			wantBanner: "cached banner", wantDomain: "cached.example", wantDNS: addrs("192.0.2.53"),
			wantSplitDNS: []string{"default.example"}, wantNBNSDefault: true},
		{name: "defaults only", dflt: defaults, wantBanner: "default banner",
			wantSplitDNS: []string{"default.example"}, wantNBNSDefault: true},
		{name: "empty list overrides", user: Attributes{SplitDNS: []string{}}, group: group,
			wantDomain: "group.example", wantDNS: addrs("192.0.2.54"), wantPool: "lan", wantSplitDNS: []string{},
			wantBanner: "group banner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MergeAuthorization(tt.user, tt.cached, tt.group, tt.dflt, tt.override)
			if got.Banner != tt.wantBanner || got.DefaultDomain != tt.wantDomain || got.Pool4 != tt.wantPool {
				t.Errorf("banner/domain/pool = %q/%q/%q", got.Banner, got.DefaultDomain, got.Pool4)
			}
			if !reflect.DeepEqual(got.DNS, tt.wantDNS) || !reflect.DeepEqual(got.SplitDNS, tt.wantSplitDNS) {
				t.Errorf("dns %v split %#v", got.DNS, got.SplitDNS)
			}
			if got.FramedIP4.IsValid() != tt.wantFramed || (len(got.NBNS) == 1) != tt.wantNBNSDefault {
				t.Errorf("framed %v nbns %v", got.FramedIP4, got.NBNS)
			}
		})
	}
}

func testAuthorizer(t *testing.T) *Authorizer {
	t.Helper()
	groupRule, err := ParseMangler("email domain")
	if err != nil {
		t.Fatal(err)
	}
	userRule, err := ParseMangler("eap prefix @")
	if err != nil {
		t.Fatal(err)
	}
	return &Authorizer{
		Users: map[string]*User{
			"alice": {Name: "alice", Group: "sales", Attributes: Attributes{FramedIP4: netip.MustParseAddr("203.0.113.10")}},
			"bob":   {Name: "bob", Attributes: Attributes{Banner: "hi bob"}},
		},
		Groups: map[string]*Group{
			"sales":       {Name: "sales", Attributes: Attributes{Banner: "sales", Pool4: "sales"}},
			"example.com": {Name: "example.com", Attributes: Attributes{Banner: "example", Pool4: "lan"}},
			"guests":      {Name: "guests", Attributes: Attributes{Banner: "guest", Pool4: "guest"}},
		},
		UserName:     userRule,
		GroupName:    &groupRule,
		DefaultGroup: "guests",
		Defaults:     Attributes{DNS: addrs("192.0.2.53")},
	}
}

func TestAuthorize(t *testing.T) {
	a := testAuthorizer(t)
	tests := []struct {
		peer, eap                   string
		wantUser, wantGroup, banner string
		wantPool                    string
	}{
		{"email:alice@example.com", "", "alice", "sales", "sales", "sales"},              // explicit group
		{"email:bob@example.com", "", "bob", "example.com", "hi bob", "lan"},             // mangled group
		{"email:carol@example.com", "", "carol", "example.com", "example", "lan"},        // no user, group by domain
		{"email:dave@example.org", "", "dave", "guests", "guest", "guest"},               // unknown domain → default
		{"fqdn:host.example.com", "bob@example.com", "bob", "guests", "hi bob", "guest"}, // group rule needs email IDi
		{"ipv4:192.0.2.7", "", "", "guests", "guest", "guest"},                           // no name at all
	}
	for _, tt := range tests {
		got, err := a.Authorize(AuthzRequest{Peer: mustID(t, tt.peer), EAPIdentity: tt.eap})
		if err != nil {
			t.Fatal(err)
		}
		if got.UserName != tt.wantUser || got.GroupName != tt.wantGroup ||
			got.Attributes.Banner != tt.banner || got.Attributes.Pool4 != tt.wantPool {
			t.Errorf("%s/%s: got user %q group %q banner %q pool %q", tt.peer, tt.eap,
				got.UserName, got.GroupName, got.Attributes.Banner, got.Attributes.Pool4)
		}
		if len(got.Attributes.DNS) != 1 {
			t.Errorf("%s: defaults not applied", tt.peer)
		}
		if (got.User != nil) != (tt.wantUser == "alice" || tt.wantUser == "bob") {
			t.Errorf("%s: user %v", tt.peer, got.User)
		}
	}
}

func TestAuthorizeNoGroup(t *testing.T) {
	a := testAuthorizer(t)
	a.DefaultGroup = ""
	got, err := a.Authorize(AuthzRequest{Peer: mustID(t, "email:zed@example.net"),
		Cached: Attributes{Banner: "from backend"}})
	if err != nil || got.GroupName != "" || got.Attributes.Banner != "from backend" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestCheckNTHash(t *testing.T) {
	// RFC 2759 9.2: Password "clientPass" → PasswordHash.
	h, _ := hex.DecodeString("44ebba8d5312b8d611474411f56989ae")
	u := &User{NTHash: h}
	if !u.CheckNTHash(eap.NTHash("clientPass")) || u.CheckNTHash(make([]byte, 16)) || (&User{}).CheckNTHash(h) {
		t.Fatal("CheckNTHash")
	}
}

func TestCheckGTC(t *testing.T) {
	bc, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	argon, err := eap.HashPassword("s3cret", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{string(bc), string(argon)} {
		if !validPasswordHash(h) {
			t.Errorf("%s: not accepted as a hash", h)
		}
		u := &User{GTCHash: h}
		if !u.CheckGTC([]byte("s3cret")) || u.CheckGTC([]byte("wrong")) {
			t.Errorf("%s: CheckGTC", h)
		}
	}
	if (&User{}).CheckGTC(nil) {
		t.Fatal("empty hash accepted a password")
	}
	for _, bad := range []string{"plain", "$2a$xx", "$argon2id$v=19$m=1", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA"} {
		if validPasswordHash(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestEAPUsers(t *testing.T) {
	a := testAuthorizer(t) // user_name rule: "eap prefix @"
	nt := eap.NTHash("pw")
	a.Users["alice"].NTHash = nt
	a.Users["bob"].MD5Password = []byte("md5pw")
	a.Users["carol@example.com"] = &User{Name: "carol@example.com", GTCHash: "$2a$04$abc"}
	s := EAPUsers{Authorizer: a}
	for _, tt := range []struct {
		eapID string
		check func(*eap.User) bool
	}{
		{"alice@example.com", func(u *eap.User) bool { return string(u.NTHash) == string(nt) }},
		{"alice", func(u *eap.User) bool { return string(u.NTHash) == string(nt) }},
		{"bob@corp.example", func(u *eap.User) bool { return u.Password == "md5pw" }},
		{"carol@example.com", func(u *eap.User) bool { return string(u.PasswordHash) == "$2a$04$abc" }},
	} {
		u, err := s.LookupUser(context.Background(), tt.eapID)
		if err != nil || !tt.check(u) || u.Name != "" {
			t.Errorf("%s: %+v, %v", tt.eapID, u, err)
		}
	}
	for _, missing := range []string{"dave@example.com", "", "192.0.2.1"} {
		if _, err := s.LookupUser(context.Background(), missing); !errors.Is(err, eap.ErrNoSuchUser) {
			t.Errorf("%q: err = %v", missing, err)
		}
	}
}

func TestEAPIdentityPrecedence(t *testing.T) {
	ike := mustID(t, "email:ike@example.com")
	for _, tt := range []struct{ success, queried, want string }{
		{"backend@example.com", "queried@example.com", "backend@example.com"},
		{"", "queried@example.com", "queried@example.com"},
		{"", "", "ike@example.com"},
	} {
		if got := EAPIdentity(tt.success, tt.queried, ike); got != tt.want {
			t.Errorf("EAPIdentity(%q, %q) = %q, want %q", tt.success, tt.queried, got, tt.want)
		}
	}
	if got := EAPIdentity("", "", Identity{Type: 11, Data: []byte{0}}); got != "" {
		t.Errorf("binary key id gave %q", got)
	}
}

func TestAuthorizeCachedFramedSkipsUser(t *testing.T) {
	a := testAuthorizer(t)
	cached := Attributes{FramedIP4: netip.MustParseAddr("203.0.113.77")}
	got, err := a.Authorize(AuthzRequest{Peer: mustID(t, "email:bob@example.com"), Cached: cached})
	if err != nil || got.User == nil || got.Attributes.FramedIP4 != cached.FramedIP4 || got.Attributes.Banner != "example" {
		t.Fatalf("got %+v, %v", got, err)
	}
	// Without a cached framed address bob's own attributes apply.
	got, _ = a.Authorize(AuthzRequest{Peer: mustID(t, "email:bob@example.com"), Cached: Attributes{DefaultDomain: "c.example"}})
	if got.Attributes.Banner != "hi bob" || got.Attributes.DefaultDomain != "c.example" {
		t.Fatalf("got %+v", got.Attributes)
	}
}

// TestAuthorizeDefaultUserName: without a user_name rule the user is the
// EAP identity after EAP (local users are EAP users), else the IKE
// identity's value.
func TestAuthorizeDefaultUserName(t *testing.T) {
	a := testAuthorizer(t)
	a.UserName = Mangler{}
	for _, tt := range []struct{ peer, eap, want string }{
		{"email:someone@example.com", "alice", "alice"},
		{"email:alice@example.com", "", "alice@example.com"},
		{"fqdn:host.example.com", "", "host.example.com"},
	} {
		got, err := a.Authorize(AuthzRequest{Peer: mustID(t, tt.peer), EAPIdentity: tt.eap})
		if err != nil || got.UserName != tt.want {
			t.Errorf("%s/%s: user %q, %v; want %q", tt.peer, tt.eap, got.UserName, err, tt.want)
		}
	}
}
