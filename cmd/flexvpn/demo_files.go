package main

import (
	"encoding/hex"
	"fmt"
	"net"
	"os"

	"flexvpn/tunnel/ike/eap"
)

// files writes the gateway's and the client's configuration.
func (d *demo) files() error {
	for _, sub := range []string{"gw", "cl"} {
		if err := os.MkdirAll(d.path(sub), 0o700); err != nil {
			return err
		}
	}
	if err := demoPKI(d.path("gw"), demoGWName, net.ParseIP(demoGWOuter)); err != nil {
		return err
	}
	ca, err := os.ReadFile(d.path("gw/ca.crt"))
	if err != nil {
		return err
	}
	files := []struct {
		name string
		body string
		mode os.FileMode
	}{
		{"gw/server.toml", demoServerConfig(d.path("gw/admin.sock")), 0o600},
		{"cl/ca.crt", string(ca), 0o644},
		{"cl/demo.toml", demoProfile, 0o644},
		{"cl/demo.secrets", fmt.Sprintf("password = %q\n", demoPassword), 0o600},
	}
	for _, f := range files {
		if err := os.WriteFile(d.path(f.name), []byte(f.body), f.mode); err != nil {
			return err
		}
	}
	return nil
}

// demoServerConfig is the gateway's configuration; its admin socket lies
// in the demo's directory, not in /run/flexvpn where a real gateway on
// this host would have its own.
func demoServerConfig(adminSocket string) string {
	nt := hex.EncodeToString(eap.NTHash(demoPassword))
	return fmt.Sprintf(`# flexvpn demo gateway
[server]
listen = [%q]
identity = "fqdn:%s"
admin_socket = %q

[certificate]
cert = "gateway.crt"
key = "gateway.key"

[config_mode]
pool = "clients"
dns = [%q]
split_networks = ["198.51.100.0/24"]
split_dns = ["corp.example"]
banner = "Welcome to the flexvpn demo gateway."

[pool.clients]
prefix = "203.0.113.0/24"
gateway = "203.0.113.1"

[user.%s]
nt_hash = %q
`, demoGWOuter, demoGWName, adminSocket, demoLANDNS, demoUser, nt)
}

// demoProfile is the client's profile, relative to its directory.
var demoProfile = `# flexvpn demo profile
name = "demo"
connect = "manual"

[[peer]]
host = "` + demoGWOuter + `"

[auth]
method = "eap"
identity = "` + demoUser + `@demo.flexvpn.test"
eap_username = "` + demoUser + `"
eap_methods = ["mschapv2"]
secrets_file = "demo.secrets"

[gateway]
ca = "ca.crt"
identity = "` + demoGWName + `"
`
