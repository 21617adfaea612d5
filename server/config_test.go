package server

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flexvpn/tunnel/ike/eap"
)

const fakePEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"

// writeFiles creates files in dir with the given modes.
func writeFiles(t *testing.T, dir string, files map[string]string, modes map[string]os.FileMode) {
	t.Helper()
	for name, body := range files {
		mode := os.FileMode(0o600)
		if m, ok := modes[name]; ok {
			mode = m
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // WriteFile's mode is masked by umask
			t.Fatal(err)
		}
	}
}

func exampleDir(t *testing.T) string {
	t.Helper()
	example, err := os.ReadFile("server.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"server.toml":  string(example),
		"gateway.crt":  fakePEM,
		"gateway.key":  strings.ReplaceAll(fakePEM, "CERTIFICATE", "PRIVATE KEY"),
		"ca.crt":       fakePEM,
		"branches.psk": "branch-secret\n",
	}, map[string]os.FileMode{"gateway.crt": 0o644, "ca.crt": 0o644})
	return dir
}

func TestExampleConfigLoads(t *testing.T) {
	dir := exampleDir(t)
	cfg, err := Load(filepath.Join(dir, "server.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Listen) != 2 || cfg.LocalID.String() != "fqdn:vpn.example.com" || cfg.DPDInterval != 30*time.Second ||
		!cfg.QueryIdentity || cfg.AppVersion != "flexvpn" || cfg.HalfOpenThreshold != 100 ||
		cfg.Limits != (Limits{PerIdentity: 2, Total: 1000}) {
		t.Fatalf("server section: %+v", cfg)
	}
	if cfg.KeyFile != filepath.Join(dir, "gateway.key") || len(cfg.CAFiles) != 1 {
		t.Fatalf("files: %q %q", cfg.KeyFile, cfg.CAFiles)
	}
	if len(cfg.IKEProposals) != 2 || len(cfg.ESPProposals) != 2 || len(cfg.IKEProposals[1].Integ) != 1 || cfg.AllowLegacy {
		t.Fatalf("proposals: %+v", cfg.IKEProposals)
	}
	if len(cfg.Pools) != 2 || !cfg.Pools["lan6"].Is6() || cfg.Pools["lan"].Usable(netip.MustParseAddr("203.0.113.3")) {
		t.Fatal("pools")
	}
	p, ok := cfg.Keyring.Lookup(mustID(t, "fqdn:r1.branch.example.com"), netip.MustParseAddr("192.0.2.77"))
	if !ok || string(p.Key.Local) != "branch-secret" {
		t.Fatalf("keyring branch: %+v", p)
	}
	p, ok = cfg.Keyring.Lookup(mustID(t, "ipv4:198.51.100.9"), netip.MustParseAddr("198.51.100.9"))
	if !ok || string(p.Key.Remote) != "example-lab-key" {
		t.Fatalf("keyring lab: %+v", p)
	}
	if cfg.RedirectOn != "" || cfg.RedirectPolicy != RedirectStatic || len(cfg.RedirectTargets) != 2 ||
		cfg.RedirectTargets[1].ID.FQDN != "vpn3.example.com" {
		t.Fatalf("redirect: %+v", cfg.RedirectTargets)
	}
	checkExampleAuthz(t, cfg)
}

func checkExampleAuthz(t *testing.T, cfg *Config) {
	t.Helper()
	alice, err := cfg.Authorize(AuthzRequest{Peer: mustID(t, "email:alice@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	a := alice.Attributes
	if alice.GroupName != "engineering" || a.FramedIP4 != netip.MustParseAddr("203.0.113.50") ||
		len(a.SplitDNS) != 2 || a.Pool4 != "lan" || a.Banner != "Authorized use only." {
		t.Fatalf("alice: %+v", alice)
	}
	if !alice.User.CheckNTHash(eap.NTHash("clientPass")) || !alice.User.CheckGTC([]byte("gtc-example-password")) {
		t.Fatal("alice credentials")
	}
	bob, _ := cfg.Authorize(AuthzRequest{Peer: mustID(t, "fqdn:laptop.example.org"), EAPIdentity: "bob@example.org"})
	if bob.User == nil || string(bob.User.MD5Password) != "example-md5-password" || bob.GroupName != "staff" ||
		bob.Attributes.Banner != "Hello Bob." || len(bob.Attributes.SplitNetworks) != 1 {
		t.Fatalf("bob: %+v", bob)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", "[server]\nlisen = [\"192.0.2.1\"]\n", `server.toml:2: unknown key "server.lisen"`},
		{"unknown section", "\n[pools.lan]\nprefix = \"203.0.113.0/24\"\n", `server.toml:2: unknown key "pools.lan"; server.example.toml lists`},
		{"syntax", "[server\n", "server.toml:2: expected"},
		{"bad prefix", "[pool.lan]\n\nprefix = \"10.0.0.300/24\"\n",
			`server.toml:3: pool "lan": "10.0.0.300/24" is not a valid prefix; write it like 203.0.113.0/24`},
		{"missing prefix", "[pool.lan]\ngateway = \"203.0.113.1\"\n", `server.toml:1: pool "lan": prefix is missing`},
		{"exclusion outside", "[pool.lan]\nprefix = \"203.0.113.0/30\"\nexclude = [\"192.0.2.1\"]\n", `server.toml:1: invalid server configuration: pool "lan": exclusion 192.0.2.1/32`},
		{"bad dns", "[config_mode]\ndns = [\"192.0.2.300\"]\n", `server.toml:2: [config_mode]: "192.0.2.300" is not an IP address`},
		{"unknown pool", "[group.g]\npool = \"nope\"\n", `server.toml:2: group "g": no pool named "nope"`},
		{"v6 pool as pool", "[pool.p6]\nprefix = \"2001:db8::/120\"\n[config_mode]\npool = \"p6\"\n", `server.toml:4: [config_mode]: pool "p6" is an IPv6 pool`},
		{"nbns v6", "[config_mode]\nnbns = [\"2001:db8::1\"]\n", "IPv4 only"},
		{"netmask", "[config_mode]\nnetmask = \"255.0.255.0\"\n", "server.toml:2: [config_mode]: netmask 255.0.255.0 is not contiguous"},
		{"too many split dns", "[group.g]\nsplit_dns = [\"a1.example\", \"a2.example\", \"a3.example\", \"a4.example\", \"a5.example\", \"a6.example\", \"a7.example\", \"a8.example\", \"a9.example\", \"a10.example\", \"a11.example\"]\n",
			`server.toml:1: group "g": at most 10 split_dns domains`},
		{"split dns", "[config_mode]\nsplit_dns = [\"bad domain\"]\n", `"bad domain" is not a domain name`},
		{"backup gw", "[config_mode]\nbackup_gateways = [\"not a host\"]\n", "neither an IP address nor a host name"},
		{"mangler", "[authorization]\nuser_name = \"fqdn user\"\n", `server.toml:2: [authorization] user_name "fqdn user": write one of`},
		{"default group", "[authorization]\ndefault_group = \"x\"\n", `default_group "x": no such group`},
		{"nt hash", "[certificate]\n[user.a]\nnt_hash = \"abc\"\n", `server.toml:3: user "a": nt_hash must be 32 hex digits`},
		{"gtc hash", "[certificate]\n[user.a]\ngtc_hash = \"plain\"\n", "gtc_hash is not an argon2id or bcrypt hash"},
		{"user group", "[user.a]\ngroup = \"nope\"\n", `user "a": no group named "nope"`},
		{"framed v6 in v4", "[user.a]\nframed_address = \"2001:db8::5\"\n", "must be an IPv4 address"},
		{"users need cert", "[user.a]\nmd5_password = \"x\"\n", "EAP users need the server to authenticate with a certificate"},
		{"cert without key", "[certificate]\ncert = \"a.crt\"\n", "set both cert and key"},
		{"missing cert file", "[certificate]\ncert = \"nope.crt\"\nkey = \"nope.key\"\n", "server.toml:2: [certificate]: cannot read"},
		{"keyring no selector", "[keyring.x]\nkey = \"k\"\n", `keyring "x": set address`},
		{"keyring two keys", "[keyring.x]\naddress = \"0.0.0.0/0\"\nkey = \"k\"\nlocal_key = \"l\"\n", "exactly one of key"},
		{"keyring half asym", "[keyring.x]\naddress = \"0.0.0.0/0\"\nlocal_key = \"l\"\n", "needs both local_key and remote_key"},
		{"keyring bad wildcard", "[keyring.x]\nidentity = \"fqdn:*example.com\"\nkey = \"k\"\n", "server.toml:2: keyring \"x\": identity"},
		{"keyring dup", "[keyring.x]\naddress = \"0.0.0.0/0\"\nkey = \"k\"\n[keyring.y]\naddress = \"0.0.0.0/0\"\nkey = \"k\"\n", "same address"},
		{"proposal legacy", "[proposals]\nike = [\"aes256-sha1-modp1024\"]\n", `server.toml:2: [proposals] ike: "aes256-sha1-modp1024" uses legacy algorithms`},
		{"dpd", "[server]\ndpd_interval = \"soon\"\n", `server.toml:2: [server] dpd_interval "soon"`},
		{"identity", "[server]\nidentity = \"ipv4:vpn\"\n", "[server] identity"},
		{"redirect on", "[redirect]\non = \"always\"\n", `[redirect] on "always"`},
		{"redirect no gateways", "[redirect]\non = \"init\"\n", "gateways is empty"},
		{"redirect policy", "[redirect]\npolicy = \"random\"\n", `policy "random"`},
		{"limits", "[limits]\nsessions = -1\n", "server.toml:2: [limits] sessions is -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(t.TempDir(), "server.toml"), []byte(tt.src))
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want a config error", err)
			}
			if strings.Count(err.Error(), "unknown key") > 1 {
				t.Fatalf("one misspelt table should give one error: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error\n  %v\ndoes not contain\n  %s", err, tt.want)
			}
		})
	}
}

func TestConfigCollectsAllErrors(t *testing.T) {
	_, err := Parse("server.toml", []byte("[config_mode]\ndns = [\"x\"]\nnbns = [\"y\"]\n[limits]\nsessions = -1\n"))
	var n int
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, "server.toml:") {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("want 3 errors, got:\n%v", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Parse("server.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Listen) != 2 || !cfg.QueryIdentity || cfg.DPDInterval != DefaultDPDInterval ||
		len(cfg.IKEProposals) != len(DefaultIKEProposals) || len(cfg.IKEProposals[0].KE) != 4 ||
		len(cfg.ESPProposals) != len(DefaultESPProposals) || cfg.RedirectPolicy != RedirectStatic ||
		cfg.HalfOpenThreshold != DefaultHalfOpenThreshold || cfg.Limits != (Limits{}) {
		t.Fatalf("defaults: %+v", cfg)
	}
	// An empty list in a user overrides a group list with nothing; an
	// absent one falls through.
	cfg, err = Parse("server.toml", []byte("[certificate]\n[config_mode]\nsplit_dns = [\"a.example\"]\n[user.u]\nsplit_dns = []\n[user.v]\nbanner = \"b\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := cfg.Authorize(AuthzRequest{Peer: mustID(t, "fqdn:u")})
	v, _ := cfg.Authorize(AuthzRequest{Peer: mustID(t, "fqdn:v")})
	if u.Attributes.SplitDNS == nil || len(u.Attributes.SplitDNS) != 0 || len(v.Attributes.SplitDNS) != 1 {
		t.Fatalf("u %#v v %#v", u.Attributes.SplitDNS, v.Attributes.SplitDNS)
	}
}

func TestConfigFilePermissions(t *testing.T) {
	dir := exampleDir(t)
	path := filepath.Join(dir, "server.toml")
	if err := os.Chmod(filepath.Join(dir, "gateway.key"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil {
		t.Fatal("loaded with readable secrets")
	}
	msg := err.Error()
	for _, want := range []string{
		"gateway.key is readable by group or others (mode 0640); run chmod 600",
		"holds secrets (keys, NT hashes or MD5 passwords) but is readable by group or others (mode 0644)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if os.Geteuid() != 0 { // root reads anything, so unreadable files only fail for others
		os.Chmod(path, 0o600)
		os.Chmod(filepath.Join(dir, "gateway.key"), 0o000)
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("unreadable key: %v", err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("missing config: %v", err)
	}
}

func TestConfigKeyFileAndAsymmetric(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"k.psk": "\n", "server.toml": ""}, nil)
	src := "[keyring.a]\naddress = \"192.0.2.0/24\"\nkey_file = \"k.psk\"\n" +
		"[keyring.b]\naddress = \"198.51.100.7\"\nlocal_key = \"mine\"\nremote_key = \"theirs\"\n"
	_, err := Parse(filepath.Join(dir, "server.toml"), []byte(src))
	if err == nil || !strings.Contains(err.Error(), "server.toml:3: keyring \"a\": key_file is empty") {
		t.Fatalf("empty key file: %v", err)
	}
	writeFiles(t, dir, map[string]string{"k.psk": "s3cret\r\n"}, nil)
	cfg, err := Parse(filepath.Join(dir, "server.toml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cfg.Keyring.Lookup(mustID(t, "fqdn:x"), netip.MustParseAddr("192.0.2.9"))
	b, _ := cfg.Keyring.Lookup(mustID(t, "fqdn:x"), netip.MustParseAddr("198.51.100.7"))
	if string(a.Key.Local) != "s3cret" || string(b.Key.Local) != "mine" || string(b.Key.Remote) != "theirs" {
		t.Fatalf("keys %q %q/%q", a.Key.Local, b.Key.Local, b.Key.Remote)
	}
}

// FuzzParseConfig checks that no configuration text makes the loader
// panic, and that every failure is a located config error.
func FuzzParseConfig(f *testing.F) {
	example, err := os.ReadFile("server.example.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	f.Add("[pool.a]\nprefix = \"203.0.113.0/30\"\nexclude = [\"203.0.113.1\"]\n[config_mode]\npool = \"a\"\n")
	f.Add("[keyring.x]\nidentity = \"email:*@x\"\nlocal_key = \"a\"\nremote_key = \"b\"\n")
	path := filepath.Join(f.TempDir(), "server.toml")
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := Parse(path, []byte(src))
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error not a config error: %v", err)
			}
			return
		}
		if cfg.Authorizer == nil || cfg.Keyring == nil || cfg.Pools == nil {
			t.Fatal("incomplete config without error")
		}
	})
}
